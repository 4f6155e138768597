package helper

import (
	"bytes"
	"fmt"
	"strings"

	"regie/wallet"
	"regie/web"
)

// BudgetCSVHeader names the columns of the budget CSV: one row per figure
// of the budget, with where it came from, so an intake starts with a budget.
var BudgetCSVHeader = []string{"Post", "Soort", "Naam", "Bedrag", "Periode", "PerMaand", "Herkomst", "Verklaring", "Toelichting"}

// Provenance words in the budget CSV.
const (
	fromSigned   = "ondertekend"
	fromDeclared = "door inwoner ingevuld, niet ondertekend"
	fromRegie    = "berekend door Regie"
)

// BudgetCSV writes the budget: incomes, garnishments, arrangements, fixed
// costs (signed and self-declared apart), leefgeld and the indicative
// beslagvrije voet with its inputs, in the general CSV's dialect (see
// CSV): semicolons, BOM, decimal comma, dd-mm-jjjj, Dutch words; every
// cell neutralised against formulas.
func (e Export) BudgetCSV() ([]byte, error) {
	rows, err := e.budgetRows()
	return append([]byte(web.BOM), rows...), err
}

// period is a period in Dutch words.
func period(p wallet.Period) string { return web.T("nl", "per."+string(p)) }

// budgetRows is the budget section of the general CSV, without BOM.
func (e Export) budgetRows() ([]byte, error) {
	b := e.Overview.Budget
	money := web.EuroComma
	var rows [][]string
	for _, in := range e.Incomes {
		note := "telt mee"
		for _, row := range e.Overview.Incomes {
			if row.Issuer == in.Source.Organisation && row.Statement == in.Source.Statement {
				switch {
				case row.Ended:
					note = "gestopt"
				case row.EndsSoon:
					note = "stopt voor het einde van volgende maand (" + web.NumericDate(row.Income.Ends) + "), telt niet mee"
				}
			}
		}
		rows = append(rows, []string{"Inkomen", web.T("nl", "kind."+string(in.Kind)), in.Payer, money(in.NetCents), period(in.Period),
			money(in.MonthlyCents), fromSigned + " door " + orName(in.Source), in.Source.Statement, note})
		if g := in.Garnishment; g != nil {
			rows = append(rows, []string{"Beslag", "", strings.TrimSpace(g.By + " " + g.Reference), money(g.AmountCents), period(in.Period),
				money(in.Period.Monthly(g.AmountCents)), fromSigned + " door " + orName(in.Source), in.Source.Statement,
				"beslagvrije voet volgens betaler " + money(g.ProtectedCents)})
		}
	}
	for _, d := range e.Debts {
		if a := d.Arrangement; a != nil {
			rows = append(rows, []string{"Betalingsregeling", web.T("nl", "cat."+string(d.Category)), d.Creditor, money(a.MonthlyCents),
				period(wallet.PeriodMonth), money(a.MonthlyCents), fromSigned + " door " + orName(d.Source), d.Source.Statement,
				"tot en met " + web.NumericDate(a.Ends)})
		}
	}
	for _, c := range b.Costs {
		from, statement := fromDeclared, ""
		if c.Source == wallet.CostSigned {
			from, statement = fromSigned+" door "+c.Name, c.Statement
		}
		rows = append(rows, []string{"Vaste last", web.T("nl", "exp."+string(c.Kind)), c.Name, money(c.AmountCents), period(c.Period),
			money(c.MonthlyCents), from, statement, ""})
	}
	left := []string{"Leefgeld", "", "", "", period(wallet.PeriodMonth), "", fromRegie, "", ""}
	if b.LeefgeldCents != nil {
		left[5] = money(*b.LeefgeldCents)
		left[8] = fmt.Sprintf("inkomen %s − beslag %s − regelingen %s − vaste lasten %s (ondertekend) − %s (ingevuld)",
			money(b.IncomeCents), money(b.GarnishedCents), money(b.ArrangementCents), money(b.SignedCostsCents), money(b.DeclaredCostsCents))
	} else {
		left[8] = "onbekend: ontbreekt " + web.MissingText("nl", b.Missing)
	}
	rows = append(rows, left)
	if h := b.Household; h != nil {
		rows = append(rows, []string{"Huishouden", string(h.Situation), web.HouseholdText("nl", *h), "", "", "", fromDeclared, "", ""})
	}
	rows = append(rows, bvvRow(b.BVV))
	var buf bytes.Buffer
	err := web.WriteCSVWith(&buf, ';', BudgetCSVHeader, rows)
	return buf.Bytes(), err
}

func bvvRow(v wallet.BVV) []string {
	row := []string{"Beslagvrije voet (indicatief)", string(v.Situation), "", "", period(wallet.PeriodMonth), "", fromRegie, "", ""}
	if v.Status != wallet.BVVIndicative {
		row[8] = "niet berekend: " + string(v.Status)
		return row
	}
	m := web.EuroComma
	if v.LowCents == v.HighCents {
		row[5] = m(v.LowCents)
	} else {
		row[5] = m(v.LowCents) + " tot " + m(v.HighCents)
	}
	note := fmt.Sprintf("inkomen incl. vakantiegeld %s; bijstandsnorm %s; maximum %s; normen van %s; bronnen: %s; na beslag over %s",
		m(v.IncomeCents), m(v.NormCents), m(v.MaxCents), v.NormsValidFrom, strings.Join(v.Sources, "; "), m(v.LeftCents))
	if v.NormsOutdated {
		note += "; nieuwere normen gelden, niet in Regie"
	}
	if v.Warning != "" {
		note += "; waarschuwing: " + string(v.Warning)
	}
	row[8] = note
	return row
}
