package wallet

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func expenseSeries(iss, jti string, e Expense) Series {
	return Series{Versions: []Statement{{Claims: Claims{Issuer: iss, Subject: "123456782", ID: jti, IssuedAt: 1,
		Type: TypeExpense, AsOf: "2026-11-01", Expense: &e}}}}
}

func incomeOne(iss string, in Income) Series {
	return Series{Versions: []Statement{incomeSeries(iss, iss+"-1", "2026-11-01", in)}}
}

func cents(c Cents) *Cents { return &c }

// budgetNow lies after 1 January 2026, so the newest verified norms are
// those of 1 July 2025 (norms-2025-2026.md: the 2026 rows are [U]).
var budgetNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Norms of 1 July 2025, from norms-2025-2026.md, written out here rather
// than read from the table under test:
//
//	§1.5 bijstandsnorm incl. VT, alleenstaande (ouder) 21-AOW: € 1.369,06;
//	     gehuwden 21-AOW: € 1.955,80 (metronieuws 2025-06, "Bron: Rijksoverheid" [T]);
//	§1.4 maximum BVV: alleenstaande € 2.093,67; alleenstaande ouder € 2.264,67;
//	     gehuwden zonder kind € 2.771,07; met kind(eren) € 2.888,00 (fundamentvoor.nl/node/55343 [T]).
const (
	normSingle2507 Cents = 136906
	normCouple2507 Cents = 195580
	maxSingle2507  Cents = 209367
	maxParent2507  Cents = 226467
	maxCouple2507  Cents = 277107
)

