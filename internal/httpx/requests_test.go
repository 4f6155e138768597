package httpx

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestWatchLeavesRequestBytes: the hang-up watch peeks without reading, so
// pipelined and keep-alive requests on one connection are all answered,
// each handler sees a live context, and a handler that outlives the read
// timeout is not cut off.
func TestWatchLeavesRequestBytes(t *testing.T) {
	reqs := NewRequests()
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadTimeout: 200 * time.Millisecond})
	app.Use(reqs.Handler)
	app.Get("/:n", func(c *fiber.Ctx) error {
		if c.Params("n") == "slow" {
			time.Sleep(400 * time.Millisecond) // longer than ReadTimeout
		}
		if err := c.UserContext().Err(); err != nil {
			return c.SendString("cancelled " + c.Params("n"))
		}
		return c.SendString("live " + c.Params("n"))
	})
	conn, err := net.Dial("tcp", serve(t, reqs, app))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	read := func(want string) {
		t.Helper()
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
	get := func(n string) string { return "GET /" + n + " HTTP/1.1\r\nHost: x\r\n\r\n" }
	// Two pipelined requests, then a keep-alive one after a slow handler.
	if _, err := io.WriteString(conn, get("slow")+get("two")); err != nil {
		t.Fatal(err)
	}
	read("live slow")
	read("live two")
	if _, err := io.WriteString(conn, get("three")); err != nil {
		t.Fatal(err)
	}
	read("live three")
}

// TestHangUpCancelsRequest: closing the connection ends the handler's
// context while it runs.
func TestHangUpCancelsRequest(t *testing.T) {
	reqs := NewRequests()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(reqs.Handler)
	ended := make(chan error, 1)
	app.Get("/wait", func(c *fiber.Ctx) error {
		select {
		case <-c.UserContext().Done():
			ended <- c.UserContext().Err()
		case <-time.After(10 * time.Second):
			ended <- nil
		}
		return nil
	})
	conn, err := net.Dial("tcp", serve(t, reqs, app))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the handler start
	conn.Close()
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("handler context after hang-up: %v", err)
	}
}

// serve runs app on 127.0.0.1 until the test ends and returns its address.
func serve(t *testing.T, reqs *Requests, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { reqs.Shutdown(context.Background(), app) })
	return ln.Addr().String()
}
