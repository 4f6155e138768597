package consent

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"regie/trust"
	"regie/wallet"
)

func TestLengthCountsCalendarMonths(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tt := range []struct {
		l          Length
		from, want string
	}{
		{Length{Months: 18}, "2026-11-26 09:30:00", "2028-05-26 09:30:00"},
		{Length{Months: 12}, "2027-02-28 00:00:00", "2028-02-28 00:00:00"},
		{Length{Months: 1}, "2027-01-31 12:00:00", "2027-02-28 12:00:00"},
		{Length{Months: 1}, "2028-01-31 12:00:00", "2028-02-29 12:00:00"},
		{Length{Months: 13}, "2027-01-31 12:00:00", "2028-02-29 12:00:00"},
		{Length{Months: 3}, "2026-11-30 08:00:00", "2027-02-28 08:00:00"},
		{Length{Days: 90}, "2026-11-26 09:30:00", "2027-02-24 09:30:00"},
		{Length{Days: 1}, "2026-12-31 23:00:00", "2027-01-01 23:00:00"},
	} {
		if got := tt.l.From(at(tt.from)); !got.Equal(at(tt.want)) {
			t.Errorf("%s from %s = %s, want %s", tt.l, tt.from, got.Format(time.DateTime), tt.want)
		}
	}
}

func TestParseLength(t *testing.T) {
	for in, want := range map[string]Length{"14": {Days: 14}, "14d": {Days: 14}, " 18M ": {Months: 18}, "12m": {Months: 12}} {
		if got, err := ParseLength(in); err != nil || got != want {
			t.Errorf("ParseLength(%q) = %v, %v; want %v", in, got, err, want)
		}
		if got, _ := ParseLength(want.String()); got != want {
			t.Errorf("ParseLength(%q) does not read String back", want.String())
		}
	}
	for _, bad := range []string{"", "m", "0", "-3d", "12y", "1.5m", "99999999999"} {
		if _, err := ParseLength(bad); !errors.Is(err, wallet.ErrInvalid) {
			t.Errorf("ParseLength(%q): %v, want ErrInvalid", bad, err)
		}
	}
}

// Each purpose holds as long as its part of debt help, and no longer; a
// refusal names the maximum.
func TestGrantLengthPerPurpose(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		purpose Purpose
		ok, bad Length
		max     string
	}{
		{PurposeIntake, Length{Days: 90}, Length{Days: 91}, "90 days"},
		{PurposeIntake, Length{Days: 90}, Length{Months: 3}, "90 days"},
		{PurposeProgramme, Length{Months: 18}, Length{Months: 19}, "18 months"},
		{PurposeProgramme, Length{Days: 500}, Length{Days: 600}, "18 months"},
		{PurposeAftercare, Length{Months: 12}, Length{Months: 13}, "12 months"},
		{PurposeEarlyDetection, Length{Months: 12}, Length{Months: 13}, "12 months"},
		{PurposeBudgetManagment, Length{Months: 12}, Length{Days: 400}, "12 months"},
	} {
		scope := Scope{ScopeDebts}
		g := f.grant(t, Request{Purpose: tt.purpose, Scope: scope, Days: tt.ok.Days, Months: tt.ok.Months})
		if want := tt.ok.From(g.NotBefore); !g.Expiry.Equal(want) {
			t.Errorf("%s %s: expiry %s, want %s", tt.purpose, tt.ok, g.Expiry, want)
		}
		_, err := f.svc.Grant(context.Background(), Request{Audience: f.a.org.ID, Purpose: tt.purpose, Scope: scope,
			Days: tt.bad.Days, Months: tt.bad.Months})
		var ve *wallet.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Problem, "at most "+tt.max+" for "+string(tt.purpose)) {
			t.Errorf("%s %s: %v, want a refusal naming %s", tt.purpose, tt.bad, err, tt.max)
		}
	}
	if _, err := f.svc.Grant(context.Background(), Request{Audience: f.a.org.ID, Purpose: PurposeProgramme,
		Scope: Scope{ScopeDebts}, Days: 10, Months: 1}); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("days and months together: %v", err)
	}
}

// The 18-month consent of the issue, from 26 November 2026, ends on 26 May
// 2028 in its token too.
func TestProgrammeConsentEndsOnTheCalendarDay(t *testing.T) {
	f := newFixture(t)
	f.clock.t = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	g := f.grant(t, Request{Purpose: PurposeProgramme, Months: 18})
	pub, _ := f.vault.PublicKey()
	std, _, err := VerifyToken(g.Token, pub, f.a.org.ID, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2028, 5, 26, 10, 0, 0, 0, time.UTC)
	if !g.Expiry.Equal(want) || !std.Expiry.Time().Equal(want) {
		t.Errorf("expiry %s, token exp %s, want %s", g.Expiry, std.Expiry.Time(), want)
	}
}

