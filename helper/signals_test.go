package helper

import (
	"testing"

	"regie/wallet"
)

func TestSignalLineAndNewSignals(t *testing.T) {
	energy := wallet.Signal{Category: wallet.CategoryEnergy, Organisation: "energie-noord", Since: "2026-10-16", DaysInArrears: 35}
	rent := wallet.Signal{Category: wallet.CategoryRent, Organisation: "woonstad", Since: "2026-09-01", MonthsInArrears: 2,
		Crisis: &wallet.Crisis{State: wallet.CrisisEviction, Date: "2027-01-15"}}
	names := func(id string) string { return map[string]string{"energie-noord": "Energie Noord"}[id] }
	for _, tt := range []struct {
		s    wallet.Signal
		want string
	}{
		{energy, "energy, 35 days in arrears since 2026-10-16 (Energie Noord)"},
		{rent, "rent, 2 months in arrears since 2026-09-01 (woonstad); eviction announced on 2027-01-15"},
	} {
		if got := SignalLine(tt.s, names); got != tt.want {
			t.Errorf("SignalLine = %q, want %q", got, tt.want)
		}
	}
	moved := rent
	moved.Crisis = &wallet.Crisis{State: wallet.CrisisEviction, Date: "2027-01-08"}
	for name, tt := range map[string]struct {
		prev, cur []wallet.Signal
		want      int
	}{
		"first":         {nil, []wallet.Signal{energy}, 1},
		"same again":    {[]wallet.Signal{energy}, []wallet.Signal{energy}, 0},
		"one more":      {[]wallet.Signal{energy}, []wallet.Signal{rent, energy}, 1},
		"crisis moved":  {[]wallet.Signal{rent}, []wallet.Signal{moved}, 1},
		"one went away": {[]wallet.Signal{rent, energy}, []wallet.Signal{energy}, 0},
	} {
		if got := NewSignals(tt.prev, tt.cur); len(got) != tt.want {
			t.Errorf("%s: %d new, want %d", name, len(got), tt.want)
		}
	}
}

func TestPreviousSignalsRefusesOtherFiles(t *testing.T) {
	im := &Importer{Client: &Client{ID: "schuldhulp-a"}}
	for name, raw := range map[string]string{
		"garbage":            "not json",
		"a dossier's export": `{"format":"regie-export/1","dossier":"a.b.c"}`,
		"no release":         `{"format":"` + SignalsExportFormat + `","signals":[]}`,
		"release not signed": `{"format":"` + SignalsExportFormat + `","release":"eyJhbGciOiJub25lIn0.e30."}`,
	} {
		if _, err := im.PreviousSignals([]byte(raw)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
