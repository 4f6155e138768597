package wallet

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"regie/store"
)

// Box keeps, for one vault, what must work while nobody holds the vault's
// key: pushed statements and access events, each a JWE to the vault's public
// encryption key and waiting for the next unlock; the sealed redemption
// records of the vault's grants, each under a key only the grant's handle
// gives; and the proof ids helpers used, against replay. Nothing in a box
// can be read without the resident's passphrase or a grant's handle.
//
// `regie serve` keeps the box inside the vault file; a host keeps one per
// vault in its index, so a vault file stays closed while its resident is away.
type Box struct {
	db   store.DB
	path [][]byte
	// vaultFile says the box lies in its vault's own file, whose meta
	// bucket holds the public encryption key.
	vaultFile bool
	// batch makes writes share fsyncs with concurrent writers (store.DB's Batch).
	batch bool
}

// Batched is the box with its writes batched: concurrent writers (many
// helpers and organisations at a host) share one fsync. A write function
// may then run more than once, in a fresh transaction each time, so it
// must set its results from what it reads in the transaction.
func (b *Box) Batched() *Box {
	c := *b
	c.batch = true
	return &c
}

// NewBox is the box at the nested bucket path in db.
func NewBox(db store.DB, path ...string) *Box {
	b := &Box{db: db}
	for _, p := range path {
		b.path = append(b.path, []byte(p))
	}
	return b
}

// Box is the vault's own box, inside its file.
func (v *Vault) Box() *Box {
	b := NewBox(v.db, string(boxBucket))
	b.vaultFile = true
	return b
}

var (
	boxPublic  = []byte("public")
	boxHead    = []byte("events-head")
	boxPending = []byte("pending")
	// boxPendingIDs maps a queued statement's pendingID to its sequence
	// number, boxPendingSeqs the other way.
	boxPendingIDs  = []byte("pending-ids")
	boxPendingSeqs = []byte("pending-seqs")
	// boxPendingFrom maps a queued statement's sequence number to a hash
	// of its issuer (issuerTag), so that each issuer's share is counted.
	boxPendingFrom = []byte("pending-from")
	boxEvents      = []byte("events")
	boxRecords     = []byte("records")
	boxProofs      = []byte("proofs")
)

// BoxTx is one transaction over a box.
type BoxTx struct {
	tx   store.Tx
	box  *Box
	root store.Bucket // nil in a read transaction when the box is empty
	// usage is what waits in the pending queue, counted once per
	// transaction and kept up to date by its own writes.
	usage *queueUsage
}

