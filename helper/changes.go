package helper

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"regie/consent"
	"regie/trust"
	"regie/wallet"
)

// ChangesFormat names the JSON layout of Changes, for case systems.
const ChangesFormat = "regie-changes-1"

// Reasons two fetches cannot be compared.
var (
	// ErrOtherResident: the two dossiers come from different wallets (another
	// wallet key) or are about different people (another BSN in the
	// statements). A history never mixes two residents.
	ErrOtherResident = errors.New("the two dossiers are of different residents (another wallet key or BSN); they cannot be compared")
	// ErrPreviousIsNewer: the dossier named as the previous one was
	// released after the one it is compared with.
	ErrPreviousIsNewer = errors.New("the previous dossier was released after this one; name the older import as the previous one")
)

// Changes is what changed in one resident's dossier between two fetches
// a counsellor verified, so that a second conversation starts from what is
// new instead of from the whole list again. Amounts are integer cents.
type Changes struct {
	Format   string `json:"format"`
	WalletID string `json:"wallet_id"`
	// Since is when the previous dossier was released, At when this one was.
	Since time.Time `json:"since"`
	At    time.Time `json:"at"`
	// SameConsent: both were fetched under one consent. Under different
	// consents only what both consents cover is compared.
	SameConsent bool `json:"same_consent"`
	// NewClaims are claims that were not in the previous dossier.
	NewClaims []ClaimChange `json:"new_claims"`
	// ChangedClaims are open claims whose amount, status, crisis state or
	// reporting organisation changed.
	ChangedClaims []ClaimChange `json:"changed_claims"`
	// SettledClaims are claims the organisation now reports as paid or
	// waived.
	SettledClaims []ClaimChange `json:"settled_claims"`
	// GoneClaims were open before and are no longer in the dossier, without
	// any organisation saying they were paid: ask, do not assume.
	GoneClaims     []ClaimChange  `json:"gone_claims"`
	NewIncomes     []IncomeChange `json:"new_incomes"`
	ChangedIncomes []IncomeChange `json:"changed_incomes"`
	// EndedIncomes stopped since (their end date passed), GoneIncomes are no
	// longer in the dossier.
	EndedIncomes []IncomeChange `json:"ended_incomes"`
	GoneIncomes  []IncomeChange `json:"gone_incomes"`
	// NewSignals are debts that reached their signal moment or a crisis
	// since (or whose arrears began anew, or whose crisis is new or moved):
	// from a signals release, or worked out from a dossier's debts.
	NewSignals []SignalRow `json:"new_signals"`
	// NotCompared counts the claims and incomes only one of two different
	// consents covers: their coming or going says nothing.
	NotCompared int `json:"not_compared"`
}

// Any reports whether anything changed.
func (c Changes) Any() bool {
	return len(c.NewClaims)+len(c.ChangedClaims)+len(c.SettledClaims)+len(c.GoneClaims)+
		len(c.NewIncomes)+len(c.ChangedIncomes)+len(c.EndedIncomes)+len(c.GoneIncomes)+len(c.NewSignals) > 0
}

// What changed in a claim, in ClaimChange.Changed.
const (
	ChangedOutstanding = "outstanding"
	ChangedArrears     = "arrears"
	ChangedStatus      = "status"
	ChangedCrisis      = "crisis"
	// ChangedReporter: another organisation reports the claim now, such as
	// a collector or bailiff that took it over from the creditor.
	ChangedReporter = "reporter"
)

// ClaimChange is one claim that came, changed, was settled or went. Issuer,
// Creditor and Reference name it as it is reported now (as it was, for a
// claim that went).
type ClaimChange struct {
	Issuer    string          `json:"issuer"`
	Creditor  string          `json:"creditor"`
	Reference string          `json:"reference"`
	Category  wallet.Category `json:"category"`
	Before    *ClaimFigures   `json:"before,omitempty"`
	Now       *ClaimFigures   `json:"now,omitempty"`
	// Changed names what differs between Before and Now.
	Changed []string `json:"changed,omitempty"`
}

