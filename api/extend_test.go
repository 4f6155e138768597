package api

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A programme consent of 18 months is accepted and one of 19 refused with
// a reason that names the maximum; extending it gives a new receipt for the
// same counsellor, and the log says so.
func TestProgrammeConsentLengthAndExtension(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	var refused apiErr
	if code := w.call("POST", "/api/v1/consents", GrantRequest{To: "schuldhulp-a", Purpose: "debt-help-programme",
		Scope: []string{"debts"}, Months: 19}, &refused); code != 400 || !strings.Contains(refused.Error.Message, "at most 18 months for debt-help-programme") {
		t.Errorf("19 months: %d %+v", code, refused.Error)
	}
	var g grantView
	if code := w.call("POST", "/api/v1/consents", GrantRequest{To: "schuldhulp-a", Purpose: "debt-help-programme",
		Scope: []string{"debts"}, Months: 18}, &g); code != 201 {
		t.Fatalf("18 months: %d", code)
	}
	if want := g.NotBefore.AddDate(0, 18, 0); g.NotBefore.Day() <= 28 && !g.Expiry.Equal(want) {
		t.Errorf("18 months from %s end %s, want %s", g.NotBefore, g.Expiry, want)
	}
	// Bad extensions: refused, nothing changes.
	for name, body := range map[string]any{
		"beyond the maximum": ExtendRequest{Months: 19},
		"not later":          ExtendRequest{Days: 30},
		"nothing":            ExtendRequest{},
		"unknown field":      map[string]int{"weeks": 3},
	} {
		var e apiErr
		if code := w.call("POST", "/api/v1/consents/"+g.ID+"/extend", body, &e); code != 400 {
			t.Errorf("%s: %d %+v", name, code, e.Error)
		}
	}
	w.clock.Add(60 * 24 * time.Hour)
	w.unlock() // the session ended meanwhile
	var x grantView
	if code := w.call("POST", "/api/v1/consents/"+g.ID+"/extend", ExtendRequest{Months: 18}, &x); code != 200 {
		t.Fatalf("extend: %d", code)
	}
	if x.ID != g.ID || x.Audience != g.Audience || !x.Expiry.After(g.Expiry) || x.Receipt == g.Receipt {
		t.Errorf("extended %+v, was %+v", x, g)
	}
	var rec map[string]any
	w.call("GET", "/api/v1/consents/"+g.ID+"/receipt", nil, &rec)
	if rec["consentReceiptID"] != x.Receipt || rec["regie:extends"] != g.ID {
		t.Errorf("receipt after extension: %v", rec)
	}
	var audit struct {
		Events []struct {
			Kind  string `json:"kind"`
			Grant string `json:"grant"`
		} `json:"events"`
		Intact bool `json:"intact"`
	}
	w.call("GET", "/api/v1/audit", nil, &audit)
	if last := audit.Events[len(audit.Events)-1]; !audit.Intact || last.Kind != "grant_extended" || last.Grant != g.ID {
		t.Errorf("audit after extension: intact %v, last %+v", audit.Intact, last)
	}
	// A revoked consent is not extended: 410 with its reason.
	w.call("DELETE", "/api/v1/consents/"+g.ID, nil, nil)
	var e apiErr
	if code := w.call("POST", "/api/v1/consents/"+g.ID+"/extend", ExtendRequest{Months: 18}, &e); code != 410 || e.Error.Code != "consent_revoked" {
		t.Errorf("extend after revoking: %d %+v", code, e.Error)
	}
}

// The page: the consent shows a form to extend it, offering no more than
// the purpose allows; extending says until when, and the overview names
// the new end in one line.
func TestExtendPage(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	var g grantView
	if code := w.call("POST", "/api/v1/consents", GrantRequest{To: "schuldhulp-a", Purpose: "debt-help-intake",
		Scope: []string{"debts"}, Days: 14}, &g); code != 201 {
		t.Fatalf("grant: %d", code)
	}
	page := w.page(t, "/consent/"+g.ID)
	if !strings.Contains(page, `value="90d"`) || strings.Contains(page, `value="6m"`) {
		t.Error("the extension form of an intake offers other than up to 90 days")
	}
	csrf := csrfField.FindStringSubmatch(page)[1]
	resp, body := form(t, w.resident, w.base+"/consent/"+g.ID+"/extend", url.Values{"csrf": {csrf}, "length": {"6m"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "hoogstens 90 dagen vanaf vandaag") {
		t.Errorf("6 months for an intake: %d", resp.StatusCode)
	}
	resp, body = form(t, w.resident, w.base+"/consent/"+g.ID+"/extend", url.Values{"csrf": {csrf}, "length": {"90d"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "De toestemming is verlengd tot") || !strings.Contains(body, `id="extended-on"`) {
		t.Errorf("extend by 90 days: %d", resp.StatusCode)
	}
	var now grantView
	w.call("GET", "/api/v1/consents/"+g.ID, nil, &now)
	end := now.Expiry
	if !end.After(g.Expiry) {
		t.Errorf("the end did not move: %s", end)
	}
	ov := w.page(t, "/")
	if n := strings.Count(ov, `class="notice running`); n != 1 {
		t.Errorf("%d lines for one running consent", n)
	}
	if !strings.Contains(ov, "Organisatie schuldhulp-a mag tot "+dutchDate(end)+" meekijken.") {
		t.Errorf("the overview does not name the new end %s", dutchDate(end))
	}
}

func dutchDate(t time.Time) string {
	m := []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}
	return strconv.Itoa(t.Day()) + " " + m[t.Month()-1] + " " + strconv.Itoa(t.Year())
}
