package web

import (
	"strings"
	"testing"

	"regie/wallet"
)

// TestCrisisAndMomentWordsComplete: every crisis state, flag and plan
// action has words in both languages, and a crisis flag names the
// organisation and the date in words, never a raw code.
func TestCrisisAndMomentWordsComplete(t *testing.T) {
	keys := []string{"flag." + string(wallet.FlagCAKHandover), "crisis.title", "crisis.gemeente", "crisis.owed", "desk.crisis.title", "desk.crisis.line", "desk.crisis.days"}
	for _, a := range []wallet.Action{wallet.ActionCallCrisis, wallet.ActionCheckGarnishment, wallet.ActionStopEnforcement,
		wallet.ActionPayBeforeDue, wallet.ActionArrangeArrears, wallet.ActionKeepArrangement, wallet.ActionNone} {
		keys = append(keys, "plan.act."+string(a))
	}
	// The categories that can reach a tier before TierRest without a crisis.
	for _, c := range []wallet.Category{wallet.CategoryRent, wallet.CategoryEnergy, wallet.CategoryHeat, wallet.CategoryWater,
		wallet.CategoryHealthInsurance, wallet.CategoryTax, wallet.CategoryMunicipalTax, wallet.CategoryWaterBoardTax, wallet.CategoryFine} {
		keys = append(keys, "plan.why."+string(c))
	}
	states := []wallet.CrisisState{wallet.CrisisEviction, wallet.CrisisDisconnection, wallet.CrisisInsurance}
	for _, s := range states {
		keys = append(keys, "flag.crisis."+string(s), "crisis.what."+string(s))
	}
	for _, lang := range Languages {
		for _, k := range keys {
			if _, ok := word(lang, k); !ok {
				t.Errorf("%s: no text for %s", lang, k)
			}
		}
		for _, s := range states {
			got := FlagText(lang, wallet.Flag{Code: wallet.FlagCrisis, Name: "Vattenfall", Crisis: &wallet.Crisis{State: s, Date: "2026-12-01"}})
			want := LongDate(lang, wallet.Date("2026-12-01").Time())
			if !strings.Contains(got, "Vattenfall") || !strings.Contains(got, want) || strings.Contains(got, string(s)) || strings.Contains(got, "%!") {
				t.Errorf("%s %s: %q, want the name and %q in words", lang, s, got, want)
			}
		}
	}
	for key := range signalWords["nl"] {
		if _, ok := signalWords["en"][key]; !ok {
			t.Errorf("%s has no English text", key)
		}
	}
	// Each moment's words say its moment: a month for rent, energy, heat and
	// water, two months for health insurance, a reminder for taxes.
	for cat, want := range map[wallet.Category]string{wallet.CategoryRent: "een maand", wallet.CategoryEnergy: "een maand",
		wallet.CategoryHeat: "een maand", wallet.CategoryWater: "een maand", wallet.CategoryHealthInsurance: "2 maanden",
		wallet.CategoryMunicipalTax: "aanmaning", wallet.CategoryWaterBoardTax: "aanmaning", wallet.CategoryTax: "aanmaning"} {
		got := FlagText("nl", wallet.Flag{Code: wallet.FlagPriorityArrears, Name: "X", Category: cat})
		if !strings.Contains(got, want) {
			t.Errorf("%s: %q does not say %q", cat, got, want)
		}
	}
}