// ClaimFigures is a claim as one dossier reports it.
type ClaimFigures struct {
	Issuer           string         `json:"issuer"`
	Creditor         string         `json:"creditor"`
	Reference        string         `json:"reference"`
	OutstandingCents wallet.Cents   `json:"outstanding_cents"`
	ArrearsCents     wallet.Cents   `json:"arrears_cents"`
	Status           wallet.Status  `json:"status"`
	Crisis           *wallet.Crisis `json:"crisis,omitempty"`
	AsOf             wallet.Date    `json:"as_of"`
}

// IncomeChange is one income that came, changed, ended or went.
type IncomeChange struct {
	Issuer    string            `json:"issuer"`
	Payer     string            `json:"payer"`
	Reference string            `json:"reference"`
	Kind      wallet.IncomeKind `json:"kind"`
	Before    *IncomeFigures    `json:"before,omitempty"`
	Now       *IncomeFigures    `json:"now,omitempty"`
}

// IncomeFigures is an income as one dossier reports it.
type IncomeFigures struct {
	MonthlyCents wallet.Cents `json:"monthly_cents"`
	Ended        bool         `json:"ended"`
	Ends         wallet.Date  `json:"ends,omitempty"`
	AsOf         wallet.Date  `json:"as_of"`
}

// Compare tells what changed from prev to cur, two dossiers of one
// resident that the helper verified (it takes nothing else: a comparison
// with unverified figures would lend them the checked ones' trust).
//
// A claim is the same claim when the same organisation reports the same
// reference (issuer + reference, the wallet's own series key). A claim a
// collector or bailiff took over is the same claim too: its
// original_creditor and original_reference name the creditor's claim, so
// "energy company, E-1" before and "bailiff, B-9 (originally energy
// company, E-1)" now is one claim whose reporter changed, not one gone and
// one new. The two dossiers may come from different consents of the same
// resident; then only what both consents cover is compared.
func Compare(prev, cur *consent.VerifiedDossier) (Changes, error) {
	if prev.WalletID != cur.WalletID {
		return Changes{}, ErrOtherResident
	}
	if a, b := subjectOf(prev), subjectOf(cur); a != "" && b != "" && a != b {
		return Changes{}, ErrOtherResident
	}
	if prev.ReleasedAt.After(cur.ReleasedAt) {
		return Changes{}, ErrPreviousIsNewer
	}
	c := newChanges(cur.WalletID, prev.ReleasedAt, cur.ReleasedAt, prev.Grant == cur.Grant)
	c.compareClaims(prev, cur)
	c.compareIncomes(prev, cur)
	for _, s := range NewSignals(prev.Overview.Signals(), cur.Overview.Signals()) {
		// A debt only the new consent shares is no news.
		if c.SameConsent || covers(prev, wallet.TypeDebt, s.Organisation) {
			c.NewSignals = append(c.NewSignals, SignalRow{Signal: s})
		}
	}
	return c, nil
}

// NameOrganisations fills in the names of the signals' organisations from
// the helper's trust list (a signal carries only the id), and their line
// in words as a signals export has it.
func (c *Changes) NameOrganisations(tl *trust.List) {
	for i, s := range c.NewSignals {
		c.NewSignals[i].Name = tl.Name(s.Organisation)
		c.NewSignals[i].Text = SignalLine(s.Signal, tl.Name)
	}
}

// newChanges is an empty comparison, every list empty rather than null in
// its JSON.
func newChanges(walletID string, since, at time.Time, sameConsent bool) Changes {
	return Changes{Format: ChangesFormat, WalletID: walletID, Since: since, At: at, SameConsent: sameConsent,
		NewClaims: []ClaimChange{}, ChangedClaims: []ClaimChange{}, SettledClaims: []ClaimChange{}, GoneClaims: []ClaimChange{},
		NewIncomes: []IncomeChange{}, ChangedIncomes: []IncomeChange{}, EndedIncomes: []IncomeChange{}, GoneIncomes: []IncomeChange{},
		NewSignals: []SignalRow{}}
}

// subjectOf is the BSN the dossier's statements are about; empty for a
// dossier without statements.
func subjectOf(vd *consent.VerifiedDossier) wallet.BSN {
	if len(vd.Verified) == 0 {
		return ""
	}
	return vd.Verified[0].Subject
}

