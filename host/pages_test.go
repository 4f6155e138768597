package host

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"regie/internal/testkit"
)

func TestWebManifest(t *testing.T) {
	w := newHostWorld(t)
	testkit.CheckWebManifest(t, w.base)
}

// browser is a resident's browser on the host's pages: it keeps cookies
// and does not follow redirects, so a test sees where each answer sends it.
type browser struct {
	t      *testing.T
	w      *hostWorld
	client *http.Client
	token  string // the form token of the last page
}

func (w *hostWorld) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: w.t, w: w, client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var formToken = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) (status int, page, location string) {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := formToken.FindSubmatch(raw); m != nil {
		b.token = string(m[1])
	}
	return resp.StatusCode, string(raw), resp.Header.Get("Location")
}

func (b *browser) get(path string) (int, string, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.w.base+path, nil)
	return b.do(req)
}

// post sends form from the page at path, with the page's token unless the
// form sets csrf itself.
func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.token)
	}
	req, _ := http.NewRequest("POST", b.w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) hasSession() bool {
	u, _ := url.Parse(b.w.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == cookieName {
			return true
		}
	}
	return false
}

// vaultFiles counts the vault files in the data folder.
func (w *hostWorld) vaultFiles() int {
	w.t.Helper()
	entries, err := os.ReadDir(filepath.Join(w.dir, "vaults"))
	if err != nil {
		w.t.Fatal(err)
	}
	return len(entries)
}

const pagePass = "fiets regen koffie tuin"

func signupValues(login, bsn, pass, pass2 string) url.Values {
	return url.Values{"login": {login}, "name": {"Fatima de Vries"}, "bsn": {bsn}, "passphrase": {pass}, "passphrase2": {pass2}}
}

// TestSignupPageRefusesBadInput: each bad sign-up answers the form again
// with a plain Dutch sentence about the field, and leaves no vault, no
// index entry and no session behind.
func TestSignupPageRefusesBadInput(t *testing.T) {
	w := newHostWorld(t)
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		say    string
		bad    string // the field marked aria-invalid
	}{
		{"bad BSN", signupValues("fatima", "123456789", pagePass, pagePass), 400, "Dit BSN klopt niet", "bsn"},
		{"BSN with letters", signupValues("fatima", "12345678a", pagePass, pagePass), 400, "Dit BSN klopt niet", "bsn"},
		{"short BSN", signupValues("fatima", "1234567", pagePass, pagePass), 400, "Dit BSN klopt niet", "bsn"},
		{"weak passphrase", signupValues("fatima", "123456782", "kort", "kort"), 400, "te kort. Kies minstens 12 tekens", "passphrase"},
		{"passphrases differ", signupValues("fatima", "123456782", pagePass, pagePass+"!"), 400, "niet hetzelfde", "passphrase2"},
		{"bad login name", signupValues("a", "123456782", pagePass, pagePass), 400, "Deze inlognaam kan niet", "login"},
		{"no name", func() url.Values {
			v := signupValues("fatima", "123456782", pagePass, pagePass)
			v.Set("name", "")
			return v
		}(), 400, "Vul uw naam in", "name"},
		{"CSRF missing", func() url.Values {
			v := signupValues("fatima", "123456782", pagePass, pagePass)
			v.Set("csrf", "")
			return v
		}(), 403, "Het formulier was verlopen", ""},
		{"CSRF wrong", func() url.Values {
			v := signupValues("fatima", "123456782", pagePass, pagePass)
			v.Set("csrf", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
			return v
		}(), 403, "Het formulier was verlopen", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := w.browser()
			if code, _, _ := b.get(signupPath); code != 200 || b.token == "" {
				t.Fatalf("sign-up page: %d, token %q", code, b.token)
			}
			code, page, loc := b.post(signupPath, tc.form)
			if code != tc.status || loc != "" {
				t.Fatalf("status %d to %q, want %d and no redirect\n%s", code, loc, tc.status, page)
			}
			if !strings.Contains(page, tc.say) || !strings.Contains(page, `role="alert"`) {
				t.Errorf("the page does not say %q:\n%s", tc.say, page)
			}
			if tc.bad != "" && !regexp.MustCompile(`id="`+tc.bad+`"[^>]*aria-invalid="true"`).MatchString(page) {
				t.Errorf("field %s is not marked invalid", tc.bad)
			}
			for _, raw := range []string{"invalid_input", "invalid ", "11-check", "must be", "host.", pagePass, "kort\""} {
				if strings.Contains(page, raw) {
					t.Errorf("the page shows %q", raw)
				}
			}
			if w.vaultFiles() != 0 || b.hasSession() {
				t.Errorf("a refused sign-up left %d vault files, session %v", w.vaultFiles(), b.hasSession())
			}
			if id, _ := w.h.ix.vaultOf(context.Background(), "fatima"); id != "" {
				t.Error("a refused sign-up left an index entry")
			}
		})
	}
}

