package api

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"regie/org"
	"regie/trust"
)

var keptField = regexp.MustCompile(`name="kept" value="([^"]+)"`)

// sendAfterExpiry lets the session end and sends a form to path with the
// dead session's token; it returns the unlock page that answers.
func (w *world) sendAfterExpiry(t *testing.T, path, oldCSRF string, values url.Values) (int, string) {
	t.Helper()
	w.clock.Add(16 * time.Minute)
	v := url.Values{"csrf": {oldCSRF}}
	for k, vs := range values {
		v[k] = vs
	}
	resp, body := form(t, w.resident, w.base+path, v)
	return resp.StatusCode, body
}

// unlockPage sends the unlock form found in page with passphrase and extra
// fields, without following the redirect; it returns the answer and its body.
func (w *world) unlockPage(t *testing.T, page, passphrase string, extra url.Values) (*http.Response, string) {
	t.Helper()
	noRedirect := &http.Client{Jar: w.resident.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	v := url.Values{"csrf": {csrfField.FindStringSubmatch(page)[1]}, "passphrase": {passphrase}}
	if m := keptField.FindStringSubmatch(page); m != nil {
		v.Set("kept", m[1])
	}
	for k, vs := range extra {
		v[k] = vs
	}
	return form(t, noRedirect, w.base+"/unlock", v)
}

// TestFormKeptAfterSessionEnd: a consent form sent after the session ended
// is kept in memory, survives a wrong passphrase, and after unlocking is
// shown filled in on its page with a line saying it was not sent; nothing is
// granted until the resident sends it again with the new session's token,
// and the old token still fails.
func TestFormKeptAfterSessionEnd(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	oldCSRF := csrfField.FindStringSubmatch(w.page(t, "/consent"))[1]
	count := func() int {
		var list struct {
			Consents []grantView `json:"consents"`
		}
		w.call("GET", "/api/v1/consents", nil, &list)
		return len(list.Consents)
	}
	sent := url.Values{"to": {"schuldhulp-b"}, "purpose": {"debt-help-programme"}, "scope": {"debts", "client", "source:cjib"},
		"length": {"30d"}, "uses": {"3"}, "confirm": {"yes"}}
	status, page := w.sendAfterExpiry(t, "/consent", oldCSRF, sent)
	if status != 401 || !keptField.MatchString(page) || !strings.Contains(page, "Wat u had ingevuld is bewaard") {
		t.Fatalf("form after the session ended: %d, kept id shown %v", status, keptField.MatchString(page))
	}
	if strings.Contains(page, "schuldhulp-b") || strings.Contains(page, "debt-help-programme") {
		t.Error("the unlock page carries the form's values, not only an opaque id")
	}
	// A wrong passphrase keeps the form waiting.
	resp, wrong := w.unlockPage(t, page, "wrong passphrase here", nil)
	if resp.StatusCode != 401 || keptField.FindString(wrong) != keptField.FindString(page) {
		t.Fatalf("wrong passphrase: %d, the form's id carried on: %v", resp.StatusCode, keptField.FindString(wrong) == keptField.FindString(page))
	}
	page2 := w.page(t, "/unlock")
	if keptField.MatchString(page2) {
		t.Error("a fresh unlock page names a kept form it was not given")
	}
	resp, _ = w.unlockPage(t, page, testPass, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/consent" {
		t.Fatalf("unlock: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := count(); n != 0 {
		t.Fatalf("the kept form was sent on the resident's behalf: %d consents", n)
	}
	again := w.page(t, "/consent")
	for _, want := range []string{`id="kept-note"`, "Het is nog niet verstuurd", `value="schuldhulp-b" selected`, `value="debt-help-programme" checked`,
		`value="debts" checked`, `value="client" checked`, `value="source:cjib" checked`, `value="30d" selected`, `name="uses" type="number" min="1" max="1000" inputmode="numeric" value="3"`} {
		if !strings.Contains(again, want) {
			t.Errorf("the form shown again lacks %q", want)
		}
	}
	for _, unwanted := range []string{`value="income" checked`, `value="14d" selected`, `name="confirm"`} {
		if strings.Contains(again, unwanted) {
			t.Errorf("the form shown again has %q", unwanted)
		}
	}
	newCSRF := csrfField.FindStringSubmatch(again)[1]
	if newCSRF == oldCSRF {
		t.Fatal("the new session kept the old token")
	}
	if strings.Contains(w.page(t, "/consent"), `id="kept-note"`) {
		t.Error("the kept form is shown a second time")
	}
	// The old token is dead; the new one sends the form.
	old := url.Values{"csrf": {oldCSRF}}
	for k, vs := range sent {
		old[k] = vs
	}
	if resp, _ := form(t, w.resident, w.base+"/consent", old); resp.StatusCode != 403 || count() != 0 {
		t.Fatalf("sent with the old token: %d, %d consents", resp.StatusCode, count())
	}
	old.Set("csrf", newCSRF)
	if resp, _ := form(t, w.resident, w.base+"/consent", old); resp.StatusCode != 200 || count() != 1 {
		t.Fatalf("sent with the new token: %d, %d consents", resp.StatusCode, count())
	}
}

// TestOwnCostKeptAfterSessionEnd: the own-cost form on /budget comes back
// filled in after unlocking, and the cost is added only when sent again.
func TestOwnCostKeptAfterSessionEnd(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	oldCSRF := csrfField.FindStringSubmatch(w.page(t, "/budget"))[1]
	status, page := w.sendAfterExpiry(t, "/budget/costs", oldCSRF, url.Values{"kind": {"insurance"}, "description": {"Inboedel <verzekering>"},
		"amount": {"12,50"}, "period": {"quarter"}})
	if status != 401 || !keptField.MatchString(page) {
		t.Fatalf("form after the session ended: %d", status)
	}
	resp, _ := w.unlockPage(t, page, testPass, url.Values{"next": {"/log"}})
	if resp.Header.Get("Location") != "/budget" {
		t.Fatalf("unlock goes to %q, want the form's page", resp.Header.Get("Location"))
	}
	again := w.page(t, "/budget")
	for _, want := range []string{`id="kept-note"`, `value="insurance" selected`, `value="Inboedel &lt;verzekering&gt;"`, `value="12,50"`, `value="quarter" selected`} {
		if !strings.Contains(again, want) {
			t.Errorf("the form shown again lacks %q", want)
		}
	}
	if strings.Contains(again, `value="month" selected`) {
		t.Error("the default period is chosen beside the kept one")
	}
	if strings.Contains(again, "Inboedel &lt;verzekering&gt;</") {
		t.Error("the kept cost was added without being sent again")
	}
}

// TestKeptFormRefusals: what is not a kept form brings nothing back: a
// made-up id, an id past its time, an id used once already, and a form that
// is not kept (connecting an organisation carries a one-time code).
func TestKeptFormRefusals(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	oldCSRF := csrfField.FindStringSubmatch(w.page(t, "/consent"))[1]
	values := url.Values{"to": {"schuldhulp-a"}, "purpose": {"debt-help-intake"}, "scope": {"income"}, "days": {"7"}}
	shownAfter := func(t *testing.T, page string, extra url.Values) bool {
		t.Helper()
		w.unlockPage(t, page, testPass, extra)
		defer w.call("DELETE", "/api/v1/session", nil, nil)
		return strings.Contains(w.page(t, "/consent"), `id="kept-note"`)
	}
	t.Run("made-up id", func(t *testing.T) {
		w.call("DELETE", "/api/v1/session", nil, nil)
		page := w.page(t, "/unlock")
		if shownAfter(t, page, url.Values{"kept": {"made-up-id-0123456789abcdef"}}) {
			t.Error("a made-up id brought a form back")
		}
	})
	t.Run("past its time", func(t *testing.T) {
		_, page := w.sendAfterExpiry(t, "/consent", oldCSRF, values)
		w.clock.Add(keptFor + time.Minute)
		if shownAfter(t, page, nil) {
			t.Error("a form past its time came back")
		}
	})
	t.Run("used once", func(t *testing.T) {
		_, page := w.sendAfterExpiry(t, "/consent", oldCSRF, values)
		if !shownAfter(t, page, nil) {
			t.Fatal("the kept form did not come back")
		}
		if shownAfter(t, page, nil) {
			t.Error("a kept form came back twice")
		}
	})
	t.Run("not a kept form", func(t *testing.T) {
		status, page := w.sendAfterExpiry(t, "/sources/connect", oldCSRF, url.Values{"source": {"cjib"}, "code": {"ABCD-1234"}})
		if status != 401 || keptField.MatchString(page) {
			t.Errorf("connect form after the session ended: %d, kept %v", status, keptField.MatchString(page))
		}
	})
}

// TestRefreshFailureInWords: when an organisation cannot be reached, the
// sources page says so in plain words of the page's language, right after
// the refresh and later in the table, never with the program's English
// error text.
func TestRefreshFailureInWords(t *testing.T) {
	w := newWorld(t, Limits{})
	ctx := context.Background()
	set, entry, err := trust.NewOrganisation("woning", "Woonstichting Thuis", trust.KindCreditor, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := trust.SigningKeyOf(set)
	srv := org.New("woning", key, t.TempDir(), org.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	entry.Endpoint = "http://" + ln.Addr().String()
	if err := (trust.Store{Vault: w.vault}).Add(ctx, entry); err != nil {
		t.Fatal(err)
	}
	w.unlock()
	if code := w.call("POST", "/api/v1/sources", map[string]string{"org": "woning", "code": srv.IssueCode(ownerBSN)}, nil); code != 201 {
		t.Fatalf("connect: %d", code)
	}
	srv.Shutdown(ctx)
	for _, tc := range []struct{ lang, want string }{{"nl", "niet bereikbaar"}, {"en", "cannot be reached right now"}} {
		t.Run(tc.lang, func(t *testing.T) {
			w.page(t, "/lang/"+tc.lang+"?next=/sources")
			csrf := csrfField.FindStringSubmatch(w.page(t, "/sources"))[1]
			_, after := form(t, w.resident, w.base+"/sources/refresh", url.Values{"csrf": {csrf}})
			later := w.page(t, "/sources")
			for name, page := range map[string]string{"after the refresh": after, "later": later} {
				if !strings.Contains(page, tc.want) || strings.Contains(page, "the organisation could not be reached") || strings.Contains(page, "dial tcp") {
					t.Errorf("%s: the page does not say in words that the organisation could not be reached", name)
				}
			}
		})
	}
}

// TestUploadRefusalsInWords: files refused at upload are named with the
// reason in words of the page's language, never a raw code or the
// program's English text.
func TestUploadRefusalsInWords(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	other := debt("x1", "CJIB-X", 1000)
	other["sub"] = "111222333"
	stranger := newParty(t, "vreemd", trust.KindCreditor)
	files := map[string]string{"kapot.txt": "dit is geen bericht", "ander.jws": w.sign(w.cjib, other),
		"vreemd.jws": w.sign(stranger, debt("x2", "V-1", 1000))}
	for _, tc := range []struct{ lang, want string }{{"nl", "over iemand anders"}, {"en", "about someone else"}} {
		t.Run(tc.lang, func(t *testing.T) {
			w.page(t, "/lang/"+tc.lang+"?next=/sources")
			csrf := csrfField.FindStringSubmatch(w.page(t, "/sources"))[1]
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("csrf", csrf)
			for name, content := range files {
				fw, _ := mw.CreateFormFile("files", name)
				fw.Write([]byte(content))
			}
			mw.Close()
			resp, err := w.resident.Post(w.base+"/sources/upload", mw.FormDataContentType(), &buf)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			page := string(body)
			if !strings.Contains(page, tc.want) {
				t.Errorf("the page does not say %q", tc.want)
			}
			for _, raw := range []string{"wrong_subject", "unknown_issuer", "malformed", "statement is about another person", "not a statement or bundle", "trust list"} {
				if strings.Contains(page, raw) {
					t.Errorf("the page shows %q", raw)
				}
			}
		})
	}
}
