package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"regie/consent"
	"regie/helper"
	"regie/internal/httpx"
	"regie/trust"
)

func cmdHelper(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand("helper", args, "new", "import", "serve")
	if err != nil {
		return err
	}
	switch sub {
	case "new":
		return orgNew(e, args, true)
	case "import":
		return helperImport(ctx, e, args)
	case "serve":
		return helperServe(ctx, e, args)
	}
	return usagef("unknown helper command %q", sub)
}

// readTrust reads a trust list document, or a single organisation entry.
func readTrust(path string) (*trust.List, error) {
	raw, err := readLimited(path, 8<<20)
	if err != nil {
		return nil, err
	}
	tl, err := trust.ParseList(raw)
	if err == nil {
		return tl, nil
	}
	if o, err2 := trust.ParseOrganisation(raw); err2 == nil {
		return trust.NewList([]trust.Organisation{o})
	}
	return nil, err
}

func newHelperImporter(keyPath, id, trustPath string) (*helper.Importer, jose.JSONWebKeySet, error) {
	if keyPath == "" || trustPath == "" {
		return nil, jose.JSONWebKeySet{}, usagef("--key and --trust are required")
	}
	set, key, err := trust.ReadSigningKey(keyPath)
	if err != nil {
		return nil, set, err
	}
	if id == "" {
		if id, err = trust.IDBesideKey(keyPath); err != nil {
			return nil, set, usagef("--id is required when no readable trust.json lies beside the key")
		}
	}
	tl, err := readTrust(trustPath)
	if err != nil {
		return nil, set, err
	}
	// A helper without an encryption key is served only plain answers.
	dec, _ := trust.DecryptionKeyOf(set)
	return helper.NewImporter(&helper.Client{ID: id, Key: key, Dec: dec}, tl), set, nil
}

