package api

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"regie/connectors"
	"regie/trust"
)

// The consent screen for aftercare with nothing ticked: a signals consent,
// and the preview says what the counsellor will and will not see, and the
// signal it would see now; nothing is granted before confirming.
func TestSignalsConsentScreen(t *testing.T) {
	w := newWorld(t, Limits{})
	energy := newParty(t, "energie-noord", trust.KindCreditor)
	ctx := context.Background()
	if err := (trust.Store{Vault: w.vault}).Add(ctx, energy.org); err != nil {
		t.Fatal(err)
	}
	arrear := debt("e1", "EN-7781", 28876)
	arrear["iss"] = "energie-noord"
	d := arrear["debt"].(map[string]any)
	d["category"], d["creditor"], d["days_in_arrears"], d["status"] = "energy", "Energie Noord", 35, "open"
	if rep, err := (&connectors.Importer{Vault: w.vault}).Import(ctx, "file", []connectors.Item{{JWS: w.sign(energy, arrear)}}, nil); err != nil || rep.Added != 1 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	w.unlock()
	page := w.page(t, "/consent")
	if !strings.Contains(page, `value="signals"`) || !strings.Contains(page, "geen bedragen") {
		t.Error("the consent form offers no signals choice")
	}
	csrf := csrfField.FindStringSubmatch(page)[1]
	values := url.Values{"csrf": {csrf}, "to": {"schuldhulp-a"}, "purpose": {"aftercare"}, "length": {"12m"}}
	resp, body := form(t, w.resident, w.base+"/consent", values)
	for _, want := range []string{`id="signals-will"`, `id="signals-wont"`, "ziet niet: bedragen",
		"Energie bij Organisatie energie-noord: achterstand sinds 16 oktober 2026 (35 dagen)", `name="scope" value="signals"`} {
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("preview: %d, missing %q", resp.StatusCode, want)
		}
	}
	for _, unwanted := range []string{"288,76", "EN-7781", "burgerservicenummer (BSN) staat in de ondertekende"} {
		if strings.Contains(body, unwanted) {
			t.Errorf("the signals preview shows %q", unwanted)
		}
	}
	// Signals beside another choice: told in words, nothing granted.
	bad := url.Values{"csrf": {csrf}, "to": {"schuldhulp-a"}, "purpose": {"aftercare"}, "length": {"12m"}, "scope": {"signals", "debts"}, "confirm": {"yes"}}
	if resp, body := form(t, w.resident, w.base+"/consent", bad); resp.StatusCode != 400 || !strings.Contains(body, "Signalen kunt u alleen los kiezen") {
		t.Errorf("signals with debts: %d", resp.StatusCode)
	}
	values.Set("confirm", "yes")
	values.Set("scope", "signals")
	resp, body = form(t, w.resident, w.base+"/consent", values)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="last-never"`) {
		t.Errorf("confirm: %d, the new consent's page does not say nothing was fetched yet", resp.StatusCode)
	}
}
