package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"regie/host"
	"regie/internal/testkit"
	"regie/wallet"
)

// The PostgreSQL tests share one throwaway cluster per test binary; without
// PostgreSQL they skip.
func TestMain(m *testing.M) { os.Exit(testkit.PostgresMain(m)) }

// hostResidents makes a host data folder with two residents, locked.
func hostResidents(t *testing.T, dir string) map[string]string {
	t.Helper()
	ctx := context.Background()
	h, err := host.Open(host.Config{Dir: dir, PublicURL: "http://127.0.0.1:1", KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	pass := map[string]string{}
	for _, r := range []struct{ login, bsn, name, pass string }{
		{"fatima", "123456782", "Fatima de Vries", "paars paard zingt zacht"},
		{"jan", "111222333", "Jan Jansen", "groene trein rijdt snel"},
	} {
		id, secret, err := h.Signup(ctx, r.login, r.bsn, r.name, r.pass)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Logout(ctx, secret); err != nil {
			t.Fatal(err)
		}
		pass[id] = r.pass
	}
	return pass
}

// auditCopied runs `regie audit verify` on each vault of a copied host
// folder with its resident's passphrase.
func auditCopied(t *testing.T, dir string, pass map[string]string) {
	t.Helper()
	for id, p := range pass {
		raw, err := os.ReadFile(filepath.Join(dir, "vaults", id+".db"))
		if err != nil {
			t.Fatalf("the copy lacks vault %s: %v", id, err)
		}
		one := t.TempDir()
		if err := os.WriteFile(filepath.Join(one, wallet.FileName), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		c := newCLI(t, one)
		c.env["REGIE_PASSPHRASE"] = p
		if out := c.must("audit", "verify"); !strings.Contains(out, "intact") {
			t.Fatalf("audit verify of %s: %s", id, out)
		}
	}
}

// TestHostCopyCommand: `regie host copy` copies a host folder to a new
// folder (and, with PostgreSQL, to a database and back) so that every
// vault opens with its passphrase and passes `regie audit verify`; it
// refuses a missing source, a destination holding a host, the same store
// twice and a host that is running, each with one line and nothing
// written.
func TestHostCopyCommand(t *testing.T) {
	src := t.TempDir()
	pass := hostResidents(t, src)
	c := newCLI(t, src)

	dst := filepath.Join(t.TempDir(), "copy")
	out := c.must("host", "copy", "--from", src, "--to", dst)
	if !strings.Contains(out, "2 vaults") || !strings.Contains(out, "nothing was decrypted") {
		t.Fatalf("copy said: %s", out)
	}
	auditCopied(t, dst, pass)

	before, _ := os.ReadFile(filepath.Join(dst, "host.db"))
	missing := filepath.Join(t.TempDir(), "nothing-here")
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no flags", []string{"host", "copy"}, 2, "--from and --to"},
		{"same store", []string{"host", "copy", "--from", src, "--to", src + "/"}, 2, "same store"},
		{"missing source", []string{"host", "copy", "--from", missing, "--to", t.TempDir()}, 1, "holds no host"},
		{"destination holds a host", []string{"host", "copy", "--from", src, "--to", dst}, 1, "already holds a host"},
	} {
		code, out, errs := c.run(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.says) || out != "" {
			t.Errorf("%s: exit %d, %q %q; want %d saying %q", tc.name, code, out, errs, tc.code, tc.says)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a copy from a missing folder made it")
	}
	if after, _ := os.ReadFile(filepath.Join(dst, "host.db")); string(after) != string(before) {
		t.Error("a refused copy changed the destination")
	}

	h, err := host.Open(host.Config{Dir: src, KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs := c.run("host", "copy", "--from", src, "--to", t.TempDir())
	h.Close()
	if code != 1 || !strings.Contains(errs, "a host is running") {
		t.Errorf("copy from a running host: exit %d %q", code, errs)
	}

	t.Run("PostgreSQL", func(t *testing.T) {
		url := testkit.Postgres(t)
		c.must("host", "copy", "--from", src, "--to", url)
		back := filepath.Join(t.TempDir(), "back")
		out := c.must("host", "copy", "--from", url, "--to", back)
		if strings.Contains(out, url) || !strings.Contains(out, "the PostgreSQL database") {
			t.Errorf("copy back said: %s", out)
		}
		auditCopied(t, back, pass)
		if code, _, errs := c.run("host", "copy", "--from", src, "--to", url); code != 1 || !strings.Contains(errs, "not empty") {
			t.Errorf("copy into a database that holds a host: exit %d %q", code, errs)
		}
	})
}

// TestHostStoreFlag: `regie host --store` runs on PostgreSQL once the
// database is migrated (`regie host migrate`, twice is harmless) and says
// /readyz; before the migration, and for a --store that is no database
// URL or a database that does not answer, it stops with one line that
// never shows the URL's password.
func TestHostStoreFlag(t *testing.T) {
	c := newCLI(t, t.TempDir())
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"a folder as --store", []string{"host", "--store", t.TempDir()}, 2, "postgres:// URL"},
		{"migrate without a database", []string{"host", "migrate"}, 2, "give the database"},
		{"a database that does not answer", []string{"host", "--addr", "127.0.0.1:0", "--store", "postgres://regie:geheim-wachtwoord@127.0.0.1:1/regie"}, 1, "unavailable"},
		{"a URL that does not parse", []string{"host", "migrate", "--store", "postgres://regie:geheim-wachtwoord@[::1/regie"}, 1, "does not parse"},
	} {
		code, _, errs := c.run(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.says) || strings.Contains(errs, "geheim") {
			t.Errorf("%s: exit %d %q; want %d saying %q, without the password", tc.name, code, errs, tc.code, tc.says)
		}
	}

	url := testkit.Postgres(t)
	addr := freeAddr(t)
	if code, _, errs := c.run("host", "--addr", addr, "--store", url); code != 1 || !strings.Contains(errs, "regie host migrate") {
		t.Fatalf("host on a database without the schema: exit %d %q", code, errs)
	}
	for range 2 {
		if out := c.must("host", "migrate", "--store", url); !strings.Contains(out, "version") {
			t.Fatalf("migrate said %q", out)
		}
	}
	c.env["REGIE_STORE"] = url
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var out string
	go func() {
		code, o, _ := c.runCtx(ctx, "host", "--addr", addr)
		out = o
		done <- code
	}()
	ready := 0
	for range 200 {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if ready = resp.StatusCode; ready == 200 {
				break
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 || ready != 200 {
		t.Fatalf("host on PostgreSQL: /readyz %d, exit %d", ready, code)
	}
	if !strings.Contains(out, "data in the PostgreSQL database") || strings.Contains(out, url) {
		t.Errorf("host said: %s", out)
	}
}

// TestHostCopyHundredVaults: `regie host copy` carries a host of 100
// vaults from its data folder into PostgreSQL and back out to another
// folder, and every vault still opens with its own passphrase and passes
// `regie audit verify`.
func TestHostCopyHundredVaults(t *testing.T) {
	url := testkit.Postgres(t)
	src := t.TempDir()
	ctx := context.Background()
	h, err := host.Open(host.Config{Dir: src, PublicURL: "http://127.0.0.1:1", KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	pass := map[string]string{}
	for i := range 100 {
		p := fmt.Sprintf("een eigen zin nummer %03d", i)
		id, secret, err := h.Signup(ctx, fmt.Sprintf("bewoner%03d", i), testkit.BSN, testkit.Name, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Logout(ctx, secret); err != nil {
			t.Fatal(err)
		}
		pass[id] = p
	}
	h.Close()
	c := newCLI(t, t.TempDir())
	if out := c.must("host", "copy", "--from", src, "--to", url); !strings.Contains(out, "100 vaults") {
		t.Fatalf("copy to PostgreSQL said: %s", out)
	}
	back := filepath.Join(t.TempDir(), "back")
	if out := c.must("host", "copy", "--from", url, "--to", back); !strings.Contains(out, "100 vaults") {
		t.Fatalf("copy back said: %s", out)
	}
	auditCopied(t, back, pass)
	// A passphrase opens only its own vault.
	var one, other string
	for id := range pass {
		if one == "" {
			one = id
		} else if other == "" {
			other = id
		}
	}
	raw, err := os.ReadFile(filepath.Join(back, "vaults", one+".db"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, wallet.FileName), raw, 0o600)
	wrong := newCLI(t, dir)
	wrong.env["REGIE_PASSPHRASE"] = pass[other]
	if code, _, _ := wrong.run("audit", "verify"); code == 0 {
		t.Error("another resident's passphrase opened a copied vault")
	}
}
