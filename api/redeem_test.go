package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"regie/consent"
	"regie/helper"
)

// TestShortCodeGuessesCloseOnlyTheGuesser: a stranger trying random short
// codes from one address is stopped, but the door stays open for the helper
// the resident reads the real code to.
func TestShortCodeGuessesCloseOnlyTheGuesser(t *testing.T) {
	w := newWorld(t, Limits{DossierPerMinute: -1})
	w.unlock()
	g := w.grant("schuldhulp-a")
	var sc struct{ Code string }
	if code := w.call("POST", "/api/v1/consents/"+g.ID+"/code", map[string]string{}, &sc); code != 200 {
		t.Fatalf("short code: %d", code)
	}
	ctx := context.Background()
	stranger := &helper.Client{ID: w.helperB.org.ID, Key: w.helperB.key(), Dec: w.helperB.dec(), HTTP: clientFrom("127.0.0.3")}
	var last error
	for i := 0; i < 12; i++ {
		_, last = stranger.RedeemCode(ctx, w.base, fmt.Sprintf("ZZZZ-%04d", 2222+i), consent.PurposeIntake)
	}
	t.Run("guesser-is-stopped", func(t *testing.T) {
		if !isCode(last, "code_blocked") {
			t.Errorf("twelfth guess: %v, want code_blocked", last)
		}
	})
	t.Run("helper-elsewhere-still-redeems", func(t *testing.T) {
		d, err := w.helper(w.helperA).RedeemCode(ctx, w.base, sc.Code, consent.PurposeIntake)
		if err != nil {
			t.Fatalf("the real helper after a stranger's guesses: %v", err)
		}
		link, _ := helper.ParseConsentURL(g.URL)
		if _, err := w.importer(w.helperA).Verify(d, link.WalletID); err != nil {
			t.Fatal(err)
		}
	})
}

// redeemWithQuery fetches the dossier behind link with a valid proof and a
// query string the proof does not cover.
func (w *world) redeemWithQuery(p party, link helper.ConsentLink, query string) (int, string) {
	w.t.Helper()
	proof, err := consent.SignProof(p.key(), p.org.ID, consent.PurposeIntake, http.MethodGet, link.URL, time.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, link.URL+"?"+query, nil)
	req.Header.Set("Regie-Proof", proof)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(body)
}

// TestScopeParameterNarrowsNeverWidens: ?scope= on redemption either gives
// less than the consent or is refused.
func TestScopeParameterNarrowsNeverWidens(t *testing.T) {
	w := newWorld(t, Limits{DossierPerMinute: -1})
	w.unlock()
	both, _ := helper.ParseConsentURL(w.grant("schuldhulp-a").URL)
	debtsOnly, _ := helper.ParseConsentURL(w.grant("schuldhulp-a", "debts").URL)

	t.Run("narrower-is-honoured", func(t *testing.T) {
		status, body := w.redeemWithQuery(w.helperA, both, "scope=debts")
		if status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
		vd, err := w.importer(w.helperA).Verify(body, both.WalletID)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range vd.Verified {
			if st.Income != nil {
				t.Error("income in a dossier asked for with scope=debts")
			}
		}
		if len(vd.Verified) != 1 || vd.Overview.MonthlyIncomeCents != 0 {
			t.Errorf("%d statements, income %d; want the one debt only", len(vd.Verified), vd.Overview.MonthlyIncomeCents)
		}
	})
	for _, tc := range []struct {
		name  string
		link  helper.ConsentLink
		query string
		want  int
	}{
		{"wider-is-refused", debtsOnly, "scope=debts,income", 403},
		{"other-part-is-refused", debtsOnly, "scope=income", 403},
		{"unknown-scope-is-refused", both, "scope=everything", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, body := w.redeemWithQuery(w.helperA, tc.link, tc.query); status != tc.want {
				t.Errorf("status %d, want %d: %.200s", status, tc.want, body)
			}
		})
	}
}
