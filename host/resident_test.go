package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regie/internal/httpx"
	"regie/store"
	"regie/trust"
	"strings"
	"testing"
	"time"
)

// TestLoginLandsOnOverviewSayingWhatArrived: a resident locks, an
// organisation pushes, and at her next login through the page she lands on
// her overview, which says once, in words, what arrived and from whom, and
// what was refused and why.
func TestLoginLandsOnOverviewSayingWhatArrived(t *testing.T) {
	w := newHostWorld(t)
	b := w.browser()
	b.get(signupPath)
	if code, _, loc := b.post(signupPath, signupValues("fatima", bsnA, pagePass, pagePass)); code != 303 || loc != "/" {
		t.Fatalf("sign-up: %d to %q", code, loc)
	}
	if code, page, _ := b.get("/"); code != 200 || strings.Contains(page, "Terwijl u weg was") {
		t.Fatalf("overview after sign-up: %d\n%s", code, page)
	}
	if code, _, _ := b.post("/lock", url.Values{}); code != 303 {
		t.Fatalf("lock: %d", code)
	}
	id, _ := w.h.ix.vaultOf(context.Background(), "fatima")
	if code, _ := w.push(w.h.WalletURL(id), w.debt(bsnA, "c1", "CJIB-1", 12345)); code != 202 {
		t.Fatalf("push: %d", code)
	}
	// One about someone else: the host cannot tell (it holds no BSN), the
	// vault refuses it at the login.
	if code, _ := w.push(w.h.WalletURL(id), w.debt(bsnB, "c2", "CJIB-2", 999)); code != 202 {
		t.Fatalf("push for another BSN: %d", code)
	}
	b.get(loginPath)
	if code, _, loc := b.post(loginPath, url.Values{"login": {"fatima"}, "passphrase": {pagePass}}); code != 303 || loc != "/" {
		t.Fatalf("login: %d to %q", code, loc)
	}
	code, page, _ := b.get("/")
	if code != 200 || !strings.Contains(page, "Terwijl u weg was: 1 nieuw overzicht van Organisatie cjib.") || !strings.Contains(page, "123,45") ||
		!strings.Contains(page, "1 bericht is niet in uw kluis gezet: het bericht gaat over iemand anders.") || strings.Contains(page, "wrong_subject") {
		t.Fatalf("overview after login: %d\n%s", code, page)
	}
	if _, page, _ := b.get("/"); strings.Contains(page, "Terwijl u weg was") {
		t.Error("the overview said what arrived a second time")
	}
}

