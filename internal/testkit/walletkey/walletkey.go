// Package walletkey is a wallet factotum (trust.Factotum) for tests that hold
// the key themselves: a fixed key for fuzz seeds, or a thief's key. It
// imports nothing of Regie, so that any package's tests can use it.
// Production code signs only through the vault.
package walletkey

import "crypto/ed25519"

// Signer signs with a key the test holds.
type Signer struct{ Key ed25519.PrivateKey }

// New makes a Signer from a seed made of name, so that the same name always
// gives the same key.
func New(name string) Signer {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, name)
	return Signer{Key: ed25519.NewKeyFromSeed(seed)}
}

// PublicKey is the public half of the key.
func (k Signer) PublicKey() (ed25519.PublicKey, error) {
	return k.Key.Public().(ed25519.PublicKey), nil
}

// Sign signs message with the key.
func (k Signer) Sign(message []byte) ([]byte, error) { return ed25519.Sign(k.Key, message), nil }
