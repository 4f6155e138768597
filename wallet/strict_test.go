package wallet

import (
	"errors"
	"strings"
	"testing"
)

// TestParseClaimsRefusesDuplicateAndCaseVariantKeys: encoding/json keeps
// the last of two equal names and matches names without regard to case, so
// a statement could say one thing to one reader and another to the next.
func TestParseClaimsRefusesDuplicateAndCaseVariantKeys(t *testing.T) {
	for _, tc := range []struct{ name, payload string }{
		{"sub-twice", strings.Replace(goodDebt, `"sub":"123456782"`, `"sub":"123456782","sub":"111222333"`, 1)},
		{"sub-upper-case", strings.Replace(goodDebt, `"sub":`, `"SUB":`, 1)},
		{"sub-and-SUB", strings.Replace(goodDebt, `"sub":"123456782"`, `"sub":"123456782","SUB":"111222333"`, 1)},
		{"nested-amount-twice", strings.Replace(goodDebt, `"outstanding_cents":52500`, `"outstanding_cents":52500,"outstanding_cents":1`, 1)},
		{"nested-case-variant", strings.Replace(goodDebt, `"outstanding_cents":`, `"Outstanding_Cents":`, 1)},
		{"long-s-folds-to-s", strings.Replace(goodDebt, `"sub":`, `"ſub":`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseClaims([]byte(tc.payload)); !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseClaims accepted it: %v", err)
			}
		})
	}
}
