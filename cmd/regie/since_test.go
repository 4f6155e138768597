package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"regie/connectors"
	"regie/consent"
	"regie/demo"
	"regie/helper"
	"regie/internal/demoworld"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// TestImportSinceTellsWhatChanged: the counsellor imports the demo world,
// the CJIB signs a new, higher statement, BelNet marks its claim paid and
// the water company sends a new claim; after the resident's refresh the
// counsellor's next import under the same consent with --since prints the
// added, changed and settled claims with amounts as € 1.234,56, or as
// cents with --changes-format json. Everything runs on 127.0.0.1.
func TestImportSinceTellsWhatChanged(t *testing.T) {
	w := demoworld.Start(t)
	url := w.Resident.Grant()
	c := newCLI(t, t.TempDir())
	out := t.TempDir()
	first := filepath.Join(out, "first.json")
	c.must("helper", "import", url, "--key", w.HelperKey, "--trust", w.TrustList, "--out", first)

	demoworld.NewLetters(t, w.Dir)
	w.Resident.Refresh()

	second := filepath.Join(out, "second.json")
	text := c.must("helper", "import", url, "--key", w.HelperKey, "--trust", w.TrustList, "--since", first, "--out", second)
	for _, want := range []string{
		"Fetched under the same consent.",
		"New claim: Waterbedrijf Zuid, WZ-60001: — → € 45,00 · Open",
		"Changed: Centraal Justitieel Incassobureau, CJIB-8891-2231: € 525,00 · arrears € 525,00 → € 640,00 · arrears € 640,00",
		"Settled: BelNet Mobiel, BN-0612-7781: € 185,00 · Collection → € 0,00 · Paid",
		// Water from one month in arrears (the reference's signal moments).
		"New signal: Water, 1 month in arrears, since ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("--since output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "No longer in the dossier") || strings.Count(text, "\n") != 6 {
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
	js := c.must("helper", "import", url, "--key", w.HelperKey, "--trust", w.TrustList, "--since", first, "--changes-format", "json")
	var ch helper.Changes
	if err := json.Unmarshal([]byte(js), &ch); err != nil {
		t.Fatalf("json changes: %v\n%s", err, js)
	}
	if len(ch.ChangedClaims) != 1 || ch.ChangedClaims[0].Before.OutstandingCents != 52500 || ch.ChangedClaims[0].Now.OutstandingCents != 64000 ||
		len(ch.SettledClaims) != 1 || len(ch.NewClaims) != 1 || ch.NewClaims[0].Now.OutstandingCents != 4500 {
		t.Errorf("json changes = %s", js)
	}
	again := c.must("helper", "import", url, "--key", w.HelperKey, "--trust", w.TrustList, "--since", second)
	if !strings.Contains(again, "Nothing changed.") {
		t.Errorf("since the second import: %s", again)
	}
}

// TestImportSinceRefusesBadPrevious: a previous file that is not the JSON
// export, was edited, or is another resident's gives a clear error, and
// nothing is written.
func TestImportSinceRefusesBadPrevious(t *testing.T) {
	w := demoworld.Start(t)
	url := w.Resident.Grant()
	c := newCLI(t, t.TempDir())
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	c.must("helper", "import", url, "--key", w.HelperKey, "--trust", w.TrustList, "--out", good)
	raw, _ := os.ReadFile(good)
	csvFile := filepath.Join(dir, "dossier.csv")
	c.must("helper", "import", url, "--key", w.HelperKey, "--trust", w.TrustList, "--format", "csv", "--out", csvFile)
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
			code, stdout, errs := c.run("helper", "import", url, "--key", w.HelperKey, "--trust", w.TrustList, "--since", tc.file, "--out", target)
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
func otherResidentsImport(t *testing.T, c *cli, w *demoworld.World, dir string) string {
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
	tl, err := readTrust(w.TrustList)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range tl.Organisations() {
		if err := (trust.Store{Vault: v}).Add(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	_, cjib, err := trust.ReadSigningKey(filepath.Join(w.Dir, "demo", "cjib", "key.jwk"))
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
	c.must("helper", "import", file, "--key", w.HelperKey, "--trust", w.TrustList, "--wk", wk, "--out", out)
	return out
}