func TestBudget(t *testing.T) {
	rent := func(c Cents) Series {
		return expenseSeries("woonstad", "w-huur", Expense{Reference: "HUUR-1", Payee: "Woonstad", Kind: ExpenseRent, AmountCents: c, Period: PeriodMonth})
	}
	premium := func(c Cents) Series {
		return expenseSeries("zilveren-kruis", "zk-premie", Expense{Reference: "ZK-P", Payee: "Zilveren Kruis", Kind: ExpenseHealthInsurance, AmountCents: c, Period: PeriodMonth})
	}
	single := &Household{Situation: SituationSingle}
	tests := []struct {
		name     string
		series   []Series
		declared SelfDeclared
		// want
		income, ending, garnished, arrangements, signed, own Cents
		leefgeld                                             *Cents
		missing                                              []MissingCost
		bvv                                                  BVV
		urgent                                               []FlagCode
	}{
		{
			name: "single on benefit with rent and premium signed",
			series: []Series{
				incomeOne("gemeente", Income{Reference: "BIJST", Payer: "Gemeente", Kind: KindSocialAssistance, NetCents: 120000, Period: PeriodMonth}),
				rent(84500), premium(15800),
			},
			declared: SelfDeclared{Household: single},
			income:   120000, signed: 84500 + 15800,
			leefgeld: cents(120000 - 84500 - 15800), // € 197,00
			missing:  []MissingCost{},
			// Income € 1.200,00 ≤ norm € 1.369,06: the 5% rule (§1.1 rule 4,
			// test vector T3): BVV = 0,95 × 1.200,00 = € 1.140,00.
			bvv: BVV{Status: BVVIndicative, Situation: SituationSingle, IncomeCents: 120000, NormCents: normSingle2507,
				MaxCents: maxSingle2507, Band: BandLow, LowCents: 114000, HighCents: 114000, LeftCents: 120000},
		},
		{
			name: "single parent with a garnishment below the indicative BVV",
			series: []Series{
				incomeOne("bakkerij", Income{Reference: "LOON", Payer: "Bakkerij Bol", Kind: KindWage, NetCents: 180000, Period: PeriodMonth,
					HolidayPayCents: 12000, Garnishment: &Garnishment{AmountCents: 70000, ProtectedCents: 110000, By: "Deurwaarder X"}}),
				incomeOne("svb", Income{Reference: "KB", Payer: "SVB", Kind: KindChildBenefit, NetCents: 30000, Period: PeriodQuarter}),
				{Versions: []Statement{debtSeries("cjib", "c1", 1, "2026-11-01", Debt{Reference: "CJIB-1", Creditor: "CJIB", Category: CategoryFine,
					OriginalCents: 50000, OutstandingCents: 50000, Status: StatusArrangement, Arrangement: &Arrangement{MonthlyCents: 2500, Ends: "2027-06-30"}})}},
				rent(72000), premium(16000),
			},
			declared: SelfDeclared{Household: &Household{Situation: SituationSingleParent, ChildrenBirthYears: []int{2015}}},
			// Child benefit € 300,00 a quarter is € 100,00 a month.
			income: 180000 + 10000, garnished: 70000, arrangements: 2500, signed: 72000 + 16000,
			leefgeld: cents(190000 - 70000 - 2500 - 88000), // € 295,00
			missing:  []MissingCost{},
			// BVV income: wage € 1.800,00 + holiday pay € 120,00 = € 1.920,00
			// (child benefit is not attachable income). Above the norm
			// € 1.369,06, so: at least 0,95 × 1.369,06 = 1.300,607 → € 1.300,61;
			// at most min(max € 2.264,67, 0,95 × 1.920,00 = € 1.824,00) = € 1.824,00.
			// The garnishment leaves 1.920,00 − 700,00 = € 1.220,00 < € 1.300,61.
			bvv: BVV{Status: BVVIndicative, Situation: SituationSingleParent, IncomeCents: 192000, NormCents: normSingle2507,
				MaxCents: maxParent2507, Band: BandAboveNorm, LowCents: 130061, HighCents: 182400, GarnishedCents: 70000,
				LeftCents: 122000, Warning: WarnBelow},
			urgent: []FlagCode{FlagBelowBVV},
		},
		{
			name: "couple with an income ending next month",
			series: []Series{
				incomeOne("fabriek", Income{Reference: "LOON", Payer: "Fabriek", Kind: KindWage, NetCents: 210000, Period: PeriodMonth, Ends: "2026-12-15"}),
				incomeOne("uwv", Income{Reference: "WW", Payer: "UWV", Kind: KindUnemployment, NetCents: 95000, Period: PeriodMonth}),
				rent(90000),
			},
			declared: SelfDeclared{Household: &Household{Situation: SituationCouple},
				Costs: []OwnCost{{ID: "1", Kind: ExpenseHealthInsurance, Description: "Premie voor ons twee", AmountCents: 32000, Period: PeriodMonth}}},
			// The wage stops on 15 December, before the end of next month: apart.
			income: 95000, ending: 210000, signed: 90000, own: 32000,
			leefgeld: cents(95000 - 90000 - 32000), // − € 270,00
			missing:  []MissingCost{},
			// This month both incomes still come: € 3.050,00 > norm € 1.955,80.
			// At least 0,95 × 1.955,80 = € 1.858,01; at most
			// min(€ 2.771,07, 0,95 × 3.050,00 = € 2.897,50) = € 2.771,07.
			bvv: BVV{Status: BVVIndicative, Situation: SituationCouple, IncomeCents: 305000, NormCents: normCouple2507,
				MaxCents: maxCouple2507, Band: BandAboveNorm, LowCents: 185801, HighCents: maxCouple2507, LeftCents: 305000},
		},
		{
			name: "housing cost unknown",
			series: []Series{
				incomeOne("gemeente", Income{Reference: "BIJST", Payer: "Gemeente", Kind: KindSocialAssistance, NetCents: 120000, Period: PeriodMonth}),
				premium(15800),
			},
			income: 120000, signed: 15800,
			leefgeld: nil,
			missing:  []MissingCost{MissingHousing},
			bvv:      BVV{Status: BVVNoHousehold, IncomeCents: 120000, LeftCents: 120000},
		},
		{
			name:    "nothing known",
			missing: []MissingCost{MissingHousing, MissingHealthInsurance},
			bvv:     BVV{Status: BVVNoHousehold},
		},
		{
			name: "self-declared and signed costs side by side",
			series: []Series{
				incomeOne("werkgever", Income{Reference: "LOON", Payer: "Werkgever", Kind: KindWage, NetCents: 150000, Period: PeriodMonth}),
				rent(84500), premium(15800),
			},
			declared: SelfDeclared{Household: single, Costs: []OwnCost{
				{ID: "2", Kind: ExpenseWater, Description: "Water", AmountCents: 6000, Period: PeriodQuarter},
				{ID: "1", Kind: ExpenseEnergy, Description: "Stroom en gas", AmountCents: 12000, Period: PeriodMonth},
			}},
			// Water € 60,00 a quarter is € 20,00 a month.
			income: 150000, signed: 84500 + 15800, own: 12000 + 2000,
			leefgeld: cents(150000 - 100300 - 14000), // € 357,00
			missing:  []MissingCost{},
			// € 1.500,00 > € 1.369,06: at least € 1.300,61; at most
			// min(€ 2.093,67, 0,95 × 1.500,00 = € 1.425,00) = € 1.425,00.
			bvv: BVV{Status: BVVIndicative, Situation: SituationSingle, IncomeCents: 150000, NormCents: normSingle2507,
				MaxCents: maxSingle2507, Band: BandAboveNorm, LowCents: 130061, HighCents: 142500, LeftCents: 150000},
		},
		{
			name: "someone of AOW age",
			series: []Series{
				incomeOne("svb", Income{Reference: "AOW", Payer: "SVB", Kind: KindStatePension, NetCents: 150000, Period: PeriodMonth}),
			},
			declared: SelfDeclared{Household: &Household{Situation: SituationSingle, PensionAge: true}},
			income:   150000,
			missing:  []MissingCost{MissingHousing, MissingHealthInsurance},
			bvv:      BVV{Status: BVVPensionAge, Situation: SituationSingle, IncomeCents: 150000, LeftCents: 150000},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := CompileAll(tt.series, tt.declared, budgetNow)
			b := o.Budget
			got := []Cents{b.IncomeCents, b.EndingIncomeCents, b.GarnishedCents, b.ArrangementCents, b.SignedCostsCents, b.DeclaredCostsCents}
			want := []Cents{tt.income, tt.ending, tt.garnished, tt.arrangements, tt.signed, tt.own}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("income, ending, garnished, arrangements, signed, own = %v, want %v", got, want)
			}
			if (b.LeefgeldCents == nil) != (tt.leefgeld == nil) || b.LeefgeldCents != nil && *b.LeefgeldCents != *tt.leefgeld {
				t.Errorf("leefgeld = %v, want %v", show(b.LeefgeldCents), show(tt.leefgeld))
			}
			if !reflect.DeepEqual(b.Missing, tt.missing) {
				t.Errorf("missing = %v, want %v", b.Missing, tt.missing)
			}
			if tt.bvv.Status == BVVIndicative {
				tt.bvv.NormsValidFrom, tt.bvv.NormsOutdated = "2025-07-01", true
				tt.bvv.Sources = b.BVV.Sources
				if len(b.BVV.Sources) != 2 || b.BVV.Sources[0] == "" || b.BVV.Sources[1] == "" {
					t.Errorf("sources = %v", b.BVV.Sources)
				}
			}
			if !reflect.DeepEqual(b.BVV, tt.bvv) {
				t.Errorf("bvv =\n%+v, want\n%+v", b.BVV, tt.bvv)
			}
			var urgent []FlagCode
			for _, f := range o.Urgent {
				urgent = append(urgent, f.Code)
			}
			if !reflect.DeepEqual(urgent, tt.urgent) {
				t.Errorf("urgent = %v, want %v", urgent, tt.urgent)
			}
			if !reflect.DeepEqual(b.Household, tt.declared.Household) {
				t.Errorf("household = %+v", b.Household)
			}
		})
	}
}