// View runs fn in a read transaction over the box.
func (b *Box) View(ctx context.Context, fn func(*BoxTx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer guard(b.db, &err)
	return b.db.View(ctx, func(tx store.Tx) error {
		t := &BoxTx{tx: tx, box: b}
		bk := tx.Bucket(b.path[0])
		for _, p := range b.path[1:] {
			if bk == nil {
				break
			}
			bk = bk.Bucket(p)
		}
		t.root = bk
		return fn(t)
	})
}

// Update runs fn in a write transaction over the box: all or nothing.
func (b *Box) Update(ctx context.Context, fn func(*BoxTx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer guard(b.db, &err)
	write := b.db.Update
	if b.batch {
		write = b.db.Batch
	}
	return write(ctx, func(tx store.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(b.path[0])
		if err != nil {
			return err
		}
		for _, p := range b.path[1:] {
			if bk, err = bk.CreateBucketIfNotExists(p); err != nil {
				return err
			}
		}
		return fn(&BoxTx{tx: tx, box: b, root: bk})
	})
}

// Drop deletes the box and everything in it.
func (b *Box) Drop(ctx context.Context) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer guard(b.db, &err)
	return b.db.Update(ctx, func(tx store.Tx) error {
		if len(b.path) == 1 {
			return ignoreMissing(tx.DeleteBucket(b.path[0]))
		}
		bk := tx.Bucket(b.path[0])
		for _, p := range b.path[1 : len(b.path)-1] {
			if bk == nil {
				return nil
			}
			bk = bk.Bucket(p)
		}
		if bk == nil {
			return nil
		}
		return ignoreMissing(bk.DeleteBucket(b.path[len(b.path)-1]))
	})
}

func ignoreMissing(err error) error {
	if errors.Is(err, store.ErrBucketNotFound) {
		return nil
	}
	return err
}

func (t *BoxTx) sub(name []byte) (store.Bucket, error) {
	if t.root == nil {
		return nil, nil
	}
	if !t.tx.Writable() {
		return t.root.Bucket(name), nil
	}
	return t.root.CreateBucketIfNotExists(name)
}

func (t *BoxTx) get(name, key []byte) ([]byte, error) {
	bk, err := t.sub(name)
	if err != nil || bk == nil {
		return nil, err
	}
	return bytes.Clone(bk.Get(key)), nil
}

func (t *BoxTx) put(name, key, val []byte) error {
	bk, err := t.sub(name)
	if err != nil {
		return err
	}
	return bk.Put(key, val)
}

func (t *BoxTx) del(name, key []byte) error {
	bk, err := t.sub(name)
	if err != nil || bk == nil {
		return err
	}
	return bk.Delete(key)
}

// SetPublicKey stores the vault's public encryption key in the box, so that
// whoever writes to the box can encrypt to the vault.
func (t *BoxTx) SetPublicKey(raw []byte) error {
	if _, err := ParsePublicEncryptionKey(raw); err != nil {
		return err
	}
	return t.root.Put(boxPublic, bytes.Clone(raw))
}

// PublicKey returns the key SetPublicKey stored, or ErrNoEncryptionKey.
func (t *BoxTx) PublicKey() ([]byte, error) {
	if t.box.vaultFile {
		if meta := t.tx.Bucket(bucketMeta); meta != nil && meta.Get(metaEncPublic) != nil {
			return bytes.Clone(meta.Get(metaEncPublic)), nil
		}
	}
	if t.root == nil || t.root.Get(boxPublic) == nil {
		return nil, ErrNoEncryptionKey
	}
	return bytes.Clone(t.root.Get(boxPublic)), nil
}

// PendingQuota bounds what may wait in one box for its vault's next
// unlock: every queued statement costs the resident a decryption and a
// verification at login, and the host's disk. Each issuer has a share of
// its own within the whole, so that one organisation (whose statements the
// host can check only for their signature while the resident is away: not
// whom they are about) cannot take the room of the others.
type PendingQuota struct {
	Items int   // statements
	Bytes int64 // bytes of their JWEs
	// IssuerItems and IssuerBytes bound what one issuer may have waiting;
	// zero means the whole (no share).
	IssuerItems int
	IssuerBytes int64
}

// DefaultPendingQuota is far above what organisations push to one resident
// between two logins, and far below what makes a login slow; one issuer may
// fill a tenth of it in statements and an eighth in bytes.
var DefaultPendingQuota = PendingQuota{Items: 1000, Bytes: 8 << 20, IssuerItems: 100, IssuerBytes: 1 << 20}

// share is one issuer's bound.
func (q PendingQuota) share() (int, int64) {
	items, size := q.IssuerItems, q.IssuerBytes
	if items <= 0 {
		items = q.Items
	}
	if size <= 0 {
		size = q.Bytes
	}
	return items, size
}

// Pending is one pushed statement waiting for the vault's next unlock.
type Pending struct {
	Seq uint64
	JWE string
}

// ErrQueueFull is a push that would take a box's pending queue beyond its
// quota; the queue empties at the resident's next login.
var ErrQueueFull = errors.New("too many statements are waiting for this wallet's resident to log in; try again later")

// ErrIssuerFull is a push that would take its issuer's share of a box's
// pending queue (PendingQuota.IssuerItems, IssuerBytes) beyond its bound;
// other issuers still have room. It matches ErrQueueFull with errors.Is.
var ErrIssuerFull error = issuerFull{}

type issuerFull struct{}

func (issuerFull) Error() string {
	return "too many statements of this organisation are waiting for this wallet's resident to log in; try again after the next login"
}
func (issuerFull) Is(target error) bool { return target == ErrQueueFull }

// issuerTag is how a box tells the issuers of queued statements apart: a
// hash of the issuer's id salted with the vault's public key. The trust
// list is public, so whoever reads the box and tries every listed id can
// tell which organisation has statements waiting (never what they say);
// the share cannot be counted while the resident is away without it.
func issuerTag(pub []byte, issuer string) []byte {
	h := sha256.New()
	h.Write([]byte("regie/v1/pending-issuer\x00"))
	h.Write(pub)
	h.Write([]byte{0})
	h.Write([]byte(issuer))
	return h.Sum(nil)[:16]
}

// queueUsage is what waits in a box's pending queue, in all and per issuer tag.
type queueUsage struct {
	n    int
	size int64
	by   map[string]issuerUsage
}

type issuerUsage struct {
	n    int
	size int64
}

// pendingID is how the box recognises a statement it already queued: a
// hash of the signed statement, which only someone holding it can match.
func pendingID(plain []byte) []byte {
	h := sha256.New()
	h.Write([]byte("regie/v1/pending-id\x00"))
	h.Write(plain)
	return h.Sum(nil)
}

// AddPending queues plain (one pushed statement of issuer, as the host
// checked its signature) encrypted to the vault, once: a statement already
// waiting is not queued again and added is false. A statement that would
// take the queue beyond quota is ErrQueueFull, or ErrIssuerFull beyond its
// issuer's share; the caller's transaction then writes nothing.
func (t *BoxTx) AddPending(plain []byte, issuer string, quota PendingQuota) (added bool, err error) {
	ids, err := t.sub(boxPendingIDs)
	if err != nil {
		return false, err
	}
	if ids.Get(pendingID(plain)) != nil {
		return false, nil
	}
	pub, err := t.publicKey()
	if err != nil {
		return false, err
	}
	jwe, err := EncryptTo(pub, PendingType, plain)
	if err != nil {
		return false, err
	}
	return t.AddSealedPending(plain, jwe, issuer, quota)
}

// SealPending encrypts pushes to the box's public key in a read, for
// BoxTx.AddSealedPending: the encryption (ECDH-ES) is the costly part of
// AddPending, and done here it runs where many requests run at once
// instead of inside the one write that serialises them.
func (b *Box) SealPending(ctx context.Context, plains [][]byte) ([]string, error) {
	var pub *ecdsa.PublicKey
	if err := b.View(ctx, func(tx *BoxTx) error {
		var err error
		pub, err = tx.publicKey()
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]string, len(plains))
	for i, plain := range plains {
		var err error
		if out[i], err = EncryptTo(pub, PendingType, plain); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddSealedPending is AddPending for a push SealPending encrypted. The
// issuer's share and the whole queue are counted in this transaction.
func (t *BoxTx) AddSealedPending(plain []byte, jwe, issuer string, quota PendingQuota) (added bool, err error) {
	ids, err := t.sub(boxPendingIDs)
	if err != nil {
		return false, err
	}
	id := pendingID(plain)
	if ids.Get(id) != nil {
		return false, nil
	}
	pub, err := t.PublicKey()
	if err != nil {
		return false, err
	}
	tag := issuerTag(pub, issuer)
	u, err := t.queueUsage()
	if err != nil {
		return false, err
	}
	size := int64(len(jwe))
	mine := u.by[string(tag)]
	shareItems, shareBytes := quota.share()
	switch {
	case mine.n+1 > shareItems || mine.size+size > shareBytes:
		return false, ErrIssuerFull
	case u.n+1 > quota.Items || u.size+size > quota.Bytes:
		return false, ErrQueueFull
	}
	seq, err := t.addPendingJWE(jwe)
	if err != nil {
		return false, err
	}
	if err := ids.Put(id, Seq(seq)); err != nil {
		return false, err
	}
	if err := t.put(boxPendingFrom, Seq(seq), tag); err != nil {
		return false, err
	}
	u.n, u.size = u.n+1, u.size+size
	u.by[string(tag)] = issuerUsage{n: mine.n + 1, size: mine.size + size}
	return true, t.put(boxPendingSeqs, Seq(seq), id)
}

// queueUsage counts what waits in the pending queue, in all and per
// issuer, once per transaction. A statement queued before issuers were
// counted counts in the whole only.
func (t *BoxTx) queueUsage() (*queueUsage, error) {
	if t.usage != nil {
		return t.usage, nil
	}
	u := &queueUsage{by: map[string]issuerUsage{}}
	bk, err := t.sub(boxPending)
	if err != nil {
		return nil, err
	}
	from, err := t.sub(boxPendingFrom)
	if err != nil {
		return nil, err
	}
	if bk != nil {
		err = bk.ForEach(func(k, v []byte) error {
			u.n++
			u.size += int64(len(v))
			if from != nil {
				if tag := from.Get(k); tag != nil {
					x := u.by[string(tag)]
					u.by[string(tag)] = issuerUsage{n: x.n + 1, size: x.size + int64(len(v))}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	t.usage = u
	return u, nil
}

// AddPendingJWE queues a push that is already encrypted to the vault.
func (t *BoxTx) AddPendingJWE(jwe string) error {
	t.usage = nil
	_, err := t.addPendingJWE(jwe)
	return err
}

func (t *BoxTx) addPendingJWE(jwe string) (uint64, error) {
	bk, err := t.sub(boxPending)
	if err != nil {
		return 0, err
	}
	n, err := bk.NextSequence()
	if err != nil {
		return 0, err
	}
	return n, bk.Put(Seq(n), []byte(jwe))
}

func (t *BoxTx) publicKey() (*ecdsa.PublicKey, error) {
	raw, err := t.PublicKey()
	if err != nil {
		return nil, err
	}
	return ParsePublicEncryptionKey(raw)
}

// Pending lists the queued pushes, oldest first.
func (t *BoxTx) Pending() ([]Pending, error) {
	bk, err := t.sub(boxPending)
	if err != nil || bk == nil {
		return nil, err
	}
	var out []Pending
	err = bk.ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			return fmt.Errorf("box pending: %w", ErrCorrupt)
		}
		out = append(out, Pending{Seq: binary.BigEndian.Uint64(k), JWE: string(v)})
		return nil
	})
	return out, err
}

// DeletePending removes a queued push once it was imported or refused,
// and with it the mark that kept the same statement from being queued again.
func (t *BoxTx) DeletePending(seq uint64) error {
	t.usage = nil
	if err := t.del(boxPendingFrom, Seq(seq)); err != nil {
		return err
	}
	id, err := t.get(boxPendingSeqs, Seq(seq))
	if err != nil {
		return err
	}
	if id != nil {
		if err := t.del(boxPendingIDs, id); err != nil {
			return err
		}
		if err := t.del(boxPendingSeqs, Seq(seq)); err != nil {
			return err
		}
	}
	return t.del(boxPending, Seq(seq))
}

// Waiting reports whether a pushed statement or an access event waits in
// the box for the vault's next unlock. A host whose processes share one
// store asks it, because the push may have reached another process.
func (t *BoxTx) Waiting() (bool, error) {
	for _, name := range [][]byte{boxPending, boxEvents} {
		bk, err := t.sub(name)
		if err != nil {
			return false, err
		}
		if bk != nil {
			if k, _ := bk.Cursor().First(); k != nil {
				return true, nil
			}
		}
	}
	return false, nil
}

// LockedEvent is one access event written while the vault was locked: the
// event encrypted to the vault, chained to the one before by hash so that
// the resident's log notices a removed or reordered entry when it joins them.
type LockedEvent struct {
	Seq  uint64 `json:"seq"`
	Prev string `json:"prev"`
	JWE  string `json:"jwe"`
}

// lockedPayload is what a locked event's JWE holds: the event and its place
// in the chain, so that the place cannot be changed outside the encryption.
type lockedPayload struct {
	Seq   uint64 `json:"seq"`
	Prev  string `json:"prev"`
	Event Event  `json:"event"`
}

func (e LockedEvent) hash() string {
	h := sha256.New()
	h.Write([]byte(e.Prev))
	h.Write([]byte{0})
	h.Write([]byte(e.JWE))
	return hex.EncodeToString(h.Sum(nil))
}

// AddEvent encrypts e to the vault and appends it to the box's chain. Its
// time is set now when not given.
func (t *BoxTx) AddEvent(e Event, now time.Time) error {
	pub, err := t.publicKey()
	if err != nil {
		return err
	}
	head, err := t.eventsHead()
	if err != nil {
		return err
	}
	links, head, err := chainEvents(pub, head, []Event{e}, now)
	if err != nil {
		return err
	}
	return t.putLinks(links, head)
}

// eventsHead is the box's chain head; zero for an empty chain.
func (t *BoxTx) eventsHead() (eventHead, error) {
	var head eventHead
	if t.root == nil {
		return head, nil
	}
	if raw := t.root.Get(boxHead); raw != nil {
		if err := json.Unmarshal(raw, &head); err != nil {
			return head, fmt.Errorf("box head: %w", ErrCorrupt)
		}
	}
	return head, nil
}

// chainEvents encrypts events to pub as the links after head, and returns
// them with the head they make.
func chainEvents(pub *ecdsa.PublicKey, head eventHead, events []Event, now time.Time) ([]LockedEvent, eventHead, error) {
	links := make([]LockedEvent, 0, len(events))
	for _, e := range events {
		if e.Time.IsZero() {
			e.Time = now.UTC()
		}
		e.Seq, e.Prev = 0, ""
		le := LockedEvent{Seq: head.Seq + 1, Prev: head.Hash}
		plain, err := json.Marshal(lockedPayload{Seq: le.Seq, Prev: le.Prev, Event: e})
		if err != nil {
			return nil, head, err
		}
		if le.JWE, err = EncryptTo(pub, EventType, plain); err != nil {
			return nil, head, err
		}
		links = append(links, le)
		head = eventHead{Seq: le.Seq, Hash: le.hash()}
	}
	return links, head, nil
}

// putLinks stores links and the head they make.
func (t *BoxTx) putLinks(links []LockedEvent, head eventHead) error {
	for _, le := range links {
		raw, err := json.Marshal(le)
		if err != nil {
			return err
		}
		if err := t.put(boxEvents, Seq(le.Seq), raw); err != nil {
			return err
		}
	}
	hraw, err := json.Marshal(head)
	if err != nil {
		return err
	}
	return t.root.Put(boxHead, hraw)
}

// PreparedEvents are events encrypted to a box's key outside a write, as
// the links that follow the chain's head at that moment (see
// Box.PrepareEvents).
type PreparedEvents struct {
	events      []Event
	now         time.Time
	after, head eventHead
	links       []LockedEvent
}

// ChainState is where a box's chain of access events stands (its public
// key and head), read in a transaction so that PrepareEvents can encrypt
// after it.
type ChainState struct {
	pub  *ecdsa.PublicKey
	head eventHead
}

// ChainState reads where the box's chain stands.
func (t *BoxTx) ChainState() (ChainState, error) {
	pub, err := t.publicKey()
	if err != nil {
		return ChainState{}, err
	}
	head, err := t.eventsHead()
	return ChainState{pub: pub, head: head}, err
}

// PrepareEvents encrypts events to the box's public key as the next links
// of its chain after c, outside any transaction. An encryption (ECDH-ES)
// is the costly part of AddEvent; done here, it runs where many requests
// run at once instead of inside the one write that serialises them.
// BoxTx.AddPrepared stores them.
func (c ChainState) PrepareEvents(events []Event, now time.Time) (*PreparedEvents, error) {
	links, head, err := chainEvents(c.pub, c.head, events, now)
	if err != nil {
		return nil, err
	}
	return &PreparedEvents{events: events, now: now, after: c.head, head: head, links: links}, nil
}

// AddPrepared appends prepared events to the chain. When the chain moved
// since they were prepared (another write added events), they are
// encrypted again here, as AddEvent does.
func (t *BoxTx) AddPrepared(p *PreparedEvents) error {
	head, err := t.eventsHead()
	if err != nil {
		return err
	}
	if head != p.after {
		for _, e := range p.events {
			if err := t.AddEvent(e, p.now); err != nil {
				return err
			}
		}
		return nil
	}
	return t.putLinks(p.links, p.head)
}

// LockedEvents lists the events waiting to join the resident's log, oldest first.
func (t *BoxTx) LockedEvents() ([]LockedEvent, error) {
	bk, err := t.sub(boxEvents)
	if err != nil || bk == nil {
		return nil, err
	}
	var out []LockedEvent
	err = bk.ForEach(func(_, v []byte) error {
		var e LockedEvent
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("box event: %w", ErrCorrupt)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// DeleteEventsThrough removes the locked events up to and including seq,
// once they joined the resident's log. The chain head stays, so that the
// next event still follows the last one joined.
func (t *BoxTx) DeleteEventsThrough(seq uint64) error {
	bk, err := t.sub(boxEvents)
	if err != nil || bk == nil {
		return err
	}
	c := bk.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= seq; k, _ = c.First() {
		if err := bk.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Record returns the sealed record stored under id, or nil.
func (t *BoxTx) Record(id []byte) ([]byte, error) { return t.get(boxRecords, id) }

// PutRecord stores a sealed record under id.
func (t *BoxTx) PutRecord(id, sealed []byte) error { return t.put(boxRecords, id, sealed) }

// DeleteRecord removes the record under id, if any.
func (t *BoxTx) DeleteRecord(id []byte) error { return t.del(boxRecords, id) }

// ProofSeen reports whether a proof id (a hash, never the proof) was used.
func (t *BoxTx) ProofSeen(id []byte) (bool, error) {
	v, err := t.get(boxProofs, id)
	return v != nil, err
}

// MarkProof records a proof id as used at the proof's time.
func (t *BoxTx) MarkProof(id []byte, at time.Time) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(at.Unix()))
	return t.put(boxProofs, id, v[:])
}

// PruneProofs forgets proof ids older than before: their proofs are stale
// and refused anyway.
func (t *BoxTx) PruneProofs(before time.Time) error {
	bk, err := t.sub(boxProofs)
	if err != nil || bk == nil {
		return err
	}
	var old [][]byte
	err = bk.ForEach(func(k, v []byte) error {
		if len(v) != 8 || int64(binary.BigEndian.Uint64(v)) < before.Unix() {
			old = append(old, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := bk.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// lockedHeadKey is where the vault remembers the last locked event it joined.
var lockedHeadKey = []byte("locked-events-head")

// JoinEvents adds the events that the box holds for this vault to the
// resident's chained log, in order, and then removes them from the box. The
// box's chain must continue exactly where the last join ended; otherwise
// nothing is joined and the error matches ErrAuditBroken. A join cut short
// by a crash is finished by the next one without doubling any event.
func (v *Vault) JoinEvents(ctx context.Context, box *Box) (int, error) {
	return v.JoinEventsWith(ctx, box, nil, nil)
}

// JoinEventsWith is JoinEvents that also lets the caller read the box in the
// same read transaction as the events (read) and write the vault in the same
// transaction that joins them (write), so that what it brings over from the
// box (the uses counted in redemption records) and the log entries that
// account for it land together or not at all.
func (v *Vault) JoinEventsWith(ctx context.Context, box *Box, read func(*BoxTx) error, write func(*Tx) error) (int, error) {
	var list []LockedEvent
	if err := box.View(ctx, func(t *BoxTx) error {
		var err error
		if list, err = t.LockedEvents(); err != nil {
			return err
		}
		if read != nil {
			return read(t)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if len(list) == 0 && write == nil {
		return 0, nil
	}
	joined := 0
	var last uint64
	err := v.Update(ctx, func(tx *Tx) error {
		if write != nil {
			if err := write(tx); err != nil {
				return err
			}
		}
		if len(list) == 0 {
			return nil
		}
		var head eventHead
		if _, err := tx.Get(BucketProfile, lockedHeadKey, &head); err != nil {
			return err
		}
		if list[len(list)-1].Seq < head.Seq {
			return fmt.Errorf("%w: events recorded while locked end before entry %d", ErrAuditBroken, head.Seq)
		}
		for i, le := range list {
			if i > 0 && (le.Seq != list[i-1].Seq+1 || le.Prev != list[i-1].hash()) {
				return fmt.Errorf("%w: event %d recorded while locked does not follow the one before", ErrAuditBroken, le.Seq)
			}
			if le.Seq < head.Seq {
				continue // joined before a crash kept it from being removed
			}
			if le.Seq == head.Seq {
				if le.hash() != head.Hash {
					return fmt.Errorf("%w: event %d recorded while locked is not the one joined", ErrAuditBroken, le.Seq)
				}
				continue
			}
			if le.Seq != head.Seq+1 || le.Prev != head.Hash {
				return fmt.Errorf("%w: events recorded while locked do not follow entry %d", ErrAuditBroken, head.Seq)
			}
			plain, err := decryptWith(tx.k.decrypt, EventType, le.JWE)
			if err != nil {
				return fmt.Errorf("%w: event %d recorded while locked: %v", ErrAuditBroken, le.Seq, err)
			}
			var p lockedPayload
			if err := json.Unmarshal(plain, &p); err != nil || p.Seq != le.Seq || p.Prev != le.Prev {
				return fmt.Errorf("%w: event %d recorded while locked is not what its place says", ErrAuditBroken, le.Seq)
			}
			// Refusals fold into counted entries here as they do when
			// the vault is unlocked.
			add := tx.AppendEvent
			if p.Event.Kind == EventPresentationNotOK {
				add = tx.AppendCounted
			}
			if err := add(p.Event); err != nil {
				return err
			}
			head = eventHead{Seq: le.Seq, Hash: le.hash()}
			joined++
		}
		last = head.Seq
		return tx.Put(BucketProfile, lockedHeadKey, head)
	})
	if err != nil || len(list) == 0 {
		return 0, err
	}
	err = box.Update(ctx, func(t *BoxTx) error { return t.DeleteEventsThrough(last) })
	return joined, err
}
