package wallet

import (
	"fmt"
	"log/slog"
)

// BSN is a Dutch citizen service number (burgerservicenummer). It is the most
// sensitive identifier Regie handles, so its String and LogValue methods mask
// it: a BSN that slips into a log line or an error shows only its last two
// digits. Use Digits for the full value where it is really needed.
type BSN string

// ParseBSN checks that s is nine digits passing the 11-check and returns it
// as a BSN. The error never repeats the input.
func ParseBSN(s string) (BSN, error) {
	if len(s) != 9 {
		return "", &ValidationError{Field: "bsn", Problem: "must be 9 digits"}
	}
	sum := 0
	for i := 0; i < 9; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return "", &ValidationError{Field: "bsn", Problem: "must be 9 digits"}
		}
		w := 9 - i
		if i == 8 {
			w = -1
		}
		sum += int(c-'0') * w
	}
	if sum%11 != 0 || s == "000000000" {
		return "", &ValidationError{Field: "bsn", Problem: "fails the 11-check"}
	}
	return BSN(s), nil
}

// Digits returns the full nine digits.
func (b BSN) Digits() string { return string(b) }

// String masks all but the last two digits, so that formatting a BSN by
// accident does not leak it.
func (b BSN) String() string {
	if len(b) < 2 {
		return "*********"
	}
	return "*******" + string(b[len(b)-2:])
}

// GoString masks like String, for %#v.
func (b BSN) GoString() string { return fmt.Sprintf("wallet.BSN(%q)", b.String()) }

// LogValue masks the BSN in structured logs.
func (b BSN) LogValue() slog.Value { return slog.StringValue(b.String()) }
