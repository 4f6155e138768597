package api

import (
	"context"
	"io"
	"strings"
	"testing"

	"regie/connectors"
)

// TestOverviewNamesTheSigner: an organisation that may sign debts signed
// one naming "Belastingdienst" as creditor, category tax, status bailiff;
// the resident saw an urgent Belastingdienst debt. Every debt and income
// now carries its signer's trust-list name, and that debt is marked
// "reported by" its signer, in the API and on the page.
func TestOverviewNamesTheSigner(t *testing.T) {
	w := newWorld(t, Limits{})
	fake := debt("c2", "BD-1", 250000)
	fake["debt"].(map[string]any)["creditor"] = "Belastingdienst"
	fake["debt"].(map[string]any)["category"] = "tax"
	fake["debt"].(map[string]any)["status"] = "bailiff"
	rep, err := (&connectors.Importer{Vault: w.vault}).Import(context.Background(), "file", []connectors.Item{{JWS: w.sign(w.cjib, fake)}}, nil)
	if err != nil || rep.Added != 1 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	w.unlock()
	var o overviewView
	if code := w.call("GET", "/api/v1/overview", nil, &o); code != 200 {
		t.Fatalf("overview: %d", code)
	}
	if len(o.Debts) != 2 || len(o.Incomes) != 1 || len(o.Creditors) != 2 {
		t.Fatalf("overview: %+v", o)
	}
	for _, d := range o.Debts {
		if d.Signer.ID != "cjib" || d.Signer.Name != "Organisatie cjib" {
			t.Errorf("debt %s signer = %+v", d.Debt.Reference, d.Signer)
		}
		if want := d.Debt.Creditor == "Belastingdienst"; d.Signer.Other != want {
			t.Errorf("debt %s (creditor %s): reported by other = %v", d.Debt.Reference, d.Debt.Creditor, d.Signer.Other)
		}
	}
	for _, c := range o.Creditors {
		if want := c.Creditor == "Belastingdienst"; c.Signer.Other != want || c.Signer.Name != "Organisatie cjib" {
			t.Errorf("creditor %s: signer %+v", c.Creditor, c.Signer)
		}
	}
	if in := o.Incomes[0]; in.Signer.Name != "Organisatie uwv" || in.Signer.Other {
		t.Errorf("income signer = %+v", in.Signer)
	}
	resp, err := w.resident.Get(w.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Gemeld door Organisatie cjib") || !strings.Contains(string(page), "Bron: Organisatie uwv") {
		t.Errorf("overview page does not name the signers:\n%s", page)
	}
	if strings.Count(string(page), "Gemeld door") != 1 {
		t.Errorf("only the Belastingdienst debt is reported by another party")
	}
}
