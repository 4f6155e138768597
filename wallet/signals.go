package wallet

import (
	"context"
	"sort"
	"time"
)

// Signal moments: when arrears on a debt are worth a signal (vroegsignalering)
// and make the debt urgent in the overview. The moments differ per kind of
// debt because the law and the covenants behind them differ; every figure
// below comes from /work/shared/reference/norms-2025-2026.md §3.3.
const (
	// SignalDaysBasicNeed is when arrears on rent, energy (electricity, gas),
	// heat or drinking water are worth a signal: "vanaf 30 dagen" in the DDAS
	// vroegsignalering model (VNG-Realisatie/ddas-vroegsignalering,
	// EnumSignaalpartner Huur, Energie, Water), the Landelijk Convenant
	// Vroegsignalering ("30 tot 100 dagen te laat", 2020) and, for rent, the
	// Besluit gemeentelijke schuldhulpverlening art. 2 (Stb. 2020, 240). One
	// month in arrears (months_in_arrears 1) counts as the same moment.
	SignalDaysBasicNeed = 30
	// SignalMonthsHealthInsurance is when premium arrears on the health
	// insurance are worth a signal: at two months the insurer must offer a
	// payment arrangement (Zorgverzekeringswet practice, reference §3.3:
	// zorgverzekering.org; aevitae.com). Given in days, two months are 60.
	SignalMonthsHealthInsurance = 2
	// CAKHandoverMonths is when the insurer hands the resident over to the
	// CAK, which then collects the higher bestuursrechtelijke premie (€ 172,70
	// a month in 2026; reference §1.3 and §3.3). Given in days, 180.
	CAKHandoverMonths = 6
	// PriorityArrearsMonths is the rule for a priority debt the reference
	// sets no signal moment for (mortgage, CAK premium): two months, the rule
	// the overview used for every priority debt before the moments per kind.
	PriorityArrearsMonths = 2
	// CrisisResponseWorkingDays is how soon the municipality must pick up
	// a crisis: under the Wet gemeentelijke schuldhulpverlening (art. 4) a
	// first conversation follows within three working days, instead of
	// four weeks, when a "bedreigende situatie" threatens: a forced
	// eviction, the end of the supply of gas, water, electricity or district
	// heating, or the termination of the health insurance (the Wgs
	// situations as the DDAS model lists them, reference §3.3; the three
	// days and four weeks: Binnenlands Bestuur, 3-11-2023, "Geen plicht tot
	// snel huisbezoek als energiebedrijf wil afsluiten"). That article also
	// reports SZW's reading that an energy supplier's end-of-supply notice
	// alone is not yet such a situation; Regie shows the resident the Wgs
	// right and lets the municipality weigh it.
	CrisisResponseWorkingDays = 3
	// daysPerMonth turns a rule in months into one in days when the
	// organisation counts days (days_in_arrears): the LCV and the DDAS model
	// count days, the Zvw counts monthly premiums, and 30 joins them.
	daysPerMonth = 30
)

// moment is the rule of one debt category.
type moment int

const (
	momentNone      moment = iota // no signal moment: only a crisis state signals
	momentBasicNeed               // 30 days / one month (rent, energy, heat, water)
	momentHealth                  // two months, CAK at six (health insurance)
	momentReminder                // the first reminder after the due date (taxes, Toeslagen)
	momentPriority                // two months (other priority debts, today's rule)
)

