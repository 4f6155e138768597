package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"regie/consent"
	"regie/helper"
	"regie/trust"
	"regie/wallet"
)

// getWithHost asks base for path with the Host header set to host (and any
// extra headers), without following redirects.
func getWithHost(t *testing.T, base, path, host string, extra map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Host = host
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestHostHeaderIsChecked: a page on a rebound DNS name reaches the wallet
// and the desk on 127.0.0.1, but with its own name in Host; both refuse it.
func TestHostHeaderIsChecked(t *testing.T) {
	w := newWorld(t, Limits{})
	desk, err := helper.NewDesk(w.importer(w.helperA), nil)
	if err != nil {
		t.Fatal(err)
	}
	deskBase := serveOn(t, desk.Serve, desk.Shutdown)
	walletHost, deskHost := strings.TrimPrefix(w.base, "http://"), strings.TrimPrefix(deskBase, "http://")
	_, walletPort, _ := net.SplitHostPort(walletHost)
	_, deskPort, _ := net.SplitHostPort(deskHost)
	for _, tc := range []struct {
		name, base, path, host string
		extra                  map[string]string
		want                   int
	}{
		{"wallet-rebound-name", w.base, "/unlock", "evil.example:" + walletPort, nil, 421},
		{"wallet-rebound-name-api", w.base, "/api/v1/overview", "evil.example", nil, 421},
		{"wallet-forwarded-host-ignored", w.base, "/unlock", "evil.example", map[string]string{"X-Forwarded-Host": walletHost}, 421},
		{"wallet-own-address", w.base, "/unlock", walletHost, nil, 200},
		{"wallet-localhost", w.base, "/unlock", "localhost:" + walletPort, nil, 200},
		{"desk-rebound-name", deskBase, "/", "evil.example:" + deskPort, nil, 421},
		{"desk-own-address", deskBase, "/", deskHost, nil, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp := getWithHost(t, tc.base, tc.path, tc.host, tc.extra); resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

// TestHTTPSWalletSetsSecureCookiesAndHSTS: behind an https public URL every
// cookie is Secure and every answer carries HSTS; over plain http neither.
// The session and form-token cookies are "__Host-" ones (Path=/, no
// Domain), so a sibling subdomain cannot plant them, and a session cookie
// under the plain name opens nothing there.
func TestHTTPSWalletSetsSecureCookiesAndHSTS(t *testing.T) {
	w := newWorld(t, Limits{})
	srv, err := New(Config{Vault: w.vault, BaseURL: "https://wallet.example"})
	if err != nil {
		t.Fatal(err)
	}
	base := serveOn(t, srv.Serve, srv.Shutdown)
	var answers []*http.Response
	answers = append(answers, getWithHost(t, base, "/unlock", "wallet.example", nil))
	answers = append(answers, getWithHost(t, base, "/lang/en?next=/unlock", "wallet.example", nil))
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/session", strings.NewReader(`{"passphrase":"`+testPass+`"}`))
	req.Host = "wallet.example"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://wallet.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("unlock: %d", resp.StatusCode)
	}
	answers = append(answers, resp)
	names := map[string]bool{}
	for _, a := range answers {
		if a.Header.Get("Strict-Transport-Security") == "" {
			t.Errorf("%s: no Strict-Transport-Security", a.Request.URL.Path)
		}
		for _, c := range a.Cookies() {
			names[c.Name] = true
			if !c.Secure {
				t.Errorf("%s: cookie %s without Secure", a.Request.URL.Path, c.Name)
			}
		}
	}
	for _, n := range []string{"__Host-" + sessionCookie, "__Host-regie_csrf", "regie_lang"} {
		if !names[n] {
			t.Errorf("cookie %s never set; the test saw %v", n, names)
		}
	}
	var token string
	for _, a := range answers {
		for _, c := range a.Cookies() {
			if strings.HasPrefix(c.Name, "__Host-") && (c.Path != "/" || c.Domain != "") {
				t.Errorf("cookie %s with path %q, domain %q", c.Name, c.Path, c.Domain)
			}
			if c.Name == "__Host-"+sessionCookie {
				token = c.Value
			}
		}
	}
	for name, want := range map[string]int{sessionCookie: 401, "__Host-" + sessionCookie: 200} {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/overview", nil)
		req.Host = "wallet.example"
		req.AddCookie(&http.Cookie{Name: name, Value: token})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("the session under the name %s: %d, want %d", name, resp.StatusCode, want)
		}
	}
	if resp := getWithHost(t, w.base, "/unlock", strings.TrimPrefix(w.base, "http://"), nil); resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain http")
	}
}

// TestLockEndsEverySession: the resident locks on one device; the session
// on another device ends too.
func TestLockEndsEverySession(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	other := *w // the same wallet from a second device
	jar, _ := cookiejar.New(nil)
	other.resident = &http.Client{Jar: jar}
	other.unlock()
	if code := w.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
		t.Fatalf("lock: %d", code)
	}
	if code := other.call("GET", "/api/v1/overview", nil, nil); code != 401 {
		t.Errorf("the other device's session after lock: %d, want 401", code)
	}
	// The lock form does the same.
	w.unlock()
	other.unlock()
	var csrf string
	resp, _ := w.resident.Get(w.base + "/")
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfField.FindSubmatch(page); m != nil {
		csrf = string(m[1])
	}
	resp, err := w.resident.PostForm(w.base+"/lock", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := other.call("GET", "/api/v1/overview", nil, nil); code != 401 {
		t.Errorf("the other device's session after the lock form: %d, want 401", code)
	}
}

// TestWithdrawnHelperCannotRedeem: the resident's trust entry for a helper
// changes to another kind; its earlier consent no longer opens anything.
func TestWithdrawnHelperCannotRedeem(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	g := w.grant("schuldhulp-a")
	changed := w.helperA.org
	changed.Kind, changed.MaySign = trust.KindCreditor, []wallet.StatementType{wallet.TypeDebt}
	if err := (trust.Store{Vault: w.vault}).Add(context.Background(), changed); err != nil {
		t.Fatal(err)
	}
	if _, err := w.importer(w.helperA).FromURL(context.Background(), g.URL, consent.PurposeIntake); !isCode(err, "not_a_helper") {
		t.Errorf("redeem by an organisation that is no longer a helper: %v, want not_a_helper", err)
	}
}
