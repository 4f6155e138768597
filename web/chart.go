package web

import (
	"fmt"
	"html/template"
	"strings"

	"regie/wallet"
)

// Chart draws outstanding debt per category as a horizontal bar chart in
// SVG, rendered on the server so it needs no script. Every bar carries its
// label and amount as text, and the figure is titled and described for
// screen readers. Its viewBox is a phone's width, so text stays legible
// when the chart is scaled to a 360 px screen.
func Chart(lang string, cats []wallet.CategoryTotal) template.HTML {
	if len(cats) == 0 {
		return ""
	}
	var max wallet.Cents
	for _, c := range cats {
		if c.OutstandingCents > max {
			max = c.OutstandingCents
		}
	}
	const rowH, width = 46, 340.0
	height := len(cats) * rowH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">`,
		int(width), height)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title><desc id="chart-desc">%s</desc>`,
		template.HTMLEscapeString(T(lang, "ov.chart")), template.HTMLEscapeString(T(lang, "ov.chart.desc")))
	for i, c := range cats {
		w := width * float64(c.OutstandingCents) / float64(max)
		if w < 2 {
			w = 2
		}
		y := i * rowH
		fmt.Fprintf(&b, `<text x="0" y="%d" class="chart-label">%s</text>`, y+16,
			template.HTMLEscapeString(T(lang, "cat."+string(c.Category))))
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="chart-amount" text-anchor="end">%s</text>`, int(width), y+16,
			template.HTMLEscapeString(Money(c.OutstandingCents)))
		fmt.Fprintf(&b, `<rect x="0" y="%d" width="%.1f" height="14" rx="3" class="chart-bar"></rect>`, y+24, w)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