func helperImport(ctx context.Context, e *env, args []string) error {
	fs := flags("helper import [flags] URL|FILE")
	keyPath := fs.String("key", "", "the helper's key.jwk")
	trustPath := fs.String("trust", "", "the trust list of organisations the helper believes")
	id := fs.String("id", "", "the helper's organisation id (default: from trust.json beside the key)")
	out := fs.String("out", "", "write here instead of standard output")
	format := fs.String("format", "json", "json (with provenance), csv (Dutch spreadsheet), skp (Schuldenknooppunt Saldoverzoek-antwoord) or ddas (DDAS v1.0)")
	orgFile := fs.String("org-file", "", "your organisation's settings (JSON: name, gemeentecode, kvk, postcode, contact) for skp and ddas; required for ddas")
	purpose := fs.String("purpose", string(consent.PurposeIntake), "the purpose of this fetch")
	wk := fs.String("wk", "", "for a file: the wallet key thumbprint the resident gave (required)")
	code := fs.String("code", "", "the short code the resident read aloud (with --wallet instead of a URL or file)")
	walletAddr := fs.String("wallet", "", "with --code: the address of the resident's wallet")
	trustAny := fs.Bool("trust-any-wallet-key", false, "for a file without --wk: accept a dossier signed by any wallet key (the output warns)")
	since := fs.String("since", "", "the JSON file of this resident's previous import: print what changed since (the new import goes only to --out)")
	changesFormat := fs.String("changes-format", "text", "with --since: text (amounts as € 1.234,56) or json (cents)")
	// Flags may follow the URL or file.
	var target string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		target, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if target == "" && fs.NArg() == 1 {
		target = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{msg: "name one consent URL or dossier file", usage: usageLine(fs)}
	}
	switch {
	case *code != "" && target != "":
		return usageError{msg: "give either a consent URL or file, or --code with --wallet", usage: usageLine(fs)}
	case *code != "" && *walletAddr == "":
		return usagef("--code needs --wallet, the address of the resident's wallet (the resident's page shows it)")
	case *code == "" && target == "":
		return usageError{msg: "name the consent URL or the dossier file, or give --code and --wallet", usage: usageLine(fs)}
	}
	if !slices.Contains([]string{"json", "csv", "skp", "ddas"}, *format) {
		return usagef("--format must be json, csv, skp or ddas")
	}
	if *changesFormat != "text" && *changesFormat != "json" {
		return usagef("--changes-format must be text or json")
	}
	var org *helper.OrgSettings
	if *orgFile != "" {
		s, err := helper.ReadOrgSettings(*orgFile)
		if err != nil {
			return usagef("--org-file: %v", err)
		}
		org = &s
	} else if *format == "ddas" {
		return usagef("--format ddas needs --org-file: a DDAS delivery names your organisation and its gemeentecode")
	}
	im, set, err := newHelperImporter(*keyPath, *id, *trustPath)
	if err != nil {
		return err
	}
	// The previous import is checked before the wallet is asked: a file
	// that cannot be compared costs the resident no release.
	var prev *consent.VerifiedDossier
	var prevSignals *consent.VerifiedSignals
	if *since != "" {
		if prev, prevSignals, err = readPrevious(im, *since); err != nil {
			return err
		}
	}
	var vd *consent.VerifiedDossier
	var vs *consent.VerifiedSignals
	if *code != "" {
		vd, err = im.FromCode(ctx, *walletAddr, *code, consent.Purpose(*purpose))
	} else if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		vd, vs, err = im.FetchURL(ctx, target, consent.Purpose(*purpose))
	} else {
		if *wk == "" && !*trustAny {
			return usagef("a dossier file needs --wk THUMBPRINT, the wallet key the resident gave with it; without it anyone could have signed the dossier (--trust-any-wallet-key accepts that risk)")
		}
		vd, err = importFile(im, set, target, *wk)
		if err == nil && *wk == "" {
			fmt.Fprintf(e.stderr, "WARNING: the wallet key was not checked (--trust-any-wallet-key): this dossier may come from any wallet, not necessarily the resident's. Ask the resident for the wallet key and import again with --wk.\n")
		}
	}
	if err != nil {
		return explain(err)
	}
	if vs != nil || prevSignals != nil {
		return writeSignals(e, im, vs, prevSignals, *since, *out, *format)
	}
	var changes helper.Changes
	if prev != nil {
		if changes, err = helper.Compare(prev, vd); err != nil {
			return fmt.Errorf("--since %s: %w; nothing was written", *since, err)
		}
		changes.NameOrganisations(im.Trust)
	}
	exp := helper.NewExport(vd, im.Trust)
	var body []byte
	switch *format {
	case "csv":
		body, err = exp.CSV()
	case "skp":
		body, err = exp.SKP(org)
	case "ddas":
		body, err = exp.DDAS(*org)
	default:
		body, err = exp.JSON()
	}
	if err != nil {
		return err
	}
	if *out == "" && prev == nil {
		_, err = e.stdout.Write(body)
		return err
	}
	if *out != "" {
		if err := trust.WriteFileAtomic(*out, body, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Verified %d statements from wallet %s; written to %s\n", len(vd.Verified), vd.WalletID, *out)
	} else {
		fmt.Fprintf(e.stderr, "Verified %d statements from wallet %s; the import itself was not kept: give --out FILE to compare with it next time\n",
			len(vd.Verified), vd.WalletID)
	}
	if prev == nil {
		return nil
	}
	if *changesFormat == "json" {
		raw, err := json.MarshalIndent(changes, "", "  ")
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(append(raw, '\n'))
		return err
	}
	_, err = io.WriteString(e.stdout, changes.Text("en"))
	return err
}

