package api

import (
	"strings"
	"testing"
	"time"

	"regie/trust"
	"regie/wallet"
)

// TestLogShowsRefusalsFromStrangersAsUnknown: a refusal whose proof did
// not verify carries no actor; the log page says "unknown party" in the
// resident's language and how often it happened, never a helper's name.
func TestLogShowsRefusalsFromStrangersAsUnknown(t *testing.T) {
	tl, err := trust.NewList(nil)
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	e := wallet.Event{Kind: wallet.EventPresentationNotOK, Reason: "proof_wrong_key", Count: 60, Last: last}
	for lang, want := range map[string][2]string{"nl": {"Onbekende partij", "60 keer"}, "en": {"Unknown party", "60 times"}} {
		row := describeEvent(lang, e, tl)
		if row.Who != want[0] || !strings.Contains(row.What, want[1]) {
			t.Errorf("%s: who %q, what %q", lang, row.Who, row.What)
		}
	}
}
