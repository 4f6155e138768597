package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/consent"
	"regie/helper"
	"regie/host"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// hostProcs are the `regie host` processes of an end-to-end test, run as
// child processes: one on a data folder, or two on one PostgreSQL database,
// each with its own empty data folder and listener and the same public URL
// (as behind a load balancer).
type hostProcs struct {
	t     *testing.T
	store string // the database URL; "" for the data folder
	trust string
	data  []string
	addrs []string
	kids  []*exec.Cmd
}

func newHostProcs(t *testing.T, store, trustFile string) *hostProcs {
	n := 1
	if store != "" {
		n = 2
	}
	h := &hostProcs{t: t, store: store, trust: trustFile, kids: make([]*exec.Cmd, n), addrs: make([]string, n)}
	for range n {
		h.data = append(h.data, t.TempDir())
	}
	t.Cleanup(func() {
		for _, k := range h.kids {
			if k != nil {
				k.Process.Signal(syscall.SIGTERM)
				k.Wait()
			}
		}
	})
	return h
}

// base is the public URL, which every process answers to.
func (h *hostProcs) base() string { return "http://" + h.addrs[0] }

// start runs process i and waits until it answers. Its first start
// picks its address then (process 0's is the public URL, so it starts
// first), and picks another should a process elsewhere on the machine
// take the free port before the host binds it; a restart keeps it.
func (h *hostProcs) start(i int) {
	h.t.Helper()
	first := h.addrs[i] == ""
	for try := 0; ; try++ {
		if first {
			h.addrs[i] = freeAddr(h.t)
		}
		args := []string{"host", "--data", h.data[i], "--addr", h.addrs[i], "--public-url", h.base(), "--trust", h.trust}
		if h.store != "" {
			args = append(args, "--store", h.store)
		}
		kid, _, err := tryStartChild(h.addrs[i], args)
		if err == nil {
			h.kids[i] = kid
			return
		}
		if !first || try == 2 || !strings.Contains(err.Error(), "address already in use") {
			h.t.Fatal(err)
		}
	}
}

// stop ends process i with sig and waits for it.
func (h *hostProcs) stop(i int, sig syscall.Signal) {
	h.kids[i].Process.Signal(sig)
	h.kids[i].Wait()
	h.kids[i] = nil
}

