package consent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/trust"
	"regie/wallet"
)

// SignalsType is the typ header of a signals release: its own kind of JOSE
// object, so that a helper's dossier verifier never takes it for a dossier
// and its signals verifier never takes a dossier for signals (RFC 8725
// §3.11).
const SignalsType = "regie-signals+jwt"

// SignalsRelease is what a consent with the scope "signals" releases: per
// debt in arrears past its signal moment or in a crisis state, the
// category, the organisation, since when, how long and the crisis state
// (wallet.Signal), and nothing else — no amounts, no references, no income
// (DESIGN.md "Consent, second edition"). The wallet signs it like a dossier.
type SignalsRelease struct {
	Grant      string          `json:"grant"`
	ReleasedAt time.Time       `json:"released_at"`
	Signals    []wallet.Signal `json:"signals"`
}

// signSignals compiles the vault's signals as it holds them now and signs
// the release as the wallet; it says how many signals it carries. Every
// statement counts: the signals are what an early-detection team may know
// about any debt, and they carry no figure of one.
func signSignals(tx *wallet.Tx, g Grant, wf trust.Factotum) (string, int, error) {
	all, err := tx.AllSeries()
	if err != nil {
		return "", 0, err
	}
	now := tx.Now().UTC().Truncate(time.Second)
	r := SignalsRelease{Grant: g.Token, ReleasedAt: now, Signals: wallet.CompileAll(all, wallet.SelfDeclared{}, now).Signals()}
	payload, err := json.Marshal(r)
	if err != nil {
		return "", 0, err
	}
	out, err := trust.SignAsWallet(wf, SignalsType, payload, true)
	return out, len(r.Signals), err
}

// Kind tells what a wallet's answer is by its typ header: DossierType,
// SignalsType, or "" for anything else. It verifies nothing; the verifier
// of that kind does.
func Kind(jws string) string {
	for _, typ := range []string{DossierType, SignalsType} {
		if _, err := trust.ParseHeader(jws, typ, true); err == nil {
			return typ
		}
	}
	return ""
}

// Reasons a helper refuses a signals release.
var (
	ErrSignalsMalformed = dossierRefusal("signals_malformed", "not a Regie signals release")
	ErrSignalsContent   = dossierRefusal("signals_content", "a signal in the release breaks the format")
)

// VerifiedSignals is a signals release whose signature and consent were
// checked.
type VerifiedSignals struct {
	SignalsRelease
	WalletID   string    `json:"wallet_id"`
	Audience   string    `json:"audience"`
	Purpose    Purpose   `json:"purpose"`
	ValidUntil time.Time `json:"valid_until"`
	// JWS is the release exactly as the wallet signed it, so that a helper
	// can keep it and verify it again when it compares the next fetch.
	JWS string `json:"-"`
}

// VerifySignals checks a signals release as a helper must before trusting
// it: the typ (a dossier is refused), the wallet's signature by the key the
// QR code named, the consent naming this helper and its key with the scope
// "signals" and holding when it was released, and every signal in the
// format, with no field beyond it.
func VerifySignals(jws string, hc HelperCheck) (*VerifiedSignals, error) {
	payload, wk, err := openWalletJWS(jws, SignalsType, hc, ErrSignalsMalformed)
	if err != nil {
		return nil, err
	}
	var r SignalsRelease
	if err := trust.DecodeStrict(payload, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignalsMalformed, err)
	}
	g, err := checkRelease(r.Grant, r.ReleasedAt, wk, hc)
	if err != nil {
		return nil, err
	}
	if !g.scope.Signals() {
		return nil, fmt.Errorf("%w: signals under a consent without the signals scope", ErrOutOfScope)
	}
	if r.Signals == nil {
		return nil, fmt.Errorf("%w: no signals list", ErrSignalsMalformed)
	}
	for i, s := range r.Signals {
		if err := checkSignal(s); err != nil {
			return nil, fmt.Errorf("%w: signal %d: %v", ErrSignalsContent, i+1, err)
		}
	}
	return &VerifiedSignals{SignalsRelease: r, WalletID: wk.id, Audience: hc.HelperID, Purpose: g.purpose,
		ValidUntil: g.until, JWS: jws}, nil
}

// checkSignal holds one signal to the rules the wallet makes them by.
func checkSignal(s wallet.Signal) error {
	switch {
	case !slices.Contains(wallet.Categories, s.Category):
		return fmt.Errorf("unknown category %q", s.Category)
	case !wallet.ValidOrgID(s.Organisation):
		return fmt.Errorf("organisation %q is not an organisation id", s.Organisation)
	case s.DaysInArrears < 0 || s.DaysInArrears > 36500 || s.MonthsInArrears < 0 || s.MonthsInArrears > 1200:
		return fmt.Errorf("arrears out of range")
	}
	if _, err := wallet.ParseDate(string(s.Since)); err != nil {
		return fmt.Errorf("since is not a date")
	}
	if c := s.Crisis; c != nil {
		switch c.State {
		case wallet.CrisisEviction, wallet.CrisisDisconnection, wallet.CrisisInsurance:
		default:
			return fmt.Errorf("unknown crisis state %q", c.State)
		}
		if _, err := wallet.ParseDate(string(c.Date)); err != nil {
			return fmt.Errorf("crisis date is not a date")
		}
	}
	return nil
}

