package connectors

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

var testNow = testkit.Now()

const (
	testPass = testkit.Passphrase
	ownerBSN = testkit.BSN
)

// testOrg is an organisation with its private key, for signing in tests.
type testOrg struct {
	Org trust.Organisation
	Key jose.JSONWebKey
}

func newTestOrg(t testing.TB, id string, kind trust.Kind, endpoint string) testOrg {
	t.Helper()
	o := testkit.NewOrg(t, id, kind, endpoint)
	return testOrg{Org: o.Entry, Key: o.Key()}
}

func newTestVault(t testing.TB, now func() time.Time, orgs ...testOrg) *wallet.Vault {
	t.Helper()
	v := testkit.Vault(t, now)
	for _, o := range orgs {
		if err := (trust.Store{Vault: v}).Add(context.Background(), o.Org); err != nil {
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

func incomePayload(iss, jti string, net int64) map[string]any {
	return map[string]any{
		"iss": iss, "sub": ownerBSN, "jti": jti, "iat": testNow.Unix() - 3600, "type": "income", "as_of": "2026-11-01",
		"income": map[string]any{"reference": "INK-" + jti, "payer": "Betaler " + iss, "kind": "benefit",
			"net_cents": net, "period": "month"},
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (o testOrg) sign(t testing.TB, payload map[string]any) string {
	t.Helper()
	s, err := trust.Sign(o.Key, trust.StatementType, mustJSON(t, payload))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawJWS builds a compact JWS with any header at all, signed with an Ed25519
// key, to play a hostile or careless organisation.
func rawJWS(t testing.TB, header map[string]any, payload []byte, key ed25519.PrivateKey) string {
	t.Helper()
	h := base64.RawURLEncoding.EncodeToString(mustJSON(t, header))
	p := base64.RawURLEncoding.EncodeToString(payload)
	sig := ed25519.Sign(key, []byte(h+"."+p))
	return fmt.Sprintf("%s.%s.%s", h, p, base64.RawURLEncoding.EncodeToString(sig))
}
