// Package testkit holds the fixtures Regie's tests share: fast KDF
// parameters, the test passphrase and BSN, a vault in t.TempDir(), test
// organisations with real keys, signed statements, golden files and
// servers on 127.0.0.1. It exists so that a fixture is declared once, not in
// every package's kit_test.go (bbolt's internal/btesting is the model).
// Only test code imports it; the weak KDF parameters here must never reach
// a production path. wallet and trust cannot import it from their
// in-package tests (testkit imports them); they take the KDF from fastkdf.
package testkit

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/internal/testkit/fastkdf"
	"regie/trust"
	"regie/wallet"
)

// FastKDF makes argon2id cheap so that suites making hundreds of vaults
// stay fast. Never use it outside tests.
var FastKDF = wallet.KDFParams{Time: fastkdf.Time, Memory: fastkdf.Memory, Threads: fastkdf.Threads}

// Test identity: the passphrase and an 11-check-valid BSN of the resident
// every fixture vault belongs to, and her name.
const (
	Passphrase = "correct horse battery"
	BSN        = "123456782"
	Name       = "Fatima de Vries"
)

// Now is the fixed moment fixtures and golden files are made at.
func Now() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

// Org is a test organisation: its trust list entry and its private keys.
type Org struct {
	Entry trust.Organisation
	Keys  jose.JSONWebKeySet
}

// NewOrg makes an organisation with fresh keys, named "Organisatie ID".
func NewOrg(t testing.TB, id string, kind trust.Kind, endpoint string) Org {
	t.Helper()
	set, entry, err := trust.NewOrganisation(id, "Organisatie "+id, kind, endpoint, 2026)
	if err != nil {
		t.Fatal(err)
	}
	return Org{Entry: entry, Keys: set}
}

// Key is the organisation's signing key.
func (o Org) Key() jose.JSONWebKey {
	k, _ := trust.SigningKeyOf(o.Keys)
	return k
}

// Sign signs a statement payload as the organisation.
func (o Org) Sign(t testing.TB, payload map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := trust.SignStatement(o.Key(), raw)
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

// Vault creates an unlocked vault for BSN in t.TempDir() with FastKDF, the
// clock now (nil: time.Now) and orgs in its trust list; it closes when the
// test ends.
func Vault(t testing.TB, now func() time.Time, orgs ...Org) *wallet.Vault {
	t.Helper()
	v, err := wallet.Open(filepath.Join(t.TempDir(), wallet.FileName), &wallet.Options{KDF: FastKDF, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	ctx := context.Background()
	if err := v.Create(ctx, Passphrase, wallet.Profile{BSN: BSN, Name: Name}); err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if err := (trust.Store{Vault: v}).Add(ctx, o.Entry); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

// Debt is a debt statement payload about BSN from issuer, signed at iat.
func Debt(issuer, jti, reference, creditor string, category wallet.Category, outstanding, arrears int64, iat time.Time) map[string]any {
	return map[string]any{"iss": issuer, "sub": BSN, "jti": jti, "iat": iat.Unix(), "type": "debt", "as_of": iat.Format("2006-01-02"),
		"debt": map[string]any{"reference": reference, "creditor": creditor, "category": string(category), "original_cents": outstanding,
			"outstanding_cents": outstanding, "arrears_cents": arrears, "status": "collection"}}
}

// SecondEdition sets debt fields (second-edition or other) on a Debt
// payload and returns it.
func SecondEdition(payload map[string]any, fields map[string]any) map[string]any {
	d := payload["debt"].(map[string]any)
	for k, v := range fields {
		d[k] = v
	}
	return payload
}

// Income is a monthly net income statement payload about BSN from payer.
func Income(issuer, jti, payer string, net int64, iat time.Time) map[string]any {
	return map[string]any{"iss": issuer, "sub": BSN, "jti": jti, "iat": iat.Unix(), "type": "income", "as_of": iat.Format("2006-01-02"),
		"income": map[string]any{"reference": "INK-" + jti, "payer": payer, "kind": "benefit", "net_cents": net, "period": "month"}}
}

// Series is a fixed set of statement histories for golden files: three
// debts (one superseded once) and an income, parsed by the real parser and
// dated around Now. Their JWS fields hold a readable stand-in, not a
// signature, so that the files they end up in do not change with keys.
func Series(t testing.TB) []wallet.Series {
	t.Helper()
	at := Now().Add(-48 * time.Hour)
	payloads := [][]map[string]any{
		{Debt("cjib", "cjib-2", "CJIB-8891-2231", "Centraal Justitieel Incassobureau", wallet.CategoryFine, 52500, 52500, at),
			Debt("cjib", "cjib-1", "CJIB-8891-2231", "Centraal Justitieel Incassobureau", wallet.CategoryFine, 45000, 45000, at.Add(-720*time.Hour))},
		{Debt("woonstad", "ws-1", "HUUR-2026-10", "Woonstad Rotterdam", wallet.CategoryRent, 184550, 184550, at)},
		{Debt("belnet", "bn-1", "BN-0612-7781", "BelNet Mobiel, Zakelijk", wallet.CategoryTelecom, 18500, 0, at)},
		{Income("uwv", "uwv-1", "UWV", 145000, at)},
		// One claim reported twice: by the creditor, and by its bailiff with
		// the second edition's fields; it counts once, at the bailiff's figure.
		{Debt("snel-krediet", "sk-1", "SK-2024-55102", "Snel Krediet BV", wallet.CategoryConsumerCredit, 201500, 201500, at.Add(-240*time.Hour))},
		{SecondEdition(Debt("van-dijk", "vd-1", "VD-2026-4471", "Gerechtsdeurwaarders Van Dijk", wallet.CategoryConsumerCredit, 238000, 238000, at),
			map[string]any{"status": "judgment", "original_creditor": "Snel Krediet BV", "original_reference": "SK-2024-55102",
				"customer_number": "SK-KL-30917", "origin_date": "2025-10-01", "principal_cents": 180000, "interest_cents": 21500,
				"costs_cents": 36500, "days_in_arrears": 190})},
	}
	var out []wallet.Series
	for _, versions := range payloads {
		var s wallet.Series
		for _, p := range versions {
			raw, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			c, err := wallet.ParseClaims(raw)
			if err != nil {
				t.Fatalf("fixture %s: %v", p["jti"], err)
			}
			s.Versions = append(s.Versions, wallet.Statement{Claims: c, JWS: "jws:" + c.Issuer + "/" + c.ID, ImportedAt: Now()})
		}
		out = append(out, s)
	}
	return out
}

// Audit is the resident API's answer to GET /api/v1/audit.
type Audit struct {
	Events []wallet.Event `json:"events"`
	Intact bool           `json:"intact"`
}

// Accesses counts the releases the log records under grant.
func (a Audit) Accesses(grant string) int {
	n := 0
	for _, e := range a.Events {
		if e.Kind == wallet.EventPresentationOK && e.Grant == grant {
			n++
		}
	}
	return n
}
