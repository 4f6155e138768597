package web

import (
	"fmt"
	"strings"
	"time"

	"regie/wallet"
)

// Money formats cents the Dutch way: € 1.234,56 (and − for a negative amount).
// The spaces are no-break spaces (U+00A0), so "€" never wraps away from its
// number on a narrow screen.
func Money(c wallet.Cents) string {
	sign := ""
	n := int64(c)
	if n < 0 {
		sign = "−\u00a0"
		n = -n
	}
	euros, cents := n/100, n%100
	s := fmt.Sprint(euros)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s€\u00a0%s,%02d", sign, b.String(), cents)
}

// EuroDecimal formats cents as a plain decimal for CSV: 1234.56.
func EuroDecimal(c wallet.Cents) string {
	n := int64(c)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}

var months = map[string][]string{
	"nl": {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// LongDate formats a time as "25 november 2026" (or "25 November 2026").
func LongDate(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	m, ok := months[lang]
	if !ok {
		m = months["nl"]
	}
	return fmt.Sprintf("%d %s %d", t.Day(), m[t.Month()-1], t.Year())
}

// LongDateTime formats a time as "25 november 2026, 14:05" in local time.
func LongDateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.Local()
	return fmt.Sprintf("%s, %02d:%02d", LongDate(lang, t), t.Hour(), t.Minute())
}

// Wait says how long someone must wait, rounded up: "1 seconde",
// "40 seconden", "5 minuten" (or in English). It exists so that no page says
// "wacht 1 minuten" when the wait is 40 seconds.
func Wait(lang string, d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	n, one, many := secs, "seconde", "seconden"
	if lang == "en" {
		one, many = "second", "seconds"
	}
	if secs >= 60 {
		n, one, many = (secs+59)/60, "minuut", "minuten"
		if lang == "en" {
			one, many = "minute", "minutes"
		}
	}
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// EuroComma writes cents as euros the way a Dutch spreadsheet reads a
// number: a decimal comma, two decimals, no thousands separator and no
// currency sign (1845,50). The Schuldenknooppunt's "Bedrag" and the
// general CSV use it.
func EuroComma(c wallet.Cents) string { return strings.Replace(EuroDecimal(c), ".", ",", 1) }

// NumericDate writes an ISO date as dd-mm-jjjj, the Schuldenknooppunt's
// date format; an empty or unreadable date stays empty.
func NumericDate(d wallet.Date) string {
	t, err := wallet.ParseDate(string(d))
	if err != nil {
		return ""
	}
	return t.Time().Format("02-01-2006")
}
