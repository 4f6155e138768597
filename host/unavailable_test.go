package host

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"regie/store"
)

// downStore is a store that stops answering when its switch is off, as a
// database does when the network to it goes: every transaction fails at
// once with store.ErrUnavailable.
type downStore struct {
	store.DB
	down *atomic.Bool
}

func (d downStore) check() error {
	if d.down.Load() {
		return fmt.Errorf("%w: the test took the database away", store.ErrUnavailable)
	}
	return nil
}

func (d downStore) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := d.check(); err != nil {
		return err
	}
	return d.DB.View(ctx, fn)
}

func (d downStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := d.check(); err != nil {
		return err
	}
	return d.DB.Update(ctx, fn)
}

func (d downStore) Batch(ctx context.Context, fn func(store.Tx) error) error {
	if err := d.check(); err != nil {
		return err
	}
	return d.DB.Batch(ctx, fn)
}

// downBackend is the files backend whose every store goes down together.
type downBackend struct {
	Backend
	down atomic.Bool
}

func (b *downBackend) Index() store.DB { return downStore{b.Backend.Index(), &b.down} }

func (b *downBackend) OpenVault(ctx context.Context, id string) (store.DB, error) {
	db, err := b.Backend.OpenVault(ctx, id)
	if err != nil {
		return nil, err
	}
	return downStore{db, &b.down}, nil
}

// TestStoreUnavailable: while the store does not answer, /healthz still
// says the process runs, /readyz answers 503, and every request that needs
// the store answers 503 with Retry-After at once (JSON for the API, a
// plain Dutch page for the pages) instead of 500 or "not found"; when the
// store is back, everything works and nothing was lost.
func TestStoreUnavailable(t *testing.T) {
	dir := t.TempDir()
	files, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := &downBackend{Backend: files}
	w := newHostWorld(t, func(w *hostWorld) { w.dir, w.backend = dir, b })
	r := w.resident()
	acc := w.signup(r, "fatima", bsnA, nameA, passA)
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := r.client.Get(w.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Fatalf("/readyz with the store up: %d", code)
	}

	b.down.Store(true)
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz with the store down: %d, want 200", code)
	}
	if code, _ := get("/readyz"); code != 503 {
		t.Errorf("/readyz with the store down: %d, want 503", code)
	}
	var answer struct {
		Error struct{ Code string } `json:"error"`
	}
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"overview", "GET", "/api/v1/overview", nil},
		{"login", "POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}},
		{"sign-up", "POST", "/api/v1/signup", map[string]string{"login": "jan", "bsn": bsnB, "name": nameB, "passphrase": passB}},
		{"logout", "DELETE", "/api/v1/session", nil},
	} {
		answer.Error.Code = ""
		if code := r.call(tc.method, tc.path, tc.body, &answer); code != 503 || answer.Error.Code != "store_unavailable" {
			t.Errorf("%s with the store down: %d %q, want 503 store_unavailable", tc.name, code, answer.Error.Code)
		}
	}
	if code, out := w.push(acc.Wallet, w.debt(bsnA, "c1", "CJIB-1111", 52591357)); code != 503 {
		t.Errorf("push with the store down: %d %v, want 503", code, out)
	}
	if code, _ := get("/v/" + acc.Vault + "/c/abcdefghijklmnopqrstuvwxyz012345"); code != 503 {
		t.Errorf("redemption with the store down: %d, want 503", code)
	}
	req, _ := http.NewRequest("GET", w.base+"/", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("the overview page with the store down: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	b2 := w.browser()
	b2.get(loginPath)
	code, page, _ := b2.post(loginPath, url.Values{"login": {"fatima"}, "passphrase": {passA}})
	if code != 503 || !strings.Contains(page, "niet bereikbaar") {
		t.Errorf("the login page with the store down: %d\n%.400s", code, page)
	}

	b.down.Store(false)
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz with the store back: %d", code)
	}
	if code := r.call("GET", "/api/v1/overview", nil, nil); code != 200 {
		t.Errorf("overview with the store back: %d", code)
	}
	if code, _ := w.push(acc.Wallet, w.debt(bsnA, "c1", "CJIB-1111", 52591357)); code != 202 {
		t.Errorf("push with the store back: %d", code)
	}
}