// client is a resident's or organisation's client whose requests for the
// public URL reach process i.
func (h *hostProcs) client(i int) *hostClient {
	c := newHostClient(h.t, h.base())
	addr := h.addrs[i]
	c.http.Transport = &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	return c
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
// very next redemption. Issue 16's: the same on PostgreSQL with two host
// processes on one database, each with its own empty data folder: the
// helper redeems through one, the resident logs in through the other, and
// a pg_dump of the database holds nothing readable either.
func TestHostEndToEnd(t *testing.T) {
	for _, be := range []struct {
		name  string
		store func(t *testing.T) string
	}{
		{"data folder", func(*testing.T) string { return "" }},
		{"PostgreSQL, two processes", func(t *testing.T) string {
			url := testkit.Postgres(t)
			newCLI(t, t.TempDir()).must("host", "migrate", "--store", url)
			return url
		}},
	} {
		t.Run(be.name, func(t *testing.T) { testHostEndToEnd(t, be.store(t)) })
	}
}

// e2eOrgs are the organisation and the helper of the end-to-end tests,
// in a trust list file for the host.
type e2eOrgs struct {
	trustFile string
	list      *trust.List
	cjibKey   jose.JSONWebKey
	helpKey   jose.JSONWebKey
	helpDec   jose.JSONWebKey
}

func newE2EOrgs(t *testing.T) e2eOrgs {
	cjibSet, cjib, err := trust.NewOrganisation("cjib", "Centraal Justitieel Incassobureau", trust.KindCreditor, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	helpSet, help, err := trust.NewOrganisation("schuldhulp-a", "Schuldhulp A", trust.KindHelper, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	o := e2eOrgs{trustFile: filepath.Join(t.TempDir(), "trust.json")}
	o.list, _ = trust.NewList([]trust.Organisation{cjib, help})
	raw, _ := json.Marshal(o.list)
	os.WriteFile(o.trustFile, raw, 0o600)
	o.cjibKey, _ = trust.SigningKeyOf(cjibSet)
	o.helpKey, _ = trust.SigningKeyOf(helpSet)
	o.helpDec, _ = trust.DecryptionKeyOf(helpSet)
	return o
}

// sign is a debt statement of the organisation about bsn.
func (o e2eOrgs) sign(t *testing.T, bsn, jti, ref string, cents int64) string {
	p, _ := json.Marshal(map[string]any{"iss": "cjib", "sub": bsn, "jti": jti, "iat": time.Now().Unix() - 60, "type": "debt",
		"as_of": "2026-11-20", "debt": map[string]any{"reference": ref, "creditor": "Centraal Justitieel Incassobureau",
			"category": "fine", "original_cents": cents, "outstanding_cents": cents, "status": "collection"}})
	s, err := trust.SignStatement(o.cjibKey, p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// push sends a signed statement to a wallet's inbox.
func push(t *testing.T, walletURL, jws string) (int, map[string]any) {
	resp, err := http.Post(walletURL+"/api/v1/inbox", "application/jose", strings.NewReader(jws))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func testHostEndToEnd(t *testing.T, store string) {
	ctx := context.Background()
	orgs := newE2EOrgs(t)
	trustFile, tl, helpKey := orgs.trustFile, orgs.list, orgs.helpKey
	sign := func(bsn, jti, ref string, cents int64) string { return orgs.sign(t, bsn, jti, ref, cents) }
	push := func(walletURL, jws string) (int, map[string]any) { return push(t, walletURL, jws) }

	hosts := newHostProcs(t, store, trustFile)
	for i := range hosts.kids {
		hosts.start(i)
	}
	// The resident's later requests go to the last process: on the
	// database, another than the one the helper redeems through.
	other := len(hosts.kids) - 1
	const (
		bsnA, bsnB   = "123456782", "111222333"
		nameA, nameB = "Fatima de Vries", "Jan Jansen"
		passA, passB = "paars paard zingt zacht", "groene trein rijdt snel"
	)
	a, b := hosts.client(0), hosts.client(other)
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

	hosts.stop(0, syscall.SIGKILL)
	hosts.start(0) // no passphrase anywhere

	if code, out := push(accA.Wallet, sign(bsnA, "a2", "CJIB-A-2222", 77003141)); code != 202 || out["accepted"] != float64(1) {
		t.Fatalf("push to A while away: %d %v", code, out)
	}
	hc := &helper.Client{ID: "schuldhulp-a", Key: helpKey, Dec: orgs.helpDec}
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

	// The data folders after the restart, and the database: nothing of
	// either resident.
	secrets := []string{bsnA, bsnB, nameA, nameB, "Fatima", "Jansen", "Centraal Justitieel", "CJIB-A-1111", "CJIB-A-2222", "CJIB-B-3333",
		"52591357", "77003141", "31427183", "fatima", passA, passB, `"d":`, "PRIVATE KEY"}
	for _, data := range hosts.data {
		filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			raw, _ := os.ReadFile(path)
			readable(t, filepath.Base(path), raw, secrets)
			return nil
		})
	}
	if store != "" {
		dump, err := exec.Command(testkit.PostgresTool(t, "pg_dump"), "--dbname="+store).Output()
		if err != nil {
			t.Fatalf("pg_dump: %v", err)
		}
		if !bytes.Contains(dump, []byte("COPY public.regie_kv")) || len(dump) < 10000 {
			t.Fatalf("pg_dump wrote %d bytes without the table's rows", len(dump))
		}
		readable(t, "pg_dump", dump, secrets)
	}

	a = hosts.client(other)
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
	// regie audit verify on A's vault, once the host has let go of it
	// (from the database: copied out to a data folder).
	a.call("DELETE", "/api/v1/session", nil, nil)
	for i := range hosts.kids {
		hosts.stop(i, syscall.SIGTERM)
	}
	folder := hosts.data[0]
	if store != "" {
		folder = filepath.Join(t.TempDir(), "copy")
		newCLI(t, t.TempDir()).must("host", "copy", "--from", store, "--to", folder)
	}
	copyDir := t.TempDir()
	rawVault, err := os.ReadFile(filepath.Join(folder, "vaults", accA.Vault+".db"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(copyDir, wallet.FileName), rawVault, 0o600)
	c := newCLI(t, copyDir)
	c.env["REGIE_PASSPHRASE"] = passA
	c.must("audit", "verify") // exit 0 only when the chain holds
}

// readable fails t for each secret that raw holds as text, or hex-encoded
// as pg_dump writes bytea values.
func readable(t *testing.T, what string, raw []byte, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(raw, []byte(s)) || bytes.Contains(raw, []byte(hex.EncodeToString([]byte(s)))) {
			t.Errorf("%s holds %q", what, s)
		}
	}
}

// TestHostRedeemsOnceAcrossProcesses: 50 helpers' redemptions of one
// consent with max_uses 1 at the same moment, split over two host
// processes on one PostgreSQL database: exactly one gets the dossier,
// every other is told the consent is used up, and the resident's log
// shows one access.
func TestHostRedeemsOnceAcrossProcesses(t *testing.T) {
	url := testkit.Postgres(t)
	newCLI(t, t.TempDir()).must("host", "migrate", "--store", url)
	orgs := newE2EOrgs(t)
	hosts := newHostProcs(t, url, orgs.trustFile)
	hosts.start(0)
	hosts.start(1)
	a := hosts.client(0)
	var acc host.Account
	if code := a.call("POST", "/api/v1/signup", map[string]string{"login": "fatima", "bsn": "123456782", "name": "Fatima de Vries", "passphrase": "paars paard zingt zacht"}, &acc); code != 201 {
		t.Fatalf("sign-up: %d", code)
	}
	if code, _ := push(t, acc.Wallet, orgs.sign(t, "123456782", "a1", "CJIB-A-1111", 52591357)); code != 202 {
		t.Fatalf("push: %d", code)
	}
	var g host.GrantAnswer
	if code := a.call("POST", "/api/v1/consents", map[string]any{"to": "schuldhulp-a", "purpose": "debt-help-intake", "scope": []string{"debts"}, "days": 14, "max_uses": 1}, &g); code != 201 {
		t.Fatalf("grant: %d", code)
	}
	if code := a.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
		t.Fatalf("lock: %d", code)
	}

	const helpers = 50
	redeem := strings.SplitN(g.URL, "#", 2)[0]
	type answer struct {
		status int
		code   string
	}
	answers := make(chan answer, helpers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range helpers {
		c := hosts.client(i % 2)
		proof, err := consent.SignProof(orgs.helpKey, "schuldhulp-a", consent.PurposeIntake, "GET", redeem, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest("GET", redeem, nil)
			req.Header.Set("Regie-Proof", proof)
			resp, err := c.http.Do(req)
			if err != nil {
				answers <- answer{code: err.Error()}
				return
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code string } `json:"error"`
			}
			json.NewDecoder(resp.Body).Decode(&body)
			answers <- answer{resp.StatusCode, body.Error.Code}
		})
	}
	close(start)
	wg.Wait()
	close(answers)
	served := 0
	for ans := range answers {
		switch {
		case ans.status == 200:
			served++
		case ans.status != 401 || ans.code != "consent_used_up":
			t.Errorf("a redemption answered %d %q, want 200 once and 401 consent_used_up otherwise", ans.status, ans.code)
		}
	}
	if served != 1 {
		t.Fatalf("%d of %d concurrent redemptions of a max_uses 1 consent got the dossier, want exactly 1", served, helpers)
	}
	b := hosts.client(1)
	if code := b.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": "paars paard zingt zacht"}, nil); code != 200 {
		t.Fatalf("login: %d", code)
	}
	var audit testkit.Audit
	b.call("GET", "/api/v1/audit", nil, &audit)
	if n := audit.Accesses(g.ID); n != 1 || !audit.Intact {
		t.Errorf("the log after the race: %d accesses, intact %v; want 1 and intact", n, audit.Intact)
	}
}
