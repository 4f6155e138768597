package web

import (
	"errors"
	"testing"

	"regie/wallet"
)

func TestParseMoney(t *testing.T) {
	good := map[string]wallet.Cents{
		"845": 84500, "845,5": 84550, "845,50": 84550, "€ 1.234,56": 123456, "€\u00a01.234,56": 123456, "1234,56": 123456, "1.234": 123400,
		"845.50": 84550, "845.5": 84550, "0": 0, " 12 ": 1200, "1.000.000,01": 100000001,
	}
	for in, want := range good {
		if got, err := ParseMoney("amount", in); err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-5", "−5", "12,345", "1,2,3", "1.23.4", "12.3456", "abc", "1e3", "12 34", "99999999999", "0x10", "1.234.5"} {
		_, err := ParseMoney("amount", in)
		var ve *wallet.ValidationError
		if !errors.As(err, &ve) || ve.Field != "amount" {
			t.Errorf("ParseMoney(%q) err = %v, want a ValidationError", in, err)
		}
	}
}
