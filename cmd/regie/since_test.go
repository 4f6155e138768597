package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"regie/api"
	"regie/connectors"
	"regie/consent"
	"regie/demo"
	"regie/helper"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

const sinceDemoPass = "regie-demo-2026"

// demoWallet is the demo world (fourteen organisation servers) with the
// demo resident's wallet server on 127.0.0.1, unlocked by the resident.
type demoWallet struct {
	dir      string
	resident *resident
	key      string // the demo counsellor's key.jwk
	trust    string // the demo trust list
}

func startDemoWallet(t *testing.T) *demoWallet {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	v, err := wallet.Open(filepath.Join(dir, wallet.FileName), &wallet.Options{KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	world, err := demo.Start(ctx, v, dir, sinceDemoPass)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { world.Stop(ctx) })
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
	r := &resident{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	if code := r.call("POST", "/api/v1/session", map[string]string{"passphrase": sinceDemoPass}, nil); code != 200 {
		t.Fatalf("unlock: %d", code)
	}
	return &demoWallet{dir: dir, resident: r, key: filepath.Join(dir, "demo", demo.HelperID, "key.jwk"),
		trust: filepath.Join(dir, "demo", "trust-list.json")}
}

// grant gives the demo counsellor a consent and returns its URL.
func (w *demoWallet) grant(t *testing.T) string {
	t.Helper()
	var g struct {
		URL string `json:"url"`
	}
	if code := w.resident.call("POST", "/api/v1/consents", api.GrantRequest{To: demo.HelperID, Purpose: "debt-help-intake",
		Scope: []string{"debts", "income"}, Days: 30}, &g); code != 201 {
		t.Fatalf("grant: %d", code)
	}
	return g.URL
}

// tell has a demo organisation serve one more statement (a payload its
// server signs when the wallet pulls), as when it sends a new letter.
func (w *demoWallet) tell(t *testing.T, org, jti string, debt map[string]any) {
	t.Helper()
	now := time.Now()
	p := map[string]any{"iss": org, "sub": demo.DemoBSN, "jti": jti, "iat": now.Add(-time.Minute).Unix(), "type": "debt",
		"as_of": now.Format(wallet.DateLayout), "debt": debt}
	raw, _ := json.Marshal(p)
	if err := os.WriteFile(filepath.Join(w.dir, "demo", org, "statements", jti+".json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// refresh is the resident pulling from every connected organisation.
func (w *demoWallet) refresh(t *testing.T) {
	t.Helper()
	var out struct {
		Sources []struct{ OK bool }
	}
	if code := w.resident.call("POST", "/api/v1/sources/refresh", nil, &out); code != 200 || len(out.Sources) == 0 {
		t.Fatalf("refresh: %d %+v", code, out)
	}
	for _, s := range out.Sources {
		if !s.OK {
			t.Fatalf("refresh: %+v", out)
		}
	}
}

// TestImportSinceTellsWhatChanged: the counsellor imports the demo world,
// the CJIB signs a new, higher statement, BelNet marks its claim paid and
// the water company sends a new claim; after the resident's refresh the
// counsellor's next import under the same consent with --since prints the
// added, changed and settled claims with amounts as € 1.234,56, or as
// cents with --changes-format json. Everything runs on 127.0.0.1.
func TestImportSinceTellsWhatChanged(t *testing.T) {
	w := startDemoWallet(t)
	url := w.grant(t)
	c := newCLI(t, t.TempDir())
	out := t.TempDir()
	first := filepath.Join(out, "first.json")
	c.must("helper", "import", url, "--key", w.key, "--trust", w.trust, "--out", first)

	w.tell(t, "cjib", "cjib-2026-2", map[string]any{"reference": "CJIB-8891-2231", "creditor": "Centraal Justitieel Incassobureau",
		"category": "fine", "original_cents": 45000, "outstanding_cents": 64000, "arrears_cents": 64000, "months_in_arrears": 4, "status": "collection"})
	w.tell(t, "belnet", "belnet-2026-2", map[string]any{"reference": "BN-0612-7781", "creditor": "BelNet Mobiel", "category": "telecom",
		"original_cents": 18500, "outstanding_cents": 0, "arrears_cents": 0, "status": "paid"})
	w.tell(t, "waterbedrijf-zuid", "wz-2026-2", map[string]any{"reference": "WZ-60001", "creditor": "Waterbedrijf Zuid", "category": "water",
		"original_cents": 4500, "outstanding_cents": 4500, "arrears_cents": 4500, "months_in_arrears": 1, "status": "open"})
	w.refresh(t)

	second := filepath.Join(out, "second.json")
	text := c.must("helper", "import", url, "--key", w.key, "--trust", w.trust, "--since", first, "--out", second)
	for _, want := range []string{
		"Fetched under the same consent.",
		"New claim: Waterbedrijf Zuid, WZ-60001: — → € 45,00 · Open",
		"Changed: Centraal Justitieel Incassobureau, CJIB-8891-2231: € 525,00 · arrears € 525,00 → € 640,00 · arrears € 640,00",
		"Settled: BelNet Mobiel, BN-0612-7781: € 185,00 · Collection → € 0,00 · Paid",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("--since output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "No longer in the dossier") || strings.Count(text, "\n") != 5 {
		t.Errorf("--since output tells more than changed:\n%s", text)
	}
	// The new import was written and is the next one's previous: nothing
	// changed since.
	raw, err := os.ReadFile(second)
	if err != nil {
		t.Fatal(err)
	}
	var exp helper.Export
	if err := json.Unmarshal(raw, &exp); err != nil || exp.Dossier == "" {
		t.Fatalf("second import: %v", err)
	}
	js := c.must("helper", "import", url, "--key", w.key, "--trust", w.trust, "--since", first, "--changes-format", "json")
	var ch helper.Changes
	if err := json.Unmarshal([]byte(js), &ch); err != nil {
		t.Fatalf("json changes: %v\n%s", err, js)
	}
	if len(ch.ChangedClaims) != 1 || ch.ChangedClaims[0].Before.OutstandingCents != 52500 || ch.ChangedClaims[0].Now.OutstandingCents != 64000 ||
		len(ch.SettledClaims) != 1 || len(ch.NewClaims) != 1 || ch.NewClaims[0].Now.OutstandingCents != 4500 {
		t.Errorf("json changes = %s", js)
	}
	again := c.must("helper", "import", url, "--key", w.key, "--trust", w.trust, "--since", second)
	if !strings.Contains(again, "Nothing changed.") {
		t.Errorf("since the second import: %s", again)
	}
}

// TestImportSinceRefusesBadPrevious: a previous file that is not the JSON
// export, was edited, or is another resident's gives a clear error, and
// nothing is written.
func TestImportSinceRefusesBadPrevious(t *testing.T) {
	w := startDemoWallet(t)
	url := w.grant(t)
	c := newCLI(t, t.TempDir())
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	c.must("helper", "import", url, "--key", w.key, "--trust", w.trust, "--out", good)
	raw, _ := os.ReadFile(good)
	csvFile := filepath.Join(dir, "dossier.csv")
	c.must("helper", "import", url, "--key", w.key, "--trust", w.trust, "--format", "csv", "--out", csvFile)
	edited := filepath.Join(dir, "edited.json")
	os.WriteFile(edited, []byte(strings.Replace(string(raw), `"outstanding_cents": 52500`, `"outstanding_cents": 2500`, 1)), 0o600)
	other := otherResidentsImport(t, c, w, dir)

	cases := []struct{ name, file, want string }{
		{"missing", filepath.Join(dir, "nothing.json"), "no such file"},
		{"a CSV export", csvFile, "not a Regie JSON export"},
		{"edited after the import", edited, "changed after it was written"},
		{"another resident's", other, "different residents"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := filepath.Join(t.TempDir(), "new.json")
			code, stdout, errs := c.run("helper", "import", url, "--key", w.key, "--trust", w.trust, "--since", tc.file, "--out", target)
			if code != 1 || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "nothing was written") || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, stdout, errs, tc.want)
			}
			if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused import wrote %s", target)
			}
		})
	}
}

// otherResidentsImport is the demo counsellor's verified import of another
// resident's wallet (another wallet key and BSN), with statements the same
// demo organisations signed, handed over as an offline file.
func otherResidentsImport(t *testing.T, c *cli, w *demoWallet, dir string) string {
	t.Helper()
	ctx := context.Background()
	v, err := wallet.Open(filepath.Join(t.TempDir(), wallet.FileName), &wallet.Options{KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	const otherBSN = "111222333"
	if err := v.Create(ctx, testkit.Passphrase, wallet.Profile{BSN: otherBSN, Name: "Ander"}); err != nil {
		t.Fatal(err)
	}
	tl, err := readTrust(w.trust)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range tl.Organisations() {
		if err := (trust.Store{Vault: v}).Add(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	_, cjib, err := trust.ReadSigningKey(filepath.Join(w.dir, "demo", "cjib", "key.jwk"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := json.Marshal(map[string]any{"iss": "cjib", "sub": otherBSN, "jti": "cjib-other-1", "iat": time.Now().Add(-time.Hour).Unix(),
		"type": "debt", "as_of": time.Now().Format(wallet.DateLayout), "debt": map[string]any{"reference": "CJIB-1", "creditor": "CJIB",
			"category": "fine", "original_cents": 9000, "outstanding_cents": 9000, "arrears_cents": 9000, "status": "open"}})
	jws, err := trust.SignStatement(cjib, p)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := (&connectors.Importer{Vault: v}).Import(ctx, wallet.ChannelFile, []connectors.Item{{Name: "cjib", JWS: jws}}, nil); err != nil || rep.Added != 1 {
		t.Fatalf("other resident's import: %v %+v", err, rep)
	}
	svc := &consent.Service{Vault: v, Trust: trust.Store{Vault: v}, BaseURL: "http://127.0.0.1:1"}
	g, err := svc.Grant(ctx, consent.Request{Audience: demo.HelperID, Purpose: consent.PurposeIntake, Scope: consent.Scope{"debts"}})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := svc.Export(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "other.jwe")
	os.WriteFile(file, []byte(sealed), 0o600)
	wk, _ := trust.WalletID(v)
	out := filepath.Join(dir, "other.json")
	c.must("helper", "import", file, "--key", w.key, "--trust", w.trust, "--wk", wk, "--out", out)
	return out
}
