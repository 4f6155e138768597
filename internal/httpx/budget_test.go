package httpx

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestBudget: each key gets n counted events per window from its first
// one; Wait says how long until the next window; keys do not share; a
// negative n is no budget; windows that passed are dropped when the table
// fills.
func TestBudget(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	b := NewBudget(2, time.Minute, clock)
	for i := range 2 {
		if w := b.Wait("a"); w != 0 {
			t.Fatalf("event %d waits %s", i, w)
		}
		b.Count("a")
	}
	if w := b.Wait("a"); w != time.Minute {
		t.Fatalf("beyond the budget: wait %s, want 1m", w)
	}
	if w := b.Wait("b"); w != 0 {
		t.Fatalf("another key waits %s", w)
	}
	now = now.Add(time.Minute)
	if w := b.Wait("a"); w != 0 {
		t.Fatalf("the next window waits %s", w)
	}
	off := NewBudget(-1, time.Minute, clock)
	for range 100 {
		off.Count("a")
	}
	if w := off.Wait("a"); w != 0 {
		t.Fatalf("no budget waits %s", w)
	}
	full := NewBudget(1, time.Minute, clock)
	for i := range maxBudgetKeys {
		full.Count(fmt.Sprint(i))
	}
	now = now.Add(time.Minute)
	full.Count("new")
	if n := len(full.keys); n != 1 {
		t.Fatalf("%d keys after the table filled with passed windows, want 1", n)
	}
}

// TestPace: free failures go through, then one try per interval; a right
// try gives back its count and its paced slot; a negative free is no pace.
func TestPace(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	p := NewPace(2, time.Hour, time.Minute, func() time.Time { return now })
	var th *Throttled
	for i := range 2 {
		end, err := p.Begin("x")
		if err != nil {
			t.Fatalf("free try %d: %v", i, err)
		}
		end(false)
	}
	end, err := p.Begin("x")
	if err != nil {
		t.Fatalf("the paced try: %v", err)
	}
	if _, err := p.Begin("x"); !errors.As(err, &th) || th.Wait != time.Minute {
		t.Fatalf("a try within the interval: %v", err)
	}
	end(true) // right: the slot comes back
	if _, err := p.Begin("x"); err != nil {
		t.Fatalf("after a right try: %v", err)
	}
	var off *Pace = NewPace(-1, time.Hour, time.Minute, time.Now)
	for range 10 {
		if _, err := off.Begin("x"); err != nil {
			t.Fatal(err)
		}
	}
}
