package web

import (
	"fmt"
	"strings"

	"regie/wallet"
)

// BudgetView is what the budget partial receives: the budget, and whether
// the resident sees it (with links to add costs) or a counsellor.
type BudgetView struct {
	B        wallet.Budget
	Resident bool
}

// MissingText names the missing costs in words: "uw huur of hypotheek en
// uw zorgverzekering".
func MissingText(lang string, m []wallet.MissingCost) string { return missingText(lang, "", m) }

// deskMissingText is MissingText for the counsellor: the resident's costs
// in the third person.
func deskMissingText(lang string, m []wallet.MissingCost) string {
	return missingText(lang, "desk.", m)
}

func missingText(lang, prefix string, m []wallet.MissingCost) string {
	parts := make([]string, 0, len(m))
	for _, c := range m {
		switch c {
		case wallet.MissingHousing:
			parts = append(parts, T(lang, prefix+"bud.missing.housing"))
		case wallet.MissingHealthInsurance:
			parts = append(parts, T(lang, prefix+"bud.missing.health"))
		}
	}
	and := " en "
	if lang == "en" {
		and = " and "
	}
	return strings.Join(parts, and)
}

// HouseholdText describes a household in words, e.g. "Alleen, met
// kind(eren) onder 18; kinderen geboren in 2015, 2018".
func HouseholdText(lang string, h wallet.Household) string {
	s := T(lang, "hh."+string(h.Situation))
	if len(h.ChildrenBirthYears) > 0 {
		years := make([]string, len(h.ChildrenBirthYears))
		for i, y := range h.ChildrenBirthYears {
			years[i] = fmt.Sprint(y)
		}
		s += "; " + T(lang, "hh.children.years", strings.Join(years, ", "))
	}
	if h.PensionAge {
		s += "; " + T(lang, "hh.pension.yes")
	}
	return s
}
