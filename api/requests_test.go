package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"regie/internal/testkit"
	"regie/trust"
)

// worldWithStallingSource is an unlocked wallet connected to an
// organisation that never answers a pull.
func worldWithStallingSource(t *testing.T) (*world, *testkit.StallingOrg) {
	t.Helper()
	w := newWorld(t, Limits{})
	slow := testkit.NewStallingOrg(t, "traag")
	if err := (trust.Store{Vault: w.vault}).Add(context.Background(), slow.Entry); err != nil {
		t.Fatal(err)
	}
	w.unlock()
	if code := w.call("POST", "/api/v1/sources", map[string]string{"org": "traag", "code": slow.Server.IssueCode(ownerBSN)}, nil); code != 201 {
		t.Fatalf("connect: %d", code)
	}
	return w, slow
}

// TestClientHangUpStopsOrganisationPull: a resident refreshes her sources
// and closes the page while an organisation stalls. Her request's context
// ends with her connection, so the wallet abandons the pull at once rather
// than holding it for the organisation client's 10 s timeout and retrying.
func TestClientHangUpStopsOrganisationPull(t *testing.T) {
	w, slow := worldWithStallingSource(t)

	ctx, hangUp := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", w.base+"/api/v1/sources/refresh", bytes.NewReader([]byte("{}")))
	req.Header.Set("Content-Type", "application/json")
	answered := make(chan error, 1)
	go func() {
		resp, err := w.resident.Do(req)
		if err == nil {
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			err = fmt.Errorf("%d %s", resp.StatusCode, raw)
		}
		answered <- err
	}()
	select {
	case <-slow.Started:
	case err := <-answered:
		t.Fatalf("refresh answered before pulling: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("the wallet never pulled")
	}
	hangUp()
	<-answered
	select {
	case <-slow.Released:
	case <-time.After(5 * time.Second): // well before the client's 10 s timeout
		t.Fatal("the pull went on after the resident hung up")
	}
	// No retry follows: the refresh ended with its request. A retry would
	// come after the 250 ms backoff; the wallet's answer to the next
	// request shows the refresh handler has returned.
	time.Sleep(600 * time.Millisecond)
	if code := w.call("GET", "/api/v1/sources", nil, nil); code != 200 {
		t.Fatalf("sources: %d", code)
	}
	if n := slow.Pulls(); n != 1 {
		t.Fatalf("%d pulls after hang-up, want the one abandoned", n)
	}
}

// TestShutdownCancelsRequestsInFlight: shutting the wallet down ends the
// contexts of requests in flight, so a stalled pull does not hold the
// shutdown for the organisation client's timeout.
func TestShutdownCancelsRequestsInFlight(t *testing.T) {
	w, slow := worldWithStallingSource(t)
	go w.resident.Post(w.base+"/api/v1/sources/refresh", "application/json", bytes.NewReader([]byte("{}")))
	select {
	case <-slow.Started:
	case <-time.After(5 * time.Second):
		t.Fatal("the wallet never pulled")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a pull in flight: %v", err)
	}
	// The wallet has dropped the pull; the organisation's server notices
	// the closed connection a moment later.
	select {
	case <-slow.Released:
	case <-time.After(5 * time.Second): // well before the organisation client's 10 s timeout
		t.Fatal("the pull went on after shutdown")
	}
}
