package wallet

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"

	"regie/store"
)

// Bucket names a group of sealed records. Names are fixed words chosen by the
// code, never derived from personal data.
type Bucket string

// Buckets the wallet package itself keeps.
const (
	BucketProfile    Bucket = "profile"
	BucketStatements Bucket = "statements"
	BucketSeen       Bucket = "seen"
	BucketEvents     Bucket = "events"
	BucketHeads      Bucket = "heads"
)

var bucketMeta = []byte("meta")

// FileName is the vault's file name inside a data folder.
const FileName = "vault.db"

// KDFParams are the argon2id parameters that turn a passphrase into the key
// that wraps the data key. They are stored beside the wrapped key so that they
// can be raised later without breaking old vaults.
type KDFParams struct {
	Time    uint32 `json:"t"`
	Memory  uint32 `json:"m"` // KiB
	Threads uint8  `json:"p"`
}

// DefaultKDF costs about half a second on a two-core machine: slow for a
// guesser with a stolen file, bearable once per unlock.
var DefaultKDF = KDFParams{Time: 3, Memory: 64 << 10, Threads: 2}

// Options tune Open.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// file before it returns ErrInUse. Zero means one second.
	LockTimeout time.Duration
	// KDF is used when creating the vault or changing its passphrase.
	// Zero means DefaultKDF.
	KDF KDFParams
	// Now tells the time; nil means time.Now.
	Now func() time.Time
}

type kdfRecord struct {
	Params KDFParams `json:"params"`
	Salt   []byte    `json:"salt"`
}