// TestSignupAndLoginPages: a resident signs up, lands on her overview (her
// wallet address on the sources page), logs out, is refused with a wrong passphrase or without
// the form token, and logs in again.
func TestSignupAndLoginPages(t *testing.T) {
	w := newHostWorld(t)
	b := w.browser()
	if code, _, loc := b.get("/"); code != 303 || loc != loginPath {
		t.Fatalf("home without session: %d to %q", code, loc)
	}
	b.get(signupPath)
	code, page, loc := b.post(signupPath, signupValues("Fatima", "1234.56.782", pagePass, pagePass))
	if code != 303 || loc != "/" || !b.hasSession() {
		t.Fatalf("sign-up: %d to %q\n%s", code, loc, page)
	}
	id, err := w.h.ix.vaultOf(context.Background(), "fatima")
	if err != nil || id == "" || w.vaultFiles() != 1 {
		t.Fatalf("no vault after sign-up: %q, %v, %d files", id, err, w.vaultFiles())
	}
	// She lands on her overview, with a lock button; the sources page
	// gives her wallet's address for organisations.
	code, page, _ = b.get("/")
	if code != 200 || !strings.Contains(page, "Uw overzicht") || !strings.Contains(page, `action="/lock"`) {
		t.Fatalf("home: %d\n%s", code, page)
	}
	if code, page, _ := b.get("/sources"); code != 200 || !strings.Contains(page, w.base+"/v/"+id) {
		t.Fatalf("sources: %d\n%s", code, page)
	}
	// Signed in, the forms send her home.
	if code, _, loc := b.get(loginPath); code != 303 || loc != "/" {
		t.Errorf("login page while logged in: %d to %q", code, loc)
	}
	// The same login name again is refused, and adds no vault.
	other := w.browser()
	other.get(signupPath)
	if code, page, _ := other.post(signupPath, signupValues("fatima", "111222333", pagePass, pagePass)); code != 409 ||
		!strings.Contains(page, "al in gebruik") || w.vaultFiles() != 1 || other.hasSession() {
		t.Errorf("taken login: %d, %d vault files\n%s", code, w.vaultFiles(), page)
	}
	// Lock needs the form token.
	if code, _, _ := b.post("/lock", url.Values{"csrf": {""}}); code != 403 {
		t.Errorf("lock without token: %d", code)
	}
	if code, _, _ := b.get("/"); code != 200 {
		t.Fatalf("a lock without token ended the session: %d", code)
	}
	if code, _, loc := b.post("/lock", url.Values{}); code != 303 || loc != loginPath+"?uit=1" {
		t.Fatalf("lock: %d to %q", code, loc)
	}
	if code, _, loc := b.get("/"); code != 303 || loc != loginPath {
		t.Fatalf("home after lock: %d to %q", code, loc)
	}
	if _, page, _ := b.get(loginPath + "?uit=1"); !strings.Contains(page, "U bent uitgelogd") {
		t.Errorf("no word that she is logged out:\n%s", page)
	}

	for _, tc := range []struct {
		name       string
		form       url.Values
		status     int
		say        string
		sessionNow bool
	}{
		{"wrong passphrase", url.Values{"login": {"fatima"}, "passphrase": {pagePass + "x"}}, 401, "De inlognaam of de wachtwoordzin klopt niet", false},
		{"unknown login", url.Values{"login": {"jan"}, "passphrase": {pagePass}}, 401, "De inlognaam of de wachtwoordzin klopt niet", false},
		{"CSRF missing", url.Values{"login": {"fatima"}, "passphrase": {pagePass}, "csrf": {""}}, 403, "Het formulier was verlopen", false},
		{"good", url.Values{"login": {"fatima"}, "passphrase": {pagePass}}, 303, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := w.browser()
			b.get(loginPath)
			code, page, _ := b.post(loginPath, tc.form)
			if code != tc.status || !strings.Contains(page, tc.say) || b.hasSession() != tc.sessionNow {
				t.Fatalf("%d, session %v\n%s", code, b.hasSession(), page)
			}
			if strings.Contains(page, pagePass) || strings.Contains(page, "login_failed") {
				t.Error("the page shows the passphrase or a raw code")
			}
			if tc.sessionNow {
				if code, page, _ := b.get("/sources"); code != 200 || !strings.Contains(page, "/v/"+id) {
					t.Errorf("home after login: %d", code)
				}
			}
		})
	}
	if w.vaultFiles() != 1 {
		t.Errorf("%d vault files after the logins", w.vaultFiles())
	}
}

