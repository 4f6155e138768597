package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"regie/consent"
	"regie/internal/testkit"
)

// signupLocked signs up a resident from r and locks the vault again; it
// returns the account.
func (w *hostWorld) signupLocked(r *resident, login, bsn, name, pass string) Account {
	w.t.Helper()
	acc := w.signup(r, login, bsn, name, pass)
	if code := r.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
		w.t.Fatalf("lock %s: %d", login, code)
	}
	return acc
}

// send makes a request from client and returns its status and Retry-After.
func send(t *testing.T, client *http.Client, method, url, ctype string, body io.Reader, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestPushLimitPerVault: a vault takes PushPerVault accepted pushes a
// minute from every client together; the next is 429 with Retry-After and
// queues nothing, whichever address sends it. Junk (a statement no trusted
// organisation signed) uses none of the vault's budget, so a stranger
// cannot spend it; another vault is not affected; a minute later the vault
// takes pushes again.
func TestPushLimitPerVault(t *testing.T) {
	clk := &clock{now: time.Now()}
	w := newHostWorld(t, func(w *hostWorld) { w.now, w.limits = clk.Now, Limits{PushPerVault: 3} })
	a := w.signupLocked(w.resident(), "fatima", bsnA, nameA, passA)
	b := w.signupLocked(w.resident(), "jan", bsnB, nameB, passB)
	forger := *w
	forger.cjib = newOrg(t, "cjib", "creditor") // the same id with a key the host does not trust
	for i := range 10 {
		if _, out := w.push(a.Wallet, forger.debt(bsnA, fmt.Sprint("junk", i), "J-1", 100)); out["accepted"] != float64(0) {
			t.Fatalf("a forged push: %v", out)
		}
	}
	for i := range 3 {
		if code, out := w.push(a.Wallet, w.debt(bsnA, fmt.Sprint("a", i), fmt.Sprint("R-", i), 100)); code != 202 || out["accepted"] != float64(1) {
			t.Fatalf("push %d to A: %d %v", i, code, out)
		}
	}
	code, retry := send(t, clientFrom("127.0.0.2"), "POST", a.Wallet+"/api/v1/inbox", "application/jose", strings.NewReader(w.debt(bsnA, "a3", "R-3", 100)))
	if code != 429 || retry == "" {
		t.Fatalf("push beyond A's budget from another address: %d, Retry-After %q", code, retry)
	}
	if n := w.pendingCount(a.Vault); n != 3 {
		t.Fatalf("%d pushes wait for A, want 3", n)
	}
	if code, _ := w.push(b.Wallet, w.debt(bsnB, "b0", "R-B", 100)); code != 202 {
		t.Fatalf("push to B while A is at its limit: %d", code)
	}
	clk.add(61 * time.Second)
	if code, _ := w.push(a.Wallet, w.debt(bsnA, "a4", "R-4", 100)); code != 202 {
		t.Fatalf("push to A a minute later: %d", code)
	}
}

// TestRedeemLimitPerVault: a vault's consents are served RedeemPerVault
// times a minute from every helper and address together; the next is 429
// with Retry-After. Redemptions with a wrong handle use none of the budget,
// another vault is not affected, and a minute later the vault serves again.
func TestRedeemLimitPerVault(t *testing.T) {
	clk := &clock{now: time.Now()}
	w := newHostWorld(t, func(w *hostWorld) { w.now, w.limits = clk.Now, Limits{RedeemPerVault: 2} })
	grant := func(login, bsn, name, pass string) (Account, string) {
		r := w.resident()
		var acc Account
		if code := r.call("POST", "/api/v1/signup", map[string]string{"login": login, "bsn": bsn, "name": name, "passphrase": pass}, &acc); code != 201 {
			t.Fatalf("sign-up %s: %d", login, code)
		}
		var g GrantAnswer
		if code := r.call("POST", "/api/v1/consents", map[string]any{"to": "schuldhulp-a", "purpose": "debt-help-intake", "scope": []string{"debts"}, "days": 14, "max_uses": 100}, &g); code != 201 {
			t.Fatalf("grant %s: %d", login, code)
		}
		r.call("DELETE", "/api/v1/session", nil, nil)
		return acc, strings.SplitN(g.URL, "#", 2)[0]
	}
	a, urlA := grant("fatima", bsnA, nameA, passA)
	_, urlB := grant("jan", bsnB, nameB, passB)
	redeem := func(client *http.Client, url string) (int, string) {
		// Sealed redemptions check a proof's time against the real clock.
		proof, err := consent.SignProof(w.helpA.key, "schuldhulp-a", consent.PurposeIntake, "GET", url, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return send(t, client, "GET", url, "", nil, "Regie-Proof", proof)
	}
	for i := range 5 {
		wrong := a.Wallet + "/c/" + strings.Repeat(string(rune('A'+i)), 43)
		if code, _ := redeem(clientFrom("127.0.0.3"), wrong); code == 200 || code == 429 {
			t.Fatalf("a wrong handle: %d", code)
		}
	}
	for i := range 2 {
		if code, _ := redeem(http.DefaultClient, urlA); code != 200 {
			t.Fatalf("redemption %d of A: %d", i, code)
		}
	}
	if code, retry := redeem(clientFrom("127.0.0.2"), urlA); code != 429 || retry == "" {
		t.Fatalf("redemption beyond A's budget from another address: %d, Retry-After %q", code, retry)
	}
	if code, _ := redeem(http.DefaultClient, urlB); code != 200 {
		t.Fatalf("redemption of B while A is at its limit: %d", code)
	}
	clk.add(61 * time.Second)
	if code, _ := redeem(http.DefaultClient, urlA); code != 200 {
		t.Fatalf("redemption of A a minute later: %d", code)
	}
}

// TestLoginPacePerLogin: wrong passphrases for one login name from many
// addresses, each staying under its own per-address count, share a budget
// of LoginPaceFree; beyond it one try per LoginPaceEvery gets through and
// the rest are 429 without deriving a key. The resident's own device, which
// carries the device cookie of an earlier login, passes the pace with the
// right passphrase; a forged or another login's device cookie does not. A
// new device gets the next paced try, and the right passphrase passes.
func TestLoginPacePerLogin(t *testing.T) {
	clk := &clock{now: time.Now()}
	w := newHostWorld(t, func(w *hostWorld) {
		w.now, w.limits = clk.Now, Limits{LoginPaceFree: 4, LoginPaceEvery: time.Minute}
	})
	phone := w.resident()
	w.signupLocked(phone, "fatima", bsnA, nameA, passA)
	if code := phone.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, nil); code != 200 {
		t.Fatalf("the resident logs in on her phone: %d", code)
	}
	phone.call("DELETE", "/api/v1/session", nil, nil)
	jan := w.resident()
	w.signupLocked(jan, "jan", bsnB, nameB, passB)
	jan.call("POST", "/api/v1/session", map[string]string{"login": "jan", "passphrase": passB}, nil)

	try := func(client *http.Client, pass string) int {
		code, _ := send(t, client, "POST", w.base+"/api/v1/session", "application/json",
			strings.NewReader(fmt.Sprintf(`{"login":"fatima","passphrase":%q}`, pass)))
		return code
	}
	before := w.h.derivations.Load()
	var codes []int
	for i := range 10 { // ten addresses, one guess each: no address is throttled by itself
		codes = append(codes, try(clientFrom(fmt.Sprintf("127.0.1.%d", i+1)), "een foute gok nummer"))
	}
	want := []int{401, 401, 401, 401, 401, 429, 429, 429, 429, 429} // four free, one paced, then wait
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Fatalf("guesses from ten addresses answered %v, want %v", codes, want)
	}
	if n := w.h.derivations.Load() - before; n != 5 {
		t.Fatalf("%d derivations for 10 guesses, want 5 (paced tries derive nothing)", n)
	}
	if code := try(jan.client, passA); code != 429 {
		t.Fatalf("with another login's device cookie: %d, want 429", code)
	}
	forged := w.resident()
	u, _ := http.NewRequest("GET", w.base, nil)
	forged.client.Jar.SetCookies(u.URL, []*http.Cookie{{Name: deviceCookie, Value: strings.Repeat("A", 86)}})
	if code := try(forged.client, passA); code != 429 {
		t.Fatalf("with a forged device cookie: %d, want 429", code)
	}
	if code := try(phone.client, passA); code != 200 {
		t.Fatalf("the resident on her own phone during the attack: %d, want 200", code)
	}
	clk.add(time.Minute)
	if code := try(clientFrom("127.0.2.1"), passA); code != 200 {
		t.Fatalf("the resident on a new device at the next paced try: %d, want 200", code)
	}
}

