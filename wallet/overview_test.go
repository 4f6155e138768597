package wallet

import (
	"math/rand"
	"reflect"
	"testing"
)

func debtSeries(iss, jti string, iat int64, asOf Date, d Debt) Statement {
	return Statement{Claims: Claims{Issuer: iss, Subject: "123456782", ID: jti, IssuedAt: iat, Type: TypeDebt, AsOf: asOf, Debt: &d}}
}

func incomeSeries(iss, jti string, asOf Date, in Income) Statement {
	return Statement{Claims: Claims{Issuer: iss, Subject: "123456782", ID: jti, IssuedAt: 1, Type: TypeIncome, AsOf: asOf, Income: &in}}
}

// fixture is a household whose figures were worked out by hand below.
func fixture() []Series {
	one := func(s Statement) Series { return Series{Versions: []Statement{s}} }
	return []Series{
		one(debtSeries("woonstad", "w1", 1, "2026-11-15", Debt{Reference: "HUUR-1", Creditor: "Woonstad", Category: CategoryRent,
			OriginalCents: 180000, OutstandingCents: 180000, ArrearsCents: 180000, MonthsInArrears: 2, Status: StatusCollection})),
		one(debtSeries("vattenfall", "v1", 1, "2026-11-10", Debt{Reference: "E-77", Creditor: "Vattenfall", Category: CategoryEnergy,
			OriginalCents: 45000, OutstandingCents: 45000, ArrearsCents: 30000, MonthsInArrears: 1, Status: StatusOpen})),
		one(debtSeries("cjib", "c1", 1, "2026-11-20", Debt{Reference: "CJIB-1", Creditor: "CJIB", Category: CategoryFine,
			OriginalCents: 45000, OutstandingCents: 52500, ArrearsCents: 52500, MonthsInArrears: 3, Status: StatusCollection,
			Arrangement: &Arrangement{MonthlyCents: 2500, Ends: "2027-06-30"}})),
		one(debtSeries("deurwaarder-x", "d1", 1, "2026-11-01", Debt{Reference: "DW-9", Creditor: "Deurwaarder X", Category: CategoryConsumerCredit,
			OriginalCents: 100000, OutstandingCents: 120000, Status: StatusBailiff})),
		one(debtSeries("kpn", "k1", 1, "2026-11-01", Debt{Reference: "KPN-1", Creditor: "KPN", Category: CategoryTelecom,
			OriginalCents: 9000, OutstandingCents: 0, Status: StatusSettled})),
		one(debtSeries("zilveren-kruis", "z1", 1, "2026-08-01", Debt{Reference: "ZK-5", Creditor: "Zilveren Kruis", Category: CategoryHealthInsurance,
			OriginalCents: 60000, OutstandingCents: 60000, ArrearsCents: 60000, MonthsInArrears: 4, Status: StatusGarnishment})),
		{Versions: []Statement{ // two statements of the same day that disagree
			debtSeries("belastingdienst", "b2", 200, "2026-11-02", Debt{Reference: "AANSLAG-3", Creditor: "Belastingdienst", Category: CategoryTax,
				OriginalCents: 30000, OutstandingCents: 35000, Status: StatusOpen, Arrangement: &Arrangement{MonthlyCents: 5000, Ends: "2026-10-31"}}),
			debtSeries("belastingdienst", "b1", 100, "2026-11-02", Debt{Reference: "AANSLAG-3", Creditor: "Belastingdienst", Category: CategoryTax,
				OriginalCents: 30000, OutstandingCents: 30000, Status: StatusOpen}),
		}},
		one(incomeSeries("uwv", "u1", "2026-11-01", Income{Reference: "WW", Payer: "UWV", Kind: KindBenefit, NetCents: 145000, Period: PeriodMonth,
			Garnishment: &Garnishment{AmountCents: 20000, ProtectedCents: 120000}})),
		one(incomeSeries("albert-heijn", "a1", "2026-11-20", Income{Reference: "LOON", Payer: "Albert Heijn", Kind: KindSalary, NetCents: 30000,
			Period: PeriodWeek, Ends: "2027-01-31"})),
		one(incomeSeries("toeslagen", "t1", "2026-11-01", Income{Reference: "ZT", Payer: "Toeslagen", Kind: KindAllowance, NetCents: 12000, Period: PeriodFourWeeks})),
		one(incomeSeries("abp", "p1", "2026-09-01", Income{Reference: "PENSIOEN", Payer: "ABP", Kind: KindPension, NetCents: 1200000,
			Period: PeriodYear, Ends: "2026-10-01"})),
	}
}

