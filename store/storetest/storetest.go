// Package storetest is the conformance suite every store.DB backend must
// pass: bbolt's semantics, written down as tests, so that the vault and
// the host index behave the same on an embedded bbolt file and on a shared
// PostgreSQL database. Run it from a backend's own tests:
//
//	func TestConformance(t *testing.T) { storetest.Run(t, openMyBackend) }
//
// It is test support only; no production package imports it.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"regie/store"
)

// Opener makes a fresh, empty DB for one test. It should close the DB in
// t.Cleanup; the suite may close it earlier, so a second Close must be
// harmless.
type Opener func(t *testing.T) store.DB

// Run runs every conformance test against DBs made by open, each in its own
// subtest with its own DB.
func Run(t *testing.T, open Opener) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
	t.Run("CopyCarriesEverything", func(t *testing.T) { testCopy(t, open) })
	t.Run("CopyRefusesANonEmptyDestination", func(t *testing.T) { testCopyRefuses(t, open) })
}

var cases = []struct {
	name string
	run  func(t *testing.T, db store.DB)
}{
	{"EmptyStoreHasNoBuckets", testEmpty},
	{"BucketsNestAndListInNameOrder", testBuckets},
	{"PutGetDelete", testPutGetDelete},
	{"EmptyValueIsNotMissing", testEmptyValue},
	{"KeysSortInByteOrder", testByteOrder},
	{"NestedBucketsShowAsNilValues", testNestedAsNil},
	{"KeysThatLookLikeBucketPaths", testPathLikeKeys},
	{"CursorFirstSeekNext", testCursor},
	{"CursorPagesThroughManyKeys", testCursorMany},
	{"WritesAreVisibleInTheirOwnTransaction", testOwnWrites},
	{"DeleteBucketRemovesEverythingBelow", testDeleteBucket},
	{"DeleteMissingBucket", testDeleteMissingBucket},
	{"IncompatibleValue", testIncompatible},
	{"KeyRequired", testKeyRequired},
	{"ViewIsReadOnly", testViewReadOnly},
	{"ErrorRollsBackEverything", testRollback},
	{"OnCommitRunsOnlyAfterCommit", testOnCommit},
	{"NextSequence", testNextSequence},
	{"LargeValue", testLargeValue},
	{"ForEachStopsAtAnError", testForEachError},
	{"ConcurrentWritersAreSerialised", testConcurrentWriters},
	{"BatchWritersAllLand", testBatch},
	{"SnapshotDoesNotSeeLaterCommit", testSnapshot},
	{"CanceledContextRunsNothing", testCanceled},
	{"ClosedStoreRefuses", testClosed},
}

var ctx = context.Background()

// errStop is what a test's fn returns to roll back or stop an iteration.
var errStop = errors.New("storetest: stop")

func update(t *testing.T, db store.DB, fn func(tx store.Tx) error) {
	t.Helper()
	if err := db.Update(ctx, fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, db store.DB, fn func(tx store.Tx) error) {
	t.Helper()
	if err := db.View(ctx, fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// bucket creates (or opens) the bucket at path in a writable transaction.
func bucket(tx store.Tx, path ...string) (store.Bucket, error) {
	b, err := tx.CreateBucketIfNotExists([]byte(path[0]))
	for _, name := range path[1:] {
		if err != nil {
			break
		}
		b, err = b.CreateBucketIfNotExists([]byte(name))
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %q: %w", path, err)
	}
	return b, nil
}

// lookup is the bucket at path, or nil.
func lookup(tx store.Tx, path ...string) store.Bucket {
	b := tx.Bucket([]byte(path[0]))
	for _, name := range path[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket([]byte(name))
	}
	return b
}

// kv is one entry as ForEach or a cursor shows it; bucket marks a nil
// value (a nested bucket).
type kv struct {
	k, v   string
	bucket bool
}

// String shows keys and values quoted, so NUL and 0xff bytes are visible.
func (e kv) String() string {
	if e.bucket {
		return fmt.Sprintf("%q: bucket", e.k)
	}
	return fmt.Sprintf("%q: %q", e.k, e.v)
}

func entry(k, v []byte) kv {
	return kv{k: string(k), v: string(v), bucket: v == nil}
}

// entries is what ForEach shows of the bucket at path.
func entries(t *testing.T, tx store.Tx, path ...string) []kv {
	t.Helper()
	b := lookup(tx, path...)
	if b == nil {
		t.Fatalf("bucket %q is missing", path)
	}
	var got []kv
	if err := b.ForEach(func(k, v []byte) error {
		got = append(got, entry(k, v))
		return nil
	}); err != nil {
		t.Fatalf("ForEach %q: %v", path, err)
	}
	return got
}

// walk is what a cursor shows of b from First to the end.
func walk(b store.Bucket) []kv {
	var got []kv
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		got = append(got, entry(k, v))
	}
	return got
}

func put(b store.Bucket, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := b.Put([]byte(pairs[i]), []byte(pairs[i+1])); err != nil {
			return fmt.Errorf("put %q: %w", pairs[i], err)
		}
	}
	return nil
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", what, err, want)
	}
}

