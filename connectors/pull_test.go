package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regie/org"
	"regie/trust"
	"strings"
	"testing"
	"time"
)

// runningOrg is a reference organisation server on 127.0.0.1.
type runningOrg struct {
	testOrg
	srv *org.Server
	dir string
}

func startOrg(t *testing.T, id string, kind trust.Kind, now func() time.Time, payloads ...map[string]any) *runningOrg {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := newTestOrg(t, id, kind, "http://"+ln.Addr().String())
	dir := t.TempDir()
	for i, p := range payloads {
		if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".json"), mustJSON(t, p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := org.New(id, o.Key, dir, org.Options{Now: now})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return &runningOrg{testOrg: o, srv: srv, dir: dir}
}

func TestPullFromThreeOrganisations(t *testing.T) {
	ctx := context.Background()
	now := time.Now // the servers check iat against their own clock
	payload := func(p map[string]any) map[string]any { p["iat"] = time.Now().Unix() - 60; return p }
	cjib := startOrg(t, "cjib", trust.KindCreditor, now, payload(debtPayload("cjib", "c1", "CJIB-1", 52500)))
	rent := debtPayload("woonstad", "w1", "HUUR-1", 180000)
	rent["debt"].(map[string]any)["category"] = "rent"
	woon := startOrg(t, "woonstad", trust.KindCreditor, now, payload(rent))
	uwv := startOrg(t, "uwv", trust.KindIncomePayer, now, payload(incomePayload("uwv", "u1", 145000)))
	// A statement about somebody else in the same folder must never be served to us.
	other := debtPayload("cjib", "c-other", "CJIB-X", 999)
	other["sub"] = "111222333"
	os.WriteFile(filepath.Join(cjib.dir, "z.json"), mustJSON(t, payload(other)), 0o644)

	v := newTestVault(t, now, cjib.testOrg, woon.testOrg, uwv.testOrg)
	p := &Puller{Vault: v, Importer: &Importer{Vault: v}, Backoff: 10 * time.Millisecond}

	for _, o := range []*runningOrg{cjib, woon, uwv} {
		code := o.srv.IssueCode(ownerBSN)
		if _, err := p.Connect(ctx, o.Org.ID, code); err != nil {
			t.Fatalf("connect %s: %v", o.Org.ID, err)
		}
		// The code works once.
		if _, err := p.Connect(ctx, o.Org.ID, code); !errors.Is(err, ErrInvalidCode) {
			t.Fatalf("reused code: %v, want ErrInvalidCode", err)
		}
	}
	if _, err := p.Connect(ctx, "cjib", "WRONG-CODE"); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("wrong code: %v", err)
	}

	results, err := p.Refresh(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Err != nil || r.Report.Added != 1 {
			t.Errorf("%s: err %v, report %+v", r.Org, r.Err, r.Report)
		}
	}
	o, err := v.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o.TotalOutstandingCents != 52500+180000 || o.MonthlyIncomeCents != 145000 {
		t.Fatalf("overview totals = %d / %d", o.TotalOutstandingCents, o.MonthlyIncomeCents)
	}

	// New facts at the housing corporation, and CJIB goes down.
	rent2 := debtPayload("woonstad", "w2", "HUUR-1", 150000)
	rent2["debt"].(map[string]any)["category"] = "rent"
	rent2["as_of"] = "2026-11-24"
	os.WriteFile(filepath.Join(woon.dir, "b.json"), mustJSON(t, payload(rent2)), 0o644)
	cjib.srv.Shutdown(ctx)

	results, err = p.Refresh(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	byOrg := map[string]SourceResult{}
	for _, r := range results {
		byOrg[r.Org] = r
	}
	if r := byOrg["cjib"]; !errors.Is(r.Err, ErrUnreachable) || r.Attempts != 3 {
		t.Errorf("stopped server: err %v after %d attempts, want ErrUnreachable after 3", r.Err, r.Attempts)
	}
	if r := byOrg["woonstad"]; r.Err != nil || r.Report.Added != 1 || r.Report.Duplicates != 1 {
		t.Errorf("woonstad: %v %+v", r.Err, r.Report)
	}
	if r := byOrg["uwv"]; r.Err != nil || r.Report.Duplicates != 1 {
		t.Errorf("uwv: %v %+v", r.Err, r.Report)
	}
	o, _ = v.Overview(ctx)
	if o.TotalOutstandingCents != 52500+150000 {
		t.Errorf("after partial refresh outstanding = %d, want CJIB kept and rent updated", o.TotalOutstandingCents)
	}
	sources, _ := p.Sources(ctx)
	if len(sources) != 3 || sources[0].Org != "cjib" || sources[0].LastError == "" || sources[2].LastError != "" {
		t.Errorf("sources = %+v", sources)
	}
}

func TestOrgServerRefusesBadRequestTokens(t *testing.T) {
	ctx := context.Background()
	cjib := startOrg(t, "cjib", trust.KindCreditor, time.Now, debtPayload("cjib", "c1", "CJIB-1", 100))
	v := newTestVault(t, time.Now, cjib.testOrg)
	p := &Puller{Vault: v, Importer: &Importer{Vault: v}, Attempts: 1}
	src, err := p.Connect(ctx, "cjib", cjib.srv.IssueCode(ownerBSN))
	if err != nil {
		t.Fatal(err)
	}
	key := v
	url := cjib.Org.Endpoint + "/regie/v1/statements"
	otherKey := newTestVault(t, time.Now)
	now := time.Now()
	replayed, _ := trust.SignRequest(key, src.Connection, "cjib", "GET", url, now)
	tokens := map[string]string{
		"other wallet's key": must(trust.SignRequest(otherKey, src.Connection, "cjib", "GET", url, now)),
		"wrong audience":     must(trust.SignRequest(key, src.Connection, "uwv", "GET", url, now)),
		"wrong method":       must(trust.SignRequest(key, src.Connection, "cjib", "POST", url, now)),
		"wrong url":          must(trust.SignRequest(key, src.Connection, "cjib", "GET", url+"x", now)),
		"old":                must(trust.SignRequest(key, src.Connection, "cjib", "GET", url, now.Add(-5*time.Minute))),
		"unknown connection": must(trust.SignRequest(key, "conn-nope", "cjib", "GET", url, now)),
		"replayed":           replayed,
		"garbage":            "abc",
	}
	// Without the portal stand-in nobody gets a code by naming a BSN.
	resp, err := http.Post(cjib.Org.Endpoint+"/regie/v1/portal/codes", "application/json", strings.NewReader(`{"bsn":"123456782"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("portal without --portal: %d", resp.StatusCode)
	}
	if code := get(t, url, replayed); code != 200 {
		t.Fatalf("first use of a good token: %d", code)
	}
	for name, tok := range tokens {
		if code := get(t, url, tok); code != 401 {
			t.Errorf("%s: status %d, want 401", name, code)
		}
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

func get(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Regie "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == 401 {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		if e.Error.Code != "invalid_request_token" {
			t.Errorf("error code = %q", e.Error.Code)
		}
	}
	return resp.StatusCode
}
