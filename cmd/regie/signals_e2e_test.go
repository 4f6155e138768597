package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"regie/api"
	"regie/consent"
	"regie/helper"
	"regie/internal/httpx"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
	"regie/web"
)

// TestSignalsEndToEnd is issue 15's end-to-end test, on 127.0.0.1: the
// resident grants aftercare for 12 months with the scope signals; the
// energy company later signs a 35-day arrear, which the resident's next
// refresh pulls from its server; the counsellor's next fetch, while the
// resident is away, shows the new signal "energy, 35 days" and no amount
// or reference of the vault anywhere in the answer; the access log shows
// the release, the consent's page shows what it released, and revoking
// refuses the next fetch.
func TestSignalsEndToEnd(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	c := newCLI(t, data)
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne de Vries")
	energyBill := map[string]any{"reference": "EN-2026-4411", "creditor": "Energie Noord", "category": "energy",
		"original_cents": 9350, "outstanding_cents": 9350, "status": "open", "due_date": "2026-12-05"}
	energy := startOrg(t, c, "energie-noord", "creditor", payload("energie-noord", "e1", "debt", energyBill))
	cjib := startOrg(t, c, "cjib", "creditor", payload("cjib", "c1", "debt", map[string]any{"reference": "CJIB-8891-2231",
		"creditor": "CJIB", "category": "fine", "original_cents": 45000, "outstanding_cents": 52500, "arrears_cents": 52500,
		"status": "collection"}))
	uwv := startOrg(t, c, "uwv", "income_payer", payload("uwv", "u1", "income", map[string]any{"reference": "UWV-WW-2026-11",
		"payer": "UWV", "kind": "benefit", "net_cents": 145000, "period": "month"}))
	helperDir := filepath.Join(t.TempDir(), "helper")
	c.must("helper", "new", "--id", "schuldhulp-a", "--name", "Schuldhulp Gemeente X", "--out", helperDir)
	for _, d := range []string{energy.dir, cjib.dir, uwv.dir, helperDir} {
		c.must("trust", "add", filepath.Join(d, "trust.json"))
	}

	v, err := wallet.Open(filepath.Join(data, wallet.FileName), &wallet.Options{KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := api.New(api.Config{Vault: v, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(ctx) })
	jar, _ := cookiejar.New(nil)
	r := &resident{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	unlock := func() {
		if code := r.call("POST", "/api/v1/session", map[string]string{"passphrase": testPass}, nil); code != 200 {
			t.Fatalf("unlock: %d", code)
		}
	}
	unlock()
	for _, o := range []orgFixture{energy, cjib, uwv} {
		if code := r.call("POST", "/api/v1/sources", map[string]string{"org": o.id, "code": portalCode(t, o)}, nil); code != 201 {
			t.Fatalf("connect %s: %d", o.id, code)
		}
	}
	r.call("POST", "/api/v1/sources/refresh", nil, nil)

	var g struct {
		ID       string        `json:"id"`
		URL      string        `json:"url"`
		Scope    consent.Scope `json:"scope"`
		Until    time.Time     `json:"valid_until"`
		From     time.Time     `json:"valid_from"`
		Purpose  string        `json:"purpose"`
		Audience string        `json:"audience"`
	}
	if code := r.call("POST", "/api/v1/consents", api.GrantRequest{To: "schuldhulp-a", Purpose: "aftercare",
		Scope: []string{"signals"}, Months: 12}, &g); code != 201 || !g.Scope.Signals() {
		t.Fatalf("grant: %d %+v", code, g)
	}
	if want := (consent.Length{Months: 12}).From(g.From); !g.Until.Equal(want) {
		t.Errorf("12 months from %s end %s, want %s", g.From, g.Until, want)
	}

	// The counsellor's first fetch: no arrears yet, so no signal.
	keys, err := trust.ReadKeyFile(filepath.Join(helperDir, "key.jwk"))
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := trust.SigningKeyOf(keys)
	dec, _ := trust.DecryptionKeyOf(keys)
	helperTrust, _ := trust.NewList(nil)
	im := helper.NewImporter(&helper.Client{ID: "schuldhulp-a", Key: sig, Dec: dec}, helperTrust)
	link, err := helper.ParseConsentURL(g.URL)
	if err != nil {
		t.Fatal(err)
	}
	first, err := im.Client.Redeem(ctx, link, consent.PurposeAftercare)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Verify(first, link.WalletID); err == nil {
		t.Error("the helper took a signals release for a dossier")
	}
	prev, err := im.VerifySignals(first, link.WalletID)
	if err != nil || len(prev.Signals) != 0 {
		t.Fatalf("first fetch: %v %+v", err, prev)
	}

	// The counsellor's CLI keeps its import, to compare the next with.
	helperTrustFile := filepath.Join(t.TempDir(), "trust-list.json")
	energyEntry, _ := os.ReadFile(filepath.Join(energy.dir, "trust.json"))
	doc, _ := json.Marshal(map[string]any{"organisations": []json.RawMessage{energyEntry}})
	os.WriteFile(helperTrustFile, doc, 0o644)
	key := filepath.Join(helperDir, "key.jwk")
	firstFile := filepath.Join(t.TempDir(), "signals-1.json")
	c.must("helper", "import", g.URL, "--key", key, "--trust", helperTrustFile, "--purpose", "aftercare", "--out", firstFile)
	desk := startDesk(t, key, helperTrustFile)
	if page := desk.fetch(g.URL, "aftercare"); !strings.Contains(page, `id="signals-none"`) {
		t.Errorf("the desk's first fetch shows signals:\n%s", page)
	}

	// The energy company signs a 35-day arrear; the resident refreshes.
	arrear := map[string]any{"reference": "EN-2026-4411", "creditor": "Energie Noord", "category": "energy",
		"original_cents": 9350, "outstanding_cents": 28876, "arrears_cents": 17654, "days_in_arrears": 35,
		"status": "open", "due_date": "2026-10-16"}
	p := payload("energie-noord", "e2", "debt", arrear)
	p["as_of"] = "2026-11-20"
	raw, _ := json.Marshal(p)
	if err := os.WriteFile(filepath.Join(energy.dir, "statements", "b.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(energy.dir, "statements", "a.json")); err != nil {
		t.Fatal(err)
	}
	r.call("POST", "/api/v1/sources/refresh", nil, nil)

	// Every amount and reference the vault holds, from the resident's own
	// overview: none may reach the counsellor.
	var ov map[string]any
	r.call("GET", "/api/v1/overview", nil, &ov)
	secrets := vaultSecrets(ov)
	for _, want := range []string{"17654", "28876", "52500", "145000", "EN-2026-4411", "CJIB-8891-2231", "UWV-WW-2026-11"} {
		if !containsString(secrets, want) {
			t.Fatalf("the overview does not hold %s: the check would prove nothing (%v)", want, secrets)
		}
	}

	// The resident is away: the counsellor's next fetch is served from the
	// consent's sealed record.
	if code := r.call("DELETE", "/api/v1/session", nil, nil); code != 200 && code != 204 {
		t.Fatalf("lock: %d", code)
	}
	body, err := im.Client.Fetch(ctx, base, prev.Grant, prev.Purpose)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := im.VerifySignals(body, link.WalletID)
	if err != nil {
		t.Fatal(err)
	}
	news := helper.NewSignals(prev.Signals, cur.Signals)
	if len(news) != 1 || !strings.HasPrefix(helper.SignalLine(news[0], nil), "energy, 35 days") {
		t.Fatalf("new signals = %+v", news)
	}
	t.Logf("new signal: %s", helper.SignalLine(news[0], nil))
	// Byte-wise: the answer, its decoded payload and the consent inside it.
	parts := strings.Split(body, ".")
	payloadRaw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	grantRaw, _ := base64.RawURLEncoding.DecodeString(strings.Split(cur.Grant, ".")[1])
	for _, s := range secrets {
		for name, b := range map[string]string{"body": body, "payload": string(payloadRaw), "consent": string(grantRaw)} {
			if strings.Contains(b, s) {
				t.Errorf("the %s of the signals answer holds %q", name, s)
			}
		}
	}

	// The CLI's next import says what is new since the kept one.
	secondFile := filepath.Join(t.TempDir(), "signals-2.json")
	changes := c.must("helper", "import", g.URL, "--key", key, "--trust", helperTrustFile, "--purpose", "aftercare",
		"--since", firstFile, "--out", secondFile)
	if !strings.Contains(changes, "new signal: energy, 35 days in arrears since 2026-10-16 (Organisatie energie-noord)") {
		t.Errorf("import --since = %q", changes)
	}
	kept, _ := os.ReadFile(secondFile)
	for _, s := range secrets {
		if strings.Contains(string(kept), s) {
			t.Errorf("the counsellor's signals file holds %q", s)
		}
	}
	if again := c.must("helper", "import", g.URL, "--key", key, "--trust", helperTrustFile, "--purpose", "aftercare",
		"--since", secondFile); !strings.HasPrefix(again, "no new signals since ") {
		t.Errorf("import --since with nothing new = %q", again)
	}
	// The desk says the same, in words, crises first, and nothing more.
	deskPage := desk.fetch(g.URL, "aftercare")
	if !strings.Contains(deskPage, `id="signals-new"`) || !strings.Contains(deskPage, "Energie bij Organisatie energie-noord: achterstand sinds 16 oktober 2026 (35 dagen)") {
		t.Errorf("the desk's next fetch does not show the new signal:\n%s", deskPage)
	}
	for _, s := range secrets {
		if strings.Contains(deskPage, s) {
			t.Errorf("the desk's signals page shows %q", s)
		}
	}

	// A signals release has no spreadsheet form: refused, nothing written.
	if code, _, errs := c.run("helper", "import", g.URL, "--key", key, "--trust", helperTrustFile, "--purpose", "aftercare",
		"--format", "csv"); code != 1 || !strings.Contains(errs, "no csv form") {
		t.Errorf("signals as csv: %d %s", code, errs)
	}

	// Back home: the log shows the release, and the consent's page what it released.
	unlock()
	var audit struct {
		Events []struct {
			Kind       string   `json:"kind"`
			Grant      string   `json:"grant"`
			Categories []string `json:"categories"`
			Count      int      `json:"count"`
		} `json:"events"`
		Intact bool `json:"intact"`
	}
	r.call("GET", "/api/v1/audit", nil, &audit)
	releases := 0
	for _, e := range audit.Events {
		if e.Kind == "dossier_released" && e.Grant == g.ID && strings.Join(e.Categories, ",") == "signals" {
			releases++
		}
	}
	// Two fetches by the client, four by the CLI (the csv one is refused
	// by the CLI after the wallet released it: a signals release has no
	// csv form) and two by the desk.
	if releases != 8 || !audit.Intact {
		t.Errorf("%d signals releases in the log (intact %v), want 8", releases, audit.Intact)
	}
	page := pageText(t, r, "/consent/"+g.ID)
	if !strings.Contains(page, "Energie bij Organisatie energie-noord: achterstand sinds 16 oktober 2026 (35 dagen)") {
		t.Errorf("the consent's page does not show what was released last time:\n%s", page)
	}
	logPage := pageText(t, r, "/log")
	if !strings.Contains(logPage, "Alleen signalen van achterstand (geen bedragen)") {
		t.Errorf("the log page does not name the signals release")
	}

	// Revoking refuses the next fetch.
	if code := r.call("DELETE", "/api/v1/consents/"+g.ID, nil, nil); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if _, err := im.Client.Fetch(ctx, base, cur.Grant, cur.Purpose); err == nil || !strings.Contains(err.Error(), "consent_") {
		t.Errorf("fetch after revoking: %v", err)
	}
}

// vaultSecrets collects every amount (in cents and as the pages write it)
// and every reference in an overview's JSON.
func vaultSecrets(v any) []string {
	var out []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(k, e)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case float64:
			if strings.HasSuffix(key, "_cents") && x >= 100 {
				c := wallet.Cents(x)
				out = append(out, strconv.FormatInt(int64(c), 10), strings.TrimSpace(strings.TrimPrefix(web.Money(c), "€")))
			}
		case string:
			if strings.Contains(key, "reference") || key == "customer_number" {
				if x != "" {
					out = append(out, x)
				}
			}
		}
	}
	walk("", v)
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pageText fetches a resident page with the resident's session.
func pageText(t *testing.T, r *resident, path string) string {
	t.Helper()
	resp, err := r.http.Get(r.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

// testDesk is the counsellor's desk, in-process on 127.0.0.1, with a
// browser-like client holding its form token.
type testDesk struct {
	t    *testing.T
	home string
	http *http.Client
	csrf string
}

func startDesk(t *testing.T, keyPath, trustPath string) *testDesk {
	t.Helper()
	key, err := trust.ReadKeyFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := trust.SigningKeyOf(key)
	dec, _ := trust.DecryptionKeyOf(key)
	tl, err := readTrust(trustPath)
	if err != nil {
		t.Fatal(err)
	}
	d, err := helper.NewDesk(helper.NewImporter(&helper.Client{ID: "schuldhulp-a", Key: sig, Dec: dec}, tl), nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go d.Serve(ln)
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	jar, _ := cookiejar.New(nil)
	sd := &testDesk{t: t, home: "http://" + ln.Addr().String(), http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	resp, err := sd.http.Get(sd.home + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(sd.home)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == httpx.CSRFCookie {
			sd.csrf = ck.Value
		}
	}
	return sd
}

// fetch imports a consent URL at the desk and returns the page.
func (sd *testDesk) fetch(consentURL, purpose string) string {
	sd.t.Helper()
	return sd.importForm(url.Values{"url": {consentURL}, "purpose": {purpose}})
}

// importForm posts the desk's import form with values and returns the page.
func (sd *testDesk) importForm(values url.Values) string {
	sd.t.Helper()
	values.Set("csrf", sd.csrf)
	resp, err := sd.http.PostForm(sd.home+"/import", values)
	if err != nil {
		sd.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		sd.t.Fatalf("desk import: %d\n%s", resp.StatusCode, body)
	}
	return string(body)
}
