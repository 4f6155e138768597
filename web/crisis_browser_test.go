package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"regie/web"
)

// crisisInBrowser checks the demo overview on a 360 px phone (640 px
// high): the crises come first, above the totals, the nearest date first
// (Energie Samen's disconnection in 9 days before the eviction in 24), each
// with its amount inside the first screen, the one thing to do in plain
// Dutch, and no sideways scroll. It leaves overview-crisis-360.png, the
// first screen as the resident sees it.
func crisisInBrowser(t *testing.T, b *browser, w *demoWorld) {
	t.Helper()
	b.run(chromedp.EmulateViewport(360, 640), chromedp.Navigate(w.wallet+"/"), chromedp.WaitVisible("#crisis", chromedp.ByQuery))
	var first string
	b.run(chromedp.Evaluate(`document.querySelector("main section").id`, &first))
	if first != "crisis" {
		t.Errorf("first section on the overview = %q, want the crises", first)
	}
	var lines []string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll("#crisis .crisis-line")].map(l => l.id)`, &lines))
	if want := []string{"crisis-energie-samen", "crisis-woonstichting-de-haven"}; strings.Join(lines, " ") != strings.Join(want, " ") {
		t.Errorf("crisis lines = %v, want %v", lines, want)
	}
	if len(w.crises) != 2 {
		t.Fatalf("the demo overview has %d crises, want 2", len(w.crises))
	}
	energy := w.crises[0]
	line := b.text("#crisis-energie-samen")
	date := web.LongDate("nl", energy.Crisis.Date.Time())
	for _, want := range []string{"Energie Samen wil u op " + date + " afsluiten.", "Bel Energie Samen vandaag",
		"binnen 3 werkdagen", web.Money(energy.ArrearsCents), web.Money(energy.OutstandingCents)} {
		if !strings.Contains(line, want) {
			t.Errorf("crisis line %q does not say %q", line, want)
		}
	}
	if strings.Contains(line, "disconnection") || strings.Contains(line, "call_crisis") {
		t.Errorf("crisis line shows a raw code: %q", line)
	}
	var box struct{ Right, Bottom, Width, Height, ScrollWidth float64 }
	b.run(chromedp.Evaluate(`(() => { const r = document.querySelector("#crisis-energie-samen .amount").getBoundingClientRect();
		return {Right: r.right, Bottom: r.bottom, Width: innerWidth, Height: innerHeight, ScrollWidth: document.documentElement.scrollWidth}; })()`, &box))
	if box.Bottom > box.Height || box.Right > box.Width {
		t.Errorf("the crisis amount ends at (%.0f, %.0f), outside the %.0f×%.0f screen", box.Right, box.Bottom, box.Width, box.Height)
	}
	if box.ScrollWidth > box.Width {
		t.Errorf("the overview scrolls sideways at 360 px: %.0f wide", box.ScrollWidth)
	}
	var png []byte
	b.run(chromedp.CaptureScreenshot(&png))
	os.MkdirAll(ScreenshotDir, 0o755)
	if err := os.WriteFile(filepath.Join(ScreenshotDir, fmt.Sprintf("overview-crisis-%d.png", 360)), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// deskCrisesFirst checks the counsellor's dossier page: the crises sit
// above the totals, the nearest date first, and head the table of debts.
func deskCrisesFirst(t *testing.T, b *browser) {
	t.Helper()
	var first string
	b.run(chromedp.Evaluate(`document.querySelector("main section").id`, &first))
	if first != "crises" {
		t.Errorf("first section on the desk = %q, want the crises", first)
	}
	var crises, rows []string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll("#crises li")].map(l => l.textContent.trim())`, &crises),
		chromedp.Evaluate(`[...document.querySelectorAll("table.dense tbody tr th")].slice(0, 2).map(th => th.textContent.trim())`, &rows))
	if len(crises) != 2 || !strings.HasPrefix(crises[0], "Energie Samen: Afsluiting aangekondigd op ") ||
		!strings.HasPrefix(crises[1], "Woonstichting De Haven: Huisuitzetting aangekondigd op ") {
		t.Errorf("desk crises = %q", crises)
	}
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "Energie Samen") || !strings.HasPrefix(rows[1], "Woonstichting De Haven") {
		t.Errorf("desk table starts with %q, want the two crises", rows)
	}
}