func testEmpty(t *testing.T, db store.DB) {
	view(t, db, func(tx store.Tx) error {
		if tx.Writable() {
			t.Error("a View transaction says it is writable")
		}
		if b := tx.Bucket([]byte("x")); b != nil {
			t.Errorf("Bucket(x) on an empty store = %v, want nil", b)
		}
		return tx.ForEach(func(name []byte, _ store.Bucket) error {
			t.Errorf("ForEach on an empty store shows %q", name)
			return nil
		})
	})
}

func testBuckets(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		if !tx.Writable() {
			t.Error("an Update transaction says it is not writable")
		}
		for _, name := range []string{"zeta", "alpha", "mid"} {
			b, err := bucket(tx, name)
			if err != nil {
				return err
			}
			if err := put(b, "k", "in "+name); err != nil {
				return err
			}
		}
		if _, err := bucket(tx, "alpha", "inner", "deepest"); err != nil {
			return err
		}
		// Opening an existing bucket keeps what it holds.
		b, err := tx.CreateBucketIfNotExists([]byte("alpha"))
		if err != nil {
			return err
		}
		if got := string(b.Get([]byte("k"))); got != "in alpha" {
			t.Errorf("re-created bucket lost its value: %q", got)
		}
		return nil
	})
	view(t, db, func(tx store.Tx) error {
		var names []string
		err := tx.ForEach(func(name []byte, b store.Bucket) error {
			names = append(names, string(name))
			if got := string(b.Get([]byte("k"))); got != "in "+string(name) {
				t.Errorf("ForEach's bucket %q holds %q", name, got)
			}
			return nil
		})
		if want := []string{"alpha", "mid", "zeta"}; !slices.Equal(names, want) {
			t.Errorf("top-level buckets %q, want %q", names, want)
		}
		if lookup(tx, "alpha", "inner", "deepest") == nil {
			t.Error("nested bucket alpha/inner/deepest is missing after commit")
		}
		if lookup(tx, "mid", "inner") != nil {
			t.Error("mid/inner exists, but only alpha/inner was made")
		}
		return err
	})
}

func testPutGetDelete(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "b")
		if err != nil {
			return err
		}
		if err := put(b, "a", "1", "b", "2", "c", "3", "a", "one"); err != nil {
			return err
		}
		if err := b.Delete([]byte("b")); err != nil {
			return err
		}
		if err := b.Delete([]byte("never there")); err != nil {
			t.Errorf("Delete of a missing key: %v", err)
		}
		if got := b.Get([]byte("b")); got != nil {
			t.Errorf("deleted key reads %q in its transaction", got)
		}
		return nil
	})
	view(t, db, func(tx store.Tx) error {
		b := lookup(tx, "b")
		for k, want := range map[string][]byte{"a": []byte("one"), "b": nil, "c": []byte("3"), "d": nil} {
			if got := b.Get([]byte(k)); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("Get(%q) = %q, want %q", k, got, want)
			}
		}
		return nil
	})
}

func testEmptyValue(t *testing.T, db store.DB) {
	check := func(b store.Bucket) {
		t.Helper()
		if got := b.Get([]byte("empty")); got == nil || len(got) != 0 {
			t.Errorf("Get of an empty value = %#v, want a non-nil empty slice", got)
		}
		if got := b.Get([]byte("missing")); got != nil {
			t.Errorf("Get of a missing key = %#v, want nil", got)
		}
	}
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "b")
		if err != nil {
			return err
		}
		if err := b.Put([]byte("empty"), []byte{}); err != nil {
			return err
		}
		check(b)
		return nil
	})
	view(t, db, func(tx store.Tx) error {
		b := lookup(tx, "b")
		check(b)
		want := []kv{{k: "empty", v: ""}}
		if got := entries(t, tx, "b"); !slices.Equal(got, want) {
			t.Errorf("ForEach shows %v, want %v (an empty value, not a bucket)", got, want)
		}
		if got := walk(b); !slices.Equal(got, want) {
			t.Errorf("cursor shows %v, want %v (an empty value, not a bucket)", got, want)
		}
		return nil
	})
}

// byteKeys are keys whose byte order differs from any text collation: NUL
// bytes, 0xff, prefixes of each other and bytes that are not UTF-8.
var byteKeys = [][]byte{
	{0x00}, {0x00, 0x00}, {0x00, 0x01}, {0x01}, []byte("A"), []byte("B"), []byte("a"),
	[]byte("a\x00"), []byte("a\x00b"), []byte("ab"), {0x7f}, {0x80}, {0xc3, 0x28}, {0xfe, 0xff},
	{0xff}, {0xff, 0x00}, {0xff, 0xff}, {0xff, 0xff, 0xff},
}

func testByteOrder(t *testing.T, db store.DB) {
	value := func(k []byte) []byte { return append([]byte{0x00, 0xff}, append(k, 0x00)...) }
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "\x00\xff")
		if err != nil {
			return err
		}
		// Put in reverse so that insertion order cannot pass for key order.
		for _, k := range slices.Backward(byteKeys) {
			if err := b.Put(k, value(k)); err != nil {
				return err
			}
		}
		return nil
	})
	var want []kv
	for _, k := range byteKeys {
		want = append(want, entry(k, value(k)))
	}
	view(t, db, func(tx store.Tx) error {
		if got := entries(t, tx, "\x00\xff"); !slices.Equal(got, want) {
			t.Errorf("ForEach order:\n got %v\nwant %v", got, want)
		}
		b := lookup(tx, "\x00\xff")
		if got := walk(b); !slices.Equal(got, want) {
			t.Errorf("cursor order:\n got %v\nwant %v", got, want)
		}
		for _, k := range byteKeys {
			if got := b.Get(k); !bytes.Equal(got, value(k)) {
				t.Errorf("Get(%x) = %x, want %x", k, got, value(k))
			}
		}
		return nil
	})
}

