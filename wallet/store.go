package wallet

import (
	"bytes"
	"context"
	"sort"
)

// PutOutcome says what storing a statement did.
type PutOutcome int

// Outcomes of PutStatement.
const (
	// Added: the statement is new and is now the current one of its series.
	Added PutOutcome = iota + 1
	// AddedAsHistory: the statement is new but an already stored one is newer.
	AddedAsHistory
	// Duplicate: a statement with this issuer and jti was stored before; nothing changed.
	Duplicate
)

// String names the outcome for reports.
func (o PutOutcome) String() string {
	switch o {
	case Added:
		return "added"
	case AddedAsHistory:
		return "added as history"
	case Duplicate:
		return "duplicate"
	}
	return "unknown"
}

// version is what orders the statements of a series; the vault keeps the
// current one's as the series head.
type version struct {
	AsOf     Date   `json:"as_of"`
	IssuedAt int64  `json:"iat"`
	ID       string `json:"jti"`
}

func versionOf(s *Statement) version { return version{AsOf: s.AsOf, IssuedAt: s.IssuedAt, ID: s.ID} }

// after reports whether v should be current over w: the later as_of wins,
// then the later iat, then the larger jti, so that the choice never depends
// on arrival order.
func (v version) after(w version) bool {
	if v.AsOf != w.AsOf {
		return v.AsOf > w.AsOf
	}
	if v.IssuedAt != w.IssuedAt {
		return v.IssuedAt > w.IssuedAt
	}
	return v.ID > w.ID
}

// seriesKey is the 32-byte prefix all versions of one (issuer, reference) share.
func (t *Tx) seriesKey(issuer, reference string) []byte {
	return t.Key("series", issuer, reference)
}

// PutStatement stores a verified statement. A newer statement of the same
// (issuer, reference) supersedes the older one, which stays as history. The
// same (issuer, jti) twice is stored once; the second time is a no-op.
func (t *Tx) PutStatement(s Statement) (PutOutcome, error) {
	seen := t.Key("jti", s.Issuer, s.ID)
	bk := t.tx.Bucket([]byte(BucketSeen))
	if bk != nil && bk.Get(seen) != nil {
		return Duplicate, nil
	}
	series := t.seriesKey(s.Issuer, s.Reference())
	// The series head names the current version, so that a new statement is
	// placed with one small read however long the history grows.
	outcome := Added
	var head version
	found, err := t.Get(BucketHeads, series, &head)
	if err != nil {
		return 0, err
	}
	if !found {
		// No head yet: a new series, or one stored before heads existed.
		err := t.ForEachPrefix(BucketStatements, series, func(_ []byte, open func(any) error) error {
			var old Statement
			if err := open(&old); err != nil {
				return err
			}
			if v := versionOf(&old); !found || v.after(head) {
				head, found = v, true
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	if found && head.after(versionOf(&s)) {
		outcome = AddedAsHistory
	} else if err := t.Put(BucketHeads, series, versionOf(&s)); err != nil {
		return 0, err
	}
	key := append(bytes.Clone(series), seen[:16]...)
	if err := t.Put(BucketStatements, key, s); err != nil {
		return 0, err
	}
	if err := t.Put(BucketSeen, seen, s.ImportedAt.Unix()); err != nil {
		return 0, err
	}
	return outcome, nil
}

// Series is one (issuer, reference) with its versions, newest first.
type Series struct {
	Versions []Statement
}

// Current is the statement that holds now.
func (s Series) Current() Statement { return s.Versions[0] }

// AllSeries reads every statement and groups the versions of each series.
func (t *Tx) AllSeries() ([]Series, error) {
	var out []Series
	var prefix []byte
	err := t.ForEach(BucketStatements, func(key []byte, open func(any) error) error {
		var s Statement
		if err := open(&s); err != nil {
			return err
		}
		if len(out) == 0 || !bytes.Equal(prefix, key[:32]) {
			prefix = bytes.Clone(key[:32])
			out = append(out, Series{})
		}
		cur := &out[len(out)-1]
		cur.Versions = append(cur.Versions, s)
		return nil
	})
	for i := range out {
		SortVersions(out[i].Versions)
	}
	return out, err
}

// Series returns all series in the vault.
func (v *Vault) Series(ctx context.Context) ([]Series, error) {
	var out []Series
	err := v.View(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.AllSeries()
		return err
	})
	return out, err
}

// Overview compiles the overview of everything in the vault as of now,
// with what the resident declared.
func (v *Vault) Overview(ctx context.Context) (Overview, error) {
	var series []Series
	var declared SelfDeclared
	err := v.View(ctx, func(tx *Tx) error {
		var err error
		if series, err = tx.AllSeries(); err != nil {
			return err
		}
		declared, err = tx.Declared()
		return err
	})
	if err != nil {
		return Overview{}, err
	}
	return CompileAll(series, declared, v.opts.Now()), nil
}

// SortVersions orders statements of one series newest first, the order in
// which the vault returns them and the overview expects them.
func SortVersions(v []Statement) {
	sort.Slice(v, func(a, b int) bool { return versionOf(&v[a]).after(versionOf(&v[b])) })
}
