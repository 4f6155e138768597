package wallet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"regie/internal/testkit/fastkdf"
	"regie/store"
)

// testKDF keeps tests fast; the production cost is DefaultKDF.
var testKDF = KDFParams{Time: fastkdf.Time, Memory: fastkdf.Memory, Threads: fastkdf.Threads}

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

const testPass = "correct horse battery"

func newTestVault(t testing.TB) *Vault {
	t.Helper()
	v, err := Open(filepath.Join(t.TempDir(), FileName), &Options{KDF: testKDF, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	if err := v.Create(context.Background(), testPass, Profile{BSN: "123456782", Name: "Fatima de Vries"}); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustClaims(t testing.TB, payload string) Claims {
	t.Helper()
	c, err := ParseClaims([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func put(t testing.TB, v *Vault, c Claims) PutOutcome {
	t.Helper()
	var out PutOutcome
	err := v.Update(context.Background(), func(tx *Tx) error {
		var err error
		out, err = tx.PutStatement(Statement{Claims: c, JWS: "header.payload.sig", ImportedAt: testNow})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fileBytes(t testing.TB, v *Vault) []byte {
	t.Helper()
	b, err := os.ReadFile(v.Path())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCreateUnlockLock(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	if p, err := v.Profile(); err != nil || p.Name != "Fatima de Vries" || p.BSN != "123456782" {
		t.Fatalf("profile = %+v, %v", p, err)
	}
	key1, _ := v.PublicKey()
	v.Lock()
	if _, err := v.Profile(); !errors.Is(err, ErrLocked) {
		t.Fatalf("profile while locked: %v", err)
	}
	if err := v.View(ctx, func(*Tx) error { return nil }); !errors.Is(err, ErrLocked) {
		t.Fatalf("view while locked: %v", err)
	}
	// Locking drops the wallet key: nothing signs and no key is shown.
	if _, err := v.Sign([]byte("x")); !errors.Is(err, ErrLocked) {
		t.Fatalf("sign while locked: %v", err)
	}
	if _, err := v.PublicKey(); !errors.Is(err, ErrLocked) {
		t.Fatalf("public key while locked: %v", err)
	}
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	key2, _ := v.PublicKey()
	if sig, err := v.Sign([]byte("x")); err != nil || !ed25519.Verify(key2, []byte("x"), sig) {
		t.Errorf("signature after unlock: %v", err)
	}
	if !key1.Equal(key2) {
		t.Error("signing key changed across unlock")
	}
	if err := v.Create(ctx, testPass, Profile{BSN: "123456782", Name: "x"}); !errors.Is(err, ErrExists) {
		t.Errorf("second create: %v", err)
	}
}

func TestWrongPassphraseChangesNothing(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	put(t, v, mustClaims(t, goodDebt))
	v.Lock()
	before := fileBytes(t, v)
	err := v.Unlock(ctx, "not the passphrase")
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("err = %v, want ErrWrongPassphrase", err)
	}
	if v.Unlocked() {
		t.Error("vault unlocked with a wrong passphrase")
	}
	if err := v.ChangePassphrase(ctx, "not the passphrase", "another long one"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("change with wrong old passphrase: %v", err)
	}
	if !bytes.Equal(before, fileBytes(t, v)) {
		t.Error("vault file changed after wrong passphrases")
	}
}

func TestChangePassphrase(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	put(t, v, mustClaims(t, goodDebt))
	if err := v.ChangePassphrase(ctx, testPass, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if err := v.Unlock(ctx, testPass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase still works: %v", err)
	}
	if err := v.Unlock(ctx, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	series, err := v.Series(ctx)
	if err != nil || len(series) != 1 {
		t.Fatalf("data not readable after change: %v, %d", err, len(series))
	}
	if err := v.ChangePassphrase(ctx, "a brand new passphrase", "short"); !errors.Is(err, ErrInvalid) {
		t.Errorf("short new passphrase: %v", err)
	}
}

func TestCreateRefusesBadProfile(t *testing.T) {
	v, err := Open(filepath.Join(t.TempDir(), FileName), &Options{KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	for _, tt := range []struct {
		pass string
		p    Profile
	}{
		{testPass, Profile{BSN: "123456789", Name: "A"}},
		{testPass, Profile{BSN: "123456782", Name: ""}},
		{"short", Profile{BSN: "123456782", Name: "A"}},
	} {
		if err := v.Create(ctx, tt.pass, tt.p); !errors.Is(err, ErrInvalid) {
			t.Errorf("Create(%+v) = %v, want ErrInvalid", tt.p, err)
		}
	}
	if exists, _ := v.Exists(); exists {
		t.Error("a refused create left a vault behind")
	}
}

func TestVaultFileHoldsNoPlaintext(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	put(t, v, mustClaims(t, goodDebt))
	put(t, v, mustClaims(t, goodIncome))
	if err := v.Update(ctx, func(tx *Tx) error {
		return tx.AppendEvent(Event{Kind: EventStatementImported, Actor: "cjib", Topics: []Topic{"fine"}})
	}); err != nil {
		t.Fatal(err)
	}
	path := v.Path()
	v.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"123456782", "Fatima", "Vries", "CJIB-8891-2231", "52500", "45000", "145000",
		"Centraal Justitieel", "UWV-WW", "cjib", "uwv", "fine", "collection", "2026-11-20"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("vault file contains %q in plaintext", secret)
		}
	}
}

func TestSealedValueMovedToAnotherKeyIsRefused(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	put(t, v, mustClaims(t, goodDebt))
	put(t, v, mustClaims(t, goodIncome))
	// Copy the first statement's sealed bytes over the second's, behind the vault's back.
	err := store.BoltFile(v.db).Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(BucketStatements))
		var keys, vals [][]byte
		b.ForEach(func(k, val []byte) error {
			keys = append(keys, bytes.Clone(k))
			vals = append(vals, bytes.Clone(val))
			return nil
		})
		return b.Put(keys[1], vals[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Series(ctx); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("moved value: err = %v, want ErrCorrupt", err)
	}
}

func TestSupersedeKeepsHistory(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	c1 := mustClaims(t, goodDebt)
	if got := put(t, v, c1); got != Added {
		t.Fatalf("first put = %v", got)
	}
	c2 := c1
	d2 := *c1.Debt
	c2.Debt, c2.ID, c2.AsOf, c2.IssuedAt = &d2, "cjib-2", "2026-11-24", c1.IssuedAt+100
	d2.OutstandingCents = 50000
	if got := put(t, v, c2); got != Added {
		t.Fatalf("newer put = %v", got)
	}
	c0 := c1
	d0 := *c1.Debt
	c0.Debt, c0.ID, c0.AsOf = &d0, "cjib-0", "2026-10-01"
	d0.OutstandingCents = 40000
	if got := put(t, v, c0); got != AddedAsHistory {
		t.Fatalf("older put = %v", got)
	}
	if got := put(t, v, c1); got != Duplicate {
		t.Fatalf("same jti again = %v", got)
	}
	series, err := v.Series(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 || len(series[0].Versions) != 3 {
		t.Fatalf("series = %d, versions = %d", len(series), len(series[0].Versions))
	}
	var got []string
	for _, s := range series[0].Versions {
		got = append(got, s.ID)
	}
	if want := []string{"cjib-2", "cjib-1", "cjib-0"}; !equalStrings(got, want) {
		t.Errorf("versions = %v, want %v", got, want)
	}
	o, _ := v.Overview(ctx)
	if o.TotalOutstandingCents != 50000 || o.Debts[0].History != 2 {
		t.Errorf("overview uses %d with history %d, want the newest (50000) and 2", o.TotalOutstandingCents, o.Debts[0].History)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSecondOpenFailsFast(t *testing.T) {
	v := newTestVault(t)
	start := time.Now()
	_, err := Open(v.Path(), &Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second open: %v, want ErrInUse", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("second open hung")
	}
}

// TestSupersedeWithoutHead: a vault whose series heads are missing (written
// before heads existed) still places an older statement as history.
func TestSupersedeWithoutHead(t *testing.T) {
	v := newTestVault(t)
	c1 := mustClaims(t, goodDebt)
	put(t, v, c1)
	if err := store.BoltFile(v.db).Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(BucketHeads)) }); err != nil {
		t.Fatal(err)
	}
	c0 := c1
	c0.ID, c0.AsOf = "cjib-0", "2026-10-01"
	if got := put(t, v, c0); got != AddedAsHistory {
		t.Fatalf("older statement without head = %v, want history", got)
	}
	o, _ := v.Overview(context.Background())
	if o.Debts[0].Statement != c1.ID {
		t.Errorf("current = %s", o.Debts[0].Statement)
	}
}
