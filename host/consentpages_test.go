package host

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestUnknownConsentPages: a consent page's form sent for a consent that
// does not exist (extend with or without a length, revoke)
// answers the Dutch not-found page, never a 500 with JSON, and logs no
// error.
func TestUnknownConsentPages(t *testing.T) {
	logs := &logLines{}
	w := newHostWorld(t, func(w *hostWorld) { w.logs = logs })
	b := w.browser()
	b.get(signupPath)
	if code, _, _ := b.post(signupPath, signupValues("fatima", bsnA, pagePass, pagePass)); code != 303 {
		t.Fatalf("sign-up: %d", code)
	}
	b.get("/") // the session's form token
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/consent/onbekend/extend", url.Values{}},
		{"/consent/onbekend/extend", url.Values{"length": {"30d"}}},
		{"/consent/onbekend/extend", url.Values{"length": {"18m"}}},
		{"/consent/onbekend/revoke", url.Values{}},
	} {
		code, page, _ := b.post(tc.path, tc.form)
		if code != 404 || !strings.Contains(page, "Deze pagina bestaat niet.") || strings.Contains(page, `"error"`) {
			t.Errorf("%s %v: %d\n%s", tc.path, tc.form, code, page)
		}
	}
	if code, page, _ := b.get("/consent/onbekend"); code != 404 || !strings.Contains(page, "Deze pagina bestaat niet.") {
		t.Errorf("GET an unknown consent: %d\n%s", code, page)
	}
	if n := logs.count("level=ERROR"); n != 0 {
		t.Fatalf("%d ERROR log lines for unknown consents:\n%s", n, logs)
	}
}

// TestLanguageLinkKeepsNext: the language switch on the login page of
// /inloggen?next=/x comes back to the login with next=/x; a next that is
// no path on this host is dropped on the way, and the switch itself never
// leaves the host.
func TestLanguageLinkKeepsNext(t *testing.T) {
	w := newHostWorld(t)
	b := w.browser()
	link := regexp.MustCompile(`class="lang" href="([^"]+)"`)
	for _, tc := range []struct{ next, want string }{
		{"/sources", loginPath + "?next=%2Fsources"},
		{"//evil.example/x", loginPath},
		{"https://evil.example/", loginPath},
	} {
		code, page, _ := b.get(loginPath + "?next=" + url.QueryEscape(tc.next))
		m := link.FindStringSubmatch(page)
		if code != 200 || m == nil {
			t.Fatalf("login page for next %q: %d, no language link", tc.next, code)
		}
		href := html.UnescapeString(m[1])
		code, _, loc := b.get(href)
		if code != 303 || loc != tc.want {
			t.Errorf("next %q: language link %q goes to %d %q, want %q", tc.next, href, code, loc, tc.want)
		}
	}
}
