package consent

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
)

// Purposes lists every purpose, in the order a resident is offered them.
// Their labels are words like every other text (web: purpose.ID).
var Purposes = []Purpose{PurposeIntake, PurposeProgramme, PurposeEarlyDetection, PurposeBudgetManagment}

// Valid reports whether p is on the list.
func (p Purpose) Valid() bool { return slices.Contains(Purposes, p) }

// Scope says what a grant shares: "debts", "income", "expenses" (signed
// fixed costs and the ones the resident entered), "client" (the household as
// the resident states it), or "source:<org id>".
// Entries add up: "debts,source:uwv" shares every debt and everything UWV sent.
type Scope []string

// Scope entries.
const (
	ScopeDebts    = "debts"
	ScopeIncome   = "income"
	ScopeExpenses = "expenses"
	ScopeClient   = "client"
)

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
		return nil, &wallet.ValidationError{Field: "scope", Problem: "must name debts, income, expenses, client or source:<organisation>"}
	}
	slices.Sort(out)
	return out, nil
}

func checkScopeEntry(p string) error {
	switch {
	case p == ScopeDebts, p == ScopeIncome, p == ScopeExpenses, p == ScopeClient:
		return nil
	}
	if _, ok := wallet.ScopeSource(p); ok {
		return nil
	}
	return &wallet.ValidationError{Field: "scope", Problem: "must name debts, income, expenses, client or source:<organisation>"}
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

// Limits on a grant's period.
const (
	DefaultDays = 14
	MaxDays     = 90
)

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

	ShortCode       string    `json:"short_code,omitempty"`
	ShortCodeExpiry time.Time `json:"short_code_expiry,omitzero"`
	ShortCodeFails  int       `json:"short_code_fails,omitempty"`
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
	Days      int       // zero means DefaultDays
	MaxUses   int       // zero means no limit
}

// ErrNotHelper is returned when a grant names an organisation that is not a
// helper in the trust list.
var ErrNotHelper = errors.New("not a helper organisation in the trust list")

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

func (r *Request) validate() error {
	if !r.Purpose.Valid() {
		return &wallet.ValidationError{Field: "purpose", Problem: "must be one of the listed purposes"}
	}
	if len(r.Scope) == 0 {
		return &wallet.ValidationError{Field: "scope", Problem: "must name what to share"}
	}
	for _, p := range r.Scope {
		if err := checkScopeEntry(p); err != nil {
			return err
		}
	}
	if r.Days == 0 {
		r.Days = DefaultDays
	}
	if r.Days < 1 || r.Days > MaxDays {
		return &wallet.ValidationError{Field: "days", Problem: fmt.Sprintf("must be 1 to %d", MaxDays)}
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