// covers reports whether a consent's scope shares what issuer reports of
// type t: under different consents, only that is compared.
func covers(vd *consent.VerifiedDossier, t wallet.StatementType, issuer string) bool {
	return vd.Scope.Allows(&wallet.Statement{Claims: wallet.Claims{Type: t, Issuer: issuer}})
}

// underlying names the creditor's claim behind a debt row: the original
// creditor's for a collector's report, its own otherwise. Case and spacing
// do not count, as when the overview links the two reports.
func underlying(d wallet.Debt) string {
	creditor, reference := d.Creditor, d.Reference
	if d.OriginalReference != "" {
		creditor, reference = d.OriginalCreditor, d.OriginalReference
	}
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	return norm(creditor) + "\x00" + norm(reference)
}

func figures(r wallet.DebtRow) *ClaimFigures {
	return &ClaimFigures{Issuer: r.Issuer, Creditor: r.Debt.Creditor, Reference: r.Debt.Reference,
		OutstandingCents: r.Debt.OutstandingCents, ArrearsCents: r.Debt.ArrearsCents, Status: r.Debt.Status,
		Crisis: r.Debt.Crisis, AsOf: r.AsOf}
}

func claimChange(r wallet.DebtRow) ClaimChange {
	return ClaimChange{Issuer: r.Issuer, Creditor: r.Debt.Creditor, Reference: r.Debt.Reference, Category: r.Debt.Category}
}

// pairClaims matches the claims of two overviews: first by issuer and
// reference, then what is left by the creditor's claim behind it when that
// names one claim on each side. It returns, per index in cur, the index in
// prev or -1.
func pairClaims(prev, cur []wallet.DebtRow) []int {
	match := make([]int, len(cur))
	taken := make([]bool, len(prev))
	bySeries := map[[2]string]int{}
	for i, r := range prev {
		bySeries[[2]string{r.Issuer, r.Debt.Reference}] = i
	}
	for j, r := range cur {
		match[j] = -1
		if i, ok := bySeries[[2]string{r.Issuer, r.Debt.Reference}]; ok {
			match[j], taken[i] = i, true
		}
	}
	left := func(rows []wallet.DebtRow, skip func(int) bool) map[string][]int {
		out := map[string][]int{}
		for i, r := range rows {
			if !skip(i) {
				out[underlying(r.Debt)] = append(out[underlying(r.Debt)], i)
			}
		}
		return out
	}
	prevLeft := left(prev, func(i int) bool { return taken[i] })
	curLeft := left(cur, func(j int) bool { return match[j] >= 0 })
	for k, js := range curLeft {
		if is := prevLeft[k]; len(is) == 1 && len(js) == 1 {
			match[js[0]] = is[0]
		}
	}
	return match
}

func (c *Changes) compareClaims(prev, cur *consent.VerifiedDossier) {
	before, now := prev.Overview.Debts, cur.Overview.Debts
	match := pairClaims(before, now)
	seen := make([]bool, len(before))
	for j, r := range now {
		i := match[j]
		ch := claimChange(r)
		ch.Now = figures(r)
		if i < 0 {
			if !c.SameConsent && !covers(prev, wallet.TypeDebt, r.Issuer) {
				c.NotCompared++
				continue
			}
			c.NewClaims = append(c.NewClaims, ch)
			continue
		}
		seen[i] = true
		ch.Before = figures(before[i])
		ch.Changed = claimDiff(*ch.Before, *ch.Now)
		switch {
		case len(ch.Changed) == 0:
		case r.Debt.Status.Closed() && !before[i].Debt.Status.Closed():
			c.SettledClaims = append(c.SettledClaims, ch)
		default:
			c.ChangedClaims = append(c.ChangedClaims, ch)
		}
	}
	for i, r := range before {
		if seen[i] || r.Debt.Status.Closed() {
			continue // a settled claim that left the dossier needs no word
		}
		if !c.SameConsent && !covers(cur, wallet.TypeDebt, r.Issuer) {
			c.NotCompared++
			continue
		}
		ch := claimChange(r)
		ch.Before = figures(r)
		c.GoneClaims = append(c.GoneClaims, ch)
	}
	for _, list := range [][]ClaimChange{c.NewClaims, c.ChangedClaims, c.SettledClaims, c.GoneClaims} {
		sort.SliceStable(list, func(a, b int) bool {
			if list[a].Creditor != list[b].Creditor {
				return list[a].Creditor < list[b].Creditor
			}
			return list[a].Reference < list[b].Reference
		})
	}
}

