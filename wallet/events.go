package wallet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// EventKind names what happened in the access log.
type EventKind string

// Event kinds.
const (
	EventGrantMade         EventKind = "grant_made"
	EventGrantRevoked      EventKind = "grant_revoked"
	EventPresentationOK    EventKind = "presentation_accepted"
	EventPresentationNotOK EventKind = "presentation_refused"
	EventDossierReleased   EventKind = "dossier_released"
	EventStatementImported EventKind = "statement_imported"
	EventStatementRefused  EventKind = "statement_refused"
	EventSourceConnected   EventKind = "source_connected"
)

// Event is one entry of the resident's access log. It names who, when, for
// what purpose and which categories, never the figures themselves. Each entry
// carries the SHA-256 of the one before it.
type Event struct {
	Seq        uint64    `json:"seq"`
	Time       time.Time `json:"time"`
	Kind       EventKind `json:"kind"`
	Actor      string    `json:"actor,omitempty"`
	Purpose    string    `json:"purpose,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Grant      string    `json:"grant,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Count      int       `json:"count,omitempty"`
	Prev       string    `json:"prev"`
}

type eventHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

var headKey = []byte("events-head")

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
	var head eventHead
	if _, err := t.Get(BucketProfile, headKey, &head); err != nil {
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
	return t.Put(BucketProfile, headKey, eventHead{Seq: e.Seq, Hash: h})
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
		var head eventHead
		if _, err := tx.Get(BucketProfile, headKey, &head); err != nil {
			return fmt.Errorf("%w: head: %v", ErrAuditBroken, err)
		}
		prev := ""
		want := uint64(1)
		err := tx.ForEach(BucketEvents, func(key []byte, open func(any) error) error {
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
