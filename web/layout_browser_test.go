package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// amountsInViewJS finds every amount on the page (every "€ 1.234,56" in a
// text node, the chart's SVG text included) and reports each one that is not
// fully inside the viewport and inside every box that clips it, or that is
// broken over two lines; and whether the page itself scrolls sideways.
const amountsInViewJS = `(() => {
  const vw = document.documentElement.clientWidth;
  const out = {count: 0, bad: [], scrollWidth: document.documentElement.scrollWidth, viewport: vw};
  const re = /(−\s?)?€\s?\d{1,3}(\.\d{3})*,\d\d/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest("title, desc, script, style")) continue;
    for (const m of n.data.matchAll(re)) {
      const r = document.createRange();
      r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
      const rects = [...r.getClientRects()].filter(x => x.width > 0 && x.height > 0);
      if (rects.length === 0) continue; // not rendered (print-only)
      out.count++;
      const box = r.getBoundingClientRect();
      const tops = new Set(rects.map(x => Math.round(x.top)));
      const where = m[0] + " in <" + el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "> at " + Math.round(box.left) + ".." + Math.round(box.right);
      if (tops.size > 1) out.bad.push(where + ": broken over lines");
      if (box.left < -0.5 || box.right > vw + 0.5) out.bad.push(where + ": outside the viewport of " + vw);
      for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
        const ov = getComputedStyle(a).overflowX;
        if (ov === "visible") continue;
        const ar = a.getBoundingClientRect();
        if (box.left < ar.left - 0.5 || box.right > ar.right + 0.5) out.bad.push(where + ": cut off by <" + a.tagName.toLowerCase() + "." + a.className + ">");
      }
    }
  }
  return out;
})()`

type amountsInView struct {
	Count       int      `json:"count"`
	Bad         []string `json:"bad"`
	ScrollWidth int      `json:"scrollWidth"`
	Viewport    int      `json:"viewport"`
}

// amountsInView checks the current page at one width.
func (b *browser) amountsInView(name string, width int64) int {
	b.t.Helper()
	b.run(chromedp.EmulateViewport(width, 800))
	var res amountsInView
	b.run(chromedp.Evaluate(amountsInViewJS, &res))
	for _, s := range res.Bad {
		b.t.Errorf("%s at %d px: %s", name, width, s)
	}
	if res.ScrollWidth > res.Viewport {
		b.t.Errorf("%s at %d px: the page scrolls sideways (%d px wide in a %d px viewport)", name, width, res.ScrollWidth, res.Viewport)
	}
	return res.Count
}

// colorScheme makes the page see the system's light or dark setting.
func (b *browser) colorScheme(scheme string) {
	b.t.Helper()
	b.run(chromedp.ActionFunc(func(ctx context.Context) error {
		return emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}).Do(ctx)
	}))
}

// TestEveryAmountInView opens the resident's pages of the demo wallet at
// 360 px and 1280 px, in light and dark mode, in Dutch and English: every
// amount lies fully in view on one line, no page scrolls sideways, and axe
// finds no violation.
func TestEveryAmountInView(t *testing.T) {
	chromium, axePath := need(t)
	w := startDemoWorld(t)
	b := newBrowser(t, chromium, axePath)
	b.run(chromedp.Navigate(w.wallet + "/"))
	b.run(chromedp.WaitVisible("#passphrase", chromedp.ByQuery))
	b.run(chromedp.SendKeys("#passphrase", demoPass+kb.Enter, chromedp.ByQuery))
	b.run(chromedp.WaitVisible("#total-debt", chromedp.ByQuery))

	// The first step's debt page, with its history.
	var debtPage string
	b.run(chromedp.Evaluate(`new URL(document.querySelector("#begin .plan-line h3 a").href).pathname`, &debtPage))
	if !strings.HasPrefix(debtPage, "/debt/") {
		t.Fatalf("first step links to %q", debtPage)
	}
	// At 200% zoom a 1280 x 800 window is 640 x 400 CSS pixels: the header
	// and menu leave the page most of the screen.
	b.run(chromedp.EmulateViewport(640, 400))
	var top float64
	b.run(chromedp.Evaluate(`document.getElementById("main").getBoundingClientRect().top`, &top))
	if top > 400*0.3 {
		t.Errorf("at 200%% zoom the header and menu take %.0f of 400 px", top)
	}
	pages := []string{"/", debtPage, "/sources", "/consent", "/log"}
	for _, lang := range []string{"nl", "en"} {
		b.run(chromedp.Navigate(w.wallet + "/lang/" + lang + "?next=/"))
		for _, scheme := range []string{"light", "dark"} {
			b.colorScheme(scheme)
			for _, p := range pages {
				name := fmt.Sprintf("%s %s %s", lang, scheme, p)
				b.run(chromedp.Navigate(w.wallet+p), chromedp.WaitVisible("main h1", chromedp.ByQuery))
				for _, width := range []int64{360, 1280} {
					n := b.amountsInView(name, width)
					if p == "/" && n < w.items {
						t.Errorf("%s at %d px: %d amounts in view, want at least one per debt and income (%d)", name, width, n, w.items)
					}
				}
				shot := strings.NewReplacer(debtPage, "debt", "/", "-", " ", "-").Replace("view-" + name)
				b.check(strings.TrimSuffix(shot, "-"), scheme == "dark" || p == debtPage)
			}
		}
	}
	b.colorScheme("light")
}
