package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"regie/store"
)

// Every entry of every space is one row of regie_kv. A bucket's entries
// share a path: the bucket's name and its parents' names, each encoded so
// that no encoded path is a prefix of another's unless it is an ancestor
// (a 0x00 byte becomes 0x00 0xff, and each name ends in 0x00 0x01). All
// that lies below a bucket is then one range of the primary key. A nested
// bucket is a row whose value is NULL; its seq column is its counter.
const (
	qGet    = `SELECT value, value IS NULL FROM regie_kv WHERE space = $1 AND path = $2 AND key = $3`
	qBucket = `SELECT value IS NULL, seq FROM regie_kv WHERE space = $1 AND path = $2 AND key = $3`
	// A key that names a nested bucket is left alone: no row changes.
	qPut = `INSERT INTO regie_kv (space, path, key, value) VALUES ($1, $2, $3, $4)
		ON CONFLICT (space, path, key) DO UPDATE SET value = excluded.value WHERE regie_kv.value IS NOT NULL`
	// Deletes a plain value; answers whether the key names a bucket.
	qDelete = `WITH d AS (DELETE FROM regie_kv WHERE space = $1 AND path = $2 AND key = $3 AND value IS NOT NULL RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM regie_kv WHERE space = $1 AND path = $2 AND key = $3 AND value IS NULL)`
	// Makes a bucket unless the key exists; answers whether it made one,
	// and what the key held before (all in one round trip; the SELECT
	// sees the table as it was before the INSERT).
	qCreate = `WITH made AS (INSERT INTO regie_kv (space, path, key, value) VALUES ($1, $2, $3, NULL) ON CONFLICT DO NOTHING RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM made), old.key IS NOT NULL AND old.value IS NULL, coalesce(old.seq, 0)
		FROM (SELECT) AS one LEFT JOIN regie_kv old ON old.space = $1 AND old.path = $2 AND old.key = $3`
	// Deletes a bucket's row and every row below it ($4 <= path < $5);
	// answers whether it did, and whether the key exists (as a value).
	qDeleteBucket = `WITH gone AS (DELETE FROM regie_kv WHERE space = $1 AND path = $2 AND key = $3 AND value IS NULL RETURNING 1),
		below AS (DELETE FROM regie_kv WHERE space = $1 AND path >= $4 AND path < $5 AND EXISTS (SELECT 1 FROM gone))
		SELECT EXISTS (SELECT 1 FROM gone), EXISTS (SELECT 1 FROM regie_kv WHERE space = $1 AND path = $2 AND key = $3)`
	qNextSeq     = `UPDATE regie_kv SET seq = seq + 1 WHERE space = $1 AND path = $2 AND key = $3 AND value IS NULL RETURNING seq`
	qSetSeq      = `UPDATE regie_kv SET seq = $4 WHERE space = $1 AND path = $2 AND key = $3 AND value IS NULL`
	qFrom        = `SELECT key, value, value IS NULL, seq FROM regie_kv WHERE space = $1 AND path = $2 AND key >= $3 ORDER BY key LIMIT $4`
	qAfter       = `SELECT key, value, value IS NULL, seq FROM regie_kv WHERE space = $1 AND path = $2 AND key > $3 ORDER BY key LIMIT $4`
	qDeleteSpace = `DELETE FROM regie_kv WHERE space = $1`
)

// appendName appends one bucket name to an encoded path.
func appendName(path, name []byte) []byte {
	out := make([]byte, 0, len(path)+len(name)+2)
	out = append(out, path...)
	for _, c := range name {
		if c == 0 {
			out = append(out, 0, 0xff)
		} else {
			out = append(out, c)
		}
	}
	return append(out, 0, 1)
}

// pathEnd is the least path above every path below the encoded path p
// (which ends in 0x00 0x01).
func pathEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	end[len(end)-1] = 2
	return end
}

type space struct {
	db     *DB
	name   string
	lock   int64
	closed atomic.Bool
}

func (s *space) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, false, fn)
}

func (s *space) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, true, fn)
}

// Batch is Update: each transaction already commits on its own
// connection, and writers of different vaults never wait for each other.
func (s *space) Batch(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, true, fn)
}

// Close closes the handle; the database stays open for other spaces.
func (s *space) Close() error {
	s.closed.Store(true)
	return nil
}

