// Package store is the transactional storage the vault and the host index
// run on: nested buckets of byte keys in key order, read in consistent
// snapshots and written all or nothing. It is the part of bbolt's model
// that Regie uses, cut out so that PostgreSQL (package store/pgstore) can
// stand behind the same code for hosts beyond one machine. bbolt stays the
// embedded default (Bolt).
//
// The methods mirror bbolt's on purpose: a reader of the vault code who
// knows bbolt knows what each call does. Two differences: View, Update and
// Batch take a context, because a database across a network can hang; and
// a backend whose Get or cursor step can fail remembers the first failure
// in the transaction and returns it from View, Update or Batch in place of
// fn's result, so code written against bbolt's error-less reads stays
// correct: a failed read can never commit.
package store

import (
	"context"
	"errors"
)

// DB is one store: a vault file, the host index, or one space of a shared
// database.
type DB interface {
	// View runs fn in a read-only transaction over a consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction. Writers of one DB are
	// serialised (across processes too, for a shared database); when fn
	// returns nil the writes are durable before Update returns.
	Update(ctx context.Context, fn func(Tx) error) error
	// Batch is Update for many concurrent small writers: the backend may
	// commit several in one durable write, and may run fn more than once,
	// so fn must take its results from what it reads in the transaction.
	Batch(ctx context.Context, fn func(Tx) error) error
	// Close releases the store. Transactions after Close fail.
	Close() error
}

// Tx is one transaction. It is valid only inside the function it was
// passed to.
type Tx interface {
	// Bucket is a top-level bucket, or nil when it does not exist.
	Bucket(name []byte) Bucket
	// CreateBucketIfNotExists makes a top-level bucket; in a read-only
	// transaction it fails with ErrTxNotWritable.
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	// DeleteBucket removes a top-level bucket and all below it; a missing
	// one is ErrBucketNotFound.
	DeleteBucket(name []byte) error
	// ForEach calls fn for every top-level bucket in name order.
	ForEach(fn func(name []byte, b Bucket) error) error
	// Writable reports whether this is an Update or Batch transaction.
	Writable() bool
	// OnCommit runs fn after the transaction committed durably.
	OnCommit(fn func())
}

// Bucket is an ordered map of byte keys to byte values, possibly with
// nested buckets. Byte slices it returns are valid until the transaction
// ends; copy what you keep.
type Bucket interface {
	// Get is the value of key, or nil when absent or when key names a
	// nested bucket.
	Get(key []byte) []byte
	// Put sets a key; the key must not be empty and must not name a
	// nested bucket (ErrIncompatibleValue).
	Put(key, value []byte) error
	// Delete removes a key; a missing key is no error.
	Delete(key []byte) error
	// Bucket is a nested bucket, or nil.
	Bucket(name []byte) Bucket
	// CreateBucketIfNotExists makes a nested bucket.
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	// DeleteBucket removes a nested bucket and all below it; a missing one
	// is ErrBucketNotFound.
	DeleteBucket(name []byte) error
	// ForEach calls fn for every key in order; v is nil for a nested
	// bucket. fn must not change the bucket.
	ForEach(fn func(k, v []byte) error) error
	// Cursor walks the keys in order.
	Cursor() Cursor
	// NextSequence is a counter of the bucket, starting at 1.
	NextSequence() (uint64, error)
	// Sequence is the counter's current value (0 before the first
	// NextSequence), and SetSequence sets it: what Copy needs to carry a
	// bucket to another store exactly, so that numbers handed out before
	// are never handed out again.
	Sequence() uint64
	SetSequence(n uint64) error
}

// Cursor walks a bucket's keys in byte order. At the end, or on a
// failure, it answers nil, nil; v is nil for a nested bucket.
type Cursor interface {
	First() (k, v []byte)
	Seek(seek []byte) (k, v []byte)
	Next() (k, v []byte)
}

// Errors every backend answers with, so that callers can tell them apart
// with errors.Is whatever stands behind the DB.
var (
	ErrBucketNotFound    = errors.New("store: bucket not found")
	ErrTxNotWritable     = errors.New("store: transaction not writable")
	ErrIncompatibleValue = errors.New("store: incompatible value")
	ErrKeyRequired       = errors.New("store: key required")
	ErrClosed            = errors.New("store: closed")
	// ErrUnavailable is a backend that cannot be reached or answered too
	// late; a server answers 503 to it, never hangs.
	ErrUnavailable = errors.New("store: unavailable")
)