// claimDiff names what differs between two reports of one claim.
func claimDiff(a, b ClaimFigures) []string {
	var out []string
	if a.OutstandingCents != b.OutstandingCents {
		out = append(out, ChangedOutstanding)
	}
	if a.ArrearsCents != b.ArrearsCents {
		out = append(out, ChangedArrears)
	}
	if a.Status != b.Status {
		out = append(out, ChangedStatus)
	}
	if (a.Crisis == nil) != (b.Crisis == nil) || (a.Crisis != nil && *a.Crisis != *b.Crisis) {
		out = append(out, ChangedCrisis)
	}
	if a.Issuer != b.Issuer || a.Reference != b.Reference {
		out = append(out, ChangedReporter)
	}
	return out
}

func incomeFigures(r wallet.IncomeRow) *IncomeFigures {
	return &IncomeFigures{MonthlyCents: r.MonthlyCents, Ended: r.Ended, Ends: r.Income.Ends, AsOf: r.AsOf}
}

func (c *Changes) compareIncomes(prev, cur *consent.VerifiedDossier) {
	key := func(r wallet.IncomeRow) [2]string { return [2]string{r.Issuer, r.Income.Reference} }
	before := map[[2]string]wallet.IncomeRow{}
	for _, r := range prev.Overview.Incomes {
		before[key(r)] = r
	}
	for _, r := range cur.Overview.Incomes {
		ch := IncomeChange{Issuer: r.Issuer, Payer: r.Income.Payer, Reference: r.Income.Reference, Kind: r.Income.Kind, Now: incomeFigures(r)}
		old, ok := before[key(r)]
		delete(before, key(r))
		switch {
		case !ok && !c.SameConsent && !covers(prev, wallet.TypeIncome, r.Issuer):
			c.NotCompared++
		case !ok:
			if !r.Ended {
				c.NewIncomes = append(c.NewIncomes, ch)
			}
		case r.Ended && !old.Ended:
			ch.Before = incomeFigures(old)
			c.EndedIncomes = append(c.EndedIncomes, ch)
		case !r.Ended && (old.MonthlyCents != r.MonthlyCents || old.Income.Ends != r.Income.Ends):
			ch.Before = incomeFigures(old)
			c.ChangedIncomes = append(c.ChangedIncomes, ch)
		}
	}
	var gone []wallet.IncomeRow
	for _, r := range before {
		gone = append(gone, r)
	}
	slices.SortFunc(gone, func(a, b wallet.IncomeRow) int {
		return strings.Compare(a.Income.Payer+"\x00"+a.Income.Reference, b.Income.Payer+"\x00"+b.Income.Reference)
	})
	for _, r := range gone {
		switch {
		case r.Ended:
		case !c.SameConsent && !covers(cur, wallet.TypeIncome, r.Issuer):
			c.NotCompared++
		default:
			c.GoneIncomes = append(c.GoneIncomes, IncomeChange{Issuer: r.Issuer, Payer: r.Income.Payer, Reference: r.Income.Reference,
				Kind: r.Income.Kind, Before: incomeFigures(r)})
		}
	}
}

// String is a one-line summary, for logs: counts only, no names or amounts.
func (c Changes) String() string {
	return fmt.Sprintf("%d new, %d changed, %d settled, %d gone claims; %d new, %d changed, %d ended, %d gone incomes; %d new signals",
		len(c.NewClaims), len(c.ChangedClaims), len(c.SettledClaims), len(c.GoneClaims),
		len(c.NewIncomes), len(c.ChangedIncomes), len(c.EndedIncomes), len(c.GoneIncomes), len(c.NewSignals))
}
