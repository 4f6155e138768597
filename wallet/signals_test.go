package wallet

import (
	"reflect"
	"testing"
)

func TestSignalMomentsPerCategory(t *testing.T) {
	days := func(c Category, n int) Debt {
		return Debt{Reference: "R", Creditor: "C", Category: c, OriginalCents: 1000, OutstandingCents: 1000, ArrearsCents: 1000,
			DaysInArrears: n, Status: StatusOpen}
	}
	months := func(c Category, n int) Debt {
		d := days(c, 0)
		d.MonthsInArrears = n
		return d
	}
	due := func(c Category, date Date) Debt {
		d := days(c, 0)
		d.DueDate = date
		return d
	}
	status := func(d Debt, s Status) Debt { d.Status = s; return d }
	const asOf = Date("2026-03-31")
	cases := []struct {
		name string
		d    Debt
		asOf Date
		want bool
	}{
		{"rent 29 days", days(CategoryRent, 29), asOf, false},
		{"rent 30 days", days(CategoryRent, 30), asOf, true},
		{"rent 31 days", days(CategoryRent, 31), asOf, true},
		{"energy 29 days", days(CategoryEnergy, 29), asOf, false},
		{"energy 30 days", days(CategoryEnergy, 30), asOf, true},
		{"heat 30 days", days(CategoryHeat, 30), asOf, true},
		{"water 29 days", days(CategoryWater, 29), asOf, false},
		{"water 31 days", days(CategoryWater, 31), asOf, true},
		{"rent one month", months(CategoryRent, 1), asOf, true},
		{"rent no arrears", days(CategoryRent, 0), asOf, false},
		{"rent paid, 90 days", status(days(CategoryRent, 90), StatusPaid), asOf, false},
		{"rent due 30 days before", due(CategoryRent, "2026-03-01"), asOf, true},
		{"rent due 29 days before", due(CategoryRent, "2026-03-02"), asOf, false},
		{"rent due after as_of", due(CategoryRent, "2026-04-01"), asOf, false},

		{"health 30 days", days(CategoryHealthInsurance, 30), asOf, false},
		{"health 59 days", days(CategoryHealthInsurance, 59), asOf, false},
		{"health 60 days", days(CategoryHealthInsurance, 60), asOf, true},
		{"health one month", months(CategoryHealthInsurance, 1), asOf, false},
		{"health two months", months(CategoryHealthInsurance, 2), asOf, true},
		// Exactly two calendar months from the due date, across month ends.
		{"health due 31 Jan, as of 31 Mar (59 days, two months)", due(CategoryHealthInsurance, "2026-01-31"), "2026-03-31", true},
		{"health due 31 Jan, as of 30 Mar", due(CategoryHealthInsurance, "2026-01-31"), "2026-03-30", false},
		{"health due 31 Dec, as of 28 Feb (two months, 59 days)", due(CategoryHealthInsurance, "2025-12-31"), "2026-02-28", true},
		{"health due 31 Dec, as of 27 Feb", due(CategoryHealthInsurance, "2025-12-31"), "2026-02-27", false},
		{"health due 29 Feb 2028, as of 29 Apr 2028", due(CategoryHealthInsurance, "2028-02-29"), "2028-04-29", true},
		{"health due 29 Feb 2028, as of 28 Apr 2028", due(CategoryHealthInsurance, "2028-02-29"), "2028-04-28", false},

		{"municipal tax open, long past due", due(CategoryMunicipalTax, "2025-06-30"), asOf, false},
		{"municipal tax reminder", status(due(CategoryMunicipalTax, "2026-02-28"), StatusCollection), asOf, true},
		{"municipal tax enforcement order", status(days(CategoryMunicipalTax, 0), StatusEnforcementOrder), asOf, true},
		{"water board tax reminder", status(days(CategoryWaterBoardTax, 0), StatusCollection), asOf, true},
		{"water board tax in arrangement", status(days(CategoryWaterBoardTax, 200), StatusArrangement), asOf, false},
		{"national tax reminder", status(days(CategoryTax, 0), StatusCollection), asOf, true},
		{"toeslagen reclaim reminder", status(days(CategoryBenefitReclaim, 0), StatusCollection), asOf, true},

		{"mortgage 59 days", days(CategoryMortgage, 59), asOf, false},
		{"mortgage two months", months(CategoryMortgage, 2), asOf, true},
		{"cak one month", months(CategoryCAK, 1), asOf, false},
		{"cak 60 days", days(CategoryCAK, 60), asOf, true},

		{"fine a year behind", months(CategoryFine, 12), asOf, false},
		{"consumer credit in collection", status(months(CategoryConsumerCredit, 5), StatusCollection), asOf, false},
		{"care costs 90 days", days(CategoryCareCosts, 90), asOf, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := PastSignalMoment(c.d, c.asOf); got != c.want {
				a, ok := ArrearsOf(c.d, c.asOf)
				t.Errorf("PastSignalMoment = %v, want %v (arrears %+v, %v)", got, c.want, a, ok)
			}
		})
	}
}

