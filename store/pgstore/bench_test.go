package pgstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"regie/internal/testkit"
	"regie/store"
	"regie/store/pgstore"
)

// The store's hot paths, one transaction per operation, on bbolt and on
// PostgreSQL (Unix socket, fsync on) side by side: a read of one record,
// a write of one record (durable before it returns), and a cursor walk.
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	backends := map[string]func(b *testing.B) store.DB{
		"bolt": func(b *testing.B) store.DB {
			db, err := store.OpenBolt(filepath.Join(b.TempDir(), "bench.db"), store.BoltOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(b *testing.B) store.DB {
			url := testkit.Postgres(b)
			db, err := pgstore.Open(ctx, url, pgstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(db.Close)
			if err := db.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			return db.Space("vault/bench")
		},
	}
	for _, name := range []string{"bolt", "postgres"} {
		db := backends[name](b)
		value := make([]byte, 512)
		err := db.Update(ctx, func(tx store.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("records"))
			if err != nil {
				return err
			}
			for i := range 100 {
				if err := bk.Put(fmt.Appendf(nil, "k%03d", i), value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/view-get", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				err := db.View(ctx, func(tx store.Tx) error {
					if tx.Bucket([]byte("records")).Get(fmt.Appendf(nil, "k%03d", i%100)) == nil {
						return fmt.Errorf("missing")
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/update-put", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				err := db.Update(ctx, func(tx store.Tx) error {
					return tx.Bucket([]byte("records")).Put(fmt.Appendf(nil, "k%03d", i%100), value)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/view-walk-100", func(b *testing.B) {
			for b.Loop() {
				n := 0
				err := db.View(ctx, func(tx store.Tx) error {
					return tx.Bucket([]byte("records")).ForEach(func(k, v []byte) error { n++; return nil })
				})
				if err != nil || n != 100 {
					b.Fatal(n, err)
				}
			}
		})
	}
}