func testNestedAsNil(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "top")
		if err != nil {
			return err
		}
		if err := put(b, "a", "1", "c", "3", "e", "5"); err != nil {
			return err
		}
		for _, name := range []string{"b", "d", "f"} {
			sub, err := b.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			if err := put(sub, "inside", name); err != nil {
				return err
			}
		}
		return nil
	})
	want := []kv{{k: "a", v: "1"}, {k: "b", bucket: true}, {k: "c", v: "3"}, {k: "d", bucket: true}, {k: "e", v: "5"}, {k: "f", bucket: true}}
	view(t, db, func(tx store.Tx) error {
		if got := entries(t, tx, "top"); !slices.Equal(got, want) {
			t.Errorf("ForEach shows %v, want %v", got, want)
		}
		b := lookup(tx, "top")
		if got := walk(b); !slices.Equal(got, want) {
			t.Errorf("cursor shows %v, want %v", got, want)
		}
		if got := b.Get([]byte("b")); got != nil {
			t.Errorf("Get of a nested bucket's name = %q, want nil", got)
		}
		if sub := b.Bucket([]byte("a")); sub != nil {
			t.Error("Bucket of a plain value's key is not nil")
		}
		if got := string(b.Bucket([]byte("d")).Get([]byte("inside"))); got != "d" {
			t.Errorf("top/d holds %q", got)
		}
		return nil
	})
}

func testCursor(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "c")
		if err != nil {
			return err
		}
		if _, err := b.CreateBucketIfNotExists([]byte("k3")); err != nil {
			return err
		}
		if _, err := bucket(tx, "empty"); err != nil {
			return err
		}
		return put(b, "k1", "v1", "k2", "v2", "k5", "v5", "k7", "v7")
	})
	view(t, db, func(tx store.Tx) error {
		if k, v := lookup(tx, "empty").Cursor().First(); k != nil || v != nil {
			t.Errorf("First on an empty bucket = %q, %q", k, v)
		}
		if k, v := lookup(tx, "empty").Cursor().Seek([]byte("a")); k != nil || v != nil {
			t.Errorf("Seek on an empty bucket = %q, %q", k, v)
		}
		c := lookup(tx, "c").Cursor()
		for _, step := range []struct {
			op, arg string
			want    kv
			end     bool
		}{
			{op: "first", want: kv{k: "k1", v: "v1"}},
			{op: "next", want: kv{k: "k2", v: "v2"}},
			{op: "next", want: kv{k: "k3", bucket: true}},
			{op: "next", want: kv{k: "k5", v: "v5"}},
			{op: "seek", arg: "k2", want: kv{k: "k2", v: "v2"}},
			{op: "seek", arg: "k4", want: kv{k: "k5", v: "v5"}},
			{op: "next", want: kv{k: "k7", v: "v7"}},
			{op: "next", end: true},
			{op: "seek", arg: "", want: kv{k: "k1", v: "v1"}},
			{op: "seek", arg: "a", want: kv{k: "k1", v: "v1"}},
			{op: "seek", arg: "k3", want: kv{k: "k3", bucket: true}},
			{op: "seek", arg: "k2\x00", want: kv{k: "k3", bucket: true}},
			{op: "seek", arg: "k7", want: kv{k: "k7", v: "v7"}},
			{op: "seek", arg: "k8", end: true},
			{op: "first", want: kv{k: "k1", v: "v1"}},
		} {
			var k, v []byte
			switch step.op {
			case "first":
				k, v = c.First()
			case "next":
				k, v = c.Next()
			case "seek":
				k, v = c.Seek([]byte(step.arg))
			}
			if step.end {
				if k != nil || v != nil {
					t.Errorf("%s(%q) = %q, %q, want the end (nil, nil)", step.op, step.arg, k, v)
				}
				continue
			}
			if got := entry(k, v); got != step.want {
				t.Errorf("%s(%q) = %v, want %v", step.op, step.arg, got, step.want)
			}
		}
		return nil
	})
}

