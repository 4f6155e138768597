package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema's steps; step i makes version i+1. A step is
// never changed once released: a change is a new step.
var migrations = []string{
	// 1: every entry of every space. value is NULL for a nested bucket,
	// whose counter is seq. Values are sealed records (ciphertext), so
	// compressing them only costs: they are stored out of line as they are.
	`CREATE TABLE regie_kv (
		space text COLLATE "C" NOT NULL,
		path bytea NOT NULL,
		key bytea NOT NULL,
		value bytea,
		seq bigint NOT NULL DEFAULT 0,
		PRIMARY KEY (space, path, key)
	);
	ALTER TABLE regie_kv ALTER COLUMN value SET STORAGE EXTERNAL;
	COMMENT ON TABLE regie_kv IS 'Regie: the host index and every vault, one space each, as nested buckets of ordered byte keys (package store/pgstore)'`,
}

// SchemaVersion is the schema version this binary reads and writes.
var SchemaVersion = len(migrations)

// Errors of Check.
var (
	// ErrNotMigrated is a database whose schema is older than this
	// binary's (or absent): run `regie host migrate`.
	ErrNotMigrated = errors.New("pgstore: the database schema is older than this program's; run regie host migrate")
	// ErrNewerSchema is a database migrated by a newer program, which this
	// one must not write.
	ErrNewerSchema = errors.New("pgstore: the database schema is newer than this program's; run the newer regie")
)

// migrateLock serialises migrations across processes.
var migrateLock = lockKey("migrate", "schema")

// Migrate brings the schema to SchemaVersion, one step per transaction.
// It is safe to run again (nothing to do) and from several processes at
// once (an advisory lock lets one migrate while the others wait, and then
// find nothing to do).
func (d *DB) Migrate(ctx context.Context) error {
	return d.withConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		for {
			done, err := migrateStep(ctx, c)
			if err != nil || done {
				return err
			}
		}
	})
}

// migrateStep applies the next step, if any, and reports whether the
// schema is current.
func migrateStep(ctx context.Context, c *pgxpool.Conn) (done bool, err error) {
	tx, err := c.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx)
	// A step may take longer than a statement may in normal use.
	if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL statement_timeout = 0; SELECT pg_advisory_xact_lock(%d);
		CREATE TABLE IF NOT EXISTS regie_schema_version (
			version integer PRIMARY KEY,
			applied timestamptz NOT NULL DEFAULT now()
		)`, migrateLock)); err != nil {
		return false, err
	}
	var version int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM regie_schema_version`).Scan(&version); err != nil {
		return false, err
	}
	switch {
	case version > SchemaVersion:
		return false, fmt.Errorf("%w (database %d, program %d)", ErrNewerSchema, version, SchemaVersion)
	case version == SchemaVersion:
		return true, tx.Commit(ctx)
	}
	if _, err := tx.Exec(ctx, migrations[version]); err != nil {
		return false, fmt.Errorf("pgstore: schema step %d: %w", version+1, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO regie_schema_version (version) VALUES ($1)`, version+1); err != nil {
		return false, err
	}
	return false, tx.Commit(ctx)
}

// Version is the database's schema version (0 before the first Migrate).
func (d *DB) Version(ctx context.Context) (int, error) {
	var version int
	err := d.withConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		err := c.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM regie_schema_version`).Scan(&version)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
			return nil
		}
		return err
	})
	return version, err
}

// Check answers nil when the schema is the one this binary knows,
// ErrNotMigrated when it is older or absent, ErrNewerSchema when newer: a
// host checks at start rather than fail on its first request.
func (d *DB) Check(ctx context.Context) error {
	v, err := d.Version(ctx)
	switch {
	case err != nil:
		return err
	case v < SchemaVersion:
		return fmt.Errorf("%w (database %d, program %d)", ErrNotMigrated, v, SchemaVersion)
	case v > SchemaVersion:
		return fmt.Errorf("%w (database %d, program %d)", ErrNewerSchema, v, SchemaVersion)
	}
	return nil
}
