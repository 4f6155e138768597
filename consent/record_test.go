package consent

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"regie/connectors"
	"regie/trust"
	"regie/wallet"
)

// sealedWant is what a presentation through the records gets where it
// differs from the vault: a revoked grant has no record any more.
var sealedWant = map[string]error{"revoked": ErrUnknownGrant}

// sealedUnlogged are the cases where the presentation names no grant the
// records know, so there is nothing to log it against.
var sealedUnlogged = map[string]bool{"revoked": true, "unknown handle": true, "alg none token": true}

// TestSealedRedemptionRefusals runs every refusal of TestPresentRefusals
// against the records of a locked vault: each is refused with its reason,
// and the refusal reaches the resident's log at the next unlock.
func TestSealedRedemptionRefusals(t *testing.T) {
	ctx := context.Background()
	for _, tt := range refusalCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.sealed = true
			g := f.grant(t, tt.grant)
			p := tt.prepare(f, &g)
			f.vault.Lock()
			want := tt.want
			if w, ok := sealedWant[tt.name]; ok {
				want = w
			}
			d, _, err := f.svc.RedeemSealed(ctx, p)
			if !errors.Is(err, want) || d != "" {
				t.Fatalf("err = %v (dossier %d bytes), want %v", err, len(d), want)
			}
			if err := f.vault.Unlock(ctx, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			events, _ := f.vault.Events(ctx)
			last := events[len(events)-1]
			refused := last.Kind == wallet.EventPresentationNotOK && last.Reason == Code(want)
			if refused == sealedUnlogged[tt.name] {
				t.Errorf("last log entry = %+v; a refusal with reason %s expected: %v", last, Code(want), !sealedUnlogged[tt.name])
			}
			if n, err := f.vault.VerifyEvents(ctx); err != nil || n != len(events) {
				t.Errorf("log verify: %d %v", n, err)
			}
		})
	}
}

func (f *fixture) sealedFetch(t *testing.T, g Grant, byToken bool) (string, error) {
	t.Helper()
	url := base + "/c/" + g.Handle
	p := Presentation{Handle: g.Handle, Method: "GET"}
	if byToken {
		url = base + "/api/v1/dossier"
		p = Presentation{Token: g.Token, Method: "GET"}
	}
	p.URL, p.Proof = url, f.proof(t, f.a, g.Purpose, url)
	d, _, err := f.svc.RedeemSealed(context.Background(), p)
	return d, err
}

