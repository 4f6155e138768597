package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"regie/internal/httpx"
	"testing"
	"time"
)

func push(t *testing.T, w *world, contentType string, body []byte) (int, InboxResult, apiErr) {
	t.Helper()
	resp, err := http.Post(w.base+"/api/v1/inbox", contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var res InboxResult
	var e apiErr
	json.Unmarshal(raw, &res)
	json.Unmarshal(raw, &e)
	return resp.StatusCode, res, e
}

func TestInbox(t *testing.T) {
	w := newWorld(t, Limits{InboxBody: 16 << 10})
	one := w.sign(w.cjib, debt("c2", "CJIB-2", 1000))
	code, res, _ := push(t, w, "application/jose", []byte(one))
	if code != 200 || res.Accepted != 1 || res.Results[0].Outcome != "added" {
		t.Fatalf("one statement: %d %+v", code, res)
	}
	bundle, _ := json.Marshal(map[string][]string{"statements": {
		w.sign(w.cjib, debt("c3", "CJIB-3", 2000)),
		w.sign(w.cjib, withIssuer(income("c4", 100), "cjib")), // a creditor may not sign income
		one, // already there
	}})
	code, res, _ = push(t, w, "application/json", bundle)
	if code != 200 || res.Accepted != 1 || res.Refused != 1 {
		t.Fatalf("bundle: %d %+v", code, res)
	}
	if res.Results[1].Reason != "not_allowed" || res.Results[2].Outcome != "duplicate" {
		t.Errorf("results = %+v", res.Results)
	}
	before, _ := os.ReadFile(w.vault.Path())
	bad := []struct {
		name, ct string
		body     []byte
		code     int
		err      string
	}{
		{"over the body limit", "application/json", bytes.Repeat([]byte("x"), 17<<10), 413, "body_too_large"},
		{"not JSON", "application/json", []byte("{oops"), 400, "malformed"},
		{"unknown field", "application/json", []byte(`{"statements":[],"extra":1}`), 400, "malformed"},
		{"two JWS in one jose body", "application/jose", []byte(one + "\n" + one), 400, "malformed"},
		{"wrong media type", "text/plain", []byte(one), 415, "unsupported_media_type"},
		{"a bundle sent as jose", "application/jose", bundle, 400, "malformed"},
		{"a bare JWS sent as json", "application/json", []byte(one), 400, "malformed"},
	}
	for _, tt := range bad {
		code, _, e := push(t, w, tt.ct, tt.body)
		if code != tt.code || e.Error.Code != tt.err {
			t.Errorf("%s: %d %+v, want %d %s", tt.name, code, e, tt.code, tt.err)
		}
	}
	after, _ := os.ReadFile(w.vault.Path())
	if !bytes.Equal(before, after) {
		t.Error("bad pushes changed the vault")
	}
}

func TestInboxRefusesWhileLocked(t *testing.T) {
	w := newWorld(t, Limits{})
	w.vault.Lock()
	code, _, e := push(t, w, "application/jose", []byte(w.sign(w.cjib, debt("c9", "CJIB-9", 1))))
	if code != 503 || e.Error.Code != "vault_locked" {
		t.Fatalf("locked: %d %+v", code, e)
	}
}

func TestInboxRateLimit(t *testing.T) {
	w := newWorld(t, Limits{InboxPerMinute: 3})
	codes := []int{}
	for i := 0; i < 5; i++ {
		code, _, _ := push(t, w, "application/json", []byte(`{"statements":[]}`))
		codes = append(codes, code)
	}
	if codes[2] != 200 || codes[3] != 429 || codes[4] != 429 {
		t.Fatalf("codes = %v", codes)
	}
}

func TestThrottleLocksOut(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	th := newThrottle(5, 5*time.Minute, func() time.Time { return now })
	// try makes one try from client and returns how long it was told to
	// wait (0: the try went ahead and ended with ok).
	try := func(client string, ok bool) time.Duration {
		end, err := th.begin(client)
		var lo *lockedOut
		if errors.As(err, &lo) {
			return lo.Wait
		}
		if err != nil {
			t.Fatal(err)
		}
		end(ok)
		return 0
	}
	// Tries 1 and 2 go ahead, then waits of 1 s, 2 s and 4 s, and after the
	// fifth try the lockout.
	steps := []struct{ advance, want time.Duration }{
		{0, 0}, {0, 0}, {0, time.Second}, {time.Second, 0}, {0, 2 * time.Second}, {2 * time.Second, 0},
		{0, 4 * time.Second}, {4 * time.Second, 0}, {0, 5 * time.Minute}, {4 * time.Minute, time.Minute},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if got := try("a", false); got != st.want {
			t.Fatalf("step %d: wait %v, want %v", i, got, st.want)
		}
	}
	now = now.Add(time.Minute)
	if w := try("b", false); w != 0 {
		t.Errorf("another client waits %v for a's failures", w)
	}
	if w := try("a", true); w != 0 {
		t.Errorf("lockout did not end: %v", w)
	}
	if try("a", false) != 0 || try("a", false) != 0 {
		t.Error("success did not reset the count")
	}
}

func withIssuer(p map[string]any, iss string) map[string]any {
	p["iss"] = iss
	return p
}

func stringsReader(s string) io.Reader { return bytes.NewReader([]byte(s)) }

func byteReader(b []byte) io.Reader { return bytes.NewReader(b) }

func errorsAs(err error, target **httpx.Error) bool { return errors.As(err, target) }
