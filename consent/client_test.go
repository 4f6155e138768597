package consent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"regie/wallet"
)

// bsnOutsideStatements reports whether the BSN appears anywhere in a
// dossier except inside the signed statements the counsellor verifies: in
// the payload's other bytes, or in the decoded grant token.
func bsnOutsideStatements(t *testing.T, jws, bsn string) bool {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	for name, v := range fields {
		if name != "statements" && bytes.Contains(v, []byte(bsn)) {
			return true
		}
	}
	var grant string
	json.Unmarshal(fields["grant"], &grant)
	for _, part := range strings.Split(grant, ".") {
		if dec, err := base64.RawURLEncoding.DecodeString(part); err == nil && bytes.Contains(dec, []byte(bsn)) {
			return true
		}
	}
	return false
}

// TestDossierClientSection: without the scope "client" no BSN appears in
// the dossier outside the signed statements (checked byte by byte, grant
// token decoded); with it, the client section carries the profile's name
// and BSN and the details the resident entered. A helper refuses a client
// section outside the scope or naming another BSN than the statements.
func TestDossierClientSection(t *testing.T) {
	f := newFixture(t)
	details := wallet.ClientDetails{BirthDate: "1990-02-03", Partner: "Karim de Vries",
		Address: wallet.Address{Street: "Kade", HouseNumber: "7", Postcode: "3011 AB", City: "Rotterdam"}}
	if err := f.vault.Update(context.Background(), func(tx *wallet.Tx) error { return tx.PutClient(details) }); err != nil {
		t.Fatal(err)
	}
	without := f.release(t, f.grant(t, Request{Scope: Scope{ScopeDebts, ScopeIncome, ScopeExpenses}}))
	if bsnOutsideStatements(t, without, "123456782") {
		t.Error("the BSN appears outside the signed statements without the client scope")
	}
	if p := payloadOf(t, without); p.Client != nil || strings.Contains(without, "Kade") {
		t.Errorf("client data without the client scope: %+v", p.Client)
	}
	with := f.release(t, f.grant(t, Request{Scope: Scope{ScopeDebts, ScopeClient}}))
	vd, err := VerifyDossier(with, f.helperCheck(t))
	if err != nil {
		t.Fatal(err)
	}
	if vd.Client == nil || vd.Client.BSN != "123456782" || vd.Client.Name != "Fatima de Vries" ||
		vd.SelfDeclared == nil || vd.SelfDeclared.Client == nil || vd.SelfDeclared.Client.Address.City != "Rotterdam" {
		t.Fatalf("client = %+v, declared = %+v", vd.Client, vd.SelfDeclared)
	}

	good := payloadOf(t, with)
	outside := good
	outside.Grant = f.grant(t, Request{Scope: Scope{ScopeDebts}}).Token
	outside.SelfDeclared = nil
	otherBSN := good
	otherBSN.Client = &Client{Name: "Fatima de Vries", BSN: "111222333"}
	badDetails := good
	sd := *good.SelfDeclared
	sd.Client = &wallet.ClientDetails{Address: wallet.Address{Postcode: "=1+1"}}
	badDetails.SelfDeclared = &sd
	tests := map[string]struct {
		d    Dossier
		want error
	}{
		"client section outside the scope":   {outside, ErrOutOfScope},
		"another BSN than the statements'":   {otherBSN, ErrDossierMalformed},
		"client details with a bad postcode": {badDetails, ErrDossierMalformed},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := VerifyDossier(resign(t, f.vault, tt.d), f.helperCheck(t)); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
