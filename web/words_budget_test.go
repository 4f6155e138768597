package web

import (
	"testing"

	"regie/wallet"
)

// TestBudgetWordsComplete: every budget text exists in Dutch and English,
// and every kind, period, situation and flag the budget can show has words,
// so no raw code reaches a page.
func TestBudgetWordsComplete(t *testing.T) {
	for key := range budgetWords["nl"] {
		if _, ok := budgetWords["en"][key]; !ok {
			t.Errorf("%s has no English text", key)
		}
	}
	for key := range budgetWords["en"] {
		if _, ok := budgetWords["nl"][key]; !ok {
			t.Errorf("%s has no Dutch text", key)
		}
	}
	var keys []string
	for _, k := range wallet.ExpenseKinds {
		keys = append(keys, "exp."+string(k))
	}
	for _, k := range wallet.IncomeKinds {
		keys = append(keys, "kind."+string(k))
	}
	for _, p := range []wallet.Period{wallet.PeriodWeek, wallet.PeriodFourWeeks, wallet.PeriodMonth, wallet.PeriodQuarter, wallet.PeriodYear} {
		keys = append(keys, "per."+string(p))
	}
	for _, s := range wallet.Situations {
		keys = append(keys, "hh."+string(s))
	}
	for _, s := range []wallet.BVVStatus{wallet.BVVNoHousehold, wallet.BVVPensionAge, wallet.BVVNoIncome, wallet.BVVNoNorms} {
		keys = append(keys, "bvv."+string(s))
	}
	keys = append(keys, "flag."+string(wallet.FlagBelowBVV), "flag."+string(wallet.FlagMaybeBelowBVV))
	for _, lang := range Languages {
		for _, k := range keys {
			if _, ok := word(lang, k); !ok {
				t.Errorf("%s: no text for %s", lang, k)
			}
		}
	}
}
