// Package demoworld runs the whole demo world for tests that need it: the
// demo organisations' servers, the demo resident's wallet server on
// 127.0.0.1 with the resident logged in through the JSON API, and the
// letters that change the world between two fetches. It sits apart from
// testkit because it imports demo and api, which testkit's own users may
// not. Only test code imports it.
package demoworld

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"testing"
	"time"

	"regie/api"
	"regie/demo"
	"regie/internal/testkit"
	"regie/wallet"
)

// Passphrase is the demo vault's passphrase.
const Passphrase = "regie-demo-2026"

// World is the demo world with the demo resident's wallet server.
type World struct {
	// Dir is the data folder: demo/ORG/statements holds what each demo
	// organisation serves, demo/schuldhulp-demo the counsellor's keys.
	Dir string
	// Resident is the demo resident, logged in.
	Resident *Resident
	// HelperKey and TrustList are the demo counsellor's key.jwk and the
	// trust list it believes.
	HelperKey, TrustList string
}

// Start runs the demo world and the wallet server until the test ends.
func Start(t testing.TB) *World {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	v, err := wallet.Open(filepath.Join(dir, wallet.FileName), &wallet.Options{KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	world, err := demo.Start(ctx, v, dir, Passphrase)
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
	return &World{Dir: dir, Resident: Login(t, base), HelperKey: filepath.Join(dir, "demo", demo.HelperID, "key.jwk"),
		TrustList: filepath.Join(dir, "demo", "trust-list.json")}
}

// Resident drives a wallet server's resident JSON API with a session.
type Resident struct {
	t    testing.TB
	base string
	http *http.Client
}

// Login unlocks the demo vault behind the wallet server at base.
func Login(t testing.TB, base string) *Resident {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	r := &Resident{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	if code := r.Call("POST", "/api/v1/session", map[string]string{"passphrase": Passphrase}, nil); code != http.StatusOK {
		t.Fatalf("unlock: %d", code)
	}
	return r
}

// Call sends body as JSON, decodes the answer into out and returns the status.
func (r *Resident) Call(method, path string, body, out any) int {
	r.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, r.base+path, bytes.NewReader(raw))
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

// Grant gives the demo counsellor a 30-day intake consent over debts and
// income and returns its URL, as the QR code holds it.
func (r *Resident) Grant() string {
	r.t.Helper()
	var g struct {
		URL string `json:"url"`
	}
	if code := r.Call("POST", "/api/v1/consents", api.GrantRequest{To: demo.HelperID, Purpose: "debt-help-intake",
		Scope: []string{"debts", "income"}, Days: 30}, &g); code != http.StatusCreated {
		r.t.Fatalf("grant: %d", code)
	}
	return g.URL
}

// Refresh pulls from every connected organisation; each must answer.
func (r *Resident) Refresh() {
	r.t.Helper()
	var out struct {
		Sources []struct{ OK bool }
	}
	if code := r.Call("POST", "/api/v1/sources/refresh", nil, &out); code != http.StatusOK || len(out.Sources) == 0 {
		r.t.Fatalf("refresh: %d %+v", code, out)
	}
	for _, s := range out.Sources {
		if !s.OK {
			r.t.Fatalf("refresh: %+v", out)
		}
	}
}

// Tell has a demo organisation serve one more debt statement, dated
// today (a payload its server signs when the wallet pulls), as when it
// sends a new letter.
func Tell(t testing.TB, dir, org, jti string, debt map[string]any) {
	t.Helper()
	now := time.Now()
	raw, _ := json.Marshal(map[string]any{"iss": org, "sub": demo.DemoBSN, "jti": jti, "iat": now.Add(-time.Minute).Unix(), "type": "debt",
		"as_of": now.Format(wallet.DateLayout), "debt": debt})
	if err := os.WriteFile(filepath.Join(dir, "demo", org, "statements", jti+".json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// NewLetters changes the demo world between two fetches: the CJIB signs a
// new, higher statement of its fine (€ 525,00 → € 640,00), BelNet marks
// its claim paid and the water company sends a new claim (€ 45,00). The
// resident's next refresh brings them in.
func NewLetters(t testing.TB, dir string) {
	t.Helper()
	Tell(t, dir, "cjib", "cjib-2026-2", map[string]any{"reference": "CJIB-8891-2231", "creditor": "Centraal Justitieel Incassobureau",
		"category": "fine", "original_cents": 45000, "outstanding_cents": 64000, "arrears_cents": 64000, "months_in_arrears": 4, "status": "collection"})
	Tell(t, dir, "belnet", "belnet-2026-2", map[string]any{"reference": "BN-0612-7781", "creditor": "BelNet Mobiel", "category": "telecom",
		"original_cents": 18500, "outstanding_cents": 0, "arrears_cents": 0, "status": "paid"})
	Tell(t, dir, "waterbedrijf-zuid", "wz-2026-2", map[string]any{"reference": "WZ-60001", "creditor": "Waterbedrijf Zuid", "category": "water",
		"original_cents": 4500, "outstanding_cents": 4500, "arrears_cents": 4500, "months_in_arrears": 1, "status": "open"})
}
