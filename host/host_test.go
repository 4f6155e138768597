package host

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/consent"
	"regie/helper"
	"regie/internal/testkit"
	"regie/store"
	"regie/trust"
	"regie/wallet"
)

var fastKDF = wallet.KDFParams{Time: 1, Memory: 8 << 10, Threads: 1}

type org struct {
	org trust.Organisation
	key jose.JSONWebKey
	dec jose.JSONWebKey // a helper's encryption key
}

func newOrg(t *testing.T, id string, kind trust.Kind) org {
	t.Helper()
	set, o, err := trust.NewOrganisation(id, "Organisatie "+id, kind, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := trust.SigningKeyOf(set)
	d, _ := trust.DecryptionKeyOf(set)
	return org{org: o, key: k, dec: d}
}

type hostWorld struct {
	t           *testing.T
	dir, base   string
	tl          *trust.List
	cjib, helpA org
	h           *Host
	srv         *Server
	ln          net.Listener
	// now, quota, backend and deriveWait, when set, go into the host's
	// Config at start; limits into the server's (per-client limits stay
	// off unless set).
	now        func() time.Time
	quota      wallet.PendingQuota
	backend    Backend
	deriveWait time.Duration
	limits     Limits
	proxies    []string // the server's trusted proxies
	// logs, when set, receives the host's log lines.
	logs *logLines
}

func (w *hostWorld) start() {
	w.t.Helper()
	h, err := Open(Config{Dir: w.dir, Backend: w.backend, PublicURL: w.base, Trust: w.tl, KDF: fastKDF, Now: w.now, PendingQuota: w.quota, DeriveWait: w.deriveWait, Logger: w.logs.logger()})
	if err != nil {
		w.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", strings.TrimPrefix(w.base, "http://"))
	if err != nil {
		w.t.Fatal(err)
	}
	limits := w.limits
	for _, l := range []*int{&limits.LoginPerMinute, &limits.PushPerMinute, &limits.RedeemPerMinute} {
		if *l == 0 {
			*l = -1
		}
	}
	w.h, w.srv, w.ln = h, NewServer(h, ServerOptions{Limits: limits, TrustedProxies: w.proxies}), ln
	go w.srv.Serve(ln)
}

func (w *hostWorld) stop() {
	w.srv.Shutdown(context.Background())
	w.h.Close()
}

func newHostWorld(t *testing.T, set ...func(*hostWorld)) *hostWorld {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close()
	w := &hostWorld{t: t, dir: t.TempDir(), base: base, cjib: newOrg(t, "cjib", trust.KindCreditor), helpA: newOrg(t, "schuldhulp-a", trust.KindHelper)}
	w.tl, _ = trust.NewList([]trust.Organisation{w.cjib.org, w.helpA.org})
	for _, f := range set {
		f(w)
	}
	w.start()
	t.Cleanup(w.stop)
	return w
}

type resident struct {
	w      *hostWorld
	client *http.Client
}

func (w *hostWorld) resident() *resident {
	jar, _ := cookiejar.New(nil)
	return &resident{w: w, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (r *resident) call(method, path string, body any, out any) int {
	r.w.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, r.w.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		r.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		_ = json.Unmarshal(raw, out)
	}
	return resp.StatusCode
}

// signup signs a resident up over the API and returns the account; the
// session stays open.
func (w *hostWorld) signup(r *resident, login, bsn, name, pass string) Account {
	w.t.Helper()
	var acc Account
	if code := r.call("POST", "/api/v1/signup", map[string]string{"login": login, "bsn": bsn, "name": name, "passphrase": pass}, &acc); code != 201 {
		w.t.Fatalf("sign-up %s: %d", login, code)
	}
	return acc
}

func (w *hostWorld) debt(bsn, jti, ref string, cents int64) string {
	raw, _ := json.Marshal(map[string]any{"iss": "cjib", "sub": bsn, "jti": jti, "iat": time.Now().Unix() - 60, "type": "debt",
		"as_of": "2026-11-20", "debt": map[string]any{"reference": ref, "creditor": "Centraal Justitieel Incassobureau", "category": "fine",
			"original_cents": cents, "outstanding_cents": cents, "status": "collection"}})
	s, err := trust.SignStatement(w.cjib.key, raw)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

func (w *hostWorld) push(wallet, jws string) (int, map[string]any) {
	w.t.Helper()
	return w.post(wallet+"/api/v1/inbox", "application/jose", jws)
}

// post sends body and decodes the JSON answer.
func (w *hostWorld) post(url, contentType, body string) (int, map[string]any) {
	w.t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

const (
	bsnA, bsnB   = "123456782", "111222333"
	nameA, nameB = "Fatima de Vries", "Jan Jansen"
	passA, passB = "paars paard zingt zacht", "groene trein rijdt snel"
)

// TestHostedVaultsWhileAway: two residents sign up; A grants a helper
// consent and logs out; the host restarts with no passphrase; an
// organisation pushes to A and the helper redeems A's QR URL and fetches
// again with the consent token; A logs in and finds the push and both
// accesses in an intact log; B saw none of it. Revoking refuses the next
// redemption at once; deleting B's vault leaves nothing of B.
func TestHostedVaultsWhileAway(t *testing.T) {
	ctx := context.Background()
	w := newHostWorld(t)
	a, b := w.resident(), w.resident()
	accA, accB := w.signup(a, "fatima", bsnA, nameA, passA), w.signup(b, "jan", bsnB, nameB, passB)
	if accA.Wallet != w.base+"/v/"+accA.Vault || len(accA.Vault) < 22 || accA.Vault == accB.Vault {
		t.Fatalf("accounts: %+v %+v", accA, accB)
	}
	// A has one debt before granting; the push while away adds another.
	if code, _ := w.push(accA.Wallet, w.debt(bsnA, "c1", "CJIB-1111", 52591357)); code != 202 {
		t.Fatalf("push while present: %d", code)
	}
	var g GrantAnswer
	if code := a.call("POST", "/api/v1/consents", map[string]any{"to": "schuldhulp-a", "purpose": "debt-help-intake", "scope": []string{"debts"}, "days": 14}, &g); code != 201 {
		t.Fatalf("grant: %d", code)
	}
	if code := a.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
		t.Fatalf("logout: %d", code)
	}

	w.stop() // a restart: nothing of A's keys survives it
	w.start()

	if code, out := w.push(accA.Wallet, w.debt(bsnA, "c2", "CJIB-2222", 77003141)); code != 202 || out["accepted"] != float64(1) {
		t.Fatalf("push while away: %d %v", code, out)
	}
	stranger := newOrg(t, "stranger", trust.KindCreditor)
	raw, _ := json.Marshal(map[string]any{"iss": "stranger", "sub": bsnA, "jti": "s1", "iat": time.Now().Unix(), "type": "debt", "as_of": "2026-11-20",
		"debt": map[string]any{"reference": "S", "creditor": "S", "category": "fine", "original_cents": 1, "outstanding_cents": 1, "status": "open"}})
	sj, _ := trust.SignStatement(stranger.key, raw)
	if code, out := w.push(accA.Wallet, sj); code != 202 || out["refused"] != float64(1) {
		t.Fatalf("push from a stranger: %d %v", code, out)
	}
	hc := &helper.Client{ID: "schuldhulp-a", Key: w.helpA.key, Dec: w.helpA.dec}
	im := helper.NewImporter(hc, w.tl)
	vd, err := im.FromURL(ctx, g.URL, consent.PurposeIntake)
	if err != nil {
		t.Fatalf("redeem while away: %v", err)
	}
	if len(vd.Verified) != 1 || vd.Overview.TotalOutstandingCents != 52591357 {
		t.Errorf("dossier: %d statements, %d cents", len(vd.Verified), vd.Overview.TotalOutstandingCents)
	}
	link, _ := helper.ParseConsentURL(g.URL)
	again, err := hc.Fetch(ctx, accA.Wallet, vd.Grant, consent.PurposeIntake)
	if err != nil {
		t.Fatalf("fetch with the token while away: %v", err)
	}
	if _, err := im.Verify(again, link.WalletID); err != nil {
		t.Fatal(err)
	}

	// Nothing of either resident is readable in the data folder.
	scanDataFolder(t, w.dir, []string{bsnA, bsnB, nameA, nameB, "Fatima", "Jansen", "Centraal Justitieel", "CJIB-1111", "CJIB-2222", "52591357", "77003141", "fatima", passA})

	var back Account
	a = w.resident()
	if code := a.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, &back); code != 200 || back.Arrived == nil || back.Arrived.Added != 1 {
		t.Fatalf("login A: %d %+v", code, back.Arrived)
	}
	var o wallet.Overview
	a.call("GET", "/api/v1/overview", nil, &o)
	if o.TotalOutstandingCents != 52591357+77003141 {
		t.Errorf("A's overview: %d cents", o.TotalOutstandingCents)
	}
	var audit testkit.Audit
	a.call("GET", "/api/v1/audit", nil, &audit)
	if accesses := audit.Accesses(g.ID); accesses != 2 || !audit.Intact {
		t.Fatalf("A's log: %d accesses, intact %v", audit.Accesses(g.ID), audit.Intact)
	}
	// B's session outlived the restart (its data key is sealed under B's
	// cookie, which no process holds) and reads B's vault only.
	var ob wallet.Overview
	if code := b.call("GET", "/api/v1/overview", nil, &ob); code != 200 || ob.TotalOutstandingCents != 0 {
		t.Errorf("B's overview: %d, %d cents", code, ob.TotalOutstandingCents)
	}
	if code := b.call("DELETE", "/api/v1/consents/"+g.ID, nil, nil); code == 200 {
		t.Error("B revoked A's consent")
	}
	// Revoking while the host runs refuses the very next redemption.
	if code := a.call("DELETE", "/api/v1/consents/"+g.ID, nil, nil); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if _, err := hc.Fetch(ctx, accA.Wallet, vd.Grant, consent.PurposeIntake); err == nil {
		t.Fatal("redeemed after revocation")
	}
	// Deleting B's vault leaves nothing of B.
	if code := b.call("DELETE", "/api/v1/vault", map[string]string{"passphrase": passB}, nil); code != 204 {
		t.Fatalf("delete B: %d", code)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "vaults", accB.Vault+".db")); !os.IsNotExist(err) {
		t.Errorf("B's vault file: %v", err)
	}
	if code := b.call("POST", "/api/v1/session", map[string]string{"login": "jan", "passphrase": passB}, nil); code != 401 {
		t.Errorf("login to a deleted vault: %d", code)
	}
	if code, _ := w.push(accB.Wallet, w.debt(bsnB, "b1", "B-1", 1)); code != 404 {
		t.Errorf("push to a deleted vault: %d", code)
	}
	w.h.ix.db.View(context.Background(), func(tx store.Tx) error {
		for _, name := range [][]byte{bucketVaults, bucketLogins} {
			tx.Bucket(name).ForEach(func(k, v []byte) error {
				if bytes.Contains(k, []byte(accB.Vault)) || bytes.Contains(v, []byte(accB.Vault)) {
					t.Errorf("index bucket %s still names B's vault", name)
				}
				return nil
			})
		}
		if tx.Bucket([]byte(bucketBoxes)).Bucket([]byte(accB.Vault)) != nil {
			t.Error("B's box is still there")
		}
		return nil
	})
}

// scanDataFolder reads every file under dir and fails on any secret found.
func scanDataFolder(t *testing.T, dir string, secrets []string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%s holds %q", filepath.Base(path), s)
			}
		}
		for _, marker := range []string{`"d":`, "PRIVATE KEY"} {
			if bytes.Contains(raw, []byte(marker)) {
				t.Errorf("%s holds key material (%s)", filepath.Base(path), marker)
			}
		}
		return nil
	})
}

