package web

import (
	"testing"
	"time"

	"regie/wallet"
)

func TestMoney(t *testing.T) {
	tests := map[wallet.Cents]string{
		0:         "€ 0,00",
		5:         "€ 0,05",
		123456:    "€ 1.234,56",
		100000000: "€ 1.000.000,00",
		99999:     "€ 999,99",
		-52500:    "− € 525,00",
	}
	for in, want := range tests {
		if got := Money(in); got != want {
			t.Errorf("Money(%d) = %q, want %q", in, got, want)
		}
	}
	if got := EuroDecimal(123456); got != "1234.56" {
		t.Errorf("EuroDecimal = %q", got)
	}
	if got := EuroDecimal(-5); got != "-0.05" {
		t.Errorf("EuroDecimal(-5) = %q", got)
	}
}

func TestLongDate(t *testing.T) {
	d := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	if got := LongDate("nl", d); got != "25 november 2026" {
		t.Errorf("nl = %q", got)
	}
	if got := LongDate("en", d); got != "25 November 2026" {
		t.Errorf("en = %q", got)
	}
}