func (s *space) run(ctx context.Context, writable bool, fn func(store.Tx) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	var fnErr error
	var committed []func()
	err := s.db.withConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		t := &tx{ctx: ctx, conn: c, sp: s, writable: writable, buckets: map[string]*bucket{}, values: map[[2]string][]byte{}}
		fnErr = fn(t)
		switch {
		case !t.begun:
			// fn made no statement: there is nothing to end.
		case t.err != nil || fnErr != nil:
			// A connection that fails to roll back is not returned to the
			// pool (pgxpool drops a connection left inside a transaction).
			t.execSimple("ROLLBACK")
		default:
			tag, err := t.execSimple("COMMIT")
			if err != nil {
				return err
			}
			if tag.String() != "COMMIT" {
				return fmt.Errorf("pgstore: the database rolled the transaction back (%s)", tag)
			}
		}
		if t.err == nil && fnErr == nil && writable {
			committed = t.onCommit // bbolt runs none for a read
		}
		return t.err
	})
	if err != nil {
		return err
	}
	if fnErr != nil {
		return fnErr
	}
	for _, f := range committed {
		f()
	}
	return nil
}

type tx struct {
	ctx      context.Context
	conn     *pgxpool.Conn
	sp       *space
	writable bool
	begun    bool
	// err is the first failed statement: PostgreSQL refuses every later
	// statement of the transaction, so the transaction ends with it.
	err error
	// buckets holds every bucket looked up, made or deleted in this
	// transaction by encoded path (nil: known not to exist). Within a
	// read snapshot, or with the space's write lock held, it stays true.
	buckets map[string]*bucket
	// values holds what Get read or this transaction wrote, by encoded
	// path and key, so that reading a key again costs no round trip (a
	// redemption reads one record four times). Like buckets, it stays
	// true within the snapshot or under the write lock.
	values   map[[2]string][]byte
	onCommit []func()
}

// failed records the first failure and returns it.
func (t *tx) failed(err error) error {
	err = t.sp.db.fail(t.ctx, err)
	if t.err == nil {
		t.err = err
	}
	return err
}

func (t *tx) execSimple(sql string) (pgconn.CommandTag, error) {
	sctx, cancel := t.sp.db.statementCtx(t.ctx)
	defer cancel()
	tag, err := t.conn.Exec(sctx, sql)
	if err != nil {
		return tag, t.failed(err)
	}
	return tag, nil
}

