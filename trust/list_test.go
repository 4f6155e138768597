package trust

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseOrganisationRefusesBadEntries(t *testing.T) {
	good := newTestOrg(t, "cjib", KindCreditor, "http://127.0.0.1:9101")
	set, _, _ := NewOrganisation("x", "X", KindCreditor, "", 2026)
	privJSON, _ := json.Marshal(set.Keys[0])
	base, _ := json.Marshal(good.Org)
	if _, err := ParseOrganisation(base); err != nil {
		t.Fatalf("good entry refused: %v", err)
	}
	mutate := func(fn func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(base, &m)
		fn(m)
		b, _ := json.Marshal(m)
		return b
	}
	tests := map[string][]byte{
		"not JSON":                 []byte("{"),
		"unknown field":            mutate(func(m map[string]any) { m["colour"] = "red" }),
		"bad id":                   mutate(func(m map[string]any) { m["id"] = "CJIB BV" }),
		"unknown kind":             mutate(func(m map[string]any) { m["kind"] = "bank" }),
		"no keys":                  mutate(func(m map[string]any) { m["keys"] = []any{} }),
		"private key":              mutate(func(m map[string]any) { var k any; json.Unmarshal(privJSON, &k); m["keys"] = []any{k} }),
		"creditor signing nothing": mutate(func(m map[string]any) { m["may_sign"] = []any{} }),
		"unknown type":             mutate(func(m map[string]any) { m["may_sign"] = []any{"asset"} }),
		"helper signing":           mutate(func(m map[string]any) { m["kind"] = "helper" }),
		"endpoint not http":        mutate(func(m map[string]any) { m["endpoint"] = "file:///etc/passwd" }),
		"key without kid": mutate(func(m map[string]any) {
			k := m["keys"].([]any)[0].(map[string]any)
			delete(k, "kid")
		}),
		"trailing data": append(append([]byte{}, base...), []byte("{}")...),
	}
	for name, raw := range tests {
		if _, err := ParseOrganisation(raw); !errors.Is(err, ErrList) {
			t.Errorf("%s: err = %v, want ErrList", name, err)
		}
	}
}

func TestTrustListRefusesDuplicateKids(t *testing.T) {
	a := newTestOrg(t, "cjib", KindCreditor, "")
	b := newTestOrg(t, "uwv", KindIncomePayer, "")
	b.Org.Keys[0].KeyID = a.Org.Keys[0].KeyID
	if _, err := NewList([]Organisation{a.Org, b.Org}); !errors.Is(err, ErrList) {
		t.Errorf("duplicate kid: %v", err)
	}
	v := newTestVault(t, func() time.Time { return testNow }, a)
	if err := (Store{Vault: v}).Add(context.Background(), b.Org); !errors.Is(err, ErrList) {
		t.Errorf("adding a clashing kid: %v", err)
	}
	doc, _ := json.Marshal(map[string]any{"organisations": []Organisation{a.Org, a.Org}})
	if _, err := ParseList(doc); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("organisation twice: %v", err)
	}
}
