package connectors

import (
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/trust"
	"regie/wallet"
)

// fuzzOrg is an organisation with a fixed key, so that seeds stay valid.
func fuzzOrg(f *testing.F) (testOrg, *trust.List) {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "regie fuzz organisation key....")
	key := jose.JSONWebKey{Key: ed25519.NewKeyFromSeed(seed), KeyID: "cjib-2026", Algorithm: string(jose.EdDSA), Use: "sig"}
	o := testOrg{Org: trust.Organisation{ID: "cjib", Name: "CJIB", Kind: trust.KindCreditor, Keys: []jose.JSONWebKey{key.Public()},
		MaySign: []wallet.StatementType{wallet.TypeDebt}}, Key: key}
	tl, err := trust.NewList([]trust.Organisation{o.Org})
	if err != nil {
		f.Fatal(err)
	}
	return o, tl
}

// FuzzVerify: no compact string makes verification panic, and anything it
// accepts is exactly what the trusted key signed.
func FuzzVerify(f *testing.F) {
	o, tl := fuzzOrg(f)
	good := o.sign(f, debtPayload("cjib", "c1", "CJIB-1", 52500))
	f.Add(good)
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add(good[:len(good)/2])
	f.Add("e30.e30.")
	f.Add("a.b.c.d.e")
	f.Add(strings.Repeat(".", 1000))
	v := &trust.Verifier{Trust: tl, Subject: ownerBSN, Now: func() time.Time { return testNow }}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := v.Verify(s)
		if err != nil {
			if trust.ReasonCode(err) == "error" {
				t.Fatalf("refusal without a reason: %v", err)
			}
			return
		}
		obj, err := jose.ParseSignedCompact(st.JWS, trust.Algorithms)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := obj.Verify(o.Org.Keys[0])
		if err != nil {
			t.Fatalf("accepted a statement the key did not sign: %v", err)
		}
		c, _ := wallet.ParseClaims(payload)
		if c.ID != st.ID || c.Subject != ownerBSN {
			t.Fatal("accepted claims differ from the signed payload")
		}
	})
}

// FuzzParseTrustList: no document makes the trust-list parser panic, and an
// accepted list holds only public keys.
func FuzzParseTrustList(f *testing.F) {
	o, tl := fuzzOrg(f)
	doc, _ := json.Marshal(tl)
	one, _ := json.Marshal(o.Org)
	f.Add(doc)
	f.Add(one)
	f.Add([]byte(`{"organisations":[]}`))
	f.Add([]byte(`{"organisations":[{"id":"x","keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if list, err := trust.ParseList(data); err == nil {
			for _, org := range list.Organisations() {
				for _, k := range org.Keys {
					if !k.IsPublic() {
						t.Fatal("accepted a private key")
					}
				}
			}
		}
		trust.ParseOrganisation(data)
	})
}

// FuzzParseBundle: no file makes the bundle reader panic, and it never
// returns more statements than allowed.
func FuzzParseBundle(f *testing.F) {
	o, _ := fuzzOrg(f)
	good := o.sign(f, debtPayload("cjib", "c1", "CJIB-1", 52500))
	b, _ := json.Marshal(map[string][]string{"statements": {good, good}})
	f.Add(b)
	f.Add([]byte(good))
	f.Add([]byte(`{"statements":null}`))
	f.Add([]byte("  \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := ParseBundle(data)
		if err == nil && (len(list) > MaxBundle || list == nil) {
			t.Fatalf("bundle of %d statements accepted", len(list))
		}
	})
}
