package host

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// TestLoginLandsOnOverviewSayingWhatArrived: a resident locks, an
// organisation pushes, and at her next login through the page she lands on
// her overview, which says once, in words, what arrived and from whom, and
// what was refused and why.
func TestLoginLandsOnOverviewSayingWhatArrived(t *testing.T) {
	w := newHostWorld(t)
	b := w.browser()
	b.get(signupPath)
	if code, _, loc := b.post(signupPath, signupValues("fatima", bsnA, pagePass, pagePass)); code != 303 || loc != "/" {
		t.Fatalf("sign-up: %d to %q", code, loc)
	}
	if code, page, _ := b.get("/"); code != 200 || strings.Contains(page, "Terwijl u weg was") {
		t.Fatalf("overview after sign-up: %d\n%s", code, page)
	}
	if code, _, _ := b.post("/lock", url.Values{}); code != 303 {
		t.Fatalf("lock: %d", code)
	}
	id, _ := w.h.ix.vaultOf(context.Background(), "fatima")
	if code, _ := w.push(w.h.WalletURL(id), w.debt(bsnA, "c1", "CJIB-1", 12345)); code != 202 {
		t.Fatalf("push: %d", code)
	}
	// One about someone else: the host cannot tell (it holds no BSN), the
	// vault refuses it at the login.
	if code, _ := w.push(w.h.WalletURL(id), w.debt(bsnB, "c2", "CJIB-2", 999)); code != 202 {
		t.Fatalf("push for another BSN: %d", code)
	}
	b.get(loginPath)
	if code, _, loc := b.post(loginPath, url.Values{"login": {"fatima"}, "passphrase": {pagePass}}); code != 303 || loc != "/" {
		t.Fatalf("login: %d to %q", code, loc)
	}
	code, page, _ := b.get("/")
	if code != 200 || !strings.Contains(page, "Terwijl u weg was: 1 nieuw overzicht van Organisatie cjib.") || !strings.Contains(page, "123,45") ||
		!strings.Contains(page, "1 bericht is niet in uw kluis gezet: het bericht gaat over iemand anders.") || strings.Contains(page, "wrong_subject") {
		t.Fatalf("overview after login: %d\n%s", code, page)
	}
	if _, page, _ := b.get("/"); strings.Contains(page, "Terwijl u weg was") {
		t.Error("the overview said what arrived a second time")
	}
}
