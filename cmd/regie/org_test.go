package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOrgServePublicURL: `regie org serve --public-url` takes only an
// http(s) origin, and announces the URL request tokens must name.
func TestOrgServePublicURL(t *testing.T) {
	c := newCLI(t, t.TempDir())
	dir := filepath.Join(t.TempDir(), "cjib")
	c.must("org", "new", "--id", "cjib", "--name", "CJIB", "--kind", "creditor", "--out", dir)
	serve := []string{"org", "serve", "--key", filepath.Join(dir, "key.jwk"), "--statements", dir, "--addr", "127.0.0.1:0"}
	for name, bad := range map[string]string{"ftp": "ftp://statements.cjib.example", "no-host": "https://",
		"no-scheme": "statements.cjib.example", "path-and-query": "https://statements.cjib.example/x?y=1"} {
		t.Run("refused-"+name, func(t *testing.T) {
			if code, out, errs := c.run(append(serve, "--public-url", bad)...); code != 2 {
				t.Errorf("exit %d, want 2: %s%s", code, out, errs)
			}
		})
	}
	t.Run("announced", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_, out, _ := c.runCtx(ctx, append(serve, "--public-url", "https://statements.cjib.example/")...)
		if !strings.Contains(out, "at https://statements.cjib.example\n") {
			t.Errorf("output %q does not name the public URL", out)
		}
	})
}
