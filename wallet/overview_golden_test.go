package wallet_test

import (
	"encoding/json"
	"testing"

	"regie/internal/testkit"
	"regie/wallet"
)

// TestOverviewJSONGolden guards the overview's JSON, which the CLI prints
// and every dossier carries: a change to a field name or layout shows up
// here (go test -update rewrites testdata/overview.json.golden).
func TestOverviewJSONGolden(t *testing.T) {
	o := wallet.Compile(testkit.Series(t), testkit.Now())
	got, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, "overview.json", append(got, '\n'))
}
