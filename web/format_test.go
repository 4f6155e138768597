package web

import (
	"testing"
	"time"

	"regie/wallet"
)

func TestMoney(t *testing.T) {
	tests := map[wallet.Cents]string{
		0:         "€\u00a00,00",
		5:         "€\u00a00,05",
		123456:    "€\u00a01.234,56",
		100000000: "€\u00a01.000.000,00",
		99999:     "€\u00a0999,99",
		-52500:    "−\u00a0€\u00a0525,00",
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

func TestWait(t *testing.T) {
	for _, tc := range []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"nl", 300 * time.Millisecond, "1 seconde"},
		{"nl", time.Second, "1 seconde"},
		{"nl", 40 * time.Second, "40 seconden"},
		{"nl", 59*time.Second + time.Millisecond, "1 minuut"},
		{"nl", 61 * time.Second, "2 minuten"},
		{"nl", 5 * time.Minute, "5 minuten"},
		{"en", time.Second, "1 second"},
		{"en", 2 * time.Second, "2 seconds"},
		{"en", time.Minute, "1 minute"},
		{"en", 5 * time.Minute, "5 minutes"},
	} {
		if got := Wait(tc.lang, tc.d); got != tc.want {
			t.Errorf("Wait(%s, %v) = %q, want %q", tc.lang, tc.d, got, tc.want)
		}
	}
}
