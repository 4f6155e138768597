package helper

import (
	"fmt"
	"strings"

	"regie/wallet"
	"regie/web"
)

// ChangeLine is one change in words, as the desk's table and the CLI show
// it: what happened, to whose claim or income, and the figures before and
// now (only those that changed, for a changed claim).
type ChangeLine struct {
	// Kind is the change's code: new, changed, settled, gone, income.new,
	// income.changed, income.ended, income.gone or signal.new.
	Kind      string
	What      string
	Who       string
	Reference string
	Before    string
	Now       string
}

// Lines puts the changes into words in lang, claims first (new, changed,
// settled, gone), then incomes, then new signals.
func (c Changes) Lines(lang string) []ChangeLine {
	var out []ChangeLine
	claims := []struct {
		kind string
		list []ClaimChange
	}{{"new", c.NewClaims}, {"changed", c.ChangedClaims}, {"settled", c.SettledClaims}, {"gone", c.GoneClaims}}
	for _, g := range claims {
		for _, ch := range g.list {
			l := ChangeLine{Kind: g.kind, What: web.T(lang, "chg."+g.kind), Who: ch.Creditor, Reference: ch.Reference,
				Before: web.T(lang, "chg.absent"), Now: web.T(lang, "chg.absent")}
			fields := ch.Changed
			if g.kind != "changed" {
				fields = []string{ChangedOutstanding, ChangedStatus, ChangedCrisis}
			}
			if ch.Before != nil {
				l.Before = claimWords(lang, *ch.Before, fields, g.kind == "changed")
			}
			if ch.Now != nil {
				l.Now = claimWords(lang, *ch.Now, fields, g.kind == "changed")
			}
			out = append(out, l)
		}
	}
	incomes := []struct {
		kind string
		list []IncomeChange
	}{{"income.new", c.NewIncomes}, {"income.changed", c.ChangedIncomes}, {"income.ended", c.EndedIncomes}, {"income.gone", c.GoneIncomes}}
	for _, g := range incomes {
		for _, ch := range g.list {
			l := ChangeLine{Kind: g.kind, What: web.T(lang, "chg."+g.kind), Who: ch.Payer, Reference: ch.Reference,
				Before: web.T(lang, "chg.absent"), Now: web.T(lang, "chg.absent")}
			if ch.Before != nil {
				l.Before = incomeWords(lang, *ch.Before)
			}
			if ch.Now != nil {
				l.Now = incomeWords(lang, *ch.Now)
			}
			out = append(out, l)
		}
	}
	for _, sg := range c.NewSignals {
		who := sg.Name
		if who == "" {
			who = sg.Organisation
		}
		out = append(out, ChangeLine{Kind: "signal.new", What: web.T(lang, "chg.signal.new"), Who: who,
			Reference: web.T(lang, "cat."+string(sg.Category)), Before: web.T(lang, "chg.absent"), Now: signalWords(lang, sg.Signal)})
	}
	return out
}

// signalWords says how long a debt is in arrears and since when, and its
// crisis: "35 dagen achterstand, sinds 16-10-2026".
func signalWords(lang string, s wallet.Signal) string {
	w := arrearsWords(lang, s)
	if c := s.Crisis; c != nil {
		w += " · " + web.T(lang, "crisis."+string(c.State)) + " " + web.NumericDate(c.Date)
	}
	return w
}

// arrearsWords says how long a debt is in arrears and since when.
func arrearsWords(lang string, s wallet.Signal) string {
	var w string
	since := web.NumericDate(s.Since)
	switch {
	case s.DaysInArrears == 1:
		w = web.T(lang, "chg.day", since)
	case s.DaysInArrears > 1:
		w = web.T(lang, "chg.days", s.DaysInArrears, since)
	case s.MonthsInArrears == 1:
		w = web.T(lang, "chg.monthago", since)
	case s.MonthsInArrears > 1:
		w = web.T(lang, "chg.months", s.MonthsInArrears, since)
	default:
		w = web.T(lang, "chg.since", since)
	}
	return w
}

// claimWords writes the named figures of a claim: "€ 525,00 · Incasso".
// For a changed claim a crisis that ended reads "geen crisis"; otherwise
// no crisis goes unsaid.
func claimWords(lang string, f ClaimFigures, fields []string, changed bool) string {
	var parts []string
	for _, field := range fields {
		switch field {
		case ChangedOutstanding:
			parts = append(parts, web.Money(f.OutstandingCents))
		case ChangedArrears:
			parts = append(parts, web.T(lang, "chg.arrears", web.Money(f.ArrearsCents)))
		case ChangedStatus:
			parts = append(parts, web.T(lang, "st."+string(f.Status)))
		case ChangedCrisis:
			if f.Crisis != nil {
				parts = append(parts, web.T(lang, "crisis."+string(f.Crisis.State))+" "+web.NumericDate(f.Crisis.Date))
			} else if changed {
				parts = append(parts, web.T(lang, "chg.crisis.none"))
			}
		case ChangedReporter:
			parts = append(parts, web.T(lang, "chg.reported", f.Creditor, f.Reference))
		}
	}
	return strings.Join(parts, " · ")
}

// incomeWords writes an income's monthly amount and its end.
func incomeWords(lang string, f IncomeFigures) string {
	s := web.T(lang, "chg.month", web.Money(f.MonthlyCents))
	switch {
	case f.Ended:
		s += " · " + web.T(lang, "chg.ended")
	case f.Ends != "":
		s += " · " + web.T(lang, "chg.ends", web.NumericDate(f.Ends))
	}
	return s
}

// Text is the changes as plain text in lang, for a terminal: a heading,
// one line per change ("Veranderd: CJIB, CJIB-1: € 525,00 → € 610,00"),
// and what was not compared. Amounts read € 1.234,56 with plain spaces.
func (c Changes) Text(lang string) string {
	var b strings.Builder
	fmt.Fprintln(&b, web.T(lang, "chg.title", web.LongDateTime(lang, c.Since)))
	if c.SameConsent {
		fmt.Fprintln(&b, web.T(lang, "chg.same"))
	} else {
		fmt.Fprintln(&b, web.T(lang, "chg.other"))
	}
	lines := c.Lines(lang)
	if len(lines) == 0 {
		fmt.Fprintln(&b, web.T(lang, "chg.none"))
	}
	for _, l := range lines {
		if l.Kind == "signal.new" { // "New signal: Energy, 35 days in arrears, since 16-10-2026 (Energie Samen)"
			fmt.Fprintf(&b, "%s: %s, %s (%s)\n", l.What, l.Reference, l.Now, l.Who)
			continue
		}
		fmt.Fprintf(&b, "%s: %s, %s: %s → %s\n", l.What, l.Who, l.Reference, l.Before, l.Now)
	}
	if c.NotCompared > 0 {
		fmt.Fprintln(&b, web.T(lang, "chg.notcompared", c.NotCompared))
	}
	return strings.NewReplacer("\u00a0", " ").Replace(b.String())
}
