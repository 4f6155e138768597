package consent

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
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
			got, err := f.present(g, f.proof(t, f.a, PurposeIntake, base+"/c/"+g.Handle))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got.Uses != 0 {
				t.Errorf("uses = %d", got.Uses)
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
	key, _ := f.vault.SigningKey()
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
