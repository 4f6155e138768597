package helper_test

import (
	"testing"
	"time"

	"regie/consent"
	"regie/helper"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// fixtureExport is the export of a fixed verified dossier: the testkit
// statements, as a helper's import would have checked them.
func fixtureExport(t *testing.T) helper.Export {
	t.Helper()
	series := testkit.Series(t)
	scope, err := consent.ParseScope("debts,income")
	if err != nil {
		t.Fatal(err)
	}
	vd := &consent.VerifiedDossier{
		Dossier:  consent.Dossier{Grant: "grant-fixture", ReleasedAt: testkit.Now(), Overview: wallet.Compile(series, testkit.Now())},
		WalletID: "wallet-fixture", Audience: "schuldhulp-a", Purpose: consent.PurposeIntake, Scope: scope,
		ValidUntil: testkit.Now().Add(14 * 24 * time.Hour), SignedBy: map[[2]string]string{},
	}
	var orgs []trust.Organisation
	for _, s := range series {
		for _, st := range s.Versions {
			vd.Verified = append(vd.Verified, st)
			vd.Statements = append(vd.Statements, st.JWS)
			vd.SignedBy[[2]string{st.Issuer, st.ID}] = "kid-" + st.Issuer
		}
		orgs = append(orgs, testkit.NewOrg(t, s.Current().Issuer, trust.KindCreditor, "").Entry)
	}
	tl, err := trust.NewList(orgs)
	if err != nil {
		t.Fatal(err)
	}
	return helper.NewExport(vd, tl)
}

// TestExportGolden guards the two files a counsellor's case system reads:
// the CSV (one row per current debt) and the JSON with provenance. Any
// change to a column, a field or number formatting shows up here (go test
// -update rewrites testdata/export.*.golden).
func TestExportGolden(t *testing.T) {
	exp := fixtureExport(t)
	csv, err := exp.CSV()
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, "export.csv", csv)
	js, err := exp.JSON()
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, "export.json", js)
}
