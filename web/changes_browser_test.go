package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"regie/demo"
	"regie/wallet"
	"regie/web"
)

// apiCall is the resident's JSON API call with the session cookie in jar.
func apiCall(t *testing.T, c *http.Client, method, url string, body, out any) int {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// TestDeskShowsWhatChangedSinceTheLastFetch: the counsellor fetches the
// demo resident's dossier at the desk; the CJIB then signs a higher claim,
// BelNet marks its claim paid and the water company sends a new one; after
// the resident's refresh the desk's next fetch shows what changed, and its
// front page lists the resident's fetches with the same changes, in Dutch
// and in English, accessible and without sideways scrolling at 360 px.
func TestDeskShowsWhatChangedSinceTheLastFetch(t *testing.T) {
	chromium, axePath := need(t)
	w := startDemoWorld(t)
	jar, _ := cookiejar.New(nil)
	api := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if code := apiCall(t, api, "POST", w.wallet+"/api/v1/session", map[string]string{"passphrase": demoPass}, nil); code != 200 {
		t.Fatalf("unlock: %d", code)
	}
	var g struct {
		URL string `json:"url"`
	}
	if code := apiCall(t, api, "POST", w.wallet+"/api/v1/consents", map[string]any{"to": demo.HelperID, "purpose": "debt-help-intake",
		"scope": []string{"debts", "income"}, "days": 30}, &g); code != 201 {
		t.Fatalf("grant: %d", code)
	}
	b := newBrowser(t, chromium, axePath)
	fetch := func() {
		b.run(chromedp.Navigate(w.desk+"/"), chromedp.SendKeys("#url", g.URL, chromedp.ByQuery), chromedp.Click("#fetch", chromedp.ByQuery))
		if got := b.text("#verified"); !strings.Contains(got, "gecontroleerd") {
			t.Fatalf("desk = %q", got)
		}
	}
	fetch()
	var sections int
	b.run(chromedp.Evaluate(`document.querySelectorAll("#changes").length`, &sections))
	if sections != 0 {
		t.Error("the first fetch shows changes")
	}

	tell := func(org, jti string, debt map[string]any) {
		now := time.Now()
		raw, _ := json.Marshal(map[string]any{"iss": org, "sub": demo.DemoBSN, "jti": jti, "iat": now.Add(-time.Minute).Unix(), "type": "debt",
			"as_of": now.Format(wallet.DateLayout), "debt": debt})
		if err := os.WriteFile(filepath.Join(w.dir, "demo", org, "statements", jti+".json"), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tell("cjib", "cjib-2026-2", map[string]any{"reference": "CJIB-8891-2231", "creditor": "Centraal Justitieel Incassobureau",
		"category": "fine", "original_cents": 45000, "outstanding_cents": 64000, "arrears_cents": 64000, "months_in_arrears": 4, "status": "collection"})
	tell("belnet", "belnet-2026-2", map[string]any{"reference": "BN-0612-7781", "creditor": "BelNet Mobiel", "category": "telecom",
		"original_cents": 18500, "outstanding_cents": 0, "arrears_cents": 0, "status": "paid"})
	tell("waterbedrijf-zuid", "wz-2026-2", map[string]any{"reference": "WZ-60001", "creditor": "Waterbedrijf Zuid", "category": "water",
		"original_cents": 4500, "outstanding_cents": 4500, "arrears_cents": 4500, "months_in_arrears": 1, "status": "open"})
	if code := apiCall(t, api, "POST", w.wallet+"/api/v1/sources/refresh", nil, nil); code != 200 {
		t.Fatalf("refresh: %d", code)
	}

	rows := func(sel string) []string {
		var out []string
		b.run(chromedp.Evaluate(`Array.from(document.querySelectorAll("`+sel+` tbody tr")).map(r => Array.from(r.cells).map(c => c.innerText.replace(/\u00a0/g, " ")).join(" | "))`, &out))
		return out
	}
	wantRows := func(where string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s shows:\n%s\nwant:\n%s", where, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	money := func(c wallet.Cents) string { return strings.ReplaceAll(web.Money(c), "\u00a0", " ") }
	nl := []string{
		"Nieuwe schuld | Waterbedrijf Zuid | WZ-60001 | — | " + money(4500) + " · Open",
		"Veranderd | Centraal Justitieel Incassobureau | CJIB-8891-2231 | " + money(52500) + " · achterstand " + money(52500) +
			" | " + money(64000) + " · achterstand " + money(64000),
		"Afgehandeld | BelNet Mobiel | BN-0612-7781 | " + money(18500) + " · Incasso | " + money(0) + " · Betaald",
	}
	fetch()
	if got := b.text("#changes"); !strings.HasPrefix(got, "Veranderd sinds ") {
		t.Errorf("changes heading = %q", got)
	}
	wantRows("the dossier page", rows("table.changes"), nl...)
	b.check("desk-changes", true)

	// The front page: one resident, two fetches, what changed in the newest.
	b.run(chromedp.Navigate(w.desk + "/"))
	var residents, fetches int
	b.run(chromedp.Evaluate(`document.querySelectorAll(".resident-history").length`, &residents),
		chromedp.Evaluate(`document.querySelectorAll(".resident-history > ul > li").length`, &fetches))
	if residents != 1 || fetches != 2 {
		t.Errorf("history: %d residents, %d fetches; want 1 and 2", residents, fetches)
	}
	wantRows("the history", rows(".resident-history table.changes"), nl...)
	b.check("desk-history", true)
	var wide bool
	b.run(chromedp.EmulateViewport(360, 900), chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &wide))
	if wide {
		t.Error("the desk's history scrolls sideways at 360 px")
	}

	b.run(chromedp.Navigate(w.desk + "/lang/en"))
	if got := b.text(".resident-history h4"); !strings.HasPrefix(got, "Changed since ") {
		t.Errorf("English history heading = %q", got)
	}
	wantRows("the English history", rows(".resident-history table.changes"),
		"New claim | Waterbedrijf Zuid | WZ-60001 | — | "+money(4500)+" · Open",
		"Changed | Centraal Justitieel Incassobureau | CJIB-8891-2231 | "+money(52500)+" · arrears "+money(52500)+" | "+money(64000)+" · arrears "+money(64000),
		"Settled | BelNet Mobiel | BN-0612-7781 | "+money(18500)+" · Collection | "+money(0)+" · Paid")
	b.check("en-desk-history", true)
}
