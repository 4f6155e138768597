package host

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
	"sync"
	"testing"
	"time"

	"regie/wallet"
)

// pendingCount is how many pushes wait in a vault's box.
func (w *hostWorld) pendingCount(id string) int {
	w.t.Helper()
	var list []wallet.Pending
	err := w.h.ix.box(id).View(context.Background(), func(tx *wallet.BoxTx) error {
		var err error
		list, err = tx.Pending()
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return len(list)
}

func (w *hostWorld) pushBundle(wallet string, list []string) (int, map[string]any) {
	w.t.Helper()
	raw, _ := json.Marshal(map[string]any{"statements": list})
	return w.post(wallet+"/api/v1/inbox", "application/json", string(raw))
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestPushFlood: one valid statement pushed again and again to a locked
// vault, alone or as a 1000-copy bundle, is queued once; a flood of distinct
// statements beyond the vault's quota is refused whole with 507; the
// resident's next login imports exactly the distinct statements.
func TestPushFlood(t *testing.T) {
	t.Run("same_statement_queued_once", func(t *testing.T) {
		w := newHostWorld(t)
		a := w.resident()
		var acc Account
		if code := a.call("POST", "/api/v1/signup", map[string]string{"login": "fatima", "bsn": bsnA, "name": nameA, "passphrase": passA}, &acc); code != 201 {
			t.Fatalf("signup %d", code)
		}
		a.call("DELETE", "/api/v1/session", nil, nil)
		dbPath := filepath.Join(w.dir, "host.db")
		before := fileSize(t, dbPath)
		one := w.debt(bsnA, "flood-1", "F-1", 12345)
		for i := range 100 {
			if code, out := w.push(acc.Wallet, one); code != 202 {
				t.Fatalf("push %d: %d %v", i, code, out)
			}
		}
		copies := make([]string, 1000)
		for i := range copies {
			copies[i] = one
		}
		for range 10 {
			code, out := w.pushBundle(acc.Wallet, copies)
			if code != 202 || out["accepted"] != float64(0) {
				t.Fatalf("bundle of copies: %d accepted %v", code, out["accepted"])
			}
		}
		if n := w.pendingCount(acc.Vault); n != 1 {
			t.Fatalf("queued %d copies of one statement, want 1", n)
		}
		// A fresh bundle with two copies of a new statement queues it once.
		two := w.debt(bsnA, "flood-2", "F-2", 500)
		if code, out := w.pushBundle(acc.Wallet, []string{two, two}); code != 202 || out["accepted"] != float64(1) {
			t.Fatalf("bundle with a new statement twice: %d %v", code, out)
		}
		after := fileSize(t, dbPath)
		t.Logf("host.db %d KiB before the flood, %d KiB after 100 pushes and 10 bundles of 1000 copies", before>>10, after>>10)
		start := time.Now()
		_, _, rep, err := w.h.Login(context.Background(), "fatima", passA)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("login after the flood took %v", time.Since(start))
		if rep.Accepted() != 2 || rep.Duplicates != 0 || rep.Refused != 0 {
			t.Fatalf("imported %+v, want exactly the 2 distinct statements", rep)
		}
		if n := w.pendingCount(acc.Vault); n != 0 {
			t.Fatalf("%d left in the queue after login", n)
		}
	})
	t.Run("beyond_quota_refused", func(t *testing.T) {
		w := newHostWorld(t, func(w *hostWorld) { w.quota = wallet.PendingQuota{Items: 5, Bytes: 1 << 20} })
		a := w.resident()
		var acc Account
		if code := a.call("POST", "/api/v1/signup", map[string]string{"login": "fatima", "bsn": bsnA, "name": nameA, "passphrase": passA}, &acc); code != 201 {
			t.Fatalf("signup %d", code)
		}
		a.call("DELETE", "/api/v1/session", nil, nil)
		var first []string
		for i := range 4 {
			first = append(first, w.debt(bsnA, "q-"+string(rune('a'+i)), "Q", 100))
		}
		if code, out := w.pushBundle(acc.Wallet, first); code != 202 || out["accepted"] != float64(4) {
			t.Fatalf("within quota: %d %v", code, out)
		}
		// Two new ones where one fits: refused whole, nothing written.
		over := []string{w.debt(bsnA, "q-x", "Q", 100), w.debt(bsnA, "q-y", "Q", 100)}
		code, out := w.pushBundle(acc.Wallet, over)
		if e, _ := out["error"].(map[string]any); code != 507 || e["code"] != "queue_full" {
			t.Fatalf("beyond quota: %d %v, want 507 queue_full", code, out)
		}
		if n := w.pendingCount(acc.Vault); n != 4 {
			t.Fatalf("%d queued after a refused bundle, want 4", n)
		}
		// Statements already queued still answer 202: they add nothing.
		if code, _ := w.push(acc.Wallet, first[0]); code != 202 {
			t.Fatalf("repeat of a queued statement at a full-ish queue: %d", code)
		}
		if code, _ := w.push(acc.Wallet, over[0]); code != 202 {
			t.Fatalf("the fifth fits: %d", code)
		}
		if code, out := w.push(acc.Wallet, over[1]); code != 507 {
			t.Fatalf("the sixth: %d %v, want 507", code, out)
		}
		_, _, rep, err := w.h.Login(context.Background(), "fatima", passA)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Accepted() != 5 {
			t.Fatalf("imported %+v, want the 5 queued", rep)
		}
		// After the login the queue is empty again and takes the refused one.
		a.call("DELETE", "/api/v1/session", nil, nil)
		w.h.Sweep(context.Background())
		if code, out := w.push(acc.Wallet, over[1]); code != 202 {
			t.Fatalf("after the queue emptied: %d %v", code, out)
		}
	})
}

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func clockedHost(t *testing.T) (*Host, *clock) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	h, err := Open(Config{Dir: t.TempDir(), PublicURL: "http://127.0.0.1:1", KDF: fastKDF, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, clk
}

// age moves the clock on by wait in steps of 10 minutes, calling keep (when
// given) with secret after each step but the last, and last (when given)
// within the last 10 minutes.
func age(t *testing.T, h *Host, clk *clock, secret string, wait time.Duration, keep func(*Host, string) error, last func()) {
	t.Helper()
	for step := time.Duration(0); step < wait; step += 10 * time.Minute {
		d := min(10*time.Minute, wait-step)
		clk.add(d)
		if keep != nil && step+d < wait {
			if err := keep(h, secret); err != nil {
				t.Fatalf("keeping the session: %v", err)
			}
		}
		if last != nil && step+d >= wait-10*time.Minute {
			last()
			last = nil
		}
	}
}

// TestExpiredSession: a cookie past its idle time or its 8 hours deletes no
// vault, and logging out with it ends no other session of the vault.
func TestExpiredSession(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		wait time.Duration
		keep func(*Host, string) error // refreshes the session while time passes
	}{
		{"idle", 16 * time.Minute, nil},
		{"older_than_8h", 8*time.Hour + time.Minute, func(h *Host, secret string) error {
			s, err := h.Resume(ctx, secret)
			if err == nil {
				s.Release()
			}
			return err
		}},
	} {
		t.Run(tc.name+"/delete_refused", func(t *testing.T) {
			h, clk := clockedHost(t)
			id, secret, err := h.Signup(ctx, "fatima", bsnA, nameA, passA)
			if err != nil {
				t.Fatal(err)
			}
			age(t, h, clk, secret, tc.wait, tc.keep, nil)
			if err := h.DeleteVault(ctx, secret, passA); !errors.Is(err, ErrNoSession) {
				t.Fatalf("delete with an expired cookie: %v, want ErrNoSession", err)
			}
			if _, err := os.Stat(filepath.Join(h.cfg.Dir, "vaults", id+".db")); err != nil {
				t.Fatalf("vault file gone: %v", err)
			}
			if found, err := h.ix.exists(ctx, id); err != nil || !found {
				t.Fatal("vault gone from the index")
			}
		})
		t.Run(tc.name+"/logout_ends_only_itself", func(t *testing.T) {
			h, clk := clockedHost(t)
			_, old, err := h.Signup(ctx, "fatima", bsnA, nameA, passA)
			if err != nil {
				t.Fatal(err)
			}
			var fresh string
			age(t, h, clk, old, tc.wait, tc.keep, func() {
				if _, fresh, _, err = h.Login(ctx, "fatima", passA); err != nil {
					t.Fatal(err)
				}
			})
			if err := h.Logout(ctx, old); err != nil {
				t.Fatalf("logout with an expired cookie: %v", err)
			}
			s, err := h.Resume(ctx, fresh)
			if err != nil {
				t.Fatalf("the live session ended by an expired cookie: %v", err)
			}
			s.Release()
		})
	}
}

// TestLoginUnknownName: an unknown login name costs the same one key
// derivation as a wrong passphrase and gets the same answer, so timing
// does not tell which login names exist.
func TestLoginUnknownName(t *testing.T) {
	ctx := context.Background()
	h, _ := clockedHost(t)
	if _, _, err := h.Signup(ctx, "fatima", bsnA, nameA, passA); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, login, pass string }{
		{"wrong_passphrase", "fatima", "niet de goede zin"},
		{"unknown_login", "niemand", "niet de goede zin"},
		{"unknown_login_bad_form", "X", "niet de goede zin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := h.derivations.Load()
			_, _, _, err := h.Login(ctx, tc.login, tc.pass)
			if !errors.Is(err, ErrLogin) || err.Error() != ErrLogin.Error() {
				t.Fatalf("%v, want exactly ErrLogin", err)
			}
			if n := h.derivations.Load() - before; n != 1 {
				t.Fatalf("%d key derivations, want 1", n)
			}
		})
	}
}

// clientFrom is an HTTP client whose connections come from addr, another
// address on the loopback network.
func clientFrom(addr string) *http.Client {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestLoginThrottle: wrong passphrases for one login from one address make
// that address wait longer each time (429 with Retry-After, counted before
// any key is derived), while the resident logs in from another address,
// and the same address may still try another login name.
func TestLoginThrottle(t *testing.T) {
	clk := &clock{now: time.Now()}
	w := newHostWorld(t, func(w *hostWorld) { w.now = clk.Now })
	a := w.resident()
	if code := a.call("POST", "/api/v1/signup", map[string]string{"login": "fatima", "bsn": bsnA, "name": nameA, "passphrase": passA}, nil); code != 201 {
		t.Fatalf("signup %d", code)
	}
	a.call("DELETE", "/api/v1/session", nil, nil)
	guesser := &resident{w: w, client: clientFrom("127.0.0.2")}
	var codes []int
	before := w.h.derivations.Load()
	for range 5 {
		codes = append(codes, guesser.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": "nog een gok erbij"}, nil))
	}
	if codes[0] != 401 || codes[1] != 401 || codes[2] != 429 || codes[4] != 429 {
		t.Fatalf("guesses answered %v, want 401 401 then 429", codes)
	}
	if n := w.h.derivations.Load() - before; n != 2 {
		t.Fatalf("%d derivations for 5 guesses, want 2 (throttled tries derive nothing)", n)
	}
	req, _ := http.NewRequest("POST", w.base+"/api/v1/session", strings.NewReader(`{"login":"fatima","passphrase":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := guesser.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("throttled answer %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if code := guesser.call("POST", "/api/v1/session", map[string]string{"login": "iemand-anders", "passphrase": "nog een gok erbij"}, nil); code != 401 {
		t.Fatalf("another login name from the guesser: %d, want 401", code)
	}
	if code := a.call("POST", "/api/v1/session", map[string]string{"login": "fatima", "passphrase": passA}, nil); code != 200 {
		t.Fatalf("the resident from her own address: %d, want 200", code)
	}
}