func TestArrearsOfSaysHowItCounted(t *testing.T) {
	cases := []struct {
		name   string
		d      Debt
		asOf   Date
		want   Arrears
		wantOK bool
	}{
		{"days given", Debt{DaysInArrears: 35, OutstandingCents: 1}, "2026-03-31", Arrears{Since: "2026-02-24", Days: 35}, true},
		{"days and months given", Debt{DaysInArrears: 35, MonthsInArrears: 1}, "2026-03-31", Arrears{Since: "2026-02-24", Days: 35, Months: 1}, true},
		{"months given, month end", Debt{MonthsInArrears: 1}, "2026-03-31", Arrears{Since: "2026-02-28", Months: 1}, true},
		{"months given, across the year", Debt{MonthsInArrears: 3}, "2026-01-15", Arrears{Since: "2025-10-15", Months: 3}, true},
		{"due date", Debt{DueDate: "2026-01-31", OutstandingCents: 1}, "2026-03-31", Arrears{Since: "2026-01-31", Days: 59, Months: 2}, true},
		{"due date, nothing outstanding", Debt{DueDate: "2026-01-31"}, "2026-03-31", Arrears{}, false},
		{"due date on as_of", Debt{DueDate: "2026-03-31", OutstandingCents: 1}, "2026-03-31", Arrears{}, false},
		{"nothing", Debt{OutstandingCents: 1}, "2026-03-31", Arrears{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ArrearsOf(c.d, c.asOf)
			if got != c.want || ok != c.wantOK {
				t.Errorf("ArrearsOf = %+v, %v; want %+v, %v", got, ok, c.want, c.wantOK)
			}
		})
	}
}

func TestCAKHandoverAtSixMonths(t *testing.T) {
	cases := []struct {
		d    Debt
		want bool
	}{
		{Debt{Category: CategoryHealthInsurance, MonthsInArrears: 5, Status: StatusOpen}, false},
		{Debt{Category: CategoryHealthInsurance, MonthsInArrears: 6, Status: StatusOpen}, true},
		{Debt{Category: CategoryHealthInsurance, DaysInArrears: 179, Status: StatusOpen}, false},
		{Debt{Category: CategoryHealthInsurance, DaysInArrears: 180, Status: StatusOpen}, true},
		{Debt{Category: CategoryHealthInsurance, MonthsInArrears: 7, Status: StatusPaid}, false},
		{Debt{Category: CategoryRent, MonthsInArrears: 7, Status: StatusOpen}, false},
	}
	for i, c := range cases {
		if got := CAKHandover(c.d, "2026-03-31"); got != c.want {
			t.Errorf("case %d %+v: CAKHandover = %v, want %v", i, c.d, got, c.want)
		}
	}
}