// query runs one statement of the space (args follow the space's name)
// and hands its rows to each; it answers the statement's tag. The first
// statement of a transaction goes in one round trip with the BEGIN and,
// for a writer, the space's lock:
//
// A writer takes the lock and then reads at READ COMMITTED: with every
// other writer of the space shut out until commit, each read sees the
// last commit and the writer's own writes, which is the snapshot bbolt's
// writer sees. (A REPEATABLE READ snapshot would be taken before the lock
// was granted, and miss the commit of the writer it waited for.)
func (t *tx) query(sql string, args []any, each func(pgx.Rows) error) (pgconn.CommandTag, error) {
	if t.err != nil {
		return pgconn.CommandTag{}, t.err
	}
	args = append([]any{t.sp.name}, args...)
	timeout := t.sp.db.opts.StatementTimeout + time.Second
	var rows pgx.Rows
	var br pgx.BatchResults
	var err error
	if t.begun {
		sctx, cancel := context.WithTimeout(t.ctx, timeout)
		defer cancel()
		rows, err = t.conn.Query(sctx, sql, args...)
	} else {
		t.begun = true
		// The lock and the statement each may take a statement timeout.
		sctx, cancel := context.WithTimeout(t.ctx, 2*timeout)
		defer cancel()
		b := &pgx.Batch{}
		if t.writable {
			b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
			b.Queue("SELECT pg_advisory_xact_lock($1)", t.sp.lock)
		} else {
			b.Queue("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
		}
		b.Queue(sql, args...)
		br = t.conn.SendBatch(sctx, b)
		for range b.Len() - 1 {
			if _, err = br.Exec(); err != nil {
				break
			}
		}
		if err == nil {
			rows, err = br.Query()
		}
	}
	if err == nil {
		for rows.Next() {
			if err = each(rows); err != nil {
				break
			}
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if br != nil {
		err = errors.Join(err, br.Close())
	}
	if err != nil {
		return pgconn.CommandTag{}, t.failed(err)
	}
	return rows.CommandTag(), nil
}

// exec runs a statement of the space that answers no rows.
func (t *tx) exec(sql string, args ...any) (pgconn.CommandTag, error) {
	return t.query(sql, args, func(pgx.Rows) error { return nil })
}

// row runs a query of the space that answers at most one row, and
// reports whether it did.
func (t *tx) row(sql string, args []any, dest ...any) (bool, error) {
	found := false
	_, err := t.query(sql, args, func(r pgx.Rows) error {
		found = true
		return r.Scan(dest...)
	})
	return found && err == nil, err
}

// entry is one row as a cursor holds it.
type entry struct {
	k, v   []byte
	bucket bool
	seq    uint64
}

// page reads up to limit entries of the bucket at path from key on
// (after key, when after is set).
func (t *tx) page(path, key []byte, after bool, limit int) []entry {
	if t.err != nil {
		return nil
	}
	sql := qFrom
	if after {
		sql = qAfter
	}
	var out []entry
	_, err := t.query(sql, []any{path, nonNil(key), limit}, func(r pgx.Rows) error {
		var e entry
		var seq int64
		if err := r.Scan(&e.k, &e.v, &e.bucket, &seq); err != nil {
			return err
		}
		e.seq = uint64(seq)
		if e.bucket {
			e.v = nil
		} else {
			e.v = nonNil(e.v)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil
	}
	return out
}

// nonNil is b, or an empty slice for nil: pgx sends a nil slice as NULL,
// and Get answers an empty value as an empty slice, never as nil.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (t *tx) Writable() bool     { return t.writable }
func (t *tx) OnCommit(fn func()) { t.onCommit = append(t.onCommit, fn) }

// The top level is the bucket at the empty path.
func (t *tx) root() *bucket { return &bucket{t: t, path: []byte{}} }

func (t *tx) Bucket(name []byte) store.Bucket { return t.root().Bucket(name) }

func (t *tx) CreateBucketIfNotExists(name []byte) (store.Bucket, error) {
	return t.root().CreateBucketIfNotExists(name)
}

func (t *tx) DeleteBucket(name []byte) error { return t.root().DeleteBucket(name) }

func (t *tx) ForEach(fn func(name []byte, b store.Bucket) error) error {
	root := t.root()
	c := root.cursor(128)
	for e := c.first(nil); e != nil; e = c.next() {
		if !e.bucket {
			continue
		}
		if err := fn(e.k, root.handle(e.k, e.seq)); err != nil {
			return err
		}
	}
	return t.err
}

type bucket struct {
	t      *tx
	parent []byte // encoded path of the bucket holding this one's row
	name   []byte
	path   []byte // encoded path of this bucket's entries
	seq    uint64
}

// handle is the one *bucket of this transaction for the nested bucket
// name, known to exist with counter seq.
func (b *bucket) handle(name []byte, seq uint64) *bucket {
	path := appendName(b.path, name)
	if h := b.t.buckets[string(path)]; h != nil {
		return h
	}
	h := &bucket{t: b.t, parent: b.path, name: append([]byte(nil), name...), path: path, seq: seq}
	b.t.buckets[string(path)] = h
	return h
}

func (b *bucket) Get(key []byte) []byte {
	ck := [2]string{string(b.path), string(key)}
	if v, known := b.t.values[ck]; known {
		return v
	}
	var v []byte
	var isBucket bool
	found, err := b.t.row(qGet, []any{b.path, nonNil(key)}, &v, &isBucket)
	if err != nil {
		return nil
	}
	if !found || isBucket {
		v = nil
	} else {
		v = nonNil(v)
	}
	b.t.values[ck] = v
	return v
}

// known records what key holds now, for Get (nil: nothing, or a bucket).
func (b *bucket) known(key, value []byte) {
	b.t.values[[2]string{string(b.path), string(key)}] = value
}

func (b *bucket) Put(key, value []byte) error {
	switch {
	case !b.t.writable:
		return store.ErrTxNotWritable
	case len(key) == 0:
		return store.ErrKeyRequired
	}
	tag, err := b.t.exec(qPut, b.path, key, nonNil(value))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrIncompatibleValue
	}
	b.known(key, append([]byte{}, value...))
	return nil
}

func (b *bucket) Delete(key []byte) error {
	if !b.t.writable {
		return store.ErrTxNotWritable
	}
	var isBucket bool
	if _, err := b.t.row(qDelete, []any{b.path, nonNil(key)}, &isBucket); err != nil {
		return err
	}
	if isBucket {
		return store.ErrIncompatibleValue
	}
	b.known(key, nil)
	return nil
}

func (b *bucket) Bucket(name []byte) store.Bucket {
	path := appendName(b.path, name)
	if h, known := b.t.buckets[string(path)]; known {
		if h == nil {
			return nil
		}
		return h
	}
	var isBucket bool
	var seq int64
	found, err := b.t.row(qBucket, []any{b.path, nonNil(name)}, &isBucket, &seq)
	if err != nil {
		return nil
	}
	if !found || !isBucket {
		b.t.buckets[string(path)] = nil
		return nil
	}
	return b.handle(name, uint64(seq))
}

func (b *bucket) CreateBucketIfNotExists(name []byte) (store.Bucket, error) {
	switch {
	case !b.t.writable:
		return nil, store.ErrTxNotWritable
	case len(name) == 0:
		return nil, store.ErrKeyRequired
	}
	if h := b.t.buckets[string(appendName(b.path, name))]; h != nil {
		return h, nil
	}
	var made, wasBucket bool
	var seq int64
	if _, err := b.t.row(qCreate, []any{b.path, name}, &made, &wasBucket, &seq); err != nil {
		return nil, err
	}
	if !made && !wasBucket {
		return nil, store.ErrIncompatibleValue
	}
	b.known(name, nil)
	return b.handle(name, uint64(seq)), nil
}

func (b *bucket) DeleteBucket(name []byte) error {
	if !b.t.writable {
		return store.ErrTxNotWritable
	}
	path := appendName(b.path, name)
	var gone, exists bool
	if _, err := b.t.row(qDeleteBucket, []any{b.path, nonNil(name), path, pathEnd(path)}, &gone, &exists); err != nil {
		return err
	}
	switch {
	case gone:
		for p := range b.t.buckets {
			if strings.HasPrefix(p, string(path)) {
				delete(b.t.buckets, p)
			}
		}
		for k := range b.t.values {
			if strings.HasPrefix(k[0], string(path)) {
				delete(b.t.values, k)
			}
		}
		b.t.buckets[string(path)] = nil
		return nil
	case exists:
		return store.ErrIncompatibleValue
	}
	return store.ErrBucketNotFound
}

func (b *bucket) ForEach(fn func(k, v []byte) error) error {
	c := b.cursor(128)
	for e := c.first(nil); e != nil; e = c.next() {
		if err := fn(e.k, e.v); err != nil {
			return err
		}
	}
	return b.t.err
}

func (b *bucket) NextSequence() (uint64, error) {
	if !b.t.writable {
		return 0, store.ErrTxNotWritable
	}
	var seq int64
	found, err := b.t.row(qNextSeq, []any{b.parent, b.name}, &seq)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, store.ErrBucketNotFound
	}
	b.seq = uint64(seq)
	return b.seq, nil
}

func (b *bucket) Sequence() uint64 { return b.seq }

func (b *bucket) SetSequence(n uint64) error {
	if !b.t.writable {
		return store.ErrTxNotWritable
	}
	tag, err := b.t.exec(qSetSeq, b.parent, b.name, int64(n))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrBucketNotFound
	}
	b.seq = n
	return nil
}

func (b *bucket) Cursor() store.Cursor { return &cursor{cur: b.cursor(16)} }

// pages walks a bucket a page at a time: a first page of size entries,
// each next one twice as large up to 256, so that a Seek that reads a few
// keys costs one small query and a full walk few round trips.
type pages struct {
	b     *bucket
	size  int
	page  []entry
	i     int
	full  bool // the page was full: more may follow
	ended bool
}

func (b *bucket) cursor(size int) *pages { return &pages{b: b, size: size} }

func (c *pages) load(key []byte, after bool) *entry {
	c.page = c.b.t.page(c.b.path, key, after, c.size)
	c.full = len(c.page) == c.size
	c.i = 0
	c.ended = len(c.page) == 0
	if c.ended {
		return nil
	}
	return &c.page[0]
}

func (c *pages) first(seek []byte) *entry { return c.load(seek, false) }

func (c *pages) next() *entry {
	if c.ended {
		return nil
	}
	c.i++
	if c.i < len(c.page) {
		return &c.page[c.i]
	}
	if !c.full {
		c.ended = true
		return nil
	}
	last := c.page[len(c.page)-1].k
	c.size = min(2*c.size, 256)
	return c.load(last, true)
}

// cursor is pages as a store.Cursor.
type cursor struct{ cur *pages }

func kv(e *entry) ([]byte, []byte) {
	if e == nil {
		return nil, nil
	}
	return e.k, e.v
}

func (c *cursor) First() ([]byte, []byte)           { return kv(c.cur.first(nil)) }
func (c *cursor) Seek(seek []byte) ([]byte, []byte) { return kv(c.cur.first(seek)) }
func (c *cursor) Next() ([]byte, []byte)            { return kv(c.cur.next()) }
