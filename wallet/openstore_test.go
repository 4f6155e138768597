package wallet

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"regie/store"
)

// otherStore hides that a DB is a bbolt file, as a database backend's DB
// would be: the vault then has no path and no damaged-file guard.
type otherStore struct{ store.DB }

func openOtherStore(t *testing.T) store.DB {
	t.Helper()
	db, err := store.OpenBolt(filepath.Join(t.TempDir(), "shared.db"), store.BoltOptions{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return otherStore{db}
}

// A vault on a store that is not a vault file works as one on a file:
// create, lock, unlock with the passphrase, store and read, keep its log.
func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	db := openOtherStore(t)
	v, err := OpenStore(db, &Options{KDF: testKDF, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	if v.Path() != "" {
		t.Errorf("Path of a vault in a database = %q, want empty", v.Path())
	}
	if err := v.Create(ctx, testPass, Profile{BSN: "123456782", Name: "Fatima de Vries"}); err != nil {
		t.Fatal(err)
	}
	if err := v.Update(ctx, func(tx *Tx) error { return tx.AppendEvent(Event{Kind: EventGrantMade, Grant: "g1"}) }); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if err := v.Unlock(ctx, "wrong passphrase"); err == nil {
		t.Fatal("a wrong passphrase unlocked the vault")
	}
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	if n, err := v.VerifyEvents(ctx); err != nil || n != 1 {
		t.Errorf("VerifyEvents = %d, %v; want 1 entry intact", n, err)
	}
	if _, err := OpenStore(db, &Options{KDF: KDFParams{Time: 0, Memory: 1, Threads: 1}}); err == nil {
		t.Error("OpenStore took KDF parameters that Open refuses")
	}
}

// Two vaults on one store stand for two host processes on one database:
// what one appends to the log, the other sees in its next transaction,
// although it learnt the log before (the revocations it caches are only
// ever extended from inside a transaction).
func TestSharedStoreSeesTheOtherWritersRevocation(t *testing.T) {
	ctx := context.Background()
	db := openOtherStore(t)
	opts := &Options{KDF: testKDF, Now: func() time.Time { return testNow }}
	a, err := OpenStore(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Create(ctx, testPass, Profile{BSN: "123456782", Name: "Fatima de Vries"}); err != nil {
		t.Fatal(err)
	}
	b, err := OpenStore(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	revoked := func() bool {
		t.Helper()
		var r bool
		if err := b.View(ctx, func(tx *Tx) error {
			var err error
			r, err = tx.RevokedInLog("g1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if revoked() {
		t.Fatal("g1 revoked before anyone revoked it")
	}
	if err := a.Update(ctx, func(tx *Tx) error { return tx.AppendEvent(Event{Kind: EventGrantRevoked, Grant: "g1"}) }); err != nil {
		t.Fatal(err)
	}
	if !revoked() {
		t.Error("the second vault does not see the revocation the first wrote")
	}
}