// indexMentions reports every place in the host index, nested buckets
// included, whose key or value holds needle.
func indexMentions(t *testing.T, w *hostWorld, needle []byte) []string {
	t.Helper()
	var found []string
	var walk func(path string, b store.Bucket)
	walk = func(path string, b store.Bucket) {
		b.ForEach(func(k, v []byte) error {
			if bytes.Contains(k, needle) || bytes.Contains(v, needle) {
				found = append(found, path+"/"+string(k))
			}
			if v == nil {
				if nb := b.Bucket(k); nb != nil {
					walk(path+"/"+string(k), nb)
				}
			}
			return nil
		})
	}
	if err := w.h.ix.db.View(context.Background(), func(tx store.Tx) error {
		return tx.ForEach(func(name []byte, b store.Bucket) error {
			if bytes.Contains(name, needle) {
				found = append(found, string(name))
			}
			walk(string(name), b)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return found
}

// TestAccountPages: without a session the account pages send the resident
// to the login; with one she changes her passphrase (every bad input
// refused in words, changing nothing) and deletes her vault after a page
// that says what is lost, and then nothing of the vault remains: no file,
// no index entry, no session, and her login name opens nothing.
func TestAccountPages(t *testing.T) {
	clk := &clock{now: time.Now()}
	w := newHostWorld(t, func(w *hostWorld) { w.now = clk.Now })
	anon := w.browser()
	if code, _, loc := anon.get(accountPath); code != 303 || loc != loginPath+"?next=%2Fkluis" {
		t.Errorf("account page without a session: %d to %q", code, loc)
	}
	if code, _, loc := anon.post(deletePath, url.Values{"sure": {"yes"}}); code != 303 || loc != loginPath {
		t.Errorf("delete without a session: %d to %q", code, loc)
	}

	b := w.browser()
	b.get(signupPath)
	if code, _, _ := b.post(signupPath, signupValues("fatima", bsnA, pagePass, pagePass)); code != 303 {
		t.Fatalf("sign-up: %d", code)
	}
	id, _ := w.h.ix.vaultOf(context.Background(), "fatima")
	if _, page, _ := b.get("/"); !strings.Contains(page, `href="/kluis"`) {
		t.Fatal("the overview has no link to the account page")
	}
	if code, page, _ := b.get(accountPath); code != 200 || !strings.Contains(page, "Wachtwoordzin veranderen") {
		t.Fatalf("account page: %d\n%s", code, page)
	}
	const newPass = "zes nieuwe woorden voor later"
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		say    string
	}{
		{"form token wrong", url.Values{"old": {pagePass}, "new": {newPass}, "new2": {newPass}, "csrf": {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}, 403, "Het formulier was verlopen"},
		{"two different", url.Values{"old": {pagePass}, "new": {newPass}, "new2": {newPass + "x"}}, 400, "niet hetzelfde"},
		{"old one wrong", url.Values{"old": {pagePass + "x"}, "new": {newPass}, "new2": {newPass}}, 401, "Uw wachtwoordzin nu klopt niet"},
		{"too short", url.Values{"old": {pagePass}, "new": {"kort"}, "new2": {"kort"}}, 400, "te kort"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.get(accountPath)
			code, page, _ := b.post(accountPath+"/wachtwoordzin", tc.form)
			if code != tc.status || !strings.Contains(page, tc.say) || strings.Contains(page, pagePass) {
				t.Fatalf("%d\n%s", code, page)
			}
			if code := w.resident().call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": pagePass}, nil); code != 200 {
				t.Errorf("the old passphrase no longer opens the vault: %d", code)
			}
		})
	}
	b.get(accountPath)
	if code, page, _ := b.post(accountPath+"/wachtwoordzin", url.Values{"old": {pagePass}, "new": {newPass}, "new2": {newPass}}); code != 200 ||
		!strings.Contains(page, "Uw wachtwoordzin is veranderd") {
		t.Fatalf("change: %d\n%s", code, page)
	}
	if code := w.resident().call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": newPass}, nil); code != 200 {
		t.Errorf("the new passphrase does not open the vault: %d", code)
	}
	if code := w.resident().call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": pagePass}, nil); code != 401 {
		t.Errorf("the old passphrase still opens the vault: %d", code)
	}

	code, page, _ := b.get(deletePath)
	for _, want := range []string{"Dit bent u kwijt", "overzichten van schulden en inkomen", "toestemmingen", "wie er meekeek", "niet terugdraaien"} {
		if code != 200 || !strings.Contains(page, want) {
			t.Errorf("the delete page does not say %q: %d", want, code)
		}
	}
	if code, page, _ := b.post(deletePath, url.Values{}); code != 400 || !strings.Contains(page, "Zet eerst een vinkje") || w.vaultFiles() != 1 {
		t.Fatalf("delete without ticking the box: %d, %d files\n%s", code, w.vaultFiles(), page)
	}
	if code, _, _ := b.post(deletePath, url.Values{"sure": {"yes"}, "csrf": {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}); code != 403 || w.vaultFiles() != 1 {
		t.Fatalf("delete with a wrong form token: %d, %d files", code, w.vaultFiles())
	}
	b.get(deletePath)
	if code, page, _ := b.post(deletePath, url.Values{"sure": {"yes"}, "passphrase": {pagePass}}); code != 401 || !strings.Contains(page, "Er is niets verwijderd") || w.vaultFiles() != 1 {
		t.Fatalf("delete with the old passphrase: %d, %d files\n%s", code, w.vaultFiles(), page)
	}
	clk.add(time.Minute) // past the wait the wrong ones earned (counted like logins)
	if code, _, loc := b.post(deletePath, url.Values{"sure": {"yes"}, "passphrase": {newPass}}); code != 303 || loc != loginPath+"?weg=1" || b.hasSession() {
		t.Fatalf("delete: %d to %q, session %v", code, loc, b.hasSession())
	}
	if _, page, _ := b.get(loginPath + "?weg=1"); !strings.Contains(page, "Uw kluis is verwijderd") {
		t.Error("the login page does not say the vault is deleted")
	}
	if w.vaultFiles() != 0 {
		t.Errorf("%d vault files after deleting", w.vaultFiles())
	}
	if found := indexMentions(t, w, []byte(id)); len(found) > 0 {
		t.Errorf("the index still names the deleted vault at %v", found)
	}
	if code := w.resident().call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": newPass}, nil); code != 401 {
		t.Errorf("login to a deleted vault: %d", code)
	}
	if code, _, loc := b.get("/"); code != 303 || loc != loginPath {
		t.Errorf("the old browser after deleting: %d to %q", code, loc)
	}
}

