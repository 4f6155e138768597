package connectors

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/trust"
	"regie/wallet"
)

func TestVerifyAcceptsGoodStatements(t *testing.T) {
	cjib := newTestOrg(t, "cjib", trust.KindCreditor, "")
	uwv := newTestOrg(t, "uwv", trust.KindIncomePayer, "")
	// An organisation signing with ES256 on P-256.
	ecKey, err := trust.NewEncryptionKey("woonstad-ec")
	if err != nil {
		t.Fatal(err)
	}
	ecKey.Use, ecKey.Algorithm = "sig", string(jose.ES256)
	woon := testOrg{Org: trust.Organisation{ID: "woonstad", Name: "Woonstad", Kind: trust.KindCreditor,
		Keys: []jose.JSONWebKey{ecKey.Public()}, MaySign: []wallet.StatementType{wallet.TypeDebt}}, Key: ecKey}
	tl, err := trust.NewList([]trust.Organisation{cjib.Org, uwv.Org, woon.Org})
	if err != nil {
		t.Fatal(err)
	}
	v := &trust.Verifier{Trust: tl, Subject: ownerBSN, Now: func() time.Time { return testNow }}
	for _, jws := range []string{
		cjib.sign(t, debtPayload("cjib", "c1", "CJIB-1", 52500)),
		uwv.sign(t, incomePayload("uwv", "u1", 145000)),
		woon.sign(t, debtPayload("woonstad", "w1", "HUUR-1", 90000)),
	} {
		st, err := v.Verify(jws)
		if err != nil {
			t.Fatalf("good statement refused: %v", err)
		}
		if st.JWS != jws || st.Subject != ownerBSN {
			t.Errorf("statement = %+v", st)
		}
	}
}

