package helper_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"regie/consent"
	"regie/helper"
	"regie/internal/testkit"
	"regie/wallet"
	"regie/web"
)

// snapshot is a verified dossier as Compare sees it, compiled from
// statement payloads by the real parser and overview compiler: the table
// below varies what the organisations said between two fetches.
func snapshot(t *testing.T, walletID, grant, scope string, at time.Time, payloads ...map[string]any) *consent.VerifiedDossier {
	t.Helper()
	sc, err := consent.ParseScope(scope)
	if err != nil {
		t.Fatal(err)
	}
	var series []wallet.Series
	index := map[[2]string]int{}
	var verified []wallet.Statement
	for _, p := range payloads {
		raw, _ := json.Marshal(p)
		c, err := wallet.ParseClaims(raw)
		if err != nil {
			t.Fatalf("payload %v: %v", p["jti"], err)
		}
		st := wallet.Statement{Claims: c}
		verified = append(verified, st)
		k := [2]string{c.Issuer, st.Reference()}
		if n, ok := index[k]; ok {
			series[n].Versions = append(series[n].Versions, st)
			continue
		}
		index[k] = len(series)
		series = append(series, wallet.Series{Versions: []wallet.Statement{st}})
	}
	for _, s := range series {
		wallet.SortVersions(s.Versions)
	}
	return &consent.VerifiedDossier{Dossier: consent.Dossier{Grant: grant, ReleasedAt: at, Overview: wallet.Compile(series, at)},
		WalletID: walletID, Scope: sc, Verified: verified}
}

// debt is a debt payload with the given status and extra fields.
func debt(iss, jti, ref, creditor string, cat wallet.Category, outstanding int64, status string, at time.Time, extra map[string]any) map[string]any {
	p := testkit.Debt(iss, jti, ref, creditor, cat, outstanding, outstanding, at)
	extra2 := map[string]any{"status": status}
	for k, v := range extra {
		extra2[k] = v
	}
	return testkit.SecondEdition(p, extra2)
}

