package httpx

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// entries is how many keys g remembers.
func (g *Guesses) entries() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.tries)
}

// TestGuessesCountsAnIPv6PrefixAsOneClient: one party holds a whole /64
// (a home or a server gets one), so its addresses are one client: 10,000 of
// them make one entry that waits as one, while the next /64 is a stranger.
func TestGuessesCountsAnIPv6PrefixAsOneClient(t *testing.T) {
	g := NewGuesses(10, 15*time.Minute, time.Now)
	prefix := netip.MustParsePrefix("2001:db8:1:2::/64")
	a := prefix.Addr().As16()
	throttled := 0
	for i := range maxGuessers {
		a[12], a[13], a[14], a[15] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		a[8] = byte(i) // vary the interface part well beyond the last bytes
		end, err := g.Begin(netip.AddrFrom16(a).String(), "", nil)
		var th *Throttled
		switch {
		case errors.As(err, &th):
			throttled++
		case err != nil:
			t.Fatal(err)
		default:
			end(false)
		}
	}
	if n := g.entries(); n != 1 {
		t.Fatalf("%d entries for one /64, want 1", n)
	}
	if throttled < maxGuessers-10 {
		t.Fatalf("only %d of %d tries from one /64 waited", throttled, maxGuessers)
	}
	if _, err := g.Begin("2001:db8:1:3::1", "", nil); err != nil {
		t.Fatalf("a client in the next /64: %v", err)
	}
}

// TestGuessesFullTableStillAdmitsANewClient: a table filled with locked-out
// clients from many /64s does not lock out a client it has not seen (the
// resident): the least recent entry makes room, and the most recent ones
// still wait.
func TestGuessesFullTableStillAdmitsANewClient(t *testing.T) {
	g := NewGuesses(1, 15*time.Minute, time.Now) // one wrong try locks out
	for i := range maxGuessers {
		end, err := g.Begin(fmt.Sprintf("2001:db8:%x:%x::1", i>>16, i&0xffff), "", nil)
		if err != nil {
			t.Fatalf("filling, client %d: %v", i, err)
		}
		end(false)
	}
	if n := g.entries(); n != maxGuessers {
		t.Fatalf("%d entries, want %d", n, maxGuessers)
	}
	for _, fresh := range []string{"192.0.2.7", "198.51.100.8"} {
		end, err := g.Begin(fresh, "", nil)
		if err != nil {
			t.Fatalf("a fresh client %s with the table full: %v", fresh, err)
		}
		end(true)
	}
	if n := g.entries(); n > maxGuessers {
		t.Fatalf("%d entries, more than %d", n, maxGuessers)
	}
	last := fmt.Sprintf("2001:db8:%x:%x::1", (maxGuessers-1)>>16, (maxGuessers-1)&0xffff)
	var th *Throttled
	if _, err := g.Begin(last, "", nil); !errors.As(err, &th) {
		t.Fatalf("the most recent locked-out client: %v, want it still to wait", err)
	}
}
