package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"regie/connectors"
	"regie/trust"
	"regie/wallet"
)

func cmdImport(ctx context.Context, e *env, args []string) error {
	fs := flags("import [flags] FILE...")
	data := dataFlag(fs)
	format := fs.String("format", "table", "table (a summary) or json (the full report)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("name one or more .jws files or JSON bundles")
	}
	var items []connectors.Item
	unreadable := map[string]error{}
	var order []string
	for _, path := range fs.Args() {
		raw, err := readLimited(path, 64<<20)
		if err == nil {
			var list []connectors.Item
			if list, err = connectors.FileItems(path, raw); err == nil {
				items = append(items, list...)
				continue
			}
		}
		unreadable[path] = err
		order = append(order, path)
	}
	v, err := e.unlocked(ctx, e.dataDir(*data))
	if err != nil {
		return err
	}
	defer v.Close()
	var progress func(done, total int)
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && len(items) >= 20 {
		progress = func(done, total int) {
			const width = 30
			n := width * done / total
			fmt.Fprintf(e.stderr, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
			if done == total {
				fmt.Fprintln(e.stderr)
			}
		}
	}
	rep, err := (&connectors.Importer{Vault: v}).Import(ctx, wallet.ChannelFile, items, progress)
	if err != nil {
		return err
	}
	for _, path := range order {
		rep.AddUnreadable(path, "unreadable", unreadable[path])
	}
	if *format == "json" {
		if err := e.printJSON(rep); err != nil {
			return err
		}
	} else {
		for _, it := range rep.Items {
			if it.Outcome == connectors.OutcomeRefused {
				fmt.Fprintf(e.stdout, "refused  %s: %s (%s)\n", it.Name, it.Message, it.Reason)
			}
		}
		fmt.Fprintf(e.stdout, "%d added, %d as history, %d already known, %d refused\n", rep.Added, rep.History, rep.Duplicates, rep.Refused)
	}
	if rep.Refused > 0 {
		return fmt.Errorf("%d of %d statements refused: %w", rep.Refused, rep.Refused+rep.Accepted()+rep.Duplicates, errRefused)
	}
	return nil
}

// subUnlock parses the flags of one subcommand of sources or trust (only
// list takes --format), checks at most two operands follow them, and opens
// the unlocked vault; the caller closes it.
func (e *env) subUnlock(ctx context.Context, sub string, args []string, synopsis map[string]string) (*flag.FlagSet, *wallet.Vault, *string, error) {
	fs := flags(synopsis[sub])
	data := dataFlag(fs)
	format := new(string)
	if sub == "list" {
		format = e.format(fs)
	} else {
		*format = "table"
	}
	v, err := e.parseAndUnlock(ctx, fs, data, format, args, 2)
	return fs, v, format, err
}

// readLimited reads a whole file, refusing one larger than max.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", filepath.Base(path), max)
	}
	return raw, nil
}

func cmdSources(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand("sources", args, "connect", "list", "refresh")
	if err != nil {
		return err
	}
	fs, v, format, err := e.subUnlock(ctx, sub, args, map[string]string{"connect": "sources connect [flags] ORG CODE",
		"list": "sources list [flags]", "refresh": "sources refresh [flags]"})
	if err != nil {
		return err
	}
	defer v.Close()
	p := &connectors.Puller{Vault: v, Importer: &connectors.Importer{Vault: v}}
	switch sub {
	case "connect":
		if fs.NArg() != 2 {
			return usageError{msg: "name the organisation and the code it gave you", usage: usageLine(fs)}
		}
		src, err := p.Connect(ctx, fs.Arg(0), fs.Arg(1))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Connected to %s.\n", src.Org)
		return nil
	case "list":
		if err := noOperands(fs); err != nil {
			return err
		}
		list, err := p.Sources(ctx)
		if err != nil {
			return err
		}
		if *format == "json" {
			for i := range list {
				list[i].Connection = ""
			}
			return e.printJSON(list)
		}
		rows := [][]string{}
		for _, s := range list {
			rows = append(rows, []string{s.Org, day(s.ConnectedAt), day(s.LastRefresh), fmt.Sprint(s.LastCount), s.LastError})
		}
		return e.printRows(*format, []string{"ORGANISATION", "CONNECTED", "LAST REFRESH", "STATEMENTS", "LAST ERROR"}, rows)
	case "refresh":
		if err := noOperands(fs); err != nil {
			return err
		}
		failed := 0
		_, err := p.Refresh(ctx, func(r connectors.SourceResult) {
			if r.Err != nil {
				failed++
				fmt.Fprintf(e.stdout, "%-20s failed after %d attempt(s): %v\n", r.Org, r.Attempts, r.Err)
				return
			}
			fmt.Fprintf(e.stdout, "%-20s %d new, %d as history, %d known, %d refused\n", r.Org, r.Report.Added, r.Report.History,
				r.Report.Duplicates, r.Report.Refused)
		})
		if err != nil {
			return err
		}
		if failed > 0 {
			return fmt.Errorf("%d source(s) failed; the others were kept", failed)
		}
		return nil
	}
	return usageError{msg: "unknown subcommand " + sub, usage: usageLine(fs)}
}

func cmdTrust(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand("trust", args, "add", "list", "remove")
	if err != nil {
		return err
	}
	fs, v, format, err := e.subUnlock(ctx, sub, args, map[string]string{"add": "trust add [flags] FILE",
		"list": "trust list [flags]", "remove": "trust remove [flags] ID"})
	if err != nil {
		return err
	}
	defer v.Close()
	ts := trust.Store{Vault: v}
	switch sub {
	case "add":
		if fs.NArg() != 1 {
			return usageError{msg: "name one file holding one organisation object", usage: usageLine(fs)}
		}
		raw, err := readLimited(fs.Arg(0), 1<<20)
		if err != nil {
			return err
		}
		o, err := trust.ParseOrganisation(raw)
		if err != nil {
			return err
		}
		if err := ts.Add(ctx, o); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Trusted %s (%s, %s).\n", o.ID, o.Name, o.Kind)
		return nil
	case "remove":
		if fs.NArg() != 1 {
			return usageError{msg: "name the organisation id to remove", usage: usageLine(fs)}
		}
		if err := ts.Remove(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Removed %s.\n", fs.Arg(0))
		return nil
	case "list":
		if err := noOperands(fs); err != nil {
			return err
		}
		tl, err := ts.Load(ctx)
		if err != nil {
			return err
		}
		if *format == "json" {
			return e.printJSON(tl)
		}
		rows := [][]string{}
		for _, o := range tl.Organisations() {
			var kids, types []string
			for _, k := range o.Keys {
				kids = append(kids, k.KeyID)
			}
			for _, t := range o.MaySign {
				types = append(types, string(t))
			}
			rows = append(rows, []string{o.ID, o.Name, string(o.Kind), strings.Join(types, ","), strings.Join(kids, ","), o.Endpoint})
		}
		return e.printRows(*format, []string{"ID", "NAME", "KIND", "MAY SIGN", "KEYS", "ENDPOINT"}, rows)
	}
	return usageError{msg: "unknown subcommand " + sub, usage: usageLine(fs)}
}
