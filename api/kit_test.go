package api

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/connectors"
	"regie/helper"
	"regie/internal/httpx"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

var testKDF = testkit.FastKDF

const (
	testPass = testkit.Passphrase
	ownerBSN = testkit.BSN
)

type party struct {
	org trust.Organisation
	set jose.JSONWebKeySet
}

func (p party) key() jose.JSONWebKey { k, _ := trust.SigningKeyOf(p.set); return k }

// dec is a helper's private encryption key, which opens the answers.
func (p party) dec() jose.JSONWebKey { k, _ := trust.DecryptionKeyOf(p.set); return k }

func newParty(t testing.TB, id string, kind trust.Kind) party {
	t.Helper()
	set, org, err := trust.NewOrganisation(id, "Organisatie "+id, kind, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	return party{org: org, set: set}
}

// world is a running wallet server with a vault full of statements, the
// organisations that signed them and two helpers.
type world struct {
	t        testing.TB
	vault    *wallet.Vault
	srv      *Server
	base     string
	cjib     party
	uwv      party
	helperA  party
	helperB  party
	tl       *trust.List // the helpers' own trust list
	resident *http.Client
	clock    *laterClock // the wallet's and the helpers' clock
}

// laterClock is the real time moved on by a settable amount, so that a test
// can let days pass.
type laterClock struct{ ahead atomic.Int64 }

func (c *laterClock) Now() time.Time      { return time.Now().Add(time.Duration(c.ahead.Load())) }
func (c *laterClock) Add(d time.Duration) { c.ahead.Add(int64(d)) }

func newWorld(t testing.TB, limits Limits) *world {
	t.Helper()
	return newWorldKDF(t, limits, testKDF)
}

// newWorldKDF is newWorld with a vault whose key derivation costs kdf.
func newWorldKDF(t testing.TB, limits Limits, kdf wallet.KDFParams) *world {
	t.Helper()
	return startWorld(t, limits, kdf, true)
}

// newEmptyWorld is newWorld with nothing in the vault yet: the trust list
// knows the organisations, but none sent a statement.
func newEmptyWorld(t testing.TB) *world {
	t.Helper()
	return startWorld(t, Limits{}, testKDF, false)
}

// startWorld starts a world; seed puts a debt and an income in the vault.
func startWorld(t testing.TB, limits Limits, kdf wallet.KDFParams, seed bool) *world {
	t.Helper()
	ctx := context.Background()
	clock := &laterClock{}
	v, err := wallet.Open(filepath.Join(t.TempDir(), wallet.FileName), &wallet.Options{KDF: kdf, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	if err := v.Create(ctx, testPass, wallet.Profile{BSN: ownerBSN, Name: "Fatima de Vries"}); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, vault: v, clock: clock, cjib: newParty(t, "cjib", trust.KindCreditor), uwv: newParty(t, "uwv", trust.KindIncomePayer),
		helperA: newParty(t, "schuldhulp-a", trust.KindHelper), helperB: newParty(t, "schuldhulp-b", trust.KindHelper)}
	ts := trust.Store{Vault: v}
	var orgs []trust.Organisation
	for _, p := range []party{w.cjib, w.uwv, w.helperA, w.helperB} {
		if err := ts.Add(ctx, p.org); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, p.org)
	}
	w.tl, _ = trust.NewList(orgs)
	if seed {
		items := []connectors.Item{{JWS: w.sign(w.cjib, debt("c1", "CJIB-1", 52500))}, {JWS: w.sign(w.uwv, income("u1", 145000))}}
		if rep, err := (&connectors.Importer{Vault: v}).Import(ctx, "file", items, nil); err != nil || rep.Added != 2 {
			t.Fatalf("seed: %v %+v", err, rep)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.base = "http://" + ln.Addr().String()
	w.srv, err = New(Config{Vault: v, BaseURL: w.base, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	go w.srv.Serve(ln)
	t.Cleanup(func() { w.srv.Shutdown(context.Background()) })
	jar, _ := cookiejar.New(nil)
	w.resident = &http.Client{Jar: jar, Timeout: 10 * time.Second}
	return w
}

func debt(jti, ref string, out int64) map[string]any {
	return map[string]any{"iss": "cjib", "sub": ownerBSN, "jti": jti, "iat": time.Now().Unix() - 60, "type": "debt", "as_of": "2026-11-20",
		"debt": map[string]any{"reference": ref, "creditor": "CJIB", "category": "fine", "original_cents": out, "outstanding_cents": out,
			"status": "collection"}}
}

func income(jti string, net int64) map[string]any {
	return map[string]any{"iss": "uwv", "sub": ownerBSN, "jti": jti, "iat": time.Now().Unix() - 60, "type": "income", "as_of": "2026-11-01",
		"income": map[string]any{"reference": "WW-" + jti, "payer": "UWV", "kind": "benefit", "net_cents": net, "period": "month"}}
}

func (w *world) sign(p party, payload map[string]any) string {
	raw, _ := json.Marshal(payload)
	s, err := trust.Sign(p.key(), trust.StatementType, raw)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// call makes a resident API call and decodes the JSON answer.
func (w *world) call(method, path string, body any, out any) int {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = strings.NewReader(string(raw))
	}
	req, _ := http.NewRequest(method, w.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := w.resident.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			w.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode
}

func (w *world) unlock() {
	w.t.Helper()
	if code := w.call("POST", "/api/v1/session", map[string]string{"passphrase": testPass}, nil); code != 200 {
		w.t.Fatalf("unlock: %d", code)
	}
}

// grant makes a consent through the resident API and returns its view.
func (w *world) grant(to string, scope ...string) grantView {
	w.t.Helper()
	if scope == nil {
		scope = []string{"debts", "income"}
	}
	var g grantView
	if code := w.call("POST", "/api/v1/consents", GrantRequest{To: to, Purpose: "debt-help-intake", Scope: scope, Days: 14}, &g); code != 201 {
		w.t.Fatalf("grant: %d", code)
	}
	return g
}

func (w *world) helper(p party) *helper.Client {
	return &helper.Client{ID: p.org.ID, Key: p.key(), Dec: p.dec(), Now: w.clock.Now}
}

func (w *world) importer(p party) *helper.Importer {
	return helper.NewImporter(w.helper(p), w.tl)
}

type apiErr struct {
	Error httpx.Error `json:"error"`
}
