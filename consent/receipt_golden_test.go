package consent_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"regie/consent"
	"regie/internal/testkit"
	"regie/trust"
)

// TestReceiptGolden guards the consent receipt (Kantara Consent Receipt
// v1.1 fields) a resident keeps: made by the real service on a vault whose
// clock stands at testkit.Now. The grant id and wallet key are random, so
// they are written as <grant-id> and <wallet-id> (go test -update rewrites
// testdata/receipt.json.golden).
func TestReceiptGolden(t *testing.T) {
	ctx := context.Background()
	h := testkit.NewOrg(t, "schuldhulp-a", trust.KindHelper, "")
	v := testkit.Vault(t, testkit.Now, h)
	svc := &consent.Service{Vault: v, Trust: trust.Store{Vault: v}, BaseURL: "http://127.0.0.1:8080"}
	scope, err := consent.ParseScope("debts,income")
	if err != nil {
		t.Fatal(err)
	}
	g, err := svc.Grant(ctx, consent.Request{Audience: "schuldhulp-a", Purpose: consent.PurposeIntake, Scope: scope, Days: 14})
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Receipt(g)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	walletID, err := trust.WalletID(v)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.NewReplacer(g.ID, "<grant-id>", walletID, "<wallet-id>").Replace(string(raw)) + "\n"
	testkit.Golden(t, "receipt.json", []byte(got))
}
