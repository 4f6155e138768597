package helper

import (
	"context"
	"fmt"
	"strings"

	"regie/consent"
	"regie/wallet"
)

// VerifySignals checks a signals release (consent.VerifySignals) against
// this helper's key; walletID may be empty for an offline file.
func (im *Importer) VerifySignals(release, walletID string) (*consent.VerifiedSignals, error) {
	return consent.VerifySignals(release, consent.HelperCheck{WalletID: walletID, HelperID: im.Client.ID, HelperJKT: im.JKT,
		Trust: im.Trust, Now: im.Client.now()})
}

// FetchSignals fetches a signals consent's release again with the consent
// token from the previous one, at the wallet's address, and verifies it
// against the wallet key of the previous release.
func (im *Importer) FetchSignals(ctx context.Context, walletURL string, prev *consent.VerifiedSignals) (*consent.VerifiedSignals, error) {
	raw, err := im.Client.Fetch(ctx, walletURL, prev.Grant, prev.Purpose)
	if err != nil {
		return nil, err
	}
	return im.VerifySignals(raw, prev.WalletID)
}

// SignalLine says one signal for the counsellor, in English, with no
// figure but the time in arrears: "energy, 35 days in arrears since
// 2026-10-16 (Energie Noord)", and the crisis after it. name gives an
// organisation's name for its id (the trust list); nil keeps the id.
func SignalLine(s wallet.Signal, name func(id string) string) string {
	var b strings.Builder
	b.WriteString(string(s.Category))
	switch {
	case s.DaysInArrears > 0:
		fmt.Fprintf(&b, ", %d days in arrears", s.DaysInArrears)
	case s.MonthsInArrears > 0:
		fmt.Fprintf(&b, ", %d months in arrears", s.MonthsInArrears)
	default:
		b.WriteString(", in arrears")
	}
	fmt.Fprintf(&b, " since %s", s.Since)
	org := s.Organisation
	if name != nil && name(org) != "" {
		org = name(org)
	}
	fmt.Fprintf(&b, " (%s)", org)
	if c := s.Crisis; c != nil {
		fmt.Fprintf(&b, "; %s on %s", strings.ReplaceAll(string(c.State), "_", " "), c.Date)
	}
	return b.String()
}

// NewSignals lists the signals of cur that prev did not have: a debt of
// another organisation or category, arrears that began at another date, or
// a crisis that is new or moved. What changed since the last fetch under
// the same consent, without the wallet keeping the counsellor's copy.
func NewSignals(prev, cur []wallet.Signal) []wallet.Signal {
	seen := map[string]bool{}
	for _, s := range prev {
		seen[signalKey(s)] = true
	}
	var out []wallet.Signal
	for _, s := range cur {
		if !seen[signalKey(s)] {
			out = append(out, s)
		}
	}
	return out
}

func signalKey(s wallet.Signal) string {
	k := s.Organisation + "\x00" + string(s.Category) + "\x00" + string(s.Since)
	if s.Crisis != nil {
		k += "\x00" + string(s.Crisis.State) + "\x00" + string(s.Crisis.Date)
	}
	return k
}
