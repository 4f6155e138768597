package consent

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"regie/internal/testkit/walletkey"
	"regie/trust"
	"regie/wallet"
)

func (f *fixture) release(t *testing.T, g Grant) string {
	t.Helper()
	url := base + "/c/" + g.Handle
	out, err := f.svc.Redeem(context.Background(), Presentation{Handle: g.Handle, Proof: f.proof(t, f.a, g.Purpose, url), Method: "GET", URL: url})
	if err != nil {
		t.Fatal(err)
	}
	return f.open(t, f.a, out)
}

// open is what a helper does with a wallet's answer: it decrypts it with
// its encryption key; the signed dossier inside is what it verifies.
func (f *fixture) open(t testing.TB, h helper, answer string) string {
	t.Helper()
	jws, err := OpenDossier(answer, h.enc)
	if err != nil {
		t.Fatalf("opening the answer: %v", err)
	}
	return jws
}

// helperTrust is the helper's own trust list: the organisations it believes.
func (f *fixture) helperCheck(t *testing.T) HelperCheck {
	t.Helper()
	ts := trust.Store{Vault: f.vault}
	tl, err := ts.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	walletID, _ := trust.WalletID(f.vault)
	jkt, _ := trust.Thumbprint(f.a.key.Public())
	return HelperCheck{WalletID: walletID, HelperID: f.a.org.ID, HelperJKT: jkt, Trust: tl, Now: f.clock.Now()}
}

func TestDossierVerifiesEveryFigure(t *testing.T) {
	f := newFixture(t)
	d := f.release(t, f.grant(t, Request{}))
	vd, err := VerifyDossier(d, f.helperCheck(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(vd.Verified) != 2 || vd.Overview.TotalOutstandingCents != 52500 || vd.Overview.MonthlyIncomeCents != 145000 {
		t.Errorf("dossier = %+v", vd.Overview)
	}
	if vd.SignedBy[[2]string{"cjib", "c1"}] != "cjib-2026" {
		t.Errorf("signed by = %v", vd.SignedBy)
	}
}

func TestDossierWithDebtsScopeHoldsNoIncome(t *testing.T) {
	f := newFixture(t)
	d := f.release(t, f.grant(t, Request{Scope: Scope{"debts"}}))
	vd, err := VerifyDossier(d, f.helperCheck(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(vd.Verified) != 1 || vd.Verified[0].Type != wallet.TypeDebt || len(vd.Overview.Incomes) != 0 || vd.Overview.MonthlyIncomeCents != 0 {
		t.Errorf("debts-only dossier holds income: %+v", vd.Overview)
	}
	// Look at every decoded payload, never at base64 text: a signature's
	// random characters can spell "UWV".
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(d, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{string(raw)}
	var outer Dossier
	if err := json.Unmarshal(raw, &outer); err != nil {
		t.Fatal(err)
	}
	for _, st := range append(outer.Statements, outer.Grant) {
		inner, err := base64.RawURLEncoding.DecodeString(strings.Split(st, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(inner))
	}
	outer.Statements, outer.Grant = nil, ""
	bare, _ := json.Marshal(outer)
	texts[0] = string(bare)
	for _, text := range texts {
		if strings.Contains(text, "145000") || strings.Contains(text, "UWV") {
			t.Errorf("income figures in the dossier: %s", text)
		}
	}
}

// resign rebuilds a dossier payload and signs it as the given wallet, to
// play a wallet (or thief) that changes what it sends.
func resign(t *testing.T, wallet trust.Factotum, d Dossier) string {
	t.Helper()
	payload, _ := json.Marshal(d)
	s, err := trust.SignAsWallet(wallet, DossierType, payload, true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHelperRefusesBadDossiers(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{})
	good := f.release(t, g)
	key := f.vault
	var d Dossier
	parts := strings.Split(good, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(raw, &d)

	flipInner := d
	flipInner.Statements = append([]string(nil), d.Statements...)
	s := []byte(flipInner.Statements[0])
	mid := strings.Index(string(s), ".") + 10
	s[mid] ^= 0x01 // one byte inside the first statement's payload
	flipInner.Statements[0] = string(s)

	inflated := d
	inflated.Overview.TotalOutstandingCents += 100

	otherWallet := walletkey.New("x")
	debtsOnly := d
	debtsOnlyGrant := f.grant(t, Request{Scope: Scope{"debts"}})
	debtsOnly.Grant = debtsOnlyGrant.Token // a narrower grant, with all statements still in

	tamperedOuter := []byte(good)
	tamperedOuter[len(parts[0])+20] ^= 0x01

	tests := map[string]struct {
		jws  string
		want error
	}{
		"byte changed inside an inner statement": {resign(t, key, flipInner), ErrStatementRefused},
		"overview not backed by statements":      {resign(t, key, inflated), ErrOverviewMismatch},
		"signed by another wallet":               {resign(t, otherWallet, d), ErrWalletKey},
		"statements outside the grant's scope":   {resign(t, key, debtsOnly), ErrOutOfScope},
		"outer signature broken":                 {string(tamperedOuter), ErrDossierSignature},
		"not a dossier":                          {g.Token, ErrDossierMalformed},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := VerifyDossier(tt.jws, f.helperCheck(t)); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	// A dossier meant for helper A is refused by helper B.
	hc := f.helperCheck(t)
	hc.HelperID = f.b.org.ID
	if _, err := VerifyDossier(good, hc); !errors.Is(err, ErrNotForUs) {
		t.Errorf("helper B: %v", err)
	}
	// An inner statement from an organisation the helper does not trust.
	hc = f.helperCheck(t)
	hc.Trust, _ = trust.NewList(nil)
	if _, err := VerifyDossier(good, hc); !errors.Is(err, ErrStatementRefused) {
		t.Errorf("untrusted organisation: %v", err)
	}
}

func TestOfflineDossierRoundTrip(t *testing.T) {
	f := newFixture(t)
	d := f.release(t, f.grant(t, Request{}))
	encKey, _ := f.a.org.EncryptionKey()
	file, err := SealDossier(d, encKey)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(file, strings.Split(d, ".")[1][:40]) {
		t.Error("sealed file shows the dossier")
	}
	opened, err := OpenDossier(file, f.a.enc)
	if err != nil || opened != d {
		t.Fatalf("open: %v", err)
	}
	if _, err := VerifyDossier(opened, f.helperCheck(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenDossier(file, f.b.enc); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("wrong helper key: %v", err)
	}
	if _, err := OpenDossier("garbage", f.a.enc); !errors.Is(err, ErrDossierMalformed) {
		t.Errorf("garbage file: %v", err)
	}
}
