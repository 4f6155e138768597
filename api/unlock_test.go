package api

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"regie/wallet"
)

// clientFrom is an HTTP client whose connections leave from the loopback
// address ip, so that the server sees another client address.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// unlockRequest is one POST to /api/v1/session with the headers a browser
// or a script would send.
type unlockRequest struct {
	ctype, origin, site, passphrase string
}

func (w *world) postSession(c *http.Client, r unlockRequest) *http.Response {
	w.t.Helper()
	body := fmt.Sprintf(`{"passphrase":%q}`, r.passphrase)
	req, _ := http.NewRequest(http.MethodPost, w.base+"/api/v1/session", strings.NewReader(body))
	req.Header.Set("Content-Type", r.ctype)
	if r.origin != "" {
		req.Header.Set("Origin", r.origin)
	}
	if r.site != "" {
		req.Header.Set("Sec-Fetch-Site", r.site)
	}
	resp, err := c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// slowKDF makes each key derivation take long enough (32 MiB of argon2id)
// that parallel tries overlap.
var slowKDF = wallet.KDFParams{Time: 1, Memory: 32 << 10, Threads: 1}

func TestUnlockThrottleHolds(t *testing.T) {
	wrong := unlockRequest{ctype: "application/json", passphrase: "wrong guess"}

	t.Run("20-parallel-wrong-passphrases", func(t *testing.T) {
		w := newWorldKDF(t, Limits{}, slowKDF)
		statuses := make(chan *http.Response, 20)
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- w.postSession(w.resident, wrong)
			}()
		}
		wg.Wait()
		close(statuses)
		for resp := range statuses {
			switch resp.StatusCode {
			case 401:
			case 429, 503:
				if resp.Header.Get("Retry-After") == "" {
					t.Errorf("%d without Retry-After", resp.StatusCode)
				}
			default:
				t.Errorf("status %d", resp.StatusCode)
			}
		}
		n := w.srv.derivations.Load()
		t.Logf("%d key derivations for 20 parallel wrong passphrases", n)
		if n > 5 {
			t.Errorf("%d key derivations for 20 parallel wrong passphrases; at most 5 allowed", n)
		}
	})

	t.Run("one-derivation-per-core", func(t *testing.T) {
		w := newWorldKDF(t, Limits{}, slowKDF)
		var wg sync.WaitGroup
		busy := 0
		var mu sync.Mutex
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp := w.postSession(clientFrom(fmt.Sprintf("127.0.0.%d", 10+i)), wrong)
				if resp.StatusCode == 503 {
					mu.Lock()
					busy++
					mu.Unlock()
					if resp.Header.Get("Retry-After") == "" {
						t.Error("503 without Retry-After")
					}
				} else if resp.StatusCode != 401 {
					t.Errorf("status %d", resp.StatusCode)
				}
			}()
		}
		wg.Wait()
		if max := w.srv.maxDeriving.Load(); max > int64(runtime.NumCPU()) {
			t.Errorf("%d key derivations ran at once on %d cores", max, runtime.NumCPU())
		}
		t.Logf("%d of 20 clients got 503", busy)
	})

	t.Run("cross-origin", func(t *testing.T) {
		w := newWorld(t, Limits{})
		right := func(r unlockRequest) unlockRequest { r.passphrase = testPass; return r }
		refused := []struct {
			name string
			req  unlockRequest
		}{
			{"text-plain-from-another-origin", right(unlockRequest{ctype: "text/plain", origin: "http://evil.example"})},
			{"text-plain-same-origin", right(unlockRequest{ctype: "text/plain", origin: w.base})},
			{"form-without-origin", right(unlockRequest{ctype: "application/x-www-form-urlencoded"})},
			{"json-from-another-origin", right(unlockRequest{ctype: "application/json", origin: "http://evil.example"})},
			{"json-from-null-origin", right(unlockRequest{ctype: "application/json", origin: "null"})},
			{"json-cross-site", right(unlockRequest{ctype: "application/json", site: "cross-site"})},
			{"json-same-site-other-port", right(unlockRequest{ctype: "application/json", site: "same-site"})},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				before := w.srv.derivations.Load()
				resp := w.postSession(clientFrom("127.0.0.1"), tc.req)
				if resp.StatusCode != 403 && resp.StatusCode != 415 {
					t.Errorf("status %d, want 403 or 415", resp.StatusCode)
				}
				if n := w.srv.derivations.Load() - before; n != 0 {
					t.Errorf("%d key derivations for a refused request", n)
				}
				for _, c := range resp.Cookies() {
					if c.Name == sessionCookie && c.Value != "" {
						t.Error("a session cookie was set")
					}
				}
			})
		}
		for _, tc := range []struct {
			name string
			req  unlockRequest
		}{
			{"json-same-origin", right(unlockRequest{ctype: "application/json", origin: w.base, site: "same-origin"})},
			{"json-typed-in-browser", right(unlockRequest{ctype: "application/json", site: "none"})},
			{"json-from-a-script", right(unlockRequest{ctype: "application/json; charset=utf-8"})},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if resp := w.postSession(clientFrom("127.0.0.1"), tc.req); resp.StatusCode != 200 {
					t.Errorf("status %d, want 200", resp.StatusCode)
				}
			})
		}
	})

	t.Run("attacker-elsewhere-cannot-lock-the-resident-out", func(t *testing.T) {
		w := newWorld(t, Limits{UnlockFailures: 3, UnlockLockout: time.Hour})
		attacker := clientFrom("127.0.0.2")
		var last int
		for i := 0; i < 6; i++ {
			last = w.postSession(attacker, wrong).StatusCode
		}
		if last != 429 {
			t.Fatalf("attacker's sixth try: %d, want 429", last)
		}
		ok := wrong
		ok.passphrase = testPass
		if code := w.postSession(w.resident, ok).StatusCode; code != 200 {
			t.Fatalf("resident from another address: %d, want 200", code)
		}
	})

	t.Run("wait-in-words", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			limits Limits
			tries  int
			want   string
		}{
			{"seconds", Limits{UnlockFailures: 5}, 2, "Wacht 1 seconde "},
			{"minutes", Limits{UnlockFailures: 2, UnlockLockout: 5 * time.Minute}, 2, "Wacht 5 minuten "},
			{"under-a-minute", Limits{UnlockFailures: 2, UnlockLockout: 40 * time.Second}, 2, "Wacht 40 seconden "},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, tc.limits)
				var body string
				for i := 0; i <= tc.tries; i++ {
					_, body = w.unlockForm("wrong guess")
				}
				if !strings.Contains(body, tc.want) {
					m := regexp.MustCompile(`Wacht[^<]*`).FindString(body)
					t.Errorf("page says %q, want %q", m, tc.want)
				}
			})
		}
	})
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// unlockForm fills in the unlock page as a resident would.
func (w *world) unlockForm(passphrase string) (int, string) {
	w.t.Helper()
	resp, err := w.resident.Get(w.base + "/unlock")
	if err != nil {
		w.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		w.t.Fatalf("no CSRF field on the unlock page: %s", page)
	}
	resp, err = w.resident.PostForm(w.base+"/unlock", url.Values{"csrf": {string(m[1])}, "passphrase": {passphrase}})
	if err != nil {
		w.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(body)
}

// TestJSONBodiesRefuseDuplicateKeys: a body naming a member twice, or in
// another case, is refused before anything is done with it.
func TestJSONBodiesRefuseDuplicateKeys(t *testing.T) {
	w := newWorld(t, Limits{})
	for _, tc := range []struct{ name, body string }{
		{"passphrase-twice", `{"passphrase":"wrong guess","passphrase":"` + testPass + `"}`},
		{"passphrase-upper-case", `{"PASSPHRASE":"` + testPass + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.srv.derivations.Load()
			req, _ := http.NewRequest(http.MethodPost, w.base+"/api/v1/session", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := clientFrom("127.0.0.1").Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if n := w.srv.derivations.Load() - before; n != 0 {
				t.Errorf("%d key derivations for a refused body", n)
			}
		})
	}
}
