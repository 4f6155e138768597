package helper

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"regie/consent"
	"regie/trust"
)

func newClient(t *testing.T) *Client {
	t.Helper()
	key, err := trust.NewSigningKey("schuldhulp-a-2026")
	if err != nil {
		t.Fatal(err)
	}
	return &Client{ID: "schuldhulp-a", Key: key}
}

// TestDeadWalletIsOneSentence: a wallet that cannot be reached is reported
// as exactly that, in words about the wallet, never about an organisation.
func TestDeadWalletIsOneSentence(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	link, err := ParseConsentURL("http://" + addr + "/c/AAAAAAAAAAAAAAAAAAAAAA#wk=x")
	if err != nil {
		t.Fatal(err)
	}
	_, err = newClient(t).Redeem(context.Background(), link, consent.PurposeIntake)
	if err == nil || err.Error() != "the wallet could not be reached" {
		t.Fatalf("dead wallet: %v", err)
	}
	if !errors.Is(err, ErrWalletUnreachable) {
		t.Errorf("dead wallet: %v does not match ErrWalletUnreachable", err)
	}
	// The desk says the same, in the counsellor's language.
	if got := deskReason("nl", err); got != "de kluis van de inwoner is niet bereikbaar." {
		t.Errorf("desk nl: %q", got)
	}
	if got := deskReason("en", err); got != "the resident's vault cannot be reached." {
		t.Errorf("desk en: %q", got)
	}
}

// TestWalletAnswerCutOff: a wallet that stops halfway through its answer
// is unreachable too, in the same words.
func TestWalletAnswerCutOff(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jose")
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("eyJhbGciOi"))
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
	}))
	defer srv.Close()
	link, _ := ParseConsentURL(srv.URL + "/c/AAAAAAAAAAAAAAAAAAAAAA#wk=x")
	_, err := newClient(t).Redeem(context.Background(), link, consent.PurposeIntake)
	if err == nil || err.Error() != "the wallet could not be reached" || !errors.Is(err, ErrWalletUnreachable) {
		t.Fatalf("cut-off answer: %v", err)
	}
}
