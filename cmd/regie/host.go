package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"

	"regie/host"
	"regie/trust"
)

func cmdHost(ctx context.Context, e *env, args []string) error {
	fs := flags("host [flags]")
	data := dataFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	public := fs.String("public-url", "", "the address residents, organisations and helpers use (https in production; default http://ADDR)")
	trustFile := fs.String("trust", "", "the host's trust list FILE: organisations it takes pushes from, helpers it serves")
	certFile := fs.String("tls-cert", "", "serve TLS with this certificate FILE (with --tls-key)")
	keyFile := fs.String("tls-key", "", "the TLS private key FILE")
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
	dir := e.dataDir(*data)
	var tl *trust.List
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
	h, err := host.Open(host.Config{Dir: dir, PublicURL: base, Trust: tl, Logger: logger, KDF: e.kdf})
	if err != nil {
		ln.Close()
		return err
	}
	defer h.Close()
	srv := host.NewServer(h, host.ServerOptions{TrustedProxies: proxies})
	fmt.Fprintf(e.stdout, "Regie host is running at %s (data in %s)\n", base, filepath.Clean(dir))
	return serveUntil(ctx, ln, srv.Serve, srv.Shutdown)
}