func TestSignalsListCrisesFirstWithoutAmounts(t *testing.T) {
	one := func(s Statement) Series { return Series{Versions: []Statement{s}} }
	series := []Series{
		// Past its moment, the oldest arrears.
		one(debtSeries("woonstad", "w1", 1, "2026-11-15", Debt{Reference: "HUUR-1", Creditor: "Woonstad", Category: CategoryRent,
			OriginalCents: 180000, OutstandingCents: 180000, ArrearsCents: 180000, MonthsInArrears: 2, Status: StatusCollection})),
		// A crisis without arrears: it signals all the same.
		one(debtSeries("zilveren-kruis", "z1", 1, "2026-11-10", Debt{Reference: "ZK-5", Creditor: "Zilveren Kruis",
			Category: CategoryHealthInsurance, OriginalCents: 1000, OutstandingCents: 1000, Status: StatusOpen,
			Crisis: &Crisis{State: CrisisInsurance, Date: "2026-12-15"}})),
		// A crisis with an earlier date comes first.
		one(debtSeries("vattenfall", "v1", 1, "2026-11-20", Debt{Reference: "E-77", Creditor: "Vattenfall", Category: CategoryEnergy,
			OriginalCents: 45000, OutstandingCents: 45000, ArrearsCents: 30000, DaysInArrears: 35, Status: StatusOpen,
			Crisis: &Crisis{State: CrisisDisconnection, Date: "2026-12-01"}})),
		// Before its moment: no signal.
		one(debtSeries("evides", "e1", 1, "2026-11-20", Debt{Reference: "W-1", Creditor: "Evides", Category: CategoryWater,
			OriginalCents: 4000, OutstandingCents: 4000, ArrearsCents: 4000, DaysInArrears: 29, Status: StatusOpen})),
		// Past its moment, more recent arrears.
		one(debtSeries("gemeente", "g1", 1, "2026-11-20", Debt{Reference: "OZB-1", Creditor: "Gemeente", Category: CategoryMunicipalTax,
			OriginalCents: 30000, OutstandingCents: 30000, DueDate: "2026-10-31", Status: StatusCollection})),
		// Paid, with a crisis that is over: no signal.
		one(debtSeries("eneco", "n1", 1, "2026-11-20", Debt{Reference: "N-1", Creditor: "Eneco", Category: CategoryEnergy,
			OriginalCents: 30000, OutstandingCents: 0, MonthsInArrears: 3, Status: StatusPaid,
			Crisis: &Crisis{State: CrisisDisconnection, Date: "2026-10-01"}})),
		// No moment for a fine.
		one(debtSeries("cjib", "c1", 1, "2026-11-20", Debt{Reference: "CJIB-1", Creditor: "CJIB", Category: CategoryFine,
			OriginalCents: 45000, OutstandingCents: 52500, ArrearsCents: 52500, MonthsInArrears: 3, Status: StatusCollection})),
	}
	got := Compile(series, testNow).Signals()
	want := []Signal{
		{Category: CategoryEnergy, Organisation: "vattenfall", Since: "2026-10-16", DaysInArrears: 35,
			Crisis: &Crisis{State: CrisisDisconnection, Date: "2026-12-01"}},
		{Category: CategoryHealthInsurance, Organisation: "zilveren-kruis", Since: "2026-11-10",
			Crisis: &Crisis{State: CrisisInsurance, Date: "2026-12-15"}},
		{Category: CategoryRent, Organisation: "woonstad", Since: "2026-09-15", MonthsInArrears: 2},
		{Category: CategoryMunicipalTax, Organisation: "gemeente", Since: "2026-10-31", DaysInArrears: 20},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Signals =\n%+v\nwant\n%+v", got, want)
	}
}