// Profile is who the vault belongs to.
type Profile struct {
	BSN       BSN       `json:"bsn"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Vault is a resident's encrypted store: one bbolt file (Open), or any
// store.DB (OpenStore), such as a vault's space in a host's shared
// database. It is safe for concurrent use. While locked it can be opened,
// but nothing sealed can be read or written.
type Vault struct {
	db   store.DB
	opts Options

	mu   sync.RWMutex
	keys *keys // nil while locked
}

type keys struct {
	aead    aeadSealer
	index   []byte
	signing ed25519.PrivateKey
	decrypt *ecdsa.PrivateKey // nil only inside Unlock of a vault made before encryption keys
	dk      []byte            // the data key, for a host to seal under a session secret
	// generation is the header's sealed index-key record as these keys
	// found it (nil before a first rotation): each RotateKey writes a new
	// one, so Update can tell keys a rotation left behind.
	generation []byte
	profile    Profile
	// revoked caches what the chained log says about grants; it lives as
	// long as this unlock.
	revoked *revocations
}

// Open opens (or creates an empty) vault file. A second process opening the
// same file gets ErrInUse once LockTimeout has passed.
func Open(path string, opts *Options) (*Vault, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	db, err := OpenFile(path, o.LockTimeout)
	if err != nil {
		return nil, err
	}
	return &Vault{db: db, opts: o}, nil
}

// OpenStore is the vault in db, for stores that are not one vault file
// (a host's shared database). Closing the vault closes db; on an error
// the caller still owns db.
func OpenStore(db store.DB, opts *Options) (*Vault, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	return &Vault{db: db, opts: o}, nil
}

func (opts *Options) withDefaults() (Options, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = time.Second
	}
	if o.KDF == (KDFParams{}) {
		o.KDF = DefaultKDF
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, o.KDF.check()
}

// OpenFile opens (or creates) a vault file as a store, with the checks
// Open makes: a damaged file is ErrDamaged, not a panic, and a file
// another process holds is ErrInUse once lockTimeout has passed. A host
// keeping vault files opens them with it and then OpenStore.
func OpenFile(path string, lockTimeout time.Duration) (store.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	db, err := openBolt(path, lockTimeout)
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			return nil, fmt.Errorf("open vault: %w", ErrInUse)
		}
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("open vault: %w", err)
	}
	return db, nil
}

// openBolt opens the file with bbolt, turning a panic over a damaged page
// that checkFile did not catch into ErrDamaged.
func openBolt(path string, timeout time.Duration) (db store.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, damaged("%v", r)
		}
	}()
	return store.OpenBolt(path, store.BoltOptions{Timeout: timeout})
}

// guard turns a bbolt panic over a damaged page inside a transaction into
// ErrDamaged; bbolt rolls the transaction back on the way out. Only a
// vault file is guarded: a panic in another store is a fault of the code,
// not of the data, and goes on up.
func guard(db store.DB, err *error) {
	if store.BoltFile(db) == nil {
		return
	}
	if r := recover(); r != nil {
		*err = damaged("%v", r)
	}
}

// Close locks the vault and closes its store.
func (v *Vault) Close() error {
	v.Lock()
	return v.db.Close()
}

// Path is the vault file's path, or "" for a vault in another store.
func (v *Vault) Path() string {
	if f := store.BoltFile(v.db); f != nil {
		return f.Path()
	}
	return ""
}

// Now is the vault's clock.
func (v *Vault) Now() time.Time { return v.opts.Now() }

// Exists reports whether a vault has been created in this file. A damaged
// file answers with an error, not a panic.
func (v *Vault) Exists() (bool, error) { return v.exists(context.Background()) }

func (v *Vault) exists(ctx context.Context) (bool, error) {
	found := false
	err := v.view(ctx, func(tx store.Tx) error {
		b := tx.Bucket(bucketMeta)
		found = b != nil && b.Get([]byte("dk")) != nil
		return nil
	})
	return found, err
}

// view and update are the only ways into the store: a damaged file can
// make bbolt panic inside a transaction, and guard turns that into
// ErrDamaged.
func (v *Vault) view(ctx context.Context, fn func(store.Tx) error) (err error) {
	defer guard(v.db, &err)
	return v.db.View(ctx, fn)
}

func (v *Vault) update(ctx context.Context, fn func(store.Tx) error) (err error) {
	defer guard(v.db, &err)
	return v.db.Update(ctx, fn)
}

// Create makes a new vault: a random data key wrapped by a key derived from
// the passphrase, the resident's profile, and the wallet's Ed25519 signing
// key. The vault is unlocked afterwards.
func (v *Vault) Create(ctx context.Context, passphrase string, p Profile) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(passphrase) < 8 {
		return &ValidationError{Field: "passphrase", Problem: "must be at least 8 characters"}
	}
	if _, err := ParseBSN(string(p.BSN)); err != nil {
		return err
	}
	if p.Name == "" || len(p.Name) > 200 {
		return &ValidationError{Field: "name", Problem: "must be 1 to 200 characters"}
	}
	if exists, err := v.exists(ctx); err != nil {
		return err
	} else if exists {
		return ErrExists
	}
	dk := make([]byte, chacha20poly1305.KeySize)
	if _, err := rand.Read(dk); err != nil {
		return err
	}
	_, signing, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	p.CreatedAt = v.opts.Now().UTC()
	k, err := newKeys(dk)
	if err != nil {
		return err
	}
	k.signing = signing
	k.profile = p
	if k.decrypt, err = newEncryptionKey(); err != nil {
		return err
	}
	kdf, wrapped, err := wrapKey(passphrase, v.opts.KDF, dk)
	if err != nil {
		return err
	}
	err = v.update(ctx, func(tx store.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if meta.Get([]byte("dk")) != nil {
			return ErrExists
		}
		if err := putMeta(meta, kdf, wrapped); err != nil {
			return err
		}
		if err := meta.Put([]byte("format"), []byte("regie-vault-1")); err != nil {
			return err
		}
		t := &Tx{tx: tx, k: k, now: v.opts.Now}
		if err := t.Put(BucketProfile, []byte("owner"), p); err != nil {
			return err
		}
		if err := t.Put(bucketLogHead, headKey, eventHead{}); err != nil {
			return err
		}
		if err := putEncryptionKey(t, k.decrypt); err != nil {
			return err
		}
		return t.Put(BucketProfile, []byte("signing"), signing.Seed())
	})
	if err != nil {
		return fmt.Errorf("create vault: %w", err)
	}
	v.mu.Lock()
	v.keys = k
	v.mu.Unlock()
	return nil
}

func putMeta(meta store.Bucket, kdf kdfRecord, wrapped []byte) error {
	raw, err := json.Marshal(kdf)
	if err != nil {
		return err
	}
	if err := meta.Put([]byte("kdf"), raw); err != nil {
		return err
	}
	return meta.Put([]byte("dk"), wrapped)
}

// The wrapped data key's associated data names the header version, so that
// the version is bound to what only the passphrase opens: a version-2
// header keeps the access log's head (see AppendEvent), and no one without
// the passphrase can pass a version-2 vault off as a version-1 vault that
// never had one.
var (
	wrapAD       = []byte("regie/v2/data-key")
	legacyWrapAD = []byte("regie/v1/data-key")
)

// SpendDerivation derives a key from passphrase with params and throws it
// away. A host answers a login name it does not know after this, so that
// the answer costs what a wrong passphrase costs and its timing does not
// tell which login names exist. Zero params mean DefaultKDF.
func SpendDerivation(passphrase string, params KDFParams) {
	if params == (KDFParams{}) {
		params = DefaultKDF
	}
	if params.check() != nil {
		return
	}
	_ = deriveKEK(passphrase, kdfRecord{Params: params, Salt: make([]byte, 16)})
}

func deriveKEK(passphrase string, kdf kdfRecord) []byte {
	return argon2.IDKey([]byte(passphrase), kdf.Salt, kdf.Params.Time, kdf.Params.Memory, kdf.Params.Threads, chacha20poly1305.KeySize)
}

func wrapKey(passphrase string, params KDFParams, dk []byte) (kdfRecord, []byte, error) {
	kdf := kdfRecord{Params: params, Salt: make([]byte, 16)}
	if _, err := rand.Read(kdf.Salt); err != nil {
		return kdf, nil, err
	}
	aead, err := chacha20poly1305.NewX(deriveKEK(passphrase, kdf))
	if err != nil {
		return kdf, nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(dk)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return kdf, nil, err
	}
	return kdf, aead.Seal(nonce, nonce, dk, wrapAD), nil
}

// unwrap derives the key-encryption key and opens the data key.
// legacy reports a version-1 header, which Unlock and ChangePassphrase
// upgrade.
func (v *Vault) unwrap(ctx context.Context, passphrase string) (_ []byte, legacy bool, err error) {
	defer guard(v.db, &err)
	var kdf kdfRecord
	var wrapped []byte
	err = v.view(ctx, func(tx store.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || meta.Get([]byte("dk")) == nil {
			return ErrNoVault
		}
		wrapped = bytes.Clone(meta.Get([]byte("dk")))
		if json.Unmarshal(meta.Get([]byte("kdf")), &kdf) != nil {
			return damaged("the key-derivation record does not read")
		}
		if err := kdf.Params.check(); err != nil {
			return damaged("%v", err)
		}
		if len(kdf.Salt) < minSaltLen {
			return damaged("the key-derivation salt is too short")
		}
		if len(wrapped) < chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead {
			return damaged("the wrapped data key is too short")
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	aead, err := chacha20poly1305.NewX(deriveKEK(passphrase, kdf))
	if err != nil {
		return nil, false, err
	}
	nonce, sealed := wrapped[:aead.NonceSize()], wrapped[aead.NonceSize():]
	dk, err := aead.Open(nil, nonce, sealed, wrapAD)
	if err != nil {
		if dk, err = aead.Open(nil, nonce, sealed, legacyWrapAD); err == nil {
			return dk, true, nil
		}
		return nil, false, ErrWrongPassphrase
	}
	return dk, false, nil
}

// Unlock opens the vault with the passphrase. A wrong passphrase returns
// ErrWrongPassphrase and changes nothing.
func (v *Vault) Unlock(ctx context.Context, passphrase string) (err error) {
	defer guard(v.db, &err)
	if err := ctx.Err(); err != nil {
		return err
	}
	dk, legacy, err := v.unwrap(ctx, passphrase)
	if errors.Is(err, ErrDamaged) {
		return err
	}
	if err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	k, err := v.openKeys(ctx, dk)
	if err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	if legacy {
		if err := v.upgrade(ctx, passphrase, dk, k); err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
	}
	v.mu.Lock()
	v.keys = k
	v.mu.Unlock()
	return nil
}

// UnlockWithDataKey opens the vault with its data key instead of the
// passphrase: a host keeps the data key of a resident's session sealed under
// the session cookie's secret, so that any host process given the cookie
// can serve the session. A wrong key returns ErrWrongPassphrase.
func (v *Vault) UnlockWithDataKey(ctx context.Context, dk []byte) (err error) {
	defer guard(v.db, &err)
	if err := ctx.Err(); err != nil {
		return err
	}
	k, err := v.openKeys(ctx, bytes.Clone(dk))
	if err != nil {
		return fmt.Errorf("unlock: %w", ErrWrongPassphrase)
	}
	v.mu.Lock()
	v.keys = k
	v.mu.Unlock()
	return nil
}

// DataKey returns a copy of the data key while the vault is unlocked, for a
// host to seal under a session's secret.
func (v *Vault) DataKey() ([]byte, error) {
	k, err := v.current()
	if err != nil {
		return nil, err
	}
	return bytes.Clone(k.dk), nil
}

// openKeys derives the record keys from the data key and reads the signing
// and encryption keys and the profile.
func (v *Vault) openKeys(ctx context.Context, dk []byte) (*keys, error) {
	var k *keys
	err := v.view(ctx, func(tx store.Tx) error {
		var err error
		if k, err = keysFor(tx, dk); err != nil {
			return err
		}
		t := &Tx{tx: tx, k: k, now: v.opts.Now}
		var seed []byte
		if ok, err := t.Get(BucketProfile, []byte("signing"), &seed); err != nil || !ok {
			return errors.Join(ErrCorrupt, err)
		}
		if len(seed) != ed25519.SeedSize {
			return ErrCorrupt
		}
		k.signing = ed25519.NewKeyFromSeed(seed)
		if ok, err := t.Get(BucketProfile, []byte("owner"), &k.profile); err != nil || !ok {
			return errors.Join(ErrCorrupt, err)
		}
		k.decrypt, err = loadEncryptionKey(t)
		return err
	})
	if err == nil {
		err = v.ensureEncryptionKey(ctx, k)
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

// CheckPassphrase reports whether passphrase opens the vault, without
// changing whether it is unlocked.
func (v *Vault) CheckPassphrase(passphrase string) error {
	_, _, err := v.unwrap(context.Background(), passphrase)
	return err
}

// Lock forgets the keys. Sealed data can no longer be read until Unlock.
func (v *Vault) Lock() {
	v.mu.Lock()
	v.keys = nil
	v.mu.Unlock()
}

// Unlocked reports whether the keys are in memory.
func (v *Vault) Unlocked() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.keys != nil
}

// ChangePassphrase re-wraps the data key under a new passphrase. The data
// itself is not re-encrypted. A wrong old passphrase changes nothing.
func (v *Vault) ChangePassphrase(ctx context.Context, oldPass, newPass string) error {
	dk, legacy, err := v.openForChange(ctx, oldPass, newPass)
	if err != nil {
		return fmt.Errorf("change passphrase: %w", err)
	}
	if legacy {
		return v.upgrade(ctx, newPass, dk, nil)
	}
	kdf, wrapped, err := wrapKey(newPass, v.opts.KDF, dk)
	if err != nil {
		return err
	}
	return v.update(ctx, func(tx store.Tx) error {
		return putMeta(tx.Bucket(bucketMeta), kdf, wrapped)
	})
}

// openForChange checks a new passphrase and opens the data key with the
// old one, for ChangePassphrase and RotateKey.
func (v *Vault) openForChange(ctx context.Context, oldPass, newPass string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if len(newPass) < 8 {
		return nil, false, &ValidationError{Field: "passphrase", Problem: "must be at least 8 characters"}
	}
	return v.unwrap(ctx, oldPass)
}

// upgrade turns a version-1 header into version 2 in one transaction: the
// log head moves into the header and the data key is wrapped again, under
// passphrase, naming version 2.
func (v *Vault) upgrade(ctx context.Context, passphrase string, dk []byte, k *keys) error {
	kdf, wrapped, err := wrapKey(passphrase, v.opts.KDF, dk)
	if err != nil {
		return err
	}
	return v.update(ctx, func(tx store.Tx) error {
		if k == nil {
			var err error
			if k, err = keysFor(tx, dk); err != nil {
				return err
			}
		}
		if err := (&Tx{tx: tx, k: k, now: v.opts.Now}).migrateLogHead(); err != nil {
			return err
		}
		return putMeta(tx.Bucket(bucketMeta), kdf, wrapped)
	})
}

// Profile returns the vault owner's profile.
func (v *Vault) Profile() (Profile, error) {
	k, err := v.current()
	if err != nil {
		return Profile{}, err
	}
	return k.profile, nil
}

// PublicKey is the public half of the wallet's Ed25519 key; ErrLocked
// while the vault is locked.
func (v *Vault) PublicKey() (ed25519.PublicKey, error) {
	k, err := v.current()
	if err != nil {
		return nil, err
	}
	return k.signing.Public().(ed25519.PublicKey), nil
}

// Sign signs message with the wallet's Ed25519 key, for consent tokens,
// dossiers and requests to organisations. The vault is the only holder of
// the key and never hands it out: Lock drops it, and Sign then answers
// ErrLocked. The vault is the wallet's trust.Factotum.
func (v *Vault) Sign(message []byte) ([]byte, error) {
	k, err := v.current()
	if err != nil {
		return nil, err
	}
	return ed25519.Sign(k.signing, message), nil
}

func (v *Vault) current() (*keys, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.keys == nil {
		return nil, ErrLocked
	}
	return v.keys, nil
}

// View runs fn in a read-only transaction over sealed records.
func (v *Vault) View(ctx context.Context, fn func(*Tx) error) (err error) {
	defer guard(v.db, &err)
	if err := ctx.Err(); err != nil {
		return err
	}
	k, err := v.current()
	if err != nil {
		return err
	}
	return v.view(ctx, func(tx store.Tx) error {
		return fn(&Tx{tx: tx, k: k, now: v.opts.Now})
	})
}

// Update runs fn in a read-write transaction: everything fn writes lands
// together, durably, or not at all.
func (v *Vault) Update(ctx context.Context, fn func(*Tx) error) (err error) {
	defer guard(v.db, &err)
	if err := ctx.Err(); err != nil {
		return err
	}
	k, err := v.current()
	if err != nil {
		return err
	}
	return v.update(ctx, func(tx store.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil && !bytes.Equal(meta.Get(indexKey), k.generation) {
			// The data key was rotated (by this process after k was taken,
			// or by another on a shared store): writing under k would seal
			// records nobody can open.
			return ErrKeyRotated
		}
		return fn(&Tx{tx: tx, k: k, now: v.opts.Now})
	})
}

// ErrKeyRotated is a write with keys that a rotation of the data key (see
// RotateKey) replaced meanwhile; nothing was written. It is ErrLocked as
// well: unlocking again takes the new key.
var ErrKeyRotated = fmt.Errorf("the vault's data key was rotated: %w", ErrLocked)

// Tx is a transaction over the vault's sealed records. Every value is sealed
// with XChaCha20-Poly1305 under the data key, with its bucket and key as
// associated data, so a value copied to another place fails to open.
type Tx struct {
	tx  store.Tx
	k   *keys
	now func() time.Time
}

// Now is the vault clock.
func (t *Tx) Now() time.Time { return t.now() }

// Key derives a record key from parts with a keyed hash, so that keys in the
// file reveal nothing about references, organisations or people, while the
// same parts always give the same key.
func (t *Tx) Key(parts ...string) []byte {
	m := hmac.New(sha256.New, t.k.index)
	for _, p := range parts {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// Put seals v as JSON under bucket and key.
func (t *Tx) Put(b Bucket, key []byte, v any) error {
	plain, err := json.Marshal(v)
	if err != nil {
		return err
	}
	bk, err := t.tx.CreateBucketIfNotExists([]byte(b))
	if err != nil {
		return err
	}
	return bk.Put(key, t.k.aead.seal(plain, b, key))
}

// Get opens the value under bucket and key into dst. It reports false when
// there is none, and ErrCorrupt when the value fails authentication.
func (t *Tx) Get(b Bucket, key []byte, dst any) (bool, error) {
	bk := t.tx.Bucket([]byte(b))
	if bk == nil {
		return false, nil
	}
	sealed := bk.Get(key)
	if sealed == nil {
		return false, nil
	}
	return true, t.open(b, key, sealed, dst)
}

func (t *Tx) open(b Bucket, key, sealed []byte, dst any) error {
	plain, err := t.k.aead.open(sealed, b, key)
	if err != nil {
		return fmt.Errorf("%s record: %w", b, ErrCorrupt)
	}
	if err := json.Unmarshal(plain, dst); err != nil {
		return fmt.Errorf("%s record: %w", b, ErrCorrupt)
	}
	return nil
}

// Delete removes the value under bucket and key, if any.
func (t *Tx) Delete(b Bucket, key []byte) error {
	bk := t.tx.Bucket([]byte(b))
	if bk == nil {
		return nil
	}
	return bk.Delete(key)
}

// ForEach calls fn for every record in the bucket in key order; open
// decodes the record's value.
func (t *Tx) ForEach(b Bucket, fn func(key []byte, open func(dst any) error) error) error {
	return t.ForEachPrefix(b, nil, fn)
}

// ForEachPrefix is ForEach over keys that start with prefix.
func (t *Tx) ForEachPrefix(b Bucket, prefix []byte, fn func(key []byte, open func(dst any) error) error) error {
	bk := t.tx.Bucket([]byte(b))
	if bk == nil {
		return nil
	}
	c := bk.Cursor()
	for k, val := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, val = c.Next() {
		key, sealed := k, val
		if err := fn(key, func(dst any) error { return t.open(b, key, sealed, dst) }); err != nil {
			return err
		}
	}
	return nil
}

// NextSequence returns the next number of an auto-incrementing counter per bucket.
func (t *Tx) NextSequence(b Bucket) (uint64, error) {
	bk, err := t.tx.CreateBucketIfNotExists([]byte(b))
	if err != nil {
		return 0, err
	}
	return bk.NextSequence()
}

// Seq encodes n as a big-endian key, so that keys sort in number order.
func Seq(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}
