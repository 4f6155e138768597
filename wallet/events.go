package wallet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// EventKind names what happened in the access log.
type EventKind string

// Event kinds.
const (
	EventGrantMade    EventKind = "grant_made"
	EventGrantRevoked EventKind = "grant_revoked"
	// EventGrantExtended: the resident gave a running consent a later end,
	// with a new receipt, for the same helper and key.
	EventGrantExtended     EventKind = "grant_extended"
	EventPresentationOK    EventKind = "presentation_accepted"
	EventPresentationNotOK EventKind = "presentation_refused"
	EventDossierReleased   EventKind = "dossier_released"
	EventStatementImported EventKind = "statement_imported"
	EventStatementRefused  EventKind = "statement_refused"
	EventSourceConnected   EventKind = "source_connected"
)

// Channel is the way statements came into the vault, as the access log
// records an import.
type Channel string

// Import channels.
const (
	ChannelFile Channel = "file" // a file the resident imported
	ChannelPush Channel = "push" // an organisation pushed it to the inbox
	ChannelPull Channel = "pull" // the wallet pulled it from a connected source
)

// Topic is what imported statements were about, as the access log records
// an import: a debt's category, TopicIncome or TopicExpense.
type Topic string

// Topics that are not debt categories.
const (
	TopicIncome  Topic = "income"
	TopicExpense Topic = "expense"
)

// TopicOf is what s is about, for the access log.
func TopicOf(s *Statement) Topic {
	switch {
	case s.Debt != nil:
		return Topic(s.Debt.Category)
	case s.Expense != nil:
		return TopicExpense
	}
	return TopicIncome
}

// Event is one entry of the resident's access log. It names who, when, for
// what purpose and which categories, never the figures themselves. Each entry
// carries the SHA-256 of the one before it.
//
// On the wire and in the vault an entry keeps one "categories" and one
// "reason" field, as it always had (the hash chain covers that form); in Go
// each meaning has its own field and type: Scope and Reason for consents and
// presentations, Topics and Via for imports.
type Event struct {
	Seq     uint64
	Time    time.Time
	Kind    EventKind
	Actor   string
	Purpose string
	// Scope is the consent's scope entries (see consent.Scope), on grant,
	// revocation, presentation and release entries.
	Scope []string
	// Topics is what an import brought, on import entries.
	Topics []Topic
	Grant  string
	// Reason is the refusal code of a refused presentation.
	Reason string
	// Via is the way an import came in.
	Via   Channel
	Count int
	// Last is when the latest of a folded run of repeats happened (see
	// AppendCounted); zero for an entry that happened once.
	Last time.Time
	Prev string
}

// eventJSON is an Event as it is stored, hashed and shown: the field order
// and names are the log's format and must not change.
type eventJSON struct {
	Seq        uint64    `json:"seq"`
	Time       time.Time `json:"time"`
	Kind       EventKind `json:"kind"`
	Actor      string    `json:"actor,omitempty"`
	Purpose    string    `json:"purpose,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Grant      string    `json:"grant,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Count      int       `json:"count,omitempty"`
	Last       time.Time `json:"last,omitzero"`
	Prev       string    `json:"prev"`
}

