package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"regie/internal/testkit"
	"regie/store"
	"regie/store/pgstore"
	"regie/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(testkit.PostgresMain(m)) }

// open opens and migrates a fresh database.
func open(t *testing.T, o pgstore.Options) (*pgstore.DB, string) {
	t.Helper()
	url := testkit.Postgres(t)
	db, err := pgstore.Open(context.Background(), url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, url
}

// sql runs one statement on the test database outside the store.
func sql(t *testing.T, url, stmt string, args ...any) pgx.Rows {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	rows, err := conn.Query(ctx, stmt, args...)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func count(t *testing.T, url, stmt string, args ...any) int {
	t.Helper()
	n, err := pgx.CollectExactlyOneRow(sql(t, url, stmt, args...), pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Each conformance test gets its own space of one database: the suite
// also shows that spaces do not see each other.
func TestConformance(t *testing.T) {
	db, _ := open(t, pgstore.Options{MaxConns: 8})
	n := 0
	storetest.Run(t, func(t *testing.T) store.DB {
		n++
		return db.Space(fmt.Sprintf("vault/%d/%s", n, t.Name()))
	})
}

func TestSpacesAreApartAndDeleteRemovesEveryRow(t *testing.T) {
	db, url := open(t, pgstore.Options{})
	ctx := context.Background()
	fill := func(name string) {
		err := db.Space(name).Update(ctx, func(tx store.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("records"))
			if err != nil {
				return err
			}
			sub, err := b.CreateBucketIfNotExists([]byte("sub"))
			if err != nil {
				return err
			}
			if err := sub.Put([]byte("k"), []byte(name)); err != nil {
				return err
			}
			return b.Put([]byte("k"), []byte(name))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Names that are prefixes of each other, or would be equal in a
	// case-insensitive or accent-folding collation.
	names := []string{"vault/a", "vault/a/b", "vault/A", "vault/á", "index"}
	for _, n := range names {
		fill(n)
	}
	for _, n := range names {
		db.Space(n).View(ctx, func(tx store.Tx) error {
			if got := string(tx.Bucket([]byte("records")).Get([]byte("k"))); got != n {
				t.Errorf("space %q reads %q", n, got)
			}
			return nil
		})
	}
	got, err := db.Spaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"index", "vault/A", "vault/a", "vault/a/b", "vault/á"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Spaces = %q, want %q", got, want)
	}

	for name, want := range map[string]bool{"vault/a": true, "index": true, "vault/b": false, "vault": false} {
		if has, err := db.HasSpace(ctx, name); err != nil || has != want {
			t.Errorf("HasSpace(%q) = %v, %v, want %v", name, has, err, want)
		}
	}
	if err := db.DeleteSpace(ctx, "vault/a"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, url, `SELECT count(*) FROM regie_kv WHERE space = $1`, "vault/a"); n != 0 {
		t.Errorf("%d rows of a deleted space remain", n)
	}
	if n := count(t, url, `SELECT count(*) FROM regie_kv`); n != 4*4 {
		t.Errorf("%d rows remain of the other four spaces, want 16", n)
	}
	if has, err := db.HasSpace(ctx, "vault/a"); err != nil || has {
		t.Errorf("HasSpace of a deleted space = %v, %v", has, err)
	}
	db.Space("vault/a").View(ctx, func(tx store.Tx) error {
		if tx.Bucket([]byte("records")) != nil {
			t.Error("a deleted space still has its bucket")
		}
		return nil
	})
}

func TestMigrateTwiceAndAtOnce(t *testing.T) {
	url := testkit.Postgres(t)
	ctx := context.Background()
	var dbs []*pgstore.DB
	for range 3 {
		db, err := pgstore.Open(ctx, url, pgstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		dbs = append(dbs, db)
	}
	if err := dbs[0].Check(ctx); !errors.Is(err, pgstore.ErrNotMigrated) {
		t.Errorf("Check before Migrate: %v, want ErrNotMigrated", err)
	}
	err := dbs[0].Space("s").Update(ctx, func(tx store.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("b")); return err })
	if err == nil {
		t.Error("an Update before Migrate succeeded")
	}
	// Three processes start at once and each migrates.
	var wg sync.WaitGroup
	errs := make([]error, len(dbs))
	for i, db := range dbs {
		wg.Go(func() { errs[i] = db.Migrate(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
	if err := dbs[1].Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	if err := dbs[2].Check(ctx); err != nil {
		t.Errorf("Check after Migrate: %v", err)
	}
	if n := count(t, url, `SELECT count(*) FROM regie_schema_version`); n != pgstore.SchemaVersion {
		t.Errorf("%d schema versions recorded, want %d", n, pgstore.SchemaVersion)
	}
	// A newer program migrated this database: this one refuses it.
	sql(t, url, `INSERT INTO regie_schema_version (version) VALUES ($1)`, pgstore.SchemaVersion+1).Close()
	if err := dbs[0].Check(ctx); !errors.Is(err, pgstore.ErrNewerSchema) {
		t.Errorf("Check of a newer schema: %v, want ErrNewerSchema", err)
	}
	if err := dbs[0].Migrate(ctx); !errors.Is(err, pgstore.ErrNewerSchema) {
		t.Errorf("Migrate of a newer schema: %v, want ErrNewerSchema", err)
	}
}

// Two pools on one database are two processes: their writers of one
// space still take turns.
func TestWritersOfTwoProcessesTakeTurns(t *testing.T) {
	db1, url := open(t, pgstore.Options{MaxConns: 4})
	db2, err := pgstore.Open(context.Background(), url, pgstore.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	ctx := context.Background()
	const each = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*4*each)
	for _, db := range []*pgstore.DB{db1, db2} {
		s := db.Space("vault/shared")
		for range 4 {
			wg.Go(func() {
				for range each {
					errs <- s.Update(ctx, func(tx store.Tx) error {
						b, err := tx.CreateBucketIfNotExists([]byte("c"))
						if err != nil {
							return err
						}
						var n int
						fmt.Sscan(string(b.Get([]byte("n"))), &n)
						return b.Put([]byte("n"), fmt.Append(nil, n+1))
					})
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db1.Space("vault/shared").View(ctx, func(tx store.Tx) error {
		if got := string(tx.Bucket([]byte("c")).Get([]byte("n"))); got != fmt.Sprint(2*4*each) {
			t.Errorf("counter = %s after %d increments from two processes", got, 2*4*each)
		}
		return nil
	})
}

func TestUnreachableDatabaseIsUnavailableInBoundedTime(t *testing.T) {
	ctx := context.Background()
	// A socket folder with no server in it.
	url := "postgres://regie@/regie?host=" + t.TempDir()
	db, err := pgstore.Open(ctx, url, pgstore.Options{AcquireTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ran := false
	err = db.Space("s").View(ctx, func(store.Tx) error { ran = true; return nil })
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("View on an unreachable database: %v, want ErrUnavailable", err)
	}
	if ran {
		t.Error("fn ran without a database")
	}
	if err := db.Ping(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping of an unreachable database: %v, want ErrUnavailable", err)
	}
}

// A writer that holds a vault's lock too long makes the next writer of
// that vault fail with ErrUnavailable (503) after the statement timeout,
// rather than hang; writers of other vaults do not wait at all.
func TestLockWaitIsBounded(t *testing.T) {
	db, _ := open(t, pgstore.Options{StatementTimeout: 300 * time.Millisecond})
	ctx := context.Background()
	holding, release := make(chan struct{}), make(chan struct{})
	go db.Space("vault/slow").Update(ctx, func(tx store.Tx) error {
		// The lock comes with the first statement.
		tx.Bucket([]byte("b"))
		close(holding)
		<-release
		return nil
	})
	<-holding
	err := db.Space("vault/slow").Update(ctx, func(tx store.Tx) error {
		// The first statement waits for the lock, and gives up.
		b, err := tx.CreateBucketIfNotExists([]byte("b"))
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("the second writer's first statement: %v, want ErrUnavailable", err)
		}
		if b != nil {
			b.Put([]byte("k"), []byte("second"))
		}
		return nil
	})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("second writer: %v, want ErrUnavailable", err)
	}
	err = db.Space("vault/other").Update(ctx, func(tx store.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("b"))
		return err
	})
	if err != nil {
		t.Errorf("a writer of another vault: %v", err)
	}
	close(release)
	db.Space("vault/slow").View(ctx, func(tx store.Tx) error {
		if b := tx.Bucket([]byte("b")); b != nil {
			t.Errorf("the second writer left a bucket (%q)", b.Get([]byte("k")))
		}
		return nil
	})
}

// A read that fails (here: the database ends the session) is remembered:
// View and Update answer it in place of fn's nil, and nothing commits,
// though fn, as code written for bbolt, never looked at an error.
func TestFailedReadIsSticky(t *testing.T) {
	db, url := open(t, pgstore.Options{})
	ctx := context.Background()
	s := db.Space("vault/sticky")
	if err := s.Update(ctx, func(tx store.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("b"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	}); err != nil {
		t.Fatal(err)
	}
	kill := func() {
		sql(t, url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'regie' AND state LIKE 'idle in transaction%'`).Close()
	}
	err := s.View(ctx, func(tx store.Tx) error {
		b := tx.Bucket([]byte("b"))
		kill()
		if v := b.Get([]byte("k")); v != nil {
			t.Errorf("Get on a dead session = %q", v)
		}
		if k, _ := b.Cursor().First(); k != nil {
			t.Errorf("cursor on a dead session = %q", k)
		}
		return nil
	})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("View after a failed read: %v, want ErrUnavailable", err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		b := tx.Bucket([]byte("b"))
		b.Put([]byte("k"), []byte("changed"))
		kill()
		b.Get([]byte("k"))
		return nil
	})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Update after a failed read: %v, want ErrUnavailable", err)
	}
	if err := s.View(ctx, func(tx store.Tx) error {
		if got := string(tx.Bucket([]byte("b")).Get([]byte("k"))); got != "v" {
			t.Errorf("after a failed Update k = %q, want v", got)
		}
		return nil
	}); err != nil {
		t.Fatalf("the pool did not recover: %v", err)
	}
}

func TestConnectionStringErrorHidesPassword(t *testing.T) {
	for _, url := range []string{
		"postgres://regie:s3cr3t-pw@host:notaport/db",
		"host=h password=s3cr3t-pw port=notaport",
	} {
		_, err := pgstore.Open(context.Background(), url, pgstore.Options{})
		if !errors.Is(err, pgstore.ErrConnString) {
			t.Errorf("Open(%q) = %v, want ErrConnString", url, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// A bbolt store copied into a space and back out to a bbolt file is the
// same byte for byte: what `regie host copy` relies on.
func TestCopyBoltToPostgresAndBack(t *testing.T) {
	db, _ := open(t, pgstore.Options{})
	ctx := context.Background()
	bolt := func(name string) store.DB {
		b, err := store.OpenBolt(filepath.Join(t.TempDir(), name), store.BoltOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	src, back := bolt("src.db"), bolt("back.db")
	storetest.Fill(t, src)
	if err := store.Copy(ctx, db.Space("vault/copied"), src); err != nil {
		t.Fatal(err)
	}
	if err := store.Copy(ctx, back, db.Space("vault/copied")); err != nil {
		t.Fatal(err)
	}
	want := storetest.Dump(t, src)
	storetest.SameDump(t, "in PostgreSQL", storetest.Dump(t, db.Space("vault/copied")), want)
	storetest.SameDump(t, "back in bbolt", storetest.Dump(t, back), want)
}
