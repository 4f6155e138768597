package store

import (
	"context"
	"errors"
	"fmt"
)

// ErrNotEmpty is a copy into a store that already holds something: Copy
// never mixes two stores' records.
var ErrNotEmpty = errors.New("store: the destination is not empty")

// Copy writes every bucket, nested bucket, key, value and bucket sequence
// of src into dst, which must be empty, in one transaction of each: dst
// gets all of src or, on any failure, nothing. It copies bytes and opens
// nothing, so sealed records stay sealed: a host moves from bbolt files to
// a database (and back) without any resident's passphrase.
func Copy(ctx context.Context, dst, src DB) error {
	return src.View(ctx, func(stx Tx) error {
		return dst.Update(ctx, func(dtx Tx) error {
			err := dtx.ForEach(func([]byte, Bucket) error { return ErrNotEmpty })
			if err != nil {
				return err
			}
			return stx.ForEach(func(name []byte, sb Bucket) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				db, err := dtx.CreateBucketIfNotExists(name)
				if err != nil {
					return fmt.Errorf("bucket %q: %w", name, err)
				}
				return copyBucket(db, sb)
			})
		})
	})
}

// copyBucket copies one bucket's keys, nested buckets and sequence.
func copyBucket(dst, src Bucket) error {
	err := src.ForEach(func(k, v []byte) error {
		if v != nil {
			return dst.Put(k, v)
		}
		sub := src.Bucket(k)
		if sub == nil {
			return fmt.Errorf("nested bucket %q vanished", k)
		}
		nb, err := dst.CreateBucketIfNotExists(k)
		if err != nil {
			return err
		}
		return copyBucket(nb, sub)
	})
	if err != nil {
		return err
	}
	return dst.SetSequence(src.Sequence())
}