// momentOf says which rule applies to a debt category, and why:
//   - rent, energy, heat, water: 30 days (DDAS Huur/Energie/Water "vanaf 30
//     dagen"; heat is "warmte" in the DDAS Energie partner);
//   - health insurance: two months, CAK at six (Zvw practice, reference §3.3);
//   - municipal tax, water board tax: the first reminder after the due date
//     (issue #15; DDAS lists Belastingdienst and Dienst Toeslagen "na een
//     aanmaning"), and so national tax (Belastingdienst) and benefit
//     reclaims (Dienst Toeslagen) too;
//   - mortgage and CAK premium: priority debts the reference names (DDAS
//     Hypotheek, CAK) without a moment, so they keep the two-month rule;
//   - everything else (fines, student loans, consumer credit, telecom, care
//     costs, private loans, buy-now-pay-later, alimony, other): no moment.
//     None of them is a signaalpartner with a moment in the BGS, the LCV or
//     the DDAS model, and losing them costs no roof, power, water or
//     insurance; their bailiffs and garnishments still flag them.
func momentOf(c Category) moment {
	switch c {
	case CategoryRent, CategoryEnergy, CategoryHeat, CategoryWater:
		return momentBasicNeed
	case CategoryHealthInsurance:
		return momentHealth
	case CategoryMunicipalTax, CategoryWaterBoardTax, CategoryTax, CategoryBenefitReclaim:
		return momentReminder
	case CategoryMortgage, CategoryCAK:
		return momentPriority
	}
	return momentNone
}

// Reminded reports whether a debt's status shows that the creditor sent a
// reminder (aanmaning) after the due date. The statement has no status of
// its own for a reminder: a tax office's claim is `open` until it is due,
// `collection` once the aanmaning is sent, and `enforcement_order`
// (dwangbevel), `bailiff`, `judgment` or `garnishment` after that, and each
// of those comes only after a reminder. So `collection` or anything later
// means the first reminder has gone out.
func (s Status) Reminded() bool {
	switch s {
	case StatusCollection, StatusEnforcementOrder, StatusBailiff, StatusJudgment, StatusGarnishment:
		return true
	}
	return false
}

// Arrears is how far behind a debt is as of its statement's date, from what
// the statement says or, where it does not say, from its dates.
type Arrears struct {
	// Since is when the arrears began: as_of minus days_in_arrears, else
	// as_of minus months_in_arrears calendar months, else the due date.
	Since Date `json:"since"`
	// Days in arrears as of the statement: the organisation's
	// days_in_arrears, or the days from the due date to as_of; 0 when only
	// months are known.
	Days int `json:"days,omitempty"`
	// Months in arrears as of the statement: the organisation's
	// months_in_arrears, or the whole calendar months from the due date to
	// as_of; 0 when only days are known.
	Months int `json:"months,omitempty"`
}

// ArrearsOf works out how far behind a debt is as of asOf, the date of its
// statement. It uses, in this order, what the organisation gives:
// days_in_arrears, then months_in_arrears, then a due date before asOf on a
// debt with something outstanding. It reports false when none of these
// shows arrears. The figures are as the organisation signed them, not
// extrapolated to today: an arrear may have been paid since, and the next
// statement says so.
func ArrearsOf(d Debt, asOf Date) (Arrears, bool) {
	at := asOf.Time()
	switch {
	case d.DaysInArrears > 0:
		return Arrears{Since: DateOf(at.AddDate(0, 0, -d.DaysInArrears)), Days: d.DaysInArrears, Months: d.MonthsInArrears}, true
	case d.MonthsInArrears > 0:
		return Arrears{Since: addMonths(asOf, -d.MonthsInArrears), Months: d.MonthsInArrears}, true
	case d.DueDate != "" && d.DueDate < asOf && (d.ArrearsCents > 0 || d.OutstandingCents > 0):
		days := int(at.Sub(d.DueDate.Time()).Hours() / 24)
		return Arrears{Since: d.DueDate, Days: days, Months: wholeMonths(d.DueDate, asOf)}, true
	}
	return Arrears{}, false
}