func TestCompareTellsWhatChanged(t *testing.T) {
	t0 := testkit.Now().Add(-30 * 24 * time.Hour)
	t1 := testkit.Now()
	cjib := func(jti string, cents int64, at time.Time) map[string]any {
		return debt("cjib", jti, "CJIB-1", "CJIB", wallet.CategoryFine, cents, "collection", at, nil)
	}
	belnet := func(jti, status string, at time.Time) map[string]any {
		return debt("belnet", jti, "BN-1", "BelNet", wallet.CategoryTelecom, 18500, status, at, nil)
	}
	energy := debt("energie", "e1", "E-1", "Energie Samen", wallet.CategoryEnergy, 42000, "collection", t0, nil)
	// The bailiff took the energy claim over: its report names the
	// creditor's claim, and the creditor's own report is linked to it.
	bailiff := debt("vandijk", "vd1", "VD-9", "Deurwaarder Van Dijk", wallet.CategoryEnergy, 51000, "bailiff", t1,
		map[string]any{"original_creditor": "Energie Samen", "original_reference": "E-1"})
	rent := func(jti string, crisis map[string]any, at time.Time) map[string]any {
		var extra map[string]any
		if crisis != nil {
			extra = map[string]any{"crisis": crisis}
		}
		return debt("woonstad", jti, "HUUR-1", "Woonstad", wallet.CategoryRent, 185000, "collection", at, extra)
	}
	uwv := func(jti string, net int64, at time.Time, ends string) map[string]any {
		p := testkit.Income("uwv", jti, "UWV", net, at)
		p["income"].(map[string]any)["reference"] = "WW"
		if ends != "" {
			p["income"].(map[string]any)["ends"] = ends
		}
		return p
	}
	salary := testkit.Income("hoek", "h1", "Supermarkt De Hoek", 62000, t1)

	type counts struct {
		newC, changed, settled, gone, newI, changedI, endedI, goneI, notCompared, newS int
	}
	// want is the counts and, where given, the lines in Dutch as the desk
	// shows them.
	type want struct {
		counts
		lines []string
	}
	cases := []struct {
		name             string
		prev, cur        []map[string]any
		prevScope, scope string
		otherConsent     bool
		want             want
	}{
		{name: "nothing changed", prev: []map[string]any{cjib("c1", 52500, t0)}, cur: []map[string]any{cjib("c1", 52500, t0)},
			want: want{counts: counts{}}},
		{name: "a new claim", prev: []map[string]any{cjib("c1", 52500, t0)},
			cur:  []map[string]any{cjib("c1", 52500, t0), belnet("b1", "open", t1)},
			want: want{counts{newC: 1}, []string{"Nieuwe schuld|BelNet|BN-1|—|" + web.Money(18500) + " · Open"}}},
		{name: "a new, higher statement", prev: []map[string]any{cjib("c1", 52500, t0)},
			cur:  []map[string]any{cjib("c1", 52500, t0), cjib("c2", 61000, t1)},
			want: want{counts{changed: 1}, []string{"Veranderd|CJIB|CJIB-1|" + web.Money(52500) + " · achterstand " + web.Money(52500) + "|" + web.Money(61000) + " · achterstand " + web.Money(61000)}}},
		{name: "marked paid", prev: []map[string]any{belnet("b1", "collection", t0)},
			cur:  []map[string]any{belnet("b1", "collection", t0), belnet("b2", "paid", t1)},
			want: want{counts{settled: 1}, []string{"Afgehandeld|BelNet|BN-1|" + web.Money(18500) + " · Incasso|" + web.Money(18500) + " · Betaald"}}},
		{name: "waived", prev: []map[string]any{belnet("b1", "collection", t0)},
			cur:  []map[string]any{belnet("b2", "waived", t1)},
			want: want{counts: counts{settled: 1}}},
		{name: "no longer in the dossier, not reported as paid", prev: []map[string]any{cjib("c1", 52500, t0), belnet("b1", "collection", t0)},
			cur:  []map[string]any{cjib("c1", 52500, t0)},
			want: want{counts{gone: 1}, []string{"Niet meer in het dossier, niet als betaald gemeld|BelNet|BN-1|" + web.Money(18500) + " · Incasso|—"}}},
		{name: "a settled claim that left says nothing", prev: []map[string]any{belnet("b1", "paid", t0)}, cur: nil, want: want{counts: counts{}}},
		{name: "taken over by a bailiff is one claim", prev: []map[string]any{energy}, cur: []map[string]any{energy, bailiff},
			want: want{counts{changed: 1}, []string{"Veranderd|Deurwaarder Van Dijk|VD-9|" + web.Money(42000) + " · achterstand " + web.Money(42000) +
				" · Incasso · Energie Samen, kenmerk E-1|" + web.Money(51000) + " · achterstand " + web.Money(51000) + " · Deurwaarder · Deurwaarder Van Dijk, kenmerk VD-9"}}},
		{name: "an eviction announced", prev: []map[string]any{rent("w1", nil, t0)},
			cur: []map[string]any{rent("w2", map[string]any{"state": "eviction_announced", "date": "2026-12-19"}, t1)},
			want: want{counts{changed: 1, newS: 1}, []string{"Veranderd|Woonstad|HUUR-1|geen crisis|Huisuitzetting aangekondigd 19-12-2026",
				"Nieuw signaal|woonstad|Huur|—|achterstand sinds 25-11-2026 · Huisuitzetting aangekondigd 19-12-2026"}}},
		{name: "a new income and one that ended", prev: []map[string]any{uwv("u1", 145000, t0, "")},
			cur: []map[string]any{uwv("u2", 145000, t1, "2026-11-20"), salary},
			want: want{counts{newI: 1, endedI: 1}, []string{"Nieuw inkomen|Supermarkt De Hoek|INK-h1|—|" + web.Money(62000) + " per maand",
				"Inkomen gestopt|UWV|WW|" + web.Money(145000) + " per maand|" + web.Money(145000) + " per maand · gestopt"}}},
		{name: "an income changed", prev: []map[string]any{uwv("u1", 145000, t0, "")}, cur: []map[string]any{uwv("u2", 150000, t1, "")},
			want: want{counts: counts{changedI: 1}}},
		{name: "an income left the dossier", prev: []map[string]any{uwv("u1", 145000, t0, "")}, cur: nil, want: want{counts: counts{goneI: 1}}},
		// Under a consent for debts only, the income is not "gone", and
		// under a wider one the claim of a source the first did not cover
		// is not "new".
		{name: "other consents compare what both cover", otherConsent: true, prevScope: "source:cjib,income",
			prev:  []map[string]any{cjib("c1", 52500, t0), uwv("u1", 145000, t0, "")},
			cur:   []map[string]any{cjib("c2", 61000, t1), belnet("b1", "open", t1)},
			scope: "debts", want: want{counts: counts{changed: 1, notCompared: 2}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prevScope, scope := tc.prevScope, tc.scope
			if prevScope == "" {
				prevScope = "debts,income"
			}
			if scope == "" {
				scope = "debts,income"
			}
			grant := "grant-1"
			if tc.otherConsent {
				grant = "grant-2"
			}
			c, err := helper.Compare(snapshot(t, "wallet-1", "grant-1", prevScope, t0, tc.prev...),
				snapshot(t, "wallet-1", grant, scope, t1, tc.cur...))
			if err != nil {
				t.Fatal(err)
			}
			got := counts{len(c.NewClaims), len(c.ChangedClaims), len(c.SettledClaims), len(c.GoneClaims), len(c.NewIncomes),
				len(c.ChangedIncomes), len(c.EndedIncomes), len(c.GoneIncomes), c.NotCompared, len(c.NewSignals)}
			if got != tc.want.counts {
				t.Errorf("changes = %+v\nwant %+v", got, tc.want.counts)
			}
			if c.SameConsent == tc.otherConsent {
				t.Errorf("same consent = %v", c.SameConsent)
			}
			if c.Any() != (got != counts{notCompared: got.notCompared}) {
				t.Errorf("Any() = %v for %+v", c.Any(), got)
			}
			if tc.want.lines != nil {
				var lines []string
				for _, l := range c.Lines("nl") {
					lines = append(lines, strings.Join([]string{l.What, l.Who, l.Reference, l.Before, l.Now}, "|"))
				}
				if strings.Join(lines, "\n") != strings.Join(tc.want.lines, "\n") {
					t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tc.want.lines, "\n"))
				}
			}
		})
	}
}

