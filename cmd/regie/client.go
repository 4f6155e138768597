package main

import (
	"context"
	"fmt"

	"regie/wallet"
)

// cmdClient shows or sets who the resident says they are (birth date,
// address, partner): what a counsellor sees only under the consent scope
// "client", marked as entered by the resident.
func cmdClient(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand("client", args, "show", "set")
	if err != nil {
		return err
	}
	fs := flags(map[string]string{"show": "client show [flags]", "set": "client set [flags]"}[sub])
	data := dataFlag(fs)
	format := new(string)
	*format = "table"
	var birth, street, number, addition, postcode, city, partner *string
	switch sub {
	case "show":
		format = e.format(fs)
	case "set":
		birth = fs.String("birth-date", "", "your date of birth, YYYY-MM-DD")
		street = fs.String("street", "", "street")
		number = fs.String("house-number", "", "house number")
		addition = fs.String("addition", "", "house number addition, like B")
		postcode = fs.String("postcode", "", "postcode, like 3011 AB")
		city = fs.String("city", "", "town or city")
		partner = fs.String("partner", "", "your partner's name, if any")
	}
	v, err := e.parseAndUnlock(ctx, fs, data, format, args, 0)
	if err != nil {
		return err
	}
	defer v.Close()
	if sub == "set" {
		c := wallet.ClientDetails{BirthDate: wallet.Date(*birth), Partner: *partner, Address: wallet.Address{Street: *street,
			HouseNumber: *number, Addition: *addition, Postcode: *postcode, City: *city}}
		if err := v.Update(ctx, func(tx *wallet.Tx) error { return tx.PutClient(c) }); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "Saved as entered by you. A counsellor sees it only when a consent includes 'client'.")
		return nil
	}
	d, err := v.Declared(ctx)
	if err != nil {
		return err
	}
	if *format == "json" {
		return e.printJSON(map[string]any{"self_declared": true, "client": d.Client})
	}
	if d.Client == nil {
		fmt.Fprintln(e.stdout, "You have not entered your details yet: regie client set --birth-date 1990-02-03 --postcode '3011 AB' …")
		return nil
	}
	c := d.Client
	fmt.Fprintf(e.stdout, "Entered by you: born %s; %s; partner %s.\n", c.BirthDate, c.Address, c.Partner)
	return nil
}