func show(c *Cents) any {
	if c == nil {
		return "none"
	}
	return *c
}

// TestBudgetKeepsSourcesApart checks that a signed and a self-declared cost
// are two rows, each marked, in kind order with signed first.
func TestBudgetKeepsSourcesApart(t *testing.T) {
	series := []Series{
		expenseSeries("woonstad", "w1", Expense{Reference: "HUUR", Payee: "Woonstad", Kind: ExpenseRent, AmountCents: 80000, Period: PeriodMonth}),
		expenseSeries("eneco", "e1", Expense{Reference: "OLD", Payee: "Eneco", Kind: ExpenseEnergy, AmountCents: 9000, Period: PeriodMonth, Ends: "2026-10-31"}),
	}
	declared := SelfDeclared{Costs: []OwnCost{
		{ID: "7", Kind: ExpenseRent, Description: "Huur", AmountCents: 80000, Period: PeriodMonth},
		{ID: "8", Kind: ExpenseHealthInsurance, AmountCents: 15000, Period: PeriodMonth},
	}}
	b := CompileAll(series, declared, budgetNow).Budget
	var got [][2]string
	for _, c := range b.Costs {
		got = append(got, [2]string{string(c.Kind), string(c.Source)})
	}
	want := [][2]string{{"rent", "signed"}, {"rent", "self_declared"}, {"health_insurance", "self_declared"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("costs = %v, want %v (the ended energy contract left out)", got, want)
	}
	if b.Costs[0].Issuer != "woonstad" || b.Costs[0].Statement != "w1" || b.Costs[1].ID != "7" || b.Costs[1].Issuer != "" {
		t.Errorf("rows do not say where they come from: %+v", b.Costs[:2])
	}
}

func TestIndicativeBVVVectors(t *testing.T) {
	single := &Household{Situation: SituationSingle}
	family := &Household{Situation: SituationCoupleWithChildren, ChildrenBirthYears: []int{2020}}
	tests := []struct {
		name       string
		h          *Household
		income     Cents
		day        Date
		low, high  Cents
		band       BVVBand
		from       Date
		outdated   bool
		wantStatus BVVStatus
	}{
		// T3: 0,95 × 1.200,00 = 1.140,00.
		{"T3 low income single 1-7-2025", single, 120000, "2025-09-01", 114000, 114000, BandLow, "2025-07-01", false, BVVIndicative},
		// T4: income = norm 1.369,06; 0,95 × 1.369,06 = 1.300,607 → 1.300,61.
		{"T4 income equal to the norm", single, normSingle2507, "2025-09-01", 130061, 130061, BandLow, "2025-07-01", false, BVVIndicative},
		// T5: a high income is capped at the maximum € 2.093,67.
		{"T5 high income single", single, 500000, "2025-09-01", 130061, maxSingle2507, BandAboveNorm, "2025-07-01", false, BVVIndicative},
		// T6: 1-1-2025, gehuwden met kinderen, maximum € 2.855,96; norm
		// gehuwden € 1.922,07 → at least 0,95 × 1.922,07 = 1.825,9665 → € 1.825,97.
		{"T6 high income family 1-1-2025", family, 600000, "2025-03-01", 182597, 285596, BandAboveNorm, "2025-01-01", false, BVVIndicative},
		{"after a half-year without verified norms", single, 120000, "2026-01-01", 114000, 114000, BandLow, "2025-07-01", true, BVVIndicative},
		{"before the table", single, 120000, "2024-12-31", 0, 0, "", "", false, BVVNoNorms},
		{"no income", single, 0, "2025-09-01", 0, 0, "", "", false, BVVNoIncome},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := IndicativeBVV(NormsTable(), tt.h, tt.income, 0, tt.day)
			if b.Status != tt.wantStatus || b.LowCents != tt.low || b.HighCents != tt.high || b.Band != tt.band ||
				b.NormsValidFrom != tt.from || b.NormsOutdated != tt.outdated {
				t.Errorf("got %+v", b)
			}
		})
	}
}

