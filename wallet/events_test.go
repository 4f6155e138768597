package wallet

import (
	"bytes"
	"context"
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"

	"regie/store"
)

func logWithEvents(t *testing.T, n int) *Vault {
	t.Helper()
	v := newTestVault(t)
	for i := 0; i < n; i++ {
		err := v.Update(context.Background(), func(tx *Tx) error {
			return tx.AppendEvent(Event{Kind: EventDossierReleased, Actor: "schuldhulp-rotterdam", Purpose: "debt-help-intake", Scope: []string{"debts"}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return v
}

func TestEventLogVerifies(t *testing.T) {
	v := logWithEvents(t, 5)
	n, err := v.VerifyEvents(context.Background())
	if err != nil || n != 5 {
		t.Fatalf("verify = %d, %v", n, err)
	}
	evs, _ := v.Events(context.Background())
	if len(evs) != 5 || evs[0].Prev != "" || evs[1].Prev == "" || evs[4].Seq != 5 {
		t.Errorf("events = %+v", evs)
	}
}

// rawEvents edits the events bucket directly in the bbolt file, as an attacker
// with the file would.
func rawEvents(t *testing.T, v *Vault, fn func(b *bolt.Bucket, keys, vals [][]byte) error) {
	t.Helper()
	err := store.BoltFile(v.db).Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(BucketEvents))
		var keys, vals [][]byte
		b.ForEach(func(k, val []byte) error {
			keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(val))
			return nil
		})
		return fn(b, keys, vals)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEventLogTamperingIsDetected(t *testing.T) {
	tests := map[string]func(b *bolt.Bucket, keys, vals [][]byte) error{
		"edited byte": func(b *bolt.Bucket, keys, vals [][]byte) error {
			vals[2][30] ^= 1
			return b.Put(keys[2], vals[2])
		},
		"deleted middle": func(b *bolt.Bucket, keys, vals [][]byte) error { return b.Delete(keys[2]) },
		"deleted last":   func(b *bolt.Bucket, keys, vals [][]byte) error { return b.Delete(keys[4]) },
		"deleted first":  func(b *bolt.Bucket, keys, vals [][]byte) error { return b.Delete(keys[0]) },
		"reordered": func(b *bolt.Bucket, keys, vals [][]byte) error {
			if err := b.Put(keys[1], vals[3]); err != nil {
				return err
			}
			return b.Put(keys[3], vals[1])
		},
		"appended copy": func(b *bolt.Bucket, keys, vals [][]byte) error { return b.Put(Seq(6), vals[4]) },
	}
	for name, tamper := range tests {
		t.Run(name, func(t *testing.T) {
			v := logWithEvents(t, 5)
			rawEvents(t, v, tamper)
			if _, err := v.VerifyEvents(context.Background()); !errors.Is(err, ErrAuditBroken) {
				t.Fatalf("verify after %s: %v, want ErrAuditBroken", name, err)
			}
		})
	}
}
