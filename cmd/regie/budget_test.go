package main

import (
	"encoding/json"
	"strings"
	"testing"

	"regie/wallet"
)

func TestBudgetCommands(t *testing.T) {
	c := newCLI(t, t.TempDir())
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne de Vries")
	out := c.must("overview", "--format", "table")
	if !strings.Contains(out, "Left to live on:     not known yet") || !strings.Contains(out, "your rent or mortgage and your health insurance") {
		t.Errorf("overview without costs:\n%s", out)
	}
	if out := c.must("expenses", "add", "--kind", "rent", "--amount", "650,00", "--description", "Huur kamer"); !strings.Contains(out, "entered by you (id 1)") {
		t.Errorf("add: %s", out)
	}
	c.must("expenses", "add", "--kind", "health_insurance", "--amount", "150", "--period", "month")
	c.must("household", "set", "--situation", "single_parent", "--children", "2016")
	if out := c.must("household", "show", "--format", "table"); !strings.Contains(out, "Entered by you: Alone, with child(ren) under 18; children born in 2016") {
		t.Errorf("household show: %s", out)
	}
	out = c.must("overview", "--format", "table")
	// No income: − € 800,00 to live on; no BVV without income.
	if !strings.Contains(out, "Left to live on:     −\u00a0€\u00a0800,00 per month") || !strings.Contains(out, "not estimated (No income is known.)") {
		t.Errorf("overview with costs:\n%s", out)
	}
	var costs []wallet.CostRow
	if err := json.Unmarshal([]byte(c.must("expenses", "list", "--format", "json")), &costs); err != nil || len(costs) != 2 ||
		costs[0].Source != wallet.CostSelfDeclared {
		t.Fatalf("list: %v %+v", err, costs)
	}
	c.must("expenses", "delete", "1")
	if code, _, errs := c.run("expenses", "delete", "1"); code != 1 || !strings.Contains(errs, "no cost you entered") {
		t.Errorf("second delete: %d %s", code, errs)
	}
}

func TestBudgetCommandsRefuseBadInput(t *testing.T) {
	c := newCLI(t, t.TempDir())
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne de Vries")
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"amount in words", []string{"expenses", "add", "--kind", "rent", "--amount", "zeshonderd"}, 1, "invalid amount"},
		{"negative amount", []string{"expenses", "add", "--kind", "rent", "--amount", "-5"}, 1, "invalid amount"},
		{"no amount", []string{"expenses", "add", "--kind", "rent"}, 1, "invalid amount"},
		{"unknown kind", []string{"expenses", "add", "--kind", "holiday", "--amount", "5"}, 1, "invalid kind"},
		{"unknown period", []string{"expenses", "add", "--kind", "rent", "--amount", "5", "--period", "daily"}, 1, "invalid period"},
		{"delete without id", []string{"expenses", "delete"}, 2, "name the id"},
		{"unknown situation", []string{"household", "set", "--situation", "widow"}, 1, "invalid situation"},
		{"birth year in words", []string{"household", "set", "--situation", "single_parent", "--children", "twee"}, 1, "invalid children"},
		{"parent without a minor", []string{"household", "set", "--situation", "single_parent", "--children", "1990"}, 1, "invalid children_birth_years"},
		{"unknown subcommand", []string{"expenses", "edit"}, 2, "unknown expenses command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := c.run(tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.says) {
				t.Errorf("exit %d %q, want %d saying %q", code, errs, tt.code, tt.says)
			}
		})
	}
	var costs []wallet.CostRow
	json.Unmarshal([]byte(c.must("expenses", "list", "--format", "json")), &costs)
	if len(costs) != 0 || !strings.Contains(c.must("household", "show", "--format", "table"), "not entered") {
		t.Error("bad input stored something")
	}
}
