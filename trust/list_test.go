package trust

import (
	"context"
	"encoding/base64"
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
		"phone with letters":       mutate(func(m map[string]any) { m["phone"] = "call 0800-CJIB" }),
		"phone too short":          mutate(func(m map[string]any) { m["phone"] = "112" }),
		"phone too long":           mutate(func(m map[string]any) { m["phone"] = "+31 58 123 456 789 012 345 678" }),
		"website not https":        mutate(func(m map[string]any) { m["website"] = "http://www.cjib.nl" }),
		"website a script":         mutate(func(m map[string]any) { m["website"] = "javascript:alert(1)" }),
		"website with password":    mutate(func(m map[string]any) { m["website"] = "https://user:secret@www.cjib.nl" }),
		"website without host":     mutate(func(m map[string]any) { m["website"] = "https:///contact" }),
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
	// Contact details the resident can use are kept as given.
	o, err := ParseOrganisation(mutate(func(m map[string]any) {
		m["phone"], m["website"] = "+31 (0)58 - 233 88 88", "https://www.cjib.nl/contact"
	}))
	if err != nil || o.Phone != "+31 (0)58 - 233 88 88" || o.Website != "https://www.cjib.nl/contact" {
		t.Errorf("contact details: %+v, %v", o, err)
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

// TestHeaderRefusesDuplicateNames: a JOSE header naming alg (or typ) twice
// could be read one way by go-jose and another by us.
func TestHeaderRefusesDuplicateNames(t *testing.T) {
	enc := func(h string) string { return base64.RawURLEncoding.EncodeToString([]byte(h)) + ".e30.c2ln" }
	if _, err := ParseHeader(enc(`{"alg":"EdDSA","typ":"regie-proof+jwt","kid":"k"}`), "regie-proof+jwt", false); err != nil {
		t.Fatalf("good header: %v", err)
	}
	for name, h := range map[string]string{
		"alg-twice": `{"alg":"none","alg":"EdDSA","typ":"regie-proof+jwt","kid":"k"}`,
		"typ-twice": `{"alg":"EdDSA","typ":"regie-consent+jwt","typ":"regie-proof+jwt","kid":"k"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseHeader(enc(h), "regie-proof+jwt", false); err == nil {
				t.Error("accepted")
			}
		})
	}
}
