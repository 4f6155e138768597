package api

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
)

func (w *world) page(t *testing.T, path string) string {
	t.Helper()
	resp, err := w.resident.Get(w.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return string(body)
}

func TestBudgetPage(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	ov := w.page(t, "/")
	if !strings.Contains(ov, `id="leefgeld">Nog niet bekend`) || !strings.Contains(ov, "uw huur of hypotheek en uw zorgverzekering") {
		t.Errorf("overview without housing and premium shows a leefgeld figure")
	}
	csrf := csrfField.FindStringSubmatch(ov)[1]
	post := func(path string, v url.Values) (int, string) {
		v.Set("csrf", csrf)
		resp, body := form(t, w.resident, w.base+path, v)
		return resp.StatusCode, body
	}
	if code, body := post("/budget/costs", url.Values{"kind": {"rent"}, "description": {"Huur kamer"}, "amount": {"650,00"}, "period": {"month"}}); code != 200 ||
		!strings.Contains(body, "door u ingevuld") || !strings.Contains(body, "€\u00a0650,00") {
		t.Fatalf("add rent: %d", code)
	}
	post("/budget/costs", url.Values{"kind": {"health_insurance"}, "amount": {"150"}, "period": {"month"}})
	if code, body := post("/budget/household", url.Values{"situation": {"single"}, "children": {""}}); code != 200 || !strings.Contains(body, "Door u ingevuld") {
		t.Fatalf("household: %d", code)
	}
	ov = w.page(t, "/")
	// UWV € 1.450,00 − rent € 650,00 − premium € 150,00 = € 650,00.
	if !strings.Contains(ov, "id=\"leefgeld\">€\u00a0650,00") || !strings.Contains(ov, "Beslagvrije voet (indicatief)") || !strings.Contains(ov, "indicatief") {
		t.Errorf("overview after adding costs lacks the leefgeld or the BVV")
	}
	// € 1.450,00 > norm € 1.369,06: between 0,95 × 1.369,06 = € 1.300,61 and 0,95 × 1.450,00 = € 1.377,50.
	if !strings.Contains(ov, "Tussen €\u00a01.300,61 en €\u00a01.377,50 per maand") {
		t.Errorf("BVV range missing from the overview")
	}
}

func TestBudgetFormsRefuseBadInput(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	csrf := csrfField.FindStringSubmatch(w.page(t, "/budget"))[1]
	tests := []struct {
		name, path string
		values     url.Values
		status     int
		says       string
	}{
		{"amount with letters", "/budget/costs", url.Values{"kind": {"rent"}, "amount": {"zeshonderd"}, "period": {"month"}}, 400, "Vul een bedrag in euro in"},
		{"negative amount", "/budget/costs", url.Values{"kind": {"rent"}, "amount": {"-650"}, "period": {"month"}}, 400, "Vul een bedrag in euro in"},
		{"three decimals", "/budget/costs", url.Values{"kind": {"rent"}, "amount": {"650,001"}, "period": {"month"}}, 400, "Vul een bedrag in euro in"},
		{"unknown kind", "/budget/costs", url.Values{"kind": {"holiday"}, "amount": {"650"}, "period": {"month"}}, 400, "Kies een soort"},
		{"unknown period", "/budget/costs", url.Values{"kind": {"rent"}, "amount": {"650"}, "period": {"daily"}}, 400, "hoe vaak"},
		{"markup in the description", "/budget/costs", url.Values{"kind": {"rent"}, "description": {"<script>"}, "amount": {"650"}, "period": {"month"}}, 400, "omschrijving"},
		{"unknown situation", "/budget/household", url.Values{"situation": {"widow"}}, 400, "Kies hoe u woont"},
		{"birth year as words", "/budget/household", url.Values{"situation": {"single_parent"}, "children": {"twee"}}, 400, "geboortejaren"},
		{"single parent without a minor", "/budget/household", url.Values{"situation": {"single_parent"}, "children": {"1990"}}, 400, fmt.Sprintf("van na %d", w.vault.Now().Year()-18)},
		{"delete an unknown cost", "/budget/costs/77/delete", url.Values{}, 404, "bestaat niet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.values.Set("csrf", csrf)
			resp, body := form(t, w.resident, w.base+tt.path, tt.values)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.says) {
				t.Errorf("%d, want %d saying %q", resp.StatusCode, tt.status, tt.says)
			}
			if strings.Contains(body, "<script>") {
				t.Error("the page repeats the markup")
			}
			if strings.Contains(body, "%!") {
				t.Error("a word's format verb went wrong")
			}
		})
	}
	d, err := w.vault.Declared(t.Context())
	if err != nil || d.Household != nil || len(d.Costs) != 0 {
		t.Errorf("bad input stored something: %+v", d)
	}
	// Without the session's CSRF token nothing is stored either.
	resp, _ := form(t, w.resident, w.base+"/budget/costs", url.Values{"kind": {"rent"}, "amount": {"650"}, "period": {"month"}})
	if resp.StatusCode != 403 {
		t.Errorf("cost form without CSRF: %d", resp.StatusCode)
	}
}

// TestFirstUseOnlyWhenNothingIsKnown: the first-use steps show on an empty
// vault only; a vault that holds just a self-declared cost, or just the
// household, shows the overview with what is known.
func TestFirstUseOnlyWhenNothingIsKnown(t *testing.T) {
	for _, tc := range []struct {
		name     string
		path     string
		form     url.Values
		firstUse bool
	}{
		{"nothing known", "", nil, true},
		{"only an own cost", "/budget/costs", url.Values{"kind": {"rent"}, "amount": {"650,00"}, "period": {"month"}}, false},
		{"only the household", "/budget/household", url.Values{"situation": {"single"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newEmptyWorld(t)
			w.unlock()
			if tc.path != "" {
				tc.form.Set("csrf", csrfField.FindStringSubmatch(w.page(t, "/budget"))[1])
				if resp, _ := form(t, w.resident, w.base+tc.path, tc.form); resp.StatusCode != 200 {
					t.Fatalf("%s: %d", tc.path, resp.StatusCode)
				}
			}
			page := w.page(t, "/")
			if got := strings.Contains(page, `id="first-use"`); got != tc.firstUse {
				t.Errorf("first-use steps shown: %v, want %v", got, tc.firstUse)
			}
			if !tc.firstUse && !strings.Contains(page, `id="total-debt"`) {
				t.Error("the overview of what is known is missing")
			}
		})
	}
}
