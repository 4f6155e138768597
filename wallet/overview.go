package wallet

import (
	"sort"
	"strings"
	"time"
)

// Thresholds of the overview.
const (
	// StaleAfter is how old facts may be before the overview says so.
	StaleAfter = 60 * 24 * time.Hour
	// IncomeEndingWithin is how far ahead an ending income is flagged.
	IncomeEndingWithin = 90 * 24 * time.Hour
)

// FlagCode says why something needs attention.
type FlagCode string

// Flag codes, urgent ones first.
const (
	// FlagCrisis: the creditor announced an eviction, a disconnection or the
	// end of the health insurance (Debt.Crisis). It comes before every other
	// flag: under the Wgs the municipality must pick a crisis up within
	// three working days (see CrisisResponseWorkingDays).
	FlagCrisis      FlagCode = "crisis"
	FlagGarnishment FlagCode = "garnishment" // income is being garnished for this debt
	FlagBailiff     FlagCode = "bailiff"     // a bailiff is collecting this debt
	// FlagPriorityArrears: the debt is in arrears past its category's signal
	// moment (PastSignalMoment): 30 days for rent, energy, heat and water,
	// two months for health insurance, a reminder for taxes.
	FlagPriorityArrears FlagCode = "priority_arrears"
	// FlagCAKHandover: six months or more behind on the health insurance, so
	// the insurer hands the resident over to the CAK (CAKHandover). It takes
	// the place of FlagPriorityArrears on that debt.
	FlagCAKHandover     FlagCode = "cak_handover"
	FlagProtectedAmount FlagCode = "protected_amount" // garnishment leaves less than the protected amount
	FlagIncomeEnding    FlagCode = "income_ending"    // an income stops within 90 days
	FlagStale           FlagCode = "stale"            // the facts are more than 60 days old
	FlagConflict        FlagCode = "conflict"         // two statements of one debt disagree
	// FlagBelowBVV: a garnishment leaves less than the lowest indicative
	// beslagvrije voet Regie works out from the household and the norms.
	FlagBelowBVV FlagCode = "below_bvv"
	// FlagMaybeBelowBVV: it leaves less than the top of the indicative range.
	FlagMaybeBelowBVV FlagCode = "maybe_below_bvv"
)

// Urgent reports whether the flag calls for action now rather than attention.
func (c FlagCode) Urgent() bool {
	switch c {
	case FlagCrisis, FlagGarnishment, FlagBailiff, FlagPriorityArrears, FlagCAKHandover, FlagProtectedAmount, FlagBelowBVV:
		return true
	}
	return false
}

func (c FlagCode) rank() int {
	for i, k := range []FlagCode{FlagCrisis, FlagGarnishment, FlagBailiff, FlagCAKHandover, FlagPriorityArrears, FlagProtectedAmount, FlagBelowBVV,
		FlagIncomeEnding, FlagMaybeBelowBVV, FlagConflict, FlagStale} {
		if c == k {
			return i
		}
	}
	return 99
}

// Flag points at one debt or income that needs attention.
type Flag struct {
	Code      FlagCode `json:"code"`
	Issuer    string   `json:"issuer"`
	Reference string   `json:"reference"`
	Name      string   `json:"name"` // creditor or payer, for display
	Category  Category `json:"category,omitempty"`
	// Crisis is the announced eviction, disconnection or end of insurance
	// of a FlagCrisis, with its date.
	Crisis *Crisis `json:"crisis,omitempty"`
}

// DebtRow is one debt as it stands now.
type DebtRow struct {
	Issuer    string     `json:"issuer"`
	Statement string     `json:"statement"` // jti of the current statement
	AsOf      Date       `json:"as_of"`
	Debt      Debt       `json:"debt"`
	Flags     []FlagCode `json:"flags,omitempty"`
	Urgent    bool       `json:"urgent"`
	History   int        `json:"history"` // how many older statements exist
	// Original is the original creditor's own report of the claim this
	// collector or bailiff reports (linked by original_creditor and
	// original_reference): shown beside it, never counted a second time.
	// This row's figure is the current one.
	Original *LinkedReport `json:"original,omitempty"`

	seriesIndex int // which series the row came from, while compiling
}

