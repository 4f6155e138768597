package httpx

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"time"

	"regie/store"
)

// StoredGuesses is Guesses counted in a store instead of in memory, for
// servers that share one store: a guesser who spreads tries over several
// host processes meets one count, and a restart forgets nothing. The
// store holds each key as a keyed hash, so it names no client address and
// no login name.
type StoredGuesses struct {
	db          store.DB
	key         []byte
	maxFailures int
	lockout     time.Duration
	now         func() time.Time
}

// guessesBucket is the top-level bucket StoredGuesses keeps its counts in.
var guessesBucket = []byte("guesses")

// storedTries is one key's count as stored.
type storedTries struct {
	Failures int       `json:"f"`
	Next     time.Time `json:"n"`
	Last     time.Time `json:"l"`
}

// NewStoredGuesses counts wrong tries in db, with the same rule as
// NewGuesses; key (at least 32 random bytes, kept by the caller) hashes
// the counted keys.
func NewStoredGuesses(db store.DB, key []byte, maxFailures int, lockout time.Duration, now func() time.Time) *StoredGuesses {
	return &StoredGuesses{db: db, key: key, maxFailures: maxFailures, lockout: lockout, now: now}
}

func (g *StoredGuesses) id(client, name string) []byte {
	m := hmac.New(sha256.New, g.key)
	m.Write([]byte("regie/v1/guesses\x00" + clientKey(client) + "\x00" + name))
	return m.Sum(nil)
}

// Begin is Guesses.Begin without admit: *Throttled while the key of client
// and name must wait, else the try is counted as failed, in one write
// transaction (so tries at once on several servers are each counted), and
// the caller calls end with whether the passphrase was right.
func (g *StoredGuesses) Begin(ctx context.Context, client, name string) (end func(ok bool), err error) {
	id := g.id(client, name)
	err = updateRecord(ctx, g.db, guessesBucket, id, func(st *storedTries) error {
		now := g.now()
		if d := st.Next.Sub(now); d > 0 {
			return &Throttled{Wait: d}
		}
		a := tries{failures: st.Failures, next: st.Next, last: st.Last}
		a.fail(now, g.maxFailures, g.lockout)
		*st = storedTries{Failures: a.failures, Next: a.next, Last: a.last}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func(ok bool) {
		if !ok {
			return
		}
		// A right passphrase clears the count; if the store fails now,
		// the count stays, which errs on the careful side.
		_ = g.db.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
			if b := tx.Bucket(guessesBucket); b != nil {
				return b.Delete(id)
			}
			return nil
		})
	}, nil
}

// Prune forgets the counts whose wait is over and whose last try is older
// than the lockout: a key quiet that long starts again from nothing, as
// one a full Guesses table let go.
func (g *StoredGuesses) Prune(ctx context.Context) error {
	now := g.now()
	return pruneBucket(ctx, g.db, guessesBucket, func(v []byte) bool {
		var st storedTries
		return json.Unmarshal(v, &st) != nil || (!st.Next.After(now) && now.Sub(st.Last) > g.lockout)
	})
}

// updateRecord reads the JSON record under id in a top-level bucket (zero
// when missing or unreadable: such a count starts over), lets fn change it
// and writes it back, in one write transaction: tries at once on several
// servers are each counted.
func updateRecord[T any](ctx context.Context, db store.DB, bucket, id []byte, fn func(*T) error) error {
	return db.Update(ctx, func(tx store.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		var rec T
		if raw := b.Get(id); raw != nil && json.Unmarshal(raw, &rec) != nil {
			var zero T
			rec = zero
		}
		if err := fn(&rec); err != nil {
			return err
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return b.Put(id, raw)
	})
}

// pruneBucket deletes the entries of a top-level bucket whose value is
// stale, in one write transaction.
func pruneBucket(ctx context.Context, db store.DB, bucket []byte, stale func(v []byte) bool) error {
	return db.Update(ctx, func(tx store.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		var old [][]byte
		err := b.ForEach(func(k, v []byte) error {
			if stale(v) {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