// TestCompareChangesInJSONAreCents: the JSON form carries amounts as
// integer cents before and now, and names what changed.
func TestCompareChangesInJSONAreCents(t *testing.T) {
	t0, t1 := testkit.Now().Add(-time.Hour), testkit.Now()
	prev := snapshot(t, "w", "g", "debts", t0, debt("cjib", "c1", "CJIB-1", "CJIB", wallet.CategoryFine, 52500, "collection", t0, nil))
	cur := snapshot(t, "w", "g", "debts", t1, debt("cjib", "c2", "CJIB-1", "CJIB", wallet.CategoryFine, 61000, "collection", t1, nil))
	c, err := helper.Compare(prev, cur)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(c)
	var back struct {
		Format  string `json:"format"`
		Changed []struct {
			Before struct {
				Outstanding int64 `json:"outstanding_cents"`
			} `json:"before"`
			Now struct {
				Outstanding int64 `json:"outstanding_cents"`
			} `json:"now"`
			Changed []string `json:"changed"`
		} `json:"changed_claims"`
	}
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Format != helper.ChangesFormat || len(back.Changed) != 1 || back.Changed[0].Before.Outstanding != 52500 ||
		back.Changed[0].Now.Outstanding != 61000 || strings.Join(back.Changed[0].Changed, ",") != "outstanding,arrears" {
		t.Errorf("json = %s", raw)
	}
	text := c.Text("en")
	if !strings.Contains(text, "Changed: CJIB, CJIB-1: € 525,00 · arrears € 525,00 → € 610,00 · arrears € 610,00") {
		t.Errorf("text = %s", text)
	}
}

// TestCompareRefusesAnotherResident: a history never mixes two residents,
// whether the wallet key or the BSN in the statements differs, and the
// previous dossier must be the older one.
func TestCompareRefusesAnotherResident(t *testing.T) {
	t0, t1 := testkit.Now().Add(-time.Hour), testkit.Now()
	mine := debt("cjib", "c1", "CJIB-1", "CJIB", wallet.CategoryFine, 52500, "collection", t0, nil)
	theirs := debt("cjib", "c9", "CJIB-9", "CJIB", wallet.CategoryFine, 52500, "collection", t0, nil)
	theirs["sub"] = "111222333"
	cases := []struct {
		name      string
		prev, cur *consent.VerifiedDossier
		want      error
	}{
		{"another wallet key", snapshot(t, "wallet-1", "g", "debts", t0, mine), snapshot(t, "wallet-2", "g", "debts", t1, mine), helper.ErrOtherResident},
		{"another BSN", snapshot(t, "wallet-1", "g", "debts", t0, mine), snapshot(t, "wallet-1", "g", "debts", t1, theirs), helper.ErrOtherResident},
		{"previous is newer", snapshot(t, "wallet-1", "g", "debts", t1, mine), snapshot(t, "wallet-1", "g", "debts", t0, mine), helper.ErrPreviousIsNewer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := helper.Compare(tc.prev, tc.cur); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
