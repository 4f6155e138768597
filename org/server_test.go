package org

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/internal/testkit/walletkey"
	"regie/trust"
)

// running is an organisation server on 127.0.0.1.
type running struct {
	srv  *Server
	base string // where the test reaches it
}

func start(t *testing.T, opts Options) running {
	t.Helper()
	key, err := trust.NewSigningKey("cjib-2026")
	if err != nil {
		t.Fatal(err)
	}
	srv := New("cjib", key, t.TempDir(), opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return running{srv: srv, base: "http://" + ln.Addr().String()}
}

// clientFrom is an HTTP client whose connections leave from the loopback
// address ip, so that the server sees another client address.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// enrol posts an enrolment with code and a fresh wallet key; it returns the
// status, the connection id and the wallet's private key.
func (r running) enrol(t *testing.T, c *http.Client, code string) (int, string, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	jwk, _ := json.Marshal(jose.JSONWebKey{Key: pub})
	body := fmt.Sprintf(`{"code":%q,"wallet_key":%s}`, code, jwk)
	resp, err := c.Post(r.base+"/regie/v1/enrol", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Connection string `json:"connection"`
	}
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out.Connection, priv
}

func TestEnrolmentIsRateLimitedPerClient(t *testing.T) {
	r := start(t, Options{})
	guesser := clientFrom("127.0.0.4")
	statuses := map[int]int{}
	for i := 0; i < 30; i++ {
		status, _, _ := r.enrol(t, guesser, fmt.Sprintf("AAAAA-%05d", i))
		statuses[status]++
	}
	t.Run("guesser-is-limited", func(t *testing.T) {
		if statuses[http.StatusTooManyRequests] < 15 || statuses[http.StatusUnauthorized] > 15 {
			t.Errorf("30 wrong codes from one address answered %v; want most refused with 429", statuses)
		}
	})
	t.Run("resident-elsewhere-enrols", func(t *testing.T) {
		if status, conn, _ := r.enrol(t, clientFrom("127.0.0.5"), r.srv.IssueCode("123456782")); status != 201 || conn == "" {
			t.Errorf("a real code from another address: %d", status)
		}
	})
}

func TestRequestTokenNamesThePublicURL(t *testing.T) {
	r := start(t, Options{PublicURL: "https://statements.cjib.example"})
	_, conn, key := r.enrol(t, http.DefaultClient, r.srv.IssueCode("123456782"))
	if conn == "" {
		t.Fatal("enrolment failed")
	}
	pull := func(htu, host string) int {
		tok, err := trust.SignRequest(walletkey.Signer{Key: key}, conn, "cjib", "GET", htu, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", r.base+"/regie/v1/statements", nil)
		req.Header.Set("Authorization", "Regie "+tok)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name, htu, host string
		want            int
	}{
		{"public-url", "https://statements.cjib.example/regie/v1/statements", "", 200},
		{"other-host-named-in-host-header", "http://other.example/regie/v1/statements", "other.example", 401},
		{"listener-address", r.base + "/regie/v1/statements", "", 401},
		{"public-url-other-path", "https://statements.cjib.example/regie/v1/enrol", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pull(tc.htu, tc.host); got != tc.want {
				t.Errorf("status %d, want %d", got, tc.want)
			}
		})
	}
}

func TestPublicURLDefaultsToTheListener(t *testing.T) {
	r := start(t, Options{})
	_, conn, key := r.enrol(t, http.DefaultClient, r.srv.IssueCode("123456782"))
	tok, _ := trust.SignRequest(walletkey.Signer{Key: key}, conn, "cjib", "GET", r.base+"/regie/v1/statements", time.Now())
	req, _ := http.NewRequest("GET", r.base+"/regie/v1/statements", nil)
	req.Header.Set("Authorization", "Regie "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("token naming http://<listener>: %d", resp.StatusCode)
	}
}

// TestEnrolCodeAsTyped: a code works however the resident types it (lower
// case, spaces or dashes between the characters), and still only once; a
// code with another character changed, or one of only separators, is refused.
func TestEnrolCodeAsTyped(t *testing.T) {
	r := start(t, Options{})
	spell := map[string]func(string) string{
		"as-given":   func(c string) string { return c },
		"lower-case": strings.ToLower,
		"spaces":     func(c string) string { return strings.ReplaceAll(c, "-", " ") },
		"no-dash":    func(c string) string { return strings.ReplaceAll(c, "-", "") },
		"groups-of-two": func(c string) string {
			c = strings.ReplaceAll(c, "-", "")
			return c[:2] + " " + c[2:4] + "-" + c[4:6] + " " + c[6:]
		},
		"surrounding-tabs": func(c string) string { return "\t " + c + " \n" },
	}
	ip := 10 // each case from its own address, so the rate limit stays out of it
	for name, f := range spell {
		ip++
		c := clientFrom(fmt.Sprintf("127.0.0.%d", ip))
		t.Run(name, func(t *testing.T) {
			code := r.srv.IssueCode("123456782")
			if status, conn, _ := r.enrol(t, c, f(code)); status != 201 || conn == "" {
				t.Fatalf("%q: %d", f(code), status)
			}
			if status, _, _ := r.enrol(t, c, f(code)); status != http.StatusUnauthorized {
				t.Errorf("a code used twice: %d", status)
			}
		})
	}
	for name, typed := range map[string]func(string) string{
		"one-changed": func(c string) string { return "Q" + c[1:] },
		"separators":  func(string) string { return " - - " },
	} {
		ip++
		c := clientFrom(fmt.Sprintf("127.0.0.%d", ip))
		t.Run(name, func(t *testing.T) {
			code := r.srv.IssueCode("123456782")
			if typed(code) == code {
				t.Skip("the random code starts with Q")
			}
			if status, _, _ := r.enrol(t, c, typed(code)); status != http.StatusUnauthorized {
				t.Errorf("%d", status)
			}
		})
	}
}

// TestDuplicateKeysAreRefused: a request token or an enrolment body that
// names a member twice, or in another case, is refused, not read last-wins.
func TestDuplicateKeysAreRefused(t *testing.T) {
	r := start(t, Options{})
	_, conn, key := r.enrol(t, http.DefaultClient, r.srv.IssueCode("123456782"))
	htu := r.base + "/regie/v1/statements"
	now := time.Now().Unix()
	n := 0
	pull := func(payload string) int {
		n++
		payload = strings.Replace(payload, `"jti":"r"`, fmt.Sprintf(`"jti":"r%d"`, n), 1)
		tok, err := trust.Sign(jose.JSONWebKey{Key: key}, trust.RequestType, []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", htu, nil)
		req.Header.Set("Authorization", "Regie "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := fmt.Sprintf(`{"iss":%q,"aud":"cjib","htm":"GET","htu":%q,"iat":%d,"jti":"r"}`, conn, htu, now)
	if code := pull(good); code != 200 {
		t.Fatalf("well-formed request token: %d", code)
	}
	for _, tc := range []struct{ name, payload string }{
		{"token-htu-twice", strings.Replace(good, `"htm":"GET",`, `"htm":"GET","htu":"http://other.example/regie/v1/statements",`, 1)},
		{"token-aud-upper-case", strings.Replace(good, `"aud":`, `"AUD":`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code := pull(tc.payload); code != 401 {
				t.Errorf("status %d, want 401", code)
			}
		})
	}
	for _, tc := range []struct{ name, body string }{
		{"enrol-code-twice", `{"code":"WRONG-CODE1","code":%q,"wallet_key":%s}`},
		{"enrol-code-upper-case", `{"CODE":%q,"wallet_key":%s}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub, _, _ := ed25519.GenerateKey(rand.Reader)
			jwk, _ := json.Marshal(jose.JSONWebKey{Key: pub})
			resp, err := http.Post(r.base+"/regie/v1/enrol", "application/json",
				strings.NewReader(fmt.Sprintf(tc.body, r.srv.IssueCode("123456782"), jwk)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
		})
	}
}
