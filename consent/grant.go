package consent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"regie/trust"
	"regie/wallet"
	"regie/web"
)

// Purpose is why a helper may see the data. The list is fixed: a resident
// chooses from it, never types one.
type Purpose string

// Purposes.
const (
	PurposeIntake          Purpose = "debt-help-intake"
	PurposeProgramme       Purpose = "debt-help-programme"
	PurposeEarlyDetection  Purpose = "early-detection"
	PurposeBudgetManagment Purpose = "budget-management"
	// PurposeAftercare is nazorg: staying in touch after the debts are
	// settled, so that a new arrear is caught before it grows (VNG DDAS
	// phase "Nazorg").
	PurposeAftercare Purpose = "aftercare"
)

// Purposes lists every purpose, in the order a resident is offered them:
// the intake first (the most common), then the route of debt help on to
// aftercare (VNG DDAS: Intake → Stabilisatie → Schuldregeling → Nazorg),
// then the rest. Their labels are words like every other text (web:
// purpose.ID).
var Purposes = []Purpose{PurposeIntake, PurposeProgramme, PurposeAftercare, PurposeEarlyDetection, PurposeBudgetManagment}

// Valid reports whether p is on the list.
func (p Purpose) Valid() bool { return slices.Contains(Purposes, p) }

// MaxLength is the longest a consent for p may hold, counted from the day
// it starts (DESIGN.md "Consent, second edition"). An intake is short
// (90 days); a programme lasts as long as a settlement (schuldregeling,
// 18 months since the Wgs change of 2023). The stabilisation period before
// the settlement is covered by extending: an extension may again run up
// to the maximum counted from the day it is made (see Service.Extend), so a
// programme consent given at intake is extended when the settlement starts.
// Aftercare, early detection and budget management hold up to a year.
func (p Purpose) MaxLength() Length {
	switch p {
	case PurposeIntake:
		return Length{Days: 90}
	case PurposeProgramme:
		return Length{Months: 18}
	}
	return Length{Months: 12}
}

// DefaultScope is the scope a consent for p has when the resident names
// none: only signals for early detection and aftercare, whose teams need
// to know that a new arrear arose, not its amounts; none otherwise.
func (p Purpose) DefaultScope() Scope {
	switch p {
	case PurposeEarlyDetection, PurposeAftercare:
		return Scope{ScopeSignals}
	}
	return nil
}

// Length is how long a consent holds: a number of days, or of calendar
// months (an 18-month consent from 26 November 2026 ends on 26 May 2028).
// Exactly one is set; the zero Length means DefaultDays.
type Length struct {
	Days   int `json:"days,omitempty"`
	Months int `json:"months,omitempty"`
}

