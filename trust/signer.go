package trust

import (
	"strings"
	"unicode"
)

// Signer is who signed a statement, by its trust-list name, shown with
// every debt and income: the creditor or payer text inside a statement is
// the organisation's own words, so an organisation that may sign debts
// could otherwise present one as "Belastingdienst".
type Signer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Other says the statement names another party than its signer as
	// creditor or payer: pages say "reported by <Name>".
	Other bool `json:"reported_by_other"`
}

// Signer names the signer of a statement from issuer, and whether named
// (the creditor or payer text) is someone else. An issuer no longer in the
// list is shown by its id.
func (t *List) Signer(issuer, named string) Signer {
	s := Signer{ID: issuer, Name: issuer}
	if t != nil {
		if o, ok := t.Organisation(issuer); ok {
			s.Name = o.Name
		}
	}
	s.Other = !SameParty(named, s.Name) && !SameParty(named, issuer)
	return s
}

// SameParty reports whether two names plausibly mean the same organisation:
// equal, or one contained in the other, ignoring case, spaces and
// punctuation ("CJIB" and "Centraal Justitieel Incassobureau (CJIB)").
func SameParty(a, b string) bool {
	a, b = squash(a), squash(b)
	if a == "" || b == "" {
		return false
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= 3 && strings.Contains(b, a) || a == b
}

func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}
