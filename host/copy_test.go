package host

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"regie/consent"
	"regie/internal/testkit"
	"regie/store"
	"regie/wallet"
)

// boltSpaces is a database of spaces kept as one bbolt file each, for
// testing the Database backend without a database server.
type boltSpaces struct {
	dir    string
	mu     sync.Mutex
	spaces map[string]store.DB
}

func newBoltSpaces(t *testing.T) *boltSpaces {
	s := &boltSpaces{dir: t.TempDir(), spaces: map[string]store.DB{}}
	t.Cleanup(s.Close)
	return s
}

func (s *boltSpaces) path(name string) string {
	return filepath.Join(s.dir, hex.EncodeToString([]byte(name))+".db")
}

func (s *boltSpaces) Space(name string) store.DB {
	s.mu.Lock()
	defer s.mu.Unlock()
	if db := s.spaces[name]; db != nil {
		return keepOpen{db}
	}
	db, err := store.OpenBolt(s.path(name), store.BoltOptions{})
	if err != nil {
		panic(err)
	}
	s.spaces[name] = db
	return keepOpen{db}
}

func (s *boltSpaces) HasSpace(ctx context.Context, name string) (bool, error) {
	if _, err := os.Stat(s.path(name)); err != nil {
		return false, nil
	}
	has := false
	err := s.Space(name).View(ctx, func(tx store.Tx) error {
		return tx.ForEach(func([]byte, store.Bucket) error { has = true; return nil })
	})
	return has, err
}

func (s *boltSpaces) DeleteSpace(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if db := s.spaces[name]; db != nil {
		db.Close()
		delete(s.spaces, name)
	}
	return os.Remove(s.path(name))
}

func (s *boltSpaces) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, db := range s.spaces {
		db.Close()
		delete(s.spaces, name)
	}
}

// checkVault opens a vault file with its passphrase and checks what
// `regie audit verify` checks: the chained log and the grants against it.
func checkVault(t *testing.T, path, pass string) int {
	t.Helper()
	ctx := context.Background()
	v, err := wallet.Open(path, &wallet.Options{KDF: fastKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Unlock(ctx, pass); err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	n, err := v.VerifyEvents(ctx)
	if err != nil {
		t.Fatalf("%s: log of %d entries: %v", filepath.Base(path), n, err)
	}
	if err := (&consent.Service{Vault: v}).VerifyGrants(ctx); err != nil {
		t.Fatalf("%s: grants: %v", filepath.Base(path), err)
	}
	return n
}

// TestCopyRoundTrip: a host with residents, a push and a consent copies
// from its data folder into a database (PostgreSQL, and spaces of bbolt
// files where PostgreSQL is missing) and from there into a new data
// folder, opening nothing. There every vault opens with its passphrase
// and its log verifies, a host on the copy logs the resident in and shows
// her debt, and a copy into a folder that holds a host is refused with
// nothing changed.
func TestCopyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) Backend
	}{
		{"bbolt spaces", func(t *testing.T) Backend { return Database(newBoltSpaces(t)) }},
		{"PostgreSQL", func(t *testing.T) Backend {
			db := Database(openPostgres(t, testkit.Postgres(t)))
			t.Cleanup(func() { db.Close() })
			return db
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { testCopyRoundTrip(t, tc.open) })
	}
}

func testCopyRoundTrip(t *testing.T, openDB func(t *testing.T) Backend) {
	ctx := context.Background()
	w := newHostWorld(t)
	a, b := w.resident(), w.resident()
	accA, accB := w.signup(a, "fatima", bsnA, nameA, passA), w.signup(b, "jan", bsnB, nameB, passB)
	if code, _ := w.push(accA.Wallet, w.debt(bsnA, "c1", "CJIB-1111", 52591357)); code != 202 {
		t.Fatalf("push: %d", code)
	}
	var g GrantAnswer
	if code := a.call("POST", "/api/v1/consents", map[string]any{"to": "schuldhulp-a", "purpose": "debt-help-intake", "scope": []string{"debts"}, "days": 14}, &g); code != 201 {
		t.Fatalf("grant: %d", code)
	}
	a.call("DELETE", "/api/v1/session", nil, nil)
	if code, _ := w.push(accA.Wallet, w.debt(bsnA, "c2", "CJIB-2222", 77003141)); code != 202 {
		t.Fatalf("push while away: %d", code)
	}
	w.stop()
	entriesA := checkVault(t, filepath.Join(w.dir, "vaults", accA.Vault+".db"), passA)
	entriesB := checkVault(t, filepath.Join(w.dir, "vaults", accB.Vault+".db"), passB)
	if entriesA < 2 {
		t.Fatalf("A's log holds %d entries before the copy", entriesA)
	}

	src, err := Files(w.dir)
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	if n, err := Copy(ctx, db, src); err != nil || n != 2 {
		t.Fatalf("copy to the database: %d vaults, %v", n, err)
	}
	src.Close()
	dir := t.TempDir()
	dst, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := Copy(ctx, dst, db); err != nil || n != 2 {
		t.Fatalf("copy back to a folder: %d vaults, %v", n, err)
	}
	dst.Close()
	if n := checkVault(t, filepath.Join(dir, "vaults", accA.Vault+".db"), passA); n != entriesA {
		t.Errorf("A's log holds %d entries after the copies, %d before", n, entriesA)
	}
	if n := checkVault(t, filepath.Join(dir, "vaults", accB.Vault+".db"), passB); n != entriesB {
		t.Errorf("B's log holds %d entries after the copies, %d before", n, entriesB)
	}

	w.dir = dir
	w.start()
	back := w.resident()
	var acc Account
	if code := back.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, &acc); code != 200 || acc.Arrived == nil || acc.Arrived.Added != 1 {
		t.Fatalf("login on the copy: %d %+v", code, acc.Arrived)
	}
	var o wallet.Overview
	back.call("GET", "/api/v1/overview", nil, &o)
	if o.TotalOutstandingCents != 52591357+77003141 {
		t.Errorf("overview on the copy: %d cents", o.TotalOutstandingCents)
	}
	var audit testkit.Audit
	if back.call("GET", "/api/v1/audit", nil, &audit); !audit.Intact {
		t.Error("the copy's log is not intact")
	}
	w.stop()

	again, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Files(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := Copy(ctx, fresh, again); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "host.db"))
	if _, err := Copy(ctx, again, fresh); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("copy into a folder that holds a host: %v, want ErrNotEmpty", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "host.db")); string(after) != string(before) {
		t.Fatal("a refused copy changed the destination's index")
	}
	again.Close()
	w.start() // for the world's cleanup
}

// TestCopyRefusesAnEmptySource: a folder without a host copies nothing.
func TestCopyRefusesAnEmptySource(t *testing.T) {
	src, err := Files(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dir := t.TempDir()
	dst, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := Copy(context.Background(), dst, src); !errors.Is(err, errNoHost) {
		t.Fatalf("copy from a folder without a host: %v", err)
	}
}