func TestCompileMatchesHandComputedFixture(t *testing.T) {
	o := Compile(fixture(), testNow)

	// Outstanding: 180000 + 45000 + 52500 + 120000 + 60000 + 35000 (settled KPN left out).
	checks := []struct {
		name      string
		got, want Cents
	}{
		{"total outstanding", o.TotalOutstandingCents, 492500},
		{"total arrears", o.TotalArrearsCents, 322500},            // 180000 + 30000 + 52500 + 60000
		{"monthly income", o.MonthlyIncomeCents, 288000},          // 145000 + 30000*52/12 + 12000*13/12; ended pension left out
		{"monthly garnished", o.MonthlyGarnishedCents, 20000},     // UWV garnishment
		{"monthly arrangements", o.MonthlyArrangementCents, 2500}, // CJIB; the tax arrangement ended in October
		{"left per month", o.LeftPerMonthCents, 265500},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}

	var order []string
	for _, d := range o.Debts {
		order = append(order, d.Issuer)
	}
	// Vattenfall's one month on energy is past the 30-day signal moment, so
	// it is urgent and comes before the larger CJIB fine.
	wantOrder := []string{"woonstad", "deurwaarder-x", "zilveren-kruis", "vattenfall", "cjib", "belastingdienst", "kpn"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Errorf("debt order = %v, want %v", order, wantOrder)
	}

	wantUrgent := []Flag{
		{Code: FlagGarnishment, Issuer: "zilveren-kruis", Reference: "ZK-5", Name: "Zilveren Kruis", Category: CategoryHealthInsurance},
		{Code: FlagBailiff, Issuer: "deurwaarder-x", Reference: "DW-9", Name: "Deurwaarder X", Category: CategoryConsumerCredit},
		{Code: FlagPriorityArrears, Issuer: "vattenfall", Reference: "E-77", Name: "Vattenfall", Category: CategoryEnergy},
		{Code: FlagPriorityArrears, Issuer: "woonstad", Reference: "HUUR-1", Name: "Woonstad", Category: CategoryRent},
		{Code: FlagPriorityArrears, Issuer: "zilveren-kruis", Reference: "ZK-5", Name: "Zilveren Kruis", Category: CategoryHealthInsurance},
	}
	if !reflect.DeepEqual(o.Urgent, wantUrgent) {
		t.Errorf("urgent = %+v\nwant %+v", o.Urgent, wantUrgent)
	}
	var attention []string
	for _, f := range o.Attention {
		attention = append(attention, string(f.Code)+":"+f.Issuer)
	}
	wantAttention := []string{"income_ending:albert-heijn", "conflict:belastingdienst", "stale:zilveren-kruis"}
	if !reflect.DeepEqual(attention, wantAttention) {
		t.Errorf("attention = %v, want %v", attention, wantAttention)
	}

	wantCats := []CategoryTotal{{CategoryRent, 180000}, {CategoryEnergy, 45000}, {CategoryHealthInsurance, 60000},
		{CategoryTax, 35000}, {CategoryFine, 52500}, {CategoryConsumerCredit, 120000}}
	if !reflect.DeepEqual(o.Categories, wantCats) {
		t.Errorf("categories = %v, want %v", o.Categories, wantCats)
	}
	if len(o.Creditors) != 6 || o.Creditors[0].Issuer != "woonstad" || o.Creditors[0].WorstStatus != StatusCollection {
		t.Errorf("creditors = %+v", o.Creditors)
	}
	if n := len(o.Incomes); n != 4 || !o.Incomes[3].Ended && o.Incomes[0].Ended {
		t.Errorf("incomes = %+v", o.Incomes)
	}
}

func TestCompileIsDeterministic(t *testing.T) {
	want := Compile(fixture(), testNow)
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		s := fixture()
		r.Shuffle(len(s), func(a, b int) { s[a], s[b] = s[b], s[a] })
		if got := Compile(s, testNow); !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffle %d gave another overview", i)
		}
	}
}

