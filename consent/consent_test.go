package consent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	_ "image/png"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/connectors"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

var testKDF = testkit.FastKDF

const base = "http://127.0.0.1:8080"

// clock is a settable vault clock. next, when set, is called at the next
// reading of the clock (once), to make something happen at that moment.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	next func()
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.next; f != nil {
		c.next = nil
		f()
	}
	return c.t
}

func (c *clock) onNextReading(f func()) { c.mu.Lock(); c.next = f; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type helper struct {
	org trust.Organisation
	key jose.JSONWebKey // signing
	enc jose.JSONWebKey // decryption
}

func newHelper(t testing.TB, id string) helper {
	t.Helper()
	set, org, err := trust.NewOrganisation(id, "Schuldhulp "+id, trust.KindHelper, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	return helper{org: org, key: set.Keys[0], enc: set.Keys[1]}
}

type fixture struct {
	svc     *Service
	vault   *wallet.Vault
	clock   *clock
	a, b    helper
	cjib    trust.Organisation
	cjibKey jose.JSONWebKey
	// sealed makes f.redeem use the redemption records instead of the vault.
	sealed bool
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{clock: &clock{t: time.Now().UTC().Truncate(time.Second)}}
	v, err := wallet.Open(filepath.Join(t.TempDir(), wallet.FileName), &wallet.Options{KDF: testKDF, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	ctx := context.Background()
	if err := v.Create(ctx, "correct horse battery", wallet.Profile{BSN: "123456782", Name: "Fatima de Vries"}); err != nil {
		t.Fatal(err)
	}
	f.vault = v
	f.a, f.b = newHelper(t, "schuldhulp-a"), newHelper(t, "schuldhulp-b")
	set, cjib, err := trust.NewOrganisation("cjib", "CJIB", trust.KindCreditor, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	uset, uwv, err := trust.NewOrganisation("uwv", "UWV", trust.KindIncomePayer, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	f.cjib, f.cjibKey = cjib, set.Keys[0]
	ts := trust.Store{Vault: v}
	for _, o := range []trust.Organisation{f.a.org, f.b.org, cjib, uwv} {
		if err := ts.Add(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	// One debt and one income in the vault.
	iat := f.clock.Now().Unix() - 60
	debt := `{"iss":"cjib","sub":"123456782","jti":"c1","iat":` + itoa(iat) + `,"type":"debt","as_of":"2026-11-20","debt":{"reference":"CJIB-1","creditor":"CJIB","category":"fine","original_cents":45000,"outstanding_cents":52500,"status":"collection"}}`
	income := `{"iss":"uwv","sub":"123456782","jti":"u1","iat":` + itoa(iat) + `,"type":"income","as_of":"2026-11-01","income":{"reference":"WW","payer":"UWV","kind":"benefit","net_cents":145000,"period":"month"}}`
	d, _ := trust.SignStatement(set.Keys[0], []byte(debt))
	i, _ := trust.SignStatement(uset.Keys[0], []byte(income))
	rep, err := (&connectors.Importer{Vault: v}).Import(ctx, "file", []connectors.Item{{JWS: d}, {JWS: i}}, nil)
	if err != nil || rep.Added != 2 {
		t.Fatalf("seed import: %v %+v", err, rep)
	}
	f.svc = &Service{Vault: v, Trust: ts, BaseURL: base}
	return f
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func (f *fixture) grant(t testing.TB, r Request) Grant {
	t.Helper()
	if r.Audience == "" {
		r.Audience = f.a.org.ID
	}
	if r.Purpose == "" {
		r.Purpose = PurposeIntake
	}
	if r.Scope == nil {
		r.Scope = Scope{ScopeDebts, ScopeIncome}
	}
	g, err := f.svc.Grant(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (f *fixture) proof(t testing.TB, h helper, purpose Purpose, url string) string {
	t.Helper()
	p, err := SignProof(h.key, h.org.ID, purpose, "GET", url, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// redeem makes a presentation the way the test under way does: through
// the vault unless a test sets f.sealed.
func (f *fixture) redeem(p Presentation) error {
	if f.sealed {
		_, _, err := f.svc.RedeemSealed(context.Background(), p)
		return err
	}
	_, err := f.svc.Redeem(context.Background(), p)
	return err
}

func (f *fixture) present(g Grant, proof string) (string, error) {
	return f.svc.Redeem(context.Background(), Presentation{Handle: g.Handle, Proof: proof, Method: "GET", URL: base + "/c/" + g.Handle})
}

func TestGrantTokenIsBoundToHelperKey(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{})
	pub, _ := f.vault.PublicKey()
	walletID, _ := trust.WalletID(f.vault)
	std, tc, err := VerifyToken(g.Token, pub, f.a.org.ID, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	jkt, _ := trust.Thumbprint(f.a.key.Public())
	if tc.Cnf.JKT != jkt || std.Issuer != walletID || tc.Purpose != PurposeIntake {
		t.Errorf("claims = %+v %+v", std, tc)
	}
	if g.Expiry.Sub(g.NotBefore) != DefaultDays*24*time.Hour {
		t.Errorf("default period = %v", g.Expiry.Sub(g.NotBefore))
	}
	if len(g.Handle) < 22 { // 16 bytes base64url
		t.Errorf("handle %q is shorter than 128 bits", g.Handle)
	}
	if _, err := f.svc.Grant(context.Background(), Request{Audience: "cjib", Purpose: PurposeIntake, Scope: Scope{"debts"}}); !errors.Is(err, ErrNotHelper) {
		t.Errorf("grant to a creditor: %v", err)
	}
	for _, bad := range []Request{
		{Audience: f.a.org.ID, Purpose: "marketing", Scope: Scope{"debts"}},
		{Audience: f.a.org.ID, Purpose: PurposeIntake, Scope: Scope{"everything"}},
		{Audience: f.a.org.ID, Purpose: PurposeIntake, Scope: Scope{"debts"}, Days: 91},
	} {
		if _, err := f.svc.Grant(context.Background(), bad); !errors.Is(err, wallet.ErrInvalid) {
			t.Errorf("grant %+v: %v, want ErrInvalid", bad, err)
		}
	}
}

func TestRedeemAcceptsTheRightHelper(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{})
	url := base + "/c/" + g.Handle
	released, err := f.svc.Redeem(context.Background(), Presentation{Handle: g.Handle, Proof: f.proof(t, f.a, PurposeIntake, url),
		Method: "GET", URL: url})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Get(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Uses != 1 || released == "" {
		t.Errorf("uses = %d, dossier %d bytes", got.Uses, len(released))
	}
	events, _ := f.vault.Events(context.Background())
	kinds := []wallet.EventKind{}
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	last := kinds[len(kinds)-3:]
	if last[0] != wallet.EventGrantMade || last[1] != wallet.EventPresentationOK || last[2] != wallet.EventDossierReleased {
		t.Errorf("log = %v", kinds)
	}
}

type refusalCase struct {
	name    string
	grant   Request
	prepare func(f *fixture, g *Grant) Presentation
	want    error
}

// refusalCases are every way a presentation can be wrong. f.redeem is the
// way a presentation is made, so that the same cases run against the
// unlocked vault and against the sealed records of a locked one.
func refusalCases(t *testing.T) []refusalCase {
	type tc = refusalCase
	handleURL := func(g *Grant) string { return base + "/c/" + g.Handle }
	good := func(f *fixture, g *Grant) Presentation {
		return Presentation{Handle: g.Handle, Proof: f.proof(t, f.a, g.Purpose, handleURL(g)), Method: "GET", URL: handleURL(g)}
	}
	tests := []tc{
		{"expired", Request{Days: 1}, func(f *fixture, g *Grant) Presentation {
			f.clock.Add(24*time.Hour + 2*Leeway)
			return good(f, g)
		}, ErrExpired},
		{"not yet valid", Request{}, func(f *fixture, g *Grant) Presentation {
			ng, err := f.svc.Grant(context.Background(), Request{Audience: f.a.org.ID, Purpose: PurposeIntake, Scope: Scope{"debts"},
				NotBefore: f.clock.Now().Add(48 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			*g = ng
			return good(f, g)
		}, ErrNotYetValid},
		{"wrong audience", Request{}, func(f *fixture, g *Grant) Presentation {
			return Presentation{Handle: g.Handle, Proof: f.proof(t, f.b, g.Purpose, handleURL(g)), Method: "GET", URL: handleURL(g)}
		}, ErrWrongAudience},
		{"revoked", Request{}, func(f *fixture, g *Grant) Presentation {
			if _, err := f.svc.Revoke(context.Background(), g.ID); err != nil {
				t.Fatal(err)
			}
			return good(f, g)
		}, ErrRevoked},
		{"wrong purpose", Request{}, func(f *fixture, g *Grant) Presentation {
			return Presentation{Handle: g.Handle, Proof: f.proof(t, f.a, PurposeBudgetManagment, handleURL(g)), Method: "GET", URL: handleURL(g)}
		}, ErrWrongPurpose},
		{"outside the scope", Request{Scope: Scope{"debts"}}, func(f *fixture, g *Grant) Presentation {
			p := good(f, g)
			p.Want = Scope{"income"}
			return p
		}, ErrOutOfScope},
		{"proof signed by another key", Request{}, func(f *fixture, g *Grant) Presentation {
			thief, _ := trust.NewSigningKey(f.a.key.KeyID) // same kid, other key
			p, _ := SignProof(thief, f.a.org.ID, g.Purpose, "GET", handleURL(g), f.clock.Now())
			return Presentation{Handle: g.Handle, Proof: p, Method: "GET", URL: handleURL(g)}
		}, ErrWrongKey},
		{"replayed proof", Request{}, func(f *fixture, g *Grant) Presentation {
			p := good(f, g)
			if err := f.redeem(p); err != nil {
				t.Fatal(err)
			}
			return p
		}, ErrReplay},
		{"proof for another URL", Request{}, func(f *fixture, g *Grant) Presentation {
			return Presentation{Handle: g.Handle, Proof: f.proof(t, f.a, g.Purpose, base+"/api/v1/dossier"), Method: "GET", URL: handleURL(g)}
		}, ErrWrongURL},
		{"stale proof", Request{}, func(f *fixture, g *Grant) Presentation {
			p, _ := SignProof(f.a.key, f.a.org.ID, g.Purpose, "GET", handleURL(g), f.clock.Now().Add(-5*time.Minute))
			return Presentation{Handle: g.Handle, Proof: p, Method: "GET", URL: handleURL(g)}
		}, ErrStaleProof},
		{"no proof", Request{}, func(f *fixture, g *Grant) Presentation {
			return Presentation{Handle: g.Handle, Method: "GET", URL: handleURL(g)}
		}, ErrNoProof},
		{"tampered token", Request{}, func(f *fixture, g *Grant) Presentation {
			parts := strings.Split(g.Token, ".")
			raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
			raw = bytes.Replace(raw, []byte(`"debts"`), []byte(`"DEBTS"`), 1)
			tok := parts[0] + "." + base64.RawURLEncoding.EncodeToString(raw) + "." + parts[2]
			url := base + "/api/v1/dossier"
			return Presentation{Token: tok, Proof: f.proof(t, f.a, g.Purpose, url), Method: "GET", URL: url}
		}, ErrInvalidToken},
		{"alg none token", Request{}, func(f *fixture, g *Grant) Presentation {
			parts := strings.Split(g.Token, ".")
			h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"regie-consent+jwt"}`))
			url := base + "/api/v1/dossier"
			return Presentation{Token: h + "." + parts[1] + ".", Proof: f.proof(t, f.a, g.Purpose, url), Method: "GET", URL: url}
		}, ErrInvalidToken},
		{"used up", Request{MaxUses: 1}, func(f *fixture, g *Grant) Presentation {
			if err := f.redeem(good(f, g)); err != nil {
				t.Fatal(err)
			}
			return good(f, g)
		}, ErrUsedUp},
		{"unknown handle", Request{}, func(f *fixture, g *Grant) Presentation {
			p := good(f, g)
			p.Handle = "AAAAAAAAAAAAAAAAAAAAAA"
			return p
		}, ErrUnknownGrant},
	}
	return tests
}

// TestPresentRefusals: every way a presentation can be wrong is refused with
// its own reason and leaves a log entry naming that reason.
func TestPresentRefusals(t *testing.T) {
	for _, tt := range refusalCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			g := f.grant(t, tt.grant)
			p := tt.prepare(f, &g)
			d, err := f.svc.Redeem(context.Background(), p)
			if d != "" {
				t.Error("a dossier for a refused presentation")
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			events, _ := f.vault.Events(context.Background())
			last := events[len(events)-1]
			if last.Kind != wallet.EventPresentationNotOK || last.Reason != Code(tt.want) {
				t.Errorf("last log entry = %+v, want a refusal with reason %s", last, Code(tt.want))
			}
			if n, err := f.vault.VerifyEvents(context.Background()); err != nil || n != len(events) {
				t.Errorf("log verify: %d %v", n, err)
			}
		})
	}
}

func TestStatusList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	active := f.grant(t, Request{})
	revoked := f.grant(t, Request{})
	f.svc.Revoke(ctx, revoked.ID)
	later, _ := f.svc.Grant(ctx, Request{Audience: f.a.org.ID, Purpose: PurposeIntake, Scope: Scope{"debts"}, NotBefore: f.clock.Now().Add(time.Hour)})
	short := f.grant(t, Request{Days: 1})
	used := f.grant(t, Request{MaxUses: 1})
	if _, err := f.present(used, f.proof(t, f.a, PurposeIntake, base+"/c/"+used.Handle)); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(30 * time.Hour)
	_ = later
	list, err := f.svc.List(ctx)
	if err != nil || len(list) != 5 {
		t.Fatalf("list: %d %v", len(list), err)
	}
	want := map[string]Status{active.ID: StatusActive, revoked.ID: StatusRevoked, later.ID: StatusActive, short.ID: StatusExpired, used.ID: StatusUsedUp}
	for _, g := range list {
		if got := g.Status(f.clock.Now()); got != want[g.ID] {
			t.Errorf("grant %s: status %s, want %s", g.ID, got, want[g.ID])
		}
	}
	if got := later.Status(later.NotBefore.Add(-time.Minute)); got != StatusNotYetValid {
		t.Errorf("future grant status = %s", got)
	}
}

func TestQRHoldsThePointerOnly(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{})
	png, err := f.svc.QR(g)
	if err != nil {
		t.Fatal(err)
	}
	url, _ := f.svc.URL(g)
	got := testkit.DecodeQR(t, png)
	if got != url {
		t.Fatalf("QR decodes to %q, want %q", got, url)
	}
	walletID, _ := trust.WalletID(f.vault)
	if !strings.HasPrefix(got, base+"/c/"+g.Handle+"#wk="+walletID) || strings.Contains(got, g.Token[:20]) || strings.Contains(got, "123456782") {
		t.Errorf("QR content %q is not a bare pointer", got)
	}
	again, _ := f.svc.QR(g)
	if &again[0] != &png[0] {
		t.Error("QR was made again instead of kept")
	}

	// The URL alone, without the helper's key, yields nothing.
	handle := strings.TrimPrefix(strings.Split(got, "#")[0], base+"/c/")
	attacker, _ := trust.NewSigningKey("attacker-1")
	p, _ := SignProof(attacker, f.a.org.ID, PurposeIntake, "GET", base+"/c/"+handle, f.clock.Now())
	for _, proof := range []string{"", p} {
		d, err := f.svc.Redeem(context.Background(), Presentation{Handle: handle, Proof: proof, Method: "GET", URL: base + "/c/" + handle})
		if err == nil || d != "" {
			t.Errorf("photographed QR with proof %v: err %v, released %v", proof != "", err, d != "")
		}
	}
}

func TestShortCode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := f.grant(t, Request{})
	code, exp, err := f.svc.ShortCode(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 9 || exp.Sub(f.clock.Now()) != ShortCodeTTL {
		t.Errorf("code %q valid until %v", code, exp)
	}
	url := base + "/c/code"
	present := func(c string, h helper) error {
		_, err := f.svc.Redeem(ctx, Presentation{ShortCode: c, Proof: f.proof(t, h, PurposeIntake, url), Method: "GET", URL: url})
		return err
	}
	// The code alone, with someone else's key, yields nothing, and burns a try.
	thief := helper{org: f.a.org}
	thief.key, _ = trust.NewSigningKey(f.a.key.KeyID)
	for i := 0; i < ShortCodeMaxFails; i++ {
		if err := present(code, thief); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("thief try %d: %v", i, err)
		}
	}
	// After the allowed wrong tries the code is dead, even for the right helper.
	if err := present(code, f.a); !errors.Is(err, ErrShortCode) {
		t.Fatalf("after %d failures: %v, want ErrShortCode", ShortCodeMaxFails, err)
	}
	code, _, _ = f.svc.ShortCode(ctx, g.ID)
	if err := present(strings.ToLower(strings.ReplaceAll(code, "-", " ")), f.a); err != nil {
		t.Fatalf("right helper, typed loosely: %v", err)
	}
	f.clock.Add(ShortCodeTTL + time.Second)
	if err := present(code, f.a); !errors.Is(err, ErrShortCode) {
		t.Fatalf("expired code: %v", err)
	}
	// Guessing codes closes the short-code door for a while.
	var last error
	for i := 0; i < shortCodeGuesses+2; i++ {
		last = present("ZZZZ-ZZZZ", f.a)
	}
	if !errors.Is(last, ErrTooManyCodes) {
		t.Fatalf("after many guesses: %v", last)
	}
	// ... but only for the address that guessed.
	code, _, _ = f.svc.ShortCode(ctx, g.ID)
	_, err = f.svc.Redeem(ctx, Presentation{ShortCode: code, Proof: f.proof(t, f.a, PurposeIntake, url), Method: "GET", URL: url,
		Client: "192.0.2.7"})
	if err != nil {
		t.Fatalf("another address after a guesser was stopped: %v", err)
	}
}

func TestReceiptUsesKantaraFields(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{Scope: Scope{"debts"}})
	r, err := f.svc.Receipt(g)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(r)
	var m map[string]any
	json.Unmarshal(raw, &m)
	for _, field := range []string{"version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID",
		"publicKey", "language", "piiPrincipalId", "piiControllers", "policyUrl", "services", "sensitive", "spiCat"} {
		if _, ok := m[field]; !ok {
			t.Errorf("receipt lacks %s", field)
		}
	}
	if strings.Contains(string(raw), "123456782") {
		t.Error("receipt holds the BSN")
	}
	if r.Services[0].Purposes[0].PIICategory[0] != "debts" || r.PIIControllers[0].PIIController != g.AudienceName {
		t.Errorf("receipt = %s", raw)
	}
}

// TestUnusableGrantSaysWhy: a grant that can no longer be used says why in
// its own words: an expired one has expired, it was not revoked.
func TestUnusableGrantSaysWhy(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	expired := f.grant(t, Request{Days: 1})
	revoked := f.grant(t, Request{Days: 2})
	if _, err := f.svc.Revoke(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	used := f.grant(t, Request{Days: 2, MaxUses: 1})
	if _, err := f.present(used, f.proof(t, f.a, PurposeIntake, base+"/c/"+used.Handle)); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24*time.Hour + time.Second)
	for _, tt := range []struct {
		name        string
		g           Grant
		want        error
		code, words string
	}{
		{"expired", expired, ErrExpired, "consent_expired", "the consent has expired"},
		{"revoked", revoked, ErrRevoked, "consent_revoked", "the resident revoked this consent"},
		{"used up", used, ErrUsedUp, "consent_used_up", "the consent has no uses left"},
	} {
		_, _, err := f.svc.ShortCode(ctx, tt.g.ID)
		if !errors.Is(err, tt.want) || Code(err) != tt.code || !strings.Contains(err.Error(), tt.words) {
			t.Errorf("short code for a grant that is %s: %v (%s)", tt.name, err, Code(err))
		}
		_, err = f.svc.Export(ctx, tt.g.ID)
		if !errors.Is(err, tt.want) || Code(err) != tt.code || !strings.Contains(err.Error(), tt.words) {
			t.Errorf("export of a grant that is %s: %v (%s)", tt.name, err, Code(err))
		}
	}
	if _, _, err := f.svc.ShortCode(ctx, expired.ID); errors.Is(err, ErrRevoked) {
		t.Errorf("an expired grant reads as revoked: %v", err)
	}
}

// TestShortCodeTryCountsWhenTheHelperHangsUp: a wrong try with a short code
// is recorded in the transaction that refuses it, so a guesser who hangs up
// while the wallet decides cannot win extra tries.
func TestShortCodeTryCountsWhenTheHelperHangsUp(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{})
	code, _, err := f.svc.ShortCode(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	thief := helper{org: f.a.org}
	thief.key, _ = trust.NewSigningKey(f.a.key.KeyID)
	url := base + "/c/code"
	proof := f.proof(t, thief, PurposeIntake, url)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.clock.onNextReading(cancel) // the guesser hangs up as the wallet looks at its clock
	_, err = f.svc.Redeem(ctx, Presentation{ShortCode: code, Proof: proof, Method: "GET", URL: url})
	if err == nil {
		t.Fatal("a thief's short-code try was accepted")
	}
	got, err := f.svc.Get(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ShortCodeFails != 1 {
		t.Errorf("failed tries recorded: %d, want 1", got.ShortCodeFails)
	}
	events, _ := f.vault.Events(context.Background())
	if last := events[len(events)-1]; last.Kind != wallet.EventPresentationNotOK || last.Reason != Code(ErrWrongKey) {
		t.Errorf("last log entry = %+v, want the refused try", last)
	}
}
