package host

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"regie/internal/testkit"
	"regie/store"
	"regie/store/pgstore"
	"regie/wallet"
)

// sharedFiles is one data folder that two hosts use at once, as two host
// processes use one database: it says Shared, and hands both hosts the
// same open store of the index and of each vault, so that what one writes
// the other reads in its next transaction.
type sharedFiles struct {
	files  Backend
	mu     sync.Mutex
	vaults map[string]store.DB
}

// keepOpen is a store whose Close leaves it open for the other host.
type keepOpen struct{ store.DB }

func (keepOpen) Close() error { return nil }

func newSharedFiles(t *testing.T, dir string) *sharedFiles {
	t.Helper()
	f, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := &sharedFiles{files: f, vaults: map[string]store.DB{}}
	t.Cleanup(func() {
		for _, db := range s.vaults {
			db.Close()
		}
		f.Close()
	})
	return s
}

func (s *sharedFiles) Index() store.DB { return keepOpen{s.files.Index()} }
func (s *sharedFiles) Shared() bool    { return true }
func (s *sharedFiles) Close() error    { return nil }

func (s *sharedFiles) open(ctx context.Context, id string, make bool) (store.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if db := s.vaults[id]; db != nil {
		return keepOpen{db}, nil
	}
	var db store.DB
	var err error
	if make {
		db, err = s.files.CreateVault(ctx, id)
	} else {
		db, err = s.files.OpenVault(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	s.vaults[id] = db
	return keepOpen{db}, nil
}

func (s *sharedFiles) OpenVault(ctx context.Context, id string) (store.DB, error) {
	return s.open(ctx, id, false)
}

func (s *sharedFiles) CreateVault(ctx context.Context, id string) (store.DB, error) {
	return s.open(ctx, id, true)
}

func (s *sharedFiles) RemoveVault(ctx context.Context, id string) error {
	s.mu.Lock()
	if db := s.vaults[id]; db != nil {
		db.Close()
		delete(s.vaults, id)
	}
	s.mu.Unlock()
	return s.files.RemoveVault(ctx, id)
}

// twin starts a second host at its own address, on backend (w's when nil).
func (w *hostWorld) twin(backend Backend) *hostWorld {
	w.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close()
	if backend == nil {
		backend = w.backend
	}
	v := &hostWorld{t: w.t, dir: w.dir, base: base, tl: w.tl, cjib: w.cjib, helpA: w.helpA, now: w.now, limits: w.limits, backend: backend}
	v.start()
	w.t.Cleanup(v.stop)
	return v
}

// TestTwoHostsShareOneStore: two hosts on one shared store serve the same
// residents. A session made on one works on the other; a push taken by
// one reaches the resident's next request on the other; a logout on one
// ends the session on both, and a push afterwards waits for the next
// login instead of being read with keys the other host still held; wrong
// passphrases spread over both meet one count; a vault deleted through
// one is gone from the other.
func TestTwoHostsShareOneStore(t *testing.T) {
	for _, b := range sharedBackends() {
		t.Run(b.name, func(t *testing.T) { testTwoHostsShareOneStore(t, b.open) })
	}
}

// sharedBackends are the stores two hosts can share: open gives each host
// its own backend on the one store, as two processes each open their own.
func sharedBackends() []struct {
	name string
	open func(t *testing.T, dir string) (Backend, Backend)
} {
	return []struct {
		name string
		open func(t *testing.T, dir string) (Backend, Backend)
	}{
		{"bbolt in one process", func(t *testing.T, dir string) (Backend, Backend) {
			s := newSharedFiles(t, dir)
			return s, s
		}},
		{"PostgreSQL", func(t *testing.T, _ string) (Backend, Backend) {
			url := testkit.Postgres(t)
			return Database(openPostgres(t, url)), Database(openPostgres(t, url))
		}},
	}
}

// openPostgres opens and migrates the database at url; the host that gets
// it closes it.
func openPostgres(t *testing.T, url string) *pgstore.DB {
	t.Helper()
	db, err := pgstore.Open(context.Background(), url, pgstore.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db
}

func testTwoHostsShareOneStore(t *testing.T, open func(t *testing.T, dir string) (Backend, Backend)) {
	dir := t.TempDir()
	b1, b2 := open(t, dir)
	one := newHostWorld(t, func(w *hostWorld) {
		w.dir, w.backend, w.limits = dir, b1, Limits{LoginPaceFree: 4, LoginPaceEvery: time.Minute}
	})
	two := one.twin(b2)
	r := one.resident() // one cookie jar: 127.0.0.1 on either port
	acc := one.signup(r, "fatima", bsnA, nameA, passA)
	onTwo := &resident{w: two, client: r.client}
	var o wallet.Overview
	if code := onTwo.call("GET", "/api/v1/overview", nil, &o); code != 200 {
		t.Fatalf("the session of one on two: %d", code)
	}
	if code, out := two.push(two.h.WalletURL(acc.Vault), one.debt(bsnA, "c1", "CJIB-1111", 52591357)); code != 202 || out["accepted"] != float64(1) {
		t.Fatalf("push to two: %d %v", code, out)
	}
	if code := r.call("GET", "/api/v1/overview", nil, &o); code != 200 || o.TotalOutstandingCents != 52591357 {
		t.Fatalf("overview on one after a push to two: %d, %d cents", code, o.TotalOutstandingCents)
	}

	if code := r.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
		t.Fatalf("logout on one: %d", code)
	}
	if code := onTwo.call("GET", "/api/v1/overview", nil, nil); code != 401 {
		t.Fatalf("the ended session on two: %d, want 401", code)
	}
	if code, _ := two.push(two.h.WalletURL(acc.Vault), one.debt(bsnA, "c2", "CJIB-2222", 77003141)); code != 202 {
		t.Fatalf("push to two after logout: %d", code)
	}
	if n := one.pendingCount(acc.Vault); n != 1 {
		t.Fatalf("%d pushes wait after logout, want 1 (two still held the keys, but no session)", n)
	}
	// Two learns of the logout at its next sweep (every minute), which
	// drops the keys it held.
	holds := func() bool {
		two.h.mu.Lock()
		defer two.h.mu.Unlock()
		p := two.h.open[acc.Vault]
		return p != nil && p.v.Unlocked()
	}
	if !holds() {
		t.Fatal("two never held the vault's keys: the sweep below would test nothing")
	}
	if err := two.h.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if holds() {
		t.Fatal("two still holds the vault's keys after its sweep")
	}

	guesser := &resident{w: one, client: clientFrom("127.0.0.2")}
	guesserOnTwo := &resident{w: two, client: guesser.client}
	codes := []int{
		guesser.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": "nog een gok erbij"}, nil),
		guesserOnTwo.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": "nog een gok erbij"}, nil),
		guesser.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": "nog een gok erbij"}, nil),
		guesserOnTwo.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": "nog een gok erbij"}, nil),
	}
	if codes[0] != 401 || codes[1] != 401 || codes[2] != 429 || codes[3] != 429 {
		t.Fatalf("guesses over both hosts answered %v, want 401 401 429 429", codes)
	}

	var back Account
	if code := onTwo.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, &back); code != 200 || back.Arrived == nil || back.Arrived.Added != 1 {
		t.Fatalf("login on two: %d %+v", code, back.Arrived)
	}
	// The pace of one login name's wrong passphrases from every address
	// is one over both hosts: two counted above, two more free, one paced,
	// then wait; the resident's own device logs in all the same.
	var paced []int
	for i := range 6 {
		via := []*hostWorld{one, two}[i%2]
		g := &resident{w: via, client: clientFrom(fmt.Sprintf("127.0.1.%d", i+1))}
		paced = append(paced, g.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": "een foute gok nummer"}, nil))
	}
	if want := []int{401, 401, 401, 429, 429, 429}; fmt.Sprint(paced) != fmt.Sprint(want) {
		t.Fatalf("guesses from six addresses over both hosts answered %v, want %v", paced, want)
	}
	if code := r.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, nil); code != 200 {
		t.Fatalf("the resident's own device while the pace waits: %d", code)
	}
	if code := r.call("DELETE", "/api/v1/vault", map[string]string{"passphrase": passA}, nil); code != 204 {
		t.Fatalf("delete on one: %d", code)
	}
	if code, _ := two.push(two.h.WalletURL(acc.Vault), one.debt(bsnA, "c3", "CJIB-3333", 1)); code != 404 {
		t.Fatalf("push to two after the vault was deleted on one: %d, want 404", code)
	}
	two.h.mu.Lock()
	held := two.h.open[acc.Vault] != nil
	two.h.mu.Unlock()
	if held {
		t.Fatal("two still holds the deleted vault open")
	}
	if !strings.HasPrefix(acc.Wallet, one.base) {
		t.Fatalf("wallet address %q", acc.Wallet)
	}
}
