package api

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"

	"regie/connectors"
	"regie/trust"

	"github.com/gofiber/fiber/v2"

	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func form(t *testing.T, c *http.Client, target string, values url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(target, values)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestFormsNeedTheirCSRFToken(t *testing.T) {
	w := newWorld(t, Limits{})
	// The unlock form without its cookie token.
	resp, body := form(t, w.resident, w.base+"/unlock", url.Values{"passphrase": {testPass}, "csrf": {"made-up-token-1234567890"}})
	if resp.StatusCode != 403 || !strings.Contains(body, "verlopen") {
		t.Fatalf("unlock without CSRF: %d", resp.StatusCode)
	}
	w.unlock()
	// A logged-in form post without the session's token changes nothing.
	resp, _ = form(t, w.resident, w.base+"/consent", url.Values{"to": {"schuldhulp-a"}, "purpose": {"debt-help-intake"},
		"scope": {"debts"}, "days": {"14"}})
	if resp.StatusCode != 403 {
		t.Fatalf("consent form without CSRF: %d", resp.StatusCode)
	}
	var list struct {
		Consents []grantView `json:"consents"`
	}
	w.call("GET", "/api/v1/consents", nil, &list)
	if len(list.Consents) != 0 {
		t.Fatal("a form post without CSRF token made a consent")
	}
}

func TestPagesNeedUnlock(t *testing.T) {
	w := newWorld(t, Limits{})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for p, want := range map[string]string{"/": "/unlock", "/sources": "/unlock?next=%2Fsources", "/consent": "/unlock?next=%2Fconsent",
		"/log": "/unlock?next=%2Flog", "/debt/c1?x=1": "/unlock?next=%2Fdebt%2Fc1%3Fx%3D1"} {
		resp, err := noRedirect.Get(w.base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("%s without session: %d %s, want %s", p, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	resp, _ := form(t, w.resident, w.base+"/sources/refresh", url.Values{})
	if resp.StatusCode != 401 {
		t.Errorf("form post without session: %d", resp.StatusCode)
	}
}

func TestLanguageSwitchIsNoOpenRedirect(t *testing.T) {
	w := newWorld(t, Limits{})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cases := []struct{ name, next, want string }{
		{"own-page", "/consent", "/consent"},
		{"own-page-with-query", "/consent?x=1", "/consent?x=1"},
		{"protocol-relative", "//evil.example/x", "/"},
		{"absolute", "https://evil.example", "/"},
		{"backslash", "/\\evil", "/"},
		{"tab-then-slash", "/\t/evil.example/", "/"},
		{"newline-then-slash", "/\n/evil.example/", "/"},
		{"space-then-slash", "/ /evil.example/", "/"},
		{"control-char-later", "/consent\x7f", "/"},
		{"space-later", "/consent x", "/"},
		{"slash-only", "/", "/"},
		{"empty", "", "/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := noRedirect.Get(w.base + "/lang/en?next=" + url.QueryEscape(tc.next))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Location"); got != tc.want {
				t.Errorf("next=%q redirects to %q, want %q", tc.next, got, tc.want)
			}
		})
	}
}

func TestSessionsExpire(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s := newSessions(15*time.Minute, func() time.Time { return now })
	token, _ := s.create()
	now = now.Add(14 * time.Minute)
	if _, ok := s.get(token); !ok {
		t.Fatal("session ended before its idle timeout")
	}
	now = now.Add(16 * time.Minute)
	if _, ok := s.get(token); ok {
		t.Fatal("idle session still valid")
	}
	token, _ = s.create()
	for i := 0; i < 40; i++ { // busy, but past the absolute limit
		now = now.Add(14 * time.Minute)
		s.get(token)
	}
	if _, ok := s.get(token); ok {
		t.Fatal("session outlived the absolute limit")
	}
	if _, ok := s.get("forged"); ok {
		t.Fatal("forged token accepted")
	}
}

// TestErrorsHoldNoBSN: every request here must fail (it used to check
// only paths that answer 200, so it could not fail), and no error body
// holds the resident's BSN.
func TestErrorsHoldNoBSN(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/consents/nope", ""},
		{"GET", "/api/v1/consents/nope/receipt", ""},
		{"DELETE", "/api/v1/consents/nope", ""},
		{"POST", "/api/v1/consents", `{"to":"` + ownerBSN + `","purpose":"debt-help-intake","scope":["debts"],"days":14}`},
		{"POST", "/api/v1/sources", `{"org":"` + ownerBSN + `","code":"x"}`},
		{"POST", "/api/v1/statements", `{"statements":"` + ownerBSN + `"`},
		{"GET", "/api/v1/nope/" + ownerBSN, ""},
	} {
		req, _ := http.NewRequest(tc.method, w.base+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := w.resident.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("%s %s: %d, want an error", tc.method, tc.path, resp.StatusCode)
		}
		if strings.Contains(string(body), ownerBSN) {
			t.Errorf("%s %s: error holds the BSN: %s", tc.method, tc.path, body)
		}
	}
	resp, _ := http.Get(w.base + "/c/" + strings.Repeat("A", 22))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), ownerBSN) || resp.StatusCode != 401 {
		t.Errorf("unknown handle: %d %s", resp.StatusCode, body)
	}
}