// testCursorMany walks more keys than a backend would fetch in one page.
func testCursorMany(t *testing.T, db store.DB) {
	const n = 2500
	key := func(i int) []byte { return fmt.Appendf(nil, "key%05d", i) }
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "many")
		if err != nil {
			return err
		}
		for i := range n {
			if err := b.Put(key(i), fmt.Appendf(nil, "%d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, db, func(tx store.Tx) error {
		b := lookup(tx, "many")
		i := 0
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !bytes.Equal(k, key(i)) || string(v) != fmt.Sprint(i) {
				t.Fatalf("step %d: %q = %q", i, k, v)
			}
			i++
		}
		if i != n {
			t.Errorf("cursor walked %d keys, want %d", i, n)
		}
		i = 1234
		for k, _ := c.Seek(key(i)); k != nil; k, _ = c.Next() {
			if !bytes.Equal(k, key(i)) {
				t.Fatalf("after Seek, step %d: %q", i, k)
			}
			i++
		}
		if i != n {
			t.Errorf("walk from Seek ended at %d, want %d", i, n)
		}
		i = 0
		err := b.ForEach(func(k, _ []byte) error {
			if !bytes.Equal(k, key(i)) {
				return fmt.Errorf("ForEach step %d: %q", i, k)
			}
			// Reads inside ForEach work (the backend is not busy streaming).
			if b.Get(k) == nil {
				return fmt.Errorf("Get(%q) inside ForEach is nil", k)
			}
			i++
			return nil
		})
		if i != n {
			t.Errorf("ForEach showed %d keys, want %d", i, n)
		}
		return err
	})
}

func testOwnWrites(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "own")
		if err != nil {
			return err
		}
		if err := put(b, "b", "2", "a", "1"); err != nil {
			return err
		}
		if _, err := b.CreateBucketIfNotExists([]byte("c")); err != nil {
			return err
		}
		want := []kv{{k: "a", v: "1"}, {k: "b", v: "2"}, {k: "c", bucket: true}}
		if got := walk(b); !slices.Equal(got, want) {
			t.Errorf("cursor inside the writing transaction shows %v, want %v", got, want)
		}
		if got := entries(t, tx, "own"); !slices.Equal(got, want) {
			t.Errorf("ForEach inside the writing transaction shows %v, want %v", got, want)
		}
		if lookup(tx, "own", "c") == nil {
			t.Error("a bucket made in this transaction is not found in it")
		}
		return nil
	})
}

func testDeleteBucket(t *testing.T, db store.DB) {
	// Names chosen so that a backend keying buckets by path must not
	// confuse a bucket with its neighbours: "b" has siblings "b\x00",
	// "bb" and "b\xff", and a value keyed "b" lives in another bucket.
	update(t, db, func(tx store.Tx) error {
		for _, path := range [][]string{
			{"top", "b", "c", "d"}, {"top", "b", "e"}, {"top", "b\x00"}, {"top", "bb"}, {"top", "b\xff"}, {"top", "a"}, {"other", "b"}, {"b"}, {"b\x00"},
		} {
			bk, err := bucket(tx, path...)
			if err != nil {
				return err
			}
			if err := put(bk, "k", "in "+fmt.Sprint(path)); err != nil {
				return err
			}
		}
		b := lookup(tx, "top", "b")
		if err := put(b, "v", "1"); err != nil {
			return err
		}
		if _, err := b.NextSequence(); err != nil {
			return err
		}
		return nil
	})
	update(t, db, func(tx store.Tx) error {
		if err := lookup(tx, "top").DeleteBucket([]byte("b")); err != nil {
			return err
		}
		if lookup(tx, "top", "b") != nil {
			t.Error("top/b is still there in the deleting transaction")
		}
		return tx.DeleteBucket([]byte("b"))
	})
	view(t, db, func(tx store.Tx) error {
		if lookup(tx, "top", "b") != nil || lookup(tx, "b") != nil {
			t.Error("a deleted bucket is still there after commit")
		}
		for _, path := range [][]string{{"top", "b\x00"}, {"top", "bb"}, {"top", "b\xff"}, {"top", "a"}, {"other", "b"}, {"b\x00"}} {
			if got := string(lookup(tx, path...).Get([]byte("k"))); got != "in "+fmt.Sprint(path) {
				t.Errorf("neighbour %q holds %q after deleting top/b", path, got)
			}
		}
		return nil
	})
	// Made again, the bucket starts empty: nothing below it survived.
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "top", "b")
		if err != nil {
			return err
		}
		if got := entries(t, tx, "top", "b"); len(got) != 0 {
			t.Errorf("re-made bucket holds %v", got)
		}
		if b.Bucket([]byte("c")) != nil {
			t.Error("re-made bucket still has its old nested bucket")
		}
		if n, err := b.NextSequence(); err != nil || n != 1 {
			t.Errorf("re-made bucket's NextSequence = %d, %v, want 1", n, err)
		}
		if c, err := bucket(tx, "top", "b", "c"); err != nil {
			return err
		} else if c.Bucket([]byte("d")) != nil {
			t.Error("a bucket two levels below the deleted one survived")
		}
		bk, err := bucket(tx, "b")
		if err != nil {
			return err
		}
		if got := bk.Get([]byte("k")); got != nil {
			t.Errorf("re-made top-level bucket holds %q", got)
		}
		return nil
	})
}

func testDeleteMissingBucket(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		wantErr(t, "Tx.DeleteBucket of a missing bucket", tx.DeleteBucket([]byte("nope")), store.ErrBucketNotFound)
		b, err := bucket(tx, "b")
		if err != nil {
			return err
		}
		wantErr(t, "Bucket.DeleteBucket of a missing bucket", b.DeleteBucket([]byte("nope")), store.ErrBucketNotFound)
		return put(b, "still", "writes")
	})
	// Refused deletions leave the transaction usable: its writes commit.
	view(t, db, func(tx store.Tx) error {
		if got := string(lookup(tx, "b").Get([]byte("still"))); got != "writes" {
			t.Errorf("write after a refused DeleteBucket was lost: %q", got)
		}
		return nil
	})
}