// TestBadStatementsAreRefused is the catalogue of hostile and careless
// statements: each is refused with its own reason and the vault file does
// not change by a single byte.
func TestBadStatementsAreRefused(t *testing.T) {
	cjib := newTestOrg(t, "cjib", trust.KindCreditor, "")
	uwv := newTestOrg(t, "uwv", trust.KindIncomePayer, "")
	stranger := newTestOrg(t, "stranger", trust.KindCreditor, "")
	v := newTestVault(t, func() time.Time { return testNow }, cjib, uwv)
	ctx := context.Background()
	priv := cjib.Key.Key.(ed25519.PrivateKey)
	good := mustJSON(t, debtPayload("cjib", "c1", "CJIB-1", 52500))
	hdr := func(extra map[string]any) map[string]any {
		h := map[string]any{"alg": "EdDSA", "kid": "cjib-2026", "typ": trust.StatementType}
		for k, val := range extra {
			if val == nil {
				delete(h, k)
			} else {
				h[k] = val
			}
		}
		return h
	}
	with := func(p map[string]any, path string, val any) map[string]any {
		if d, ok := p["debt"].(map[string]any); ok && strings.HasPrefix(path, "debt.") {
			if val == nil {
				delete(d, strings.TrimPrefix(path, "debt."))
			} else {
				d[strings.TrimPrefix(path, "debt.")] = val
			}
			return p
		}
		if val == nil {
			delete(p, path)
		} else {
			p[path] = val
		}
		return p
	}
	b64 := base64.RawURLEncoding.EncodeToString

	// HS256 with the organisation's public key as the HMAC secret: the classic
	// algorithm-confusion attack.
	hsHeader := b64(mustJSON(t, hdr(map[string]any{"alg": "HS256"})))
	hsInput := hsHeader + "." + b64(good)
	mac := hmac.New(sha256.New, priv.Public().(ed25519.PublicKey))
	mac.Write([]byte(hsInput))
	hs256 := hsInput + "." + b64(mac.Sum(nil))

	goodJWS := rawJWS(t, hdr(nil), good, priv)
	parts := strings.Split(goodJWS, ".")
	tamperedPayload := bytes.Replace(good, []byte("52500"), []byte("12500"), 1)
	tampered := parts[0] + "." + b64(tamperedPayload) + "." + parts[2]

	embedSigner, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: priv},
		(&jose.SignerOptions{EmbedJWK: true}).WithType(trust.StatementType))
	if err != nil {
		t.Fatal(err)
	}
	embedded, _ := embedSigner.Sign(good)
	embeddedJWS, _ := embedded.CompactSerialize()

	encKey, _ := trust.NewEncryptionKey("x")
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.ECDH_ES_A256KW, Key: &encKey.Key.(*ecdsa.PrivateKey).PublicKey},
		&jose.EncrypterOptions{Compression: jose.DEFLATE})
	if err != nil {
		t.Fatal(err)
	}
	jwe, _ := enc.Encrypt(good)
	compressedJWE, _ := jwe.CompactSerialize()

	tests := []struct {
		name string
		jws  string
		want *trust.Refusal
	}{
		{"alg none", b64(mustJSON(t, hdr(map[string]any{"alg": "none"}))) + "." + b64(good) + ".", trust.ErrAlgorithm},
		{"HS256 with the public key as secret", hs256, trust.ErrAlgorithm},
		{"unknown kid", rawJWS(t, hdr(map[string]any{"kid": "cjib-1999"}), good, priv), trust.ErrUnknownKey},
		{"missing kid", rawJWS(t, hdr(map[string]any{"kid": nil}), good, priv), trust.ErrMalformed},
		{"organisation not in the trust list", stranger.sign(t, debtPayload("stranger", "s1", "S-1", 100)), trust.ErrUnknownIssuer},
		{"creditor signing income", cjib.sign(t, incomePayload("cjib", "c2", 100)), trust.ErrNotAllowed},
		{"income payer signing debt", uwv.sign(t, debtPayload("uwv", "u2", "U-1", 100)), trust.ErrNotAllowed},
		{"another organisation's iss", cjib.sign(t, debtPayload("uwv", "c3", "X-1", 100)), trust.ErrIssuerMismatch},
		{"another person's BSN", cjib.sign(t, with(debtPayload("cjib", "c4", "C-4", 100), "sub", "111222333")), trust.ErrWrongSubject},
		{"tampered payload", tampered, trust.ErrBadSignature},
		{"signature of another key", rawJWS(t, hdr(nil), good, uwv.Key.Key.(ed25519.PrivateKey)), trust.ErrBadSignature},
		{"expired", cjib.sign(t, with(debtPayload("cjib", "c5", "C-5", 100), "exp", testNow.Unix()-1)), trust.ErrExpired},
		{"iat far in the future", cjib.sign(t, with(debtPayload("cjib", "c6", "C-6", 100), "iat", testNow.Unix()+3600)), trust.ErrIssuedInFuture},
		{"malformed compact serialization", "not.a-jws", trust.ErrMalformed},
		{"garbage header", "e30.e30.e30x", trust.ErrMalformed},
		{"over the size limit", strings.Repeat("a", trust.MaxJWSSize+1), trust.ErrTooLarge},
		{"jwk embedded in the header", embeddedJWS, trust.ErrHeader},
		{"jku in the header", rawJWS(t, hdr(map[string]any{"jku": "http://127.0.0.1:1/keys"}), good, priv), trust.ErrHeader},
		{"unknown crit header", rawJWS(t, hdr(map[string]any{"crit": []string{"x-regie"}, "x-regie": 1}), good, priv), trust.ErrHeader},
		{"compression header", rawJWS(t, hdr(map[string]any{"zip": "DEF"}), good, priv), trust.ErrHeader},
		{"compressed JWE", compressedJWE, trust.ErrMalformed},
		{"a consent token presented as statement", rawJWS(t, hdr(map[string]any{"typ": "regie-consent+jwt"}), good, priv), trust.ErrWrongKind},
		{"no typ", rawJWS(t, hdr(map[string]any{"typ": nil}), good, priv), trust.ErrWrongKind},
		{"negative amount", cjib.sign(t, with(debtPayload("cjib", "c7", "C-7", 100), "debt.outstanding_cents", -100)), trust.ErrInvalidPayload},
		{"fractional amount", cjib.sign(t, with(debtPayload("cjib", "c8", "C-8", 100), "debt.outstanding_cents", 10.5)), trust.ErrInvalidPayload},
		{"missing required field", cjib.sign(t, with(debtPayload("cjib", "c9", "C-9", 100), "debt.status", nil)), trust.ErrInvalidPayload},
		{"unknown field", cjib.sign(t, with(debtPayload("cjib", "c10", "C-10", 100), "note", "hi")), trust.ErrInvalidPayload},
		{"unknown category", cjib.sign(t, with(debtPayload("cjib", "c11", "C-11", 100), "debt.category", "gambling")), trust.ErrInvalidPayload},
	}
	if len(tests) < 15 {
		t.Fatal("the catalogue must hold at least 15 cases")
	}
	before, err := os.ReadFile(v.Path())
	if err != nil {
		t.Fatal(err)
	}
	im := &Importer{Vault: v}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := im.Import(ctx, "file", []Item{{Name: tt.name, JWS: tt.jws}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Refused != 1 || rep.Accepted() != 0 {
				t.Fatalf("report = %+v, want one refusal", rep)
			}
			if got := rep.Items[0].Reason; got != tt.want.Code() {
				t.Errorf("reason = %q (%s), want %q", got, rep.Items[0].Message, tt.want.Code())
			}
			if strings.Contains(rep.Items[0].Message, "111222333") || strings.Contains(rep.Items[0].Message, ownerBSN) {
				t.Errorf("message leaks a BSN: %s", rep.Items[0].Message)
			}
		})
	}
	// The error values themselves match with errors.Is.
	verifier := &trust.Verifier{Trust: mustTrust(t, cjib, uwv), Subject: ownerBSN, Now: func() time.Time { return testNow }}
	if _, err := verifier.Verify(tampered); !errors.Is(err, trust.ErrBadSignature) {
		t.Errorf("errors.Is(tampered, ErrBadSignature) = false: %v", err)
	}
	after, err := os.ReadFile(v.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("refused statements changed the vault file")
	}
	series, _ := v.Series(ctx)
	if len(series) != 0 {
		t.Errorf("vault holds %d series after only refusals", len(series))
	}
}

