package wallet_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"regie/connectors"
	"regie/consent"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// vaultFixture is a vault file of the format Regie writes today
// ("regie-vault-1"), made once by makeVaultFixture with -update and
// committed. It must keep opening: a change to the file format that
// strands it fails TestVaultFixtureOpens. Make a new fixture beside it for
// a new format; never rewrite this one.
const vaultFixture = "testdata/vault-regie-vault-1.db"

// makeVaultFixture writes the fixture: the testkit resident with two
// trusted organisations, two imported statements, one consent and the
// access log entries those made.
func makeVaultFixture(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	v, err := wallet.Open(path, &wallet.Options{KDF: testkit.FastKDF, Now: testkit.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Create(ctx, testkit.Passphrase, wallet.Profile{BSN: testkit.BSN, Name: testkit.Name}); err != nil {
		t.Fatal(err)
	}
	cjib := testkit.NewOrg(t, "cjib", trust.KindCreditor, "")
	uwv := testkit.NewOrg(t, "uwv", trust.KindIncomePayer, "")
	helper := testkit.NewOrg(t, "schuldhulp-a", trust.KindHelper, "")
	for _, o := range []testkit.Org{cjib, uwv, helper} {
		if err := (trust.Store{Vault: v}).Add(ctx, o.Entry); err != nil {
			t.Fatal(err)
		}
	}
	at := testkit.Now().Add(-time.Hour)
	items := []connectors.Item{
		{Name: "cjib", JWS: cjib.Sign(t, testkit.Debt("cjib", "cjib-1", "CJIB-8891-2231", "Centraal Justitieel Incassobureau", wallet.CategoryFine, 52500, 52500, at))},
		{Name: "uwv", JWS: uwv.Sign(t, testkit.Income("uwv", "uwv-1", "UWV", 145000, at))},
	}
	if rep, err := (&connectors.Importer{Vault: v}).Import(ctx, "file", items, nil); err != nil || rep.Added != 2 {
		t.Fatalf("fixture import: %v %+v", err, rep)
	}
	scope, _ := consent.ParseScope("debts,income")
	svc := &consent.Service{Vault: v, Trust: trust.Store{Vault: v}, BaseURL: "http://127.0.0.1:8080"}
	if _, err := svc.Grant(ctx, consent.Request{Audience: "schuldhulp-a", Purpose: consent.PurposeIntake, Scope: scope, Days: 90}); err != nil {
		t.Fatal(err)
	}
}

// TestVaultFixtureOpens opens a copy of the committed fixture with today's
// code: it unlocks with the fixture passphrase, and its profile,
// statements, trust list, consent and chained access log all read back.
func TestVaultFixtureOpens(t *testing.T) {
	if testkit.Updating() {
		if _, err := os.Stat(vaultFixture); err == nil {
			t.Logf("%s exists; a fixture is never rewritten (delete it by hand to remake it)", vaultFixture)
		} else {
			makeVaultFixture(t, vaultFixture)
		}
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), wallet.FileName)
	testkit.CopyFile(t, vaultFixture, path)
	v, err := wallet.Open(path, &wallet.Options{Now: testkit.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Unlock(ctx, testkit.Passphrase); err != nil {
		t.Fatalf("the %s vault no longer unlocks: %v", vaultFixture, err)
	}
	if p, err := v.Profile(); err != nil || p.BSN != testkit.BSN || p.Name != testkit.Name {
		t.Fatalf("profile: %+v %v", p, err)
	}
	o, err := v.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Debts) != 1 || o.TotalOutstandingCents != 52500 || o.MonthlyIncomeCents != 145000 {
		t.Fatalf("overview: %d debts, %d outstanding, %d income", len(o.Debts), o.TotalOutstandingCents, o.MonthlyIncomeCents)
	}
	tl, err := trust.Store{Vault: v}.Load(ctx)
	if err != nil || len(tl.Organisations()) != 3 {
		t.Fatalf("trust list: %v", err)
	}
	grants, err := (&consent.Service{Vault: v, Trust: trust.Store{Vault: v}}).List(ctx)
	if err != nil || len(grants) != 1 || grants[0].Audience != "schuldhulp-a" {
		t.Fatalf("consents: %+v %v", grants, err)
	}
	n, err := v.VerifyEvents(ctx)
	if err != nil || n < 2 {
		t.Fatalf("access log: %d entries, %v", n, err)
	}
	verifier := &trust.Verifier{Trust: tl, Subject: testkit.BSN, AllowExpired: true}
	series, err := v.Series(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range series {
		if _, err := verifier.Verify(s.Current().JWS); err != nil {
			t.Fatalf("stored statement %s no longer verifies: %v", s.Current().ID, err)
		}
	}
}
