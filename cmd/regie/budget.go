package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"regie/wallet"
	"regie/web"
)

// cmdExpenses lists the fixed costs and lets the resident add or delete the
// ones no organisation signs.
func cmdExpenses(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand("expenses", args, "list", "add", "delete")
	if err != nil {
		return err
	}
	fs := flags(map[string]string{"list": "expenses list [flags]", "add": "expenses add [flags] --kind KIND --amount EUROS",
		"delete": "expenses delete [flags] ID"}[sub])
	data := dataFlag(fs)
	format := new(string)
	*format = "table"
	var kind, amount, period, description *string
	switch sub {
	case "list":
		format = e.format(fs)
	case "add":
		kind = fs.String("kind", "", "rent, mortgage, service_costs, energy, heat, water, health_insurance, municipal_tax, water_board_tax, insurance, telecom, childcare or other")
		amount = fs.String("amount", "", "amount in euros, like 845 or 845,50")
		period = fs.String("period", "month", "week, four_weeks, month, quarter or year")
		description = fs.String("description", "", "your own words for it (optional)")
	}
	maxArgs := 0
	if sub == "delete" {
		maxArgs = 1
	}
	v, err := e.parseAndUnlock(ctx, fs, data, format, args, maxArgs)
	if err != nil {
		return err
	}
	defer v.Close()
	switch sub {
	case "add":
		cents, err := web.ParseMoney("amount", *amount)
		if err != nil {
			return err
		}
		var c wallet.OwnCost
		err = v.Update(ctx, func(tx *wallet.Tx) error {
			var err error
			c, err = tx.AddOwnCost(wallet.OwnCost{Kind: wallet.ExpenseKind(*kind), Description: *description, AmountCents: cents,
				Period: wallet.Period(*period)})
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Saved as entered by you (id %s): %s %s %s.\n", c.ID, web.T("en", "exp."+string(c.Kind)),
			web.Money(c.AmountCents), web.T("en", "per."+string(c.Period)))
		return nil
	case "delete":
		if fs.NArg() != 1 {
			return usageError{msg: "name the id of a cost you entered (regie expenses list)", usage: usageLine(fs)}
		}
		if err := v.Update(ctx, func(tx *wallet.Tx) error { return tx.DeleteOwnCost(fs.Arg(0)) }); err != nil {
			return fmt.Errorf("no cost you entered has id %q: %w", fs.Arg(0), err)
		}
		fmt.Fprintln(e.stdout, "Deleted.")
		return nil
	}
	o, err := v.Overview(ctx)
	if err != nil {
		return err
	}
	if *format == "json" {
		return e.printJSON(o.Budget.Costs)
	}
	rows := [][]string{}
	for _, c := range o.Budget.Costs {
		from := "signed by " + c.Issuer
		if c.Source == wallet.CostSelfDeclared {
			from = "entered by you"
		}
		rows = append(rows, []string{c.ID, web.T("en", "exp."+string(c.Kind)), c.Name, web.Money(c.AmountCents), string(c.Period),
			web.Money(c.MonthlyCents), from})
	}
	return e.printRows(*format, []string{"ID", "KIND", "NAME", "AMOUNT", "PERIOD", "PER MONTH", "SOURCE"}, rows)
}

// cmdHousehold shows or sets the household the resident declares.
func cmdHousehold(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand("household", args, "show", "set", "clear")
	if err != nil {
		return err
	}
	fs := flags(map[string]string{"show": "household show [flags]", "set": "household set [flags] --situation SITUATION",
		"clear": "household clear [flags]"}[sub])
	data := dataFlag(fs)
	format := new(string)
	*format = "table"
	var situation, children *string
	var pension *bool
	switch sub {
	case "show":
		format = e.format(fs)
	case "set":
		situation = fs.String("situation", "", "single, single_parent, couple or couple_with_children")
		children = fs.String("children", "", "birth years of the children, comma-separated, like 2015,2018")
		pension = fs.Bool("pension-age", false, "someone in the household has reached state pension (AOW) age")
	}
	v, err := e.parseAndUnlock(ctx, fs, data, format, args, 0)
	if err != nil {
		return err
	}
	defer v.Close()
	switch sub {
	case "set":
		years := []int{}
		for _, f := range strings.FieldsFunc(*children, func(r rune) bool { return r == ',' || r == ' ' }) {
			y, err := strconv.Atoi(f)
			if err != nil {
				return &wallet.ValidationError{Field: "children", Problem: "must be years like 2015,2018"}
			}
			years = append(years, y)
		}
		h := wallet.Household{Situation: wallet.Situation(*situation), ChildrenBirthYears: years, PensionAge: *pension}
		if err := v.Update(ctx, func(tx *wallet.Tx) error { return tx.PutHousehold(h) }); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Saved as entered by you: %s.\n", web.HouseholdText("en", h))
		return nil
	case "clear":
		if err := v.Update(ctx, func(tx *wallet.Tx) error { return tx.DeleteHousehold() }); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "Household cleared.")
		return nil
	}
	d, err := v.Declared(ctx)
	if err != nil {
		return err
	}
	if *format == "json" {
		return e.printJSON(map[string]any{"self_declared": true, "household": d.Household})
	}
	if d.Household == nil {
		fmt.Fprintln(e.stdout, "You have not entered your household yet: regie household set --situation single")
		return nil
	}
	fmt.Fprintf(e.stdout, "Entered by you: %s.\n", web.HouseholdText("en", *d.Household))
	return nil
}

