package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"regie/consent"
	"regie/helper"
	"regie/internal/httpx"
)

func TestHealthz(t *testing.T) {
	w := newWorld(t, Limits{})
	resp, err := http.Get(w.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Only "ok": not whether the vault is unlocked.
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q", h, got)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestResidentAPINeedsUnlock(t *testing.T) {
	w := newWorld(t, Limits{UnlockFailures: 3, UnlockLockout: time.Minute})
	var e apiErr
	if code := w.call("GET", "/api/v1/overview", nil, &e); code != 401 || e.Error.Code != "not_unlocked" {
		t.Fatalf("overview without session: %d %+v", code, e)
	}
	if code := w.call("POST", "/api/v1/session", map[string]string{"passphrase": "wrong one"}, &e); code != 401 || e.Error.Code != "wrong_passphrase" {
		t.Fatalf("wrong passphrase: %d %+v", code, e)
	}
	w.unlock()
	var o struct {
		Total int64 `json:"total_outstanding_cents"`
	}
	if code := w.call("GET", "/api/v1/overview", nil, &o); code != 200 || o.Total != 52500 {
		t.Fatalf("overview: %d %+v", code, o)
	}
	u, _ := http.NewRequest("GET", w.base, nil)
	for _, c := range w.resident.Jar.Cookies(u.URL) {
		if c.Name == sessionCookie && (c.Value == "" || strings.Contains(c.Value, testPass)) {
			t.Errorf("session cookie = %+v", c)
		}
	}
	// A state-changing call must be JSON, so a cross-site form cannot make it.
	req, _ := http.NewRequest("POST", w.base+"/api/v1/consents", strings.NewReader("to=schuldhulp-a"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := w.resident.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Errorf("form post to the JSON API: %d", resp.StatusCode)
	}
	if code := w.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
		t.Fatalf("lock: %d", code)
	}
	if code := w.call("GET", "/api/v1/overview", nil, &e); code != 401 {
		t.Fatalf("overview after lock: %d", code)
	}
}

func TestUnlockIsThrottled(t *testing.T) {
	w := newWorld(t, Limits{UnlockFailures: 3, UnlockLockout: time.Minute})
	var e apiErr
	codes := []int{}
	for i := 0; i < 4; i++ {
		codes = append(codes, w.call("POST", "/api/v1/session", map[string]string{"passphrase": "guess"}, &e))
	}
	// Two fast failures, then a forced wait (429), then the lockout.
	if codes[0] != 401 || codes[1] != 401 || codes[2] != 429 || codes[3] != 429 {
		t.Fatalf("codes = %v", codes)
	}
	// Even the right passphrase waits while the throttle holds.
	if code := w.call("POST", "/api/v1/session", map[string]string{"passphrase": testPass}, &e); code != 429 || e.Error.Code != "unlock_throttled" {
		t.Fatalf("right passphrase during lockout: %d %+v", code, e)
	}
}

func TestConsentRedeemRevoke(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	g := w.grant("schuldhulp-a")
	if g.URL == "" || !strings.Contains(g.URL, "#wk=") {
		t.Fatalf("grant view = %+v", g)
	}
	ctx := context.Background()
	vd, err := w.importer(w.helperA).FromURL(ctx, g.URL, consent.PurposeIntake)
	if err != nil {
		t.Fatal(err)
	}
	if len(vd.Verified) != 2 {
		t.Errorf("dossier holds %d statements", len(vd.Verified))
	}
	// The same URL for another helper yields nothing.
	if _, err := w.importer(w.helperB).FromURL(ctx, g.URL, consent.PurposeIntake); !isCode(err, "wrong_audience") {
		t.Errorf("helper B: %v", err)
	}
	// Later fetch with the consent token.
	d, err := w.helper(w.helperA).Fetch(ctx, w.base, vd.Grant, consent.PurposeIntake)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.importer(w.helperA).Verify(d, vd.WalletID); err != nil {
		t.Fatal(err)
	}
	var revoked grantView
	if code := w.call("DELETE", "/api/v1/consents/"+g.ID, nil, &revoked); code != 200 || revoked.Status != consent.StatusRevoked {
		t.Fatalf("revoke: %d %+v", code, revoked)
	}
	if _, err := w.importer(w.helperA).FromURL(ctx, g.URL, consent.PurposeIntake); !isCode(err, "consent_revoked") {
		t.Errorf("after revoke: %v", err)
	}
	if _, err := w.helper(w.helperA).Fetch(ctx, w.base, vd.Grant, consent.PurposeIntake); !isCode(err, "consent_revoked") {
		t.Errorf("token after revoke: %v", err)
	}
	var audit struct {
		Events []struct {
			Kind   string `json:"kind"`
			Reason string `json:"reason"`
		} `json:"events"`
		Intact bool `json:"intact"`
	}
	w.call("GET", "/api/v1/audit", nil, &audit)
	last := audit.Events[len(audit.Events)-1]
	if !audit.Intact || last.Kind != "presentation_refused" || last.Reason != "consent_revoked" {
		t.Errorf("audit = %+v", audit)
	}
}

func TestScopeDebtsHoldsNoIncome(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	g := w.grant("schuldhulp-a", "debts")
	vd, err := w.importer(w.helperA).FromURL(context.Background(), g.URL, consent.PurposeIntake)
	if err != nil {
		t.Fatal(err)
	}
	// The world holds one debt and one income: the dossier must hold the
	// debt, so that an empty dossier cannot pass.
	if len(vd.Verified) != 1 || vd.Verified[0].Debt == nil {
		t.Fatalf("debts-only dossier holds %d statements, want the one debt", len(vd.Verified))
	}
	for _, st := range vd.Verified {
		if st.Income != nil {
			t.Fatal("income in a debts-only dossier")
		}
	}
	if vd.Overview.TotalOutstandingCents != 52500 || vd.Overview.MonthlyIncomeCents != 0 {
		t.Errorf("overview income = %d", vd.Overview.MonthlyIncomeCents)
	}
}

func TestRedeemWithoutProofYieldsNothing(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	g := w.grant("schuldhulp-a")
	link, _ := helper.ParseConsentURL(g.URL)
	resp, err := http.Get(link.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), "proof_missing") || strings.Contains(string(body), "52500") {
		t.Errorf("no proof: %d %s", resp.StatusCode, body)
	}
}

