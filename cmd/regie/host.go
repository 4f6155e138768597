package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sort"
	"strings"

	"regie/demo"
	"regie/host"
	"regie/trust"
)

func cmdHost(ctx context.Context, e *env, args []string) (err error) {
	if len(args) > 0 {
		switch args[0] {
		case "copy":
			return cmdHostCopy(ctx, e, args[1:])
		case "migrate":
			return cmdHostMigrate(ctx, e, args[1:])
		}
	}
	fs := flags("host [flags] | host copy --from DIR|URL --to DIR|URL | host migrate --store URL")
	data := dataFlag(fs)
	sf := addStoreFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	public := fs.String("public-url", "", "the address residents, organisations and helpers use (https in production; default http://ADDR)")
	trustFile := fs.String("trust", "", "the host's trust list FILE: organisations it takes pushes from, helpers it serves")
	certFile := fs.String("tls-cert", "", "serve TLS with this certificate FILE (with --tls-key)")
	keyFile := fs.String("tls-key", "", "the TLS private key FILE")
	withDemo := fs.Bool("demo", false, "a demo host: demo residents (login names and passphrases printed at start), the demo organisations pushing to them, and the demo counsellor")
	var proxies []string
	fs.Func("trusted-proxy", "CIDR of a reverse proxy whose X-Forwarded-For is believed (repeatable)", func(v string) error {
		if _, _, err := net.ParseCIDR(v); err != nil {
			return fmt.Errorf("not a CIDR: %q", v)
		}
		proxies = append(proxies, v)
		return nil
	})
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if err := everyInterface(*addr, *public, "give --public-url with the address residents, organisations and helpers use, or listen on one address such as 127.0.0.1:8080"); err != nil {
		return err
	}
	if (*certFile == "") != (*keyFile == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	if *certFile != "" && len(proxies) > 0 {
		return usagef("serve TLS itself (--tls-cert) or sit behind a proxy (--trusted-proxy), not both")
	}
	if *withDemo && *trustFile != "" {
		return usagef("--demo brings its own trust list (the demo organisations and counsellor); leave out --trust")
	}
	dir := e.dataDir(*data)
	where := sf.where(e)
	if where != "" && !isDatabase(where) {
		return usagef("--store (or REGIE_STORE) takes a postgres:// URL; the data folder is --data")
	}
	if where == "" {
		where = dir
	}
	var tl *trust.List
	var world *demo.World
	if *withDemo {
		if world, err = demo.StartOrganisations(ctx, dir); err != nil {
			return errors.Join(fmt.Errorf("demo: %w", err), world.Stop(context.Background()))
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			err = errors.Join(err, world.Stop(sctx))
		}()
		if tl, err = world.Trust(); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := world.WriteTrust(filepath.Join(dir, "demo", "trust-list.json")); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if *trustFile != "" {
		var err error
		if tl, err = readTrust(*trustFile); err != nil {
			return fmt.Errorf("--trust: %w", err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(*public, "/")
	if base == "" {
		scheme := "http"
		if *certFile != "" {
			scheme = "https"
		}
		base = scheme + "://" + ln.Addr().String()
	}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TLS: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	backend, err := openBackend(ctx, where, sf.options(), false)
	if err != nil {
		ln.Close()
		if isDatabase(where) {
			return fmt.Errorf("--store: %w", err)
		}
		return err
	}
	h, err := host.Open(host.Config{Dir: dir, Backend: backend, PublicURL: base, Trust: tl, Logger: logger, KDF: e.kdf})
	if err != nil {
		ln.Close()
		return err
	}
	defer h.Close()
	srv := host.NewServer(h, host.ServerOptions{TrustedProxies: proxies})
	fmt.Fprintf(e.stdout, "Regie host is running at %s (data in %s)\n", base, describe(where))
	serve := srv.Serve
	if world != nil {
		fresh, err := demoResidents(ctx, e, h, base, dir)
		if err != nil {
			ln.Close()
			return fmt.Errorf("demo: %w", err)
		}
		serve = func(ln net.Listener) error {
			// The organisations push once the host answers: a connection
			// waits in the listener's queue until then.
			go demoPushes(ctx, e, world, h, fresh)
			return srv.Serve(ln)
		}
	}
	return serveUntil(ctx, ln, serve, srv.Shutdown)
}

// demoResidents signs up the demo residents a demo host does not have yet,
// each locked again at once, prints every login name and passphrase, and
// returns the new ones.
func demoResidents(ctx context.Context, e *env, h *host.Host, base, dir string) (map[string]demo.Resident, error) {
	fresh := map[string]demo.Resident{}
	fmt.Fprintf(e.stdout, "Demo residents (log in at %s/inloggen):\n", base)
	for _, r := range demo.Residents() {
		id, secret, err := h.Signup(ctx, r.Login, string(r.BSN), r.Name, r.Passphrase)
		switch {
		case errors.Is(err, host.ErrTaken):
		case err != nil:
			return nil, fmt.Errorf("sign up %s: %w", r.Login, err)
		default:
			if err := h.Logout(ctx, secret); err != nil {
				return nil, err
			}
			fresh[id] = r
		}
		fmt.Fprintf(e.stdout, "  login %-8s passphrase %s\n", r.Login, r.Passphrase)
	}
	fmt.Fprintf(e.stdout, "Demo helper key for regie helper serve/import: %s (trust list %s)\n",
		filepath.Join(dir, "demo", demo.HelperID, "key.jwk"), filepath.Join(dir, "demo", "trust-list.json"))
	return fresh, nil
}

// demoPushes has the demo organisations push to each new demo resident's
// locked vault, so that the statements arrive at the first login.
func demoPushes(ctx context.Context, e *env, world *demo.World, h *host.Host, fresh map[string]demo.Resident) {
	ids := make([]string, 0, len(fresh))
	for id := range fresh {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return fresh[ids[i]].Login < fresh[ids[j]].Login })
	for _, id := range ids {
		r := fresh[id]
		n, err := world.Push(ctx, h.WalletURL(id), r)
		if err != nil {
			fmt.Fprintf(e.stderr, "demo: pushing to %s: %s\n", r.Login, oneLine(err))
			continue
		}
		fmt.Fprintf(e.stdout, "Demo organisations pushed %d statements to %s while the vault was locked; they arrive at login\n", n, r.Login)
	}
	fmt.Fprintln(e.stdout, "Demo host ready")
}