// LinkedReport is the original creditor's report of a claim a collector or
// bailiff now reports: its source and figure, for display only.
type LinkedReport struct {
	Issuer    string `json:"issuer"`
	Statement string `json:"statement"`
	AsOf      Date   `json:"as_of"`
	Debt      Debt   `json:"debt"`
}

// claimKey names a claim by its creditor and reference, case and spacing
// aside, so that a collector's original_creditor and original_reference
// find the creditor's own report.
func claimKey(creditor, reference string) [2]string {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	return [2]string{norm(creditor), norm(reference)}
}

// linkedClaims finds the debts a collector or bailiff reports on behalf of
// another creditor who reports the same claim too: it returns, keyed by
// the creditor's own claim, the index in series of the collector's report.
func linkedClaims(series []Series) map[[2]string]int {
	links := map[[2]string]int{}
	for i, s := range series {
		if len(s.Versions) == 0 {
			continue
		}
		if d := s.Current().Debt; d != nil && d.OriginalReference != "" {
			links[claimKey(d.OriginalCreditor, d.OriginalReference)] = i
		}
	}
	return links
}

// IncomeRow is one income as it stands now, normalised to a month.
type IncomeRow struct {
	Issuer       string `json:"issuer"`
	Statement    string `json:"statement"`
	AsOf         Date   `json:"as_of"`
	Income       Income `json:"income"`
	MonthlyCents Cents  `json:"monthly_cents"`
	Ended        bool   `json:"ended"`
	// EndsSoon: the income stops before the end of next month, so the
	// budget shows it apart and does not count it.
	EndsSoon bool       `json:"ends_soon,omitempty"`
	Flags    []FlagCode `json:"flags,omitempty"`
}

// CreditorRow sums the open debts one creditor reports.
type CreditorRow struct {
	Issuer           string `json:"issuer"`
	Creditor         string `json:"creditor"`
	Debts            int    `json:"debts"`
	OutstandingCents Cents  `json:"outstanding_cents"`
	ArrearsCents     Cents  `json:"arrears_cents"`
	MonthlyCents     Cents  `json:"monthly_cents"`
	WorstStatus      Status `json:"worst_status"`
	Urgent           bool   `json:"urgent"`
	// References are the creditor's references of these debts, sorted, for
	// when the resident calls them.
	References []string `json:"references"`
	// Crisis is the announced eviction, disconnection or end of insurance
	// on one of these debts, the one that takes effect first.
	Crisis *Crisis `json:"crisis,omitempty"`
}

// CategoryTotal is the outstanding debt of one category.
type CategoryTotal struct {
	Category         Category `json:"category"`
	OutstandingCents Cents    `json:"outstanding_cents"`
}

// Overview is where a resident stands: what they owe, to whom, what is
// urgent, and what comes in and goes out each month.
type Overview struct {
	Date                    Date            `json:"date"`
	TotalOutstandingCents   Cents           `json:"total_outstanding_cents"`
	TotalArrearsCents       Cents           `json:"total_arrears_cents"`
	MonthlyIncomeCents      Cents           `json:"monthly_income_cents"`
	MonthlyGarnishedCents   Cents           `json:"monthly_garnished_cents"`
	MonthlyArrangementCents Cents           `json:"monthly_arrangement_cents"`
	LeftPerMonthCents       Cents           `json:"left_per_month_cents"`
	Creditors               []CreditorRow   `json:"creditors"`
	Debts                   []DebtRow       `json:"debts"`
	Incomes                 []IncomeRow     `json:"incomes"`
	Categories              []CategoryTotal `json:"categories"`
	Urgent                  []Flag          `json:"urgent"`
	Attention               []Flag          `json:"attention"`
	// Budget is what is left to live on, with fixed costs and the
	// indicative beslagvrije voet.
	Budget Budget `json:"budget"`
	// Plan is what to do first: at most three steps, then the rest grouped.
	Plan Plan `json:"plan"`
}

