package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"regie/consent"
	"regie/helper"
	"regie/host"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// startHost runs `regie host` as a child process and waits until it answers.
func startHost(t *testing.T, data, addr, trustFile string) *exec.Cmd {
	t.Helper()
	child, _ := startChild(t, addr, []string{"host", "--data", data, "--addr", addr, "--trust", trustFile})
	return child
}

type hostClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newHostClient(t *testing.T, base string) *hostClient {
	jar, _ := cookiejar.New(nil)
	return &hostClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (c *hostClient) call(method, path string, body, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		_ = json.Unmarshal(raw, out)
	}
	return resp.StatusCode
}

// TestHostEndToEnd is issue 12's "Done when" with real processes: a host,
// two residents signed up over HTTP, A grants and locks, the host is killed
// (SIGKILL) and restarted with no passphrase, an organisation pushes to A, a
// helper redeems A's QR URL and fetches again with the consent token, A logs
// in and sees the push and both accesses, `regie audit verify` holds; B is
// untouched; the data folder holds nothing readable; revoking refuses the
// very next redemption.
func TestHostEndToEnd(t *testing.T) {
	ctx := context.Background()
	data, keys := t.TempDir(), t.TempDir()
	cjibSet, cjib, err := trust.NewOrganisation("cjib", "Centraal Justitieel Incassobureau", trust.KindCreditor, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	helpSet, help, err := trust.NewOrganisation("schuldhulp-a", "Schuldhulp A", trust.KindHelper, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	tl, _ := trust.NewList([]trust.Organisation{cjib, help})
	raw, _ := json.Marshal(tl)
	trustFile := filepath.Join(keys, "trust.json")
	os.WriteFile(trustFile, raw, 0o600)
	cjibKey, _ := trust.SigningKeyOf(cjibSet)
	helpKey, _ := trust.SigningKeyOf(helpSet)
	sign := func(bsn, jti, ref string, cents int64) string {
		p, _ := json.Marshal(map[string]any{"iss": "cjib", "sub": bsn, "jti": jti, "iat": time.Now().Unix() - 60, "type": "debt",
			"as_of": "2026-11-20", "debt": map[string]any{"reference": ref, "creditor": "Centraal Justitieel Incassobureau",
				"category": "fine", "original_cents": cents, "outstanding_cents": cents, "status": "collection"}})
		s, err := trust.SignStatement(cjibKey, p)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	push := func(walletURL, jws string) (int, map[string]any) {
		resp, err := http.Post(walletURL+"/api/v1/inbox", "application/jose", strings.NewReader(jws))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}

	addr := freeAddr(t)
	base := "http://" + addr
	child := startHost(t, data, addr, trustFile)
	const (
		bsnA, bsnB   = "123456782", "111222333"
		nameA, nameB = "Fatima de Vries", "Jan Jansen"
		passA, passB = "paars paard zingt zacht", "groene trein rijdt snel"
	)
	a, b := newHostClient(t, base), newHostClient(t, base)
	var accA, accB host.Account
	if code := a.call("POST", "/api/v1/signup", map[string]string{"login": "fatima", "bsn": bsnA, "name": nameA, "passphrase": passA}, &accA); code != 201 {
		t.Fatalf("sign-up A: %d", code)
	}
	if code := b.call("POST", "/api/v1/signup", map[string]string{"login": "jan", "bsn": bsnB, "name": nameB, "passphrase": passB}, &accB); code != 201 {
		t.Fatalf("sign-up B: %d", code)
	}
	// Each has a debt from the organisation before A grants.
	push(accA.Wallet, sign(bsnA, "a1", "CJIB-A-1111", 52591357))
	push(accB.Wallet, sign(bsnB, "b1", "CJIB-B-3333", 31427183))
	var g host.GrantAnswer
	if code := a.call("POST", "/api/v1/consents", map[string]any{"to": "schuldhulp-a", "purpose": "debt-help-intake", "scope": []string{"debts"}, "days": 14}, &g); code != 201 {
		t.Fatalf("grant: %d", code)
	}
	var ob wallet.Overview
	b.call("GET", "/api/v1/overview", nil, &ob)
	if code := a.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
		t.Fatalf("lock A: %d", code)
	}

	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	child = startHost(t, data, addr, trustFile) // no passphrase anywhere
	defer func() { child.Process.Signal(syscall.SIGTERM); child.Wait() }()

	if code, out := push(accA.Wallet, sign(bsnA, "a2", "CJIB-A-2222", 77003141)); code != 202 || out["accepted"] != float64(1) {
		t.Fatalf("push to A while away: %d %v", code, out)
	}
	hc := &helper.Client{ID: "schuldhulp-a", Key: helpKey}
	im := helper.NewImporter(hc, tl)
	vd, err := im.FromURL(ctx, g.URL, consent.PurposeIntake)
	if err != nil {
		t.Fatalf("helper redeems A's QR URL: %v", err)
	}
	if vd.Overview.TotalOutstandingCents != 52591357 {
		t.Errorf("dossier: %d cents", vd.Overview.TotalOutstandingCents)
	}
	link, _ := helper.ParseConsentURL(g.URL)
	again, err := hc.Fetch(ctx, accA.Wallet, vd.Grant, consent.PurposeIntake)
	if err != nil {
		t.Fatalf("second fetch with the consent token: %v", err)
	}
	if _, err := im.Verify(again, link.WalletID); err != nil {
		t.Fatal(err)
	}

	// The data folder after the restart: nothing of either resident.
	secrets := []string{bsnA, bsnB, nameA, nameB, "Fatima", "Jansen", "Centraal Justitieel", "CJIB-A-1111", "CJIB-A-2222", "CJIB-B-3333",
		"52591357", "77003141", "31427183", "fatima", passA, passB}
	filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, _ := os.ReadFile(path)
		for _, s := range append(secrets, `"d":`, "PRIVATE KEY") {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%s holds %q", filepath.Base(path), s)
			}
		}
		return nil
	})

	a = newHostClient(t, base)
	var back host.Account
	if code := a.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, &back); code != 200 || back.Arrived == nil || back.Arrived.Added != 1 {
		t.Fatalf("A logs in: %d %+v", code, back.Arrived)
	}
	var oa wallet.Overview
	a.call("GET", "/api/v1/overview", nil, &oa)
	if oa.TotalOutstandingCents != 52591357+77003141 {
		t.Errorf("A's overview: %d cents", oa.TotalOutstandingCents)
	}
	var audit testkit.Audit
	a.call("GET", "/api/v1/audit", nil, &audit)
	if n := audit.Accesses(g.ID); n != 2 || !audit.Intact {
		t.Fatalf("A's log: %d accesses, intact %v", audit.Accesses(g.ID), audit.Intact)
	}
	// B is untouched, and B's session reads only B's vault.
	var ob2 wallet.Overview
	if code := b.call("GET", "/api/v1/overview", nil, &ob2); code != 200 || ob2.TotalOutstandingCents != 31427183 || ob.TotalOutstandingCents != 31427183 {
		t.Errorf("B's overview: %d, %d then %d cents", code, ob.TotalOutstandingCents, ob2.TotalOutstandingCents)
	}
	if code := b.call("DELETE", "/api/v1/consents/"+g.ID, nil, nil); code == 200 {
		t.Error("B's session revoked A's consent")
	}
	// Revoking while the host runs refuses the very next redemption.
	if code := a.call("DELETE", "/api/v1/consents/"+g.ID, nil, nil); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if _, err := hc.Fetch(ctx, accA.Wallet, vd.Grant, consent.PurposeIntake); err == nil {
		t.Fatal("a redemption after revocation succeeded")
	}
	// regie audit verify on A's vault, once the host has let go of it.
	a.call("DELETE", "/api/v1/session", nil, nil)
	child.Process.Signal(syscall.SIGTERM)
	child.Wait()
	copyDir := t.TempDir()
	rawVault, err := os.ReadFile(filepath.Join(data, "vaults", accA.Vault+".db"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(copyDir, wallet.FileName), rawVault, 0o600)
	c := newCLI(t, copyDir)
	c.env["REGIE_PASSPHRASE"] = passA
	c.must("audit", "verify")                   // exit 0 only when the chain holds
	child = startHost(t, data, addr, trustFile) // for the deferred stop
}
