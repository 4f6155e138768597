package host

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/consent"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// redeemAs redeems url with a fresh proof signed by key and returns the
// status and the refusal code.
func redeemAs(t *testing.T, key jose.JSONWebKey, url string) (int, string) {
	t.Helper()
	proof, err := consent.SignProof(key, "schuldhulp-a", consent.PurposeIntake, "GET", url, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Regie-Proof", proof)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Error.Code
}

// TestHelperTheHostDroppedGetsNothingWhileAway: a resident grants a helper
// ten uses and leaves; the host restarts on a trust list that no longer
// names the helper (or names it with another key only). The helper's old
// key then gets no dossier from the locked vault (it used to get one until
// the resident's next login, from the sealed record's own copy of the key),
// and the refusal is in the resident's log at the next login, naming the
// helper. A helper that added a new key while the old one stays listed is
// still served.
func TestHelperTheHostDroppedGetsNothingWhileAway(t *testing.T) {
	for _, tc := range []struct {
		name   string
		helper func(w *hostWorld) []trust.Organisation // the helper's entries on the new list
		code   int
		reason string
	}{
		{"helper_dropped", func(w *hostWorld) []trust.Organisation { return nil }, 403, "not_a_helper"},
		{"helper_now_a_creditor", func(w *hostWorld) []trust.Organisation {
			o := w.helpA.org
			o.Kind, o.MaySign = trust.KindCreditor, []wallet.StatementType{wallet.TypeDebt}
			return []trust.Organisation{o}
		}, 403, "not_a_helper"},
		{"key_withdrawn", func(w *hostWorld) []trust.Organisation {
			return []trust.Organisation{newOrg(t, "schuldhulp-a", trust.KindHelper).org}
		}, 403, "helper_key_withdrawn"},
		{"key_added", func(w *hostWorld) []trust.Organisation {
			o := newOrg(t, "schuldhulp-a", trust.KindHelper).org
			for i := range o.Keys {
				o.Keys[i].KeyID += "-new"
			}
			o.Keys = append(o.Keys, w.helpA.org.SigningKeys()...)
			return []trust.Organisation{o}
		}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newHostWorld(t)
			r := w.resident()
			w.signup(r, "fatima", bsnA, nameA, passA)
			var g GrantAnswer
			if code := r.call("POST", "/api/v1/consents", map[string]any{"to": "schuldhulp-a", "purpose": "debt-help-intake", "scope": []string{"debts"}, "days": 14, "max_uses": 10}, &g); code != 201 {
				t.Fatalf("grant: %d", code)
			}
			if code := r.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
				t.Fatalf("lock: %d", code)
			}
			url := strings.SplitN(g.URL, "#", 2)[0]
			if code, _ := redeemAs(t, w.helpA.key, url); code != 200 {
				t.Fatalf("redemption before the restart: %d", code)
			}

			w.stop()
			var err error
			if w.tl, err = trust.NewList(append([]trust.Organisation{w.cjib.org}, tc.helper(w)...)); err != nil {
				t.Fatal(err)
			}
			w.start()

			for i := range 2 {
				if code, reason := redeemAs(t, w.helpA.key, url); code != tc.code || reason != tc.reason {
					t.Fatalf("redemption %d with the old key after the restart: %d %q, want %d %q", i+1, code, reason, tc.code, tc.reason)
				}
			}
			r = w.resident()
			if code := r.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, nil); code != 200 {
				t.Fatalf("login: %d", code)
			}
			var audit testkit.Audit
			r.call("GET", "/api/v1/audit", nil, &audit)
			if !audit.Intact {
				t.Fatal("the log is broken")
			}
			refused := 0
			for _, e := range audit.Events {
				if e.Kind == wallet.EventPresentationNotOK && e.Actor == "schuldhulp-a" && e.Reason == tc.reason {
					refused += max(e.Count, 1)
				}
			}
			want, accesses := 0, 3
			if tc.code != 200 {
				want, accesses = 2, 1
			}
			if refused != want || audit.Accesses(g.ID) != accesses {
				t.Fatalf("log: %d refusals naming the helper, %d accesses; want %d and %d", refused, audit.Accesses(g.ID), want, accesses)
			}
		})
	}
}
