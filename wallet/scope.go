package wallet

import "strings"

// sourceScope begins the consent scope entry that shares everything one
// organisation sent: "source:<organisation id>".
const sourceScope = "source:"

// ScopeSource reads a consent scope entry of the form "source:<org>": the
// organisation, and whether entry is one (with a well-formed id). It is the
// one reader of that form, for consent, which checks and applies scopes,
// and web, which names them.
func ScopeSource(entry string) (org string, ok bool) {
	org, ok = strings.CutPrefix(entry, sourceScope)
	return org, ok && ValidOrgID(org)
}
