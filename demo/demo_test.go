package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"regie/internal/testkit"
	"regie/wallet"
)

// TestDemoWorldUsesTheSecondEdition: every demo statement is accepted, and
// the demo includes a bailiff reporting another creditor's claim that the
// creditor reports too, with the second edition's fields.
func TestDemoWorldUsesTheSecondEdition(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	v, err := wallet.Open(filepath.Join(dir, wallet.FileName), &wallet.Options{KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	world, err := Start(ctx, v, dir, "demo-wachtwoord-lang-genoeg")
	if err != nil {
		t.Fatal(err)
	}
	defer world.Stop(ctx)
	facts := 0
	for _, o := range demoCatalogue() {
		facts += len(o.facts)
	}
	if world.Imported != facts {
		t.Errorf("imported %d of %d demo statements", world.Imported, facts)
	}
	var claims []wallet.Claims
	for _, o := range demoCatalogue() {
		payloads, err := demoPayloads(o, DemoBSN, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range payloads {
			c, err := wallet.ParseClaims(p)
			if err != nil {
				t.Fatalf("%s: %v", o.id, err)
			}
			claims = append(claims, c)
		}
	}
	refs := map[[2]string]bool{}
	for _, c := range claims {
		if c.Debt != nil {
			refs[[2]string{c.Debt.Creditor, c.Debt.Reference}] = true
		}
	}
	linked, split, crisis := 0, 0, 0
	for _, c := range claims {
		if c.Debt == nil {
			continue
		}
		if c.Debt.OriginalReference != "" && refs[[2]string{c.Debt.OriginalCreditor, c.Debt.OriginalReference}] {
			linked++
		}
		if c.Debt.PrincipalCents != nil {
			split++
		}
		if c.Debt.Crisis != nil {
			crisis++
		}
	}
	if linked != 1 || split == 0 || crisis == 0 {
		t.Errorf("linked claims %d (want 1), debts with a split %d, with a crisis %d", linked, split, crisis)
	}
}