func testIncompatible(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "b")
		if err != nil {
			return err
		}
		if _, err := b.CreateBucketIfNotExists([]byte("sub")); err != nil {
			return err
		}
		return put(b, "val", "v")
	})
	update(t, db, func(tx store.Tx) error {
		b := lookup(tx, "b")
		wantErr(t, "Put on a nested bucket's name", b.Put([]byte("sub"), []byte("x")), store.ErrIncompatibleValue)
		wantErr(t, "Delete of a nested bucket's name", b.Delete([]byte("sub")), store.ErrIncompatibleValue)
		_, err := b.CreateBucketIfNotExists([]byte("val"))
		wantErr(t, "CreateBucketIfNotExists on a value's key", err, store.ErrIncompatibleValue)
		wantErr(t, "DeleteBucket of a value's key", b.DeleteBucket([]byte("val")), store.ErrIncompatibleValue)
		// The refusals changed nothing and left the transaction usable.
		return put(b, "after", "ok")
	})
	view(t, db, func(tx store.Tx) error {
		want := []kv{{k: "after", v: "ok"}, {k: "sub", bucket: true}, {k: "val", v: "v"}}
		if got := entries(t, tx, "b"); !slices.Equal(got, want) {
			t.Errorf("after refused writes: %v, want %v", got, want)
		}
		return nil
	})
}

func testKeyRequired(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		_, err := tx.CreateBucketIfNotExists(nil)
		wantErr(t, "Tx.CreateBucketIfNotExists(nil)", err, store.ErrKeyRequired)
		b, err := bucket(tx, "b")
		if err != nil {
			return err
		}
		wantErr(t, "Put(nil)", b.Put(nil, []byte("v")), store.ErrKeyRequired)
		wantErr(t, "Put(empty)", b.Put([]byte{}, []byte("v")), store.ErrKeyRequired)
		_, err = b.CreateBucketIfNotExists([]byte{})
		wantErr(t, "Bucket.CreateBucketIfNotExists(empty)", err, store.ErrKeyRequired)
		return nil
	})
	view(t, db, func(tx store.Tx) error {
		if got := entries(t, tx, "b"); len(got) != 0 {
			t.Errorf("refused puts left %v", got)
		}
		return nil
	})
}

func testViewReadOnly(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "b", "sub")
		if err != nil {
			return err
		}
		return put(b, "k", "v")
	})
	view(t, db, func(tx store.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("new"))
		wantErr(t, "Tx.CreateBucketIfNotExists in View", err, store.ErrTxNotWritable)
		wantErr(t, "Tx.DeleteBucket in View", tx.DeleteBucket([]byte("b")), store.ErrTxNotWritable)
		b := lookup(tx, "b")
		wantErr(t, "Put in View", b.Put([]byte("k2"), []byte("v")), store.ErrTxNotWritable)
		wantErr(t, "Delete in View", lookup(tx, "b", "sub").Delete([]byte("k")), store.ErrTxNotWritable)
		_, err = b.CreateBucketIfNotExists([]byte("new"))
		wantErr(t, "Bucket.CreateBucketIfNotExists in View", err, store.ErrTxNotWritable)
		wantErr(t, "Bucket.DeleteBucket in View", b.DeleteBucket([]byte("sub")), store.ErrTxNotWritable)
		_, err = b.NextSequence()
		wantErr(t, "NextSequence in View", err, store.ErrTxNotWritable)
		return nil
	})
	view(t, db, func(tx store.Tx) error {
		var names []string
		tx.ForEach(func(name []byte, _ store.Bucket) error { names = append(names, string(name)); return nil })
		if !slices.Equal(names, []string{"b"}) {
			t.Errorf("top-level buckets after refused writes: %q", names)
		}
		want := []kv{{k: "sub", bucket: true}}
		if got := entries(t, tx, "b"); !slices.Equal(got, want) {
			t.Errorf("b after refused writes: %v, want %v", got, want)
		}
		if got := string(lookup(tx, "b", "sub").Get([]byte("k"))); got != "v" {
			t.Errorf("b/sub/k after a refused Delete: %q", got)
		}
		return nil
	})
}

