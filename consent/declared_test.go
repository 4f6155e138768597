package consent

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"regie/wallet"
)

func (f *fixture) declare(t *testing.T) {
	t.Helper()
	err := f.vault.Update(context.Background(), func(tx *wallet.Tx) error {
		if err := tx.PutHousehold(wallet.Household{Situation: wallet.SituationSingle, ChildrenBirthYears: []int{}}); err != nil {
			return err
		}
		_, err := tx.AddOwnCost(wallet.OwnCost{Kind: wallet.ExpenseRent, Description: "Huur", AmountCents: 80000, Period: wallet.PeriodMonth})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func payloadOf(t *testing.T, jws string) Dossier {
	t.Helper()
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[1])
	var d Dossier
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDossierCarriesSelfDeclaredApart: the household and the costs the
// resident entered travel in their own section, only within the scope, and
// the helper's check of the overview includes them.
func TestDossierCarriesSelfDeclaredApart(t *testing.T) {
	f := newFixture(t)
	f.declare(t)
	d := f.release(t, f.grant(t, Request{Scope: Scope{ScopeDebts, ScopeIncome, ScopeExpenses, ScopeClient}}))
	vd, err := VerifyDossier(d, f.helperCheck(t))
	if err != nil {
		t.Fatal(err)
	}
	sd := vd.SelfDeclared
	if sd == nil || sd.Household == nil || len(sd.Costs) != 1 || vd.Overview.Budget.DeclaredCostsCents != 80000 ||
		vd.Overview.Budget.BVV.Status != wallet.BVVIndicative {
		t.Fatalf("self-declared = %+v, budget = %+v", sd, vd.Overview.Budget)
	}
	// Without expenses and client the section stays home.
	narrow := f.release(t, f.grant(t, Request{}))
	if p := payloadOf(t, narrow); p.SelfDeclared != nil || strings.Contains(narrow, "Huur") {
		t.Errorf("self-declared facts outside the scope: %+v", p.SelfDeclared)
	}
}

func TestHelperRefusesBadSelfDeclared(t *testing.T) {
	f := newFixture(t)
	f.declare(t)
	key := f.vault
	good := payloadOf(t, f.release(t, f.grant(t, Request{Scope: Scope{ScopeDebts, ScopeIncome, ScopeExpenses, ScopeClient}})))
	narrowGrant := f.grant(t, Request{})

	inflated := good
	sd := *good.SelfDeclared
	sd.Costs = []wallet.OwnCost{{ID: "1", Kind: wallet.ExpenseRent, Description: "Huur", AmountCents: 1, Period: wallet.PeriodMonth}}
	inflated.SelfDeclared = &sd

	outside := good
	outside.Grant = narrowGrant.Token

	badHousehold := good
	bh := *good.SelfDeclared
	bh.Household = &wallet.Household{Situation: "widow"}
	badHousehold.SelfDeclared = &bh

	badCost := good
	bc := *good.SelfDeclared
	bc.Costs = []wallet.OwnCost{{ID: "1", Kind: wallet.ExpenseRent, AmountCents: -80000, Period: wallet.PeriodMonth}}
	badCost.SelfDeclared = &bc

	tests := map[string]struct {
		d    Dossier
		want error
	}{
		"self-declared cost changed after the overview": {inflated, ErrOverviewMismatch},
		"self-declared facts outside the grant's scope": {outside, ErrOutOfScope},
		"household with an unknown situation":           {badHousehold, ErrDossierMalformed},
		"self-declared cost with a negative amount":     {badCost, ErrDossierMalformed},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := VerifyDossier(resign(t, key, tt.d), f.helperCheck(t)); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