// Known reports whether the vault knows anything at all about the resident's
// money: a debt, an income, a fixed cost (signed or self-declared) or the
// household. Until it does, the pages show the first steps instead of an
// overview that would say all is well.
func (o Overview) Known() bool {
	return len(o.Debts) > 0 || len(o.Incomes) > 0 || len(o.Budget.Costs) > 0 || o.Budget.Household != nil
}

// Compile turns every stored series into an overview as of now, without
// self-declared facts. It is a pure function: the same series and time
// always give the same overview, whatever order the series come in.
func Compile(series []Series, now time.Time) Overview {
	return CompileAll(series, SelfDeclared{}, now)
}

// CompileAll is Compile with what the resident declared (household, costs
// no organisation signs), which the budget needs. It is pure, like Compile.
func CompileAll(series []Series, declared SelfDeclared, now time.Time) Overview {
	today := DateOf(now)
	endNext := endOfNextMonth(today)
	signedCosts := []CostRow{}
	o := Overview{Date: today, Creditors: []CreditorRow{}, Debts: []DebtRow{}, Incomes: []IncomeRow{},
		Categories: []CategoryTotal{}, Urgent: []Flag{}, Attention: []Flag{}}
	byCategory := map[Category]Cents{}
	creditors := map[[2]string]*CreditorRow{}
	var flags []Flag
	links := linkedClaims(series)
	originals := map[int]*LinkedReport{} // by the collector's series index

	for i, s := range series {
		if len(s.Versions) == 0 {
			continue
		}
		cur := s.Current()
		if d := cur.Debt; d != nil && d.OriginalReference == "" {
			if j, ok := links[claimKey(d.Creditor, d.Reference)]; ok && j != i {
				originals[j] = &LinkedReport{Issuer: cur.Issuer, Statement: cur.ID, AsOf: cur.AsOf, Debt: *d}
				continue // the collector's report counts; this one is shown beside it
			}
		}
		var codes []FlagCode
		if now.Sub(cur.AsOf.Time()) > StaleAfter {
			codes = append(codes, FlagStale)
		}
		if conflicting(s.Versions) {
			codes = append(codes, FlagConflict)
		}
		switch {
		case cur.Debt != nil:
			d := *cur.Debt
			if d.Status == StatusGarnishment {
				codes = append(codes, FlagGarnishment)
			}
			if d.Status == StatusBailiff {
				codes = append(codes, FlagBailiff)
			}
			switch {
			case d.Status.Closed():
			case CAKHandover(d, cur.AsOf):
				codes = append(codes, FlagCAKHandover)
			case PastSignalMoment(d, cur.AsOf):
				codes = append(codes, FlagPriorityArrears)
			}
			if d.Crisis != nil && !d.Status.Closed() {
				codes = append(codes, FlagCrisis)
			}
			row := DebtRow{Issuer: cur.Issuer, Statement: cur.ID, AsOf: cur.AsOf, Debt: d, Flags: sortCodes(codes), History: len(s.Versions) - 1,
				seriesIndex: i}
			row.Urgent = anyUrgent(codes)
			o.Debts = append(o.Debts, row)
			for _, c := range row.Flags {
				f := Flag{Code: c, Issuer: cur.Issuer, Reference: d.Reference, Name: d.Creditor, Category: d.Category}
				if c == FlagCrisis {
					f.Crisis = &Crisis{State: d.Crisis.State, Date: d.Crisis.Date}
				}
				flags = append(flags, f)
			}
			if d.Status.Closed() {
				continue
			}
			o.TotalOutstandingCents += d.OutstandingCents
			o.TotalArrearsCents += d.ArrearsCents
			byCategory[d.Category] += d.OutstandingCents
			var monthly Cents
			if a := d.Arrangement; a != nil && a.Ends >= today {
				monthly = a.MonthlyCents
				o.MonthlyArrangementCents += monthly
			}
			ck := [2]string{cur.Issuer, d.Creditor}
			cr := creditors[ck]
			if cr == nil {
				cr = &CreditorRow{Issuer: cur.Issuer, Creditor: d.Creditor, WorstStatus: d.Status}
				creditors[ck] = cr
			}
			cr.Debts++
			cr.References = append(cr.References, d.Reference)
			cr.OutstandingCents += d.OutstandingCents
			cr.ArrearsCents += d.ArrearsCents
			cr.MonthlyCents += monthly
			if d.Status.Severity() > cr.WorstStatus.Severity() {
				cr.WorstStatus = d.Status
			}
			cr.Urgent = cr.Urgent || row.Urgent
			if c := d.Crisis; c != nil && CompareCrises(c, cr.Crisis) < 0 {
				cr.Crisis = &Crisis{State: c.State, Date: c.Date}
			}
		case cur.Income != nil:
			in := *cur.Income
			row := IncomeRow{Issuer: cur.Issuer, Statement: cur.ID, AsOf: cur.AsOf, Income: in, MonthlyCents: in.Period.Monthly(in.NetCents)}
			if in.Ends != "" {
				ends := in.Ends.Time()
				switch {
				case in.Ends < today:
					row.Ended = true
					codes = nil // an income that stopped needs no fresher facts
				case ends.Sub(now) <= IncomeEndingWithin:
					codes = append(codes, FlagIncomeEnding)
				}
			}
			row.EndsSoon = !row.Ended && in.Ends != "" && in.Ends <= endNext
			if g := in.Garnishment; g != nil && !row.Ended && in.NetCents-g.AmountCents < g.ProtectedCents {
				codes = append(codes, FlagProtectedAmount)
			}
			row.Flags = sortCodes(codes)
			o.Incomes = append(o.Incomes, row)
			for _, c := range row.Flags {
				flags = append(flags, Flag{Code: c, Issuer: cur.Issuer, Reference: in.Reference, Name: in.Payer})
			}
			if row.Ended {
				continue
			}
			o.MonthlyIncomeCents += row.MonthlyCents
			if g := in.Garnishment; g != nil {
				o.MonthlyGarnishedCents += in.Period.Monthly(g.AmountCents)
			}
		case cur.Expense != nil:
			e := *cur.Expense
			for _, c := range sortCodes(codes) {
				flags = append(flags, Flag{Code: c, Issuer: cur.Issuer, Reference: e.Reference, Name: e.Payee})
			}
			if e.Ends != "" && e.Ends < today {
				continue // a cost that stopped takes nothing off
			}
			signedCosts = append(signedCosts, CostRow{Source: CostSigned, Issuer: cur.Issuer, Statement: cur.ID,
				Name: e.Payee, Kind: e.Kind, AmountCents: e.AmountCents, Period: e.Period,
				MonthlyCents: e.Period.Monthly(e.AmountCents), Ends: e.Ends})
		}
	}
	o.LeftPerMonthCents = o.MonthlyIncomeCents - o.MonthlyGarnishedCents - o.MonthlyArrangementCents
	for k := range o.Debts {
		o.Debts[k].Original = originals[o.Debts[k].seriesIndex]
		o.Debts[k].seriesIndex = 0 // the order series came in leaves no trace
	}

	for _, c := range Categories {
		if byCategory[c] > 0 {
			o.Categories = append(o.Categories, CategoryTotal{Category: c, OutstandingCents: byCategory[c]})
		}
	}
	for _, cr := range creditors {
		sort.Strings(cr.References)
		o.Creditors = append(o.Creditors, *cr)
	}
	sort.Slice(o.Creditors, func(i, j int) bool {
		a, b := o.Creditors[i], o.Creditors[j]
		if c := CompareCrises(a.Crisis, b.Crisis); c != 0 {
			return c < 0
		}
		if a.Urgent != b.Urgent {
			return a.Urgent
		}
		if a.OutstandingCents != b.OutstandingCents {
			return a.OutstandingCents > b.OutstandingCents
		}
		if a.Creditor != b.Creditor {
			return a.Creditor < b.Creditor
		}
		return a.Issuer < b.Issuer
	})
	sort.Slice(o.Debts, func(i, j int) bool {
		a, b := o.Debts[i], o.Debts[j]
		if a.Debt.Status.Closed() != b.Debt.Status.Closed() {
			return b.Debt.Status.Closed()
		}
		if c := CompareCrises(a.Debt.Crisis, b.Debt.Crisis); c != 0 {
			return c < 0
		}
		if a.Urgent != b.Urgent {
			return a.Urgent
		}
		if a.Debt.OutstandingCents != b.Debt.OutstandingCents {
			return a.Debt.OutstandingCents > b.Debt.OutstandingCents
		}
		if a.Issuer != b.Issuer {
			return a.Issuer < b.Issuer
		}
		return a.Debt.Reference < b.Debt.Reference
	})
	sort.Slice(o.Incomes, func(i, j int) bool {
		a, b := o.Incomes[i], o.Incomes[j]
		if a.MonthlyCents != b.MonthlyCents {
			return a.MonthlyCents > b.MonthlyCents
		}
		if a.Issuer != b.Issuer {
			return a.Issuer < b.Issuer
		}
		return a.Income.Reference < b.Income.Reference
	})
	o.Budget = compileBudget(&o, signedCosts, declared, NormsTable())
	if w := o.Budget.BVV.Warning; w != "" {
		code := FlagBelowBVV
		if w == WarnMaybeBelow {
			code = FlagMaybeBelowBVV
		}
		for _, row := range o.Incomes {
			if g := row.Income.Garnishment; g != nil && !row.Ended {
				flags = append(flags, Flag{Code: code, Issuer: row.Issuer, Reference: row.Income.Reference, Name: row.Income.Payer})
			}
		}
	}
	sort.Slice(flags, func(i, j int) bool {
		a, b := flags[i], flags[j]
		if a.Code.rank() != b.Code.rank() {
			return a.Code.rank() < b.Code.rank()
		}
		if c := CompareCrises(a.Crisis, b.Crisis); c != 0 {
			return c < 0
		}
		if a.Issuer != b.Issuer {
			return a.Issuer < b.Issuer
		}
		return a.Reference < b.Reference
	})
	for _, f := range flags {
		if f.Code.Urgent() {
			o.Urgent = append(o.Urgent, f)
		} else {
			o.Attention = append(o.Attention, f)
		}
	}
	o.Plan = MakePlan(o)
	return o
}

