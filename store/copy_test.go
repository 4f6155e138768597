package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"regie/store"
)

func openBolt(t *testing.T, name string) store.DB {
	t.Helper()
	db, err := store.OpenBolt(filepath.Join(t.TempDir(), name), store.BoltOptions{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dump is every bucket path, key, value and sequence of db, in order.
func dump(t *testing.T, db store.DB) []string {
	t.Helper()
	var out []string
	var walk func(path string, b store.Bucket) error
	walk = func(path string, b store.Bucket) error {
		out = append(out, fmt.Sprintf("%s seq=%d", path, b.Sequence()))
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(fmt.Sprintf("%s/%x", path, k), b.Bucket(k))
			}
			out = append(out, fmt.Sprintf("%s %x=%x", path, k, v))
			return nil
		})
	}
	err := db.View(context.Background(), func(tx store.Tx) error {
		return tx.ForEach(func(name []byte, b store.Bucket) error { return walk(fmt.Sprintf("%x", name), b) })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fill writes buckets nested three deep, binary and empty values, keys
// with NUL and 0xff, a value of 1 MiB and counters.
func fill(t *testing.T, db store.DB) {
	t.Helper()
	big := bytes.Repeat([]byte{0xab, 0x00, 0xff}, 1<<20/3)
	err := db.Update(context.Background(), func(tx store.Tx) error {
		for i, name := range []string{"meta", "boxes", "\x00bin\xff"} {
			b, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			for j := range 50 {
				if err := b.Put([]byte{byte(j), 0x00, 0xff, byte(i)}, []byte(fmt.Sprintf("value %d/%d\x00\xff", i, j))); err != nil {
					return err
				}
			}
			if err := b.Put([]byte("empty"), []byte{}); err != nil {
				return err
			}
			if err := b.SetSequence(uint64(1000*i + 7)); err != nil {
				return err
			}
			nb, err := b.CreateBucketIfNotExists([]byte("vault-1"))
			if err != nil {
				return err
			}
			deep, err := nb.CreateBucketIfNotExists([]byte("pending"))
			if err != nil {
				return err
			}
			for range 3 {
				n, err := deep.NextSequence()
				if err != nil {
					return err
				}
				if err := deep.Put([]byte{byte(n)}, big[:n*1000]); err != nil {
					return err
				}
			}
			if err := nb.Put([]byte("big"), big); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCopy: a copy holds every bucket, key, value and sequence of the
// source, byte for byte, and a copy of the copy is the same again.
func TestCopy(t *testing.T) {
	ctx := context.Background()
	src, dst, back := openBolt(t, "src.db"), openBolt(t, "dst.db"), openBolt(t, "back.db")
	fill(t, src)
	if err := store.Copy(ctx, dst, src); err != nil {
		t.Fatal(err)
	}
	if err := store.Copy(ctx, back, dst); err != nil {
		t.Fatal(err)
	}
	want := dump(t, src)
	if len(want) < 150 {
		t.Fatalf("the source holds only %d entries", len(want))
	}
	for name, db := range map[string]store.DB{"copy": dst, "copy of the copy": back} {
		got := dump(t, db)
		if len(got) != len(want) {
			t.Fatalf("%s: %d entries, want %d", name, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: entry %d is %.80s, want %.80s", name, i, got[i], want[i])
			}
		}
	}
	// The counters go on from where the source's stood.
	err := dst.Update(ctx, func(tx store.Tx) error {
		n, err := tx.Bucket([]byte("\x00bin\xff")).NextSequence()
		if n != 2008 {
			t.Errorf("NextSequence after the copy = %d, want 2008", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCopyRefusesANonEmptyDestination: nothing is mixed in or changed.
func TestCopyRefusesANonEmptyDestination(t *testing.T) {
	ctx := context.Background()
	src, dst := openBolt(t, "src.db"), openBolt(t, "dst.db")
	fill(t, src)
	err := dst.Update(ctx, func(tx store.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("other"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	before := dump(t, dst)
	if err := store.Copy(ctx, dst, src); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("copy into a store that holds something: %v, want ErrNotEmpty", err)
	}
	if after := dump(t, dst); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("a refused copy changed the destination")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	empty := openBolt(t, "empty.db")
	if err := store.Copy(cctx, empty, src); !errors.Is(err, context.Canceled) {
		t.Fatalf("copy with a canceled context: %v", err)
	}
	if n := len(dump(t, empty)); n != 0 {
		t.Fatalf("a canceled copy wrote %d entries", n)
	}
}