func TestSealedRedemptionWhileLocked(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	g := f.grant(t, Request{MaxUses: 5})
	hc := f.helperCheck(t)
	path := f.vault.Path()
	if err := f.vault.Close(); err != nil { // locked, and the keys are gone with it
		t.Fatal(err)
	}
	v, err := wallet.Open(path, &wallet.Options{KDF: testKDF, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	f.vault = v
	f.svc = &Service{Vault: v, Trust: trust.Store{Vault: v}, BaseURL: base}
	for _, byToken := range []bool{false, true} {
		d, err := f.sealedFetch(t, g, byToken)
		if err != nil {
			t.Fatalf("fetch (token %v): %v", byToken, err)
		}
		vd, err := VerifyDossier(f.open(t, f.a, d), hc)
		if err != nil {
			t.Fatalf("dossier (token %v): %v", byToken, err)
		}
		if len(vd.Verified) != 2 || vd.Overview.TotalOutstandingCents != 52500 {
			t.Errorf("dossier overview = %+v", vd.Overview)
		}
	}
	if v.Unlocked() {
		t.Fatal("redemption unlocked the vault")
	}
	if err := v.Unlock(ctx, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	events, _ := v.Events(ctx)
	var kinds []wallet.EventKind
	for _, e := range events {
		if e.Grant == g.ID {
			kinds = append(kinds, e.Kind)
		}
	}
	want := []wallet.EventKind{wallet.EventGrantMade, wallet.EventPresentationOK, wallet.EventDossierReleased,
		wallet.EventPresentationOK, wallet.EventDossierReleased}
	if len(kinds) != len(want) {
		t.Fatalf("log for the grant = %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("log for the grant = %v, want %v", kinds, want)
		}
	}
	if n, err := v.VerifyEvents(ctx); err != nil || n != len(events) {
		t.Fatalf("verify: %d %v", n, err)
	}
	got, _ := f.svc.Get(ctx, g.ID)
	if got.Uses != 2 {
		t.Errorf("uses counted in the vault = %d, want 2", got.Uses)
	}
}

// TestSealedNarrowerScopeNeedsTheVault: the record holds the dossier of the
// whole scope, so a presentation asking for part of it is left to the
// unlocked vault, and nothing is counted.
func TestSealedNarrowerScopeNeedsTheVault(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{MaxUses: 1})
	url := base + "/c/" + g.Handle
	p := Presentation{Handle: g.Handle, Method: "GET", URL: url, Proof: f.proof(t, f.a, g.Purpose, url), Want: Scope{ScopeDebts}}
	if _, _, err := f.svc.RedeemSealed(context.Background(), p); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("narrower scope: %v, want ErrNoRecord", err)
	}
	if _, err := f.sealedFetch(t, g, false); err != nil {
		t.Fatalf("the one use was spent by a refused request: %v", err)
	}
}

func TestRevokeDeletesTheRecordAtOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	g := f.grant(t, Request{})
	if _, err := f.sealedFetch(t, g, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Revoke(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	for _, byToken := range []bool{false, true} {
		if _, err := f.sealedFetch(t, g, byToken); !errors.Is(err, ErrUnknownGrant) {
			t.Fatalf("after revoke (token %v): %v, want ErrUnknownGrant", byToken, err)
		}
	}
	// A refresh does not bring it back.
	if err := f.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sealedFetch(t, g, false); !errors.Is(err, ErrUnknownGrant) {
		t.Fatalf("after refresh: %v", err)
	}
}

func TestRefreshResignsAfterImport(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	g := f.grant(t, Request{Scope: Scope{ScopeDebts}})
	hc := f.helperCheck(t)
	count := func() int {
		t.Helper()
		d, err := f.sealedFetch(t, g, true)
		if err != nil {
			t.Fatal(err)
		}
		vd, err := VerifyDossier(f.open(t, f.a, d), hc)
		if err != nil {
			t.Fatal(err)
		}
		return len(vd.Verified)
	}
	if n := count(); n != 1 {
		t.Fatalf("before import: %d statements", n)
	}
	iat := f.clock.Now().Unix() - 30
	debt := `{"iss":"cjib","sub":"123456782","jti":"c2","iat":` + itoa(iat) + `,"type":"debt","as_of":"2026-11-21","debt":{"reference":"CJIB-2","creditor":"CJIB","category":"fine","original_cents":1000,"outstanding_cents":1000,"status":"open"}}`
	jws, _ := trust.SignStatement(f.cjibKey, []byte(debt))
	if _, err := (&connectors.Importer{Vault: f.vault}).Import(ctx, "push", []connectors.Item{{JWS: jws}}, nil); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("before refresh the record still holds what was signed: got %d", n)
	}
	if err := f.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("after refresh: %d statements, want 2", n)
	}
}

func TestRecordsRevealNothingWithoutTheHandle(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{})
	if _, err := f.sealedFetch(t, g, false); err != nil {
		t.Fatal(err)
	}
	f.vault.Lock()
	raw, err := os.ReadFile(f.vault.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"123456782", "Fatima", "CJIB-1", "52500", "45000", g.Handle, g.Token[:40]} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the locked vault file shows %q", secret)
		}
	}
	other := g
	other.Handle = trust.RandomID(16)
	if _, err := f.sealedFetch(t, other, false); !errors.Is(err, ErrUnknownGrant) {
		t.Fatalf("another handle: %v", err)
	}
}