func TestSignalsScopeStandsAloneAndIsTheDefault(t *testing.T) {
	f := newFixture(t)
	if _, err := ParseScope("signals,debts"); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("signals with debts parsed: %v", err)
	}
	if _, err := f.svc.Grant(context.Background(), Request{Audience: f.a.org.ID, Purpose: PurposeAftercare,
		Scope: Scope{ScopeSignals, ScopeIncome}}); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("grant of signals with income: %v", err)
	}
	for _, p := range []Purpose{PurposeAftercare, PurposeEarlyDetection} {
		g, err := f.svc.Grant(context.Background(), Request{Audience: f.a.org.ID, Purpose: p, Months: 12})
		if err != nil || !g.Scope.Signals() {
			t.Errorf("%s without a scope: %v, scope %v; want signals", p, err, g.Scope)
		}
	}
	if _, err := f.svc.Grant(context.Background(), Request{Audience: f.a.org.ID, Purpose: PurposeIntake}); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("intake without a scope: %v, want a refusal", err)
	}
}

func TestExtendKeepsTheHelperAndTheChain(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := f.grant(t, Request{Purpose: PurposeProgramme, Months: 6})
	// The helper fetches once and keeps the token.
	proof := f.proof(t, f.a, PurposeProgramme, base+"/c/"+g.Handle)
	if _, err := f.present(g, proof); err != nil {
		t.Fatal(err)
	}
	before, _ := f.svc.Receipt(g)
	f.clock.Add(30 * 24 * time.Hour)
	x, err := f.svc.Extend(ctx, g.ID, Length{Months: 18})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Length{Months: 18}).From(f.clock.Now().UTC().Truncate(time.Second)); !x.Expiry.Equal(want) {
		t.Errorf("extended to %s, want %s", x.Expiry, want)
	}
	if x.ID != g.ID || x.JKT != g.JKT || x.Audience != g.Audience || x.Token == g.Token || x.Uses != 1 {
		t.Errorf("extended grant %+v", x)
	}
	pub, _ := f.vault.PublicKey()
	if _, tc, err := VerifyToken(x.Token, pub, f.a.org.ID, f.clock.Now()); err != nil || tc.Cnf.JKT != g.JKT {
		t.Errorf("new token: %v %+v", err, tc)
	}
	after, _ := f.svc.Receipt(x)
	if after.ConsentReceiptID == before.ConsentReceiptID || after.Extends != before.ConsentReceiptID ||
		!after.ValidUntil.Equal(x.Expiry) {
		t.Errorf("receipt after extension: %+v (before %s)", after, before.ConsentReceiptID)
	}
	// The log holds the extension, and the chain is intact.
	events, _ := f.vault.Events(ctx)
	if last := events[len(events)-1]; last.Kind != wallet.EventGrantExtended || last.Grant != g.ID {
		t.Errorf("last event %+v", last)
	}
	if _, err := f.vault.VerifyEvents(ctx); err != nil {
		t.Errorf("chain after extension: %v", err)
	}
	// The helper's old token still fetches, and the answer carries the new one;
	// so does the record that serves it while the resident is away.
	for _, sealed := range []bool{false, true} {
		f.sealed = sealed
		url := base + "/api/v1/dossier"
		if err := f.redeem(Presentation{Token: g.Token, Proof: f.proof(t, f.a, PurposeProgramme, url), Method: "GET", URL: url}); err != nil {
			t.Errorf("sealed=%v: old token after extension: %v", sealed, err)
		}
	}
	// Beyond the maximum counted from today, not later than now, or twice
	// as long as allowed: refused, and nothing changes.
	for _, l := range []Length{{Months: 19}, {Days: 10}, {Months: 6}} {
		if _, err := f.svc.Extend(ctx, g.ID, l); !errors.Is(err, wallet.ErrInvalid) {
			t.Errorf("extend by %s: %v, want ErrInvalid", l, err)
		}
	}
	if again, _ := f.svc.Get(ctx, g.ID); !again.Expiry.Equal(x.Expiry) || len(again.Extensions) != 1 {
		t.Errorf("refused extensions changed the grant: %+v", again)
	}
}

func TestExtendRefusesWhatCannotBeUsed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	revoked := f.grant(t, Request{Purpose: PurposeProgramme, Months: 1})
	if _, err := f.svc.Revoke(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	expired := f.grant(t, Request{Purpose: PurposeProgramme, Days: 1})
	gone := f.grant(t, Request{Purpose: PurposeProgramme, Days: 5})
	if err := (trust.Store{Vault: f.vault}).Remove(ctx, f.a.org.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(48 * time.Hour)
	for name, tt := range map[string]struct {
		id   string
		want error
	}{
		"revoked":          {revoked.ID, ErrRevoked},
		"expired":          {expired.ID, ErrExpired},
		"helper not known": {gone.ID, ErrNoLongerHelper},
		"unknown":          {"g-nothing", wallet.ErrNotFound},
	} {
		if _, err := f.svc.Extend(ctx, tt.id, Length{Months: 12}); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", name, err, tt.want)
		}
	}
}
