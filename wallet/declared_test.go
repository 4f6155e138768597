package wallet

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestDeclaredFactsAreSealedAndApart(t *testing.T) {
	v := newTestVault(t)
	ctx := context.Background()
	h := Household{Situation: SituationSingleParent, ChildrenBirthYears: []int{2016}}
	var added OwnCost
	err := v.Update(ctx, func(tx *Tx) error {
		if err := tx.PutHousehold(h); err != nil {
			return err
		}
		var err error
		added, err = tx.AddOwnCost(OwnCost{Kind: ExpenseRent, Description: "Huur kamer", AmountCents: 65000, Period: PeriodMonth})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if added.ID != "1" {
		t.Errorf("id = %q", added.ID)
	}
	put(t, v, mustClaims(t, goodExpense))
	if raw := fileBytes(t, v); bytes.Contains(raw, []byte("Huur kamer")) || bytes.Contains(raw, []byte("single_parent")) {
		t.Error("the vault file holds self-declared facts in plain text")
	}
	o, err := v.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := o.Budget
	if b.Household == nil || b.Household.Situation != SituationSingleParent || len(b.Costs) != 2 ||
		b.SignedCostsCents != 84500 || b.DeclaredCostsCents != 65000 {
		t.Errorf("budget = %+v", b)
	}
	series, err := v.Series(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 {
		t.Errorf("a self-declared cost became a statement: %d series", len(series))
	}
	if err := v.Update(ctx, func(tx *Tx) error { return tx.DeleteOwnCost(added.ID) }); err != nil {
		t.Fatal(err)
	}
	d, err := v.Declared(ctx)
	if err != nil || len(d.Costs) != 0 || d.Household == nil {
		t.Errorf("after delete: %+v, %v", d, err)
	}
}

func TestDeclaredBadInputChangesNothing(t *testing.T) {
	v := newTestVault(t)
	ctx := context.Background()
	before := fileBytes(t, v)
	tests := []struct {
		name string
		fn   func(tx *Tx) error
		want error
	}{
		{"bad household", func(tx *Tx) error { return tx.PutHousehold(Household{Situation: "widow"}) }, ErrInvalid},
		{"bad cost", func(tx *Tx) error {
			_, err := tx.AddOwnCost(OwnCost{Kind: ExpenseRent, AmountCents: -5, Period: PeriodMonth})
			return err
		}, ErrInvalid},
		{"unknown cost id", func(tx *Tx) error { return tx.DeleteOwnCost("42") }, ErrNotFound},
		{"malformed cost id", func(tx *Tx) error { return tx.DeleteOwnCost("../1") }, ErrNotFound},
		{"cost id with a leading zero", func(tx *Tx) error { return tx.DeleteOwnCost("01") }, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := v.Update(ctx, tt.fn); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !bytes.Equal(before, fileBytes(t, v)) {
				t.Error("the vault file changed")
			}
		})
	}
}
