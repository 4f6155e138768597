package httpx

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"time"

	"regie/store"
)

// StoredPace is Pace counted in a store, for servers that share one: a
// guesser who tries one login name through several host processes meets
// one pace. The store holds each key as a keyed hash.
type StoredPace struct {
	db     store.DB
	key    []byte
	free   int
	window time.Duration
	every  time.Duration
	now    func() time.Time
}

// paceBucket is the top-level bucket StoredPace keeps its counts in.
var paceBucket = []byte("pace")

// storedPace is one key's pace as stored: the window's start and count,
// and the next paced try's time.
type storedPace struct {
	Start time.Time `json:"s"`
	N     int       `json:"n"`
	Next  time.Time `json:"t"`
}

// NewStoredPace is NewPace counted in db; key (at least 32 random bytes)
// hashes the counted keys.
func NewStoredPace(db store.DB, key []byte, free int, window, every time.Duration, now func() time.Time) *StoredPace {
	return &StoredPace{db: db, key: key, free: free, window: window, every: every, now: now}
}

func (p *StoredPace) id(key string) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte("regie/v1/pace\x00" + key))
	return m.Sum(nil)
}

// update reads key's pace, its window begun anew once the last one
// passed, lets fn change it and writes it back, in one write transaction.
func (p *StoredPace) update(ctx context.Context, id []byte, fn func(st *storedPace, now time.Time) error) error {
	return updateRecord(ctx, p.db, paceBucket, id, func(st *storedPace) error {
		now := p.now()
		if now.Sub(st.Start) >= p.window {
			st.Start, st.N = now, 0
		}
		return fn(st, now)
	})
}

// Begin is Pace.Begin, each step in one write transaction of the store.
func (p *StoredPace) Begin(ctx context.Context, key string) (end func(ok bool), err error) {
	id := p.id(key)
	var before time.Time
	reserved := false
	err = p.update(ctx, id, func(st *storedPace, now time.Time) error {
		before, reserved = st.Next, false // Batch-safe: set from what is read
		if st.N >= p.free {
			if d := st.Next.Sub(now); d > 0 {
				return &Throttled{Wait: d}
			}
			st.Next = now.Add(p.every)
			reserved = true
		}
		st.N++
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func(ok bool) {
		if !ok {
			return
		}
		// A right try gives back its count and its paced slot; if the
		// store fails now they stay spent, which errs on the careful side.
		_ = p.update(context.WithoutCancel(ctx), id, func(st *storedPace, _ time.Time) error {
			if st.N > 0 {
				st.N--
			}
			if reserved {
				st.Next = before
			}
			return nil
		})
	}, nil
}

// Prune forgets the paces whose window and paced slot have passed.
func (p *StoredPace) Prune(ctx context.Context) error {
	now := p.now()
	return pruneBucket(ctx, p.db, paceBucket, func(v []byte) bool {
		var st storedPace
		return json.Unmarshal(v, &st) != nil || (now.Sub(st.Start) >= p.window && !st.Next.After(now))
	})
}
