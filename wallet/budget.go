package wallet

import (
	"sort"
	"time"
)

// OwnCost is a fixed cost the resident enters because no organisation signs
// it. It is self-declared and always shown as such, apart from signed costs.
type OwnCost struct {
	ID          string      `json:"id"`
	Kind        ExpenseKind `json:"kind"`
	Description string      `json:"description,omitempty"`
	AmountCents Cents       `json:"amount_cents"`
	Period      Period      `json:"period"`
}

// Validate checks a cost the resident entered (not its ID, which the vault
// gives).
func (c OwnCost) Validate() error {
	if !c.Kind.Valid() {
		return &ValidationError{Field: "kind", Problem: "unknown kind"}
	}
	if c.Description != "" {
		if err := checkText("description", &c.Description); err != nil {
			return err
		}
	}
	if err := checkMoney("amount_cents", &c.AmountCents); err != nil {
		return err
	}
	if !c.Period.Valid() {
		return &ValidationError{Field: "period", Problem: "must be week, four_weeks, month, quarter or year"}
	}
	return nil
}

// SelfDeclared is what the resident states about themselves: the household
// and the costs no organisation signs. It is never a statement: it is kept
// apart in the vault and carried in a dossier in its own, unsigned section.
type SelfDeclared struct {
	Household *Household `json:"household,omitempty"`
	Costs     []OwnCost  `json:"costs,omitempty"`
	// Client is the resident's birth date, address and partner as they
	// state them.
	Client *ClientDetails `json:"client,omitempty"`
}

// CostSource says where a fixed cost comes from.
type CostSource string

// Cost sources.
const (
	CostSigned       CostSource = "signed"        // an expense statement signed by the organisation that charges it
	CostSelfDeclared CostSource = "self_declared" // entered by the resident ("door u ingevuld")
)

// CostRow is one fixed cost in the budget, normalised to a month.
type CostRow struct {
	Source       CostSource  `json:"source"`
	Issuer       string      `json:"issuer,omitempty"`    // signed: the organisation
	Statement    string      `json:"statement,omitempty"` // signed: jti of the current statement
	ID           string      `json:"id,omitempty"`        // self-declared: the vault's id
	Name         string      `json:"name"`                // payee, or the resident's description
	Kind         ExpenseKind `json:"kind"`
	AmountCents  Cents       `json:"amount_cents"`
	Period       Period      `json:"period"`
	MonthlyCents Cents       `json:"monthly_cents"`
	Ends         Date        `json:"ends,omitempty"`
}

// MissingCost names a cost without which the leefgeld would look higher than
// it is.
type MissingCost string

// Costs that must be known before a leefgeld figure is shown.
const (
	MissingHousing         MissingCost = "housing"
	MissingHealthInsurance MissingCost = "health_insurance"
)

// Budget is what is left to live on per month, with every input beside it.
type Budget struct {
	// IncomeCents is the net income per month that keeps coming.
	IncomeCents Cents `json:"income_cents"`
	// EndingIncomeCents is income that stops before the end of next month:
	// shown apart and not counted, since it will not be there.
	EndingIncomeCents  Cents `json:"ending_income_cents"`
	GarnishedCents     Cents `json:"garnished_cents"`
	ArrangementCents   Cents `json:"arrangement_cents"`
	SignedCostsCents   Cents `json:"signed_costs_cents"`
	DeclaredCostsCents Cents `json:"declared_costs_cents"`
	// Costs lists the fixed costs: signed and self-declared, each marked.
	Costs []CostRow `json:"costs"`
	// Missing lists the costs still unknown; while it is not empty there is
	// no leefgeld figure.
	Missing []MissingCost `json:"missing"`
	// LeefgeldCents is income minus garnishment, arrangements and fixed
	// costs; nil while costs are missing.
	LeefgeldCents *Cents `json:"leefgeld_cents"`
	// Household is the household as the resident states it, if they did.
	Household *Household `json:"household,omitempty"`
	// BVV is the indicative beslagvrije voet.
	BVV BVV `json:"bvv"`
}

// endOfNextMonth is the last day of the month after the one d lies in.
func endOfNextMonth(d Date) Date {
	t := d.Time()
	return DateOf(time.Date(t.Year(), t.Month()+2, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1))
}

// compileBudget works out the budget from the compiled overview rows, the
// signed costs and what the resident declared.
func compileBudget(o *Overview, signed []CostRow, declared SelfDeclared, table []Norms) Budget {
	b := Budget{Costs: []CostRow{}, Missing: []MissingCost{}, Household: declared.Household}
	var bvvIncome, bvvGarnished Cents
	for _, row := range o.Incomes {
		if row.Ended {
			continue
		}
		in := row.Income
		var garnished Cents
		if in.Garnishment != nil {
			garnished = in.Period.Monthly(in.Garnishment.AmountCents)
		}
		if !in.Kind.Earmarked() {
			bvvIncome += row.MonthlyCents + in.Period.Monthly(in.HolidayPayCents)
		}
		bvvGarnished += garnished
		if row.EndsSoon {
			b.EndingIncomeCents += row.MonthlyCents
			continue
		}
		b.IncomeCents += row.MonthlyCents
		b.GarnishedCents += garnished
	}
	b.ArrangementCents = o.MonthlyArrangementCents
	b.Costs = append(b.Costs, signed...)
	for _, c := range declared.Costs {
		b.Costs = append(b.Costs, CostRow{Source: CostSelfDeclared, ID: c.ID, Name: c.Description, Kind: c.Kind,
			AmountCents: c.AmountCents, Period: c.Period, MonthlyCents: c.Period.Monthly(c.AmountCents)})
	}
	var housing, health bool
	for _, c := range b.Costs {
		if c.Source == CostSigned {
			b.SignedCostsCents += c.MonthlyCents
		} else {
			b.DeclaredCostsCents += c.MonthlyCents
		}
		housing = housing || c.Kind.Housing()
		health = health || c.Kind == ExpenseHealthInsurance
	}
	sort.SliceStable(b.Costs, func(i, j int) bool { return costLess(b.Costs[i], b.Costs[j]) })
	if !housing {
		b.Missing = append(b.Missing, MissingHousing)
	}
	if !health {
		b.Missing = append(b.Missing, MissingHealthInsurance)
	}
	if len(b.Missing) == 0 {
		left := b.IncomeCents - b.GarnishedCents - b.ArrangementCents - b.SignedCostsCents - b.DeclaredCostsCents
		b.LeefgeldCents = &left
	}
	b.BVV = IndicativeBVV(table, declared.Household, bvvIncome, bvvGarnished, o.Date)
	return b
}

func kindRank(k ExpenseKind) int {
	for i, x := range ExpenseKinds {
		if k == x {
			return i
		}
	}
	return len(ExpenseKinds)
}

func costLess(a, b CostRow) bool {
	if ka, kb := kindRank(a.Kind), kindRank(b.Kind); ka != kb {
		return ka < kb
	}
	if a.Source != b.Source {
		return a.Source == CostSigned
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	if a.Issuer != b.Issuer {
		return a.Issuer < b.Issuer
	}
	return a.ID+a.Statement < b.ID+b.Statement
}
