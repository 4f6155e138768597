package host

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"regie/trust"
)

// signedDebt is a debt statement of o about bsn.
func signedDebt(t *testing.T, o org, bsn, jti string) string {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"iss": o.org.ID, "sub": bsn, "jti": jti, "iat": time.Now().Unix() - 60, "type": "debt",
		"as_of": "2026-11-20", "debt": map[string]any{"reference": "REF-" + jti, "creditor": o.org.Name, "category": "tax",
			"original_cents": 100, "outstanding_cents": 100, "status": "open"}})
	s, err := trust.SignStatement(o.key, raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOneIssuerCannotFillALockedVault: a trusted organisation pushes
// statements about someone else (the host cannot tell while the resident
// is away: it holds no BSN) to a locked vault, bundle after bundle. The
// vault's push budget counts the statements, not the requests; the queue
// holds at most the flooder's share (IssuerItems), so another
// organisation's statement for the resident is still queued; at the next
// login the flood is refused, the overview names the organisation that
// sent it, and the log ("Wie keek mee") records the refusal under it.
func TestOneIssuerCannotFillALockedVault(t *testing.T) {
	clk := &clock{now: time.Now()}
	var flooder org
	w := newHostWorld(t, func(w *hostWorld) {
		w.now = clk.Now
		flooder = newOrg(t, "belastingdienst", trust.KindCreditor)
		w.tl, _ = trust.NewList([]trust.Organisation{w.cjib.org, w.helpA.org, flooder.org})
	})
	b := w.browser()
	b.get(signupPath)
	if code, _, loc := b.post(signupPath, signupValues("fatima", bsnA, pagePass, pagePass)); code != 303 || loc != "/" {
		t.Fatalf("sign-up: %d to %q", code, loc)
	}
	b.get("/")
	if code, _, _ := b.post("/lock", url.Values{}); code != 303 {
		t.Fatalf("lock: %d", code)
	}
	id, _ := w.h.ix.vaultOf(context.Background(), "fatima")
	wallet := w.h.WalletURL(id)
	n := 0
	bundle := func(size int) []string {
		list := make([]string, size)
		for i := range list {
			n++
			list[i] = signedDebt(t, flooder, "999999990", fmt.Sprint("flood-", n))
		}
		return list
	}
	// The budget (60 a minute) counts statements: two bundles of 50 use
	// it up, so a third push waits, whatever its size.
	for i := range 2 {
		if code, out := w.pushBundle(wallet, bundle(50)); code != 202 || out["accepted"] != float64(50) {
			t.Fatalf("flood bundle %d: %d %v", i+1, code, out)
		}
	}
	if code, out := w.push(wallet, bundle(1)[0]); code != 429 {
		t.Fatalf("a push after 100 statements within the minute: %d %v, want 429", code, out)
	}
	clk.add(61 * time.Second)
	// The flooder's share (100) is full: its next statements are refused,
	// and they count against it only.
	code, out := w.pushBundle(wallet, bundle(50))
	if e, _ := out["error"].(map[string]any); code != 507 || e["code"] != "queue_full" || !strings.Contains(fmt.Sprint(e["message"]), "this organisation") {
		t.Fatalf("the flooder beyond its share: %d %v, want 507 queue_full naming its share", code, out)
	}
	if code, out := w.push(wallet, w.debt(bsnA, "c1", "CJIB-1", 12345)); code != 202 || out["accepted"] != float64(1) {
		t.Fatalf("another organisation's statement for the resident during the flood: %d %v", code, out)
	}
	if got := w.pendingCount(id); got != 101 {
		t.Fatalf("%d statements wait, want the flooder's 100 and the 1 for the resident", got)
	}

	b.get(loginPath)
	if code, _, loc := b.post(loginPath, url.Values{"login": {"fatima"}, "passphrase": {pagePass}}); code != 303 || loc != "/" {
		t.Fatalf("login: %d to %q", code, loc)
	}
	code, page, _ := b.get("/")
	for _, want := range []string{
		"Terwijl u weg was: 1 nieuw overzicht van Organisatie cjib.",
		"100 berichten zijn niet in uw kluis gezet: het bericht gaat over iemand anders.",
		"De berichten over iemand anders kwamen van Organisatie belastingdienst.",
	} {
		if code != 200 || !strings.Contains(page, want) {
			t.Fatalf("overview after login: %d, missing %q\n%s", code, want, page)
		}
	}
	code, page, _ = b.get("/log")
	if code != 200 || !strings.Contains(page, "Organisatie belastingdienst") || !strings.Contains(page, "100 berichten geweigerd: het bericht gaat over iemand anders") {
		t.Fatalf("log page: %d\n%s", code, page)
	}
	if got := w.pendingCount(id); got != 0 {
		t.Fatalf("%d left in the queue after login", got)
	}
}
