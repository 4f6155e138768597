package wallet

import (
	"context"
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/chacha20poly1305"

	"regie/store"
)

// TestEventLogWipeIsDetected: deleting the events bucket together with the
// log head once made `audit verify` report "intact: 0 entries". The head
// lives in the version-2 header now, so a missing or shorter chain is
// broken.
func TestEventLogWipeIsDetected(t *testing.T) {
	wipe := func(events, head, legacy bool) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			if events {
				if err := tx.DeleteBucket([]byte(BucketEvents)); err != nil {
					return err
				}
			}
			if head {
				if err := tx.Bucket(bucketMeta).Delete(headKey); err != nil {
					return err
				}
			}
			if legacy {
				return tx.Bucket([]byte(BucketProfile)).Delete(legacyHeadKey)
			}
			return nil
		}
	}
	tests := map[string]func(tx *bolt.Tx) error{
		"events and head deleted":   wipe(true, true, true),
		"events deleted, head kept": wipe(true, false, false),
		"head deleted":              wipe(false, true, false),
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			v := logWithEvents(t, 3)
			path := v.Path()
			v.Close()
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(fn); err != nil {
				t.Fatal(err)
			}
			db.Close()
			v, err = Open(path, &Options{KDF: testKDF, Now: func() time.Time { return testNow }})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			if err := v.Unlock(context.Background(), testPass); err != nil {
				t.Fatal(err)
			}
			if n, err := v.VerifyEvents(context.Background()); !errors.Is(err, ErrAuditBroken) {
				t.Fatalf("verify = %d, %v; want ErrAuditBroken", n, err)
			}
		})
	}
	// A new vault with no entries yet is intact.
	if n, err := newTestVault(t).VerifyEvents(context.Background()); err != nil || n != 0 {
		t.Errorf("new vault: %d, %v", n, err)
	}
}

// TestVersion1VaultUpgradesOnUnlock: a vault written before the log head
// moved into the header (data key wrapped as version 1, head in the
// profile bucket) still opens with its passphrase, keeps its log intact,
// and is a version-2 vault afterwards.
func TestVersion1VaultUpgradesOnUnlock(t *testing.T) {
	for _, via := range []string{"unlock", "passwd"} {
		t.Run(via, func(t *testing.T) {
			v := logWithEvents(t, 3)
			path := v.Path()
			ctx := context.Background()
			// Write the version-1 layout, as the previous code did.
			err := v.Update(ctx, func(tx *Tx) error {
				head, err := tx.logHead()
				if err != nil {
					return err
				}
				if err := tx.Put(BucketProfile, legacyHeadKey, head); err != nil {
					return err
				}
				return tx.Delete(bucketLogHead, headKey)
			})
			if err != nil {
				t.Fatal(err)
			}
			kdf := kdfRecord{Params: testKDF, Salt: make([]byte, 16)}
			dk, _, err := v.unwrap(context.Background(), testPass)
			if err != nil {
				t.Fatal(err)
			}
			wrapped := legacyWrap(t, testPass, kdf, dk)
			if err := v.db.Update(context.Background(), func(tx store.Tx) error { return putMeta(tx.Bucket(bucketMeta), kdf, wrapped) }); err != nil {
				t.Fatal(err)
			}
			v.Close()

			v, err = Open(path, &Options{KDF: testKDF, Now: func() time.Time { return testNow }})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			pass := testPass
			if via == "passwd" {
				pass = "a new passphrase here"
				if err := v.ChangePassphrase(ctx, testPass, pass); err != nil {
					t.Fatal(err)
				}
			}
			if err := v.Unlock(ctx, pass); err != nil {
				t.Fatal(err)
			}
			if n, err := v.VerifyEvents(ctx); err != nil || n != 3 {
				t.Fatalf("verify = %d, %v", n, err)
			}
			if _, legacy, err := v.unwrap(context.Background(), pass); err != nil || legacy {
				t.Errorf("after %s: legacy = %v, %v", via, legacy, err)
			}
		})
	}
}

func legacyWrap(t *testing.T, pass string, kdf kdfRecord, dk []byte) []byte {
	t.Helper()
	aead, err := chacha20poly1305.NewX(deriveKEK(pass, kdf))
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	return aead.Seal(nonce, nonce, dk, legacyWrapAD)
}