func mustTrust(t testing.TB, orgs ...testOrg) *trust.List {
	var list []trust.Organisation
	for _, o := range orgs {
		list = append(list, o.Org)
	}
	tl, err := trust.NewList(list)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

func TestSameJTIIsAcceptedOnce(t *testing.T) {
	cjib := newTestOrg(t, "cjib", trust.KindCreditor, "")
	v := newTestVault(t, func() time.Time { return testNow }, cjib)
	im := &Importer{Vault: v}
	jws := cjib.sign(t, debtPayload("cjib", "c1", "CJIB-1", 52500))
	ctx := context.Background()
	rep, err := im.Import(ctx, "file", []Item{{JWS: jws}, {JWS: jws}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 1 || rep.Duplicates != 1 {
		t.Fatalf("report = %+v", rep)
	}
	rep, _ = im.Import(ctx, "push", []Item{{JWS: jws}}, nil)
	if rep.Duplicates != 1 {
		t.Fatalf("second import = %+v", rep)
	}
	series, _ := v.Series(ctx)
	if len(series) != 1 || len(series[0].Versions) != 1 {
		t.Errorf("stored %d series", len(series))
	}
	events, _ := v.Events(ctx)
	if len(events) != 1 || events[0].Count != 1 || events[0].Actor != "cjib" {
		t.Errorf("events = %+v", events)
	}
}
