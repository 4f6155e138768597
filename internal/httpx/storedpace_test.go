package httpx

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"regie/store"
)

// TestStoredPaceAcrossServers: two paces on one store stand for two host
// processes on one database. The free failures of one login name are
// counted once over both; beyond them one try per interval gets through,
// on whichever server; a right try gives its count and slot back; the
// store holds the login name only as a keyed hash; Prune forgets a pace
// whose window and slot have passed.
func TestStoredPaceAcrossServers(t *testing.T) {
	ctx := context.Background()
	db, path, clk := countStore(t)
	key := bytes.Repeat([]byte{9}, 32)
	a := NewStoredPace(db, key, 2, time.Hour, time.Minute, clk.now)
	b := NewStoredPace(db, key, 2, time.Hour, time.Minute, clk.now)
	const name = "login-hash-of-fatima"
	var th *Throttled
	for i, tc := range []struct {
		p    *StoredPace
		wait time.Duration
		ok   bool          // the try was right
		want time.Duration // Throttled.Wait; 0 is let through
	}{
		{a, 0, false, 0},
		{b, 0, false, 0},
		{a, 0, false, 0},           // beyond the free two: the paced slot
		{b, 0, false, time.Minute}, // the slot is taken, on the other server too
		{b, time.Minute, true, 0},  // the next slot; right, so it is given back
		{a, 0, false, 0},           // ... and can be used at once
		{a, time.Second, false, 59 * time.Second},
	} {
		clk.add(tc.wait)
		end, err := tc.p.Begin(ctx, name)
		switch {
		case tc.want == 0 && err != nil:
			t.Fatalf("try %d: %v, want let through", i, err)
		case tc.want != 0 && (!errors.As(err, &th) || th.Wait != tc.want):
			t.Fatalf("try %d: %v, want to wait %s", i, err, tc.want)
		case err == nil:
			end(tc.ok)
		}
	}
	if _, err := a.Begin(ctx, "another login"); err != nil {
		t.Fatalf("another login name: %v", err)
	}
	clk.add(2 * time.Hour)
	if err := a.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := db.View(ctx, func(tx store.Tx) error {
		return tx.Bucket(paceBucket).ForEach(func(_, _ []byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d paces after their windows passed", n)
	}
	db.Close()
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte(name)) {
		t.Error("the store holds the login name")
	}
}
