package trust

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"regie/wallet"
)

// TestTrustListCategories: an organisation listed for some debt categories
// cannot sign a debt of another (a debt collector reporting an urgent tax
// debt); a malformed categories list is refused when the entry is read.
func TestTrustListCategories(t *testing.T) {
	collector := newTestOrg(t, "incasso-x", KindCreditor, "")
	collector.Org.Categories = []wallet.Category{wallet.CategoryConsumerCredit, wallet.CategoryTelecom}
	tl, err := NewList([]Organisation{collector.Org})
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Trust: tl, Subject: ownerBSN, Now: func() time.Time { return testNow }}
	tax := debtPayload("incasso-x", "x1", "X-1", 120000)
	tax["debt"].(map[string]any)["category"] = "tax"
	tax["debt"].(map[string]any)["creditor"] = "Belastingdienst"
	if _, err := v.Verify(collector.sign(t, tax)); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("tax debt from a consumer-credit collector: %v, want ErrNotAllowed", err)
	}
	credit := debtPayload("incasso-x", "x2", "X-2", 120000)
	credit["debt"].(map[string]any)["category"] = "consumer_credit"
	if _, err := v.Verify(collector.sign(t, credit)); err != nil {
		t.Errorf("consumer credit from its collector: %v", err)
	}

	base, _ := json.Marshal(newTestOrg(t, "cjib", KindCreditor, "").Org)
	mutate := func(cats any, kind string, maySign []any) []byte {
		var m map[string]any
		json.Unmarshal(base, &m)
		m["categories"] = cats
		if kind != "" {
			m["kind"], m["may_sign"] = kind, maySign
		}
		b, _ := json.Marshal(m)
		return b
	}
	bad := map[string][]byte{
		"unknown category":        mutate([]any{"gambling"}, "", nil),
		"repeated category":       mutate([]any{"fine", "fine"}, "", nil),
		"empty list":              mutate([]any{}, "", nil),
		"on an income payer only": mutate([]any{"fine"}, "income_payer", []any{"income"}),
		"not a list":              mutate("fine", "", nil),
	}
	for name, raw := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseOrganisation(raw); !errors.Is(err, ErrList) {
				t.Errorf("err = %v, want ErrList", err)
			}
		})
	}
	if _, err := ParseOrganisation(mutate([]any{"fine", "tax"}, "", nil)); err != nil {
		t.Errorf("a good categories list: %v", err)
	}
}

// TestSignerNamesTheSigningOrganisation: every figure carries its signer's
// trust-list name, and a creditor text that is not the signer is marked.
func TestSignerNamesTheSigningOrganisation(t *testing.T) {
	o := newTestOrg(t, "cjib", KindCreditor, "")
	o.Org.Name = "Centraal Justitieel Incassobureau (CJIB)"
	tl, _ := NewList([]Organisation{o.Org})
	tests := []struct {
		issuer, named string
		name          string
		other         bool
	}{
		{"cjib", "CJIB", "Centraal Justitieel Incassobureau (CJIB)", false},
		{"cjib", "Centraal Justitieel Incassobureau", "Centraal Justitieel Incassobureau (CJIB)", false},
		{"cjib", "Belastingdienst", "Centraal Justitieel Incassobureau (CJIB)", true},
		{"cjib", "", "Centraal Justitieel Incassobureau (CJIB)", true},
		{"gone", "gone", "gone", false},
		{"gone", "Belastingdienst", "gone", true},
	}
	for _, tt := range tests {
		s := tl.Signer(tt.issuer, tt.named)
		if s.Name != tt.name || s.Other != tt.other || s.ID != tt.issuer {
			t.Errorf("Signer(%q, %q) = %+v", tt.issuer, tt.named, s)
		}
	}
}
