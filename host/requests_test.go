package host

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestRequestsEndWithServerOrClient: a request's context on the host server
// ends when the server shuts down and when the client hangs up, so work done
// for it (a login's key derivation waiting for a slot, a catch-up, a
// redemption) stops once nobody waits for it. A route added for the test
// runs behind the server's own middleware.
func TestRequestsEndWithServerOrClient(t *testing.T) {
	tests := []struct {
		name string
		end  func(srv *Server, conn net.Conn) error
	}{
		{"shutdown", func(srv *Server, _ net.Conn) error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(ctx)
		}},
		{"hang-up", func(_ *Server, conn net.Conn) error { return conn.Close() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := clockedHost(t)
			srv := NewServer(h, ServerOptions{})
			started, ended := make(chan struct{}), make(chan error, 1)
			srv.app.Get("/test/wait", func(c *fiber.Ctx) error {
				close(started)
				select {
				case <-c.UserContext().Done():
					ended <- c.UserContext().Err()
				case <-time.After(10 * time.Second):
					ended <- nil
				}
				return nil
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve(ln)
			t.Cleanup(func() { srv.Shutdown(context.Background()) })
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, "GET /test/wait HTTP/1.1\r\nHost: "+ln.Addr().String()+"\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			select {
			case <-started:
			case <-time.After(5 * time.Second):
				t.Fatal("the request never reached its handler")
			}
			if err := tc.end(srv, conn); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if err := <-ended; !errors.Is(err, context.Canceled) {
				t.Fatalf("the request's context after %s: %v, want canceled", tc.name, err)
			}
		})
	}
}
