package api

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"regie/consent"
	"regie/helper"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// lockedWorld is a world whose server takes pushes for the locked vault,
// checked against the host's trust list (the organisations of the world).
func lockedWorld(t *testing.T) *world { t.Helper(); return lockedWorldWith(t) }

// lockedWorldWith is lockedWorld with more organisations in both the
// vault's and the host's trust list.
func lockedWorldWith(t *testing.T, extra ...party) *world {
	t.Helper()
	w := newWorld(t, Limits{DossierPerMinute: -1, InboxPerMinute: -1})
	if err := w.srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0 {
		orgs := w.tl.Organisations()
		for _, p := range extra {
			if err := (trust.Store{Vault: w.vault}).Add(context.Background(), p.org); err != nil {
				t.Fatal(err)
			}
			orgs = append(orgs, p.org)
		}
		w.tl, _ = trust.NewList(orgs)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.base = "http://" + ln.Addr().String()
	w.srv, err = New(Config{Vault: w.vault, BaseURL: w.base, HostTrust: w.tl, Limits: Limits{DossierPerMinute: -1, InboxPerMinute: -1}})
	if err != nil {
		t.Fatal(err)
	}
	go w.srv.Serve(ln)
	t.Cleanup(func() { w.srv.Shutdown(context.Background()) })
	return w
}

// TestLockedVaultServesPushesAndHelpers: after the resident locks, the keys
// are gone, yet an organisation's push is queued and a helper is served by
// QR link and by consent token; at the next unlock the push is imported and
// both accesses are in the intact log.
func TestLockedVaultServesPushesAndHelpers(t *testing.T) {
	ctx := context.Background()
	w := lockedWorld(t)
	w.unlock()
	g := w.grant("schuldhulp-a")
	if code := w.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
		t.Fatalf("lock: %d", code)
	}
	if w.vault.Unlocked() {
		t.Fatal("the vault keys stayed in memory after the last session was locked")
	}
	stranger := newParty(t, "stranger", trust.KindCreditor)
	for _, tc := range []struct {
		name string
		jws  string
		code int
	}{
		{"trusted organisation", w.sign(w.cjib, debt("c9", "CJIB-9", 1234)), 202},
		{"unknown organisation", w.sign(stranger, debt("x1", "X-1", 1)), 202},
	} {
		code, res, _ := push(t, w, "application/jose", []byte(tc.jws))
		if code != tc.code {
			t.Fatalf("%s: %d", tc.name, code)
		}
		if tc.name == "unknown organisation" && (res.Accepted != 0 || res.Refused != 1) {
			t.Errorf("%s: %+v", tc.name, res)
		}
		if tc.name == "trusted organisation" && res.Accepted != 1 {
			t.Errorf("%s: %+v", tc.name, res)
		}
	}
	link, _ := helper.ParseConsentURL(g.URL)
	im := w.importer(w.helperA)
	vd, err := im.FromURL(ctx, g.URL, consent.PurposeIntake)
	if err != nil {
		t.Fatalf("redeem while locked: %v", err)
	}
	again, err := w.helper(w.helperA).Fetch(ctx, w.base, vd.Grant, consent.PurposeIntake)
	if err != nil {
		t.Fatalf("fetch with the consent token while locked: %v", err)
	}
	if _, err := im.Verify(again, link.WalletID); err != nil {
		t.Fatal(err)
	}
	if w.vault.Unlocked() {
		t.Fatal("serving the helper unlocked the vault")
	}
	var un struct {
		Arrived Arrived `json:"arrived"`
	}
	if code := w.call("POST", "/api/v1/session", map[string]string{"passphrase": testPass}, &un); code != 200 || un.Arrived.Added != 1 {
		t.Fatalf("unlock: %d, arrived %+v", code, un.Arrived)
	}
	// The overview says what arrived while she was away, once.
	for i, want := range []bool{true, false} {
		resp, err := w.resident.Get(w.base + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		said := strings.Contains(string(page), "Terwijl u weg was: 1 nieuw overzicht van Organisatie cjib.")
		if resp.StatusCode != 200 || said != want {
			t.Errorf("overview %d: status %d, says what arrived: %v, want %v", i+1, resp.StatusCode, said, want)
		}
	}
	var o wallet.Overview
	w.call("GET", "/api/v1/overview", nil, &o)
	if o.TotalOutstandingCents != 52500+1234 {
		t.Errorf("overview after unlock: %d cents outstanding", o.TotalOutstandingCents)
	}
	var audit testkit.Audit
	w.call("GET", "/api/v1/audit", nil, &audit)
	if accepted := audit.Accesses(g.ID); accepted != 2 || !audit.Intact {
		t.Fatalf("log: %d accesses, intact %v", audit.Accesses(g.ID), audit.Intact)
	}
	var gv grantView
	w.call("GET", "/api/v1/consents/"+g.ID, nil, &gv)
	if gv.Uses != 2 {
		t.Errorf("uses = %d, want 2", gv.Uses)
	}
}

// TestPushToLockedVaultWithoutHostTrust: a server without a host trust list
// cannot check a push while locked, so it refuses instead of queueing.
func TestPushToLockedVaultWithoutHostTrust(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	w.call("DELETE", "/api/v1/session", nil, nil)
	code, _, e := push(t, w, "application/jose", []byte(w.sign(w.cjib, debt("c9", "CJIB-9", 1))))
	if code != 503 || e.Error.Code != "vault_locked" {
		t.Fatalf("%d %+v", code, e)
	}
}

// TestSessionExpiryDropsTheKeys: once the last session passed its idle
// time, the idle check locks the vault.
func TestSessionExpiryDropsTheKeys(t *testing.T) {
	w := lockedWorld(t)
	w.unlock()
	w.srv.lockWhenIdle()
	if !w.vault.Unlocked() {
		t.Fatal("locked while a session lives")
	}
	w.srv.sessions.mu.Lock()
	for _, s := range w.srv.sessions.m {
		s.seen = s.seen.Add(-w.srv.cfg.SessionIdle - time.Second)
	}
	w.srv.sessions.mu.Unlock()
	w.srv.lockWhenIdle()
	if w.vault.Unlocked() {
		t.Fatal("the keys stayed in memory after the session expired")
	}
	if code := w.call("GET", "/api/v1/overview", nil, nil); code != 401 {
		t.Fatalf("expired session still reads: %d", code)
	}
}

// TestWithdrawnHelperGetsNothingWhileLocked: the resident withdraws a helper
// from her trust list and locks; the helper's sealed record is gone with the
// lock, so it is refused while she is away.
func TestWithdrawnHelperGetsNothingWhileLocked(t *testing.T) {
	w := lockedWorld(t)
	w.unlock()
	g := w.grant("schuldhulp-a")
	changed := w.helperA.org
	changed.Kind, changed.MaySign = trust.KindCreditor, []wallet.StatementType{wallet.TypeDebt}
	if err := (trust.Store{Vault: w.vault}).Add(context.Background(), changed); err != nil {
		t.Fatal(err)
	}
	w.call("DELETE", "/api/v1/session", nil, nil)
	if w.vault.Unlocked() {
		t.Fatal("still unlocked")
	}
	if _, err := w.importer(w.helperA).FromURL(context.Background(), g.URL, consent.PurposeIntake); !isCode(err, "consent_unknown") {
		t.Fatalf("withdrawn helper while locked: %v, want consent_unknown", err)
	}
}

// TestLockedAnswersAreForTheHelperOnly: what a locked wallet answers a
// helper is encrypted to that helper's key (a client without it gets a
// clear refusal, not a dossier), and a helper the trust list gives no
// encryption key is told the resident must be present (409), never sent a
// dossier anyone with the link could read; once she is, it is served.
func TestLockedAnswersAreForTheHelperOnly(t *testing.T) {
	ctx := context.Background()
	plain := newParty(t, "schuldhulp-c", trust.KindHelper)
	plain.org.Keys = plain.org.SigningKeys()
	w := lockedWorldWith(t, plain)
	w.unlock()
	g := w.grant("schuldhulp-a")
	gc := w.grant("schuldhulp-c")
	if code := w.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
		t.Fatalf("lock: %d", code)
	}
	link, _ := helper.ParseConsentURL(g.URL)
	keyless := &helper.Client{ID: w.helperA.org.ID, Key: w.helperA.key(), Now: w.clock.Now}
	if _, err := keyless.Redeem(ctx, link, consent.PurposeIntake); !errors.Is(err, consent.ErrCannotOpen) {
		t.Fatalf("a client without the encryption key: %v, want ErrCannotOpen", err)
	}
	status, body := w.redeemWithQuery(w.helperA, link, "")
	if status != 200 || !consent.IsEncrypted(body) || strings.Contains(body, "CJIB") {
		t.Fatalf("the answer on the wire: %d, encrypted %v", status, consent.IsEncrypted(body))
	}
	linkC, _ := helper.ParseConsentURL(gc.URL)
	if _, err := w.helper(plain).Redeem(ctx, linkC, consent.PurposeIntake); !isCode(err, "resident_absent") {
		t.Fatalf("a helper without an encryption key while locked: %v, want resident_absent", err)
	}
	w.unlock()
	d, err := w.helper(plain).Redeem(ctx, linkC, consent.PurposeIntake)
	if err != nil || consent.IsEncrypted(d) {
		t.Fatalf("present: %v", err)
	}
	if _, err := w.importer(plain).Verify(d, linkC.WalletID); err != nil {
		t.Fatal(err)
	}
}

