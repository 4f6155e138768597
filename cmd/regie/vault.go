package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"regie/consent"
	"regie/helper"
	"regie/trust"
	"regie/wallet"
	"regie/web"
)

func cmdInit(ctx context.Context, e *env, args []string) error {
	fs := flags("init [flags]")
	data := dataFlag(fs)
	bsn := fs.String("bsn", "", "your citizen service number (BSN)")
	name := fs.String("name", "", "your name as it should appear")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	in := bufio.NewReader(e.stdin)
	ask := func(label string, v *string) error {
		if *v != "" {
			return nil
		}
		if !e.isTerminal() {
			return usagef("--%s is required", label)
		}
		fmt.Fprintf(e.stderr, "%s: ", label)
		line, err := in.ReadString('\n')
		if err != nil {
			return err
		}
		*v = strings.TrimSpace(line)
		return nil
	}
	if err := ask("bsn", bsn); err != nil {
		return err
	}
	if err := ask("name", name); err != nil {
		return err
	}
	b, err := wallet.ParseBSN(*bsn)
	if err != nil {
		return err
	}
	dir := e.dataDir(*data)
	v, err := e.openVault(dir)
	if err != nil {
		return err
	}
	defer v.Close()
	if exists, err := v.Exists(); err != nil {
		return err
	} else if exists {
		return fmt.Errorf("%w in %s", wallet.ErrExists, dir)
	}
	pass, err := e.passphrase("Kies een wachtwoordzin / choose a passphrase: ", "REGIE_PASSPHRASE")
	if err != nil {
		return err
	}
	if err := v.Create(ctx, pass, wallet.Profile{BSN: b, Name: *name}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Vault created in %s\n", dir)
	return nil
}

func cmdPasswd(ctx context.Context, e *env, args []string) error {
	fs := flags("passwd [--rotate] [flags]")
	data := dataFlag(fs)
	rotate := fs.Bool("rotate", false, "also re-encrypt everything under a fresh data key, so an old copy of the vault header with the old passphrase no longer opens it")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	v, err := e.openVault(e.dataDir(*data))
	if err != nil {
		return err
	}
	defer v.Close()
	old, err := e.passphrase("Huidige wachtwoordzin / current passphrase: ", "REGIE_PASSPHRASE")
	if err != nil {
		return err
	}
	next, err := e.passphrase("Nieuwe wachtwoordzin / new passphrase: ", "REGIE_NEW_PASSPHRASE")
	if err != nil {
		return err
	}
	if *rotate {
		if err := v.RotateKey(ctx, old, next); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "Passphrase changed; everything is encrypted again under a new key.")
		return nil
	}
	if err := v.ChangePassphrase(ctx, old, next); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Passphrase changed.")
	return nil
}

func cmdOverview(ctx context.Context, e *env, args []string) error {
	fs := flags("overview [flags]")
	data := dataFlag(fs)
	format := e.format(fs)
	v, err := e.parseAndUnlock(ctx, fs, data, format, args, 0)
	if err != nil {
		return err
	}
	defer v.Close()
	o, err := v.Overview(ctx)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		return e.printJSON(o)
	case "csv":
		// The counsellor's layout, from the same writer as helper import.
		tl, err := trust.Store{Vault: v}.Load(ctx)
		if err != nil {
			return err
		}
		body, err := helper.DebtsCSV(helper.DebtsFromOverview(o, tl))
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(body)
		return err
	}
	fmt.Fprintf(e.stdout, "Overview as of %s\n\n", o.Date)
	fmt.Fprintf(e.stdout, "Total debt:          %s (arrears %s)\n", web.Money(o.TotalOutstandingCents), web.Money(o.TotalArrearsCents))
	fmt.Fprintf(e.stdout, "Urgent:              %d\n", len(o.Urgent))
	if o.Budget.LeefgeldCents != nil {
		fmt.Fprintf(e.stdout, "Left to live on:     %s per month\n\n", web.Money(*o.Budget.LeefgeldCents))
	} else {
		fmt.Fprintf(e.stdout, "Left to live on:     not known yet\n\n")
	}
	printBudget(e.stdout, o.Budget)
	if len(o.Urgent) > 0 {
		fmt.Fprintln(e.stdout, "Urgent:")
		for _, f := range o.Urgent {
			fmt.Fprintf(e.stdout, "  ! %s\n", web.FlagText("en", f))
		}
		fmt.Fprintln(e.stdout)
	}
	rows := [][]string{}
	for _, d := range o.Debts {
		mark := ""
		if d.Urgent {
			mark = "!"
		}
		rows = append(rows, []string{mark, d.Debt.Creditor, d.Debt.Reference, string(d.Debt.Category), string(d.Debt.Status),
			web.Money(d.Debt.OutstandingCents), web.Money(d.Debt.ArrearsCents), string(d.AsOf)})
	}
	if err := e.printRows("table", []string{"", "CREDITOR", "REFERENCE", "CATEGORY", "STATUS", "OUTSTANDING", "ARREARS", "AS OF"}, rows); err != nil {
		return err
	}
	if len(o.Incomes) > 0 {
		fmt.Fprintln(e.stdout)
		rows = rows[:0]
		for _, in := range o.Incomes {
			rows = append(rows, []string{in.Income.Payer, string(in.Income.Kind), web.Money(in.Income.NetCents), string(in.Income.Period),
				web.Money(in.MonthlyCents), string(in.AsOf)})
		}
		return e.printRows("table", []string{"PAYER", "KIND", "NET", "PERIOD", "PER MONTH", "AS OF"}, rows)
	}
	return nil
}

func cmdAudit(ctx context.Context, e *env, args []string) error {
	fs := flags("audit [flags] [verify]")
	data := dataFlag(fs)
	format := e.format(fs)
	v, err := e.parseAndUnlock(ctx, fs, data, format, args, 1)
	if err != nil {
		return err
	}
	defer v.Close()
	if fs.Arg(0) == "verify" {
		n, err := v.VerifyEvents(ctx)
		if err != nil {
			return err
		}
		// Grant records must agree with the chain: a revoked grant's
		// record put back from an older copy of the file is caught here.
		if err := (&consent.Service{Vault: v}).VerifyGrants(ctx); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "The access log is intact: %d entries, each chained to the one before.\n", n)
		return nil
	}
	if fs.NArg() > 0 {
		return usagef("unknown argument %q (did you mean: regie audit verify?)", fs.Arg(0))
	}
	events, err := v.Events(ctx)
	if err != nil && !errors.Is(err, wallet.ErrCorrupt) {
		return err
	}
	if *format == "json" {
		return e.printJSON(events)
	}
	tl, _ := trust.Store{Vault: v}.Load(ctx)
	rows := [][]string{}
	for _, ev := range events {
		// The log page's words, in English: one description of each entry.
		who, what := web.DescribeEvent("en", ev, tl.Name)
		rows = append(rows, []string{fmt.Sprint(ev.Seq), day(ev.Time), who, what})
	}
	return e.printRows(*format, []string{"#", "WHEN", "WHO", "WHAT"}, rows)
}