// TestHostFetchesOnlyFromItsTrustList: a hosted resident's wallet reaches
// an organisation whose endpoint is in the host's trust list, and nothing
// else, not even by a redirect from a listed one.
func TestHostFetchesOnlyFromItsTrustList(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "intern") }))
	defer other.Close()
	listed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/weg" {
			http.Redirect(w, r, other.URL+"/", http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer listed.Close()
	o := newOrg(t, "cjib", trust.KindCreditor).org
	o.Endpoint = listed.URL
	tl, err := trust.NewList([]trust.Organisation{o})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: hostOrgsFor(tl)}
	for _, tc := range []struct {
		name, url string
		ok        bool
	}{
		{"listed endpoint", listed.URL + "/regie/v1/statements", true},
		{"an address the list does not name", other.URL + "/", false},
		{"a redirect away from a listed endpoint", listed.URL + "/weg", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := hc.Get(tc.url)
			if err == nil {
				resp.Body.Close()
			}
			if (err == nil) != tc.ok || (!tc.ok && !errors.Is(err, errNotHostOrg)) {
				t.Errorf("err = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// TestHostGivesNoShortCodes: a short code works only while the vault is
// open, so a host offers none: the grant page shows the QR code and the
// link without a code button, and asking anyway is refused in words.
func TestHostGivesNoShortCodes(t *testing.T) {
	w := newHostWorld(t)
	a, _ := signedUp(t, w, "fatima", bsnA)
	var g GrantAnswer
	code, page, _ := a.request("POST", "/api/v1/consents", map[string]any{"to": "schuldhulp-a", "purpose": "debt-help-intake", "scope": []string{"debts"}, "days": 14})
	if json.Unmarshal([]byte(page), &g); code != 201 {
		t.Fatalf("grant: %d %s", code, page)
	}
	if code, page, _ := a.request("POST", "/api/v1/consents/"+g.ID+"/code", nil); code != 403 || !strings.Contains(page, "short_codes_off") {
		t.Errorf("short code by the API: %d %s", code, page)
	}
	code, page, _ = a.request("GET", "/consent/"+g.ID, nil)
	if code != 200 || !strings.Contains(page, `id="qr"`) || !strings.Contains(page, g.URL) || strings.Contains(page, "/code\"") {
		t.Errorf("grant page: %d\n%s", code, page)
	}
	if code, page, _ := a.request("POST", "/consent/"+g.ID+"/code", nil); code != 403 || !strings.Contains(page, "Hier kunt u geen code maken") {
		t.Errorf("short code by the page: %d\n%s", code, page)
	}
}

// TestHostedVaultTrustsWhatTheHostAddsLater: a vault made before the host
// listed an organisation trusts it after the next login, so that a push
// the host accepted from it is imported instead of refused.
func TestHostedVaultTrustsWhatTheHostAddsLater(t *testing.T) {
	w := newHostWorld(t)
	a := w.resident()
	var acc Account
	if code := a.call("POST", "/api/v1/signup", map[string]string{"login": "fatima", "bsn": bsnA, "name": nameA, "passphrase": passA}, &acc); code != 201 {
		t.Fatalf("sign-up: %d", code)
	}
	a.call("DELETE", "/api/v1/session", nil, nil)
	w.stop()
	eneco := newOrg(t, "eneco", trust.KindCreditor)
	w.tl, _ = trust.NewList([]trust.Organisation{w.cjib.org, w.helpA.org, eneco.org})
	w.start()
	raw, _ := json.Marshal(map[string]any{"iss": "eneco", "sub": bsnA, "jti": "eneco-1", "iat": time.Now().Unix() - 60, "type": "debt",
		"as_of": "2026-11-20", "debt": map[string]any{"reference": "EN-1", "creditor": "Eneco", "category": "energy",
			"original_cents": 4200, "outstanding_cents": 4200, "status": "collection"}})
	jws, err := trust.SignStatement(eneco.key, raw)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := w.push(acc.Wallet, jws); code != 202 {
		t.Fatalf("push from the newly listed organisation: %d", code)
	}
	var back Account
	if code := a.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, &back); code != 200 ||
		back.Arrived == nil || back.Arrived.Added != 1 || back.Arrived.Refused != 0 {
		t.Fatalf("login: %d, arrived %+v", code, back.Arrived)
	}
	var tl struct {
		Organisations []trust.Organisation `json:"organisations"`
	}
	a.call("GET", "/api/v1/trust", nil, &tl)
	found := false
	for _, o := range tl.Organisations {
		found = found || o.ID == "eneco"
	}
	if !found {
		t.Errorf("the vault's trust list lacks the host's new organisation: %+v", tl)
	}
}

// TestHostedPagesIdleAndHTTPS: a resident page after 16 idle minutes sends
// to the login (and the API answers 401); under an https public URL every
// cookie the resident gets or loses is Secure and the pages send HSTS.
func TestHostedPagesIdleAndHTTPS(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		clk := &clock{now: time.Now()}
		w := newHostWorld(t, func(w *hostWorld) { w.now = clk.Now })
		a, _ := signedUp(t, w, "fatima", bsnA)
		if code, _, _ := a.request("GET", "/log", nil); code != 200 {
			t.Fatalf("log page: %d", code)
		}
		clk.add(16 * time.Minute)
		if code, _, loc := a.request("GET", "/log", nil); code != 303 || loc != loginPath+"?next=%2Flog" {
			t.Errorf("log page after 16 idle minutes: %d to %q", code, loc)
		}
		if code, _, _ := a.request("GET", "/api/v1/overview", nil); code != 401 {
			t.Errorf("overview API after 16 idle minutes: %d", code)
		}
	})
	t.Run("https", func(t *testing.T) {
		h, err := Open(Config{Dir: t.TempDir(), PublicURL: "https://wallet.example", KDF: fastKDF})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		srv := NewServer(h, ServerOptions{Limits: Limits{LoginPerMinute: -1}})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(ln)
		defer srv.Shutdown(context.Background())
		base := "http://" + ln.Addr().String()
		send := func(method, path, cookie string, body string) *http.Response {
			t.Helper()
			req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if cookie != "" {
				req.Header.Set("Cookie", cookie)
			}
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		secure := func(what string, resp *http.Response, name string) {
			t.Helper()
			for _, c := range resp.Cookies() {
				if c.Name == name {
					if !c.Secure || !c.HttpOnly || c.Path != "/" {
						t.Errorf("%s: cookie %s secure %v, httponly %v, path %q", what, name, c.Secure, c.HttpOnly, c.Path)
					}
					return
				}
			}
			t.Errorf("%s: no cookie %s", what, name)
		}
		resp := send("POST", "/api/v1/signup", "", `{"login":"fatima","bsn":"`+bsnA+`","name":"`+nameA+`","passphrase":"`+passA+`"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("sign-up: %d", resp.StatusCode)
		}
		secure("sign-up", resp, "__Host-"+cookieName)
		var session string
		for _, c := range resp.Cookies() {
			if c.Name == "__Host-"+cookieName {
				session = c.Name + "=" + c.Value
			}
		}
		if resp := send("GET", "/consent", session, ""); resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
			t.Errorf("consent page under https: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
		}
		secure("login page", send("GET", loginPath, "", ""), "__Host-"+httpx.CSRFCookie)
		secure("lock", send("DELETE", "/api/v1/session", session, ""), "__Host-"+cookieName)
	})
}

// TestHostedResidentCannotConnectOutsideTheHostList: an organisation the
// resident added herself, whose endpoint the host's list does not name, is
// offered for files only; connecting to it anyway is refused in words.
func TestHostedResidentCannotConnectOutsideTheHostList(t *testing.T) {
	w := newHostWorld(t)
	a, _ := signedUp(t, w, "fatima", bsnA)
	own := newOrg(t, "eigen-verhuurder", trust.KindCreditor).org
	own.Endpoint = "http://10.0.0.1:8080"
	secret := ""
	for _, c := range a.client.Jar.Cookies(mustParse(t, w.base)) {
		if c.Name == cookieName {
			secret = c.Value
		}
	}
	ses, err := w.h.Resume(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := (trust.Store{Vault: ses.Vault}).Add(context.Background(), own); err != nil {
		t.Fatal(err)
	}
	ses.Release()
	code, page, _ := a.request("GET", "/sources", nil)
	if code != 200 || !strings.Contains(page, "Organisatie eigen-verhuurder") || strings.Contains(page, `id="code-eigen-verhuurder"`) {
		t.Fatalf("sources page: %d\n%s", code, page)
	}
	if code, page, _ := a.request("POST", "/api/v1/sources", map[string]string{"org": "eigen-verhuurder", "code": "ABCD-1234"}); code != 403 || !strings.Contains(page, "fetch_off") {
		t.Errorf("connect by the API: %d %s", code, page)
	}
	a.get("/sources")
	code, page, _ = a.post("/sources/connect", url.Values{"org": {"eigen-verhuurder"}, "code": {"ABCD-1234"}})
	if code != 400 || !strings.Contains(page, "Uw kluis kan niet zelf ophalen bij deze organisatie") {
		t.Errorf("connect by the page: %d\n%s", code, page)
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestHostedErrorPagesKeepTheLock: a page that does not exist, asked for
// in a session, still has the menu and the lock button (with the
// session's token); without a session it has neither.
func TestHostedErrorPagesKeepTheLock(t *testing.T) {
	w := newHostWorld(t)
	a, _ := signedUp(t, w, "fatima", bsnA)
	for _, path := range []string{"/bestaat-niet", "/debt/bestaat-niet"} {
		req, _ := http.NewRequest("GET", w.base+path, nil)
		req.Header.Set("Accept", "text/html")
		code, page, _ := a.do(req)
		if code != 404 || !strings.Contains(page, `action="/lock"`) || !strings.Contains(page, `href="/kluis"`) || !strings.Contains(page, "Deze pagina bestaat niet") {
			t.Errorf("%s in a session: %d\n%s", path, code, page)
		}
	}
	anon := w.browser()
	req, _ := http.NewRequest("GET", w.base+"/bestaat-niet", nil)
	req.Header.Set("Accept", "text/html")
	if code, page, _ := anon.do(req); code != 404 || strings.Contains(page, `action="/lock"`) {
		t.Errorf("not found without a session: %d\n%s", code, page)
	}
}
