package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"regie/org"
	"regie/trust"
	"regie/wallet"
)

func cmdOrg(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand("org", args, "new", "sign", "serve")
	if err != nil {
		return err
	}
	switch sub {
	case "new":
		return orgNew(e, args, false)
	case "sign":
		return orgSign(e, args)
	case "serve":
		return orgServe(ctx, e, args)
	}
	return usagef("unknown org command %q", sub)
}

// orgNew writes key.jwk and trust.json for an organisation or a helper.
func orgNew(e *env, args []string, helper bool) error {
	fs := flags("org new [flags]")
	if helper {
		fs = flags("helper new [flags]")
	}
	id := fs.String("id", "", "organisation id, e.g. cjib")
	title := fs.String("name", "", "organisation name")
	kind := new(string)
	if !helper {
		kind = fs.String("kind", "creditor", "creditor or income_payer")
	}
	endpoint := fs.String("endpoint", "", "base URL where the organisation serves statements")
	out := fs.String("out", "", "folder to write key.jwk and trust.json into")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *id == "" || *title == "" || *out == "" {
		return usagef("--id, --name and --out are required")
	}
	k := trust.Kind(*kind)
	if helper {
		k = trust.KindHelper
	} else if k != trust.KindCreditor && k != trust.KindIncomePayer {
		return usagef("--kind must be creditor or income_payer")
	}
	if _, err := os.Stat(filepath.Join(*out, "key.jwk")); err == nil {
		return fmt.Errorf("%s already holds a key.jwk; choose another folder", *out)
	}
	set, org, err := trust.NewOrganisation(*id, *title, k, *endpoint, time.Now().Year())
	if err != nil {
		return err
	}
	if err := trust.WriteKeyFiles(*out, set, org); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Wrote %s (private, keep it safe) and %s (give this to wallets).\n",
		filepath.Join(*out, "key.jwk"), filepath.Join(*out, "trust.json"))
	return nil
}

func orgSign(e *env, args []string) error {
	fs := flags("org sign [flags]")
	keyPath := fs.String("key", "", "the organisation's key.jwk")
	in := fs.String("in", "", "statement payload JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *keyPath == "" || *in == "" {
		return usagef("--key and --in are required")
	}
	_, key, err := trust.ReadSigningKey(*keyPath)
	if err != nil {
		return err
	}
	payload, err := readLimited(*in, wallet.MaxStatementSize)
	if err != nil {
		return err
	}
	jws, err := trust.SignStatement(key, payload)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, jws)
	return nil
}

func orgServe(ctx context.Context, e *env, args []string) error {
	fs := flags("org serve [flags]")
	keyPath := fs.String("key", "", "the organisation's key.jwk")
	dir := fs.String("statements", "", "folder of statement payloads (*.json) or signed statements (*.jws)")
	addr := fs.String("addr", "127.0.0.1:9101", "address to listen on")
	id := fs.String("id", "", "organisation id (default: from trust.json beside the key)")
	publicURL := fs.String("public-url", "", "the URL wallets reach this server at, e.g. https://statements.example.org; request tokens must name it (default http://<addr>)")
	portal := fs.Bool("portal", false, "offer POST /regie/v1/portal/codes, a stand-in for the portal login that hands a code to anyone who names a BSN (demos on 127.0.0.1 only)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *keyPath == "" || *dir == "" {
		return usagef("--key and --statements are required")
	}
	if *publicURL != "" {
		u, err := url.Parse(*publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return usagef("--public-url must be an http(s) address without a path, e.g. https://statements.example.org")
		}
	}
	_, key, err := trust.ReadSigningKey(*keyPath)
	if err != nil {
		return err
	}
	if *id == "" {
		if *id, err = trust.IDBesideKey(*keyPath); err != nil {
			return usagef("--id is required when no readable trust.json lies beside the key")
		}
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	srv := org.New(*id, key, *dir, org.Options{Portal: *portal, PublicURL: *publicURL,
		Logf: func(f string, a ...any) { logger.Info(fmt.Sprintf(f, a...), "org", *id) }})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	public := strings.TrimSuffix(*publicURL, "/")
	if public == "" {
		public = "http://" + ln.Addr().String()
	}
	fmt.Fprintf(e.stdout, "Organisation %s serves statements from %s at %s\n", *id, *dir, public)
	for _, c := range enrolCodes(srv, *dir) {
		fmt.Fprintln(e.stdout, c)
	}
	return serveUntil(ctx, ln, srv.Serve, srv.Shutdown)
}

// enrolCodes hands out one enrolment code per resident found in the
// statements folder, as the organisation's portal would after a login.
func enrolCodes(srv *org.Server, dir string) []string {
	subjects := map[wallet.BSN]bool{}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if !strings.HasSuffix(en.Name(), ".json") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			continue
		}
		if c, err := wallet.ParseClaims(raw); err == nil {
			subjects[c.Subject] = true
		}
	}
	var out []string
	for s := range subjects {
		out = append(out, fmt.Sprintf("Enrolment code for the resident ending in %s (valid 15 minutes): %s", s.String()[7:], srv.IssueCode(s)))
	}
	sort.Strings(out)
	return out
}