// TestDerivationQueue: key derivations run one per core; DeriveQueue more
// wait for a slot, and beyond them a login is 503 with Retry-After at once,
// deriving nothing. Once the slots free up, the waiting ones derive.
func TestDerivationQueue(t *testing.T) {
	w := newHostWorld(t, func(w *hostWorld) { w.deriveWait = time.Hour })
	w.signupLocked(w.resident(), "fatima", bsnA, nameA, passA)
	ctx := context.Background()
	held := holdDerivations(t, w)
	queue := w.h.cfg.DeriveQueue
	if queue < 1 || queue > 4*runtime.NumCPU() {
		t.Fatalf("queue of %d for %d cores", queue, runtime.NumCPU())
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for range queue {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done, err := w.h.deriving(ctx)
			if err == nil {
				done()
			}
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}()
	}
	for w.h.queued.Load() < int64(queue) {
		runtime.Gosched()
	}
	before := w.h.derivations.Load()
	code, retry := send(t, http.DefaultClient, "POST", w.base+"/api/v1/session", "application/json", strings.NewReader(`{"login":"fatima","passphrase":"`+passA+`"}`))
	if code != 503 || retry == "" {
		t.Fatalf("a login beyond the queue: %d, Retry-After %q", code, retry)
	}
	if _, err := w.h.deriving(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("a derivation beyond the queue: %v", err)
	}
	if n := w.h.derivations.Load() - before; n != 0 {
		t.Fatalf("%d derivations beyond the queue", n)
	}
	for _, done := range held {
		done()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("a waiting derivation: %v", err)
		}
	}
	if n := w.h.derivations.Load() - before; n != int64(queue) {
		t.Fatalf("%d derivations after the slots freed, want %d", n, queue)
	}
}

