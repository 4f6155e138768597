package helper

import (
	"strings"
	"testing"
	"time"

	"regie/wallet"
)

func TestBudgetCSV(t *testing.T) {
	in := wallet.Income{Reference: "LOON", Payer: "Bakkerij Bol", Kind: wallet.KindWage, NetCents: 180000, Period: wallet.PeriodMonth,
		Garnishment: &wallet.Garnishment{AmountCents: 70000, ProtectedCents: 110000, By: "Deurwaarder X", Reference: "DX-1"}}
	rent := wallet.Expense{Reference: "HUUR", Payee: "Woonstad", Kind: wallet.ExpenseRent, AmountCents: 72000, Period: wallet.PeriodMonth}
	series := []wallet.Series{
		{Versions: []wallet.Statement{{Claims: wallet.Claims{Issuer: "bol", ID: "b1", Type: wallet.TypeIncome, AsOf: "2026-11-01", Income: &in}}}},
		{Versions: []wallet.Statement{{Claims: wallet.Claims{Issuer: "woonstad", ID: "w1", Type: wallet.TypeExpense, AsOf: "2026-11-01", Expense: &rent}}}},
	}
	declared := wallet.SelfDeclared{Household: &wallet.Household{Situation: wallet.SituationSingle},
		Costs: []wallet.OwnCost{{ID: "1", Kind: wallet.ExpenseHealthInsurance, Description: "=premie", AmountCents: 16000, Period: wallet.PeriodMonth}}}
	o := wallet.CompileAll(series, declared, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	e := Export{Overview: o, SelfDeclared: &declared, Incomes: []IncomeExport{{Income: in, MonthlyCents: 180000, AsOf: "2026-11-01",
		Source: Provenance{Organisation: "bol", Name: "Bakkerij Bol", Statement: "b1", Verified: true}}}}
	raw, err := e.BudgetCSV()
	if err != nil {
		t.Fatal(err)
	}
	rows := readDutchCSV(t, raw)
	byPost := map[string][][]string{}
	for _, r := range rows[1:] {
		byPost[r[0]] = append(byPost[r[0]], r)
	}
	if r := byPost["Beslag"]; len(r) != 1 || r[0][5] != "700,00" || r[0][2] != "Deurwaarder X DX-1" {
		t.Errorf("garnishment rows = %v", r)
	}
	costs := byPost["Vaste last"]
	if len(costs) != 2 || costs[0][6] != "ondertekend door Woonstad" || costs[1][6] != "door inwoner ingevuld, niet ondertekend" ||
		costs[1][2] != "'=premie" {
		t.Errorf("cost rows = %v", costs)
	}
	// 1.800,00 − 700,00 − 720,00 − 160,00 = 220,00.
	if r := byPost["Leefgeld"]; len(r) != 1 || r[0][5] != "220,00" {
		t.Errorf("leefgeld = %v", r)
	}
	// 1.800,00 > norm 1.369,06: 0,95 × 1.369,06 = 1.300,61 up to min(2.093,67, 0,95 × 1.800,00 = 1.710,00).
	bvv := byPost["Beslagvrije voet (indicatief)"]
	if len(bvv) != 1 || bvv[0][5] != "1300,61 tot 1710,00" || !strings.Contains(bvv[0][8], "waarschuwing: below") ||
		!strings.Contains(bvv[0][8], "normen van 2025-07-01") {
		t.Errorf("bvv = %v", bvv)
	}
	if r := byPost["Huishouden"]; len(r) != 1 || r[0][6] != "door inwoner ingevuld, niet ondertekend" {
		t.Errorf("household = %v", r)
	}
}
