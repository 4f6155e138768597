package wallet

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"

	"regie/store"
)

// indexKey is the header record that holds the index key once the data key
// has been rotated: record keys are keyed hashes that cannot be computed
// again without the names they hide, so the index key outlives a rotation,
// sealed under the current data key.
var indexKey = []byte("ix")

// boxBucket is where Vault.Box keeps the vault's box.
var boxBucket = []byte("box")

// keysFor derives the keys of data key dk, with the index key a rotation
// kept.
func keysFor(tx store.Tx, dk []byte) (*keys, error) {
	k, err := newKeys(dk)
	if err != nil {
		return nil, err
	}
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return k, nil
	}
	if sealed := meta.Get(indexKey); sealed != nil {
		ix, err := k.aead.open(sealed, bucketLogHead, indexKey)
		if err != nil || len(ix) != 32 {
			return nil, fmt.Errorf("header index key: %w", ErrCorrupt)
		}
		k.index = ix
		k.generation = bytes.Clone(sealed)
	}
	return k, nil
}

// RotateKey re-encrypts every record under a fresh data key, wrapped under
// newPass, so that an old copy of the header with an old passphrase no
// longer opens the vault (ChangePassphrase only wraps the same data key
// again). It is one transaction: if anything fails, or the process dies
// half-way, the vault is as it was, under the old passphrase. Nothing else
// should be using the vault meanwhile.
func (v *Vault) RotateKey(ctx context.Context, oldPass, newPass string) (err error) {
	defer guard(v.db, &err)
	dk, legacy, err := v.openForChange(ctx, oldPass, newPass)
	if err != nil {
		return fmt.Errorf("rotate key: %w", err)
	}
	newDK := make([]byte, chacha20poly1305.KeySize)
	if _, err := rand.Read(newDK); err != nil {
		return err
	}
	kdf, wrapped, err := wrapKey(newPass, v.opts.KDF, newDK)
	if err != nil {
		return err
	}
	var next *keys
	err = v.update(ctx, func(tx store.Tx) error {
		old, err := keysFor(tx, dk)
		if err != nil {
			return err
		}
		if legacy {
			if err := (&Tx{tx: tx, k: old, now: v.opts.Now}).migrateLogHead(); err != nil {
				return err
			}
		}
		if next, err = newKeys(newDK); err != nil {
			return err
		}
		next.index = old.index
		var names [][]byte
		err = tx.ForEach(func(name []byte, _ store.Bucket) error {
			// The box holds JWEs to the vault's encryption key (whose
			// private half is a sealed record re-sealed here) and records
			// under grant handles: nothing in it is under the data key.
			if !bytes.Equal(name, boxBucket) {
				names = append(names, bytes.Clone(name))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := reseal(tx.Bucket(name), Bucket(name), old, next); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		next.generation = next.aead.seal(next.index, bucketLogHead, indexKey)
		if err := meta.Put(indexKey, next.generation); err != nil {
			return err
		}
		return putMeta(meta, kdf, wrapped)
	})
	if err != nil {
		return fmt.Errorf("rotate key: %w", err)
	}
	v.mu.Lock()
	if v.keys != nil {
		// Everything opened at unlock stays open: the signing and decryption
		// keys and the profile do not change with the data key.
		next.signing, next.decrypt, next.profile = v.keys.signing, v.keys.decrypt, v.keys.profile
		v.keys = next
	}
	v.mu.Unlock()
	return nil
}

// reseal opens every sealed value of one bucket with old and seals it with
// next. The header's plain records (key-derivation parameters, wrapped key,
// format) and the index key are left to the caller.
func reseal(b store.Bucket, name Bucket, old, next *keys) error {
	type kv struct{ k, v []byte }
	var all []kv
	err := b.ForEach(func(k, val []byte) error {
		if val == nil {
			return fmt.Errorf("bucket %s holds a nested bucket", name)
		}
		if name == bucketLogHead && !bytes.Equal(k, headKey) {
			return nil
		}
		all = append(all, kv{bytes.Clone(k), bytes.Clone(val)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range all {
		plain, err := old.aead.open(r.v, name, r.k)
		if err != nil {
			return fmt.Errorf("%s record: %w", name, ErrCorrupt)
		}
		if err := b.Put(r.k, next.aead.seal(plain, name, r.k)); err != nil {
			return err
		}
	}
	return nil
}
