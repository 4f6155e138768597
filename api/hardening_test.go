package api

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"regie/consent"
	"regie/helper"
	"regie/internal/httpx"
)

// TestNoFetchSucceedsAfterRevocation: helpers fetch dossiers in parallel
// while an organisation pushes statements; the resident revokes. Every fetch
// that started after the revocation call returned is refused.
func TestNoFetchSucceedsAfterRevocation(t *testing.T) {
	w := newWorld(t, Limits{DossierPerMinute: -1, InboxPerMinute: -1})
	w.unlock()
	g := w.grant("schuldhulp-a")
	link, _ := helper.ParseConsentURL(g.URL)
	var revokedAt atomic.Int64 // unix nanos, 0 until revocation returned
	var okBefore, okAfter, refusedAfter atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := w.helper(w.helperA)
			for ctx.Err() == nil {
				started := time.Now().UnixNano()
				_, err := h.Redeem(ctx, link, consent.PurposeIntake)
				after := revokedAt.Load() != 0 && started > revokedAt.Load()
				switch {
				case err == nil && after:
					okAfter.Add(1)
				case err == nil:
					okBefore.Add(1)
				case after && isCode(err, "consent_revoked"):
					refusedAfter.Add(1)
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // an organisation keeps pushing
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			jws := w.sign(w.cjib, debt(fmt.Sprint("p", i), fmt.Sprint("P-", i), int64(100+i)))
			resp, err := http.Post(w.base+"/api/v1/inbox", "application/jose", stringsReader(jws))
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()
	for okBefore.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	if code := w.call("DELETE", "/api/v1/consents/"+g.ID, nil, nil); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	revokedAt.Store(time.Now().UnixNano())
	for refusedAfter.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	wg.Wait()
	if okAfter.Load() != 0 {
		t.Fatalf("%d fetches that started after the revocation succeeded", okAfter.Load())
	}
	t.Logf("%d fetches before, %d refused after revocation", okBefore.Load(), refusedAfter.Load())
}

func TestDossierRateLimit(t *testing.T) {
	w := newWorld(t, Limits{DossierPerMinute: 4})
	w.unlock()
	g := w.grant("schuldhulp-a")
	link, _ := helper.ParseConsentURL(g.URL)
	var codes []string
	for i := 0; i < 6; i++ {
		_, err := w.helper(w.helperA).Redeem(context.Background(), link, consent.PurposeIntake)
		var ae *httpx.Error
		switch {
		case err == nil:
			codes = append(codes, "ok")
		case errorsAs(err, &ae):
			codes = append(codes, ae.Code)
		default:
			t.Fatal(err)
		}
	}
	if fmt.Sprint(codes) != "[ok ok ok ok rate_limited rate_limited]" {
		t.Fatalf("codes = %v", codes)
	}
}

// TestSlowClientIsCut: a client that never finishes its request is
// disconnected after the read timeout instead of holding the connection.
func TestSlowClientIsCut(t *testing.T) {
	w := newWorld(t, Limits{})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv, err := New(Config{Vault: w.vault, BaseURL: "http://" + ln.Addr().String(), ReadTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server kept a slow client's connection open")
	}
}

// TestOversizedUploadIsRefused: a body over the server's limit is refused
// before any handler reads it (413, or the connection is cut while the
// client still writes), nothing is stored, and the server keeps serving.
func TestOversizedUploadIsRefused(t *testing.T) {
	w := newWorld(t, Limits{UploadBody: 64 << 10, InboxBody: 32 << 10})
	before, _ := w.vault.Series(context.Background())
	body := []byte(`{"statements":["` + strings.Repeat("a", 100<<10) + `"]}`)
	resp, err := http.Post(w.base+"/api/v1/inbox", "application/json", byteReader(body))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", resp.StatusCode)
		}
	}
	after, _ := w.vault.Series(context.Background())
	if len(after) != len(before) {
		t.Fatal("an oversized body stored something")
	}
	resp, err = http.Get(w.base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("server after an oversized body: %v", err)
	}
	resp.Body.Close()
}

// TestShortCodeOverHTTP: the resident makes a code in the API; the helper
// redeems it with its key; a wrong code is refused.
func TestShortCodeOverHTTP(t *testing.T) {
	w := newWorld(t, Limits{})
	w.unlock()
	g := w.grant("schuldhulp-a")
	var sc struct{ Code string }
	if code := w.call("POST", "/api/v1/consents/"+g.ID+"/code", map[string]string{}, &sc); code != 200 || len(sc.Code) != 9 {
		t.Fatalf("short code: %d %+v", code, sc)
	}
	ctx := context.Background()
	d, err := w.helper(w.helperA).RedeemCode(ctx, w.base, strings.ToLower(sc.Code), consent.PurposeIntake)
	if err != nil {
		t.Fatal(err)
	}
	link, _ := helper.ParseConsentURL(g.URL)
	if _, err := w.importer(w.helperA).Verify(d, link.WalletID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.helper(w.helperA).RedeemCode(ctx, w.base, "ZZZZ-ZZZZ", consent.PurposeIntake); !isCode(err, "code_invalid") {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := w.helper(w.helperB).RedeemCode(ctx, w.base, sc.Code, consent.PurposeIntake); !isCode(err, "wrong_audience") {
		t.Fatalf("another helper with the code: %v", err)
	}
}
