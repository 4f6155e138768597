package host

import (
	"context"
	"time"

	"regie/internal/httpx"
)

// guessCounter counts wrong passphrases per client address and login name
// (see httpx.Guesses): in memory for a host alone on its files, in the
// index for hosts that share a store, so that a guesser spreading tries
// over them meets one count.
type guessCounter interface {
	Begin(ctx context.Context, client, name string) (end func(ok bool), err error)
	// Prune forgets counts that ran out; the sweeper calls it.
	Prune(ctx context.Context) error
}

// memoryGuesses is httpx.Guesses as a guessCounter.
type memoryGuesses struct{ g *httpx.Guesses }

func (m memoryGuesses) Begin(_ context.Context, client, name string) (func(ok bool), error) {
	return m.g.Begin(client, name, nil)
}

func (memoryGuesses) Prune(context.Context) error { return nil }

// paceCounter paces wrong passphrases per login name from every address
// together (see httpx.Pace): in memory, or in the index for hosts sharing
// a store.
type paceCounter interface {
	Begin(ctx context.Context, key string) (end func(ok bool), err error)
	Prune(ctx context.Context) error
}

// memoryPace is httpx.Pace as a paceCounter.
type memoryPace struct{ p *httpx.Pace }

func (m memoryPace) Begin(_ context.Context, key string) (func(ok bool), error) {
	return m.p.Begin(key)
}

func (memoryPace) Prune(context.Context) error { return nil }

// paceCounter is the pace this host's backend calls for.
func (h *Host) paceCounter(free int, window, every time.Duration) paceCounter {
	if h.backend.Shared() {
		return httpx.NewStoredPace(h.ix.db, h.ix.pepper, free, window, every, h.cfg.Now)
	}
	return memoryPace{httpx.NewPace(free, window, every, h.cfg.Now)}
}

// guessCounter is the count this host's backend calls for.
func (h *Host) guessCounter(maxFailures int, lockout time.Duration) guessCounter {
	if h.backend.Shared() {
		return httpx.NewStoredGuesses(h.ix.db, h.ix.pepper, maxFailures, lockout, h.cfg.Now)
	}
	return memoryGuesses{httpx.NewGuesses(maxFailures, lockout, h.cfg.Now)}
}
