package api

import (
	"net/url"
	"sync"
	"time"

	"regie/trust"
	"regie/web"
)

// Kept forms: a form the resident sends after the session ended is not
// lost. Its values wait in memory for a few minutes under a random id that
// only the unlock form carries; after the unlock the form's page shows them
// filled in, to be checked and sent again with the new session's CSRF token.
// Nothing is sent on the resident's behalf, nothing is written to disk or
// logged, and a stranger's cross-site post can only fill in a form that the
// resident still has to send herself.

// keptPage says whether a form posted to path is kept, and on which page
// it is shown again.
func keptPage(path string) (string, bool) {
	switch path {
	case "/consent":
		return "/consent", true
	case "/budget/costs":
		return "/budget", true
	}
	return "", false
}

const (
	// keptFor is how long a kept form waits for the unlock.
	keptFor = 10 * time.Minute
	// maxKept bounds how many forms wait at once: anyone can post a form
	// without a session, so the store must not grow without end.
	maxKept = 100
	// maxKeptBytes bounds one kept form, encoded.
	maxKeptBytes = 8 << 10
)

// keptForm is one form's values and the page that shows them again.
type keptForm struct {
	page   string
	values url.Values
	until  time.Time
}

// keptForms holds the forms that wait for an unlock.
type keptForms struct {
	mu  sync.Mutex
	m   map[string]keptForm
	now func() time.Time
}

func newKeptForms(now func() time.Time) *keptForms {
	return &keptForms{m: map[string]keptForm{}, now: now}
}

// keep stores the values of a form posted to path and returns its id, or ""
// when this form is not one that is kept or is too large.
func (k *keptForms) keep(path string, values url.Values) string {
	page, ok := keptPage(path)
	if !ok {
		return ""
	}
	clean := url.Values{}
	for name, vs := range values {
		switch name {
		case "csrf", "confirm", "next", "kept", "passphrase":
			// The old token is dead, and a confirmation is never carried
			// over: the resident sees the form again and decides anew.
			continue
		}
		clean[name] = vs
	}
	if len(clean.Encode()) > maxKeptBytes {
		return ""
	}
	id := trust.RandomID(24)
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	k.prune(now)
	if len(k.m) >= maxKept {
		return ""
	}
	k.m[id] = keptForm{page: page, values: clean, until: now.Add(keptFor)}
	return id
}

// has reports whether id names a form still waiting.
func (k *keptForms) has(id string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	f, ok := k.m[id]
	return ok && k.now().Before(f.until)
}

// take removes and returns the form id names, if it still waits.
func (k *keptForms) take(id string) (keptForm, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	f, ok := k.m[id]
	delete(k.m, id)
	if !ok || !k.now().Before(f.until) {
		return keptForm{}, false
	}
	return f, true
}

func (k *keptForms) prune(now time.Time) {
	for id, f := range k.m {
		if !now.Before(f.until) {
			delete(k.m, id)
		}
	}
}

// takeKept hands the page at path the form kept for it in this session, once.
func (s *sessions) takeKept(ses *session, path string) web.KeptForm {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ses.kept == nil || ses.kept.page != path {
		return nil
	}
	f := ses.kept.values
	ses.kept = nil
	return web.KeptForm(f)
}

// giveKept attaches a kept form to a new session.
func (s *sessions) giveKept(ses *session, f keptForm) {
	s.mu.Lock()
	ses.kept = &f
	s.mu.Unlock()
}