// TestPanicIsContained: a handler that panics answers 500 with a JSON error
// and the server keeps serving.
func TestPanicIsContained(t *testing.T) {
	w := newWorld(t, Limits{})
	// A server of its own, driven in-process: routes must not be added to
	// one that is already serving.
	srv, err := New(Config{Vault: w.vault, BaseURL: w.base})
	if err != nil {
		t.Fatal(err)
	}
	app := srv.Handler()
	app.Get("/boom", func(*fiber.Ctx) error { panic("a bug") })
	inProcess := func(path string) *http.Request {
		req := httptest.NewRequest("GET", path, nil)
		req.Host = strings.TrimPrefix(w.base, "http://")
		return req
	}
	resp, err := app.Test(inProcess("/boom"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || !strings.Contains(string(body), `"internal"`) || strings.Contains(string(body), "a bug") {
		t.Fatalf("panic: %d %s", resp.StatusCode, body)
	}
	resp, err = app.Test(inProcess("/healthz"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("server down after a panic: %v", err)
	}
}

// TestDebtPage: a debt has a page with its figures, source and history; an
// unknown id, or the id of an income, is a plain "not found".
func TestDebtPage(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	older := debt("c0", "CJIB-1", 45000)
	older["as_of"] = "2026-10-01"
	older["iat"] = time.Now().Unix() - 3600
	if rep, err := w.srv.one.Importer.Import(context.Background(), "file", []connectors.Item{{JWS: w.sign(w.cjib, older)}}, nil); err != nil || rep.Accepted() != 1 {
		t.Fatalf("older statement: %v %+v", err, rep)
	}
	get := func(path string) (int, string) {
		resp, err := w.resident.Get(w.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, body := get("/debt/c1")
	for _, want := range []string{"CJIB-1", "€\u00a0525,00", "Organisatie cjib", "20 november 2026", "€\u00a0450,00", "1 oktober 2026", "Een incassobureau int deze schuld"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("debt page: %d, missing %q", code, want)
		}
	}
	for name, path := range map[string]string{"unknown": "/debt/nope", "an income": "/debt/u1", "an older version": "/debt/c0", "too long": "/debt/" + strings.Repeat("x", 300)} {
		t.Run(name, func(t *testing.T) {
			if code, body := get(path); code != 404 || !strings.Contains(body, "bestaat niet") {
				t.Errorf("%s: %d", path, code)
			}
		})
	}
}

// TestConsentPreviewThenConfirm: the consent form first shows exactly what
// the counsellor will see and grants nothing; only the confirm step does.
// After revoking, the page and the printable receipt say when, and that
// what was fetched stays with the counsellor. Bad input changes nothing.
func TestConsentPreviewThenConfirm(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	page := w.page(t, "/consent")
	if strings.Contains(page, " checked") {
		t.Error("the consent form has a choice ticked in advance")
	}
	csrf := csrfField.FindStringSubmatch(page)[1]
	count := func() int {
		var list struct {
			Consents []grantView `json:"consents"`
		}
		w.call("GET", "/api/v1/consents", nil, &list)
		return len(list.Consents)
	}
	base := url.Values{"csrf": {csrf}, "to": {"schuldhulp-a"}, "purpose": {"debt-help-intake"}, "scope": {"debts", "income"}, "days": {"14"}}
	resp, body := form(t, w.resident, w.base+"/consent", base)
	for _, want := range []string{"Controleer wat u deelt", "Organisatie cjib</strong>:\n    1 schuld", "Organisatie uwv</strong>:\n    1 inkomen", "burgerservicenummer", `name="confirm" value="yes"`} {
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("preview: %d, missing %q", resp.StatusCode, want)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("the preview granted %d consents", n)
	}
	for name, v := range map[string]url.Values{
		"no counsellor":      {"to": {""}},
		"not a counsellor":   {"to": {"cjib"}},
		"nothing to share":   {"scope": {}},
		"unknown purpose":    {"purpose": {"marketing"}},
		"too long":           {"days": {"400"}},
		"confirm, bad scope": {"scope": {"everything"}, "confirm": {"yes"}},
	} {
		t.Run(name, func(t *testing.T) {
			bad := url.Values{}
			for k, vs := range base {
				bad[k] = vs
			}
			for k, vs := range v {
				bad[k] = vs
			}
			want := "Kies een hulpverlener"
			if name == "too long" {
				// A length beyond the purpose's maximum names that maximum.
				want = "Voor &#39;Aanmelding en intake bij schuldhulp&#39; kunt u hoogstens 90 dagen kiezen."
			}
			if resp, body := form(t, w.resident, w.base+"/consent", bad); resp.StatusCode != 400 || !strings.Contains(body, want) {
				t.Errorf("%d, missing %q", resp.StatusCode, want)
			}
			if n := count(); n != 0 {
				t.Errorf("bad input granted %d consents", n)
			}
		})
	}
	base.Set("confirm", "yes")
	resp, body = form(t, w.resident, w.base+"/consent", base)
	if resp.StatusCode != 200 || count() != 1 || !strings.Contains(body, `id="qr"`) {
		t.Fatalf("confirm: %d, %d consents", resp.StatusCode, count())
	}
	if ov := w.page(t, "/"); !regexp.MustCompile(`Organisatie schuldhulp-a mag tot \d+ \w+ \d{4} meekijken\.`).MatchString(ov) {
		t.Error("no banner for the running consent on the overview")
	}
	id := regexp.MustCompile(`/consent/(g-[A-Za-z0-9_-]+)/revoke`).FindStringSubmatch(body)[1]
	resp, body = form(t, w.resident, w.base+"/consent/"+id+"/revoke", url.Values{"csrf": {csrf}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Ingetrokken op") || !strings.Contains(body, "blijft bij de hulpverlener") || strings.Contains(body, "Geldig tot") {
		t.Errorf("after revoking: %d", resp.StatusCode)
	}
	receipt := w.page(t, "/consent/"+id+"/receipt")
	for _, want := range []string{"Bewijs van toestemming", "Ingetrokken op", "Organisatie schuldhulp-a", "receipt.json"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("receipt page lacks %q", want)
		}
	}
	if ov := w.page(t, "/"); strings.Contains(ov, "mag meekijken tot") {
		t.Error("a revoked consent still has a banner")
	}
}

// TestUnlockReturnsToThePage: after the session ended, unlocking returns to
// the page the resident was on, and a form sent after the end offers the
// unlock page that leads back to the form's page; a next that leaves the
// site goes to the overview instead.
func TestUnlockReturnsToThePage(t *testing.T) {
	w := newWorld(t, Limits{})
	noRedirect := &http.Client{Jar: w.resident.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	unlockWith := func(next string) string {
		t.Helper()
		page := w.page(t, "/unlock?next="+url.QueryEscape(next))
		csrf := csrfField.FindStringSubmatch(page)[1]
		resp, err := noRedirect.PostForm(w.base+"/unlock", url.Values{"csrf": {csrf}, "passphrase": {testPass}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		w.call("DELETE", "/api/v1/session", nil, nil)
		return resp.Header.Get("Location")
	}
	for next, want := range map[string]string{"/consent": "/consent", "/debt/c1": "/debt/c1", "//evil.example/x": "/", "https://evil.example": "/", "/\\evil": "/"} {
		t.Run(strings.NewReplacer("/", "_", ":", "_", "\\", "_").Replace(next), func(t *testing.T) {
			if got := unlockWith(next); got != want {
				t.Errorf("next=%q goes to %q, want %q", next, got, want)
			}
		})
	}
	if page := w.page(t, "/unlock?next=%2Fconsent"); !strings.Contains(page, `name="next" value="/consent"`) || !strings.Contains(page, "terug naar de pagina") {
		t.Error("the unlock page does not say it returns to the page")
	}
	req, _ := http.NewRequest("POST", w.base+"/consent", strings.NewReader("to=schuldhulp-a"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", w.base+"/consent")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), `name="next" value="/consent"`) || !strings.Contains(string(body), `id="passphrase"`) {
		t.Errorf("form after the session ended: %d", resp.StatusCode)
	}
}

// TestTrustFileInPages: a trust-list entry added in the pages is first shown
// with its name and key fingerprint and added only on confirm; a broken or
// tampered entry adds nothing.
func TestTrustFileInPages(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	csrf := csrfField.FindStringSubmatch(w.page(t, "/sources"))[1]
	_, org, err := trust.NewOrganisation("schuldhulp-c", "Schuldhulp Centrum", trust.KindHelper, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	org.Phone = "010 123 45 67"
	raw, _ := json.Marshal(org)
	upload := func(content []byte) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", csrf)
		if content != nil {
			fw, _ := mw.CreateFormFile("entry", "trust.json")
			fw.Write(content)
		}
		mw.Close()
		resp, err := w.resident.Post(w.base+"/sources/trust", mw.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	known := func() bool {
		var tl struct {
			Organisations []trust.Organisation `json:"organisations"`
		}
		w.call("GET", "/api/v1/trust", nil, &tl)
		for _, o := range tl.Organisations {
			if o.ID == "schuldhulp-c" {
				return true
			}
		}
		return false
	}
	tp, _ := trust.Thumbprint(org.Keys[0])
	code, body := upload(raw)
	if code != 200 || !strings.Contains(body, "Schuldhulp Centrum") || !strings.Contains(body, tp[:4]+" "+tp[4:8]) || !strings.Contains(body, "Hulpverlener") {
		t.Fatalf("preview: %d", code)
	}
	if known() {
		t.Fatal("the preview added the entry")
	}
	entry := regexp.MustCompile(`name="entry" value="([^"]+)"`).FindStringSubmatch(body)[1]
	for name, tc := range map[string]struct {
		upload []byte
		entry  string
	}{
		"no file":        {upload: nil},
		"not JSON":       {upload: []byte("{")},
		"too large":      {upload: append(append([]byte(nil), raw[:len(raw)-1]...), []byte(`,"x":"`+strings.Repeat("a", 70<<10)+`"}`)...)},
		"unknown field":  {upload: []byte(strings.Replace(string(raw), `"id"`, `"colour":"red","id"`, 1))},
		"bad base64":     {entry: "!!!"},
		"tampered entry": {entry: entry[:len(entry)-4] + "AAAA"},
	} {
		t.Run(name, func(t *testing.T) {
			var code int
			if tc.entry != "" {
				resp, _ := form(t, w.resident, w.base+"/sources/trust/confirm", url.Values{"csrf": {csrf}, "entry": {tc.entry}})
				code = resp.StatusCode
			} else {
				code, _ = upload(tc.upload)
			}
			if code != 400 || known() {
				t.Errorf("%d, added: %v", code, known())
			}
		})
	}
	resp, body := form(t, w.resident, w.base+"/sources/trust/confirm", url.Values{"csrf": {csrf}, "entry": {entry}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Schuldhulp Centrum is toegevoegd") || !known() {
		t.Fatalf("confirm: %d, known %v", resp.StatusCode, known())
	}
	if page := w.page(t, "/consent"); !strings.Contains(page, "Schuldhulp Centrum") {
		t.Error("the new counsellor is not offered for consent")
	}
}
