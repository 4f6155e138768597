package web

import (
	"testing"

	"regie/wallet"
)

// TestDebtWordsComplete: every category, status and crisis state a parsed
// debt can carry has words in Dutch and English, so no raw code reaches a
// page.
func TestDebtWordsComplete(t *testing.T) {
	var keys []string
	for _, c := range wallet.Categories {
		keys = append(keys, "cat."+string(c))
	}
	for _, s := range wallet.Statuses {
		keys = append(keys, "st."+string(s), "st.meaning."+string(s))
	}
	for _, c := range []wallet.CrisisState{wallet.CrisisEviction, wallet.CrisisDisconnection, wallet.CrisisInsurance} {
		keys = append(keys, "crisis."+string(c))
	}
	for _, lang := range Languages {
		for _, k := range keys {
			if _, ok := word(lang, k); !ok {
				t.Errorf("%s: no text for %s", lang, k)
			}
		}
	}
	for key := range debtWords["nl"] {
		if _, ok := debtWords["en"][key]; !ok {
			t.Errorf("%s has no English text", key)
		}
	}
}
