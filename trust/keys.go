package trust

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-jose/go-jose/v4"

	"regie/wallet"
)

// NewSigningKey makes an Ed25519 private JWK with the given kid.
func NewSigningKey(kid string) (jose.JSONWebKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	return jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: string(jose.EdDSA), Use: "sig"}, nil
}

// NewEncryptionKey makes a P-256 private JWK for ECDH-ES key agreement.
// go-jose uses Ed25519 for signatures only, so a helper that receives
// encrypted dossiers holds this second key.
func NewEncryptionKey(kid string) (jose.JSONWebKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	return jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: string(jose.ECDH_ES_A256KW), Use: "enc"}, nil
}

// NewOrganisation makes the private key set and the public trust-list entry
// for an organisation. Helpers get a second, encryption key.
func NewOrganisation(id, name string, kind Kind, endpoint string, year int) (jose.JSONWebKeySet, Organisation, error) {
	var set jose.JSONWebKeySet
	sig, err := NewSigningKey(fmt.Sprintf("%s-%d", id, year))
	if err != nil {
		return set, Organisation{}, err
	}
	set.Keys = append(set.Keys, sig)
	org := Organisation{ID: id, Name: name, Kind: kind, Endpoint: endpoint}
	switch kind {
	case KindCreditor:
		org.MaySign = []wallet.StatementType{wallet.TypeDebt}
	case KindIncomePayer:
		org.MaySign = []wallet.StatementType{wallet.TypeIncome}
	case KindHelper:
		enc, err := NewEncryptionKey(fmt.Sprintf("%s-%d-enc", id, year))
		if err != nil {
			return set, org, err
		}
		set.Keys = append(set.Keys, enc)
	}
	for _, k := range set.Keys {
		org.Keys = append(org.Keys, k.Public())
	}
	return set, org, org.validate()
}

// WriteKeyFiles writes key.jwk (private, mode 0600) and trust.json (the
// public entry) into dir.
func WriteKeyFiles(dir string, set jose.JSONWebKeySet, org Organisation) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	priv, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, "key.jwk"), priv, 0o600); err != nil {
		return err
	}
	pub, err := json.MarshalIndent(org, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, "trust.json"), append(pub, '\n'), 0o644)
}

// WriteFileAtomic writes through a temporary file and a rename, so that a
// crash leaves either the old file or the new one, never half of it.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ErrKeyFile marks a key file that cannot be used.
var ErrKeyFile = errors.New("unusable key file")

// ReadKeyFile reads a JWK Set of private keys (or a single private JWK).
func ReadKeyFile(path string) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	raw, err := os.ReadFile(path)
	if err != nil {
		return set, fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) == 0 {
		var one jose.JSONWebKey
		if err2 := json.Unmarshal(raw, &one); err2 != nil {
			return set, fmt.Errorf("%w: %s is not a JWK or JWK Set", ErrKeyFile, filepath.Base(path))
		}
		set.Keys = []jose.JSONWebKey{one}
	}
	for _, k := range set.Keys {
		if k.IsPublic() || !k.Valid() || k.KeyID == "" {
			return set, fmt.Errorf("%w: %s must hold private keys with a kid", ErrKeyFile, filepath.Base(path))
		}
	}
	return set, nil
}

// SigningKeyOf returns the first signing key of a set.
func SigningKeyOf(set jose.JSONWebKeySet) (jose.JSONWebKey, error) {
	for _, k := range set.Keys {
		if k.Use != "enc" {
			return k, nil
		}
	}
	return jose.JSONWebKey{}, fmt.Errorf("%w: no signing key", ErrKeyFile)
}

// DecryptionKeyOf returns the encryption (use enc) key of a set.
func DecryptionKeyOf(set jose.JSONWebKeySet) (jose.JSONWebKey, error) {
	for _, k := range set.Keys {
		if k.Use == "enc" {
			return k, nil
		}
	}
	return jose.JSONWebKey{}, fmt.Errorf("%w: no encryption key", ErrKeyFile)
}

// Sign makes a compact JWS over payload with the given typ header; the kid
// of the key goes in the header, and nothing else does.
func Sign(key jose.JSONWebKey, typ string, payload []byte) (string, error) {
	alg := jose.EdDSA
	if _, ok := key.Key.(*ecdsa.PrivateKey); ok {
		alg = jose.ES256
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", err
	}
	return compact(signer, payload)
}

// compact signs payload with signer into the compact serialization.
func compact(signer jose.Signer, payload []byte) (string, error) {
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// SignStatement checks a statement payload against the schema and signs it:
// an organisation's tooling refuses to sign what a wallet would refuse.
func SignStatement(key jose.JSONWebKey, payload []byte) (string, error) {
	if _, err := wallet.ParseClaims(payload); err != nil {
		return "", err
	}
	return Sign(key, StatementType, payload)
}

// ReadSigningKey reads a key file and picks its signing key.
func ReadSigningKey(path string) (jose.JSONWebKeySet, jose.JSONWebKey, error) {
	set, err := ReadKeyFile(path)
	if err != nil {
		return set, jose.JSONWebKey{}, err
	}
	key, err := SigningKeyOf(set)
	return set, key, err
}

// IDBesideKey reads the organisation id from the trust.json that
// `regie org new` and `regie helper new` write beside key.jwk.
func IDBesideKey(keyPath string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(keyPath), "trust.json"))
	if err != nil {
		return "", err
	}
	o, err := ParseOrganisation(raw)
	return o.ID, err
}