// MarshalJSON writes the entry in the log's format: an import's topics and
// channel go in "categories" and "reason", like a consent's scope and a
// refusal's code.
func (e Event) MarshalJSON() ([]byte, error) {
	w := eventJSON{Seq: e.Seq, Time: e.Time, Kind: e.Kind, Actor: e.Actor, Purpose: e.Purpose, Categories: e.Scope,
		Grant: e.Grant, Reason: e.Reason, Count: e.Count, Last: e.Last, Prev: e.Prev}
	if e.Kind == EventStatementImported {
		w.Reason = string(e.Via)
		w.Categories = make([]string, len(e.Topics))
		for i, t := range e.Topics {
			w.Categories[i] = string(t)
		}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the log's format, giving "categories" and "reason"
// their meaning by the entry's kind.
func (e *Event) UnmarshalJSON(raw []byte) error {
	var w eventJSON
	if err := json.Unmarshal(raw, &w); err != nil {
		return err
	}
	*e = Event{Seq: w.Seq, Time: w.Time, Kind: w.Kind, Actor: w.Actor, Purpose: w.Purpose, Grant: w.Grant,
		Count: w.Count, Last: w.Last, Prev: w.Prev}
	if w.Kind == EventStatementImported {
		e.Via = Channel(w.Reason)
		for _, c := range w.Categories {
			e.Topics = append(e.Topics, Topic(c))
		}
		return nil
	}
	e.Scope, e.Reason = w.Categories, w.Reason
	return nil
}

type eventHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// The log's head (how many entries, and the hash of the last) is kept in
// the vault header, sealed under the data key, written when the vault is
// created. Deleting the events together with the head therefore leaves a
// vault whose header says entries are missing, or no head at all: both are
// reported broken, never "intact: 0 entries".
var (
	headKey       = []byte("log")
	bucketLogHead = Bucket(bucketMeta)
	// legacyHeadKey is where vaults made before the head moved to the
	// header kept it, in the profile bucket; Unlock moves it.
	legacyHeadKey = []byte("events-head")
)

// errNoHead is the broken chain of a vault whose header holds no log head.
var errNoHead = fmt.Errorf("%w: the vault header holds no log head", ErrAuditBroken)

func (t *Tx) logHead() (eventHead, error) {
	var head eventHead
	ok, err := t.Get(bucketLogHead, headKey, &head)
	if err != nil {
		return head, err
	}
	if !ok {
		return head, errNoHead
	}
	return head, nil
}

// migrateLogHead moves a head kept by an older version into the header. It
// runs at unlock, once; afterwards a missing head is a broken chain.
func (t *Tx) migrateLogHead() error {
	if ok, err := t.Get(bucketLogHead, headKey, &eventHead{}); err != nil || ok {
		return err
	}
	var head eventHead
	if _, err := t.Get(BucketProfile, legacyHeadKey, &head); err != nil {
		return err
	}
	if err := t.Put(bucketLogHead, headKey, head); err != nil {
		return err
	}
	return t.Delete(BucketProfile, legacyHeadKey)
}

func eventHash(e Event) (string, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

// AppendEvent adds e to the log in this transaction, chained to the last entry.
func (t *Tx) AppendEvent(e Event) error {
	head, err := t.logHead()
	if err != nil {
		return err
	}
	e.Seq = head.Seq + 1
	if e.Time.IsZero() {
		e.Time = t.now().UTC()
	}
	e.Prev = head.Hash
	h, err := eventHash(e)
	if err != nil {
		return err
	}
	if err := t.Put(BucketEvents, Seq(e.Seq), e); err != nil {
		return err
	}
	return t.Put(bucketLogHead, headKey, eventHead{Seq: e.Seq, Hash: h})
}

// maxFold is how far back AppendCounted looks for an entry to fold into.
const maxFold = 64

// sameEntry reports whether b repeats a: everything but time and count.
func sameEntry(a, b Event) bool {
	return a.Kind == b.Kind && a.Actor == b.Actor && a.Reason == b.Reason && a.Via == b.Via && a.Grant == b.Grant &&
		a.Purpose == b.Purpose && slices.Equal(a.Scope, b.Scope) && slices.Equal(a.Topics, b.Topics)
}

// AppendCounted adds e like AppendEvent, unless the trailing entries of the
// log that share e's kind already hold the same entry: then that entry
// counts one more, says when the latest happened, and it and the entries
// after it are chained again. Repeats a stranger can cause (refused
// presentations) so take room bounded by the kinds of repeat, not by their
// number.
func (t *Tx) AppendCounted(e Event) error {
	head, err := t.logHead()
	if err != nil {
		return err
	}
	var tail []Event // trailing entries of e's kind, oldest first
	for seq := head.Seq; seq > 0 && head.Seq-seq < maxFold; seq-- {
		var x Event
		ok, err := t.Get(BucketEvents, Seq(seq), &x)
		if err != nil {
			return err
		}
		if !ok || x.Seq != seq {
			return fmt.Errorf("%w: entry %d is missing", ErrAuditBroken, seq)
		}
		if x.Kind != e.Kind {
			break
		}
		tail = append([]Event{x}, tail...)
	}
	at := slices.IndexFunc(tail, func(x Event) bool { return sameEntry(x, e) })
	if at < 0 {
		e.Count = 1
		return t.AppendEvent(e)
	}
	tail[at].Count = max(tail[at].Count, 1) + 1
	tail[at].Last = t.now().UTC()
	prev := tail[at].Prev
	for i := at; i < len(tail); i++ {
		tail[i].Prev = prev
		if prev, err = eventHash(tail[i]); err != nil {
			return err
		}
		if err := t.Put(BucketEvents, Seq(tail[i].Seq), tail[i]); err != nil {
			return err
		}
	}
	return t.Put(bucketLogHead, headKey, eventHead{Seq: head.Seq, Hash: prev})
}

// Events returns the log, oldest first.
func (v *Vault) Events(ctx context.Context) ([]Event, error) {
	var out []Event
	err := v.View(ctx, func(tx *Tx) error {
		return tx.ForEach(BucketEvents, func(_ []byte, open func(any) error) error {
			var e Event
			if err := open(&e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

// VerifyEvents walks the log and checks that every entry opens, the numbers
// run without gaps, each entry names the hash of the one before, and the last
// entry is the one the sealed head names. An edited, deleted, inserted or
// reordered entry returns an error matching ErrAuditBroken.
func (v *Vault) VerifyEvents(ctx context.Context) (int, error) {
	n := 0
	err := v.View(ctx, func(tx *Tx) error {
		head, err := tx.logHead()
		if errors.Is(err, ErrAuditBroken) {
			return err
		}
		if err != nil {
			return fmt.Errorf("%w: head: %v", ErrAuditBroken, err)
		}
		prev := ""
		want := uint64(1)
		err = tx.ForEach(BucketEvents, func(key []byte, open func(any) error) error {
			var e Event
			if err := open(&e); err != nil {
				return fmt.Errorf("%w: entry at position %d does not open", ErrAuditBroken, want)
			}
			if e.Seq != want {
				return fmt.Errorf("%w: expected entry %d, found %d", ErrAuditBroken, want, e.Seq)
			}
			if e.Prev != prev {
				return fmt.Errorf("%w: entry %d does not follow entry %d", ErrAuditBroken, e.Seq, e.Seq-1)
			}
			h, err := eventHash(e)
			if err != nil {
				return err
			}
			prev = h
			want++
			n++
			return nil
		})
		if err != nil {
			return err
		}
		if head.Seq != want-1 || head.Hash != prev {
			return fmt.Errorf("%w: the log ends at entry %d but %d entries were written", ErrAuditBroken, want-1, head.Seq)
		}
		return nil
	})
	return n, err
}

// revocations is what the chained log says about grants: the ids of those
// revoked, read incrementally so that each entry is opened once.
type revocations struct {
	mu  sync.Mutex
	seq uint64 // entries read so far
	ids map[string]bool
}

// RevokedInLog reports whether the chained log records a revocation of
// grant. A grant's own record can be put back from an older copy of the
// file; the chain cannot be without `audit verify` seeing it, so the
// revocation in the chain wins over the record.
func (t *Tx) RevokedInLog(grant string) (bool, error) {
	rv := t.k.revoked
	rv.mu.Lock()
	from, known := rv.seq, rv.ids[grant]
	rv.mu.Unlock()
	if known {
		return true, nil
	}
	var found []string
	last := from
	if bk := t.tx.Bucket([]byte(BucketEvents)); bk != nil {
		c := bk.Cursor()
		for k, sealed := c.Seek(Seq(from + 1)); k != nil; k, sealed = c.Next() {
			var e Event
			if err := t.open(BucketEvents, k, sealed, &e); err != nil {
				return false, fmt.Errorf("%w: an entry does not open", ErrAuditBroken)
			}
			if e.Kind == EventGrantRevoked {
				found = append(found, e.Grant)
			}
			last = max(last, e.Seq)
		}
	}
	learn := func() {
		rv.mu.Lock()
		defer rv.mu.Unlock()
		for _, id := range found {
			rv.ids[id] = true
		}
		rv.seq = max(rv.seq, last)
	}
	// What a write transaction read is learnt only once it is committed:
	// a rolled-back entry's number is used again.
	if t.tx.Writable() {
		t.tx.OnCommit(learn)
	} else {
		learn()
	}
	return slices.Contains(found, grant), nil
}