// readPrevious reads and verifies again the previous import that --since
// names: a dossier's export, or a signals export; any refusal says that
// nothing was written.
func readPrevious(im *helper.Importer, path string) (*consent.VerifiedDossier, *consent.VerifiedSignals, error) {
	raw, err := readLimited(path, 4*helper.MaxDossier)
	if err != nil {
		return nil, nil, fmt.Errorf("--since: %w; nothing was written", err)
	}
	var head struct {
		Format string `json:"format"`
	}
	if json.Unmarshal(raw, &head) == nil && head.Format == helper.SignalsExportFormat {
		prev, err := im.PreviousSignals(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("--since %s: %w; nothing was written", path, err)
		}
		return nil, prev, nil
	}
	prev, err := im.Previous(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("--since %s: %w; nothing was written", path, err)
	}
	return prev, nil, nil
}

// writeSignals writes a verified signals release as JSON (to --out, or
// standard output), and with --since the new signals since the previous
// release, one line each. A signals release and a dossier are never
// compared, and a signals release has no spreadsheet form.
func writeSignals(e *env, im *helper.Importer, vs, prev *consent.VerifiedSignals, since, out, format string) error {
	switch {
	case vs == nil:
		return fmt.Errorf("--since %s: that is a signals export, and this consent released a dossier; nothing was written", since)
	case since != "" && prev == nil:
		return fmt.Errorf("--since %s: that is a dossier's export, and this consent released signals; nothing was written", since)
	case format != "json":
		return fmt.Errorf("a signals release has no %s form: it holds no amounts or references; import it as json; nothing was written", format)
	}
	var changes string
	if prev != nil {
		var err error
		if changes, err = helper.SignalChanges(prev, vs, im.Trust); err != nil {
			return fmt.Errorf("--since %s: %w; nothing was written", since, err)
		}
	}
	body, err := json.MarshalIndent(helper.NewSignalsExport(vs, im.Trust), "", "  ")
	if err != nil {
		return err
	}
	body = append(body, '\n')
	if out == "" && prev == nil {
		_, err = e.stdout.Write(body)
		return err
	}
	if out != "" {
		if err := trust.WriteFileAtomic(out, body, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Verified %d signals from wallet %s; written to %s\n", len(vs.Signals), vs.WalletID, out)
	}
	_, err = io.WriteString(e.stdout, changes)
	return err
}

func importFile(im *helper.Importer, set jose.JSONWebKeySet, path, wk string) (*consent.VerifiedDossier, error) {
	raw, err := readLimited(path, helper.MaxDossier)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(string(raw))
	if strings.Count(text, ".") == 4 {
		dec, err := trust.DecryptionKeyOf(set)
		if err != nil {
			return nil, err
		}
		if text, err = consent.OpenDossier(text, dec); err != nil {
			return nil, err
		}
	}
	return im.Verify(text, wk)
}

// explain adds what the refusal means to the wallet's or the check's words.
func explain(err error) error {
	var ae *httpx.Error
	if errors.As(err, &ae) {
		return fmt.Errorf("the wallet refused: %s (%s)", ae.Message, ae.Code)
	}
	var r *trust.Refusal
	if errors.As(err, &r) {
		return fmt.Errorf("dossier refused: %v (%s); nothing was written", err, r.Code())
	}
	return err
}

func helperServe(ctx context.Context, e *env, args []string) error {
	fs := flags("helper serve [flags]")
	keyPath := fs.String("key", "", "the helper's key.jwk")
	trustPath := fs.String("trust", "", "the trust list of organisations the helper believes")
	id := fs.String("id", "", "the helper's organisation id (default: from trust.json beside the key)")
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	// The desk runs on the counsellor's own machine and has no public URL.
	if err := everyInterface(*addr, "", "listen on one address, such as 127.0.0.1:8090"); err != nil {
		return err
	}
	im, _, err := newHelperImporter(*keyPath, *id, *trustPath)
	if err != nil {
		return err
	}
	desk, err := helper.NewDesk(im, slog.New(slog.NewTextHandler(e.stderr, nil)))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Helper desk for %s at http://%s\n", im.Client.ID, ln.Addr())
	return serveUntil(ctx, ln, desk.Serve, desk.Shutdown)
}
