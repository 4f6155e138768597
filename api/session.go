package api

import (
	"crypto/sha256"
	"encoding/hex"
	"regie/trust"
	"sync"
	"time"
)

// sessions are the resident's logins. They live in memory only: a restart
// logs everyone out, which is what a resident expects of a vault.
type sessions struct {
	mu   sync.Mutex
	m    map[string]*session
	idle time.Duration
	max  time.Duration
	now  func() time.Time
}

type session struct {
	csrf    string
	created time.Time
	seen    time.Time
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

func (s *sessions) end(token string) {
	s.mu.Lock()
	delete(s.m, tokenKey(token))
	s.mu.Unlock()
}

// throttle slows down passphrase guessing: after a few failures each try
// must wait longer, and after MaxFailures the vault refuses all tries for
// Lockout. It counts failures from every client together, because there is
// one vault and one resident.
type throttle struct {
	mu          sync.Mutex
	failures    int
	next        time.Time
	maxFailures int
	lockout     time.Duration
	now         func() time.Time
}

// wait reports how long before another try is allowed.
func (t *throttle) wait() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d := t.next.Sub(t.now()); d > 0 {
		return d
	}
	return 0
}

func (t *throttle) fail() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures++
	switch {
	case t.failures >= t.maxFailures:
		t.next = t.now().Add(t.lockout)
		t.failures = 0
	case t.failures >= 2:
		t.next = t.now().Add(time.Second << (t.failures - 2))
	}
}

func (t *throttle) succeed() {
	t.mu.Lock()
	t.failures, t.next = 0, time.Time{}
	t.mu.Unlock()
}
