package store

import (
	"context"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// BoltOptions tune OpenBolt.
type BoltOptions struct {
	// Timeout is how long OpenBolt waits for another process to release
	// the file before it answers ErrInUse; zero waits without end.
	Timeout time.Duration
	// MaxBatchDelay and MaxBatchSize tune Batch; zero keeps bbolt's.
	MaxBatchDelay time.Duration
	MaxBatchSize  int
}

// ErrInUse is a bbolt file that another process holds open.
var ErrInUse = errors.New("store: file in use by another process")

// OpenBolt opens (or creates, mode 0600) a bbolt file as a DB, so that
// code on DB opens its files without naming bbolt.
func OpenBolt(path string, o BoltOptions) (DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.Timeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, errors.Join(ErrInUse, err)
	}
	if err != nil {
		return nil, err
	}
	if o.MaxBatchDelay > 0 {
		db.MaxBatchDelay = o.MaxBatchDelay
	}
	if o.MaxBatchSize > 0 {
		db.MaxBatchSize = o.MaxBatchSize
	}
	return boltDB{db}, nil
}

// Bolt is a bbolt file as a DB: the embedded default, and what `regie
// serve` and a one-machine `regie host` use. Closing it closes the file.
func Bolt(db *bolt.DB) DB { return boltDB{db} }

// BoltFile is the bbolt file behind a DB made by Bolt, or nil for any
// other DB (tests and tools that inspect the file itself).
func BoltFile(db DB) *bolt.DB {
	if b, ok := db.(boltDB); ok {
		return b.db
	}
	return nil
}

type boltDB struct{ db *bolt.DB }

func (b boltDB) View(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return boltErr(b.db.View(func(tx *bolt.Tx) error { return fn(boltTx{tx}) }))
}

func (b boltDB) Update(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return boltErr(b.db.Update(func(tx *bolt.Tx) error { return fn(boltTx{tx}) }))
}

func (b boltDB) Batch(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return boltErr(b.db.Batch(func(tx *bolt.Tx) error { return fn(boltTx{tx}) }))
}

func (b boltDB) Close() error { return b.db.Close() }

// boltErr maps bbolt's errors onto the package's, keeping bbolt's in the
// chain.
func boltErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bolt.ErrBucketNotFound):
		return errors.Join(ErrBucketNotFound, err)
	case errors.Is(err, bolt.ErrTxNotWritable):
		return errors.Join(ErrTxNotWritable, err)
	case errors.Is(err, bolt.ErrIncompatibleValue):
		return errors.Join(ErrIncompatibleValue, err)
	case errors.Is(err, bolt.ErrKeyRequired), errors.Is(err, bolt.ErrBucketNameRequired):
		return errors.Join(ErrKeyRequired, err)
	case errors.Is(err, bolt.ErrDatabaseNotOpen):
		return errors.Join(ErrClosed, err)
	}
	return err
}

type boltTx struct{ tx *bolt.Tx }

func (t boltTx) Bucket(name []byte) Bucket { return wrapBucket(t.tx.Bucket(name)) }

func (t boltTx) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	b, err := t.tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, boltErr(err)
	}
	return boltBucket{b}, nil
}

func (t boltTx) DeleteBucket(name []byte) error { return boltErr(t.tx.DeleteBucket(name)) }

func (t boltTx) ForEach(fn func(name []byte, b Bucket) error) error {
	return t.tx.ForEach(func(name []byte, b *bolt.Bucket) error { return fn(name, boltBucket{b}) })
}

func (t boltTx) Writable() bool     { return t.tx.Writable() }
func (t boltTx) OnCommit(fn func()) { t.tx.OnCommit(fn) }

type boltBucket struct{ b *bolt.Bucket }

// wrapBucket keeps a missing bucket a nil interface, so that callers'
// `if b == nil` checks work as they did on *bolt.Bucket.
func wrapBucket(b *bolt.Bucket) Bucket {
	if b == nil {
		return nil
	}
	return boltBucket{b}
}

func (b boltBucket) Get(key []byte) []byte          { return b.b.Get(key) }
func (b boltBucket) Put(key, value []byte) error    { return boltErr(b.b.Put(key, value)) }
func (b boltBucket) Delete(key []byte) error        { return boltErr(b.b.Delete(key)) }
func (b boltBucket) Bucket(name []byte) Bucket      { return wrapBucket(b.b.Bucket(name)) }
func (b boltBucket) DeleteBucket(name []byte) error { return boltErr(b.b.DeleteBucket(name)) }
func (b boltBucket) ForEach(fn func(k, v []byte) error) error {
	return b.b.ForEach(fn)
}
func (b boltBucket) Cursor() Cursor { return b.b.Cursor() }
func (b boltBucket) NextSequence() (uint64, error) {
	n, err := b.b.NextSequence()
	return n, boltErr(err)
}
func (b boltBucket) Sequence() uint64           { return b.b.Sequence() }
func (b boltBucket) SetSequence(n uint64) error { return boltErr(b.b.SetSequence(n)) }

func (b boltBucket) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	nb, err := b.b.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, boltErr(err)
	}
	return boltBucket{nb}, nil
}
