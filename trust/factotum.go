package trust

import (
	"crypto/ed25519"

	"github.com/go-jose/go-jose/v4"
)

// Factotum signs as the wallet without handing out the wallet's private key
// (named after upspin's Factotum, its model). The wallet's vault is the one
// implementation: it holds the key while unlocked and drops it on Lock,
// after which both methods answer wallet.ErrLocked. Pull requests, consent
// tokens, dossiers, and the wallet's JWK and thumbprint all go through it.
type Factotum interface {
	// PublicKey is the public half of the wallet's Ed25519 key.
	PublicKey() (ed25519.PublicKey, error)
	// Sign signs message with the wallet's Ed25519 key.
	Sign(message []byte) ([]byte, error)
}

// WalletJWK is the wallet's public key as organisations and helpers see it.
func WalletJWK(pub ed25519.PublicKey) jose.JSONWebKey {
	return jose.JSONWebKey{Key: pub, Algorithm: string(jose.EdDSA), Use: "sig"}
}

// WalletID is the wallet's identifier in tokens, QR codes and receipts: the
// RFC 7638 thumbprint of its public key.
func WalletID(f Factotum) (string, error) {
	pub, err := f.PublicKey()
	if err != nil {
		return "", err
	}
	return Thumbprint(WalletJWK(pub))
}

// JOSESigner is a JOSE signer (EdDSA) that signs through f and sets the typ
// header; with embedJWK the protected header also names the public key, and
// nothing else goes in it. The private key stays with f.
func JOSESigner(f Factotum, typ string, embedJWK bool) (jose.Signer, error) {
	pub, err := f.PublicKey()
	if err != nil {
		return nil, err
	}
	return jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: opaque{f: f, pub: pub}},
		(&jose.SignerOptions{EmbedJWK: embedJWK}).WithType(jose.ContentType(typ)))
}

// opaque lets go-jose sign through a Factotum.
type opaque struct {
	f   Factotum
	pub ed25519.PublicKey
}

func (o opaque) Public() *jose.JSONWebKey        { return &jose.JSONWebKey{Key: o.pub} }
func (o opaque) Algs() []jose.SignatureAlgorithm { return []jose.SignatureAlgorithm{jose.EdDSA} }

func (o opaque) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if alg != jose.EdDSA {
		return nil, jose.ErrUnsupportedAlgorithm
	}
	return o.f.Sign(payload)
}

// SignAsWallet makes a compact JWS over payload signed through f, with typ
// (and, with embedJWK, the public key) in the header.
func SignAsWallet(f Factotum, typ string, payload []byte, embedJWK bool) (string, error) {
	signer, err := JOSESigner(f, typ, embedJWK)
	if err != nil {
		return "", err
	}
	return compact(signer, payload)
}
