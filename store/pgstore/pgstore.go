// Package pgstore is PostgreSQL behind store.DB: what lets several `regie
// host` processes on several machines serve the same residents from one
// database that operators already run, back up and replicate.
//
// One database holds many spaces (Space): the host index is one, each
// vault another, so that one vault's writers never wait for another's.
// Every space is rows of one table, keyed by (space, bucket path, key), in
// byte order. Writers of a space are serialised by a transaction-scoped
// advisory lock on the space (one writer per vault across all processes);
// readers see a consistent snapshot (REPEATABLE READ); every committed
// Update is durable (synchronous_commit on). A database that cannot be
// reached, or answers too late, is store.ErrUnavailable, after a bounded
// wait (Options), so that a server answers 503 rather than hang.
//
// The schema is created and migrated by the binary (DB.Migrate), versioned
// in regie_schema_version.
//
// One limit differs from bbolt's: a key and its bucket path together must
// stay under about 2,700 bytes (PostgreSQL's B-tree entry), where bbolt
// takes keys of 32 KiB. Regie's keys are ids, hashes and counters.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"regie/store"
)

// Options bound what the store may use and how long it may wait.
type Options struct {
	// MaxConns is the connection pool's size per process (default 10).
	// Every open transaction holds one connection, so it bounds the
	// transactions in flight; the database's max_connections must allow
	// MaxConns times the number of processes.
	MaxConns int32
	// AcquireTimeout bounds the wait for a pooled connection, including
	// connecting (default 5 s). Beyond it a transaction fails with
	// store.ErrUnavailable.
	AcquireTimeout time.Duration
	// StatementTimeout bounds each statement on the server, including the
	// wait for a space's write lock (default 10 s); the client gives up a
	// second later still, for a network that went silent.
	StatementTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxConns <= 0 {
		o.MaxConns = 10
	}
	if o.AcquireTimeout <= 0 {
		o.AcquireTimeout = 5 * time.Second
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = 10 * time.Second
	}
	return o
}

// ErrConnString is a connection string that does not parse. The error
// never repeats the string, which may hold a password.
var ErrConnString = errors.New("pgstore: the connection string does not parse (postgres://user@host/database or host=... dbname=...)")

// DB is one PostgreSQL database holding many spaces. It is safe for
// concurrent use.
type DB struct {
	pool   *pgxpool.Pool
	opts   Options
	closed atomic.Bool
}

// Open prepares a pool of connections to the database at url (a
// postgres:// URL or key=value string). It does not connect yet; Ping,
// Migrate or the first transaction does.
func Open(ctx context.Context, url string, o Options) (*DB, error) {
	o = o.withDefaults()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, ErrConnString
	}
	cfg.MaxConns = o.MaxConns
	// A pooled connection older than the pool's idle time is pinged before
	// use; a broken one is replaced rather than failing a transaction.
	rp := cfg.ConnConfig.RuntimeParams
	rp["application_name"] = "regie"
	rp["statement_timeout"] = strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	// A process stuck inside a transaction must not hold a vault's lock
	// for ever.
	rp["idle_in_transaction_session_timeout"] = strconv.FormatInt(6*o.StatementTimeout.Milliseconds(), 10)
	// Every committed write is on disk before Update returns, whatever
	// the server's or role's default.
	rp["synchronous_commit"] = "on"
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > o.AcquireTimeout {
		cfg.ConnConfig.ConnectTimeout = o.AcquireTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	return &DB{pool: pool, opts: o}, nil
}

// Close closes every connection. Spaces fail with store.ErrClosed after.
func (d *DB) Close() {
	if d.closed.CompareAndSwap(false, true) {
		d.pool.Close()
	}
}

// Ping checks that the database answers (a host's /readyz).
func (d *DB) Ping(ctx context.Context) error {
	return d.withConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		return c.Ping(ctx)
	})
}

// withConn runs fn on a pooled connection acquired within the acquire
// timeout, and maps its failure onto the store's errors.
func (d *DB) withConn(ctx context.Context, fn func(context.Context, *pgxpool.Conn) error) error {
	if d.closed.Load() {
		return store.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx, d.opts.AcquireTimeout)
	c, err := d.pool.Acquire(actx)
	cancel()
	if err != nil {
		if d.closed.Load() {
			return store.ErrClosed
		}
		return d.fail(ctx, fmt.Errorf("pgstore: no connection within %s: %w", d.opts.AcquireTimeout, err))
	}
	defer c.Release()
	return d.fail(ctx, fn(ctx, c))
}

// statementCtx is ctx with the client-side bound of one statement: the
// server's statement timeout and a second for the answer to arrive.
func (d *DB) statementCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d.opts.StatementTimeout+time.Second)
}

// fail maps a database failure: the caller's own cancellation stays a
// context error; a database that cannot be reached or answered too late
// becomes store.ErrUnavailable; anything else (a bug, a refused
// statement) stays as it is.
func (d *DB) fail(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrClosed):
		return err
	case unavailable(err):
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// unavailable tells a database that is down, unreachable, overloaded or
// too slow from a statement it refused.
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "08", // connection exception
			"53", // insufficient resources (too many connections, disk full)
			"57": // operator intervention: statement timeout, shutdown, starting up
			return true
		}
		// lock_not_available, idle_in_transaction_session_timeout
		return pe.Code == "55P03" || pe.Code == "25P03"
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, net.ErrClosed)
}

// lockKey is the advisory lock of a name: a 64-bit hash, so that two
// spaces share a lock only by a vanishing chance, and then merely wait for
// each other. The data itself is keyed by the full name.
func lockKey(kind, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("regie/" + kind + "/" + name))
	return int64(h.Sum64())
}

// Space is the store.DB of one space in the database: the host index or
// one vault. A space that was never written is empty. Closing it closes
// only the handle.
func (d *DB) Space(name string) store.DB {
	return &space{db: d, name: name, lock: lockKey("space", name)}
}

// DeleteSpace removes every row of a space (a resident deleting their
// vault), waiting for its writer like any Update.
func (d *DB) DeleteSpace(ctx context.Context, name string) error {
	sp := &space{db: d, name: name, lock: lockKey("space", name)}
	return sp.Update(ctx, func(stx store.Tx) error {
		t := stx.(*tx)
		_, err := t.exec(qDeleteSpace)
		return err
	})
}

// HasSpace reports whether a space holds anything: whether a vault
// exists, for a host that opens only vaults it made.
func (d *DB) HasSpace(ctx context.Context, name string) (bool, error) {
	var has bool
	err := d.withConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		sctx, cancel := d.statementCtx(ctx)
		defer cancel()
		return c.QueryRow(sctx, `SELECT EXISTS (SELECT 1 FROM regie_kv WHERE space = $1)`, name).Scan(&has)
	})
	return has, err
}

// Spaces lists the spaces that hold anything, in name order: what a
// copy of the whole database walks.
func (d *DB) Spaces(ctx context.Context) ([]string, error) {
	var names []string
	err := d.withConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		sctx, cancel := d.statementCtx(ctx)
		defer cancel()
		// A skip scan over the primary key: one index probe per space.
		rows, err := c.Query(sctx, `WITH RECURSIVE s(space) AS (
			SELECT min(space) FROM regie_kv
			UNION ALL
			SELECT (SELECT min(k.space) FROM regie_kv k WHERE k.space > s.space) FROM s WHERE s.space IS NOT NULL
		) SELECT space FROM s WHERE space IS NOT NULL`)
		if err != nil {
			return err
		}
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return names, err
}
