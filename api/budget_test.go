package api

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"

	"regie/wallet"
)

func TestBudgetAPI(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	var cost wallet.OwnCost
	if code := w.call("POST", "/api/v1/expenses", OwnCostRequest{Kind: "rent", Description: "Huur kamer", AmountCents: 65000, Period: "month"}, &cost); code != 201 || cost.ID == "" {
		t.Fatalf("add cost: %d %+v", code, cost)
	}
	var hv householdView
	if code := w.call("PUT", "/api/v1/household", wallet.Household{Situation: "single_parent", ChildrenBirthYears: []int{2016}}, &hv); code != 200 ||
		hv.Household == nil || !hv.SelfDeclared {
		t.Fatalf("household: %d %+v", code, hv)
	}
	var cv clientView
	if code := w.call("PUT", "/api/v1/client", wallet.ClientDetails{BirthDate: "1990-02-03", Address: wallet.Address{Postcode: "3011 AB", City: "Rotterdam"}}, &cv); code != 200 ||
		cv.Client == nil || cv.Client.Address.City != "Rotterdam" || !cv.SelfDeclared {
		t.Fatalf("client: %d %+v", code, cv)
	}
	var ev expensesView
	if code := w.call("GET", "/api/v1/expenses", nil, &ev); code != 200 || len(ev.SelfDeclared) != 1 || len(ev.Signed) != 0 {
		t.Fatalf("expenses: %d %+v", code, ev)
	}
	var o wallet.Overview
	w.call("GET", "/api/v1/overview", nil, &o)
	b := o.Budget
	// Still no health insurance: no leefgeld yet, and the BVV from the
	// household: UWV € 1.450,00 > norm € 1.369,06 (1-7-2025).
	if b.LeefgeldCents != nil || len(b.Missing) != 1 || b.Missing[0] != wallet.MissingHealthInsurance ||
		b.DeclaredCostsCents != 65000 || b.BVV.Status != wallet.BVVIndicative || b.BVV.Situation != "single_parent" {
		t.Fatalf("budget = %+v", b)
	}
	w.call("POST", "/api/v1/expenses", OwnCostRequest{Kind: "health_insurance", AmountCents: 15000, Period: "month"}, nil)
	w.call("GET", "/api/v1/overview", nil, &o)
	if o.Budget.LeefgeldCents == nil || *o.Budget.LeefgeldCents != 145000-65000-15000 {
		t.Fatalf("leefgeld = %v", o.Budget.LeefgeldCents)
	}
	if code := w.call("DELETE", "/api/v1/expenses/"+cost.ID, nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	w.call("GET", "/api/v1/overview", nil, &o)
	if o.Budget.LeefgeldCents != nil {
		t.Error("leefgeld shown after the rent was deleted")
	}
}

func TestBudgetAPIRefusesBadInput(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"fractional amount", "POST", "/api/v1/expenses", `{"kind":"rent","amount_cents":650.5,"period":"month"}`, 400, "malformed"},
		{"amount as text", "POST", "/api/v1/expenses", `{"kind":"rent","amount_cents":"650","period":"month"}`, 400, "malformed"},
		{"negative amount", "POST", "/api/v1/expenses", `{"kind":"rent","amount_cents":-1,"period":"month"}`, 400, "invalid_input"},
		{"unknown kind", "POST", "/api/v1/expenses", `{"kind":"holiday","amount_cents":1,"period":"month"}`, 400, "invalid_input"},
		{"unknown period", "POST", "/api/v1/expenses", `{"kind":"rent","amount_cents":1,"period":"daily"}`, 400, "invalid_input"},
		{"unknown field", "POST", "/api/v1/expenses", `{"kind":"rent","amount_cents":1,"period":"month","signed":true}`, 400, "malformed"},
		{"delete unknown cost", "DELETE", "/api/v1/expenses/99", ``, 404, "not_found"},
		{"unknown situation", "PUT", "/api/v1/household", `{"situation":"widow"}`, 400, "invalid_input"},
		{"single parent without a child", "PUT", "/api/v1/household", `{"situation":"single_parent","children_birth_years":[]}`, 400, "invalid_input"},
		{"birth year as text", "PUT", "/api/v1/household", `{"situation":"single","children_birth_years":["2010"]}`, 400, "malformed"},
		{"household not JSON", "PUT", "/api/v1/household", `situation=single`, 415, "json_required"},
		{"client with a bad postcode", "PUT", "/api/v1/client", `{"address":{"postcode":"=1+1"}}`, 400, "invalid_input"},
		{"client with a bad birth date", "PUT", "/api/v1/client", `{"birth_date":"03-02-1990","address":{}}`, 400, "invalid_input"},
		{"client with an unknown field", "PUT", "/api/v1/client", `{"bsn":"123456782","address":{}}`, 400, "malformed"},
	}
	before := fileOf(t, w)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, w.base+tt.path, strings.NewReader(tt.body))
			if tt.code != "json_required" {
				req.Header.Set("Content-Type", "application/json")
			} else {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := w.resident.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(buf.String(), `"`+tt.code+`"`) {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, buf.String(), tt.status, tt.code)
			}
		})
	}
	d, err := w.vault.Declared(t.Context())
	if err != nil || d.Household != nil || len(d.Costs) != 0 || d.Client != nil {
		t.Errorf("bad input stored something: %+v %v", d, err)
	}
	if !bytes.Equal(before, fileOf(t, w)) {
		t.Error("the vault file changed")
	}
}

func fileOf(t *testing.T, w *world) []byte {
	t.Helper()
	raw, err := os.ReadFile(w.vault.Path())
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
