package consent

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/internal/testkit/walletkey"
	"regie/trust"
)

// fixedKey makes a deterministic Ed25519 key so seeds stay valid.
func fixedKey(name string) ed25519.PrivateKey { return walletkey.New(name).Key }

var fuzzNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// FuzzVerifyToken: no token makes consent-token verification panic, and an
// accepted token always names the audience and a key binding.
func FuzzVerifyToken(f *testing.F) {
	wk := walletkey.New("wallet")
	walletID, _ := trust.WalletID(wk)
	helper := jose.JSONWebKey{Key: fixedKey("helper"), KeyID: "h-1"}
	jkt, _ := trust.Thumbprint(helper.Public())
	tok, err := signJWT(wk, ConsentType, map[string]any{"iss": walletID, "aud": "schuldhulp-a", "jti": "g-1",
		"nbf": fuzzNow.Unix() - 10, "exp": fuzzNow.Unix() + 3600, "iat": fuzzNow.Unix() - 10}, TokenClaims{Purpose: PurposeIntake,
		Scope: Scope{"debts"}, Cnf: struct {
			JKT string `json:"jkt"`
		}{jkt}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add(strings.Replace(tok, ".", ".x", 1))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, s string) {
		std, tc, err := VerifyToken(s, wk.Key.Public(), "schuldhulp-a", fuzzNow)
		if err != nil {
			return
		}
		if !std.Audience.Contains("schuldhulp-a") || tc.Cnf.JKT == "" || std.Expiry == nil {
			t.Fatalf("accepted a token without audience, binding or expiry: %+v %+v", std, tc)
		}
	})
}

// FuzzParseProof: no proof header value makes the proof parser panic.
func FuzzParseProof(f *testing.F) {
	p, _ := SignProof(jose.JSONWebKey{Key: fixedKey("helper"), KeyID: "h-1"}, "schuldhulp-a", PurposeIntake, "GET",
		"http://127.0.0.1:8080/c/abc", fuzzNow)
	f.Add(p)
	f.Add(p[:len(p)-5])
	f.Add("..")
	f.Fuzz(func(t *testing.T, s string) {
		obj, pc, err := parseProof(s)
		if err == nil && (obj == nil || pc.ID == "") {
			t.Fatal("accepted a proof without an id")
		}
	})
}

// FuzzVerifyDossier: no dossier makes the helper's reader panic.
func FuzzVerifyDossier(f *testing.F) {
	wk := fixedKey("wallet")
	d, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: wk}, (&jose.SignerOptions{EmbedJWK: true}).WithType(DossierType))
	obj, _ := d.Sign([]byte(`{"grant":"","released_at":"2026-11-25T12:00:00Z","overview":{},"statements":[]}`))
	s, _ := obj.CompactSerialize()
	f.Add(s)
	f.Add(strings.ToUpper(s))
	f.Add("")
	tl, _ := trust.NewList(nil)
	hc := HelperCheck{HelperID: "schuldhulp-a", Trust: tl, Now: fuzzNow}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := VerifyDossier(s, hc); err == nil {
			t.Fatal("accepted a dossier without a valid grant")
		}
	})
}

// FuzzOpenDossier: no offline file makes decryption panic (go-jose before
// v4.1.4 panicked on a key-wrapped JWE with an empty encrypted key).
func FuzzOpenDossier(f *testing.F) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), fixedReader{})
	key := jose.JSONWebKey{Key: priv, KeyID: "enc"}
	sealed, err := SealDossier("a.b.c", jose.JSONWebKey{Key: &priv.PublicKey, KeyID: "enc"})
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(sealed, ".")
	f.Add(sealed)
	f.Add(parts[0] + ".." + parts[2] + "." + parts[3] + "." + parts[4]) // empty encrypted key
	f.Add("a.b.c.d.e")
	f.Fuzz(func(t *testing.T, s string) {
		OpenDossier(s, key)
	})
}

// fixedReader is a deterministic byte source for key generation in seeds.
type fixedReader struct{}

func (fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*7 + 3)
	}
	return len(p), nil
}