// TestEncodedBodiesRefusedByHost: the host refuses a gzip bomb on every
// route a stranger reaches (415, the process allocating less than 100 MB,
// nothing queued), and a chunked body beyond the body limit once decoded
// from its chunks (413), so a body is bounded by what it decodes to.
func TestEncodedBodiesRefusedByHost(t *testing.T) {
	w := newHostWorld(t, func(w *hostWorld) { w.limits = Limits{Body: 64 << 10} })
	a := w.signupLocked(w.resident(), "fatima", bsnA, nameA, passA)
	bomb := testkit.GzipBomb(t, 56<<20) // 56 MiB of zeros, about 55 KB: within the body limit
	routes := []struct{ name, url, ctype string }{
		{"signup", w.base + "/api/v1/signup", "application/json"},
		{"session", w.base + "/api/v1/session", "application/json"},
		{"inbox", a.Wallet + "/api/v1/inbox", "application/json"},
		{"login page", w.base + "/inloggen", "application/x-www-form-urlencoded"},
	}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			var code int
			grew := testkit.AllocatedDuring(func() {
				code, _ = send(t, http.DefaultClient, "POST", r.url, r.ctype, bytes.NewReader(bomb), "Content-Encoding", "gzip")
			})
			if code != http.StatusUnsupportedMediaType || grew > 100<<20 {
				t.Errorf("gzip bomb: %d, %d MB allocated", code, grew>>20)
			}
		})
	}
	// A chunked body: its length is known only once decoded.
	list := make([]string, 0, 200)
	for i := range 200 {
		list = append(list, w.debt(bsnA, fmt.Sprint("c", i), fmt.Sprint("C-", i), 100))
	}
	big := []byte(`{"statements":["` + strings.Join(list, `","`) + `"]}`)
	if len(big) < 64<<10 {
		t.Fatalf("the chunked body is only %d bytes", len(big))
	}
	req, _ := http.NewRequest("POST", a.Wallet+"/api/v1/inbox", io.MultiReader(bytes.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	switch {
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		// The server answered 413 and closed while the client was still
		// writing the body: refused as well, only seen from the other end.
	case err != nil:
		t.Fatal(err)
	default:
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked %d-byte body: %d, want 413", len(big), resp.StatusCode)
		}
	}
	if n := w.pendingCount(a.Vault); n != 0 {
		t.Errorf("%d pushes queued from refused bodies", n)
	}
}

// TestBusyLoginsAreNotCounted: a login the host was too busy to try (503,
// every derivation slot and the queue taken) is not a wrong passphrase:
// after twelve of them from one address the resident still logs in at
// once, so a flood that keeps the host busy cannot throttle or lock out a
// resident.
func TestBusyLoginsAreNotCounted(t *testing.T) {
	w := newHostWorld(t, func(w *hostWorld) { w.deriveWait = time.Hour })
	w.signupLocked(w.resident(), "fatima", bsnA, nameA, passA)
	held := holdDerivations(t, w)
	w.h.queued.Add(int64(w.h.cfg.DeriveQueue)) // the queue full, as if waiting
	login := `{"login":"fatima","passphrase":"` + passA + `"}`
	for i := range 12 {
		if code, _ := send(t, http.DefaultClient, "POST", w.base+"/api/v1/session", "application/json", strings.NewReader(login)); code != 503 {
			t.Fatalf("login %d while busy: %d, want 503", i, code)
		}
	}
	w.h.queued.Add(-int64(w.h.cfg.DeriveQueue))
	for _, done := range held {
		done()
	}
	if code, _ := send(t, http.DefaultClient, "POST", w.base+"/api/v1/session", "application/json", strings.NewReader(login)); code != 200 {
		t.Fatalf("the resident once the host has room: %d, want 200", code)
	}
}

// holdDerivations takes every per-core derivation slot, as logins that
// never finish would; the caller calls each returned func to free them.
func holdDerivations(t *testing.T, w *hostWorld) []func() {
	t.Helper()
	var held []func()
	for range runtime.NumCPU() {
		done, err := w.h.deriving(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, done)
	}
	return held
}