// printBudget writes the budget part of the text overview.
func printBudget(w io.Writer, b wallet.Budget) {
	fmt.Fprintf(w, "Income per month:    %s\n", web.Money(b.IncomeCents))
	if b.EndingIncomeCents > 0 {
		fmt.Fprintf(w, "  stops soon:        %s per month stops before the end of next month (not counted)\n", web.Money(b.EndingIncomeCents))
	}
	fmt.Fprintf(w, "Garnished:          -%s\n", web.Money(b.GarnishedCents))
	fmt.Fprintf(w, "Arrangements:       -%s\n", web.Money(b.ArrangementCents))
	fmt.Fprintf(w, "Fixed costs signed: -%s\n", web.Money(b.SignedCostsCents))
	fmt.Fprintf(w, "Entered by you:     -%s\n", web.Money(b.DeclaredCostsCents))
	if b.LeefgeldCents != nil {
		fmt.Fprintf(w, "Left to live on:     %s per month\n", web.Money(*b.LeefgeldCents))
	} else {
		fmt.Fprintf(w, "Left to live on:     not known yet: first add %s (regie expenses add)\n", web.MissingText("en", b.Missing))
	}
	bvv := b.BVV
	switch bvv.Status {
	case wallet.BVVIndicative:
		fig := web.Money(bvv.LowCents)
		if bvv.HighCents != bvv.LowCents {
			fig = "between " + web.Money(bvv.LowCents) + " and " + web.Money(bvv.HighCents)
		}
		fmt.Fprintf(w, "Protected amount:    %s per month (indicative; norms of %s", fig, bvv.NormsValidFrom)
		if bvv.NormsOutdated {
			fmt.Fprint(w, ", newer norms apply that Regie does not have")
		}
		fmt.Fprintf(w, "; sources: %s)\n", strings.Join(bvv.Sources, "; "))
		switch bvv.Warning {
		case wallet.WarnBelow:
			fmt.Fprintf(w, "  ! After the garnishment you keep %s: less than the protected amount. Have it checked at uwbeslagvrijevoet.nl or by your debt counsellor.\n", web.Money(bvv.LeftCents))
		case wallet.WarnMaybeBelow:
			fmt.Fprintf(w, "  ! After the garnishment you keep %s: that may be too little. Check it at uwbeslagvrijevoet.nl.\n", web.Money(bvv.LeftCents))
		}
	default:
		fmt.Fprintf(w, "Protected amount:    not estimated (%s)\n", web.T("en", "bvv."+string(bvv.Status)))
	}
	fmt.Fprintln(w)
}