// TestCrisisOrdering: crises come first in the debts, the urgent flags and
// the plan, the one that takes effect first before the other; a crisis
// comes before an urgent debt without one (even a bailiff on energy or a
// larger arrear), and every crisis is a first step, beyond PlanSteps.
// testNow is 25 November 2026.
func TestCrisisOrdering(t *testing.T) {
	d := func(iss string, debt Debt) Series {
		debt.Reference, debt.Creditor = "R-"+iss, iss
		debt.OriginalCents = debt.OutstandingCents
		return Series{Versions: []Statement{debtSeries(iss, "j-"+iss, 1, "2026-11-20", debt)}}
	}
	crisis := func(s CrisisState, date Date) *Crisis { return &Crisis{State: s, Date: date} }
	eviction := d("woon", Debt{Category: CategoryRent, OutstandingCents: 90000, ArrearsCents: 90000, MonthsInArrears: 2, Status: StatusJudgment,
		Crisis: crisis(CrisisEviction, "2026-12-10")})
	cutOff := d("energie", Debt{Category: CategoryEnergy, OutstandingCents: 30000, ArrearsCents: 30000, DaysInArrears: 45, Status: StatusOpen,
		Crisis: crisis(CrisisDisconnection, "2026-12-01")})
	uninsured := d("zorg", Debt{Category: CategoryHealthInsurance, OutstandingCents: 5000, Status: StatusOpen, // a crisis without arrears
		Crisis: crisis(CrisisInsurance, "2026-12-31")})
	waterCrisis := d("water", Debt{Category: CategoryWater, OutstandingCents: 6000, ArrearsCents: 6000, DaysInArrears: 40, Status: StatusCollection,
		Crisis: crisis(CrisisDisconnection, "2026-12-31")})
	bailiff := d("deurwaarder", Debt{Category: CategoryEnergy, OutstandingCents: 500000, ArrearsCents: 500000, MonthsInArrears: 9, Status: StatusBailiff})
	rent := d("huur2", Debt{Category: CategoryRent, OutstandingCents: 200000, ArrearsCents: 200000, MonthsInArrears: 3, Status: StatusOpen})
	paid := d("oud", Debt{Category: CategoryEnergy, Status: StatusPaid, Crisis: crisis(CrisisDisconnection, "2026-11-01")})

	cases := []struct {
		name   string
		series []Series
		order  []string // debts, urgent flags and plan's first lines, by issuer
		flags  []string // urgent flags as code:issuer
	}{
		{"two crises, the nearest date first", []Series{eviction, cutOff}, []string{"energie", "woon"},
			[]string{"crisis:energie", "crisis:woon", "priority_arrears:energie", "priority_arrears:woon"}},
		{"crisis before urgent", []Series{bailiff, rent, uninsured}, []string{"zorg", "deurwaarder", "huur2"},
			[]string{"crisis:zorg", "bailiff:deurwaarder", "priority_arrears:deurwaarder", "priority_arrears:huur2"}},
		{"same date: then as without a crisis (more owed, worse status)", []Series{waterCrisis, uninsured}, []string{"water", "zorg"},
			[]string{"crisis:water", "crisis:zorg", "priority_arrears:water"}},
		{"a paid debt's crisis is over", []Series{paid, rent}, []string{"huur2"}, []string{"priority_arrears:huur2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, perm := range [][]Series{c.series, reversed(c.series)} {
				o := Compile(perm, testNow)
				var debts, flags, plan []string
				for _, r := range o.Debts {
					if !r.Debt.Status.Closed() {
						debts = append(debts, r.Issuer)
					}
				}
				for _, f := range o.Urgent {
					flags = append(flags, string(f.Code)+":"+f.Issuer)
					if (f.Code == FlagCrisis) != (f.Crisis != nil) {
						t.Errorf("flag %s:%s carries crisis %v", f.Code, f.Issuer, f.Crisis)
					}
				}
				for _, l := range o.Plan.First {
					plan = append(plan, l.Issuer)
				}
				var creditors []string
				for _, cr := range o.Creditors {
					creditors = append(creditors, cr.Issuer)
				}
				if !reflect.DeepEqual(creditors, c.order) {
					t.Errorf("creditors = %v, want %v", creditors, c.order)
				}
				if !reflect.DeepEqual(debts, c.order) {
					t.Errorf("debts = %v, want %v", debts, c.order)
				}
				if !reflect.DeepEqual(flags, c.flags) {
					t.Errorf("urgent = %v, want %v", flags, c.flags)
				}
				if !reflect.DeepEqual(plan, c.order) {
					t.Errorf("plan = %v, want %v", plan, c.order)
				}
			}
		})
	}

	// Four crises are four first steps: a crisis is never grouped away.
	o := Compile([]Series{eviction, cutOff, uninsured, waterCrisis, rent}, testNow)
	var first []string
	for _, l := range o.Plan.First {
		first = append(first, l.Issuer+":"+string(l.Action))
		if l.Tier != TierCrisis && l.Crisis != nil {
			t.Errorf("%s: crisis line in tier %d", l.Issuer, l.Tier)
		}
	}
	want := []string{"energie:call_crisis", "woon:call_crisis", "water:call_crisis", "zorg:call_crisis"}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("plan first = %v, want %v", first, want)
	}
	if len(o.Plan.FixedCosts) != 1 || o.Plan.FixedCosts[0].Issuer != "huur2" {
		t.Errorf("fixed costs = %+v, want only huur2", o.Plan.FixedCosts)
	}
}

func reversed(s []Series) []Series {
	out := make([]Series, len(s))
	for i := range s {
		out[len(s)-1-i] = s[i]
	}
	return out
}