func isCode(err error, code string) bool {
	var ae *httpx.Error
	return errors.As(err, &ae) && ae.Code == code
}

// TestExpiredConsentSaysExpired: once a consent's period is over, the helper
// and the resident are told it expired, in its own words, never that the
// resident revoked it.
func TestExpiredConsentSaysExpired(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	var g grantView
	if code := w.call("POST", "/api/v1/consents", GrantRequest{To: "schuldhulp-a", Purpose: "debt-help-intake", Scope: []string{"debts"}, Days: 1}, &g); code != 201 {
		t.Fatalf("grant: %d", code)
	}
	w.clock.Add(24*time.Hour + time.Second)
	_, err := w.importer(w.helperA).FromURL(context.Background(), g.URL, consent.PurposeIntake)
	var ae *httpx.Error
	if !errors.As(err, &ae) || ae.Code != "consent_expired" || ae.Message != "the consent has expired" || ae.Status != 401 {
		t.Errorf("helper after expiry: %v", err)
	}
	w.unlock() // the session ended while the day passed
	for _, path := range []string{"/api/v1/consents/" + g.ID + "/code", "/api/v1/consents/" + g.ID + "/qr.png"} {
		method := "GET"
		if strings.HasSuffix(path, "/code") {
			method = "POST"
		}
		var e apiErr
		if code := w.call(method, path, struct{}{}, &e); code != 410 || e.Error.Code != "consent_expired" || e.Error.Message != "the consent has expired" {
			t.Errorf("%s %s after expiry: %d %+v", method, path, code, e.Error)
		}
	}
}