// walletKey is the key a wallet's answer names in its header, and its id.
type walletKey struct {
	key *jose.JSONWebKey
	id  string
}

// openWalletJWS checks what every answer of a wallet shares: its typ (the
// verifier's own kind only; anything else is malformed), the wallet key in
// the header matching the QR code's, EdDSA, and the signature. It returns
// the payload, not yet decoded.
func openWalletJWS(jws, typ string, hc HelperCheck, malformed error) ([]byte, walletKey, error) {
	h, err := trust.ParseHeader(jws, typ, true)
	if err != nil {
		return nil, walletKey{}, fmt.Errorf("%w: %v", malformed, err)
	}
	if h.JWK == nil || h.Alg != string(jose.EdDSA) {
		return nil, walletKey{}, fmt.Errorf("%w: the header must name the wallet key", malformed)
	}
	wid, err := trust.Thumbprint(*h.JWK)
	if err != nil {
		return nil, walletKey{}, malformed
	}
	if hc.WalletID != "" && wid != hc.WalletID {
		return nil, walletKey{}, ErrWalletKey
	}
	obj, err := jose.ParseSignedCompact(jws, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return nil, walletKey{}, malformed
	}
	payload, err := obj.Verify(h.JWK.Key)
	if err != nil {
		return nil, walletKey{}, ErrDossierSignature
	}
	return payload, walletKey{key: h.JWK, id: wid}, nil
}

// releaseGrant is what a helper learns from the consent inside an answer.
type releaseGrant struct {
	purpose Purpose
	scope   Scope
	until   time.Time
}

// checkRelease checks the consent an answer was released under: not
// released in the future, signed by the same wallet, naming this helper and
// its key, and holding at the time of release.
func checkRelease(grant string, releasedAt time.Time, wk walletKey, hc HelperCheck) (releaseGrant, error) {
	if releasedAt.After(hc.Now.Add(Leeway)) {
		return releaseGrant{}, ErrDossierFromFuture
	}
	std, tc, err := VerifyToken(grant, wk.key.Key, hc.HelperID, releasedAt)
	if err != nil {
		if errors.Is(err, ErrWrongAudience) {
			return releaseGrant{}, ErrNotForUs
		}
		return releaseGrant{}, err
	}
	if std.Issuer != wk.id || (hc.HelperJKT != "" && tc.Cnf.JKT != hc.HelperJKT) {
		return releaseGrant{}, ErrNotForUs
	}
	return releaseGrant{purpose: tc.Purpose, scope: tc.Scope, until: std.Expiry.Time().UTC()}, nil
}

// bucketReleases keeps, per signals grant, the last release its helper
// received: tx.Key("signals", grant id) → lastRelease. The resident sees
// exactly what was released last time.
const bucketReleases wallet.Bucket = "releases"

// lastRelease is the content of a grant's last signals release and when
// the helper received it.
type lastRelease struct {
	At      time.Time      `json:"at"`
	Release SignalsRelease `json:"release"`
}

// keepRelease stores the content of a signals release a helper received
// at, for the resident to read back (LastSignals).
func keepRelease(tx *wallet.Tx, g Grant, jws string, at time.Time) error {
	if !g.Scope.Signals() {
		return nil
	}
	obj, err := jose.ParseSignedCompact(jws, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return err
	}
	var r SignalsRelease
	// The wallet signed it itself a moment ago.
	if err := json.Unmarshal(obj.UnsafePayloadWithoutVerification(), &r); err != nil {
		return err
	}
	r.Grant = "" // the resident's own page needs no token
	return tx.Put(bucketReleases, tx.Key("signals", g.ID), lastRelease{At: at.UTC(), Release: r})
}

// LastSignals is what a signals grant released the last time its helper
// fetched, and when; nil when it has released nothing yet.
func (s *Service) LastSignals(ctx context.Context, id string) (*SignalsRelease, time.Time, error) {
	var lr lastRelease
	var ok bool
	err := s.view(ctx, func(tx *wallet.Tx) error {
		var err error
		ok, err = tx.Get(bucketReleases, tx.Key("signals", id), &lr)
		return err
	})
	if err != nil || !ok {
		return nil, time.Time{}, err
	}
	return &lr.Release, lr.At, nil
}
