package httpx

import (
	"sync"
	"time"
)

// Budget allows each key (a vault) n counted events per window, from every
// client together. The caller checks Wait before the work and calls Count
// only for what it wants to bound (a push that was queued, a dossier that
// was served), so requests that fail early cost a key nothing: a stranger
// sending junk from many addresses cannot use up a vault's budget and shut
// out the organisations and helpers it trusts. Requests in flight when the
// budget runs out may still be counted, so a key can overshoot by the
// requests it had in flight at that moment.
type Budget struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	now    func() time.Time
	keys   map[string]*spent
}

// spent is one key's window: when it began and how much it used.
type spent struct {
	start time.Time
	n     int
}

// NewBudget allows n counted events per window for each key; a negative n
// is no budget at all (nil, whose Wait is always zero).
func NewBudget(n int, window time.Duration, now func() time.Time) *Budget {
	if n < 0 {
		return nil
	}
	return &Budget{n: n, window: window, now: now, keys: map[string]*spent{}}
}

// current is key's window, begun anew once the last one passed; nil when
// key has used nothing in this window. The caller holds mu.
func (b *Budget) current(key string, now time.Time) *spent {
	s := b.keys[key]
	if s != nil && now.Sub(s.start) >= b.window {
		delete(b.keys, key)
		return nil
	}
	return s
}

// Wait is how long key must wait before its budget allows another event;
// zero when it may go ahead.
func (b *Budget) Wait(key string) time.Duration {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if s := b.current(key, now); s != nil && s.n >= b.n {
		return s.start.Add(b.window).Sub(now)
	}
	return 0
}

// Count uses one event of key's budget.
func (b *Budget) Count(key string) { b.CountN(key, 1) }

// CountN uses n events of key's budget at once: a push counts the
// statements it queued, not the request that brought them.
func (b *Budget) CountN(key string, n int) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	s := b.current(key, now)
	if s == nil {
		if len(b.keys) >= maxBudgetKeys {
			b.prune(now)
		}
		s = &spent{start: now}
		b.keys[key] = s
	}
	s.n += n
}

// maxBudgetKeys is when Count drops the windows that have passed. Only
// counted events make keys, so their number is bounded by the keys that
// did real work within a window.
const maxBudgetKeys = 10000

func (b *Budget) prune(now time.Time) {
	for k, s := range b.keys {
		if now.Sub(s.start) >= b.window {
			delete(b.keys, k)
		}
	}
}

// Pace slows wrong tries on one key from every client together (a login
// name, tried from many addresses): the first free failures within a
// window cost nothing; beyond them one try per every is let through, and
// every other try gets *Throttled without being tried. A try is counted as
// failed before it is made (parallel tries cannot slip past the count) and
// given back when it was right. Callers exempt the clients they know (the
// resident's own device), so an attacker who keeps the pace busy delays
// only devices that never logged in.
type Pace struct {
	budget *Budget
	every  time.Duration
	mu     sync.Mutex
	next   map[string]time.Time
}

// NewPace lets free failures per window through for each key, then one try
// per every; a negative free is no pace at all (nil, which lets every try
// through).
func NewPace(free int, window, every time.Duration, now func() time.Time) *Pace {
	if free < 0 {
		return nil
	}
	return &Pace{budget: NewBudget(free, window, now), every: every, next: map[string]time.Time{}}
}

// Begin returns *Throttled while key must wait; otherwise it counts the
// try as failed and returns end, which the caller calls with whether the
// try was right (or not made after all): then the count and the paced
// slot it took are given back.
func (p *Pace) Begin(key string) (end func(ok bool), err error) {
	if p == nil {
		return func(bool) {}, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	before, slot := p.next[key]
	reserved := false
	if p.budget.Wait(key) > 0 {
		now := p.budget.now()
		if d := p.next[key].Sub(now); d > 0 {
			return nil, &Throttled{Wait: d}
		}
		if len(p.next) >= maxBudgetKeys {
			for k, t := range p.next {
				if !t.After(now) {
					delete(p.next, k)
				}
			}
		}
		p.next[key] = now.Add(p.every)
		reserved = true
	}
	p.budget.Count(key)
	return func(ok bool) {
		if !ok {
			return
		}
		p.budget.refund(key)
		if !reserved {
			return
		}
		p.mu.Lock()
		if slot {
			p.next[key] = before
		} else {
			delete(p.next, key)
		}
		p.mu.Unlock()
	}, nil
}

// refund gives back one counted event of key's current window.
func (b *Budget) refund(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s := b.current(key, b.now()); s != nil && s.n > 0 {
		s.n--
	}
}
