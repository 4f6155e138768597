package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"regie/store"
	"regie/store/storetest"
)

// TestBoltConformance runs the conformance suite against bbolt itself:
// bbolt defines the semantics, so a failure here is a wrong test.
func TestBoltConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.DB {
		// A large initial mapping: a writer that had to grow the map would
		// wait for the open View of the snapshot test, and bbolt would
		// deadlock (a known bbolt limit, not a semantic).
		db, err := bolt.Open(filepath.Join(t.TempDir(), "conformance.db"), 0o600, &bolt.Options{InitialMmapSize: 64 << 20})
		if err != nil {
			t.Fatal(err)
		}
		s := store.Bolt(db)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A bucket's counter survives SetSequence and a reopen, and NextSequence
// continues from it: what Copy relies on.
func TestBoltSequence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := store.OpenBolt(path, store.BoltOptions{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = db.Update(ctx, func(tx store.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("b"))
		if err != nil {
			return err
		}
		if b.Sequence() != 0 {
			t.Errorf("a new bucket's sequence is %d", b.Sequence())
		}
		return b.SetSequence(41)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = store.OpenBolt(path, store.BoltOptions{Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(ctx, func(tx store.Tx) error {
		n, err := tx.Bucket([]byte("b")).NextSequence()
		if n != 42 {
			t.Errorf("NextSequence after SetSequence(41) = %d", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error { return tx.Bucket([]byte("b")).SetSequence(7) })
	if !errors.Is(err, store.ErrTxNotWritable) {
		t.Errorf("SetSequence in a read transaction: %v", err)
	}
}

// A file another holder has open answers ErrInUse once the timeout passed.
func TestOpenBoltInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := store.OpenBolt(path, store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := store.OpenBolt(path, store.BoltOptions{Timeout: 50 * time.Millisecond}); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("second open: %v, want ErrInUse", err)
	}
}