// TestHelperTheServerDroppedGetsNothingWhileLocked: `regie serve --trust`
// restarted on a list without the helper (or with another key of it) no
// longer serves the helper from the sealed record of a locked vault;
// before, the record's own copy of the key decided until the next unlock.
func TestHelperTheServerDroppedGetsNothingWhileLocked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		helper func(w *world) []trust.Organisation
		code   string
	}{
		{"helper_dropped", func(w *world) []trust.Organisation { return nil }, "not_a_helper"},
		{"key_withdrawn", func(w *world) []trust.Organisation {
			return []trust.Organisation{newParty(t, "schuldhulp-a", trust.KindHelper).org}
		}, "helper_key_withdrawn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := lockedWorld(t)
			w.unlock()
			g := w.grant("schuldhulp-a")
			w.call("DELETE", "/api/v1/session", nil, nil)
			if _, err := w.importer(w.helperA).FromURL(context.Background(), g.URL, consent.PurposeIntake); err != nil {
				t.Fatalf("redemption before the restart: %v", err)
			}
			if err := w.srv.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			hostTrust, err := trust.NewList(append([]trust.Organisation{w.cjib.org, w.uwv.org}, tc.helper(w)...))
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", strings.TrimPrefix(w.base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			if w.srv, err = New(Config{Vault: w.vault, BaseURL: w.base, HostTrust: hostTrust, Limits: Limits{DossierPerMinute: -1, InboxPerMinute: -1}}); err != nil {
				t.Fatal(err)
			}
			go w.srv.Serve(ln)
			if w.vault.Unlocked() {
				t.Fatal("the vault is unlocked")
			}
			if _, err := w.importer(w.helperA).FromURL(context.Background(), g.URL, consent.PurposeIntake); !isCode(err, tc.code) {
				t.Fatalf("redemption after the restart: %v, want %s", err, tc.code)
			}
		})
	}
}
