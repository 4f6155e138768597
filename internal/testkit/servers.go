package testkit

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"regie/org"
	"regie/trust"
)

// Serve runs a server on a fresh 127.0.0.1 port until the test ends and
// returns its base URL.
func Serve(t testing.TB, serve func(net.Listener) error, shutdown func(context.Context) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go serve(ln)
	t.Cleanup(func() { shutdown(context.Background()) })
	return "http://" + ln.Addr().String()
}

// StallingOrg is a real organisation server behind a real proxy on
// 127.0.0.1 that passes enrolment through but holds every statements pull
// open until the puller gives up on it. Tests use it to show that work for
// a request stops when nobody waits for it any more.
type StallingOrg struct {
	// Entry is the organisation's trust list entry, its endpoint the proxy.
	Entry trust.Organisation
	// Server hands out enrolment codes (Server.IssueCode).
	Server *org.Server
	// Started gets a value when a pull arrives, Released when the puller
	// abandons it.
	Started, Released chan struct{}
	pulls             atomic.Int32
}

// NewStallingOrg starts a stalling organisation with id until the test ends.
func NewStallingOrg(t testing.TB, id string) *StallingOrg {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	set, entry, err := trust.NewOrganisation(id, "Trage Incasso", trust.KindCreditor, "http://"+ln.Addr().String(), 2026)
	if err != nil {
		t.Fatal(err)
	}
	key, err := trust.SigningKeyOf(set)
	if err != nil {
		t.Fatal(err)
	}
	s := &StallingOrg{Entry: entry, Server: org.New(id, key, t.TempDir(), org.Options{}),
		Started: make(chan struct{}, 16), Released: make(chan struct{}, 16)}
	target, _ := url.Parse(Serve(t, s.Server.Serve, s.Server.Shutdown))
	proxy := httputil.NewSingleHostReverseProxy(target)
	hs := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/regie/v1/statements" {
			proxy.ServeHTTP(rw, r)
			return
		}
		s.pulls.Add(1)
		s.Started <- struct{}{}
		<-r.Context().Done() // the puller closed the connection
		s.Released <- struct{}{}
	})}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return s
}

// Pulls is how many statements pulls have arrived.
func (s *StallingOrg) Pulls() int { return int(s.pulls.Load()) }
