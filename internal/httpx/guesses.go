package httpx

import (
	"fmt"
	"sync"
	"time"
)

// Guesses slows down passphrase guessing. Each key (a client address, or
// an address with a login name) has its own count, so that a stranger
// spending tries from elsewhere cannot lock the resident out: after two
// failures each try must wait twice as long as the last, and after
// maxFailures the key waits a lockout. A try is counted as failed before its
// key is derived, so parallel tries cannot slip past the count.
type Guesses struct {
	mu          sync.Mutex
	tries       map[string]*tries
	maxFailures int
	lockout     time.Duration
	now         func() time.Time
}

// tries is one key's count.
type tries struct {
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
	return &Guesses{tries: map[string]*tries{}, maxFailures: maxFailures, lockout: lockout, now: now}
}

// Begin returns *Throttled while key must wait. Otherwise admit (when not
// nil) may still refuse the try, which then is not counted; else the try is
// counted as failed and the caller checks the passphrase and calls end with
// whether it was right. A right one clears the key's count.
func (g *Guesses) Begin(key string, admit func() error) (end func(ok bool), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	a := g.tries[key]
	if a == nil {
		if len(g.tries) >= maxGuessers {
			g.prune(now)
		}
		if len(g.tries) >= maxGuessers {
			return nil, &Throttled{Wait: g.lockout}
		}
		a = &tries{}
		g.tries[key] = a
	}
	if d := a.next.Sub(now); d > 0 {
		return nil, &Throttled{Wait: d}
	}
	if admit != nil {
		if err := admit(); err != nil {
			return nil, err
		}
	}
	a.failures++
	a.last = now
	switch {
	case a.failures >= g.maxFailures:
		a.next = now.Add(g.lockout)
		a.failures = 0
	case a.failures >= 2:
		a.next = now.Add(time.Second << (a.failures - 2))
	}
	return func(ok bool) {
		if ok {
			g.mu.Lock()
			delete(g.tries, key)
			g.mu.Unlock()
		}
	}, nil
}

// prune forgets keys whose last try is older than a lockout and that need
// not wait any more.
func (g *Guesses) prune(now time.Time) {
	for k, a := range g.tries {
		if !now.Before(a.next) && now.Sub(a.last) > g.lockout {
			delete(g.tries, k)
		}
	}
}
