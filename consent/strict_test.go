package consent

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"regie/trust"
)

// TestProofsAndTokensRefuseDuplicateKeys: a proof or consent token whose
// payload names a claim twice, or in another case, is refused rather than
// read as its last or case-folded value.
func TestProofsAndTokensRefuseDuplicateKeys(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{})
	url := base + "/c/" + g.Handle
	now := f.clock.Now()
	n := 0
	proofWith := func(payload string) string {
		n++ // a fresh proof id each time, so that no refusal is a replay
		payload = strings.Replace(payload, `"jti":"p1"`, `"jti":"p`+jsonInt(int64(n))+`"`, 1)
		p, err := trust.Sign(f.a.key, ProofType, []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `{"iss":"` + f.a.org.ID + `","htm":"GET","htu":"` + url + `","iat":` + jsonInt(now.Unix()) + `,"jti":"p1","purpose":"debt-help-intake"}`
	for _, tc := range []struct{ name, payload string }{
		{"proof-htu-twice", strings.Replace(good, `"htm":"GET",`, `"htm":"GET","htu":"http://elsewhere.example/c/x",`, 1)},
		{"proof-purpose-upper-case", strings.Replace(good, `"purpose":`, `"PURPOSE":`, 1)},
		{"proof-iss-and-ISS", strings.Replace(good, `"htm":`, `"ISS":"someone-else","htm":`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.redeem(Presentation{Handle: g.Handle, Proof: proofWith(tc.payload), Method: "GET", URL: url})
			if !errors.Is(err, ErrInvalidProof) {
				t.Errorf("presentation: %v, want ErrInvalidProof", err)
			}
		})
	}
	t.Run("proof-well-formed-still-accepted", func(t *testing.T) {
		if err := f.redeem(Presentation{Handle: g.Handle, Proof: proofWith(good), Method: "GET", URL: url}); err != nil {
			t.Errorf("the good proof: %v", err)
		}
	})

	pub, _ := f.vault.PublicKey()
	tokenWith := func(payload string) string {
		s, err := trust.SignAsWallet(f.vault, ConsentType, []byte(payload), false)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	jkt, _ := trust.Thumbprint(f.a.key.Public())
	times := `"nbf":` + jsonInt(now.Add(-time.Minute).Unix()) + `,"exp":` + jsonInt(now.Add(time.Hour).Unix())
	tok := `{"iss":"w","aud":"` + f.a.org.ID + `","jti":"t1",` + times + `,"purpose":"debt-help-intake","scope":["debts"],"cnf":{"jkt":"` + jkt + `"}}`
	if _, _, err := VerifyToken(tokenWith(tok), pub, f.a.org.ID, now); err != nil {
		t.Fatalf("the well-formed token: %v", err)
	}
	for _, tc := range []struct{ name, payload string }{
		{"token-scope-twice", strings.Replace(tok, `"scope":["debts"]`, `"scope":["debts"],"scope":["debts","income"]`, 1)},
		{"token-aud-upper-case", strings.Replace(tok, `"aud":`, `"AUD":`, 1)},
		{"token-cnf-jkt-twice", strings.Replace(tok, `"cnf":{"jkt":"`+jkt+`"}`, `"cnf":{"jkt":"`+jkt+`","jkt":"other"}`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := VerifyToken(tokenWith(tc.payload), pub, f.a.org.ID, now); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("VerifyToken: %v, want ErrInvalidToken", err)
			}
		})
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
