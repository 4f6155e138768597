package host

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// hosted is a resident's browser that also speaks the JSON API, with
// what it saw: every address it was sent to or found in a page.
type hosted struct {
	*browser
	seen []string
}

// attrURL finds the addresses a page links to, loads or posts to.
var attrURL = regexp.MustCompile(`(?:href|src|action)="([^"]*)"`)

func (h *hosted) note(page, loc string) {
	if loc != "" {
		h.seen = append(h.seen, loc)
	}
	for _, m := range attrURL.FindAllStringSubmatch(page, -1) {
		h.seen = append(h.seen, m[1])
	}
}

// request sends one request as this resident: JSON to /api/ paths, a form
// with the page's token elsewhere.
func (h *hosted) request(method, path string, body any) (int, string, string) {
	h.t.Helper()
	var rd io.Reader
	var ct string
	switch {
	case body != nil:
		raw, _ := json.Marshal(body)
		rd, ct = bytes.NewReader(raw), "application/json"
	case method != "GET" && method != "DELETE" && strings.Contains(path, "/api/"):
		rd, ct = strings.NewReader("{}"), "application/json"
	case method != "GET" && method != "DELETE":
		rd, ct = strings.NewReader(url.Values{"csrf": {h.token}, "sure": {"yes"}, "confirm": {"yes"}}.Encode()), "application/x-www-form-urlencoded"
	}
	req, _ := http.NewRequest(method, h.w.base+path, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	code, page, loc := h.do(req)
	h.note(page, loc)
	return code, page, loc
}

// signedUp is a resident signed up through the pages.
func signedUp(t *testing.T, w *hostWorld, login, bsn string) (*hosted, string) {
	t.Helper()
	h := &hosted{browser: w.browser()}
	h.get(signupPath)
	if code, _, _ := h.post(signupPath, signupValues(login, bsn, pagePass, pagePass)); code != 303 {
		t.Fatalf("sign-up %s: %d", login, code)
	}
	id, _ := w.h.ix.vaultOf(context.Background(), login)
	return h, id
}

// TestResidentsAreIsolated: resident B's session, on every route of the
// host, with A's consent, statement and cost ids and A's vault id in the
// path, reads and changes nothing of A; without a session every resident
// route answers 401 (JSON) or sends to the login page; and no address
// either resident meets holds resident data.
func TestResidentsAreIsolated(t *testing.T) {
	w := newHostWorld(t)
	a, idA := signedUp(t, w, "fatima", bsnA)
	b, idB := signedUp(t, w, "jan", bsnB)

	// A's data: a debt, a consent and an own cost.
	if code, _ := w.push(w.h.WalletURL(idA), w.debt(bsnA, "cjib-a-0001", "CJIB-A1", 54321)); code != 202 {
		t.Fatalf("push to A: %d", code)
	}
	var stmts struct {
		Series []struct {
			Current struct {
				ID string `json:"jti"`
			} `json:"current"`
		} `json:"series"`
	}
	code, page, _ := a.request("GET", "/api/v1/statements", nil)
	if json.Unmarshal([]byte(page), &stmts); code != 200 || len(stmts.Series) != 1 {
		t.Fatalf("A's statements: %d\n%s", code, page)
	}
	stmtA := stmts.Series[0].Current.ID
	var g GrantAnswer
	code, page, _ = a.request("POST", "/api/v1/consents", map[string]any{"to": "schuldhulp-a", "purpose": "debt-help-intake", "scope": []string{"debts"}, "days": 14})
	if json.Unmarshal([]byte(page), &g); code != 201 || g.ID == "" {
		t.Fatalf("A's consent: %d\n%s", code, page)
	}
	var cost struct {
		ID string `json:"id"`
	}
	code, page, _ = a.request("POST", "/api/v1/expenses", map[string]any{"kind": "rent", "description": "Huur Fatima", "amount_cents": 65000, "period": "month"})
	if json.Unmarshal([]byte(page), &cost); code != 201 || cost.ID == "" {
		t.Fatalf("A's cost: %d\n%s", code, page)
	}
	// A visits her pages, so that every address of them is seen.
	for _, p := range []string{"/", "/debt/" + stmtA, "/sources", "/consent", "/consent/" + g.ID, "/consent/" + g.ID + "/receipt", "/log", "/budget", accountPath, deletePath} {
		if code, _, _ := a.request("GET", p, nil); code != 200 {
			t.Errorf("A's page %s: %d", p, code)
		}
	}

	// What of A must never reach B.
	// (Its ids are checked by status: a page may name the path asked for.)
	secretsOfA := []string{nameA, bsnA, "CJIB-A1", "543,21", "54321", "Huur Fatima", "65000", idA}
	params := map[string]string{":id": "", ":vault": idA, ":handle": "x", ":code": "ABCD1234", ":code?": "en"}
	skip := map[string]bool{ // B's own logout, deletion and sign-in: tested elsewhere
		"DELETE /api/v1/session": true, "DELETE /api/v1/vault": true, "POST /lock": true, "POST " + deletePath: true,
		"POST /api/v1/session": true, "POST /api/v1/signup": true, "POST " + signupPath: true, "POST " + loginPath: true,
		"POST /api/v1/passphrase": true, "POST " + accountPath + "/wachtwoordzin": true,
	}
	tried := 0
	for _, rt := range w.srv.app.GetRoutes(true) {
		if rt.Method == "HEAD" || rt.Method == "CONNECT" || rt.Method == "OPTIONS" || rt.Method == "TRACE" || skip[rt.Method+" "+rt.Path] {
			continue
		}
		for _, id := range []string{g.ID, stmtA, cost.ID} {
			path := rt.Path
			for p, v := range params {
				if v == "" {
					v = id
				}
				path = strings.ReplaceAll(path, p, v)
			}
			b.get("/") // a fresh form token of B's session
			code, page, loc := b.request(rt.Method, path, nil)
			tried++
			for _, s := range secretsOfA {
				if (strings.Contains(page, s) || strings.Contains(loc, s)) && !strings.Contains(path, s) {
					t.Errorf("B's %s %s (%d) shows %q of A", rt.Method, path, code, s)
				}
			}
			if strings.Contains(rt.Path, ":id") {
				if code >= 200 && code < 300 {
					t.Errorf("B's %s %s with A's id answered %d", rt.Method, path, code)
				}
			}
			if !strings.Contains(rt.Path, ":") {
				break // one try is enough for a route without ids
			}
		}
	}
	if tried < 40 {
		t.Fatalf("only %d requests tried: the route list is not what this test thinks", tried)
	}
	// A's data is untouched.
	var gv struct {
		Status string `json:"consent_status"`
	}
	if code, page, _ := a.request("GET", "/api/v1/consents/"+g.ID, nil); json.Unmarshal([]byte(page), &gv) != nil || code != 200 || gv.Status != "active" {
		t.Errorf("A's consent after B's tries: %d %s", code, page)
	}
	if code, page, _ := a.request("GET", "/api/v1/expenses", nil); code != 200 || !strings.Contains(page, cost.ID) {
		t.Errorf("A's cost after B's tries: %d %s", code, page)
	}
	if code, page, _ := a.request("GET", "/api/v1/overview", nil); code != 200 || !strings.Contains(page, "54321") {
		t.Errorf("A's overview after B's tries: %d %s", code, page)
	}
	if _, page, _ := b.request("GET", "/api/v1/overview", nil); strings.Contains(page, "54321") || idB == idA {
		t.Error("B sees A's debt")
	}

	// Without a session: 401 for the JSON API, the login page for pages.
	anon := &hosted{browser: w.browser()}
	for _, rt := range w.srv.app.GetRoutes(true) {
		if rt.Method == "HEAD" || skip[rt.Method+" "+rt.Path] || strings.HasPrefix(rt.Path, "/v/") || strings.HasPrefix(rt.Path, "/static") ||
			rt.Path == "/healthz" || rt.Path == "/readyz" || rt.Path == "/lang/:code" || rt.Path == signupPath || rt.Path == loginPath || rt.Path == "/manifest.webmanifest" {
			continue
		}
		path := strings.NewReplacer(":id", g.ID, ":vault", idA).Replace(rt.Path)
		code, page, loc := anon.request(rt.Method, path, nil)
		switch {
		case strings.HasPrefix(path, "/api/"):
			if code != 401 {
				t.Errorf("%s %s without a session: %d", rt.Method, path, code)
			}
		case code != 303 || !strings.HasPrefix(loc, loginPath):
			t.Errorf("%s %s without a session: %d to %q", rt.Method, path, code, loc)
		}
		for _, s := range secretsOfA {
			if strings.Contains(page, s) && !strings.Contains(path, s) {
				t.Errorf("%s %s without a session shows %q", rt.Method, path, s)
			}
		}
	}

	// The host's own session routes say the same as the resident API.
	for _, rt := range []struct{ method, path string }{{"DELETE", "/api/v1/vault"}, {"POST", "/api/v1/passphrase"}, {"GET", "/api/v1/overview"}} {
		var body any
		if rt.method == "POST" {
			body = map[string]string{"old": pagePass, "new": "een heel nieuwe zin"}
		}
		code, page, _ := anon.request(rt.method, rt.path, body)
		if code != 401 || !strings.Contains(page, `"not_unlocked"`) {
			t.Errorf("%s %s without a session: %d %s", rt.method, rt.path, code, page)
		}
	}

	// No address either resident met holds resident data.
	for _, h := range []*hosted{a, b} {
		if len(h.seen) < 20 {
			t.Fatalf("only %d addresses seen", len(h.seen))
		}
		for _, u := range h.seen {
			for _, s := range []string{nameA, nameB, bsnA, bsnB, "fatima", "jan", pagePass, "CJIB-A1", "54321", "Huur"} {
				if strings.Contains(strings.ToLower(u), strings.ToLower(s)) {
					t.Errorf("the address %q holds %q", u, s)
				}
			}
		}
	}
}
