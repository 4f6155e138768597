package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"runtime"
	"sync"
	"time"

	"regie/trust"
)

// sessions are the resident's logins. They live in memory only: a restart
// logs everyone out, which is what a resident expects of a vault.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
	// opened says a session was ever made in this process.
	opened bool
	idle   time.Duration
	max    time.Duration
	now    func() time.Time
}

type session struct {
	csrf    string
	created time.Time
	seen    time.Time
	// arrived is what came in while the vault was locked, found at unlock.
	arrived Arrived
	// kept is a form sent after an earlier session ended, shown again
	// filled in on its page once.
	kept *keptForm
}

func newSessions(idle time.Duration, now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, idle: idle, max: 8 * time.Hour, now: now}
}

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// create starts a session and returns its cookie value.
func (s *sessions) create() (string, *session) {
	token := trust.RandomID(32)
	now := s.now()
	ses := &session{csrf: trust.RandomID(24), created: now, seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if s.expired(v, now) {
			delete(s.m, k)
		}
	}
	s.m[tokenKey(token)] = ses
	s.opened = true
	return token, ses
}

func (s *sessions) expired(v *session, now time.Time) bool {
	return now.Sub(v.seen) > s.idle || now.Sub(v.created) > s.max
}

// get returns the live session for a cookie value and marks it used.
func (s *sessions) get(token string) (*session, bool) {
	if token == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := tokenKey(token)
	v, ok := s.m[k]
	if !ok {
		return nil, false
	}
	now := s.now()
	if s.expired(v, now) {
		delete(s.m, k)
		return nil, false
	}
	v.seen = now
	return v, true
}

// allEnded prunes expired sessions and reports whether none is left of
// the ones that were opened; before the first login it reports false, so that
// a vault the operator unlocked at start stays unlocked until then.
func (s *sessions) allEnded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, v := range s.m {
		if s.expired(v, now) {
			delete(s.m, k)
		}
	}
	return s.opened && len(s.m) == 0
}

// endAll ends every session: locking logs out every device.
func (s *sessions) endAll() {
	s.mu.Lock()
	clear(s.m)
	s.mu.Unlock()
}

// throttle slows down passphrase guessing. Each client address has its own
// count, so that a stranger spending tries from elsewhere cannot lock the
// resident out: after a few failures each try must wait longer, and after
// maxFailures that address is refused for lockout. A try is counted before
// its key is derived, so parallel tries cannot slip past the count, and no
// more key derivations run at once than there are cores, because each costs
// tens of MiB of memory.
type throttle struct {
	mu          sync.Mutex
	clients     map[string]*tries
	maxFailures int
	lockout     time.Duration
	now         func() time.Time
	slots       chan struct{} // one per key derivation allowed at once
}

// tries is one client address's count.
type tries struct {
	failures   int
	next, last time.Time
}

// maxThrottled bounds how many client addresses the throttle remembers.
const maxThrottled = 10000

// errBusy says every core is already deriving a key.
var errBusy = errors.New("every core is checking a passphrase")

func newThrottle(maxFailures int, lockout time.Duration, now func() time.Time) *throttle {
	return &throttle{clients: map[string]*tries{}, maxFailures: maxFailures, lockout: lockout, now: now,
		slots: make(chan struct{}, runtime.NumCPU())}
}

// begin counts a try from client as failed before its key is derived. It
// returns *lockedOut while that client must wait and errBusy while every
// derivation slot is taken; otherwise the caller derives the key and then
// calls end with whether the passphrase was right.
func (t *throttle) begin(client string) (end func(ok bool), err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	a := t.clients[client]
	if a == nil {
		if len(t.clients) >= maxThrottled {
			t.prune(now)
		}
		if len(t.clients) >= maxThrottled {
			return nil, &lockedOut{wait: t.lockout}
		}
		a = &tries{}
		t.clients[client] = a
	}
	if d := a.next.Sub(now); d > 0 {
		return nil, &lockedOut{wait: d}
	}
	select {
	case t.slots <- struct{}{}:
	default:
		return nil, errBusy
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
			delete(t.clients, client)
			t.mu.Unlock()
		}
		<-t.slots
	}, nil
}

// prune forgets clients whose last try is older than a lockout and who
// need not wait any more.
func (t *throttle) prune(now time.Time) {
	for k, a := range t.clients {
		if !now.Before(a.next) && now.Sub(a.last) > t.lockout {
			delete(t.clients, k)
		}
	}
}
