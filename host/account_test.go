package host

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"regie/wallet"
)

// stolen is a client from addr that carries only the session cookie of r
// (copied), not r's device cookie.
func (w *hostWorld) stolen(r *resident, addr string) *resident {
	w.t.Helper()
	u, _ := url.Parse(w.base)
	s := &resident{w: w, client: clientFrom(addr)}
	s.client.Jar, _ = cookiejar.New(nil)
	for _, c := range r.client.Jar.Cookies(u) {
		if c.Name == cookieName {
			s.client.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
		}
	}
	return s
}

// TestPassphraseInSessionCounted: wrong passphrases typed inside a session
// (a changed passphrase's old one, a deletion's) count exactly like wrong
// logins: the same per-(address, login) throttle, which then holds up a
// login from that address too, the same pace per login name, a log line
// each; and the third ends the session that typed them. The resident's own
// session and device carry on, and nothing is changed or deleted.
func TestPassphraseInSessionCounted(t *testing.T) {
	clk := &clock{now: time.Now()}
	logs := &logLines{}
	w := newHostWorld(t, func(w *hostWorld) {
		w.now, w.logs, w.limits = clk.Now, logs, Limits{LoginPaceFree: 2, LoginPaceEvery: time.Minute}
	})
	phone := w.resident()
	acc := w.signup(phone, "fatima", bsnA, nameA, passA)
	thief := w.stolen(phone, "127.0.0.4")
	// She logs in again on her phone: a session of her own beside the
	// copied one.
	if code := phone.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, nil); code != 200 {
		t.Fatalf("login on the phone: %d", code)
	}
	change := func(r *resident, old string) (int, string) {
		var out struct {
			Error struct{ Code string } `json:"error"`
		}
		code := r.call("POST", "/api/v1/passphrase", map[string]string{"old": old, "new": "een heel nieuwe wachtwoordzin"}, &out)
		return code, out.Error.Code
	}
	before := w.h.derivations.Load()
	for i := range 2 {
		if code, why := change(thief, fmt.Sprint("gok ", i)); code != 401 || why != "login_failed" {
			t.Fatalf("wrong old passphrase %d: %d %s", i, code, why)
		}
	}
	if code, why := change(thief, "gok 2"); code != 429 || why != "login_throttled" {
		t.Fatalf("a third at once: %d %s, want 429 (the address waits, as after wrong logins)", code, why)
	}
	if code := thief.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": "gok 3"}, nil); code != 429 {
		t.Fatalf("a login from the same address after them: %d, want 429 (one count)", code)
	}
	if n := w.h.derivations.Load() - before; n != 2 {
		t.Fatalf("%d derivations, want 2 (throttled tries derive nothing)", n)
	}
	// The pace per login counted them: one more wrong from a new address
	// is the paced try, the next waits.
	if code := w.stolen(phone, "127.0.0.5").call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": "gok 4"}, nil); code != 401 {
		t.Fatalf("a wrong login from a new address: %d, want 401", code)
	}
	if code := w.stolen(phone, "127.0.0.6").call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": "gok 5"}, nil); code != 429 {
		t.Fatalf("the next from yet another address: %d, want 429 (paced)", code)
	}
	clk.add(2 * time.Minute)
	if code, why := change(thief, "gok 6"); code != 401 || why != "not_unlocked" {
		t.Fatalf("the third wrong in the session: %d %s, want the session ended", code, why)
	}
	if code := thief.call("GET", "/api/v1/overview", nil, nil); code != 401 {
		t.Fatalf("the ended session still reads: %d", code)
	}
	if n := logs.count("passphrase in a session wrong", "client=127.0.0.4"); n != 3 {
		t.Fatalf("%d log lines for wrong passphrases in the session, want 3:\n%s", n, logs)
	}
	// Her own session and device: not held up, nothing changed.
	if code := phone.call("GET", "/api/v1/overview", nil, nil); code != 200 {
		t.Fatalf("the resident's own session: %d", code)
	}
	if code := phone.call("DELETE", "/api/v1/vault", map[string]string{"passphrase": "niet de goede"}, nil); code != 401 {
		t.Fatalf("delete with a wrong passphrase: %d, want 401", code)
	}
	if code := phone.call("DELETE", "/api/v1/vault", nil, nil); code != 415 {
		t.Fatalf("delete without a passphrase: %d, want 415", code)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "vaults", acc.Vault+".db")); err != nil {
		t.Fatalf("the vault is gone after a refused delete: %v", err)
	}
	if code, _ := change(phone, passA); code != 204 {
		t.Fatalf("the resident changes her passphrase on her phone: %d", code)
	}
}