// TestNormsTableRows checks every row against the structure the reference
// file verified (§1.1): max − 0,95 × norm is the same in both half-years of
// 2025 per leefsituatie (793,06; 964,06; 913,06; 1.029,99), and every figure
// names its source. A new half-year adds a row here.
func TestNormsTableRows(t *testing.T) {
	kop := map[Situation]Cents{SituationSingle: 79306, SituationSingleParent: 96406, SituationCouple: 91306, SituationCoupleWithChildren: 102999}
	rows := map[Date]bool{"2025-01-01": true, "2025-07-01": true}
	for _, n := range NormsTable() {
		if !rows[n.ValidFrom] {
			t.Errorf("row %s has no test", n.ValidFrom)
			continue
		}
		delete(rows, n.ValidFrom)
		for _, s := range Situations {
			if got := n.Max[s].Cents - percent95(n.Norm(s).Cents); got != kop[s] {
				t.Errorf("%s %s: max − 0,95 × norm = %d, want %d", n.ValidFrom, s, got, kop[s])
			}
			if n.Max[s].Source == "" || n.Norm(s).Source == "" {
				t.Errorf("%s %s: a figure without a source", n.ValidFrom, s)
			}
		}
	}
	if len(rows) != 0 {
		t.Errorf("rows missing from the table: %v", rows)
	}
}