// ParseLength reads a length as the pages and the command line write it:
// "14" or "14d" for days, "18m" for months.
func ParseLength(s string) (Length, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	unit := "d"
	if strings.HasSuffix(s, "m") || strings.HasSuffix(s, "d") {
		unit, s = s[len(s)-1:], s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10000 {
		return Length{}, &wallet.ValidationError{Field: "length", Problem: "must be a number of days (14d) or months (18m)"}
	}
	if unit == "m" {
		return Length{Months: n}, nil
	}
	return Length{Days: n}, nil
}

// String writes l as ParseLength reads it.
func (l Length) String() string {
	if l.Months > 0 {
		return strconv.Itoa(l.Months) + "m"
	}
	return strconv.Itoa(l.Days) + "d"
}

// From is when a consent of length l that starts at t ends. Months are
// calendar months; a day that the target month lacks becomes its last day
// (31 January + 1 month is 28 or 29 February, never 3 March).
func (l Length) From(t time.Time) time.Time {
	if l.Months == 0 {
		return t.AddDate(0, 0, l.Days)
	}
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(l.Months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// within checks that l is set once, positive, and ends no later than the
// purpose's maximum when both start at start.
func (l Length) within(p Purpose, start time.Time) error {
	if l.Days < 0 || l.Months < 0 || (l.Days > 0 && l.Months > 0) {
		return &wallet.ValidationError{Field: "length", Problem: "give days or months, not both"}
	}
	if l.Days > 10000 || l.Months > 1000 {
		return &wallet.ValidationError{Field: "length", Problem: "too long"}
	}
	max := p.MaxLength()
	if l.From(start).After(max.From(start)) {
		return &wallet.ValidationError{Field: "length", Problem: fmt.Sprintf("at most %s for %s", max.Words(), p)}
	}
	return nil
}

// Words says a length in English for error messages: "90 days", "18 months".
func (l Length) Words() string {
	if l.Months > 0 {
		return fmt.Sprintf("%d months", l.Months)
	}
	return fmt.Sprintf("%d days", l.Days)
}

// Scope says what a grant shares: "debts", "income", "expenses" (signed
// fixed costs and the ones the resident entered), "client" (the household as
// the resident states it), "signals", or "source:<org id>".
// Entries add up: "debts,source:uwv" shares every debt and everything UWV sent.
// "signals" stands alone: such a grant releases a signals release (per debt
// in arrears past its signal moment or in a crisis: category,
// organisation, since when, how long, crisis state) and never a dossier.
type Scope []string

// Scope entries.
const (
	ScopeDebts    = "debts"
	ScopeIncome   = "income"
	ScopeExpenses = "expenses"
	ScopeClient   = "client"
	ScopeSignals  = "signals"
)

// scopeProblem is what a scope entry off the list is told.
const scopeProblem = "must name debts, income, expenses, client, signals or source:<organisation>"

// Signals reports whether the scope releases signals rather than a dossier.
func (s Scope) Signals() bool { return len(s) == 1 && s[0] == ScopeSignals }

// checkAlone refuses "signals" beside anything else: a release is either
// signals or a dossier, never both.
func (s Scope) checkAlone() error {
	if slices.Contains(s, ScopeSignals) && len(s) > 1 {
		return &wallet.ValidationError{Field: "scope", Problem: "signals cannot be combined with other entries: a signals consent releases only signals"}
	}
	return nil
}

// ParseScope reads a comma-separated scope.
func ParseScope(s string) (Scope, error) {
	var out Scope
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if err := checkScopeEntry(p); err != nil {
			return nil, err
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, &wallet.ValidationError{Field: "scope", Problem: scopeProblem}
	}
	slices.Sort(out)
	return out, out.checkAlone()
}

func checkScopeEntry(p string) error {
	switch {
	case p == ScopeDebts, p == ScopeIncome, p == ScopeExpenses, p == ScopeClient, p == ScopeSignals:
		return nil
	}
	if _, ok := wallet.ScopeSource(p); ok {
		return nil
	}
	return &wallet.ValidationError{Field: "scope", Problem: scopeProblem}
}

// Allows reports whether a statement lies inside the scope.
func (s Scope) Allows(st *wallet.Statement) bool {
	for _, p := range s {
		switch {
		case p == ScopeDebts && st.Type == wallet.TypeDebt:
			return true
		case p == ScopeIncome && st.Type == wallet.TypeIncome:
			return true
		case p == ScopeExpenses && st.Type == wallet.TypeExpense:
			return true
		}
		if org, ok := wallet.ScopeSource(p); ok && org == st.Issuer {
			return true
		}
	}
	return false
}

// Declared keeps what the resident declared that lies inside the scope:
// costs with "expenses", the household with "client".
func (s Scope) Declared(d wallet.SelfDeclared) *wallet.SelfDeclared {
	var out wallet.SelfDeclared
	if slices.Contains(s, ScopeExpenses) {
		out.Costs = d.Costs
	}
	if slices.Contains(s, ScopeClient) {
		out.Household, out.Client = d.Household, d.Client
	}
	if out.Household == nil && len(out.Costs) == 0 && out.Client == nil {
		return nil
	}
	return &out
}

// Covers reports whether every entry of want lies inside s.
func (s Scope) Covers(want Scope) bool {
	for _, w := range want {
		if slices.Contains(s, w) {
			continue
		}
		return false
	}
	return true
}

// Status words follow Berlin Group PSD2 consent status where they exist.
type Status string

// Grant statuses.
const (
	StatusActive      Status = "active"
	StatusNotYetValid Status = "not_yet_valid"
	StatusExpired     Status = "expired"
	StatusRevoked     Status = "revoked"
	StatusUsedUp      Status = "used_up"
)

// DefaultDays is a grant's period when the request names none; the
// longest depends on the purpose (Purpose.MaxLength).
const DefaultDays = 14

// Grant is one consent the resident gave.
type Grant struct {
	ID           string    `json:"id"`     // the consent JWT's jti
	Handle       string    `json:"handle"` // the QR pointer, 128 random bits
	Audience     string    `json:"audience"`
	AudienceName string    `json:"audience_name"`
	Purpose      Purpose   `json:"purpose"`
	Scope        Scope     `json:"scope"`
	NotBefore    time.Time `json:"not_before"`
	Expiry       time.Time `json:"expiry"`
	MaxUses      int       `json:"max_uses,omitempty"`
	Uses         int       `json:"uses"`
	Revoked      bool      `json:"revoked"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
	CreatedAt    time.Time `json:"created_at"`
	JKT          string    `json:"jkt"`
	Token        string    `json:"token"`
	// Sealed says the grant has a redemption record in the box, so that
	// helpers are served while the vault is locked.
	Sealed bool `json:"sealed,omitempty"`

	// Extensions are the times the resident gave the grant a later end,
	// oldest first; each made a new token and a new receipt.
	Extensions []Extension `json:"extensions,omitempty"`
	// Earlier holds the SHA-256 (hex) of the tokens the grant was issued
	// with before an extension: the helper may still present the one it
	// holds, and gets the newest in the answer.
	Earlier []string `json:"earlier,omitempty"`

	ShortCode       string    `json:"short_code,omitempty"`
	ShortCodeExpiry time.Time `json:"short_code_expiry,omitzero"`
	ShortCodeFails  int       `json:"short_code_fails,omitempty"`
}

// Extension is one lengthening of a grant.
type Extension struct {
	At    time.Time `json:"at"`
	From  time.Time `json:"from"`  // the end before
	Until time.Time `json:"until"` // the end after
}

// ReceiptID names the grant's newest receipt: the grant's id, and after
// an extension the number of extensions ("g-…-2").
func (g *Grant) ReceiptID() string {
	if len(g.Extensions) == 0 {
		return g.ID
	}
	return fmt.Sprintf("%s-%d", g.ID, len(g.Extensions))
}

// holdsToken reports whether tok is the grant's token, or one it was
// issued with before an extension.
func (g *Grant) holdsToken(tok string) bool {
	if tok == g.Token {
		return true
	}
	sum := sha256.Sum256([]byte(tok))
	return slices.Contains(g.Earlier, hex.EncodeToString(sum[:]))
}

// Status says where the grant stands at now.
func (g *Grant) Status(now time.Time) Status {
	switch {
	case g.Revoked:
		return StatusRevoked
	case g.MaxUses > 0 && g.Uses >= g.MaxUses:
		return StatusUsedUp
	case !now.Before(g.Expiry):
		return StatusExpired
	case now.Before(g.NotBefore):
		return StatusNotYetValid
	}
	return StatusActive
}

// Usable is the one rule for using a grant: nil when it may be presented and
// its dossier released at now, otherwise the refusal that says why not, in
// its own words: revoked, used up, expired or not yet valid. The wallet
// checks its own grant on its own clock, so there is no leeway here.
func (g *Grant) Usable(now time.Time) error {
	switch g.Status(now) {
	case StatusRevoked:
		return ErrRevoked
	case StatusUsedUp:
		return ErrUsedUp
	case StatusExpired:
		return ErrExpired
	case StatusNotYetValid:
		return ErrNotYetValid
	}
	return nil
}

// Shareable is nil when the resident may still hand the grant to its helper
// (a QR code, link or short code): it is Usable, or its period has yet to
// begin. Otherwise it is Usable's refusal.
func (g *Grant) Shareable(now time.Time) error {
	if err := g.Usable(now); err != nil && !errors.Is(err, ErrNotYetValid) {
		return err
	}
	return nil
}

// Request is what the resident asks for when granting.
type Request struct {
	Audience  string
	Purpose   Purpose
	Scope     Scope
	NotBefore time.Time // zero means now
	// Days or Months is how long the consent holds from NotBefore (at most
	// the purpose's MaxLength); both zero means DefaultDays.
	Days    int
	Months  int
	MaxUses int // zero means no limit
}

// Length is how long the requested consent holds.
func (r Request) Length() Length { return Length{Days: r.Days, Months: r.Months} }

// ErrNotHelper is returned when a grant names an organisation that is not a
// helper in the trust list.
var ErrNotHelper = errors.New("not a helper organisation in the trust list")

// HelperList is a trust list in memory, such as a host's: the
// organisation listed under an id. *trust.List is one.
type HelperList interface {
	Organisation(id string) (*trust.Organisation, bool)
}

// TrustSource looks up one organisation of the trust list.
type TrustSource interface {
	Organisation(ctx context.Context, id string) (trust.Organisation, bool, error)
}

const (
	// bucketGrants holds the grants: tx.Key("grant", id) → Grant.
	bucketGrants wallet.Bucket = "grants"
	// bucketLookups finds a grant from what a helper presents:
	// tx.Key("handle", handle) and tx.Key("short", code) → the grant's id.
	bucketLookups wallet.Bucket = "grant-lookups"
	bucketProofs  wallet.Bucket = "proofs"
)

// validate checks the request for a consent starting at start and fills in
// the defaults: the purpose's default scope, DefaultDays.
func (r *Request) validate(start time.Time) error {
	if !r.Purpose.Valid() {
		return &wallet.ValidationError{Field: "purpose", Problem: "must be one of the listed purposes"}
	}
	if len(r.Scope) == 0 {
		r.Scope = r.Purpose.DefaultScope()
	}
	if len(r.Scope) == 0 {
		return &wallet.ValidationError{Field: "scope", Problem: "must name what to share"}
	}
	for _, p := range r.Scope {
		if err := checkScopeEntry(p); err != nil {
			return err
		}
	}
	if err := r.Scope.checkAlone(); err != nil {
		return err
	}
	if r.Days == 0 && r.Months == 0 {
		r.Days = DefaultDays
	}
	if err := r.Length().within(r.Purpose, start); err != nil {
		return err
	}
	if r.MaxUses < 0 || r.MaxUses > 1000 {
		return &wallet.ValidationError{Field: "max_uses", Problem: "must be 0 (no limit) to 1000"}
	}
	return nil
}

// Label is the purpose's name for people, in lang ("nl" or "en"), from
// the one table of words; a purpose off the list is shown as it is.
func (p Purpose) Label(lang string) string {
	if !p.Valid() {
		return string(p)
	}
	return web.T(lang, "purpose."+string(p))
}
