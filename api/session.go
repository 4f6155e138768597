package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"runtime"
	"sync"
	"time"

	"regie/internal/httpx"
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

// takeArrived hands over what came in before the session began, once.
func (s *sessions) takeArrived(ses *session) Arrived {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := ses.arrived
	ses.arrived = Arrived{}
	return a
}

// endAll ends every session: locking logs out every device.
func (s *sessions) endAll() {
	s.mu.Lock()
	clear(s.m)
	s.mu.Unlock()
}

// throttle slows down passphrase guessing per client address (see
// httpx.Guesses), and lets no more key derivations run at once than there
// are cores, because each costs tens of MiB of memory.
type throttle struct {
	guesses *httpx.Guesses
	slots   chan struct{} // one per key derivation allowed at once
}

// lockedOut is a client that must wait before its next try.
type lockedOut = httpx.Throttled

// errBusy says every core is already deriving a key.
var errBusy = errors.New("every core is checking a passphrase")

func newThrottle(maxFailures int, lockout time.Duration, now func() time.Time) *throttle {
	return &throttle{guesses: httpx.NewGuesses(maxFailures, lockout, now), slots: make(chan struct{}, runtime.NumCPU())}
}

// begin counts a try from client as failed before its key is derived. It
// returns *lockedOut while that client must wait and errBusy while every
// derivation slot is taken; otherwise the caller derives the key and then
// calls end with whether the passphrase was right.
func (t *throttle) begin(client string) (end func(ok bool), err error) {
	counted, err := t.guesses.Begin(client, "", func() error {
		select {
		case t.slots <- struct{}{}:
			return nil
		default:
			return errBusy
		}
	})
	if err != nil {
		return nil, err
	}
	return func(ok bool) {
		counted(ok)
		<-t.slots
	}, nil
}
