package host

import (
	"context"
	"errors"
	"fmt"

	"regie/store"
)

// Copy copies a host, the index and every vault, from src to dst without
// opening anything: sealed records stay sealed, so a host moves between
// its data folder and a database (and back) without any resident's
// passphrase. dst must hold no host yet (store.ErrNotEmpty). The vaults go
// first and the index last, so that a copy cut short holds no index that
// names a vault it lacks. It returns how many vaults it copied.
func Copy(ctx context.Context, dst, src Backend) (int, error) {
	var ids []string
	err := src.Index().View(ctx, func(tx store.Tx) error {
		b := tx.Bucket(bucketVaults)
		if b == nil {
			return errNoHost
		}
		return b.ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("copy: the source: %w", err)
	}
	err = dst.Index().View(ctx, func(tx store.Tx) error {
		return tx.ForEach(func([]byte, store.Bucket) error { return store.ErrNotEmpty })
	})
	if err != nil {
		return 0, fmt.Errorf("copy: the destination's index: %w", err)
	}
	for n, id := range ids {
		if !validID.MatchString(id) {
			return n, fmt.Errorf("copy: the source's index names a vault %q that is no vault id", id)
		}
		if err := copyVault(ctx, dst, src, id); err != nil {
			return n, fmt.Errorf("copy: vault %s: %w", id, err)
		}
	}
	if err := store.Copy(ctx, dst.Index(), src.Index()); err != nil {
		return len(ids), fmt.Errorf("copy: the index: %w", err)
	}
	return len(ids), nil
}

// errNoHost is a copy from a store that holds no host index.
var errNoHost = errors.New("it holds no host (no vaults in its index)")

func copyVault(ctx context.Context, dst, src Backend, id string) (err error) {
	from, err := src.OpenVault(ctx, id)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, from.Close()) }()
	to, err := dst.CreateVault(ctx, id)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, to.Close()) }()
	return store.Copy(ctx, to, from)
}
