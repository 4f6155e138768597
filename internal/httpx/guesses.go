package httpx

import (
	"container/list"
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// Guesses slows down passphrase guessing. Each key (a client, or a client
// with a login name) has its own count, so that a stranger spending tries
// from elsewhere cannot lock the resident out: after two failures each try
// must wait twice as long as the last, and after maxFailures the key waits
// a lockout. A try is counted as failed before its key is derived, so
// parallel tries cannot slip past the count.
//
// An IPv6 client is its /64, which one party usually holds whole, so that
// an attacker's 2^64 addresses count as one client. The table holds at
// most maxGuessers keys; when full, the key whose last try is oldest makes
// room, so a flood of strangers never locks out a client it has not seen.
type Guesses struct {
	mu          sync.Mutex
	tries       map[string]*list.Element // of *tries
	recent      *list.List               // of *tries, most recently tried first
	maxFailures int
	lockout     time.Duration
	now         func() time.Time
}

// tries is one key's count.
type tries struct {
	key        string
	failures   int
	next, last time.Time
}

// maxGuessers bounds how many keys Guesses remembers.
const maxGuessers = 10000

// Throttled is a try that must wait.
type Throttled struct{ Wait time.Duration }

// Error says how long to wait.
func (t *Throttled) Error() string {
	return fmt.Sprintf("too many wrong passphrases; wait %s", t.Wait.Round(time.Second))
}

// NewGuesses counts wrong tries: after maxFailures a key waits lockout.
func NewGuesses(maxFailures int, lockout time.Duration, now func() time.Time) *Guesses {
	return &Guesses{tries: map[string]*list.Element{}, recent: list.New(), maxFailures: maxFailures, lockout: lockout, now: now}
}

// Begin returns *Throttled while the key of client (its address) and name
// (a login name, or "") must wait. Otherwise admit (when not nil) may still
// refuse the try, which then is not counted; else the try is counted as
// failed and the caller checks the passphrase and calls end with whether it
// was right. A right one clears the key's count.
func (g *Guesses) Begin(client, name string, admit func() error) (end func(ok bool), err error) {
	key := clientKey(client) + "\x00" + name
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	el := g.tries[key]
	if el == nil {
		for len(g.tries) >= maxGuessers {
			g.forget(g.recent.Back())
		}
		el = g.recent.PushFront(&tries{key: key})
		g.tries[key] = el
	}
	a := el.Value.(*tries)
	if d := a.next.Sub(now); d > 0 {
		return nil, &Throttled{Wait: d}
	}
	if admit != nil {
		if err := admit(); err != nil {
			if a.last.IsZero() {
				g.forget(el) // never counted: nothing to remember
			}
			return nil, err
		}
	}
	a.fail(now, g.maxFailures, g.lockout)
	g.recent.MoveToFront(el)
	return func(ok bool) {
		if ok {
			g.mu.Lock()
			if el, found := g.tries[key]; found {
				g.forget(el)
			}
			g.mu.Unlock()
		}
	}, nil
}

// fail counts one more failed try at now: from the second on, each next
// try waits twice as long as the last; the maxFailures-th waits lockout
// and starts the count again.
func (a *tries) fail(now time.Time, maxFailures int, lockout time.Duration) {
	a.failures++
	a.last = now
	switch {
	case a.failures >= maxFailures:
		a.next = now.Add(lockout)
		a.failures = 0
	case a.failures >= 2:
		a.next = now.Add(time.Second << (a.failures - 2))
	}
}

// forget drops one key.
func (g *Guesses) forget(el *list.Element) {
	delete(g.tries, g.recent.Remove(el).(*tries).key)
}

// clientKey is the client an address stands for: an IPv6 address's /64,
// any other address (IPv4, or IPv4 written as IPv6) as it is.
func clientKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.WithZone("").Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}
