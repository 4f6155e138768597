package wallet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	bolt "go.etcd.io/bbolt"

	"regie/store"
)

// header returns the plain header records an attacker could keep a copy of.
func header(t *testing.T, v *Vault) (kdf, dk []byte) {
	t.Helper()
	store.BoltFile(v.db).View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		kdf, dk = bytes.Clone(m.Get([]byte("kdf"))), bytes.Clone(m.Get([]byte("dk")))
		return nil
	})
	return kdf, dk
}

func putHeader(t *testing.T, v *Vault, kdf, dk []byte) {
	t.Helper()
	err := store.BoltFile(v.db).Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if err := m.Put([]byte("kdf"), kdf); err != nil {
			return err
		}
		return m.Put([]byte("dk"), dk)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func rotationFixture(t *testing.T) *Vault {
	t.Helper()
	v := logWithEvents(t, 3)
	for i := 0; i < 20; i++ {
		put(t, v, mustClaims(t, fmt.Sprintf(`{"iss":"org","sub":"123456782","jti":"j%d","iat":1767225600,"type":"debt",
			"as_of":"2026-01-01","debt":{"reference":"R%d","creditor":"C","category":"rent","original_cents":1,
			"outstanding_cents":%d,"status":"open"}}`, i, i, 100+i)))
	}
	return v
}

// TestRotateKey: after `passwd --rotate` every record is sealed under a new
// data key, so the old header with the old passphrase no longer opens the
// vault; with the new passphrase everything reads as before, twice over.
func TestRotateKey(t *testing.T) {
	ctx := context.Background()
	v := rotationFixture(t)
	before, _ := v.Overview(ctx)
	oldKDF, oldDK := header(t, v)
	const next, third = "a fresh passphrase", "and a third one here"
	if err := v.RotateKey(ctx, testPass, next); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Overview(ctx); err != nil || got.TotalOutstandingCents != before.TotalOutstandingCents {
		t.Fatalf("while unlocked after rotation: %v %v", got.TotalOutstandingCents, err)
	}
	// The vault stays usable as it was unlocked: it still opens what was
	// encrypted to its own encryption key.
	pub, err := v.PublicEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	jwe, err := EncryptTo(pub, PendingType, []byte("pushed while locked"))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := v.Decrypt(ctx, PendingType, jwe); err != nil || string(plain) != "pushed while locked" {
		t.Fatalf("decrypt after rotation: %q %v", plain, err)
	}
	if err := v.RotateKey(ctx, next, third); err != nil { // a second rotation keeps the index key too
		t.Fatal(err)
	}
	v.Lock()
	if err := v.Unlock(ctx, testPass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase: %v", err)
	}
	if err := v.Unlock(ctx, third); err != nil {
		t.Fatal(err)
	}
	after, err := v.Overview(ctx)
	if err != nil || after.TotalOutstandingCents != before.TotalOutstandingCents || len(after.Debts) != 20 {
		t.Fatalf("overview after rotation: %+v %v", after, err)
	}
	if n, err := v.VerifyEvents(ctx); err != nil || n != 3 {
		t.Fatalf("log after rotation: %d %v", n, err)
	}
	// A new statement of an existing series still finds its series.
	if out := put(t, v, mustClaims(t, `{"iss":"org","sub":"123456782","jti":"j0","iat":1767225600,"type":"debt",
		"as_of":"2026-01-01","debt":{"reference":"R0","creditor":"C","category":"rent","original_cents":1,
		"outstanding_cents":1,"status":"open"}}`)); out != Duplicate {
		t.Errorf("known statement after rotation: %v", out)
	}
	// The attacker's saved header with the old passphrase.
	putHeader(t, v, oldKDF, oldDK)
	v.Lock()
	if err := v.Unlock(ctx, testPass); err == nil {
		t.Fatal("the old header and passphrase still open the rotated vault")
	}
}

// TestRotateKeyFailingHalfWayChangesNothing: a record that does not open
// stops the rotation after others were re-sealed; the transaction is
// dropped and the vault opens with the old passphrase as before.
func TestRotateKeyFailingHalfWayChangesNothing(t *testing.T) {
	ctx := context.Background()
	v := rotationFixture(t)
	err := store.BoltFile(v.db).Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(BucketStatements))
		k, val := b.Cursor().Last()
		val = bytes.Clone(val)
		val[len(val)-1] ^= 1
		return b.Put(bytes.Clone(k), val)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.RotateKey(ctx, testPass, "a fresh passphrase"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("rotate: %v, want ErrCorrupt", err)
	}
	v.Lock()
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatalf("old passphrase after the failed rotation: %v", err)
	}
	if n, err := v.VerifyEvents(ctx); err != nil || n != 3 {
		t.Fatalf("log: %d %v", n, err)
	}
	opened, failed := 0, 0
	err = v.View(ctx, func(tx *Tx) error {
		return tx.ForEach(BucketStatements, func(_ []byte, open func(any) error) error {
			var s Statement
			if open(&s) == nil {
				opened++
			} else {
				failed++
			}
			return nil
		})
	})
	if err != nil || opened != 19 || failed != 1 {
		t.Errorf("after the failed rotation %d records open and %d do not, want 19 and 1 (%v)", opened, failed, err)
	}
}

// TestWriteWithRotatedKeyRefused: a second handle on the same store still
// holds the keys from before a rotation (another host process, or a
// request that took them just before); its write is refused with
// ErrKeyRotated and writes nothing, instead of sealing a record under a
// key nobody holds any more. Unlocked again with the new data key it
// writes, and every record opens.
func TestWriteWithRotatedKeyRefused(t *testing.T) {
	ctx := context.Background()
	v := rotationFixture(t)
	opts := v.opts
	other, err := OpenStore(v.db, &opts)
	if err != nil {
		t.Fatal(err)
	}
	old, err := v.DataKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := other.UnlockWithDataKey(ctx, old); err != nil {
		t.Fatal(err)
	}
	for round, pass := range []string{"a fresh passphrase", "and another one"} {
		before := mustCount(t, v)
		if err := v.RotateKey(ctx, map[int]string{0: testPass, 1: "a fresh passphrase"}[round], pass); err != nil {
			t.Fatal(err)
		}
		err := other.Update(ctx, func(tx *Tx) error { return tx.Put(BucketStatements, []byte("stale"), "x") })
		if !errors.Is(err, ErrKeyRotated) || !errors.Is(err, ErrLocked) {
			t.Fatalf("round %d: write with the old keys: %v, want ErrKeyRotated", round, err)
		}
		if n := mustCount(t, v); n != before {
			t.Fatalf("round %d: %d records after the refused write, want %d", round, n, before)
		}
		if err := other.UnlockWithDataKey(ctx, old); err == nil {
			t.Fatalf("round %d: the old data key unlocks the rotated vault", round)
		}
		nk, _ := v.DataKey()
		if err := other.UnlockWithDataKey(ctx, nk); err != nil {
			t.Fatal(err)
		}
		if err := other.Update(ctx, func(tx *Tx) error { return tx.Put(BucketStatements, []byte(fmt.Sprint("fresh", round)), "x") }); err != nil {
			t.Fatalf("round %d: write with the new keys: %v", round, err)
		}
		old = nk
	}
}

// mustCount counts the statements records of v, each of which must open.
func mustCount(t *testing.T, v *Vault) int {
	t.Helper()
	n := 0
	err := v.View(context.Background(), func(tx *Tx) error {
		return tx.ForEach(BucketStatements, func(k []byte, open func(any) error) error {
			var x any
			n++
			return open(&x)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
