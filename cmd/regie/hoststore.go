package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"regie/host"
	"regie/store/pgstore"
	"regie/wallet"
)

// A host keeps its index and vaults in its data folder (bbolt files, the
// default) or in a PostgreSQL database that several host processes share
// (--store postgres://…, or REGIE_STORE).

// storeFlags are the flags of where a host keeps its things.
type storeFlags struct {
	url      *string
	maxConns *int
}

func addStoreFlags(fs *flag.FlagSet) storeFlags {
	return storeFlags{
		url:      fs.String("store", "", "keep the index and the vaults in the PostgreSQL database at URL (postgres://USER@HOST/DB; default REGIE_STORE, else the data folder's files)"),
		maxConns: fs.Int("store-max-conns", 10, "at most N connections to the database from this process"),
	}
}

// where is the --store value, else REGIE_STORE, else "" (the data folder).
func (f storeFlags) where(e *env) string {
	if *f.url != "" {
		return *f.url
	}
	return e.getenv("REGIE_STORE")
}

func (f storeFlags) options() pgstore.Options {
	return pgstore.Options{MaxConns: int32(*f.maxConns)}
}

// isDatabase tells a database URL from a data folder.
func isDatabase(where string) bool {
	return strings.HasPrefix(where, "postgres://") || strings.HasPrefix(where, "postgresql://")
}

// describe names a store for a message: a folder by its path, a database
// never by its URL, which may hold a password.
func describe(where string) string {
	if isDatabase(where) {
		return "the PostgreSQL database"
	}
	return filepath.Clean(where)
}

// openDatabase opens the database at url and checks its schema; migrate
// brings the schema up to date first.
func openDatabase(ctx context.Context, url string, o pgstore.Options, migrate bool) (*pgstore.DB, error) {
	db, err := pgstore.Open(ctx, url, o)
	if err != nil {
		return nil, err
	}
	if migrate {
		err = db.Migrate(ctx)
	}
	if err == nil {
		err = db.Check(ctx)
	}
	if errors.Is(err, pgstore.ErrNotMigrated) {
		err = fmt.Errorf("%w: regie host migrate --store URL makes it", err)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openBackend opens a host's store: the folder's files or the database.
func openBackend(ctx context.Context, where string, o pgstore.Options, migrate bool) (host.Backend, error) {
	if !isDatabase(where) {
		b, err := host.Files(where)
		if errors.Is(err, wallet.ErrInUse) {
			return nil, fmt.Errorf("a host is running on %s: stop it first (%w)", filepath.Clean(where), err)
		}
		return b, err
	}
	db, err := openDatabase(ctx, where, o, migrate)
	if err != nil {
		return nil, err
	}
	return host.Database(db), nil
}

// cmdHostMigrate creates or updates the database schema.
func cmdHostMigrate(ctx context.Context, e *env, args []string) error {
	fs := flags("host migrate [--store URL]")
	sf := addStoreFlags(fs)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	where := sf.where(e)
	if !isDatabase(where) {
		return usagef("give the database: --store postgres://USER@HOST/DB (or REGIE_STORE); a data folder needs no migration")
	}
	db, err := openDatabase(ctx, where, sf.options(), true)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(e.stdout, "The database schema is at version %d.\n", pgstore.SchemaVersion)
	return nil
}

// cmdHostCopy copies a host between a data folder and a database.
func cmdHostCopy(ctx context.Context, e *env, args []string) (err error) {
	fs := flags("host copy --from DIR|URL --to DIR|URL")
	from := fs.String("from", "", "the host to copy: its data folder, or its database's postgres:// URL")
	to := fs.String("to", "", "where to: an empty or new data folder, or a database without a host (migrated on the way)")
	maxConns := fs.Int("store-max-conns", 10, "at most N connections to each database")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return usagef("give both --from and --to")
	}
	if *from == *to || (!isDatabase(*from) && !isDatabase(*to) && filepath.Clean(*from) == filepath.Clean(*to)) {
		return usagef("--from and --to are the same store")
	}
	if !isDatabase(*from) {
		if _, err := os.Stat(filepath.Join(*from, "host.db")); err != nil {
			return fmt.Errorf("%s holds no host (no host.db): %w", filepath.Clean(*from), wallet.ErrNotFound)
		}
	}
	if !isDatabase(*to) {
		if _, err := os.Stat(filepath.Join(*to, "host.db")); err == nil {
			return fmt.Errorf("%s already holds a host: copy into an empty or new folder", filepath.Clean(*to))
		}
	}
	o := pgstore.Options{MaxConns: int32(*maxConns)}
	src, err := openBackend(ctx, *from, o, false)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer func() { err = errors.Join(err, src.Close()) }()
	dst, err := openBackend(ctx, *to, o, true)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer func() { err = errors.Join(err, dst.Close()) }()
	n, err := host.Copy(ctx, dst, src)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Copied the host index and %d vaults from %s to %s, sealed as they were: nothing was decrypted.\n", n, describe(*from), describe(*to))
	return nil
}