// TestDeleteWaitsOnlyAsLongAsTheRequest: a vault in use by another request
// is removed once it is free, but a request that ends first (its context)
// gives up and removes nothing.
func TestDeleteWaitsOnlyAsLongAsTheRequest(t *testing.T) {
	ctx := context.Background()
	h, _ := clockedHost(t)
	id, _, err := h.Signup(ctx, "fatima", bsnA, nameA, passA)
	if err != nil {
		t.Fatal(err)
	}
	_, release, err := h.acquire(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := h.removeVault(gone, id); !errors.Is(err, context.Canceled) {
		t.Fatalf("removing a vault in use for an ended request: %v, want context.Canceled", err)
	}
	if found, err := h.ix.exists(ctx, id); err != nil || !found {
		t.Fatalf("the vault left the index: %v %v", found, err)
	}
	release()
	if err := h.removeVault(ctx, id); err != nil {
		t.Fatal(err)
	}
	if found, _ := h.ix.exists(ctx, id); found {
		t.Fatal("the vault is still in the index")
	}
}

// TestDeviceCookieEndsAtPassphraseChange: a device cookie copied off the
// resident's phone exempts from the login's pace until she changes her
// passphrase; after it the copy is paced like any stranger, while the
// device that made the change got a new one and is not.
func TestDeviceCookieEndsAtPassphraseChange(t *testing.T) {
	clk := &clock{now: time.Now()}
	w := newHostWorld(t, func(w *hostWorld) {
		w.now, w.limits = clk.Now, Limits{LoginPaceFree: 1, LoginPaceEvery: time.Hour}
	})
	phone := w.resident()
	w.signup(phone, "fatima", bsnA, nameA, passA)
	u, _ := url.Parse(w.base)
	copied := &resident{w: w, client: clientFrom("127.0.0.7")}
	for _, c := range phone.client.Jar.Cookies(u) {
		if c.Name == deviceCookie {
			copied.client.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
		}
	}
	login := func(r *resident, pass string) int {
		return r.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": pass}, nil)
	}
	// A stranger spends the free try and the paced one.
	for i, want := range []int{401, 401, 429} {
		if code := login(&resident{w: w, client: clientFrom(fmt.Sprintf("127.0.3.%d", i+1))}, "gok"); code != want {
			t.Fatalf("stranger's try %d: %d, want %d", i, code, want)
		}
	}
	if code := login(copied, passA); code != 200 {
		t.Fatalf("the copied device cookie before the change: %d, want 200 (it is her device's)", code)
	}
	const newPass = "een nieuwe zin voor later"
	if code := phone.call("POST", "/api/v1/passphrase", map[string]string{"old": passA, "new": newPass}, nil); code != 204 {
		t.Fatalf("change: %d", code)
	}
	if code := login(copied, newPass); code != 429 {
		t.Fatalf("the copied device cookie after the change: %d, want 429 (paced like a stranger)", code)
	}
	if code := login(phone, newPass); code != 200 {
		t.Fatalf("the phone that changed it: %d, want 200", code)
	}
}

// TestPassphraseChangeEndsOtherSessions: a change on her phone ends the
// resident's session on every other device (a copied cookie among them);
// the phone's session stays, and another resident's is untouched.
func TestPassphraseChangeEndsOtherSessions(t *testing.T) {
	w := newHostWorld(t)
	phone, laptop, jan := w.resident(), w.resident(), w.resident()
	w.signup(phone, "fatima", bsnA, nameA, passA)
	if code := laptop.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, nil); code != 200 {
		t.Fatalf("laptop login: %d", code)
	}
	copied := w.stolen(laptop, "127.0.0.8")
	w.signup(jan, "jan", bsnB, nameB, passB)
	if code := phone.call("POST", "/api/v1/passphrase", map[string]string{"old": passA, "new": "een nieuwe zin voor later"}, nil); code != 204 {
		t.Fatalf("change: %d", code)
	}
	for name, tc := range map[string]struct {
		r    *resident
		want int
	}{"phone": {phone, 200}, "laptop": {laptop, 401}, "copied laptop cookie": {copied, 401}, "jan": {jan, 200}} {
		if code := tc.r.call("GET", "/api/v1/overview", nil, nil); code != tc.want {
			t.Errorf("%s after the change: %d, want %d", name, code, tc.want)
		}
	}
}

// TestPassphraseChangeRotatesTheDataKey: a session's sealed data key, read
// from the index before a passphrase change together with its cookie,
// opens no copy of the vault taken after the change; the session that
// changed it holds the new key, sealed again, and opens it.
func TestPassphraseChangeRotatesTheDataKey(t *testing.T) {
	ctx := context.Background()
	w := newHostWorld(t)
	phone, laptop := w.resident(), w.resident()
	acc := w.signup(phone, "fatima", bsnA, nameA, passA)
	if code := laptop.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, nil); code != 200 {
		t.Fatalf("laptop login: %d", code)
	}
	u, _ := url.Parse(w.base)
	secretOf := func(r *resident) string {
		for _, c := range r.client.Jar.Cookies(u) {
			if c.Name == cookieName {
				return c.Value
			}
		}
		t.Fatal("no session cookie")
		return ""
	}
	sealedKey := func(secret string) []byte {
		e, ok, err := w.h.ix.session(ctx, secret)
		if err != nil || !ok {
			t.Fatalf("session: %v %v", ok, err)
		}
		k, _ := sessionKey(secret)
		dk, err := wallet.OpenWithSecret(k, sessionID(secret), e.Sealed)
		if err != nil {
			t.Fatal(err)
		}
		return dk
	}
	oldKey := sealedKey(secretOf(laptop)) // an old cookie and its sealed copy, kept
	if code := phone.call("POST", "/api/v1/passphrase", map[string]string{"old": passA, "new": "een nieuwe zin voor later"}, nil); code != 204 {
		t.Fatalf("change: %d", code)
	}
	newKey := sealedKey(secretOf(phone))
	if code := phone.call("GET", "/api/v1/overview", nil, nil); code != 200 {
		t.Fatalf("the phone's session after the change: %d", code)
	}
	// A copy of the vault file taken after the change, as a backup or a
	// stolen disk would hold it, while the host runs.
	raw, err := os.ReadFile(filepath.Join(w.dir, "vaults", acc.Vault+".db"))
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := wallet.OpenFile(copyPath, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	v, err := wallet.OpenStore(db, &wallet.Options{KDF: fastKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.UnlockWithDataKey(ctx, oldKey); err == nil {
		t.Fatal("the data key sealed for a session before the change opens the vault after it")
	}
	if err := v.UnlockWithDataKey(ctx, newKey); err != nil {
		t.Fatalf("the changing session's key: %v", err)
	}
	if _, err := v.Series(ctx); err != nil {
		t.Fatalf("reading with the new key: %v", err)
	}
}