func testRollback(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "keep")
		if err != nil {
			return err
		}
		if _, err := b.NextSequence(); err != nil {
			return err
		}
		if _, err := bucket(tx, "keep", "sub"); err != nil {
			return err
		}
		return put(b, "a", "1", "b", "2")
	})
	ran := false
	err := db.Update(ctx, func(tx store.Tx) error {
		tx.OnCommit(func() { ran = true })
		b := lookup(tx, "keep")
		if err := put(b, "a", "changed", "c", "new"); err != nil {
			return err
		}
		if err := b.Delete([]byte("b")); err != nil {
			return err
		}
		if err := b.DeleteBucket([]byte("sub")); err != nil {
			return err
		}
		if _, err := b.NextSequence(); err != nil {
			return err
		}
		if _, err := bucket(tx, "gone", "deep"); err != nil {
			return err
		}
		return fmt.Errorf("fn gave up: %w", errStop)
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if ran {
		t.Error("OnCommit ran for a transaction that rolled back")
	}
	err = db.View(ctx, func(tx store.Tx) error { return errStop })
	if !errors.Is(err, errStop) {
		t.Errorf("View returned %v, want fn's error", err)
	}
	update(t, db, func(tx store.Tx) error {
		if lookup(tx, "gone") != nil {
			t.Error("a bucket made in a rolled-back transaction exists")
		}
		want := []kv{{k: "a", v: "1"}, {k: "b", v: "2"}, {k: "sub", bucket: true}}
		if got := entries(t, tx, "keep"); !slices.Equal(got, want) {
			t.Errorf("after rollback: %v, want %v", got, want)
		}
		if n, err := lookup(tx, "keep").NextSequence(); err != nil || n != 2 {
			t.Errorf("NextSequence after a rolled-back one = %d, %v, want 2", n, err)
		}
		return nil
	})
}

func testOnCommit(t *testing.T, db store.DB) {
	var order []string
	update(t, db, func(tx store.Tx) error {
		tx.OnCommit(func() { order = append(order, "first") })
		tx.OnCommit(func() { order = append(order, "second") })
		if _, err := bucket(tx, "b"); err != nil {
			return err
		}
		if len(order) != 0 {
			t.Errorf("OnCommit ran before the transaction ended: %q", order)
		}
		return nil
	})
	if want := []string{"first", "second"}; !slices.Equal(order, want) {
		t.Errorf("OnCommit ran %q, want %q", order, want)
	}
	order = nil
	update(t, db, func(tx store.Tx) error {
		tx.OnCommit(func() { order = append(order, "empty") })
		return nil
	})
	if want := []string{"empty"}; !slices.Equal(order, want) {
		t.Errorf("OnCommit of an Update that wrote nothing ran %q, want %q", order, want)
	}
	order = nil
	view(t, db, func(tx store.Tx) error {
		tx.OnCommit(func() { order = append(order, "view") })
		return nil
	})
	if len(order) != 0 {
		t.Errorf("OnCommit ran for a View: %q", order)
	}
}

func testNextSequence(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		a, err := bucket(tx, "a")
		if err != nil {
			return err
		}
		b, err := bucket(tx, "a", "b")
		if err != nil {
			return err
		}
		for want := uint64(1); want <= 3; want++ {
			if n, err := a.NextSequence(); err != nil || n != want {
				t.Errorf("a.NextSequence = %d, %v, want %d", n, err, want)
			}
		}
		if n := b.Sequence(); n != 0 {
			t.Errorf("a new bucket's Sequence = %d, want 0", n)
		}
		if n, err := b.NextSequence(); err != nil || n != 1 {
			t.Errorf("nested bucket's first NextSequence = %d, %v, want 1", n, err)
		}
		if n := a.Sequence(); n != 3 {
			t.Errorf("Sequence after three NextSequence = %d, want 3", n)
		}
		return nil
	})
	update(t, db, func(tx store.Tx) error {
		if n, err := lookup(tx, "a").NextSequence(); err != nil || n != 4 {
			t.Errorf("a.NextSequence in the next transaction = %d, %v, want 4", n, err)
		}
		b := lookup(tx, "a", "b")
		if n, err := b.NextSequence(); err != nil || n != 2 {
			t.Errorf("a/b.NextSequence in the next transaction = %d, %v, want 2", n, err)
		}
		// A copy sets counters exactly, beyond 32 bits too.
		if err := b.SetSequence(1<<40 + 41); err != nil {
			return err
		}
		if n := b.Sequence(); n != 1<<40+41 {
			t.Errorf("Sequence after SetSequence = %d", n)
		}
		return nil
	})
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := lookup(tx, "a").SetSequence(1000); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	update(t, db, func(tx store.Tx) error {
		if n, err := lookup(tx, "a", "b").NextSequence(); err != nil || n != 1<<40+42 {
			t.Errorf("NextSequence after SetSequence(2^40+41) = %d, %v", n, err)
		}
		if n := lookup(tx, "a").Sequence(); n != 4 {
			t.Errorf("a rolled-back SetSequence left Sequence = %d, want 4", n)
		}
		return nil
	})
	view(t, db, func(tx store.Tx) error {
		a := lookup(tx, "a")
		wantErr(t, "SetSequence in View", a.SetSequence(9), store.ErrTxNotWritable)
		if n := a.Sequence(); n != 4 {
			t.Errorf("Sequence in View = %d, want 4", n)
		}
		if got := entries(t, tx, "a"); !slices.Equal(got, []kv{{k: "b", bucket: true}}) {
			t.Errorf("the sequence shows up as an entry: %v", got)
		}
		return nil
	})
}

func testLargeValue(t *testing.T, db store.DB) {
	big := make([]byte, 1<<20)
	rand.Read(big)
	big[0], big[len(big)-1] = 0x00, 0xff
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "big")
		if err != nil {
			return err
		}
		return b.Put([]byte("blob"), big)
	})
	view(t, db, func(tx store.Tx) error {
		b := lookup(tx, "big")
		if got := b.Get([]byte("blob")); !bytes.Equal(got, big) {
			t.Errorf("1 MiB value came back as %d bytes, not equal", len(got))
		}
		if k, v := b.Cursor().First(); string(k) != "blob" || !bytes.Equal(v, big) {
			t.Errorf("cursor's 1 MiB value came back as %d bytes, not equal", len(v))
		}
		return nil
	})
}

