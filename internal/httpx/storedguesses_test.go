package httpx

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"regie/store"
)

// clock is a settable time for the counts.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countStore is a bbolt store for stored counts, its file's path and a
// clock at a fixed start.
func countStore(t *testing.T) (store.DB, string, *clock) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "index.db")
	db, err := store.OpenBolt(path, store.BoltOptions{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path, &clock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
}

// TestStoredGuessesCountAcrossServers: two counters on one store stand for
// two host processes on one database. Wrong tries spread over both meet
// one count, a right one on either clears it, a stranger's count is its
// own, and the store holds neither the address nor the login name.
func TestStoredGuessesCountAcrossServers(t *testing.T) {
	ctx := context.Background()
	db, path, clk := countStore(t)
	key := bytes.Repeat([]byte{7}, 32)
	a := NewStoredGuesses(db, key, 4, 15*time.Minute, clk.now)
	b := NewStoredGuesses(db, key, 4, 15*time.Minute, clk.now)
	const client, name = "192.0.2.7", "login-hash-of-fatima"
	try := func(g *StoredGuesses, client string, ok bool) error {
		t.Helper()
		end, err := g.Begin(ctx, client, name)
		if err == nil {
			end(ok)
		}
		return err
	}
	var th *Throttled
	for i, tc := range []struct {
		g    *StoredGuesses
		wait time.Duration // waited before the try
		want time.Duration // Throttled.Wait expected; 0 is admitted
	}{
		{a, 0, 0},
		{b, 0, 0},           // second failure: the next waits 1 s
		{a, 0, time.Second}, // ... on the other server too
		{b, time.Second, 0}, // third failure: the next waits 2 s
		{a, time.Second, time.Second},
		{a, time.Second, 0}, // fourth: locked out
		{b, time.Minute, 14 * time.Minute},
	} {
		clk.add(tc.wait)
		err := try(tc.g, client, false)
		switch {
		case tc.want == 0 && err != nil:
			t.Fatalf("try %d: %v, want admitted", i, err)
		case tc.want != 0 && (!errors.As(err, &th) || th.Wait != tc.want):
			t.Fatalf("try %d: %v, want to wait %s", i, err, tc.want)
		}
	}
	if err := try(a, "192.0.2.8", false); err != nil {
		t.Fatalf("a stranger's try: %v", err)
	}
	clk.add(15 * time.Minute)
	if err := try(b, client, true); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	if err := try(a, client, false); err != nil {
		t.Fatalf("after a right passphrase the count starts over: %v", err)
	}
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{client, "192.0.2.8", name} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the store holds %q", s)
		}
	}
}

// TestStoredGuessesPrune: a count whose wait is over and whose last try is
// older than the lockout goes; a waiting one stays.
func TestStoredGuessesPrune(t *testing.T) {
	ctx := context.Background()
	db, _, clk := countStore(t)
	g := NewStoredGuesses(db, bytes.Repeat([]byte{7}, 32), 1, time.Hour, clk.now)
	count := func() (n int) {
		t.Helper()
		if err := db.View(ctx, func(tx store.Tx) error {
			return tx.Bucket(guessesBucket).ForEach(func(_, _ []byte) error { n++; return nil })
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := g.Begin(ctx, "192.0.2.1", ""); err != nil { // locked out for an hour
		t.Fatal(err)
	}
	clk.add(50 * time.Minute)
	if _, err := g.Begin(ctx, "192.0.2.2", ""); err != nil {
		t.Fatal(err)
	}
	clk.add(20 * time.Minute)
	if err := g.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d counts after pruning, want the one still waiting", n)
	}
	if _, err := g.Begin(ctx, "192.0.2.2", ""); !errors.As(err, new(*Throttled)) {
		t.Fatalf("the waiting client after pruning: %v", err)
	}
}
