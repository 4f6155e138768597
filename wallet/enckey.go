package wallet

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/crypto/chacha20poly1305"

	"regie/store"
)

// Each vault has a P-256 encryption key pair so that what arrives while the
// resident is away (pushed statements, access events) can be stored for the
// vault without anyone holding a key that opens it. The public half lies
// unsealed in the file's meta bucket; the private half is sealed under the
// data key like every other record.
var (
	metaEncPublic  = []byte("enc-pub")
	profileEncPriv = []byte("encryption")
)

// ErrNoEncryptionKey is returned when a vault made before encryption keys
// existed is asked for its public key before its first unlock.
var ErrNoEncryptionKey = errors.New("the vault has no encryption key yet: unlock it once")

func newEncryptionKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// putEncryptionKey stores both halves inside an open write transaction.
func putEncryptionKey(t *Tx, priv *ecdsa.PrivateKey) error {
	d, err := priv.Bytes()
	if err != nil {
		return err
	}
	if err := t.Put(BucketProfile, profileEncPriv, d); err != nil {
		return err
	}
	pub, err := priv.PublicKey.Bytes()
	if err != nil {
		return err
	}
	meta, err := t.tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	return meta.Put(metaEncPublic, pub)
}

// loadEncryptionKey reads the private half; nil without error when the
// vault predates encryption keys.
func loadEncryptionKey(t *Tx) (*ecdsa.PrivateKey, error) {
	var d []byte
	ok, err := t.Get(BucketProfile, profileEncPriv, &d)
	if err != nil || !ok {
		return nil, err
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", ErrCorrupt)
	}
	return priv, nil
}

// ensureEncryptionKey gives a vault made before encryption keys existed its
// key pair at unlock.
func (v *Vault) ensureEncryptionKey(ctx context.Context, k *keys) error {
	if k.decrypt != nil {
		return nil
	}
	priv, err := newEncryptionKey()
	if err != nil {
		return err
	}
	err = v.update(ctx, func(tx store.Tx) error {
		t := &Tx{tx: tx, k: k, now: v.opts.Now}
		// Another unlock may have made one meanwhile: keep the first.
		if old, err := loadEncryptionKey(t); err != nil || old != nil {
			priv = old
			return err
		}
		return putEncryptionKey(t, priv)
	})
	if err != nil {
		return fmt.Errorf("encryption key: %w", err)
	}
	k.decrypt = priv
	return nil
}

// PublicEncryptionKey returns the vault's public encryption key. It needs no
// passphrase: anyone may encrypt to the vault, only the resident can read.
func (v *Vault) PublicEncryptionKey() (*ecdsa.PublicKey, error) {
	var raw []byte
	err := v.view(context.Background(), func(tx store.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			raw = bytes.Clone(meta.Get(metaEncPublic))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, ErrNoEncryptionKey
	}
	return ParsePublicEncryptionKey(raw)
}

// ParsePublicEncryptionKey reads a public encryption key in the uncompressed
// point form PublicEncryptionKeyBytes writes.
func ParsePublicEncryptionKey(raw []byte) (*ecdsa.PublicKey, error) {
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("public encryption key: %w", ErrCorrupt)
	}
	return pub, nil
}

// PublicEncryptionKeyBytes is the uncompressed point form of a public
// encryption key, for storing it outside the vault (a host's index).
func PublicEncryptionKeyBytes(pub *ecdsa.PublicKey) ([]byte, error) { return pub.Bytes() }

// JWE media types of what is encrypted to a vault.
const (
	PendingType = "regie-pending+jwe"
	EventType   = "regie-event+jwe"
)

// EncryptTo encrypts plain to a vault's public key as a compact JWE
// (ECDH-ES+A256KW, A256GCM) whose typ says what it holds.
func EncryptTo(pub *ecdsa.PublicKey, typ string, plain []byte) (string, error) {
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.ECDH_ES_A256KW, Key: pub},
		(&jose.EncrypterOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", err
	}
	obj, err := enc.Encrypt(plain)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// decryptWith opens a compact JWE made by EncryptTo, refusing any other
// algorithm, compression, or a typ other than typ.
func decryptWith(priv *ecdsa.PrivateKey, typ, compact string) ([]byte, error) {
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.ECDH_ES_A256KW}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("%w: not a JWE", ErrCorrupt)
	}
	if obj.Header.ExtraHeaders[jose.HeaderKey("zip")] != nil || obj.Header.ExtraHeaders[jose.HeaderType] != typ {
		return nil, fmt.Errorf("%w: unexpected JWE header", ErrCorrupt)
	}
	plain, err := obj.Decrypt(priv)
	if err != nil {
		return nil, fmt.Errorf("%w: does not decrypt with this vault's key", ErrCorrupt)
	}
	return plain, nil
}

// Decrypt opens a JWE encrypted to this vault of the given typ. It needs the
// vault unlocked.
func (v *Vault) Decrypt(ctx context.Context, typ, compact string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k, err := v.current()
	if err != nil {
		return nil, err
	}
	return decryptWith(k.decrypt, typ, compact)
}

// SealWithSecret seals plain under a 32-byte key that is not the vault's:
// a grant's redemption record under a key derived from its handle, a
// session's copy of the data key under the cookie's secret. ad binds the
// sealed value to where it is stored.
func SealWithSecret(key, ad, plain []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	return aeadSealer{aead: aead}.sealAD(plain, ad), nil
}

// OpenWithSecret opens what SealWithSecret sealed; a wrong key, a wrong ad
// or an edited value returns ErrCorrupt.
func OpenWithSecret(key, ad, sealed []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	plain, err := aeadSealer{aead: aead}.openAD(sealed, ad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}
