package host

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHTTPSHostCookies: under an https public URL the host's session,
// form-token and device cookies are "__Host-" ones (Secure, Path=/, no
// Domain), so a sibling subdomain cannot plant a form token or a session;
// a form token under the plain name (as a sibling could set it) is not
// taken, and neither is a session. On http (the other tests) the names
// stay plain.
func TestHTTPSHostCookies(t *testing.T) {
	h, err := Open(Config{Dir: t.TempDir(), PublicURL: "https://wallet.example", KDF: fastKDF})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h, ServerOptions{Limits: Limits{LoginPerMinute: -1}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()); h.Close() })
	base := "http://" + ln.Addr().String()
	do := func(method, path, ctype, body string, cookies ...*http.Cookie) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Host = "wallet.example"
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	got := map[string]*http.Cookie{}
	keep := func(resp *http.Response) {
		for _, c := range resp.Cookies() {
			got[c.Name] = c
		}
	}
	keep(do("GET", loginPath, "", ""))
	signup := do("POST", "/api/v1/signup", "application/json", `{"login":"fatima","bsn":"`+bsnA+`","name":"F","passphrase":"`+passA+`"}`)
	if signup.StatusCode != 201 {
		t.Fatalf("sign-up: %d", signup.StatusCode)
	}
	keep(signup)
	for _, base := range []string{cookieName, "regie_csrf", deviceCookie} {
		c := got["__Host-"+base]
		if c == nil || !c.Secure || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie __Host-%s: %+v (all: %v)", base, c, got)
		}
		if got[base] != nil {
			t.Errorf("cookie %s set under its plain name", base)
		}
	}
	// A form token a sibling planted under the plain name is not the form's.
	token := got["__Host-regie_csrf"].Value
	form := url.Values{"csrf": {token}, "login": {"fatima"}, "passphrase": {passA}}.Encode()
	if resp := do("POST", loginPath, "application/x-www-form-urlencoded", form, &http.Cookie{Name: "regie_csrf", Value: token}); resp.StatusCode != 403 {
		t.Errorf("login form with a plain-named form token: %d, want 403", resp.StatusCode)
	}
	if resp := do("POST", loginPath, "application/x-www-form-urlencoded", form, got["__Host-regie_csrf"]); resp.StatusCode != 303 {
		t.Errorf("login form with the host's form token: %d, want 303", resp.StatusCode)
	}
	secret := got["__Host-"+cookieName].Value
	if resp := do("GET", "/api/v1/overview", "", "", &http.Cookie{Name: cookieName, Value: secret}); resp.StatusCode != 401 {
		t.Errorf("the session under the plain name: %d, want 401", resp.StatusCode)
	}
	if resp := do("GET", "/api/v1/overview", "", "", &http.Cookie{Name: "__Host-" + cookieName, Value: secret}); resp.StatusCode != 200 {
		t.Errorf("the session under its name: %d, want 200", resp.StatusCode)
	}
}
