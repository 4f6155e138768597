package web

import (
	"testing"

	"regie/wallet"
)

// TestConsentWordsComplete: every consent text exists in both languages.
func TestConsentWordsComplete(t *testing.T) {
	for _, pair := range [][2]string{{"nl", "en"}, {"en", "nl"}} {
		for key := range consentWords[pair[0]] {
			if _, ok := consentWords[pair[1]][key]; !ok {
				t.Errorf("%s is in %s but not in %s", key, pair[0], pair[1])
			}
		}
	}
}

func TestSignalText(t *testing.T) {
	names := func(id string) string { return map[string]string{"energie-noord": "Energie Noord"}[id] }
	for _, tt := range []struct {
		lang string
		s    wallet.Signal
		want string
	}{
		{"nl", wallet.Signal{Category: wallet.CategoryEnergy, Organisation: "energie-noord", Since: "2026-10-16", DaysInArrears: 35},
			"Energie bij Energie Noord: achterstand sinds 16 oktober 2026 (35 dagen)"},
		{"nl", wallet.Signal{Category: wallet.CategoryWater, Organisation: "wbz", Since: "2026-10-15", MonthsInArrears: 1},
			"Water bij wbz: achterstand sinds 15 oktober 2026 (1 maand)"},
		{"en", wallet.Signal{Category: wallet.CategoryRent, Organisation: "wdh", Since: "2026-09-19", DaysInArrears: 61,
			Crisis: &wallet.Crisis{State: wallet.CrisisEviction, Date: "2026-12-20"}},
			"Rent with wdh: behind since 19 September 2026 (61 days). Eviction announced for 20 December 2026"},
	} {
		if got := SignalText(tt.lang, tt.s, names); got != tt.want {
			t.Errorf("SignalText = %q, want %q", got, tt.want)
		}
	}
}
