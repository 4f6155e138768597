package host

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"regie/api"
	"regie/connectors"
	"regie/consent"
	"regie/store"
	"regie/trust"
	"regie/wallet"
)

// Config sets up a host.
type Config struct {
	// Dir is the data folder: host.db and vaults/. It is used when
	// Backend is nil.
	Dir string
	// Backend is where the host keeps the index and the vaults; nil means
	// Files(Dir). The host closes it on Close, and when Open fails.
	Backend Backend
	// PublicURL is the address residents and helpers use; a vault's wallet
	// address is PublicURL/v/{vault id}.
	PublicURL string
	// Trust is the host's trust list: the organisations it takes pushes
	// from and the helpers it serves. Each new vault starts with it.
	Trust *trust.List
	// KDF is the passphrase key derivation of new vaults; zero means
	// wallet.DefaultKDF (tests and benchmarks pass a fast one).
	KDF wallet.KDFParams
	// MaxOpen bounds the vault files open at once; default 256.
	MaxOpen int
	// PendingQuota bounds the pushes waiting in one vault's box; zero
	// means wallet.DefaultPendingQuota.
	PendingQuota wallet.PendingQuota
	// SessionIdle ends a session after this long without a request; default 15 minutes.
	SessionIdle time.Duration
	// DeriveWait is how long a passphrase key derivation waits for a free
	// core (one derivation runs per core); default 1 second. DeriveQueue
	// is how many may wait at once; default two per core. Beyond either
	// the host answers ErrBusy (503 with Retry-After) at once.
	DeriveWait  time.Duration
	DeriveQueue int
	// Now tells the time; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Host holds the index and a bounded pool of open vaults.
type Host struct {
	cfg     Config
	backend Backend
	ix      *index
	// derive bounds passphrase key derivations to one per core.
	derive chan struct{}
	// derivations counts the derivation slots taken, for tests that
	// check what a login costs without timing it; queued counts the
	// derivations waiting for a slot.
	derivations atomic.Int64
	queued      atomic.Int64

	mu   sync.Mutex
	open map[string]*pooled
}

type pooled struct {
	v     *wallet.Vault
	users int
	used  time.Time
}

// Errors the HTTP layer tells apart.
var (
	// ErrLogin is a wrong login name or passphrase; which of the two is not said.
	ErrLogin = errors.New("login name or passphrase wrong")
	// ErrNoSession is a missing, expired or ended session.
	ErrNoSession = errors.New("no session")
	// ErrBusy is returned when every core is deriving a passphrase key.
	ErrBusy = errors.New("too many logins at once")
	// ErrTaken is a login name already in use.
	ErrTaken = errTaken
)

// Open opens (or creates) a host data folder.
func Open(cfg Config) (*Host, error) {
	if cfg.MaxOpen <= 0 {
		cfg.MaxOpen = 256
	}
	if cfg.PendingQuota == (wallet.PendingQuota{}) {
		cfg.PendingQuota = wallet.DefaultPendingQuota
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 15 * time.Minute
	}
	if cfg.DeriveWait <= 0 {
		cfg.DeriveWait = time.Second
	}
	if cfg.DeriveQueue <= 0 {
		cfg.DeriveQueue = 2 * runtime.NumCPU()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Trust == nil {
		cfg.Trust, _ = trust.NewList(nil)
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	b := cfg.Backend
	if b == nil {
		var err error
		if b, err = Files(cfg.Dir); err != nil {
			return nil, err
		}
	}
	ix, err := openIndex(context.Background(), b.Index())
	if err != nil {
		b.Close()
		return nil, err
	}
	return &Host{cfg: cfg, backend: b, ix: ix, derive: make(chan struct{}, runtime.NumCPU()), open: map[string]*pooled{}}, nil
}

// Close closes every vault and the index.
func (h *Host) Close() error {
	h.mu.Lock()
	for id, p := range h.open {
		p.v.Close()
		delete(h.open, id)
	}
	h.mu.Unlock()
	return h.backend.Close()
}

// Ready reports whether the host's store answers a read: the index's
// login-name pepper, which every login needs.
func (h *Host) Ready(ctx context.Context) error {
	return h.ix.db.View(ctx, func(tx store.Tx) error {
		if m := tx.Bucket(bucketMeta); m == nil || m.Get(pepperKey) == nil {
			return errors.New("the host index has no login-name key")
		}
		return nil
	})
}

// WalletURL is a vault's address for organisations and helpers.
func (h *Host) WalletURL(id string) string { return h.cfg.PublicURL + "/v/" + id }

var validID = regexp.MustCompile(`^[A-Za-z0-9_-]{22,64}$`)

// known reports whether id names a vault in the index; an index that
// cannot be read is an error, not "unknown". A vault the index no longer
// knows (another process on a shared store may have deleted it) leaves
// this process's pool.
func (h *Host) known(ctx context.Context, id string) error {
	if !validID.MatchString(id) {
		return wallet.ErrNotFound
	}
	found, err := h.ix.exists(ctx, id)
	if err != nil {
		return err
	}
	if !found {
		h.forget(id)
		return wallet.ErrNotFound
	}
	return nil
}

func (h *Host) vaultOptions() *wallet.Options {
	return &wallet.Options{KDF: h.cfg.KDF, Now: h.cfg.Now}
}

// acquire opens a vault (or takes the open one) and holds it until release.
func (h *Host) acquire(ctx context.Context, id string) (*wallet.Vault, func(), error) {
	if err := h.known(ctx, id); err != nil {
		return nil, nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.open[id]
	if p == nil {
		if len(h.open) >= h.cfg.MaxOpen {
			h.evictLocked()
		}
		db, err := h.backend.OpenVault(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		v, err := wallet.OpenStore(db, h.vaultOptions())
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		p = &pooled{v: v}
		h.open[id] = p
	}
	p.users++
	p.used = time.Now()
	return p.v, func() {
		h.mu.Lock()
		p.users--
		h.mu.Unlock()
	}, nil
}

// forget closes a vault the pool holds and nobody uses.
func (h *Host) forget(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p := h.open[id]; p != nil && p.users == 0 {
		p.v.Close()
		delete(h.open, id)
	}
}

// evictLocked closes the least recently used vault nobody is using.
func (h *Host) evictLocked() {
	var oldest string
	for id, p := range h.open {
		if p.users == 0 && (oldest == "" || p.used.Before(h.open[oldest].used)) {
			oldest = id
		}
	}
	if oldest != "" {
		h.open[oldest].v.Close()
		delete(h.open, oldest)
	}
}

// deriving takes one of the per-core key-derivation slots. When none is
// free it waits at most DeriveWait in a queue of at most DeriveQueue;
// beyond the queue it is ErrBusy at once, so a flood of logins holds
// neither cores nor a growing crowd of waiting requests.
func (h *Host) deriving(ctx context.Context) (func(), error) {
	done := func() { <-h.derive }
	select {
	case h.derive <- struct{}{}:
		h.derivations.Add(1)
		return done, nil
	default:
	}
	if h.queued.Add(1) > int64(h.cfg.DeriveQueue) {
		h.queued.Add(-1)
		return nil, ErrBusy
	}
	defer h.queued.Add(-1)
	t := time.NewTimer(h.cfg.DeriveWait)
	defer t.Stop()
	select {
	case h.derive <- struct{}{}:
		h.derivations.Add(1)
		return done, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// PassphraseRule is the strength rule for a new passphrase, in words a
// resident reads on the sign-up page.
const PassphraseRule = "at least 12 characters, for example three or four words"

// MinPassphrase is PassphraseRule's length in characters; the sign-up page
// states it.
const MinPassphrase = 12

// normalLogin is a login name as the index knows it.
func normalLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

var validLogin = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// Signup creates a vault for a new resident and opens a session. The vault
// gets a random id unrelated to anything about the resident, and starts with
// the host's trust list.
func (h *Host) Signup(ctx context.Context, login, bsn, name, passphrase string) (id, secret string, err error) {
	login = normalLogin(login)
	if !validLogin.MatchString(login) {
		return "", "", &wallet.ValidationError{Field: "login", Problem: "must be 3 to 64 letters, digits, dots, dashes or underscores"}
	}
	if len([]rune(passphrase)) < MinPassphrase {
		return "", "", &wallet.ValidationError{Field: "passphrase", Problem: "must be " + PassphraseRule}
	}
	if _, err := wallet.ParseBSN(bsn); err != nil {
		return "", "", err
	}
	if taken, err := h.ix.vaultOf(ctx, login); err != nil {
		return "", "", err
	} else if taken != "" {
		return "", "", ErrTaken
	}
	done, err := h.deriving(ctx)
	if err != nil {
		return "", "", err
	}
	defer done()
	id = trust.RandomID(16)
	db, err := h.backend.CreateVault(ctx, id)
	if err != nil {
		return "", "", err
	}
	v, err := wallet.OpenStore(db, h.vaultOptions())
	if err != nil {
		db.Close()
		return "", "", errors.Join(err, h.backend.RemoveVault(ctx, id))
	}
	fail := func(err error) (string, string, error) {
		v.Close()
		return "", "", errors.Join(err, h.backend.RemoveVault(ctx, id))
	}
	if err := v.Create(ctx, passphrase, wallet.Profile{BSN: wallet.BSN(bsn), Name: name}); err != nil {
		return fail(err)
	}
	ts := trust.Store{Vault: v}
	for _, o := range h.cfg.Trust.Organisations() {
		if err := ts.Add(ctx, o); err != nil {
			return fail(err)
		}
	}
	pub, err := v.PublicEncryptionKey()
	if err != nil {
		return fail(err)
	}
	raw, err := wallet.PublicEncryptionKeyBytes(pub)
	if err != nil {
		return fail(err)
	}
	if err := h.ix.box(id).Update(ctx, func(tx *wallet.BoxTx) error { return tx.SetPublicKey(raw) }); err != nil {
		return fail(err)
	}
	if err := h.ix.addVault(ctx, login, id, raw, h.cfg.Now()); err != nil {
		_ = h.ix.box(id).Drop(ctx)
		return fail(err)
	}
	secret, err = h.startSession(ctx, v, id, api.Arrived{})
	v.Close()
	return id, secret, err
}

// startSession opens a session of vault id and returns its cookie secret.
// The data key, and what arrived while the resident was away, are kept
// sealed under the secret.
func (h *Host) startSession(ctx context.Context, v *wallet.Vault, id string, arrived api.Arrived) (string, error) {
	dk, err := v.DataKey()
	if err != nil {
		return "", err
	}
	secret := trust.RandomID(32)
	k, err := sessionKey(secret)
	if err != nil {
		return "", err
	}
	sealed, err := wallet.SealWithSecret(k, sessionID(secret), dk)
	if err != nil {
		return "", err
	}
	now := h.cfg.Now()
	e := sessionEntry{Vault: id, Sealed: sealed, Start: now, Seen: now}
	if !arrived.Empty() {
		raw, err := json.Marshal(arrived)
		if err != nil {
			return "", err
		}
		if e.Arrived, err = wallet.SealWithSecret(k, arrivedAD(secret), raw); err != nil {
			return "", err
		}
	}
	return secret, h.ix.putSession(ctx, secret, e)
}

// arrivedAD binds a session's sealed arrivals to that session.
func arrivedAD(secret string) []byte { return append([]byte("arrived\x00"), sessionID(secret)...) }

// TakeArrived hands over, once, what came in while the resident of a
// session was away, imported at the login that opened it.
func (h *Host) TakeArrived(ctx context.Context, secret string) (api.Arrived, error) {
	var a api.Arrived
	e, err := h.live(ctx, secret)
	if err != nil || len(e.Arrived) == 0 {
		return a, err
	}
	k, err := sessionKey(secret)
	if err != nil {
		return a, err
	}
	raw, err := wallet.OpenWithSecret(k, arrivedAD(secret), e.Arrived)
	if err != nil {
		return a, fmt.Errorf("arrivals of a session: %w", wallet.ErrCorrupt)
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return a, fmt.Errorf("arrivals of a session: %w", wallet.ErrCorrupt)
	}
	e.Arrived = nil
	return a, h.ix.putSession(ctx, secret, e)
}

// Login checks a passphrase and opens a session. What was pushed while the
// resident was away is imported, and the accesses join the log.
func (h *Host) Login(ctx context.Context, login, passphrase string) (id, secret string, arrived connectors.Report, err error) {
	return h.login(ctx, login, passphrase, nil)
}

// login is Login with admit, which runs once a key-derivation slot is
// taken and before the key is derived. The server counts a try there, so
// that a try the host was too busy to make (ErrBusy) never counts as a
// wrong passphrase: a flood that keeps the host busy cannot run up a
// resident's count towards a lockout. When admit refuses, nothing is
// derived and its error is the answer.
func (h *Host) login(ctx context.Context, login, passphrase string, admit func() error) (id, secret string, arrived connectors.Report, err error) {
	admitted := func(done func()) error {
		if admit == nil {
			return nil
		}
		if err := admit(); err != nil {
			h.derivations.Add(-1) // the slot was taken, nothing derived
			done()
			return err
		}
		return nil
	}
	id, err = h.ix.vaultOf(ctx, normalLogin(login))
	if err != nil {
		return "", "", arrived, err
	}
	if id == "" {
		// The same derivation under the same limit as a wrong passphrase:
		// an unknown login name answers no faster.
		done, err := h.deriving(ctx)
		if err != nil {
			return "", "", arrived, err
		}
		if err := admitted(done); err != nil {
			return "", "", arrived, err
		}
		wallet.SpendDerivation(passphrase, h.cfg.KDF)
		done()
		return "", "", arrived, ErrLogin
	}
	v, release, err := h.acquire(ctx, id)
	if err != nil {
		return "", "", arrived, err
	}
	defer release()
	done, err := h.deriving(ctx)
	if err != nil {
		return "", "", arrived, err
	}
	if err := admitted(done); err != nil {
		return "", "", arrived, err
	}
	if v.Unlocked() {
		err = v.CheckPassphrase(passphrase)
	} else {
		err = v.Unlock(ctx, passphrase)
	}
	done()
	if errors.Is(err, wallet.ErrWrongPassphrase) {
		return "", "", arrived, ErrLogin
	}
	if err != nil {
		return "", "", arrived, err
	}
	arrived, err = h.catchUp(ctx, v, id)
	if err != nil {
		h.cfg.Logger.Error("catching up at login", "err", err.Error())
	}
	secret, err = h.startSession(ctx, v, id, api.ArrivedOf(arrived))
	return id, secret, arrived, err
}

func (h *Host) service(v *wallet.Vault, id string) *consent.Service {
	return &consent.Service{Vault: v, Trust: trust.Store{Vault: v}, BaseURL: h.WalletURL(id), Box: h.ix.box(id)}
}

func (h *Host) catchUp(ctx context.Context, v *wallet.Vault, id string) (connectors.Report, error) {
	h.adoptHostTrust(ctx, v)
	svc := h.service(v, id)
	im := &connectors.Importer{Vault: v}
	rep, err := im.ImportPending(ctx, h.ix.box(id))
	if err != nil {
		return rep, err
	}
	return rep, svc.CatchUp(ctx)
}

// adoptHostTrust brings the host's trust list into an unlocked vault's own:
// a hosted vault trusts the host's list plus what its resident added. An
// organisation the host lists is added, and a changed one (new keys) taken
// over, before what was pushed while the resident was away is verified
// against the vault's list. A failure is logged; the vault keeps its list.
func (h *Host) adoptHostTrust(ctx context.Context, v *wallet.Vault) {
	ts := trust.Store{Vault: v}
	mine, err := ts.Load(ctx)
	if err != nil {
		h.cfg.Logger.Error("reading a vault's trust list", "err", err.Error())
		return
	}
	for _, o := range h.cfg.Trust.Organisations() {
		if have, ok := mine.Organisation(o.ID); ok && sameOrganisation(*have, o) {
			continue
		}
		if err := ts.Add(ctx, o); err != nil {
			h.cfg.Logger.Error("adding a host organisation to a vault's trust list", "org", o.ID, "err", err.Error())
		}
	}
}

// sameOrganisation compares two trust-list entries as they are stored.
func sameOrganisation(a, b trust.Organisation) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// Session is an open session's vault, unlocked with the data key sealed
// under the cookie's secret. Call release when done with it.
type Session struct {
	ID      string
	Vault   *wallet.Vault
	Consent *consent.Service
	release func()
}

// Release hands the vault back to the pool.
func (s *Session) Release() { s.release() }

// Resume finds the session of a cookie secret, marks it used and returns
// its vault unlocked. A process that never saw the login can do this: the
// data key comes from the index, opened with the secret.
func (h *Host) Resume(ctx context.Context, secret string) (*Session, error) {
	if secret == "" {
		return nil, ErrNoSession
	}
	e, err := h.live(ctx, secret)
	if err != nil {
		return nil, errors.Join(err, h.lockEnded(ctx, e))
	}
	now := h.cfg.Now()
	k, err := sessionKey(secret)
	if err != nil {
		return nil, err
	}
	dk, err := wallet.OpenWithSecret(k, sessionID(secret), e.Sealed)
	if err != nil {
		return nil, ErrNoSession
	}
	v, release, err := h.acquire(ctx, e.Vault)
	if err != nil {
		return nil, err
	}
	if cur, err := v.DataKey(); err == nil && subtle.ConstantTimeCompare(cur, dk) != 1 {
		// The data key was rotated (a passphrase change, maybe in another
		// process on a shared store): this process's keys are stale, the
		// session's are the vault's now. A stale session's do not open it
		// and leave the keys as they were.
		if err := v.UnlockWithDataKey(ctx, dk); err != nil {
			release()
			return nil, ErrNoSession
		}
	}
	if v.Unlocked() && h.backend.Shared() {
		// Another process may have taken a push for this vault: bring in
		// what waits, as a push to this process would have.
		if waiting, err := h.waiting(ctx, e.Vault); err != nil {
			release()
			return nil, err
		} else if waiting {
			if _, err := h.catchUp(ctx, v, e.Vault); err != nil {
				h.cfg.Logger.Error("catching up when resuming a session", "err", err.Error())
			}
		}
	} else if !v.Unlocked() {
		if err := v.UnlockWithDataKey(ctx, dk); err != nil {
			release()
			return nil, ErrNoSession
		}
		// This process opens the vault for the session: it brings in what
		// arrived while no process held the keys.
		if _, err := h.catchUp(ctx, v, e.Vault); err != nil {
			h.cfg.Logger.Error("catching up when resuming a session", "err", err.Error())
		}
	}
	if now.Sub(e.Seen) > time.Minute {
		e.Seen = now
		if err := h.ix.putSession(ctx, secret, e); err != nil {
			release()
			return nil, err
		}
	}
	return &Session{ID: e.Vault, Vault: v, Consent: h.service(v, e.Vault), release: release}, nil
}

// waiting reports whether something waits in a vault's box for its
// resident.
func (h *Host) waiting(ctx context.Context, id string) (bool, error) {
	var w bool
	err := h.ix.box(id).View(ctx, func(t *wallet.BoxTx) error {
		var err error
		w, err = t.Waiting()
		return err
	})
	return w, err
}

// maxSession is how long a session lasts however busy it is.
const maxSession = 8 * time.Hour

// live finds the session of a cookie secret unless it has ended: idle too
// long or older than maxSession. An ended one is deleted (only that one) and
// is ErrNoSession, so an old cookie can do nothing a live one can.
func (h *Host) live(ctx context.Context, secret string) (sessionEntry, error) {
	if secret == "" {
		return sessionEntry{}, ErrNoSession
	}
	e, ok, err := h.ix.session(ctx, secret)
	if err != nil {
		return e, err
	}
	if !ok {
		return e, ErrNoSession
	}
	now := h.cfg.Now()
	if now.Sub(e.Seen) > h.cfg.SessionIdle || now.Sub(e.Start) > maxSession {
		return e, errors.Join(ErrNoSession, h.ix.deleteSession(ctx, secret))
	}
	return e, nil
}

// lockEnded drops the keys of an ended session's vault when no other
// session holds it open; e is what live found (zero for no session at all).
func (h *Host) lockEnded(ctx context.Context, e sessionEntry) error {
	if e.Vault == "" {
		return nil
	}
	return h.lockIdle(ctx)
}

// Logout locks the vault: it ends every session of the session's vault (a
// resident who locks expects it closed on every device) and drops the
// vault's keys from memory. An unknown or ended session changes nothing.
func (h *Host) Logout(ctx context.Context, secret string) error {
	e, err := h.live(ctx, secret)
	if errors.Is(err, ErrNoSession) {
		return h.lockEnded(ctx, e)
	}
	if err != nil {
		return err
	}
	if _, err := h.ix.sweep(ctx, h.cfg.Now(), h.cfg.SessionIdle, maxSession, e.Vault); err != nil {
		return err
	}
	return h.lockIdle(ctx)
}

// Sweep ends expired sessions and drops the keys of every vault left
// without one. The host runs it every minute.
func (h *Host) Sweep(ctx context.Context) error { return h.lockIdle(ctx) }

func (h *Host) lockIdle(ctx context.Context) error {
	live, err := h.ix.sweep(ctx, h.cfg.Now(), h.cfg.SessionIdle, maxSession, "\x00")
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, p := range h.open {
		// A vault in use is left alone: a login between its unlock and
		// its session record would lose its keys. The next sweep comes.
		if !live[id] && p.users == 0 && p.v.Unlocked() {
			if err := h.service(p.v, id).Refresh(ctx); err != nil {
				h.cfg.Logger.Error("refreshing records before locking", "err", err.Error())
			}
			p.v.Lock()
		}
	}
	return nil
}

// resealSession seals v's present data key under a session's secret, in
// place of the one sealed at its start.
func (h *Host) resealSession(ctx context.Context, secret string, v *wallet.Vault) error {
	e, err := h.live(ctx, secret)
	if err != nil {
		return err
	}
	dk, err := v.DataKey()
	if err != nil {
		return err
	}
	k, err := sessionKey(secret)
	if err != nil {
		return err
	}
	if e.Sealed, err = wallet.SealWithSecret(k, sessionID(secret), dk); err != nil {
		return err
	}
	return h.ix.putSession(ctx, secret, e)
}

// maxSessionWrong wrong passphrases typed inside one session end it: a
// stolen session cookie gives a guesser only these few tries.
const maxSessionWrong = 3

// wrongInSession counts a wrong passphrase typed inside a session and ends
// the session (and locks the vault when no other session holds it) at
// maxSessionWrong; it reports whether it ended.
func (h *Host) wrongInSession(ctx context.Context, secret string) (bool, error) {
	e, err := h.live(ctx, secret)
	if errors.Is(err, ErrNoSession) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if e.Wrong++; e.Wrong < maxSessionWrong {
		return false, h.ix.putSession(ctx, secret, e)
	}
	h.cfg.Logger.Warn("session ended after wrong passphrases", "vault", e.Vault)
	return true, errors.Join(h.ix.deleteSession(ctx, secret), h.lockIdle(ctx))
}

// sessionLogin is the keyed hash of the login name of a session's vault,
// for the counts of wrong passphrases.
func (h *Host) sessionLogin(ctx context.Context, secret string) ([]byte, error) {
	e, err := h.live(ctx, secret)
	if err != nil {
		return nil, err
	}
	return h.ix.loginOfVault(ctx, e.Vault)
}

// ChangePassphrase rotates the session's vault's data key, wrapped under a
// new passphrase that meets PassphraseRule, ends every other session of
// the vault (the one that changed it stays, with the new key) and bumps
// the login's device generation. A wrong old passphrase is ErrLogin and
// changes nothing.
func (h *Host) ChangePassphrase(ctx context.Context, secret, oldPass, newPass string) error {
	if len([]rune(newPass)) < MinPassphrase {
		return &wallet.ValidationError{Field: "passphrase", Problem: "must be " + PassphraseRule}
	}
	ses, err := h.Resume(ctx, secret)
	if err != nil {
		return err
	}
	defer ses.Release()
	done, err := h.deriving(ctx)
	if err != nil {
		return err
	}
	defer done()
	// A new data key, not only a new wrapping: a session's sealed copy of
	// the old one may outlive its session on disk (bbolt does not zero
	// freed pages, PostgreSQL keeps WAL), and with an old cookie it would
	// open a copy of the vault taken after the change.
	err = ses.Vault.RotateKey(ctx, oldPass, newPass)
	if errors.Is(err, wallet.ErrWrongPassphrase) {
		return ErrLogin
	}
	if err != nil {
		return err
	}
	// Every other session of the vault ends: whoever holds one (a copied
	// cookie, a forgotten device) must log in with the new passphrase.
	// This one's data key is sealed again, the new one.
	if err := h.ix.endOtherSessions(ctx, ses.ID, secret); err != nil {
		return err
	}
	if err := h.resealSession(ctx, secret, ses.Vault); err != nil {
		return err
	}
	// Device cookies given out before no longer exempt from the pace: one
	// copied off a device is worth nothing after the change.
	return h.ix.newDeviceGeneration(ctx, ses.ID)
}

// DeleteVault removes the session's vault, its file and every index
// entry, when passphrase is the vault's (a session alone does not delete:
// a wrong one is ErrLogin and changes nothing).
func (h *Host) DeleteVault(ctx context.Context, secret, passphrase string) error {
	ses, err := h.Resume(ctx, secret)
	if err != nil {
		return err
	}
	done, err := h.deriving(ctx)
	if err != nil {
		ses.Release()
		return err
	}
	err = ses.Vault.CheckPassphrase(passphrase)
	done()
	id := ses.ID
	ses.Release()
	if errors.Is(err, wallet.ErrWrongPassphrase) {
		return ErrLogin
	}
	if err != nil {
		return err
	}
	return h.removeVault(ctx, id)
}

// removeVault closes vault id once no request uses it (or ctx ends first,
// and then nothing is removed) and deletes it.
func (h *Host) removeVault(ctx context.Context, id string) error {
	h.mu.Lock()
	for p := h.open[id]; p != nil && p.users > 0; p = h.open[id] {
		h.mu.Unlock()
		t := time.NewTimer(10 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("delete vault: %w", ctx.Err())
		case <-t.C:
		}
		h.mu.Lock()
	}
	if p := h.open[id]; p != nil {
		p.v.Close()
		delete(h.open, id)
	}
	h.mu.Unlock()
	if err := h.ix.deleteVault(ctx, id); err != nil {
		return err
	}
	return h.backend.RemoveVault(ctx, id)
}

// Push queues statements for a vault after checking them against the
// host's trust list. The vault stays closed and locked; when its resident
// is present they are imported at once.
func (h *Host) Push(ctx context.Context, id string, items []connectors.Item) (connectors.Report, error) {
	if err := h.known(ctx, id); err != nil {
		return connectors.Report{}, err
	}
	check := &trust.Verifier{Trust: h.cfg.Trust, AnySubject: true, Now: h.cfg.Now}
	rep, err := connectors.Queue(ctx, h.ix.box(id), check, h.cfg.PendingQuota, items)
	if err != nil || rep.Queued == 0 || h.backend.Shared() {
		// On a shared store this process cannot know that a session it
		// once unlocked the vault for still lives (another process may
		// have ended it): the push waits for the resident's next request,
		// in whichever process (see Resume).
		return rep, err
	}
	h.mu.Lock()
	p := h.open[id]
	unlocked := p != nil && p.v.Unlocked()
	h.mu.Unlock()
	if unlocked {
		if v, release, err := h.acquire(ctx, id); err == nil {
			if _, err := h.catchUp(ctx, v, id); err != nil && !errors.Is(err, wallet.ErrLocked) {
				h.cfg.Logger.Error("importing a push for a present resident", "err", err.Error())
			}
			release()
		}
	}
	return rep, nil
}

// Redeem serves a helper from the grant's sealed record, without any key
// of the vault, as long as the host's trust list still names the helper
// and the key its consent names.
func (h *Host) Redeem(ctx context.Context, id string, p consent.Presentation) (string, error) {
	if err := h.known(ctx, id); errors.Is(err, wallet.ErrNotFound) {
		return "", consent.ErrUnknownGrant
	} else if err != nil {
		return "", err
	}
	// The sealed record holds the helper's key as the vault knew it at the
	// last login; the host's list as it is now must agree.
	svc := &consent.Service{Box: h.ix.box(id), HostTrust: h.cfg.Trust}
	d, _, err := svc.RedeemSealed(ctx, p)
	return d, err
}
