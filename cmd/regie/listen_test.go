package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServersRefuseAnUnspecifiedAddressWithoutPublicURL: a server told to
// listen on every interface (0.0.0.0, [::] or no host) cannot know the name
// its clients will use, and its Host check would answer 421 to all of them.
// Without --public-url each server command refuses to start, with one line
// that says what to give, and exit 2 like every other bad flag.
func TestServersRefuseAnUnspecifiedAddressWithoutPublicURL(t *testing.T) {
	c := newCLI(t, t.TempDir())
	commands := map[string][]string{
		"serve":        {"serve"},
		"host":         {"host"},
		"helper serve": {"helper", "serve", "--key", "absent.jwk"},
	}
	for name, args := range commands {
		for _, addr := range []string{"0.0.0.0:0", "[::]:0", ":0"} {
			t.Run(name+"/"+addr, func(t *testing.T) {
				// A server that does start is stopped after a moment and fails.
				ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
				defer cancel()
				code, out, errs := c.runCtx(ctx, append(append([]string{}, args...), "--addr", addr)...)
				if code != 2 || out != "" || !strings.Contains(errs, "--addr "+addr) || strings.Contains(errs, "running") {
					t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 naming the address", code, out, errs)
				}
				if !strings.Contains(errs, "127.0.0.1") {
					t.Fatalf("stderr %q does not say what to give instead", errs)
				}
			})
		}
	}
}

// TestServeOnEveryInterfaceWithPublicURLAnswers: with --public-url the
// wallet may listen on 0.0.0.0 and answers requests addressed to that URL.
func TestServeOnEveryInterfaceWithPublicURLAnswers(t *testing.T) {
	c := newCLI(t, t.TempDir())
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne de Vries")
	_, port, _ := net.SplitHostPort(freeAddr(t))
	public := "http://127.0.0.1:" + port
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out string
	go func() {
		code, o, _ := c.runCtx(ctx, "serve", "--addr", "0.0.0.0:"+port, "--public-url", public)
		out = o
		done <- code
	}()
	waitFor(t, public+"/healthz")
	resp, err := http.Get(public + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz via the public URL: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(out, "running at "+public) {
			t.Fatalf("exit %d, stdout %q", code, out)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("regie serve did not stop")
	}
}
