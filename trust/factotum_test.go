package trust

import (
	"errors"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/internal/testkit/walletkey"
	"regie/wallet"
)

// TestFactotumSignsAsTheKeyWould: signing through a Factotum gives
// byte for byte the JWS that signing with the key itself gave (Ed25519 is
// deterministic), so tokens, dossiers and pull requests keep their format.
func TestFactotumSignsAsTheKeyWould(t *testing.T) {
	ks := walletkey.New("wallet")
	payload := []byte(`{"iss":"c-1","aud":"cjib","htm":"GET","htu":"http://x/regie/v1/statements","iat":1,"jti":"j"}`)
	for _, embed := range []bool{false, true} {
		raw, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: ks.Key},
			(&jose.SignerOptions{EmbedJWK: embed}).WithType("regie-test+jwt"))
		if err != nil {
			t.Fatal(err)
		}
		obj, _ := raw.Sign(payload)
		want, _ := obj.CompactSerialize()
		got, err := SignAsWallet(ks, "regie-test+jwt", payload, embed)
		if err != nil || got != want {
			t.Errorf("embed %v: got %s, want %s (%v)", embed, got, want, err)
		}
	}
	// The request token as Sign with a bare JWK made it.
	want, _ := Sign(jose.JSONWebKey{Key: ks.Key}, RequestType, payload)
	got, _ := SignAsWallet(ks, RequestType, payload, false)
	if got != want {
		t.Errorf("request token changed: %s, want %s", got, want)
	}
	id, err := WalletID(ks)
	tp, _ := Thumbprint(jose.JSONWebKey{Key: ks.Key.Public()})
	if err != nil || id != tp {
		t.Errorf("wallet id %q, want %q", id, tp)
	}
}

// TestLockedVaultSignsNothing: the vault is the wallet's signer, and once
// locked it signs nothing and shows no key.
func TestLockedVaultSignsNothing(t *testing.T) {
	v := newTestVault(t, func() time.Time { return testNow })
	if _, err := SignRequest(v, "c-1", "cjib", "GET", "http://x", testNow); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if _, err := SignRequest(v, "c-1", "cjib", "GET", "http://x", testNow); !errors.Is(err, wallet.ErrLocked) {
		t.Errorf("locked vault signed a request: %v", err)
	}
	if _, err := WalletID(v); !errors.Is(err, wallet.ErrLocked) {
		t.Errorf("locked vault showed its key: %v", err)
	}
}
