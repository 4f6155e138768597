package trust

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/internal/testkit/fastkdf"
	"regie/wallet"
)

var (
	testKDF = wallet.KDFParams{Time: fastkdf.Time, Memory: fastkdf.Memory, Threads: fastkdf.Threads}
	testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
)

const (
	testPass = "correct horse battery"
	ownerBSN = "123456782"
)

// testOrg is an organisation with its private key, for signing in tests.
type testOrg struct {
	Org Organisation
	Key jose.JSONWebKey
}

func newTestOrg(t testing.TB, id string, kind Kind, endpoint string) testOrg {
	t.Helper()
	set, org, err := NewOrganisation(id, "Organisatie "+id, kind, endpoint, 2026)
	if err != nil {
		t.Fatal(err)
	}
	return testOrg{Org: org, Key: set.Keys[0]}
}

func newTestVault(t testing.TB, now func() time.Time, orgs ...testOrg) *wallet.Vault {
	t.Helper()
	v, err := wallet.Open(filepath.Join(t.TempDir(), wallet.FileName), &wallet.Options{KDF: testKDF, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	ctx := context.Background()
	if err := v.Create(ctx, testPass, wallet.Profile{BSN: ownerBSN, Name: "Fatima de Vries"}); err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if err := (Store{Vault: v}).Add(ctx, o.Org); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

func debtPayload(iss, jti, ref string, outstanding int64) map[string]any {
	return map[string]any{
		"iss": iss, "sub": ownerBSN, "jti": jti, "iat": testNow.Unix() - 3600, "type": "debt", "as_of": "2026-11-20",
		"debt": map[string]any{"reference": ref, "creditor": "Schuldeiser " + iss, "category": "fine",
			"original_cents": outstanding, "outstanding_cents": outstanding, "arrears_cents": outstanding / 2,
			"months_in_arrears": 2, "status": "collection"},
	}
}

func (o testOrg) sign(t testing.TB, payload map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Sign(o.Key, StatementType, raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