func TestHouseholdValidate(t *testing.T) {
	tests := []struct {
		name  string
		h     Household
		field string
	}{
		{"unknown situation", Household{Situation: "widow"}, "situation"},
		{"empty situation", Household{}, "situation"},
		{"birth year in the future", Household{Situation: SituationCoupleWithChildren, ChildrenBirthYears: []int{2030}}, "children_birth_years"},
		{"birth year long ago", Household{Situation: SituationSingle, ChildrenBirthYears: []int{1800}}, "children_birth_years"},
		{"single parent without a minor", Household{Situation: SituationSingleParent, ChildrenBirthYears: []int{2000}}, "children_birth_years"},
		{"couple with children but none listed", Household{Situation: SituationCoupleWithChildren}, "children_birth_years"},
		{"too many children", Household{Situation: SituationCouple, ChildrenBirthYears: make([]int, MaxChildren+1)}, "children_birth_years"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.h.Validate(budgetNow)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("err = %v, want a ValidationError on %s", err, tt.field)
			}
		})
	}
	for _, h := range []Household{
		{Situation: SituationSingle},
		{Situation: SituationSingleParent, ChildrenBirthYears: []int{2010, 2000}},
		{Situation: SituationCouple, PensionAge: true},
	} {
		if err := h.Validate(budgetNow); err != nil {
			t.Errorf("%+v refused: %v", h, err)
		}
	}
}

func TestOwnCostValidate(t *testing.T) {
	good := OwnCost{Kind: ExpenseEnergy, Description: "Stroom", AmountCents: 12000, Period: PeriodMonth}
	tests := []struct {
		name  string
		edit  func(*OwnCost)
		field string
	}{
		{"unknown kind", func(c *OwnCost) { c.Kind = "holiday" }, "kind"},
		{"negative amount", func(c *OwnCost) { c.AmountCents = -1 }, "amount_cents"},
		{"implausible amount", func(c *OwnCost) { c.AmountCents = 100_000_000_01 }, "amount_cents"},
		{"unknown period", func(c *OwnCost) { c.Period = "fortnight" }, "period"},
		{"markup in the description", func(c *OwnCost) { c.Description = "<b>x</b>" }, "description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			var ve *ValidationError
			if err := c.Validate(); !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("err = %v, want a ValidationError on %s", err, tt.field)
			}
		})
	}
	if err := good.Validate(); err != nil {
		t.Error(err)
	}
}
