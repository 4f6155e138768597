package helper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"regie/consent"
	"regie/trust"
	"regie/wallet"
	"regie/web"
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

// FetchURL fetches what a consent URL answers and verifies it by its kind:
// a dossier (VerifyDossier) or, for a signals consent, a signals release
// (VerifySignals). Exactly one of the two results is set.
func (im *Importer) FetchURL(ctx context.Context, raw string, purpose consent.Purpose) (*consent.VerifiedDossier, *consent.VerifiedSignals, error) {
	link, err := ParseConsentURL(raw)
	if err != nil {
		return nil, nil, err
	}
	if link.WalletID == "" {
		return nil, nil, errors.New("the consent URL lacks the wallet key (#wk=…); scan the whole QR code")
	}
	answer, err := im.Client.Redeem(ctx, link, purpose)
	if err != nil {
		return nil, nil, err
	}
	if consent.Kind(answer) == consent.SignalsType {
		vs, err := im.VerifySignals(answer, link.WalletID)
		return nil, vs, err
	}
	vd, err := im.Verify(answer, link.WalletID)
	return vd, nil, err
}

// SignalsExportFormat names the JSON a helper keeps of a signals release.
const SignalsExportFormat = "regie-signals-export/1"

// SignalsExport is a verified signals release as the helper keeps it: the
// signals with the organisation's name from the helper's trust list, and
// the release as the wallet signed it, so that the next import can verify
// it again and say what is new (--since).
type SignalsExport struct {
	Format     string          `json:"format"`
	WalletID   string          `json:"wallet_id"`
	Purpose    consent.Purpose `json:"purpose"`
	ValidUntil time.Time       `json:"valid_until"`
	ReleasedAt time.Time       `json:"released_at"`
	Signals    []SignalRow     `json:"signals"`
	Release    string          `json:"release"`
}

// SignalRow is one signal with its organisation's name and in words.
type SignalRow struct {
	wallet.Signal
	Name string `json:"organisation_name,omitempty"`
	Text string `json:"text"`
}

// NewSignalsExport is the export of a verified signals release.
func NewSignalsExport(vs *consent.VerifiedSignals, tl *trust.List) SignalsExport {
	e := SignalsExport{Format: SignalsExportFormat, WalletID: vs.WalletID, Purpose: vs.Purpose, ValidUntil: vs.ValidUntil,
		ReleasedAt: vs.ReleasedAt, Signals: []SignalRow{}, Release: vs.JWS}
	for _, s := range vs.Signals {
		e.Signals = append(e.Signals, SignalRow{Signal: s, Name: tl.Name(s.Organisation), Text: SignalLine(s, tl.Name)})
	}
	return e
}

// Reasons a previous signals import is refused.
var (
	ErrPreviousNotSignals  = errors.New("the previous import is not a Regie signals export")
	ErrPreviousOtherWallet = errors.New("the two releases are of different wallets")
)

// PreviousSignals reads the export of an earlier signals import and
// verifies the release inside it again with this helper's key; only that
// verified release is compared, never the file's rows.
func (im *Importer) PreviousSignals(raw []byte) (*consent.VerifiedSignals, error) {
	var head struct {
		Format  string `json:"format"`
		Release string `json:"release"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Format != SignalsExportFormat || head.Release == "" {
		return nil, ErrPreviousNotSignals
	}
	vs, err := im.VerifySignals(head.Release, "")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPreviousRefused, err)
	}
	return vs, nil
}

// SignalChanges says what a signals fetch brought that the previous one
// did not: "new signal: energy, 35 days in arrears since 2026-10-16
// (Energie Noord)" per line, or that nothing is new.
func SignalChanges(prev, cur *consent.VerifiedSignals, tl *trust.List) (string, error) {
	if prev.WalletID != cur.WalletID {
		return "", ErrPreviousOtherWallet
	}
	news := NewSignals(prev.Signals, cur.Signals)
	if len(news) == 0 {
		return "no new signals since " + prev.ReleasedAt.Format(time.DateOnly) + "\n", nil
	}
	var b strings.Builder
	for _, s := range news {
		b.WriteString("new signal: " + SignalLine(s, tl.Name) + "\n")
	}
	return b.String(), nil
}

// SignalsView is a verified signals release as the desk shows it: the
// signals in words (crises first), and which are new since the desk's
// previous release from the same wallet.
type SignalsView struct {
	Purpose    consent.Purpose
	ValidUntil time.Time
	ReleasedAt time.Time
	WalletID   string
	Lines      []string
	// Since is the previous release's time; zero when there was none.
	Since time.Time
	New   []string
}

// showSignals shows a signals release and what is new in it since the
// desk's previous one from the same wallet.
func (d *Desk) showSignals(c *fiber.Ctx, lang string, vs *consent.VerifiedSignals) error {
	d.mu.Lock()
	prev := d.signals[vs.WalletID]
	d.signals[vs.WalletID] = vs
	d.mu.Unlock()
	view := SignalsView{Purpose: vs.Purpose, ValidUntil: vs.ValidUntil, ReleasedAt: vs.ReleasedAt, WalletID: vs.WalletID}
	for _, s := range vs.Signals {
		view.Lines = append(view.Lines, web.SignalText(lang, s, d.im.Trust.Name))
	}
	if prev != nil {
		view.Since = prev.ReleasedAt
		for _, s := range NewSignals(prev.Signals, vs.Signals) {
			view.New = append(view.New, web.SignalText(lang, s, d.im.Trust.Name))
		}
	}
	return d.render(c, fiber.StatusOK, "desk-signals", web.Page{Title: web.T(lang, "desk.title"), Data: view})
}
