package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"regie/internal/demoworld"
	"regie/wallet"
	"regie/web"
)

// TestDeskShowsWhatChangedSinceTheLastFetch: the counsellor fetches the
// demo resident's dossier at the desk; the CJIB then signs a higher claim,
// BelNet marks its claim paid and the water company sends a new one; after
// the resident's refresh the desk's next fetch shows what changed, and its
// front page lists the resident's fetches with the same changes, in Dutch
// and in English, accessible and without sideways scrolling at 360 px.
func TestDeskShowsWhatChangedSinceTheLastFetch(t *testing.T) {
	chromium, axePath := need(t)
	w := startDemoWorld(t)
	resident := demoworld.Login(t, w.wallet)
	url := resident.Grant()
	b := newBrowser(t, chromium, axePath)
	fetch := func() {
		b.run(chromedp.Navigate(w.desk+"/"), chromedp.SendKeys("#url", url, chromedp.ByQuery), chromedp.Click("#fetch", chromedp.ByQuery))
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

	demoworld.NewLetters(t, w.dir)
	resident.Refresh()

	rows := func(sel string) []string {
		var out []string
		b.run(chromedp.Evaluate(`Array.from(document.querySelectorAll("`+sel+` tbody tr")).map(r => Array.from(r.cells).map(c => c.innerText.replace(/\u00a0/g, " ")).join(" | "))`, &out))
		return out
	}
	// wantRows compares the rows of a table of changes; a wanted row that
	// ends in "…" is a prefix (a date that moves with today follows it).
	wantRows := func(where string, got []string, want ...string) {
		t.Helper()
		ok := len(got) == len(want)
		for i := 0; ok && i < len(want); i++ {
			if p, cut := strings.CutSuffix(want[i], "…"); cut {
				ok = strings.HasPrefix(got[i], p)
			} else {
				ok = got[i] == want[i]
			}
		}
		if !ok {
			t.Errorf("%s shows:\n%s\nwant:\n%s", where, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	money := func(c wallet.Cents) string { return strings.ReplaceAll(web.Money(c), "\u00a0", " ") }
	nl := []string{
		"Nieuwe schuld | Waterbedrijf Zuid | WZ-60001 | — | " + money(4500) + " · Open",
		"Veranderd | Centraal Justitieel Incassobureau | CJIB-8891-2231 | " + money(52500) + " · achterstand " + money(52500) +
			" | " + money(64000) + " · achterstand " + money(64000),
		"Afgehandeld | BelNet Mobiel | BN-0612-7781 | " + money(18500) + " · Incasso | " + money(0) + " · Betaald",
		// Water from one month in arrears: the new claim is a new signal.
		"Nieuw signaal | Waterbedrijf Zuid | Water | — | 1 maand achterstand, sinds …",
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
		"Settled | BelNet Mobiel | BN-0612-7781 | "+money(18500)+" · Collection | "+money(0)+" · Paid",
		"New signal | Waterbedrijf Zuid | Water | — | 1 month in arrears, since …")
	b.check("en-desk-history", true)
}
