package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"regie/api"
	"regie/demo"
	"regie/wallet"
)

// demoPassphrase unlocks a demo vault when REGIE_PASSPHRASE is not set.
const demoPassphrase = "regie-demo-2026"

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := flags("serve [flags]")
	data := dataFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	withDemo := fs.Bool("demo", false, "create a vault with demo data when there is none, and run demo organisations")
	public := fs.String("public-url", "", "the address helpers and organisations use (default http://ADDR)")
	if err := parseNone(fs, args); err != nil {
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
		defer d.Stop()
		if d.Imported > 0 {
			logger.Info("demo vault created", "statements", d.Imported)
		}
	} else if !v.Exists() {
		ln.Close()
		return fmt.Errorf("%w in %s: run regie init first, or regie serve --demo", wallet.ErrNoVault, dir)
	}
	if pass != "" && !v.Unlocked() {
		if err := v.Unlock(ctx, pass); err != nil {
			ln.Close()
			return err
		}
	}
	srv, err := api.New(api.Config{Vault: v, BaseURL: base, Logger: logger})
	if err != nil {
		ln.Close()
		return err
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
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}
}