// addMonths moves a date by n calendar months, keeping the day of the month
// where it exists and taking the month's last day where it does not: a
// month after 31 January is 28 (or 29) February, not 3 March.
func addMonths(d Date, n int) Date {
	t := d.Time()
	first := time.Date(t.Year(), t.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return DateOf(first.AddDate(0, 0, min(t.Day(), last)-1))
}

// wholeMonths counts the whole calendar months from from to to (addMonths'
// way of counting): from 31 January to 28 February is one month.
func wholeMonths(from, to Date) int {
	n := 0
	for addMonths(from, n+1) <= to {
		n++
	}
	return n
}

// pastMoment reports whether a debt's arrears have reached its category's
// signal moment.
func pastMoment(d Debt, a Arrears, ok bool) bool {
	monthsOrDays := func(months int) bool {
		return ok && (a.Months >= months || a.Days >= months*daysPerMonth)
	}
	switch momentOf(d.Category) {
	case momentBasicNeed:
		return ok && (a.Months >= 1 || a.Days >= SignalDaysBasicNeed)
	case momentHealth:
		return monthsOrDays(SignalMonthsHealthInsurance)
	case momentPriority:
		return monthsOrDays(PriorityArrearsMonths)
	case momentReminder:
		return d.Status.Reminded()
	}
	return false
}

// CAKHandover reports whether health insurance arrears have reached the
// six months at which the insurer hands the resident over to the CAK.
func CAKHandover(d Debt, asOf Date) bool {
	a, ok := ArrearsOf(d, asOf)
	return d.Category == CategoryHealthInsurance && !d.Status.Closed() && ok &&
		(a.Months >= CAKHandoverMonths || a.Days >= CAKHandoverMonths*daysPerMonth)
}

// PastSignalMoment reports whether an open debt is in arrears past its
// category's signal moment, as of its statement's date asOf.
func PastSignalMoment(d Debt, asOf Date) bool {
	if d.Status.Closed() {
		return false
	}
	a, ok := ArrearsOf(d, asOf)
	return pastMoment(d, a, ok)
}

// Signal is one debt in arrears past its signal moment or in a crisis
// state, without an amount or a reference: what a `signals` consent
// releases (DESIGN.md "Consent, second edition") and what the
// early-detection team and aftercare act on.
type Signal struct {
	Category Category `json:"category"`
	// Organisation is the id of the organisation that signed the statement
	// (its trust-list id), not a name the resident typed.
	Organisation string `json:"organisation"`
	// Since is when the arrears began (see Arrears.Since), or, for a crisis
	// without known arrears, the date of the statement that announced it.
	Since           Date    `json:"since"`
	DaysInArrears   int     `json:"days_in_arrears,omitempty"`
	MonthsInArrears int     `json:"months_in_arrears,omitempty"`
	Crisis          *Crisis `json:"crisis,omitempty"`
}

// Signals lists, from the overview's current debts, every open debt past
// its signal moment or in a crisis state: crises first (the nearest date
// first), then the oldest arrears. A claim a collector reports for another
// creditor counts once, as in the overview. It is pure, like Compile.
func (o Overview) Signals() []Signal {
	out := []Signal{}
	for _, r := range o.Debts {
		d := r.Debt
		if d.Status.Closed() {
			continue
		}
		a, ok := ArrearsOf(d, r.AsOf)
		if !pastMoment(d, a, ok) && d.Crisis == nil {
			continue
		}
		s := Signal{Category: d.Category, Organisation: r.Issuer, Since: a.Since, DaysInArrears: a.Days, MonthsInArrears: a.Months}
		if !ok {
			s.Since = r.AsOf
		}
		if c := d.Crisis; c != nil {
			s.Crisis = &Crisis{State: c.State, Date: c.Date}
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return signalBefore(out[i], out[j]) })
	return out
}

// signalBefore orders signals: crises first, the nearest crisis date first;
// then the oldest arrears; then by organisation and category.
func signalBefore(a, b Signal) bool {
	if c := CompareCrises(a.Crisis, b.Crisis); c != 0 {
		return c < 0
	}
	if a.Since != b.Since {
		return a.Since < b.Since
	}
	if a.Organisation != b.Organisation {
		return a.Organisation < b.Organisation
	}
	return a.Category < b.Category
}

// Signals lists the signals of the vault as of now: Overview(ctx).Signals().
// The vault must be unlocked.
func (v *Vault) Signals(ctx context.Context) ([]Signal, error) {
	o, err := v.Overview(ctx)
	if err != nil {
		return nil, err
	}
	return o.Signals(), nil
}
