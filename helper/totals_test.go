package helper_test

import (
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"regie/internal/testkit"
	"regie/wallet"
)

// TestTotalDebtIsTheSameEverywhere: a claim the creditor and its bailiff
// both report counts once, so the resident's overview, the export's rows
// (JSON and CSV) and the desk's overview give one total debt.
func TestTotalDebtIsTheSameEverywhere(t *testing.T) {
	want := wallet.Compile(testkit.Series(t), testkit.Now()).TotalOutstandingCents
	exp := fixtureExport(t)
	if exp.Overview.TotalOutstandingCents != want {
		t.Errorf("desk overview total = %d, want %d", exp.Overview.TotalOutstandingCents, want)
	}
	js, err := exp.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Debts []struct {
			Outstanding wallet.Cents   `json:"outstanding_cents"`
			Status      wallet.Status  `json:"status"`
			Original    map[string]any `json:"original_report"`
		} `json:"debts"`
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	var sum wallet.Cents
	linked := 0
	for _, d := range back.Debts {
		if !d.Status.Closed() {
			sum += d.Outstanding
		}
		if d.Original != nil {
			linked++
		}
	}
	if sum != want || linked != 1 {
		t.Errorf("JSON rows add up to %d (want %d), %d rows show the original report (want 1)", sum, want, linked)
	}
	raw, err := exp.CSV()
	if err != nil {
		t.Fatal(err)
	}
	if got := csvTotal(t, raw, "Openstaand"); got != want {
		t.Errorf("CSV rows add up to %d, want %d", got, want)
	}
	skp, err := exp.SKP(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := csvTotal(t, skp, "ActueelVorderingsbedrag"); got != want {
		t.Errorf("Schuldenknooppunt rows add up to %d, want %d", got, want)
	}
	ddas, err := exp.DDAS(testOrg)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Leveringen []struct {
			Trajecten []struct {
				Total int64 `json:"totaalSchuldbedragBijAanvangSchuld"`
			} `json:"schuldhulptrajecten"`
		} `json:"leveringen"`
	}
	if err := json.Unmarshal(ddas, &d); err != nil || d.Leveringen[0].Trajecten[0].Total != int64(want+50)/100 {
		t.Errorf("DDAS total = %+v (%v), want %d whole euros", d, err, int64(want+50)/100)
	}
}

// csvTotal adds up a money column of a CSV export (comma or semicolon,
// decimal dot or comma, with or without a byte-order mark).
func csvTotal(t *testing.T, raw []byte, column string) wallet.Cents {
	t.Helper()
	text, _, _ := strings.Cut(strings.TrimPrefix(string(raw), "\ufeff"), "\n\n")
	r := csv.NewReader(strings.NewReader(text))
	if strings.Count(strings.SplitN(text, "\n", 2)[0], ";") > 0 {
		r.Comma = ';'
	}
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == column {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no column %q in %v", column, rows[0])
	}
	var sum wallet.Cents
	for _, row := range rows[1:] {
		cell := strings.NewReplacer(".", "", ",", "").Replace(row[col])
		n, err := strconv.ParseInt(cell, 10, 64)
		if err != nil {
			t.Fatalf("cell %q: %v", row[col], err)
		}
		sum += wallet.Cents(n)
	}
	return sum
}
