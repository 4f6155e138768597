package main

import (
	"context"
	"fmt"

	"regie/consent"
	"regie/trust"
)

func cmdConsent(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand("consent", args, "grant", "list", "revoke", "receipt", "extend")
	if err != nil {
		return err
	}
	fs := flags(map[string]string{"grant": "consent grant [flags]", "list": "consent list [flags]",
		"revoke": "consent revoke [flags] ID", "receipt": "consent receipt [flags] ID",
		"extend": "consent extend [flags] ID"}[sub])
	data := dataFlag(fs)
	format := new(string)
	var (
		to, purpose, scope, qr, export, walletURL *string
		days, months, uses                        *int
		code                                      *bool
	)
	switch sub {
	case "list":
		format = e.format(fs)
	case "grant":
		to = fs.String("to", "", "helper organisation id")
		purpose = fs.String("purpose", string(consent.PurposeIntake), "early-detection, debt-help-intake, debt-help-programme, aftercare or budget-management")
		scope = fs.String("scope", "", "debts, income, expenses, client (who you are: name, BSN, address, household) and/or source:ORG, comma-separated; or signals alone (no amounts); default: signals for early-detection and aftercare, debts,income,expenses otherwise")
		days = fs.Int("days", 0, "how many days the consent holds (default 14; at most 90 for an intake, 18 months for a programme, 12 months otherwise)")
		months = fs.Int("months", 0, "how many calendar months the consent holds, instead of --days")
		uses = fs.Int("uses", 0, "how many times the helper may fetch (0: no limit)")
		qr = fs.String("qr", "", "write the QR code PNG to this file")
		export = fs.String("export", "", "also write the dossier, encrypted to the helper's key, to this file")
		code = fs.Bool("code", false, "also make a short code to read aloud")
		walletURL = fs.String("wallet-url", "", "the wallet's address as helpers reach it (default $REGIE_URL, else where regie serve last ran with this data)")
	case "extend":
		days = fs.Int("days", 0, "the new length in days, counted from today")
		months = fs.Int("months", 0, "the new length in calendar months, counted from today")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	switch sub {
	case "grant", "list":
		if err := noOperands(fs); err != nil {
			return err
		}
	default:
		if fs.NArg() != 1 {
			return usageError{msg: "name one consent id", usage: usageLine(fs)}
		}
	}
	if sub == "list" {
		if err := checkFormat(*format); err != nil {
			return err
		}
	}
	base := ""
	if walletURL != nil {
		base = *walletURL
	}
	if base == "" {
		base = e.getenv("REGIE_URL")
	}
	if base == "" && sub == "grant" {
		base = servedAt(e.dataDir(*data))
	}
	v, err := e.unlocked(ctx, e.dataDir(*data))
	if err != nil {
		return err
	}
	defer v.Close()
	svc := &consent.Service{Vault: v, Trust: trust.Store{Vault: v}, BaseURL: base}
	switch sub {
	case "grant":
		if *to == "" {
			return usagef("--to is required")
		}
		var sc consent.Scope
		switch p := consent.Purpose(*purpose); {
		case *scope != "":
			if sc, err = consent.ParseScope(*scope); err != nil {
				return err
			}
		case p.DefaultScope() == nil:
			sc = consent.Scope{consent.ScopeDebts, consent.ScopeExpenses, consent.ScopeIncome}
		}
		if base == "" && (*export == "" || *qr != "" || *code) {
			return usagef("Regie does not know where your wallet runs, so it cannot make a link for the helper: start it with regie serve, or give --wallet-url (or REGIE_URL); --export alone needs no address")
		}
		g, err := svc.Grant(ctx, consent.Request{Audience: *to, Purpose: consent.Purpose(*purpose), Scope: sc, Days: *days, Months: *months, MaxUses: *uses})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Consent %s for %s (%s), valid until %s\n", g.ID, g.AudienceName, g.Purpose, g.Expiry.Local().Format("2006-01-02 15:04"))
		if base != "" {
			url, err := svc.URL(g)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\n(the helper can fetch while the wallet runs at %s)\n", url, base)
		}
		if *qr != "" {
			png, err := svc.QR(g)
			if err != nil {
				return err
			}
			if err := trust.WriteFileAtomic(*qr, png, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "QR code written to %s\n", *qr)
		}
		if *code {
			c, exp, err := svc.ShortCode(ctx, g.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Short code: %s (valid until %s)\n", c, exp.Local().Format("15:04"))
		}
		if *export != "" {
			file, err := svc.Export(ctx, g.ID)
			if err != nil {
				return err
			}
			if err := trust.WriteFileAtomic(*export, []byte(file+"\n"), 0o600); err != nil {
				return err
			}
			walletID, err := trust.WalletID(v)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Encrypted dossier written to %s; the helper checks it with --wk %s\n", *export, walletID)
		}
		return nil
	case "list":
		list, err := svc.List(ctx)
		if err != nil {
			return err
		}
		now := v.Now()
		if *format == "json" {
			type row struct {
				ID      string          `json:"id"`
				To      string          `json:"to"`
				Purpose consent.Purpose `json:"purpose"`
				Scope   consent.Scope   `json:"scope"`
				From    string          `json:"valid_from"`
				Until   string          `json:"valid_until"`
				Uses    int             `json:"uses"`
				MaxUses int             `json:"max_uses,omitempty"`
				Status  consent.Status  `json:"consent_status"`
			}
			out := []row{}
			for _, g := range list {
				out = append(out, row{g.ID, g.Audience, g.Purpose, g.Scope, g.NotBefore.Format("2006-01-02T15:04:05Z07:00"),
					g.Expiry.Format("2006-01-02T15:04:05Z07:00"), g.Uses, g.MaxUses, g.Status(now)})
			}
			return e.printJSON(out)
		}
		rows := [][]string{}
		for _, g := range list {
			rows = append(rows, []string{g.ID, g.Audience, string(g.Purpose), fmt.Sprint(g.Scope), day(g.Expiry), fmt.Sprint(g.Uses), string(g.Status(now))})
		}
		return e.printRows(*format, []string{"ID", "TO", "PURPOSE", "SCOPE", "UNTIL", "USES", "STATUS"}, rows)
	case "revoke":
		g, err := svc.Revoke(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Consent %s for %s is revoked.\n", g.ID, g.AudienceName)
		return nil
	case "extend":
		if *days == 0 && *months == 0 {
			return usagef("give --days or --months: the new length, counted from today")
		}
		g, err := svc.Extend(ctx, fs.Arg(0), consent.Length{Days: *days, Months: *months})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Consent %s for %s is extended until %s; new receipt %s.\n", g.ID, g.AudienceName,
			g.Expiry.Local().Format("2006-01-02 15:04"), g.ReceiptID())
		return nil
	case "receipt":
		g, err := svc.Get(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		r, err := svc.Receipt(g)
		if err != nil {
			return err
		}
		return e.printJSON(r)
	}
	return usageError{msg: "unknown subcommand " + sub, usage: usageLine(fs)}
}
