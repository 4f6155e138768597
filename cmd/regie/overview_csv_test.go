package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"regie/helper"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// TestOverviewCSVIsTheExportLayout: the resident's `regie overview --format
// csv` and the counsellor's export are one layout from one writer, so a
// file from either reads the same in a case system.
func TestOverviewCSVIsTheExportLayout(t *testing.T) {
	dir := t.TempDir()
	c := newCLI(t, dir)
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne")
	cjib := testkit.NewOrg(t, "cjib", trust.KindCreditor, "")
	files := t.TempDir()
	entry, _ := json.Marshal(cjib.Entry)
	jws := cjib.Sign(t, testkit.Debt("cjib", "cjib-1", "CJIB-8891-2231", "CJIB", wallet.CategoryFine, 52500, 52500, testkit.Now()))
	for name, body := range map[string]string{"trust.json": string(entry), "debt.jws": jws} {
		if err := os.WriteFile(filepath.Join(files, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.must("trust", "add", filepath.Join(files, "trust.json"))
	c.must("import", filepath.Join(files, "debt.jws"))
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(c.must("overview", "--format", "csv"), "\ufeff")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !slices.Equal(rows[0], helper.CSVHeader) {
		t.Fatalf("overview CSV is not the export layout:\n%v", rows)
	}
	want := map[string]string{"Schuldeiser": "CJIB", "Kenmerk": "CJIB-8891-2231", "Soort schuld": "Boete", "Status": "Incasso",
		"Openstaand": "525,00", "Bronorganisatie": "cjib", "Verklaring": "cjib-1", "Geverifieerd": "ja"}
	for i, col := range rows[0] {
		if w, ok := want[col]; ok && rows[1][i] != w {
			t.Errorf("%s = %q, want %q", col, rows[1][i], w)
		}
	}
}