func testForEachError(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		for _, name := range []string{"a", "b", "c"} {
			b, err := bucket(tx, name)
			if err != nil {
				return err
			}
			if err := put(b, "1", "x", "2", "y", "3", "z"); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, db, func(tx store.Tx) error {
		n := 0
		err := lookup(tx, "a").ForEach(func(k, v []byte) error {
			n++
			if string(k) == "2" {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) || n != 2 {
			t.Errorf("Bucket.ForEach after fn's error: %v after %d keys, want errStop after 2", err, n)
		}
		n = 0
		err = tx.ForEach(func(name []byte, _ store.Bucket) error {
			n++
			return errStop
		})
		if !errors.Is(err, errStop) || n != 1 {
			t.Errorf("Tx.ForEach after fn's error: %v after %d buckets, want errStop after 1", err, n)
		}
		return nil
	})
}

// testConcurrentWriters has writers read a counter and write it back one
// higher: a lost update shows as a short count.
func testConcurrentWriters(t *testing.T, db store.DB) {
	const writers, each = 6, 5
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "c")
		if err != nil {
			return err
		}
		return b.Put([]byte("n"), []byte("0"))
	})
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		wg.Go(func() {
			for range each {
				errs <- db.Update(ctx, func(tx store.Tx) error {
					b := lookup(tx, "c")
					var n int
					fmt.Sscan(string(b.Get([]byte("n"))), &n)
					// Make room for another writer to slip in, were it let.
					for range 3 {
						b.Get([]byte("n"))
					}
					return b.Put([]byte("n"), fmt.Append(nil, n+1))
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Update: %v", err)
		}
	}
	view(t, db, func(tx store.Tx) error {
		if got, want := string(lookup(tx, "c").Get([]byte("n"))), fmt.Sprint(writers*each); got != want {
			t.Errorf("counter after %d serialised increments = %s", writers*each, got)
		}
		return nil
	})
}

func testBatch(t *testing.T, db store.DB) {
	const writers = 10
	update(t, db, func(tx store.Tx) error { _, err := bucket(tx, "b"); return err })
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for i := range writers {
		wg.Go(func() {
			errs <- db.Batch(ctx, func(tx store.Tx) error {
				if !tx.Writable() {
					return errors.New("Batch transaction is not writable")
				}
				return put(lookup(tx, "b"), fmt.Sprintf("k%02d", i), "v")
			})
		})
	}
	wg.Go(func() {
		err := db.Batch(ctx, func(tx store.Tx) error {
			if err := put(lookup(tx, "b"), "failed", "v"); err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(err, errStop) {
			errs <- fmt.Errorf("failing Batch returned %v, want its error", err)
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	view(t, db, func(tx store.Tx) error {
		got := entries(t, tx, "b")
		if len(got) != writers {
			t.Errorf("after %d Batch writers (and one failing) the bucket holds %v", writers, got)
		}
		return nil
	})
}

// testSnapshot commits a write while a View is open: the View keeps
// seeing the state it started with.
func testSnapshot(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error {
		b, err := bucket(tx, "s")
		if err != nil {
			return err
		}
		return put(b, "k", "before", "gone", "still here")
	})
	view(t, db, func(tx store.Tx) error {
		b := lookup(tx, "s")
		if got := string(b.Get([]byte("k"))); got != "before" {
			t.Fatalf("k = %q before the write", got)
		}
		done := make(chan error)
		go func() {
			done <- db.Update(ctx, func(tx store.Tx) error {
				s := lookup(tx, "s")
				if err := put(s, "k", "after", "new", "x"); err != nil {
					return err
				}
				if err := s.Delete([]byte("gone")); err != nil {
					return err
				}
				_, err := bucket(tx, "later")
				return err
			})
		}()
		if err := <-done; err != nil {
			t.Fatalf("concurrent Update: %v", err)
		}
		if got := string(b.Get([]byte("k"))); got != "before" {
			t.Errorf("the open View sees a later commit: k = %q", got)
		}
		want := []kv{{k: "gone", v: "still here"}, {k: "k", v: "before"}}
		if got := walk(b); !slices.Equal(got, want) {
			t.Errorf("the open View's cursor shows %v, want %v", got, want)
		}
		if tx.Bucket([]byte("later")) != nil {
			t.Error("the open View sees a bucket made after it began")
		}
		return nil
	})
	view(t, db, func(tx store.Tx) error {
		if got := string(lookup(tx, "s").Get([]byte("k"))); got != "after" {
			t.Errorf("a new View does not see the commit: k = %q", got)
		}
		return nil
	})
}

func testCanceled(t *testing.T, db store.DB) {
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	fn := func(tx store.Tx) error {
		ran = true
		_, err := bucket(tx, "b")
		return err
	}
	for name, call := range map[string]func(context.Context, func(store.Tx) error) error{"View": db.View, "Update": db.Update, "Batch": db.Batch} {
		if err := call(canceled, fn); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context = %v, want context.Canceled", name, err)
		}
	}
	if ran {
		t.Error("fn ran under a canceled context")
	}
	view(t, db, func(tx store.Tx) error {
		if tx.Bucket([]byte("b")) != nil {
			t.Error("a canceled Update wrote")
		}
		return nil
	})
}

func testClosed(t *testing.T, db store.DB) {
	update(t, db, func(tx store.Tx) error { _, err := bucket(tx, "b"); return err })
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ran := false
	fn := func(store.Tx) error { ran = true; return nil }
	wantErr(t, "View after Close", db.View(ctx, fn), store.ErrClosed)
	wantErr(t, "Update after Close", db.Update(ctx, fn), store.ErrClosed)
	wantErr(t, "Batch after Close", db.Batch(ctx, fn), store.ErrClosed)
	if ran {
		t.Error("fn ran after Close")
	}
}

// Dump is every bucket path, key, value and sequence of db, in order: two
// stores with equal dumps hold the same, byte for byte.
func Dump(t *testing.T, db store.DB) []string {
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
	err := db.View(ctx, func(tx store.Tx) error {
		return tx.ForEach(func(name []byte, b store.Bucket) error { return walk(fmt.Sprintf("%x", name), b) })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Fill writes what a copy must carry: buckets nested three deep, binary
// and empty values, keys with NUL and 0xff, values of 1 MiB and counters.
func Fill(t *testing.T, db store.DB) {
	t.Helper()
	big := bytes.Repeat([]byte{0xab, 0x00, 0xff}, 1<<20/3)
	err := db.Update(ctx, func(tx store.Tx) error {
		for i, name := range []string{"meta", "boxes", "\x00bin\xff"} {
			b, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			for j := range 50 {
				if err := b.Put([]byte{byte(j), 0x00, 0xff, byte(i)}, fmt.Appendf(nil, "value %d/%d\x00\xff", i, j)); err != nil {
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

// SameDump fails t unless got and want hold the same entries.
func SameDump(t *testing.T, name string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, want %d", name, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: entry %d is %.80s, want %.80s", name, i, got[i], want[i])
		}
	}
}

// testCopy: a copy holds every bucket, key, value and sequence of the
// source, byte for byte, and a copy of the copy is the same again.
func testCopy(t *testing.T, open Opener) {
	src, dst, back := open(t), open(t), open(t)
	Fill(t, src)
	if err := store.Copy(ctx, dst, src); err != nil {
		t.Fatal(err)
	}
	if err := store.Copy(ctx, back, dst); err != nil {
		t.Fatal(err)
	}
	want := Dump(t, src)
	if len(want) < 150 {
		t.Fatalf("the source holds only %d entries", len(want))
	}
	SameDump(t, "copy", Dump(t, dst), want)
	SameDump(t, "copy of the copy", Dump(t, back), want)
	// The counters go on from where the source's stood.
	update(t, dst, func(tx store.Tx) error {
		n, err := tx.Bucket([]byte("\x00bin\xff")).NextSequence()
		if n != 2008 {
			t.Errorf("NextSequence after the copy = %d, want 2008", n)
		}
		return err
	})
}

// testCopyRefuses: nothing is mixed in or changed.
func testCopyRefuses(t *testing.T, open Opener) {
	src, dst := open(t), open(t)
	Fill(t, src)
	update(t, dst, func(tx store.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("other"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	before := Dump(t, dst)
	if err := store.Copy(ctx, dst, src); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("copy into a store that holds something: %v, want ErrNotEmpty", err)
	}
	SameDump(t, "after a refused copy", Dump(t, dst), before)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	empty := open(t)
	if err := store.Copy(cctx, empty, src); !errors.Is(err, context.Canceled) {
		t.Fatalf("copy with a canceled context: %v", err)
	}
	if n := len(Dump(t, empty)); n != 0 {
		t.Fatalf("a canceled copy wrote %d entries", n)
	}
}

// testPathLikeKeys: a key holding NUL and 0x01 bytes next to a nested
// bucket whose name and key would spell the same bytes end to end; a
// backend that keys entries by joined path and key must keep them apart.
func testPathLikeKeys(t *testing.T, db store.DB) {
	pairs := [][2]string{{"x\x00\x01y", "in a"}, {"x\x00\x01", "also in a"}, {"x\x00", "a third"}}
	check := func(tx store.Tx) {
		t.Helper()
		a := lookup(tx, "a")
		for _, p := range pairs {
			if got := string(a.Get([]byte(p[0]))); got != p[1] {
				t.Errorf("a/%q = %q, want %q", p[0], got, p[1])
			}
		}
		if got := string(lookup(tx, "a", "x").Get([]byte("y"))); got != "in a/x" {
			t.Errorf("a/x/y = %q, want %q", got, "in a/x")
		}
		if got := lookup(tx, "a", "x").Get([]byte("\x00\x01y")); got != nil {
			t.Errorf("a/x/%q = %q, want nil", "\x00\x01y", got)
		}
	}
	update(t, db, func(tx store.Tx) error {
		a, err := bucket(tx, "a")
		if err != nil {
			return err
		}
		x, err := bucket(tx, "a", "x")
		if err != nil {
			return err
		}
		if err := put(x, "y", "in a/x"); err != nil {
			return err
		}
		for _, p := range pairs {
			if err := put(a, p[0], p[1]); err != nil {
				return err
			}
		}
		check(tx)
		return nil
	})
	view(t, db, func(tx store.Tx) error { check(tx); return nil })
}
