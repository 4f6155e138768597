package host

import (
	"fmt"
	"sync"
	"time"
)

// throttle slows down passphrase guessing at the host. Each (client
// address, login name) pair has its own count: after two failures each try
// must wait twice as long as the last, and after maxFailures that pair waits
// a lockout. A stranger guessing from elsewhere therefore cannot lock the
// resident out, and one address cannot guess one resident's passphrase
// faster than the waits allow. A try is counted before its key is derived,
// so parallel tries cannot slip past the count.
type throttle struct {
	mu          sync.Mutex
	pairs       map[string]*tries
	maxFailures int
	lockout     time.Duration
	now         func() time.Time
}

// tries is one pair's count.
type tries struct {
	failures   int
	next, last time.Time
}

// maxThrottled bounds how many pairs the throttle remembers.
const maxThrottled = 10000

// throttled is a try that must wait.
type throttled struct{ wait time.Duration }

// Error says how long to wait.
func (t *throttled) Error() string {
	return fmt.Sprintf("too many wrong tries; wait %s", t.wait.Round(time.Second))
}

func newThrottle(maxFailures int, lockout time.Duration, now func() time.Time) *throttle {
	return &throttle{pairs: map[string]*tries{}, maxFailures: maxFailures, lockout: lockout, now: now}
}

// begin counts a try for key as failed, or returns *throttled while key must
// wait. The caller then checks the passphrase and calls end with whether it
// was right; a right one clears the count.
func (t *throttle) begin(key string) (end func(ok bool), err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	a := t.pairs[key]
	if a == nil {
		if len(t.pairs) >= maxThrottled {
			for k, p := range t.pairs {
				if !now.Before(p.next) && now.Sub(p.last) > t.lockout {
					delete(t.pairs, k)
				}
			}
		}
		if len(t.pairs) >= maxThrottled {
			return nil, &throttled{wait: t.lockout}
		}
		a = &tries{}
		t.pairs[key] = a
	}
	if d := a.next.Sub(now); d > 0 {
		return nil, &throttled{wait: d}
	}
	a.failures++
	a.last = now
	switch {
	case a.failures >= t.maxFailures:
		a.next = now.Add(t.lockout)
		a.failures = 0
	case a.failures >= 2:
		a.next = now.Add(time.Second << (a.failures - 2))
	}
	return func(ok bool) {
		if ok {
			t.mu.Lock()
			delete(t.pairs, key)
			t.mu.Unlock()
		}
	}, nil
}
