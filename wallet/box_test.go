package wallet

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"regie/store"
)

func boxWithKey(t *testing.T, v *Vault) *Box {
	t.Helper()
	pub, err := v.PublicEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := PublicEncryptionKeyBytes(pub)
	if err != nil {
		t.Fatal(err)
	}
	b := v.Box()
	if err := b.Update(context.Background(), func(tx *BoxTx) error { return tx.SetPublicKey(raw) }); err != nil {
		t.Fatal(err)
	}
	return b
}

func addLockedEvents(t *testing.T, b *Box, n int) {
	t.Helper()
	err := b.Update(context.Background(), func(tx *BoxTx) error {
		for i := 0; i < n; i++ {
			if err := tx.AddEvent(Event{Kind: EventPresentationOK, Actor: "helper-x", Grant: "g-1"}, testNow.Add(time.Duration(i)*time.Minute)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEncryptionKeyReadableWhileLocked(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	pub, err := v.PublicEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
	again, err := v.PublicEncryptionKey()
	if err != nil || !again.Equal(pub) {
		t.Fatalf("locked vault: key %v, err %v", again, err)
	}
	jwe, err := EncryptTo(pub, PendingType, []byte("a pushed statement"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Decrypt(ctx, PendingType, jwe); !errors.Is(err, ErrLocked) {
		t.Fatalf("decrypt while locked: %v, want ErrLocked", err)
	}
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	plain, err := v.Decrypt(ctx, PendingType, jwe)
	if err != nil || string(plain) != "a pushed statement" {
		t.Fatalf("decrypt: %q, %v", plain, err)
	}
}

func TestDecryptRefusesForeignJWE(t *testing.T) {
	ctx := context.Background()
	v, other := newTestVault(t), newTestVault(t)
	pub, _ := v.PublicEncryptionKey()
	otherPub, _ := other.PublicEncryptionKey()
	good, _ := EncryptTo(pub, PendingType, []byte("x"))
	toOther, _ := EncryptTo(otherPub, PendingType, []byte("x"))
	for _, tc := range []struct{ name, typ, jwe string }{
		{"encrypted to another vault", PendingType, toOther},
		{"event presented as pending", EventType, good},
		{"not a JWE", PendingType, "a.b.c"},
		{"truncated", PendingType, good[:len(good)-5]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := v.Decrypt(ctx, tc.typ, tc.jwe); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestOldVaultGetsEncryptionKeyAtUnlock(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	// Make it look like a vault from before encryption keys.
	err := v.Update(ctx, func(tx *Tx) error {
		if err := tx.Delete(BucketProfile, profileEncPriv); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Delete(metaEncPublic)
	})
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if _, err := v.PublicEncryptionKey(); !errors.Is(err, ErrNoEncryptionKey) {
		t.Fatalf("before unlock: %v, want ErrNoEncryptionKey", err)
	}
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	pub, err := v.PublicEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	jwe, _ := EncryptTo(pub, EventType, []byte("hello"))
	v.Lock()
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	if plain, err := v.Decrypt(ctx, EventType, jwe); err != nil || string(plain) != "hello" {
		t.Fatalf("key did not survive a second unlock: %q %v", plain, err)
	}
}

func TestLockedEventsJoinTheLog(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	b := boxWithKey(t, v)
	if err := v.Update(ctx, func(tx *Tx) error { return tx.AppendEvent(Event{Kind: EventGrantMade, Actor: "helper-x"}) }); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	addLockedEvents(t, b, 3)
	if _, err := v.JoinEvents(ctx, b); !errors.Is(err, ErrLocked) {
		t.Fatalf("join while locked: %v", err)
	}
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	n, err := v.JoinEvents(ctx, b)
	if err != nil || n != 3 {
		t.Fatalf("joined %d, %v", n, err)
	}
	evs, _ := v.Events(ctx)
	if len(evs) != 4 || evs[1].Kind != EventPresentationOK || !evs[3].Time.Equal(testNow.Add(2*time.Minute)) {
		t.Fatalf("log after join: %+v", evs)
	}
	if n, err := v.VerifyEvents(ctx); err != nil || n != 4 {
		t.Fatalf("verify: %d %v", n, err)
	}
	// The box is empty; a later lock period continues the same chain.
	if n, err := v.JoinEvents(ctx, b); err != nil || n != 0 {
		t.Fatalf("second join: %d %v", n, err)
	}
	addLockedEvents(t, b, 2)
	if n, err := v.JoinEvents(ctx, b); err != nil || n != 2 {
		t.Fatalf("third join: %d %v", n, err)
	}
	if n, err := v.VerifyEvents(ctx); err != nil || n != 6 {
		t.Fatalf("verify: %d %v", n, err)
	}
}

// rawBoxEvents edits the box's event bucket directly, as someone with the
// disk could.
func rawBoxEvents(t *testing.T, v *Vault, fn func(bk *bolt.Bucket, root *bolt.Bucket) error) {
	t.Helper()
	err := store.BoltFile(v.db).Update(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte("box"))
		return fn(root.Bucket(boxEvents), root)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTamperedLockedEventsAreNotJoined(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		edit func(t *testing.T, v *Vault, other *Vault)
	}{
		{"middle event removed", func(t *testing.T, v, _ *Vault) {
			rawBoxEvents(t, v, func(bk, _ *bolt.Bucket) error { return bk.Delete(Seq(2)) })
		}},
		{"two events swapped", func(t *testing.T, v, _ *Vault) {
			rawBoxEvents(t, v, func(bk, _ *bolt.Bucket) error {
				a, b := append([]byte(nil), bk.Get(Seq(1))...), append([]byte(nil), bk.Get(Seq(2))...)
				if err := bk.Put(Seq(1), b); err != nil {
					return err
				}
				return bk.Put(Seq(2), a)
			})
		}},
		{"chain restarted from scratch", func(t *testing.T, v, _ *Vault) {
			// Join once, then wipe the box head and write a fresh chain.
			if _, err := v.JoinEvents(ctx, v.Box()); err != nil {
				t.Fatal(err)
			}
			rawBoxEvents(t, v, func(_, root *bolt.Bucket) error { return root.Delete(boxHead) })
			addLockedEvents(t, v.Box(), 1)
		}},
		{"event encrypted to another vault", func(t *testing.T, v, other *Vault) {
			ob := boxWithKey(t, other)
			addLockedEvents(t, ob, 3)
			var foreign []byte
			_ = store.BoltFile(other.db).View(func(tx *bolt.Tx) error {
				foreign = append([]byte(nil), tx.Bucket([]byte("box")).Bucket(boxEvents).Get(Seq(1))...)
				return nil
			})
			rawBoxEvents(t, v, func(bk, _ *bolt.Bucket) error { return bk.Put(Seq(1), foreign) })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, other := newTestVault(t), newTestVault(t)
			b := boxWithKey(t, v)
			addLockedEvents(t, b, 3)
			tc.edit(t, v, other)
			before, _ := v.Events(ctx)
			if _, err := v.JoinEvents(ctx, b); !errors.Is(err, ErrAuditBroken) {
				t.Fatalf("join: %v, want ErrAuditBroken", err)
			}
			after, _ := v.Events(ctx)
			if len(after) != len(before) {
				t.Fatalf("a refused join changed the log: %d -> %d entries", len(before), len(after))
			}
		})
	}
}

func TestJoinAfterCrashDoesNotDoubleEvents(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	b := boxWithKey(t, v)
	addLockedEvents(t, b, 2)
	var saved [][]byte
	rawBoxEvents(t, v, func(bk, _ *bolt.Bucket) error {
		return bk.ForEach(func(_, val []byte) error { saved = append(saved, append([]byte(nil), val...)); return nil })
	})
	if n, err := v.JoinEvents(ctx, b); err != nil || n != 2 {
		t.Fatalf("join: %d %v", n, err)
	}
	// As if the process died after joining but before emptying the box.
	rawBoxEvents(t, v, func(bk, _ *bolt.Bucket) error {
		for i, val := range saved {
			if err := bk.Put(Seq(uint64(i+1)), val); err != nil {
				return err
			}
		}
		return nil
	})
	addLockedEvents(t, b, 1)
	if n, err := v.JoinEvents(ctx, b); err != nil || n != 1 {
		t.Fatalf("join after crash: %d %v", n, err)
	}
	if n, err := v.VerifyEvents(ctx); err != nil || n != 3 {
		t.Fatalf("verify: %d %v", n, err)
	}
}

func TestBoxPendingAndRecords(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	b := boxWithKey(t, v)
	v.Lock()
	err := b.Update(ctx, func(tx *BoxTx) error {
		for _, plain := range []string{"one", "two", "one"} {
			if _, err := tx.AddPending([]byte(plain), "cjib", DefaultPendingQuota); err != nil {
				return err
			}
		}
		if err := tx.PutRecord([]byte("id"), []byte("sealed")); err != nil {
			return err
		}
		return tx.MarkProof([]byte("proof"), testNow)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	var got []string
	err = b.View(ctx, func(tx *BoxTx) error {
		list, err := tx.Pending()
		for _, p := range list {
			plain, err := v.Decrypt(ctx, PendingType, p.JWE)
			if err != nil {
				return err
			}
			got = append(got, string(plain))
		}
		return err
	})
	if err != nil || len(got) != 2 || got[0] != "one" || got[1] != "two" {
		t.Fatalf("pending: %q %v", got, err)
	}
	err = b.Update(ctx, func(tx *BoxTx) error {
		if seen, _ := tx.ProofSeen([]byte("proof")); !seen {
			t.Error("proof not remembered")
		}
		if err := tx.PruneProofs(testNow.Add(time.Second)); err != nil {
			return err
		}
		if seen, _ := tx.ProofSeen([]byte("proof")); seen {
			t.Error("old proof not pruned")
		}
		if err := tx.DeletePending(1); err != nil {
			return err
		}
		// Once imported, the same statement may be queued again.
		if added, err := tx.AddPending([]byte("one"), "cjib", DefaultPendingQuota); !added || err != nil {
			t.Errorf("re-queue after delete: %v %v", added, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	err = b.View(ctx, func(tx *BoxTx) error {
		list, _ := tx.Pending()
		rec, _ := tx.Record([]byte("id"))
		if len(list) != 0 || rec != nil {
			t.Errorf("dropped box still holds %d pending, record %q", len(list), rec)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBoxRefusesWritesWithoutKey(t *testing.T) {
	ctx := context.Background()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "host.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := NewBox(store.Bolt(db), "vaults", "v1")
	for _, tc := range []struct {
		name string
		fn   func(tx *BoxTx) error
	}{
		{"pending without key", func(tx *BoxTx) error { _, err := tx.AddPending([]byte("x"), "cjib", DefaultPendingQuota); return err }},
		{"event without key", func(tx *BoxTx) error { return tx.AddEvent(Event{Kind: EventPresentationOK}, testNow) }},
		{"garbage key", func(tx *BoxTx) error { return tx.SetPublicKey([]byte("not a point")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := b.Update(ctx, tc.fn); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestSealWithSecret(t *testing.T) {
	key := make([]byte, 32)
	key[0] = 1
	sealed, err := SealWithSecret(key, []byte("where"), []byte("dossier"))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := OpenWithSecret(key, []byte("where"), sealed); err != nil || string(plain) != "dossier" {
		t.Fatalf("open: %q %v", plain, err)
	}
	other := make([]byte, 32)
	edited := append([]byte(nil), sealed...)
	edited[len(edited)-1] ^= 1
	for _, tc := range []struct {
		name        string
		key, ad, in []byte
	}{
		{"wrong key", other, []byte("where"), sealed},
		{"moved elsewhere", key, []byte("elsewhere"), sealed},
		{"edited", key, []byte("where"), edited},
		{"too short", key, []byte("where"), sealed[:10]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := OpenWithSecret(tc.key, tc.ad, tc.in); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestUnlockWithDataKey(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	dk, err := v.DataKey()
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if _, err := v.DataKey(); !errors.Is(err, ErrLocked) {
		t.Fatalf("data key while locked: %v", err)
	}
	wrong := append([]byte(nil), dk...)
	wrong[0] ^= 1
	for _, tc := range []struct {
		name string
		key  []byte
	}{{"wrong key", wrong}, {"short key", dk[:10]}, {"no key", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			if err := v.UnlockWithDataKey(ctx, tc.key); !errors.Is(err, ErrWrongPassphrase) || v.Unlocked() {
				t.Fatalf("got %v, unlocked %v", err, v.Unlocked())
			}
		})
	}
	if err := v.UnlockWithDataKey(ctx, dk); err != nil {
		t.Fatal(err)
	}
	if p, err := v.Profile(); err != nil || p.Name != "Fatima de Vries" {
		t.Fatalf("profile: %+v %v", p, err)
	}
}

// TestIssuerShareOfThePendingQueue: each issuer may fill only its share of
// a box's pending queue (in statements and in bytes), counted in the
// transaction that queues; beyond it ErrIssuerFull (which is also
// ErrQueueFull) while other issuers still have room, up to the whole.
// Once the resident's login takes an issuer's statements out, it has room
// again.
func TestIssuerShareOfThePendingQueue(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t)
	b := boxWithKey(t, v)
	v.Lock()
	quota := PendingQuota{Items: 5, Bytes: 1 << 20, IssuerItems: 2, IssuerBytes: 1 << 20}
	add := func(plain, issuer string, q PendingQuota) error {
		return b.Update(ctx, func(tx *BoxTx) error {
			_, err := tx.AddPending([]byte(plain), issuer, q)
			return err
		})
	}
	for _, p := range []string{"a1", "a2"} {
		if err := add(p, "flooder", quota); err != nil {
			t.Fatalf("%s within the share: %v", p, err)
		}
	}
	err := add("a3", "flooder", quota)
	if !errors.Is(err, ErrIssuerFull) || !errors.Is(err, ErrQueueFull) {
		t.Fatalf("beyond the issuer's share: %v, want ErrIssuerFull", err)
	}
	for _, p := range []string{"b1", "b2", "c1"} {
		if err := add(p, p[:1], quota); err != nil {
			t.Fatalf("%s of another issuer while the flooder is full: %v", p, err)
		}
	}
	if err := add("c2", "c", quota); !errors.Is(err, ErrQueueFull) || errors.Is(err, ErrIssuerFull) {
		t.Fatalf("beyond the whole: %v, want ErrQueueFull only", err)
	}
	// A share in bytes: the one JWE of issuer d takes more than 100 bytes.
	if err := add("d1", "d", PendingQuota{Items: 10, Bytes: 1 << 20, IssuerItems: 10, IssuerBytes: 100}); !errors.Is(err, ErrIssuerFull) {
		t.Fatalf("beyond the issuer's bytes: %v, want ErrIssuerFull", err)
	}
	// The login takes the flooder's first statement out: room for one more.
	err = b.Update(ctx, func(tx *BoxTx) error {
		list, err := tx.Pending()
		if err != nil {
			return err
		}
		return tx.DeletePending(list[0].Seq)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := add("a3", "flooder", quota); err != nil {
		t.Fatalf("after one of the flooder's left the queue: %v", err)
	}
	if err := add("a4", "flooder", quota); !errors.Is(err, ErrIssuerFull) {
		t.Fatalf("the flooder beyond its share again: %v", err)
	}
}
