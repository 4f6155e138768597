package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"regie/api"
	"regie/demo"
	"regie/trust"
	"regie/wallet"
)

// demoPassphrase unlocks a demo vault when REGIE_PASSPHRASE is not set.
const demoPassphrase = "regie-demo-2026"

// shutdownGrace is how long a server waits, after a signal, for the
// requests in flight to return. Their contexts are cancelled at once, so
// this only has to cover a handler finishing what it holds.
const shutdownGrace = 3 * time.Second

// serveUntil answers on ln until serving fails or ctx ends (SIGINT or
// SIGTERM), then shuts down within shutdownGrace. It reports what went
// wrong with either, so a server that could not stop cleanly says so.
func serveUntil(ctx context.Context, ln net.Listener, serve func(net.Listener) error, shutdown func(context.Context) error) error {
	errc := make(chan error, 1)
	go func() { errc <- serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	select {
	case err := <-errc:
		return err
	case <-sctx.Done():
		return fmt.Errorf("shutdown: %w", sctx.Err())
	}
}

func cmdServe(ctx context.Context, e *env, args []string) (err error) {
	fs := flags("serve [flags]")
	data := dataFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	withDemo := fs.Bool("demo", false, "create a vault with demo data when there is none, and run demo organisations")
	public := fs.String("public-url", "", "the address helpers and organisations use (default http://ADDR)")
	trustFile := fs.String("trust", "", "trust list FILE that pushes are checked against while the vault is locked (without it a locked vault refuses pushes)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if err := everyInterface(*addr, *public, "give --public-url with the address helpers and organisations use, or listen on one address such as 127.0.0.1:8080"); err != nil {
		return err
	}
	dir := e.dataDir(*data)
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	v, err := e.openVault(dir)
	if err != nil {
		return err
	}
	defer v.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := *public
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	pass := e.getenv("REGIE_PASSPHRASE")
	if *withDemo {
		if pass == "" {
			pass = demoPassphrase
		}
		d, err := demo.Start(ctx, v, dir, pass)
		if err != nil {
			ln.Close()
			return fmt.Errorf("demo: %w", err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			err = errors.Join(err, d.Stop(sctx))
		}()
		if d.Imported > 0 {
			logger.Info("demo vault created", "statements", d.Imported)
		}
	} else if exists, err := v.Exists(); err != nil || !exists {
		ln.Close()
		if err != nil {
			return err
		}
		return fmt.Errorf("%w in %s: run regie init first, or regie serve --demo", wallet.ErrNoVault, dir)
	}
	if pass != "" && !v.Unlocked() {
		if err := v.Unlock(ctx, pass); err != nil {
			ln.Close()
			return err
		}
	}
	var hostTrust *trust.List
	if *trustFile != "" {
		if hostTrust, err = readTrust(*trustFile); err != nil {
			ln.Close()
			return fmt.Errorf("--trust: %w", err)
		}
	}
	srv, err := api.New(api.Config{HostTrust: hostTrust, Vault: v, BaseURL: base, Logger: logger})
	if err != nil {
		ln.Close()
		return err
	}
	if err := trust.WriteFileAtomic(filepath.Join(dir, servedAtFile), []byte(base+"\n"), 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("record the wallet's address: %w", err)
	}
	fmt.Fprintf(e.stdout, "Regie is running at %s (data in %s)\n", base, filepath.Clean(dir))
	if *withDemo {
		if e.getenv("REGIE_PASSPHRASE") == "" {
			fmt.Fprintf(e.stdout, "Demo passphrase: %s\n", demoPassphrase)
		} else {
			fmt.Fprintln(e.stdout, "Demo passphrase: the one in REGIE_PASSPHRASE")
		}
		fmt.Fprintf(e.stdout, "Demo helper key for regie helper serve/import: %s\n", filepath.Join(dir, "demo", demo.HelperID, "key.jwk"))
	}
	return serveUntil(ctx, ln, srv.Serve, srv.Shutdown)
}

// servedAtFile records, beside the vault, the address `regie serve` last
// answered on, so that `regie consent grant` prints the address of the
// wallet the resident actually runs instead of a guess.
const servedAtFile = "served-at.txt"

// servedAt is the address recorded by the last `regie serve` with this
// data, or "" when it never ran (or the record is not a URL).
func servedAt(dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, servedAtFile))
	if err != nil {
		return ""
	}
	base := strings.TrimSpace(string(raw))
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return base
}
