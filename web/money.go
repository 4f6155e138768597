package web

import (
	"regexp"
	"strconv"
	"strings"

	"regie/wallet"
)

// moneyProblem is what ParseMoney reports; it names no value, which may be
// personal.
const moneyProblem = "must be an amount in euros, like 845 or 845,50 or 1.234,56"

var (
	// 1.234,56 | 1234,56 | 1234,5 | 1.234 | 1234
	dutchMoney = regexp.MustCompile(`^(\d{1,3}(\.\d{3})+|\d+)(,\d{1,2})?$`)
	// 1234.56 | 1234.5 (a point with one or two decimals, no thousands)
	pointMoney = regexp.MustCompile(`^\d+\.\d{1,2}$`)
)

// ParseMoney reads an amount in euros as a resident types it (845, 845,50,
// € 1.234,56 or 845.50) into cents, exactly: no floating point. A negative
// or implausibly large amount, or anything else, is a ValidationError on
// field.
func ParseMoney(field, s string) (wallet.Cents, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "€"))
	bad := &wallet.ValidationError{Field: field, Problem: moneyProblem}
	var euros, frac string
	switch {
	case pointMoney.MatchString(s):
		euros, frac, _ = strings.Cut(s, ".")
	case dutchMoney.MatchString(s):
		euros, frac, _ = strings.Cut(s, ",")
		euros = strings.ReplaceAll(euros, ".", "")
	default:
		return 0, bad
	}
	if len(euros) > 10 {
		return 0, bad
	}
	e, err := strconv.ParseInt(euros, 10, 64)
	if err != nil {
		return 0, bad
	}
	for len(frac) < 2 {
		frac += "0"
	}
	c, _ := strconv.ParseInt(frac, 10, 64)
	total := wallet.Cents(e*100 + c)
	if total > 100_000_000_00 {
		return 0, &wallet.ValidationError{Field: field, Problem: "is implausibly large"}
	}
	return total, nil
}