// CompareCrises orders by crisis, for every list that puts crises first
// (the overview, the plan, the signals, the counsellor's desk and export):
// a crisis before no crisis and, of two crises, the one that takes effect
// first. Negative when a comes first, positive when b does, 0 when neither
// decides.
func CompareCrises(a, b *Crisis) int {
	switch {
	case (a != nil) != (b != nil):
		if a != nil {
			return -1
		}
		return 1
	case a != nil && a.Date != b.Date:
		return strings.Compare(string(a.Date), string(b.Date))
	}
	return 0
}

func anyUrgent(codes []FlagCode) bool {
	for _, c := range codes {
		if c.Urgent() {
			return true
		}
	}
	return false
}

func sortCodes(c []FlagCode) []FlagCode {
	sort.Slice(c, func(i, j int) bool { return c[i].rank() < c[j].rank() })
	return c
}

// conflicting reports whether two versions with the same as_of date disagree
// about the figures: the same organisation saying two things about one day.
func conflicting(versions []Statement) bool {
	for i := 0; i < len(versions); i++ {
		for j := i + 1; j < len(versions); j++ {
			a, b := versions[i], versions[j]
			if a.AsOf != b.AsOf {
				continue
			}
			if !sameFigures(a.Claims, b.Claims) {
				return true
			}
		}
	}
	return false
}

func sameFigures(a, b Claims) bool {
	switch {
	case a.Debt != nil && b.Debt != nil:
		x, y := a.Debt, b.Debt
		return x.OutstandingCents == y.OutstandingCents && x.ArrearsCents == y.ArrearsCents &&
			x.Status == y.Status && x.OriginalCents == y.OriginalCents && x.MonthsInArrears == y.MonthsInArrears
	case a.Income != nil && b.Income != nil:
		x, y := a.Income, b.Income
		return x.NetCents == y.NetCents && x.Period == y.Period
	case a.Expense != nil && b.Expense != nil:
		x, y := a.Expense, b.Expense
		return x.AmountCents == y.AmountCents && x.Period == y.Period && x.Kind == y.Kind
	}
	return false
}