// TestHostPagesSpeakEnglish: the language switch turns the pages English.
func TestHostPagesSpeakEnglish(t *testing.T) {
	w := newHostWorld(t)
	b := w.browser()
	if _, page, _ := b.get(signupPath); !strings.Contains(page, `<html lang="nl">`) || !strings.Contains(page, "Maak uw kluis aan") ||
		!strings.Contains(page, `href="/lang/en?next=%2faanmelden"`) {
		t.Fatalf("Dutch sign-up page:\n%s", page)
	}
	if code, _, loc := b.get("/lang/en?next=/aanmelden"); code != 303 || loc != signupPath {
		t.Fatalf("switch: %d to %q", code, loc)
	}
	_, page, _ := b.get(signupPath)
	if !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Create your vault") || strings.Contains(page, "Maak uw kluis") {
		t.Fatalf("English sign-up page:\n%s", page)
	}
	code, page, _ := b.post(signupPath, signupValues("fatima", "123456789", pagePass, pagePass))
	if code != 400 || !strings.Contains(page, "This BSN is not right") {
		t.Errorf("English error: %d\n%s", code, page)
	}
	if code, _, loc := b.get("/lang/en?next=//evil.example"); code != 303 || loc != "/" {
		t.Errorf("the switch sends her off the host: %d to %q", code, loc)
	}
}

// TestLoginPageRateLimit: the pages and the JSON API share one sign-up and
// login count per client address, so the pages give no extra tries; beyond
// it a page answers in plain Dutch.
func TestLoginPageRateLimit(t *testing.T) {
	w := newHostWorld(t)
	srv := NewServer(w.h, ServerOptions{Limits: Limits{LoginPerMinute: 2}})
	w.base = testkit.Serve(t, srv.Serve, srv.Shutdown)
	b := w.browser()
	b.get(loginPath)
	for i := 0; i < 2; i++ {
		if code, _, _ := b.post(loginPath, url.Values{"login": {"fatima"}, "passphrase": {pagePass}}); code != 401 {
			t.Fatalf("login %d: %d", i, code)
		}
	}
	code, page, _ := b.post(loginPath, url.Values{"login": {"fatima"}, "passphrase": {pagePass}})
	if code != 429 || !strings.Contains(page, "U heeft het te vaak geprobeerd") || strings.Contains(page, "rate_limited") {
		t.Fatalf("third login: %d\n%s", code, page)
	}
	r := &resident{w: w, client: b.client}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if code := r.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": pagePass}, &e); code != 429 || e.Error.Code != "rate_limited" {
		t.Errorf("the API after the pages' tries: %d %+v", code, e)
	}
}
