package trust

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"regie/wallet"
)

// TestExpenseSignedOnAnotherStack verifies an expense statement that node's
// jose package signed (testdata/jose-node/sign.mjs): a Go wallet accepts what
// an organisation signs with a standard JOSE library elsewhere, and refuses
// the same statement when the organisation's may_sign lacks "expense".
func TestExpenseSignedOnAnotherStack(t *testing.T) {
	jws, err := os.ReadFile("testdata/jose-node/expense.jws")
	if err != nil {
		t.Fatal(err)
	}
	entry, err := os.ReadFile("testdata/jose-node/trust.json")
	if err != nil {
		t.Fatal(err)
	}
	org, err := ParseOrganisation(entry)
	if err != nil {
		t.Fatal(err)
	}
	statement := strings.TrimSpace(string(jws))
	now := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	verify := func(o Organisation) (wallet.Statement, error) {
		tl, err := NewList([]Organisation{o})
		if err != nil {
			t.Fatal(err)
		}
		return (&Verifier{Trust: tl, Subject: "123456782", Now: now}).Verify(statement)
	}

	t.Run("accepted", func(t *testing.T) {
		st, err := verify(org)
		if err != nil {
			t.Fatalf("statement signed with node jose refused: %v", err)
		}
		want := wallet.Expense{Reference: "EN-VS-55120", Payee: "Energie Noord", Kind: wallet.ExpenseEnergy,
			AmountCents: 14200, Period: wallet.PeriodMonth, Since: "2025-01-01"}
		if st.Type != wallet.TypeExpense || st.Expense == nil || *st.Expense != want {
			t.Errorf("expense = %+v", st.Expense)
		}
	})
	t.Run("refused without expense in may_sign", func(t *testing.T) {
		o := org
		o.MaySign = []wallet.StatementType{wallet.TypeDebt}
		_, err := verify(o)
		if !errors.Is(err, ErrNotAllowed) {
			t.Fatalf("err = %v, want ErrNotAllowed", err)
		}
		if !strings.Contains(err.Error(), "energie-noord may not sign expense statements") {
			t.Errorf("the reason does not say what was refused: %v", err)
		}
	})
}
