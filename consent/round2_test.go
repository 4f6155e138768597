package consent

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"regie/trust"
	"regie/wallet"
)

// TestGrantEndsExactlyAtItsExpiry: the token's clock-skew leeway is for
// other parties' clocks; the wallet releases by its own clock exactly, so a
// grant no longer works at or after its expiry, nor before its start.
func TestGrantEndsExactlyAtItsExpiry(t *testing.T) {
	tests := []struct {
		name  string
		start time.Duration // NotBefore from now
		at    time.Duration // clock from now when presenting
		want  error
	}{
		{"at expiry", 0, 24 * time.Hour, ErrExpired},
		{"30 s after expiry", 0, 24*time.Hour + 30*time.Second, ErrExpired},
		{"30 s before the start", time.Hour, time.Hour - 30*time.Second, ErrNotYetValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			g := f.grant(t, Request{Days: 1, NotBefore: f.clock.Now().Add(tt.start)})
			f.clock.Add(tt.at)
			d, err := f.present(g, f.proof(t, f.a, PurposeIntake, base+"/c/"+g.Handle))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got, _ := f.svc.Get(context.Background(), g.ID); got.Uses != 0 || d != "" {
				t.Errorf("uses = %d, dossier of %d bytes", got.Uses, len(d))
			}
		})
	}
	// One second before the expiry still works.
	f := newFixture(t)
	g := f.grant(t, Request{Days: 1})
	f.clock.Add(24*time.Hour - time.Second)
	if _, err := f.present(g, f.proof(t, f.a, PurposeIntake, base+"/c/"+g.Handle)); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
}

// TestDossierWithARepeatedStatementIsRefused: a hostile wallet that
// includes one signed statement several times (with the overview it
// compiles to) would give the counsellor several rows of one debt.
func TestDossierWithARepeatedStatementIsRefused(t *testing.T) {
	f := newFixture(t)
	good := f.release(t, f.grant(t, Request{}))
	key := f.vault
	var d Dossier
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(good, ".")[1])
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	tests := map[string][]string{
		"the same statement twice":       {d.Statements[0], d.Statements[0], d.Statements[1]},
		"the same statement three times": {d.Statements[0], d.Statements[1], d.Statements[0], d.Statements[0]},
	}
	for name, sts := range tests {
		t.Run(name, func(t *testing.T) {
			bad := d
			bad.Statements = sts
			if _, err := VerifyDossier(resign(t, key, bad), f.helperCheck(t)); !errors.Is(err, ErrRepeatedStatement) {
				t.Fatalf("err = %v, want ErrRepeatedStatement", err)
			}
		})
	}
	if _, err := VerifyDossier(good, f.helperCheck(t)); err != nil {
		t.Fatalf("the untouched dossier: %v", err)
	}
}

// TestRefusalsFromStrangersNameNoOneAndFold: a proof that names a helper
// but is not signed by it once logged "<helper> … refused", 60 a minute,
// without limit. Now such refusals name no one, and repeats fold into one
// counted entry; a refusal whose proof did verify still names the helper.
func TestRefusalsFromStrangersNameNoOneAndFold(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := f.grant(t, Request{})
	url := base + "/c/" + g.Handle
	thief, _ := trust.NewSigningKey(f.a.key.KeyID)
	before, _ := f.vault.Events(ctx)
	for i := 0; i < 60; i++ {
		forged, _ := SignProof(thief, f.a.org.ID, g.Purpose, "GET", url, f.clock.Now())
		// Two reasons, alternating: a forged proof, and an unknown handle.
		p := Presentation{Handle: g.Handle, Proof: forged, Method: "GET", URL: url}
		if i%2 == 1 {
			p.Handle = "AAAAAAAAAAAAAAAAAAAAAA"
		}
		if _, err := f.svc.Redeem(ctx, p); err == nil {
			t.Fatal("a forged proof was accepted")
		}
	}
	events, _ := f.vault.Events(ctx)
	added := events[len(before):]
	if len(added) != 2 {
		t.Fatalf("60 refusals added %d log entries, want 2 counted ones: %+v", len(added), added)
	}
	total := 0
	for _, e := range added {
		if e.Kind != wallet.EventPresentationNotOK || e.Actor != "" {
			t.Errorf("entry %+v names %q", e, e.Actor)
		}
		total += e.Count
	}
	if total != 60 {
		t.Errorf("counted %d refusals, want 60", total)
	}
	if n, err := f.vault.VerifyEvents(ctx); err != nil || n != len(events) {
		t.Fatalf("log verify: %d %v", n, err)
	}
	// The real helper with a wrong purpose is named: its proof verified.
	p := Presentation{Handle: g.Handle, Proof: f.proof(t, f.a, PurposeBudgetManagment, url), Method: "GET", URL: url}
	if _, err := f.svc.Redeem(ctx, p); !errors.Is(err, ErrWrongPurpose) {
		t.Fatalf("wrong purpose: %v", err)
	}
	events, _ = f.vault.Events(ctx)
	if last := events[len(events)-1]; last.Actor != f.a.org.ID || last.Reason != Code(ErrWrongPurpose) {
		t.Errorf("verified refusal logged as %+v", last)
	}
}

// TestRestoredGrantRecordStaysRevoked: putting back a grant's sealed record
// from before its revocation (an offline edit) once re-activated it. The
// revocation in the chained log wins, and VerifyGrants reports the edit.
func TestRestoredGrantRecordStaysRevoked(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := f.grant(t, Request{})
	if _, err := f.svc.Revoke(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	// The old record, sealed validly, back in its place.
	if err := f.vault.Update(ctx, func(tx *wallet.Tx) error { return tx.Put(bucketGrants, tx.Key("grant", g.ID), g) }); err != nil {
		t.Fatal(err)
	}
	// A wallet started after the edit, and the one that was running.
	fresh := &Service{Vault: f.vault, Trust: f.svc.Trust, BaseURL: base}
	for name, svc := range map[string]*Service{"fresh service": fresh, "running service": f.svc} {
		t.Run(name, func(t *testing.T) {
			url := base + "/c/" + g.Handle
			p := Presentation{Handle: g.Handle, Proof: f.proof(t, f.a, g.Purpose, url), Method: "GET", URL: url}
			if _, err := svc.Redeem(ctx, p); !errors.Is(err, ErrRevoked) {
				t.Fatalf("present: %v, want ErrRevoked", err)
			}
			got, err := svc.Get(ctx, g.ID)
			if err != nil || got.Status(f.clock.Now()) != StatusRevoked {
				t.Errorf("get: %v %v", got.Status(f.clock.Now()), err)
			}
			list, err := svc.List(ctx)
			if err != nil || len(list) != 1 || !list[0].Revoked {
				t.Errorf("list: %+v %v", list, err)
			}
			if err := svc.VerifyGrants(ctx); !errors.Is(err, wallet.ErrAuditBroken) {
				t.Errorf("verify grants: %v, want ErrAuditBroken", err)
			}
		})
	}
	// Without the edit, the records agree with the log.
	f = newFixture(t)
	f.grant(t, Request{})
	if _, err := f.svc.Revoke(ctx, f.grant(t, Request{}).ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.VerifyGrants(ctx); err != nil {
		t.Errorf("untouched vault: %v", err)
	}
}
