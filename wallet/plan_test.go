package wallet

import (
	"math/rand"
	"reflect"
	"testing"
)

// TestPlanOrder checks the action plan's order: crisis, rent, energy and
// water, health insurance, a fine due within 14 days, then the rest; one
// line per creditor; at most three steps; the rest grouped as vaste lasten
// first, then other debts. testNow is 25 November 2026.
func TestPlanOrder(t *testing.T) {
	d := func(iss, jti string, debt Debt) Series {
		return Series{Versions: []Statement{debtSeries(iss, jti, 1, "2026-11-20", debt)}}
	}
	energyBailiff := d("energie", "e1", Debt{Reference: "E-1", Creditor: "Energie", Category: CategoryEnergy, OriginalCents: 50000,
		OutstandingCents: 50000, ArrearsCents: 50000, MonthsInArrears: 3, Status: StatusBailiff})
	rentA := d("woon", "w1", Debt{Reference: "HUUR-2", Creditor: "Woonstad", Category: CategoryRent, OriginalCents: 70000,
		OutstandingCents: 70000, ArrearsCents: 70000, MonthsInArrears: 1, Status: StatusOpen})
	rentB := d("woon", "w2", Debt{Reference: "HUUR-1", Creditor: "Woonstad", Category: CategoryRent, OriginalCents: 20000,
		OutstandingCents: 20000, Status: StatusArrangement, Arrangement: &Arrangement{MonthlyCents: 5000, Ends: "2027-03-31"}})
	water := d("water", "h1", Debt{Reference: "W-1", Creditor: "Water", Category: CategoryWater, OriginalCents: 9000,
		OutstandingCents: 9000, ArrearsCents: 9000, MonthsInArrears: 1, Status: StatusOpen})
	health := d("zorg", "z1", Debt{Reference: "Z-1", Creditor: "Zorg", Category: CategoryHealthInsurance, OriginalCents: 30000,
		OutstandingCents: 30000, ArrearsCents: 30000, MonthsInArrears: 2, Status: StatusCollection})
	fineSoon := d("cjib", "c1", Debt{Reference: "CJIB-1", Creditor: "CJIB", Category: CategoryFine, OriginalCents: 9500,
		OutstandingCents: 9500, Status: StatusOpen, DueDate: "2026-12-01"})
	fineLater := d("cjib2", "c2", Debt{Reference: "CJIB-2", Creditor: "CJIB Later", Category: CategoryFine, OriginalCents: 9500,
		OutstandingCents: 9500, Status: StatusOpen, DueDate: "2026-12-20"})
	credit := d("bank", "b1", Debt{Reference: "K-1", Creditor: "Bank", Category: CategoryConsumerCredit, OriginalCents: 200000,
		OutstandingCents: 400000, Status: StatusBailiff})
	student := d("duo", "s1", Debt{Reference: "DUO-1", Creditor: "DUO", Category: CategoryStudentLoan, OriginalCents: 2000000,
		OutstandingCents: 2000000, Status: StatusOpen})
	taxOK := d("bd", "t1", Debt{Reference: "T-1", Creditor: "Belastingdienst", Category: CategoryTax, OriginalCents: 40000,
		OutstandingCents: 40000, Status: StatusArrangement, Arrangement: &Arrangement{MonthlyCents: 4000, Ends: "2027-09-30"}})
	settled := d("kpn", "k1", Debt{Reference: "KPN-1", Creditor: "KPN", Category: CategoryTelecom, OriginalCents: 9000, Status: StatusSettled})
	garnished := Series{Versions: []Statement{incomeSeries("uwv", "u1", "2026-11-20", Income{Reference: "WW", Payer: "UWV", Kind: KindBenefit,
		NetCents: 145000, Period: PeriodMonth, Garnishment: &Garnishment{AmountCents: 40000, ProtectedCents: 120000}})}}

	type line struct {
		Name   string
		Tier   Tier
		Action Action
		Due    Date
		Refs   int
	}
	tests := []struct {
		name                string
		series              []Series
		first, fixed, other []line
	}{
		{
			name:   "every tier, scrambled",
			series: []Series{student, credit, fineSoon, health, water, rentB, energyBailiff, rentA, settled, taxOK},
			first: []line{{"Energie", TierCrisis, ActionStopEnforcement, "", 1}, {"Woonstad", TierHousing, ActionArrangeArrears, "", 2},
				{"Water", TierEnergyWater, ActionArrangeArrears, "", 1}},
			fixed: []line{{"Zorg", TierHealthInsurance, ActionArrangeArrears, "", 1}, {"Belastingdienst", TierRest, ActionKeepArrangement, "", 1}},
			other: []line{{"CJIB", TierDeadline, ActionPayBeforeDue, "2026-12-01", 1}, {"Bank", TierRest, ActionStopEnforcement, "", 1},
				{"DUO", TierRest, ActionNone, "", 1}},
		},
		{
			name:   "health insurance, a near fine and consumer credit fill the steps",
			series: []Series{credit, student, fineSoon, health},
			first: []line{{"Zorg", TierHealthInsurance, ActionArrangeArrears, "", 1}, {"CJIB", TierDeadline, ActionPayBeforeDue, "2026-12-01", 1},
				{"Bank", TierRest, ActionStopEnforcement, "", 1}},
			fixed: []line{},
			other: []line{{"DUO", TierRest, ActionNone, "", 1}},
		},
		{
			name:   "a fine due in 25 days is no step and shows no date",
			series: []Series{fineLater, student},
			first:  []line{},
			fixed:  []line{},
			other:  []line{{"DUO", TierRest, ActionNone, "", 1}, {"CJIB Later", TierRest, ActionNone, "", 1}},
		},
		{
			name:   "a garnishment below the protected amount comes first",
			series: []Series{rentA, garnished, credit},
			first: []line{{"UWV", TierCrisis, ActionCheckGarnishment, "", 1}, {"Woonstad", TierHousing, ActionArrangeArrears, "", 1},
				{"Bank", TierRest, ActionStopEnforcement, "", 1}},
			fixed: []line{},
			other: []line{},
		},
		{
			name:   "an empty vault has no plan",
			series: nil,
			first:  []line{}, fixed: []line{}, other: []line{},
		},
	}
	conv := func(ls []PlanLine) []line {
		out := []line{}
		for _, l := range ls {
			out = append(out, line{l.Name, l.Tier, l.Action, l.Due, len(l.References)})
		}
		return out
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for round := 0; round < 5; round++ {
				s := append([]Series(nil), tt.series...)
				rand.New(rand.NewSource(int64(round))).Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
				p := Compile(s, testNow).Plan
				if len(p.First) > PlanSteps {
					t.Fatalf("%d steps, want at most %d", len(p.First), PlanSteps)
				}
				if got := conv(p.First); !reflect.DeepEqual(got, tt.first) {
					t.Errorf("first = %+v\nwant %+v", got, tt.first)
				}
				if got := conv(p.FixedCosts); !reflect.DeepEqual(got, tt.fixed) {
					t.Errorf("fixed costs = %+v\nwant %+v", got, tt.fixed)
				}
				if got := conv(p.Other); !reflect.DeepEqual(got, tt.other) {
					t.Errorf("other = %+v\nwant %+v", got, tt.other)
				}
				seen := map[string]bool{}
				for _, group := range [][]PlanLine{p.First, p.FixedCosts, p.Other} {
					for _, l := range group {
						if seen[l.Issuer+"/"+l.Name] {
							t.Errorf("%s appears twice", l.Name)
						}
						seen[l.Issuer+"/"+l.Name] = true
					}
				}
			}
		})
	}
}
