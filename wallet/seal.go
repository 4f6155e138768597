package wallet

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// aeadSealer seals vault values, binding each to where it is stored.
type aeadSealer struct {
	aead cipher.AEAD
}

func newKeys(dk []byte) (*keys, error) {
	m := hmac.New(sha256.New, dk)
	m.Write([]byte("regie/v1/encrypt"))
	enc := m.Sum(nil)
	m = hmac.New(sha256.New, dk)
	m.Write([]byte("regie/v1/index"))
	aead, err := chacha20poly1305.NewX(enc)
	if err != nil {
		return nil, err
	}
	return &keys{aead: aeadSealer{aead: aead}, index: m.Sum(nil), dk: bytes.Clone(dk), revoked: &revocations{ids: map[string]bool{}}}, nil
}

func associated(b Bucket, key []byte) []byte {
	ad := make([]byte, 0, 16+len(b)+len(key))
	ad = append(ad, "regie/v1\x00"...)
	ad = append(ad, b...)
	ad = append(ad, 0)
	return append(ad, key...)
}

func (s aeadSealer) seal(plain []byte, b Bucket, key []byte) []byte {
	return s.sealAD(plain, associated(b, key))
}

func (s aeadSealer) sealAD(plain, ad []byte) []byte {
	n := s.aead.NonceSize()
	out := make([]byte, n, n+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		panic("regie: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	return s.aead.Seal(out, out, plain, ad)
}

var errShort = errors.New("sealed value too short")

func (s aeadSealer) open(sealed []byte, b Bucket, key []byte) ([]byte, error) {
	return s.openAD(sealed, associated(b, key))
}

func (s aeadSealer) openAD(sealed, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errShort
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], ad)
}
