package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"regie/api"
	"regie/consent"
	"regie/helper"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

const (
	testPass = testkit.Passphrase
	ownerBSN = testkit.BSN
)

// syncBuffer is a buffer a running command may write to while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// cli runs the regie command in-process with its own environment.
type cli struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T, data string) *cli {
	// REGIE_URL stands for the wallet's address, which consent grant
	// needs; TestGrantPrintsWhereTheWalletRuns tests without it.
	return &cli{t: t, env: map[string]string{"REGIE_DATA": data, "REGIE_PASSPHRASE": testPass, "REGIE_URL": "http://127.0.0.1:8080"}}
}

func (c *cli) run(args ...string) (int, string, string) {
	c.t.Helper()
	return c.runCtx(context.Background(), args...)
}

func (c *cli) runCtx(ctx context.Context, args ...string) (int, string, string) {
	var out, errb syncBuffer
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	e := &env{stdin: devnull, stdout: &out, stderr: &errb, getenv: func(k string) string { return c.env[k] }, kdf: testkit.FastKDF}
	code := run(ctx, e, args)
	return code, out.String(), errb.String()
}

func (c *cli) must(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code != 0 {
		c.t.Fatalf("regie %s: exit %d: %s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func TestInitAndOverview(t *testing.T) {
	dir := t.TempDir()
	c := newCLI(t, dir)
	if code, _, errs := c.run("init", "--bsn", "123456789", "--name", "X"); code != 1 || !strings.Contains(errs, "11-check") {
		t.Fatalf("bad BSN: %d %s", code, errs)
	}
	if code, _, _ := c.run("init", "--name", "X"); code != 2 {
		t.Fatalf("missing --bsn without a terminal: %d, want 2", code)
	}
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne de Vries")
	if code, _, errs := c.run("init", "--bsn", ownerBSN, "--name", "Sanne"); code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("second init: %d %s", code, errs)
	}
	out := c.must("overview", "--format", "json")
	var o wallet.Overview
	if err := json.Unmarshal([]byte(out), &o); err != nil || o.Date == "" {
		t.Fatalf("overview json: %v %s", err, out)
	}
	c.env["REGIE_PASSPHRASE"] = "wrong passphrase"
	if code, _, errs := c.run("overview"); code != 1 || !strings.Contains(errs, "wrong passphrase") {
		t.Fatalf("wrong passphrase: %d %s", code, errs)
	}
	if code, _, _ := c.run("overview", "--format", "xml"); code != 2 {
		t.Fatalf("bad format: %d", code)
	}
	if code, _, _ := c.run("frobnicate"); code != 2 {
		t.Fatalf("unknown command: %d", code)
	}
	c.env["REGIE_PASSPHRASE"] = testPass
	c.env["REGIE_NEW_PASSPHRASE"] = "another passphrase"
	c.must("passwd")
	c.env["REGIE_PASSPHRASE"] = "another passphrase"
	c.must("overview", "--format", "csv")
}

func TestSecondProcessGetsVaultInUse(t *testing.T) {
	dir := t.TempDir()
	c := newCLI(t, dir)
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne")
	v, err := wallet.Open(filepath.Join(dir, wallet.FileName), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	start := time.Now()
	code, _, errs := c.run("overview")
	if code != 1 || !strings.Contains(errs, "vault in use") || !strings.Contains(errs, "Ctrl+C") || !strings.Contains(errs, "http://127.0.0.1:8080") {
		t.Fatalf("second opener: %d %s", code, errs)
	}
	if time.Since(start) > 10*time.Second {
		t.Error("second opener hung")
	}
}

// orgFixture is an organisation made with the CLI.
type orgFixture struct {
	id, dir, endpoint string
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startOrg makes an organisation with `regie org new` and runs `regie org
// serve` for it until the test ends.
func startOrg(t *testing.T, c *cli, id, kind string, payloads ...map[string]any) orgFixture {
	t.Helper()
	addr := freeAddr(t)
	o := orgFixture{id: id, dir: filepath.Join(t.TempDir(), id), endpoint: "http://" + addr}
	c.must("org", "new", "--id", id, "--name", "Organisatie "+id, "--kind", kind, "--endpoint", o.endpoint, "--out", o.dir)
	sdir := filepath.Join(o.dir, "statements")
	os.MkdirAll(sdir, 0o700)
	for i, p := range payloads {
		raw, _ := json.Marshal(p)
		os.WriteFile(filepath.Join(sdir, string(rune('a'+i))+".json"), raw, 0o600)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.runCtx(ctx, "org", "serve", "--key", filepath.Join(o.dir, "key.jwk"), "--statements", sdir, "--addr", addr, "--portal")
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, o.endpoint+"/regie/v1/statements")
	return o
}

func waitFor(t *testing.T, url string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not come up", url)
}

func payload(iss, jti, typ string, obj map[string]any) map[string]any {
	return map[string]any{"iss": iss, "sub": ownerBSN, "jti": jti, "iat": time.Now().Unix() - 60, "type": typ, "as_of": "2026-11-20", typ: obj}
}

func portalCode(t *testing.T, o orgFixture) string {
	t.Helper()
	resp, err := http.Post(o.endpoint+"/regie/v1/portal/codes", "application/json", strings.NewReader(`{"bsn":"`+ownerBSN+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Code string }
	json.NewDecoder(resp.Body).Decode(&out)
	return out.Code
}

// resident drives the wallet server's JSON API.
type resident struct {
	t    *testing.T
	base string
	http *http.Client
}

func (r *resident) call(method, path string, body, out any) int {
	r.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, r.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.http.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// TestDossierEndToEnd: organisations, wallet server and helper CLI on
// 127.0.0.1. The resident connects sources, refreshes, grants; the helper
// imports and verifies; revocation, tampering and scope hold; the offline
// file round-trips and opens only with the right helper key.
func TestDossierEndToEnd(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	c := newCLI(t, data)
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne de Vries")

	cjib := startOrg(t, c, "cjib", "creditor", payload("cjib", "c1", "debt", map[string]any{"reference": "CJIB-1", "creditor": "CJIB",
		"category": "fine", "original_cents": 45000, "outstanding_cents": 52500, "arrears_cents": 52500, "status": "collection",
		"arrangement": map[string]any{"monthly_cents": 2500, "ends": "2027-06-30"}}))
	woon := startOrg(t, c, "woonstad", "creditor", payload("woonstad", "w1", "debt", map[string]any{"reference": "HUUR-1",
		"creditor": "Woonstad", "category": "rent", "original_cents": 180000, "outstanding_cents": 180000, "arrears_cents": 180000,
		"months_in_arrears": 2, "status": "collection"}))
	uwv := startOrg(t, c, "uwv", "income_payer", payload("uwv", "u1", "income", map[string]any{"reference": "WW", "payer": "UWV",
		"kind": "benefit", "net_cents": 145000, "period": "month"}))
	helperDir := filepath.Join(t.TempDir(), "helper")
	c.must("helper", "new", "--id", "schuldhulp-a", "--name", "Schuldhulp A", "--out", helperDir)
	otherDir := filepath.Join(t.TempDir(), "other")
	c.must("helper", "new", "--id", "schuldhulp-b", "--name", "Schuldhulp B", "--out", otherDir)
	for _, f := range []string{cjib.dir, woon.dir, uwv.dir, helperDir, otherDir} {
		c.must("trust", "add", filepath.Join(f, "trust.json"))
	}
	// The helper's own trust list: the organisations it believes.
	trustPath := filepath.Join(t.TempDir(), "trust-list.json")
	var entries []json.RawMessage
	for _, f := range []string{cjib.dir, woon.dir, uwv.dir} {
		raw, _ := os.ReadFile(filepath.Join(f, "trust.json"))
		entries = append(entries, raw)
	}
	doc, _ := json.Marshal(map[string]any{"organisations": entries})
	os.WriteFile(trustPath, doc, 0o644)

	// The wallet server, in-process on the CLI's vault.
	v, err := wallet.Open(filepath.Join(data, wallet.FileName), &wallet.Options{KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	base := "http://" + ln.Addr().String()
	srv, err := api.New(api.Config{Vault: v, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	jar, _ := cookiejar.New(nil)
	r := &resident{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	if code := r.call("POST", "/api/v1/session", map[string]string{"passphrase": testPass}, nil); code != 200 {
		t.Fatalf("unlock: %d", code)
	}
	for _, o := range []orgFixture{cjib, woon, uwv} {
		if code := r.call("POST", "/api/v1/sources", map[string]string{"org": o.id, "code": portalCode(t, o)}, nil); code != 201 {
			t.Fatalf("connect %s: %d", o.id, code)
		}
	}
	var refreshed struct {
		Sources []struct {
			Org string
			OK  bool
		}
	}
	r.call("POST", "/api/v1/sources/refresh", nil, &refreshed)
	if len(refreshed.Sources) != 3 {
		t.Fatalf("refresh = %+v", refreshed)
	}
	var ov wallet.Overview
	r.call("GET", "/api/v1/overview", nil, &ov)
	if ov.TotalOutstandingCents != 232500 || ov.MonthlyIncomeCents != 145000 || len(ov.Urgent) != 1 {
		t.Fatalf("overview after refresh: %+v", ov)
	}

	type grantOut struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	var g grantOut
	if code := r.call("POST", "/api/v1/consents", api.GrantRequest{To: "schuldhulp-a", Purpose: "debt-help-intake",
		Scope: []string{"debts", "income"}, Days: 14}, &g); code != 201 {
		t.Fatalf("grant: %d", code)
	}
	key := filepath.Join(helperDir, "key.jwk")
	outJSON := filepath.Join(t.TempDir(), "dossier.json")
	c.must("helper", "import", g.URL, "--key", key, "--trust", trustPath, "--out", outJSON)
	var exp helper.Export
	raw, _ := os.ReadFile(outJSON)
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Debts) != 2 || len(exp.Incomes) != 1 || !exp.Debts[0].Source.Verified || exp.Overview.TotalOutstandingCents != 232500 {
		t.Fatalf("export = %+v", exp)
	}
	csvOut := c.must("helper", "import", g.URL, "--key", key, "--trust", trustPath, "--format", "csv")
	if !strings.Contains(csvOut, "Kenmerk;") || !strings.Contains(csvOut, "CJIB-1") || !strings.Contains(csvOut, ";525,00;") {
		t.Errorf("csv = %s", csvOut)
	}
	// The short code the resident reads aloud from their page works in the
	// CLI (--code with --wallet) and at the desk.
	var sc struct {
		Code string `json:"code"`
	}
	if code := r.call("POST", "/api/v1/consents/"+g.ID+"/code", nil, &sc); code != 200 || len(sc.Code) < 8 {
		t.Fatalf("short code: %d %+v", code, sc)
	}
	fromCode := c.must("helper", "import", "--code", strings.ToLower(sc.Code), "--wallet", base, "--key", key, "--trust", trustPath)
	var byCode helper.Export
	if err := json.Unmarshal([]byte(fromCode), &byCode); err != nil || byCode.Overview.TotalOutstandingCents != 232500 {
		t.Fatalf("import by short code: %v %s", err, fromCode)
	}
	if code, _, errs := c.run("helper", "import", "--code", sc.Code, "--key", key, "--trust", trustPath); code != 2 || !strings.Contains(errs, "--code needs --wallet") {
		t.Errorf("--code without --wallet: %d %s", code, errs)
	}
	r.call("POST", "/api/v1/consents/"+g.ID+"/code", nil, &sc)
	deskPage := deskImportByCode(t, key, trustPath, base, sc.Code)
	for _, want := range []string{"Woonstad", "CJIB-1", "Doel: ", "Dringend: Woonstad"} {
		if !strings.Contains(deskPage, want) {
			t.Errorf("desk page after a short code lacks %q", want)
		}
	}
	// Nothing on the desk addresses the counsellor as if they were the debtor.
	text := regexp.MustCompile(`(?s)<script.*?</script>|<[^>]+>`).ReplaceAllString(deskPage, "\n")
	for _, line := range strings.Split(html.UnescapeString(text), "\n") {
		if regexp.MustCompile(`(?i)\b(u|uw)\b`).MatchString(line) {
			t.Errorf("desk addresses the counsellor as the debtor: %q", strings.TrimSpace(line))
		}
	}

	// Another helper with the same URL gets nothing.
	if code, _, errs := c.run("helper", "import", g.URL, "--key", filepath.Join(otherDir, "key.jwk"), "--trust", trustPath); code != 1 ||
		!strings.Contains(errs, "wrong_audience") {
		t.Errorf("other helper: %d %s", code, errs)
	}

	// A dossier with one byte changed inside an inner statement, re-signed
	// by the wallet key itself, is refused by the helper and nothing is written.
	hkey, _ := trust.ReadKeyFile(key)
	sig, _ := trust.SigningKeyOf(hkey)
	dec, _ := trust.DecryptionKeyOf(hkey)
	link, _ := helper.ParseConsentURL(g.URL)
	good, err := (&helper.Client{ID: "schuldhulp-a", Key: sig, Dec: dec}).Redeem(ctx, link, consent.PurposeIntake)
	if err != nil {
		t.Fatal(err)
	}
	tamperedFile := filepath.Join(t.TempDir(), "tampered.jws")
	os.WriteFile(tamperedFile, []byte(tamperInner(t, good, v)), 0o600)
	refusedOut := filepath.Join(t.TempDir(), "refused.json")
	code, _, errs := c.run("helper", "import", tamperedFile, "--key", key, "--trust", trustPath, "--wk", link.WalletID, "--out", refusedOut)
	if code != 1 || !strings.Contains(errs, "dossier_statement_refused") {
		t.Errorf("tampered dossier: %d %s", code, errs)
	}
	if _, err := os.Stat(refusedOut); !os.IsNotExist(err) {
		t.Error("a refused import wrote a file")
	}

	// Scope debts: no income in the dossier.
	var gd grantOut
	r.call("POST", "/api/v1/consents", api.GrantRequest{To: "schuldhulp-a", Purpose: "debt-help-intake", Scope: []string{"debts"}, Days: 7}, &gd)
	debtsOnly := c.must("helper", "import", gd.URL, "--key", key, "--trust", trustPath)
	json.Unmarshal([]byte(debtsOnly), &exp)
	if len(exp.Incomes) != 0 || len(exp.Statements) != 2 || strings.Contains(debtsOnly, "145000") {
		t.Errorf("debts-only dossier holds income: %d incomes, %d statements", len(exp.Incomes), len(exp.Statements))
	}

	// After revocation the next import is refused.
	if code := r.call("DELETE", "/api/v1/consents/"+g.ID, nil, nil); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	afterOut := filepath.Join(t.TempDir(), "after.json")
	code, _, errs = c.run("helper", "import", g.URL, "--key", key, "--trust", trustPath, "--out", afterOut)
	if code != 1 || !strings.Contains(errs, "consent_revoked") {
		t.Errorf("after revoke: %d %s", code, errs)
	}
	if _, err := os.Stat(afterOut); !os.IsNotExist(err) {
		t.Error("a refused import wrote a file")
	}

	// Offline handover, with the wallet server stopped.
	srv.Shutdown(ctx)
	v.Close()
	offline := filepath.Join(t.TempDir(), "dossier.jwe")
	out := c.must("consent", "grant", "--to", "schuldhulp-a", "--scope", "debts,income", "--export", offline)
	wk := out[strings.Index(out, "--wk ")+5:]
	wk = strings.TrimSpace(wk)
	fromFile := c.must("helper", "import", offline, "--key", key, "--trust", trustPath, "--wk", wk)
	json.Unmarshal([]byte(fromFile), &exp)
	if len(exp.Debts) != 2 || len(exp.Incomes) != 1 {
		t.Errorf("offline import = %+v", exp)
	}
	// Without --wk an offline file is refused, and nothing is written;
	// --trust-any-wallet-key accepts it with a warning.
	noWK := filepath.Join(t.TempDir(), "nowk.json")
	if code, _, errs := c.run("helper", "import", offline, "--key", key, "--trust", trustPath, "--out", noWK); code != 2 ||
		!strings.Contains(errs, "needs --wk") {
		t.Errorf("offline file without --wk: %d %s", code, errs)
	}
	if _, err := os.Stat(noWK); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused import wrote %s", noWK)
	}
	if code, _, errs := c.run("helper", "import", offline, "--key", key, "--trust", trustPath, "--trust-any-wallet-key", "--out", noWK); code != 0 ||
		!strings.Contains(errs, "WARNING: the wallet key was not checked") {
		t.Errorf("offline file with --trust-any-wallet-key: %d %s", code, errs)
	}
	if code, _, errs := c.run("helper", "import", offline, "--key", filepath.Join(otherDir, "key.jwk"), "--trust", trustPath, "--wk", wk); code != 1 ||
		!strings.Contains(errs, "dossier_cannot_open") {
		t.Errorf("offline file with the wrong helper key: %d %s", code, errs)
	}
}

// tamperInner flips one byte inside the first inner statement's payload and
// signs the dossier again as the wallet.
func tamperInner(t *testing.T, dossier string, wallet trust.Factotum) string {
	t.Helper()
	parts := strings.Split(dossier, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var d consent.Dossier
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	st := []byte(d.Statements[0])
	st[strings.Index(d.Statements[0], ".")+12] ^= 0x02
	d.Statements[0] = string(st)
	payload, _ := json.Marshal(d)
	s, err := trust.SignAsWallet(wallet, consent.DossierType, payload, true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSecondServeFailsAtOnce(t *testing.T) {
	data := t.TempDir()
	c := newCLI(t, data)
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { code, _, _ := c.runCtx(ctx, "serve", "--addr", addr); done <- code }()
	waitFor(t, "http://"+addr+"/healthz")
	start := time.Now()
	code, _, errs := c.run("serve", "--addr", freeAddr(t))
	if code != 1 || !strings.Contains(errs, "vault in use") {
		t.Fatalf("second serve: %d %s", code, errs)
	}
	if time.Since(start) > 10*time.Second {
		t.Error("second serve hung instead of failing")
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("first serve exited %d on shutdown", code)
	}
}

// TestGrantPrintsWhereTheWalletRuns: without --wallet-url or REGIE_URL,
// consent grant refuses with one clear line (and grants nothing) until
// regie serve has run with this data; then it prints that address, not a
// guess. --export alone needs no address.
func TestGrantPrintsWhereTheWalletRuns(t *testing.T) {
	c, _, _ := vaultWithOrg(t)
	delete(c.env, "REGIE_URL")
	code, _, errs := c.run("consent", "grant", "--to", "schuldhulp-a")
	if code != 2 || !strings.Contains(errs, "does not know where your wallet runs") {
		t.Fatalf("grant without an address: %d %q", code, errs)
	}
	if list := c.must("consent", "list", "--format", "json"); strings.Contains(list, "schuldhulp-a") {
		t.Errorf("a refused grant was stored: %s", list)
	}
	if out := c.must("consent", "grant", "--to", "schuldhulp-a", "--export", filepath.Join(t.TempDir(), "d.jwe")); strings.Contains(out, "http") {
		t.Errorf("export-only grant printed an address: %s", out)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { code, _, _ := c.runCtx(ctx, "serve", "--addr", addr); done <- code }()
	waitFor(t, "http://"+addr+"/healthz")
	cancel()
	<-done
	out := c.must("consent", "grant", "--to", "schuldhulp-a")
	if !strings.Contains(out, "http://"+addr+"/c/") || strings.Contains(out, "127.0.0.1:8080") {
		t.Errorf("grant after serve: %s", out)
	}
}

// deskImportByCode runs the counsellor's desk on 127.0.0.1 and types a
// short code and the wallet's address into its form, as a counsellor
// would; it returns the page the desk answers with.
func deskImportByCode(t *testing.T, keyPath, trustPath, wallet, code string) string {
	t.Helper()
	return startDesk(t, keyPath, trustPath).importForm(url.Values{"code": {code}, "wallet": {wallet}, "purpose": {"debt-help-intake"}})
}