func TestProtectedAmountBreach(t *testing.T) {
	s := []Series{{Versions: []Statement{incomeSeries("uwv", "u1", "2026-11-01", Income{Reference: "WW", Payer: "UWV", Kind: KindBenefit,
		NetCents: 130000, Period: PeriodMonth, Garnishment: &Garnishment{AmountCents: 20000, ProtectedCents: 120000}})}}}
	o := Compile(s, testNow)
	if len(o.Urgent) != 1 || o.Urgent[0].Code != FlagProtectedAmount {
		t.Errorf("urgent = %+v, want a protected-amount flag (130000 - 20000 < 120000)", o.Urgent)
	}
}

func TestCompileEmpty(t *testing.T) {
	o := Compile(nil, testNow)
	if o.TotalOutstandingCents != 0 || o.Debts == nil || o.Urgent == nil {
		t.Errorf("empty overview = %+v", o)
	}
}

// TestClaimReportedTwiceCountsOnce: a bailiff reporting a creditor's claim
// (original_creditor + original_reference) and the creditor reporting it
// too make one row, at the bailiff's figure, with the creditor's report
// beside it; totals, creditors, categories and the plan count it once. A
// claim whose reference differs stays separate.
func TestClaimReportedTwiceCountsOnce(t *testing.T) {
	one := func(s Statement) Series { return Series{Versions: []Statement{s}} }
	creditor := one(debtSeries("snel-krediet", "s1", 1, "2026-11-01", Debt{Reference: "SK-1", Creditor: "Snel Krediet BV",
		Category: CategoryConsumerCredit, OriginalCents: 180000, OutstandingCents: 201500, Status: StatusBailiff}))
	bailiff := one(debtSeries("van-dijk", "v1", 1, "2026-11-10", Debt{Reference: "VD-1", Creditor: "Van Dijk",
		Category: CategoryConsumerCredit, OriginalCents: 180000, OutstandingCents: 238000, Status: StatusJudgment,
		OriginalCreditor: "snel krediet  BV", OriginalReference: "sk-1"}))
	other := one(debtSeries("snel-krediet", "s2", 1, "2026-11-01", Debt{Reference: "SK-2", Creditor: "Snel Krediet BV",
		Category: CategoryConsumerCredit, OriginalCents: 5000, OutstandingCents: 5000, Status: StatusOpen}))
	for _, order := range [][]Series{{creditor, bailiff, other}, {other, bailiff, creditor}} {
		o := Compile(order, testNow)
		if o.TotalOutstandingCents != 238000+5000 {
			t.Errorf("total = %d, want %d", o.TotalOutstandingCents, 238000+5000)
		}
		if len(o.Debts) != 2 {
			t.Fatalf("debts = %d rows, want 2: %+v", len(o.Debts), o.Debts)
		}
		var linked *DebtRow
		for i := range o.Debts {
			if o.Debts[i].Statement == "v1" {
				linked = &o.Debts[i]
			}
		}
		if linked == nil || linked.Original == nil || linked.Original.Statement != "s1" || linked.Original.Debt.OutstandingCents != 201500 {
			t.Fatalf("the bailiff's row does not show the creditor's report: %+v", linked)
		}
		var sum Cents
		for _, c := range o.Creditors {
			sum += c.OutstandingCents
		}
		for _, c := range o.Categories {
			if c.Category == CategoryConsumerCredit && c.OutstandingCents != 243000 {
				t.Errorf("consumer credit = %d, want 243000", c.OutstandingCents)
			}
		}
		if sum != o.TotalOutstandingCents {
			t.Errorf("creditors add up to %d, total is %d", sum, o.TotalOutstandingCents)
		}
	}
}

// TestOverviewKnown: an overview knows something once there is a debt, an
// income, a fixed cost or the household; an empty vault knows nothing.
func TestOverviewKnown(t *testing.T) {
	cost := OwnCost{ID: "c1", Kind: ExpenseRent, AmountCents: 65000, Period: PeriodMonth}
	for _, tc := range []struct {
		name     string
		declared SelfDeclared
		want     bool
	}{
		{"nothing", SelfDeclared{}, false},
		{"only an own cost", SelfDeclared{Costs: []OwnCost{cost}}, true},
		{"only the household", SelfDeclared{Household: &Household{Situation: SituationSingle}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CompileAll(nil, tc.declared, testNow).Known(); got != tc.want {
				t.Errorf("Known() = %v, want %v", got, tc.want)
			}
		})
	}
}