func TestSignupRefusesBadInput(t *testing.T) {
	w := newHostWorld(t)
	r := w.resident()
	if code := r.call("POST", "/api/v1/signup", map[string]string{"login": "taken", "bsn": bsnA, "name": nameA, "passphrase": passA}, nil); code != 201 {
		t.Fatalf("first sign-up: %d", code)
	}
	for _, tc := range []struct {
		name string
		body any
		code int
		err  string
	}{
		{"short passphrase", map[string]string{"login": "x1y", "bsn": bsnB, "name": nameB, "passphrase": "kort"}, 400, "invalid_input"},
		{"bsn fails the 11-check", map[string]string{"login": "x2y", "bsn": "123456789", "name": nameB, "passphrase": passB}, 400, "invalid_input"},
		{"login with a space", map[string]string{"login": "a b c", "bsn": bsnB, "name": nameB, "passphrase": passB}, 400, "invalid_input"},
		{"no name", map[string]string{"login": "x3y", "bsn": bsnB, "name": "", "passphrase": passB}, 400, "invalid_input"},
		{"login taken", map[string]string{"login": "TAKEN", "bsn": bsnB, "name": nameB, "passphrase": passB}, 409, "login_taken"},
		{"unknown field", map[string]string{"login": "x4y", "bsn": bsnB, "name": nameB, "passphrase": passB, "admin": "yes"}, 400, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			if code := w.resident().call("POST", "/api/v1/signup", tc.body, &e); code != tc.code || e.Error.Code != tc.err {
				t.Fatalf("%d %s, want %d %s", code, e.Error.Code, tc.code, tc.err)
			}
			files, _ := os.ReadDir(filepath.Join(w.dir, "vaults"))
			if len(files) != 1 {
				t.Fatalf("%d vault files after a refused sign-up", len(files))
			}
		})
	}
	// Changing the passphrase: the old one must be right, the new one strong.
	for _, tc := range []struct {
		name, old, new string
		code           int
	}{
		{"wrong old passphrase", "not the passphrase", "een nieuwe lange zin", 401},
		{"weak new passphrase", passA, "kort", 400},
		{"good change", passA, "een nieuwe lange zin", 204},
	} {
		if code := r.call("POST", "/api/v1/passphrase", map[string]string{"old": tc.old, "new": tc.new}, nil); code != tc.code {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.code)
		}
	}
	if code := r.call("GET", "/api/v1/overview", nil, nil); code != 200 {
		t.Errorf("session after a passphrase change: %d", code)
	}
	if code := w.resident().call("POST", "/api/v1/session", map[string]string{"login": "taken", "passphrase": passA}, nil); code != 401 {
		t.Errorf("the old passphrase still opens: %d", code)
	}
	if code := w.resident().call("POST", "/api/v1/session", map[string]string{"login": "taken", "passphrase": "een nieuwe lange zin"}, nil); code != 200 {
		t.Errorf("the new passphrase does not open: %d", code)
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if code := w.resident().call("POST", "/api/v1/session", map[string]string{"login": "taken", "passphrase": "wrong passphrase here"}, &e); code != 401 || e.Error.Code != "login_failed" {
		t.Fatalf("wrong passphrase: %d %s", code, e.Error.Code)
	}
	if code := w.resident().call("POST", "/api/v1/session", map[string]string{"login": "nobody", "passphrase": passA}, &e); code != 401 || e.Error.Code != "login_failed" {
		t.Fatalf("unknown login: %d %s", code, e.Error.Code)
	}
}
