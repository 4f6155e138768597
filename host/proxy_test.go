package host

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestClientAddressBehindProxy: behind a trusted proxy the client is the
// address the proxy appended to X-Forwarded-For, so a client rotating what
// it writes there itself is still one client for the login limit; a peer
// that is no trusted proxy is counted by its own address whatever header
// it sends; and a request without the header counts as the proxy.
func TestClientAddressBehindProxy(t *testing.T) {
	w := newHostWorld(t, func(w *hostWorld) {
		w.limits = Limits{LoginPerMinute: 3}
		w.proxies = []string{"127.0.0.1/32"} // the test's own connections come through "the proxy"
	})
	try := func(client *http.Client, login string, xff ...string) int {
		t.Helper()
		h := []string{}
		if len(xff) > 0 {
			h = append(h, "X-Forwarded-For", xff[0])
		}
		code, _ := send(t, client, "POST", w.base+"/api/v1/session", "application/json",
			strings.NewReader(fmt.Sprintf(`{"login":%q,"passphrase":"niet de goede zin"}`, login)), h...)
		return code
	}
	proxy := clientFrom("127.0.0.1")
	t.Run("rotating_xff_from_trusted_proxy", func(t *testing.T) {
		var codes []int
		for i := range 5 {
			// The client writes a new address each time; the proxy appends
			// the one it saw connect.
			codes = append(codes, try(proxy, fmt.Sprint("naam", i), fmt.Sprintf("198.51.100.%d, 203.0.113.7", i+1)))
		}
		if fmt.Sprint(codes) != "[401 401 401 429 429]" {
			t.Fatalf("rotated tries answered %v, want three 401 then 429", codes)
		}
		if code := try(proxy, "iemand", "203.0.113.8"); code != 401 {
			t.Fatalf("another client behind the proxy: %d, want 401 (its own count)", code)
		}
	})
	t.Run("xff_from_untrusted_peer_ignored", func(t *testing.T) {
		stranger := clientFrom("127.0.0.2")
		var codes []int
		for i := range 5 {
			codes = append(codes, try(stranger, fmt.Sprint("gast", i), fmt.Sprintf("203.0.114.%d", i+1)))
		}
		if fmt.Sprint(codes) != "[401 401 401 429 429]" {
			t.Fatalf("an untrusted peer's tries answered %v, want three 401 then 429", codes)
		}
	})
	t.Run("missing_xff_is_the_peer", func(t *testing.T) {
		var codes []int
		for i := range 4 {
			codes = append(codes, try(proxy, fmt.Sprint("zonder", i)))
		}
		if fmt.Sprint(codes) != "[401 401 401 429]" {
			t.Fatalf("tries without the header answered %v, want three 401 then 429", codes)
		}
		if code := try(proxy, "zonder9", "203.0.113.9"); code != 401 {
			t.Fatalf("a client named by the proxy after those: %d, want 401 (not the proxy's count)", code)
		}
	})
}

// TestFailedLoginsAreLogged: each wrong passphrase (and unknown login
// name) leaves one log line with the client address and a short tag of the
// login name, the same tag for the same name; the log never holds the
// name, the passphrase or the BSN.
func TestFailedLoginsAreLogged(t *testing.T) {
	logs := &logLines{}
	w := newHostWorld(t, func(w *hostWorld) { w.logs = logs })
	w.signupLocked(w.resident(), "fatima", bsnA, nameA, passA)
	guesser := &resident{w: w, client: clientFrom("127.0.0.3")}
	for _, try := range []struct{ login, pass string }{{"fatima", "gok nummer een"}, {"fatima", "gok nummer twee"}, {"niemand-hier", "gok nummer drie"}} {
		if code := guesser.call("POST", "/api/v1/session", map[string]string{"login": try.login, "passphrase": try.pass}, nil); code != 401 {
			t.Fatalf("%s: %d, want 401", try.login, code)
		}
	}
	if n := logs.count("login failed", "client=127.0.0.3", "login="); n != 3 {
		t.Fatalf("%d failure lines, want 3:\n%s", n, logs)
	}
	tags := regexp.MustCompile(`login failed.* login=([0-9a-f]{12})`).FindAllStringSubmatch(logs.String(), -1)
	if len(tags) != 3 || tags[0][1] != tags[1][1] || tags[0][1] == tags[2][1] {
		t.Fatalf("login tags %v: want the same tag twice for one name and another for the other", tags)
	}
	for _, secret := range []string{"fatima", "niemand-hier", "gok nummer", passA, bsnA, nameA} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("the log holds %q:\n%s", secret, logs)
		}
	}
}
