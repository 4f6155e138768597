package wallet

import (
	"sort"
	"time"
)

// Action plan thresholds.
const (
	// PlanSteps is how many steps "begin hiermee" shows: a resident under
	// stress acts on a few clear steps, not on a list of 29.
	PlanSteps = 3
	// DueSoonWithin is how far ahead a due date is shown and makes a tax or
	// fine urgent.
	DueSoonWithin = 14 * 24 * time.Hour
)

// Tier says how soon a creditor needs the resident, most pressing first.
// The order follows what a debt counsellor secures first: a roof, power and
// water, health insurance, then deadlines that bring extra costs.
type Tier int

// Tiers of the action plan.
const (
	TierCrisis          Tier = iota // an announced eviction, disconnection or end of insurance (these first); a bailiff or garnishment on a basic need; a garnishment that leaves too little to live on
	TierHousing                     // rent arrears
	TierEnergyWater                 // energy, heat or water arrears
	TierHealthInsurance             // health insurance arrears
	TierDeadline                    // a tax (national, municipal, water board) or fine due within DueSoonWithin
	TierRest                        // everything else
)

// Action is the one thing the resident should do about a plan line.
type Action string

// Actions of the action plan.
const (
	// ActionCallCrisis: call the organisation today, and the municipality,
	// which must pick a crisis up within CrisisResponseWorkingDays.
	ActionCallCrisis       Action = "call_crisis"
	ActionCheckGarnishment Action = "check_garnishment" // have the garnishment and the protected amount checked
	ActionStopEnforcement  Action = "stop_enforcement"  // call now and ask for a payment arrangement to stop the costs
	ActionPayBeforeDue     Action = "pay_before_due"    // pay before the due date, or ask for a delay or arrangement
	ActionArrangeArrears   Action = "arrange_arrears"   // call and ask for a payment arrangement for the arrears
	ActionKeepArrangement  Action = "keep_arrangement"  // keep paying the agreed arrangement
	ActionNone             Action = "none"              // nothing to do now
)

// PlanLine is one creditor (or one payer whose garnishment is wrong) in the
// action plan: one line per organisation, however many debts it reports.
type PlanLine struct {
	Issuer           string   `json:"issuer"`
	Name             string   `json:"name"`
	Category         Category `json:"category,omitempty"` // of the debt that sets the tier
	Tier             Tier     `json:"tier"`
	Action           Action   `json:"action"`
	NeedsAction      bool     `json:"needs_action"`
	Status           Status   `json:"status,omitempty"` // the worst status of its debts
	Debts            int      `json:"debts"`
	References       []string `json:"references"`
	OutstandingCents Cents    `json:"outstanding_cents"`
	ArrearsCents     Cents    `json:"arrears_cents"`
	// Due is the nearest due date when it falls within DueSoonWithin.
	Due Date `json:"due,omitempty"`
	// Statement is the jti of the line's first debt, for its page.
	Statement string `json:"statement,omitempty"`
	// Crisis is the announced eviction, disconnection or end of insurance
	// on one of the line's debts (the one that takes effect first).
	Crisis *Crisis `json:"crisis,omitempty"`
}

// Plan is what to do first and how the rest is grouped.
type Plan struct {
	// First holds at most PlanSteps lines that need action, most pressing first.
	First []PlanLine `json:"first"`
	// FixedCosts are the other lines about vaste lasten (rent, energy,
	// water, health insurance, tax).
	FixedCosts []PlanLine `json:"fixed_costs"`
	// Other are the remaining debts.
	Other []PlanLine `json:"other"`
}

// Crises are the first lines that carry a crisis: what the resident must
// do today, shown above everything else.
func (p Plan) Crises() []PlanLine {
	var out []PlanLine
	for _, l := range p.First {
		if l.Crisis != nil {
			out = append(out, l)
		}
	}
	return out
}

// Steps are the first lines without a crisis: "begin hiermee" below the
// crises.
func (p Plan) Steps() []PlanLine {
	var out []PlanLine
	for _, l := range p.First {
		if l.Crisis == nil {
			out = append(out, l)
		}
	}
	return out
}

// MakePlan orders the open debts and wrong garnishments of an overview into
// an action plan. It is pure: the same overview always gives the same plan.
func MakePlan(o Overview) Plan {
	today := o.Date.Time()
	soon := DateOf(today.Add(DueSoonWithin))
	lines := map[[2]string]*PlanLine{}
	var order [][2]string
	for _, r := range o.Debts {
		d := r.Debt
		if d.Status.Closed() {
			continue
		}
		tier, action, needs := debtStep(d, o.Date, soon)
		key := [2]string{"debt:" + r.Issuer, d.Creditor}
		l := lines[key]
		if l == nil {
			l = &PlanLine{Issuer: r.Issuer, Name: d.Creditor, Category: d.Category, Tier: tier, Action: action, Status: d.Status, Statement: r.Statement}
			lines[key] = l
			order = append(order, key)
		}
		if tier < l.Tier || (tier == l.Tier && actionRank(action) < actionRank(l.Action)) {
			l.Tier, l.Action, l.Category = tier, action, d.Category
		}
		if d.Status.Severity() > l.Status.Severity() {
			l.Status = d.Status
		}
		if c := d.Crisis; c != nil && CompareCrises(c, l.Crisis) < 0 {
			l.Crisis = &Crisis{State: c.State, Date: c.Date}
		}
		l.NeedsAction = l.NeedsAction || needs
		l.Debts++
		l.References = append(l.References, d.Reference)
		l.OutstandingCents += d.OutstandingCents
		l.ArrearsCents += d.ArrearsCents
		if d.DueDate != "" && d.DueDate >= o.Date && d.DueDate <= soon && (l.Due == "" || d.DueDate < l.Due) {
			l.Due = d.DueDate
		}
	}
	for _, r := range o.Incomes {
		if !hasCode(r.Flags, FlagProtectedAmount) {
			continue
		}
		key := [2]string{"income:" + r.Issuer, r.Income.Payer}
		if lines[key] == nil {
			lines[key] = &PlanLine{Issuer: r.Issuer, Name: r.Income.Payer, Tier: TierCrisis, Action: ActionCheckGarnishment,
				NeedsAction: true, References: []string{}}
			order = append(order, key)
		}
		lines[key].References = append(lines[key].References, r.Income.Reference)
	}
	all := make([]PlanLine, 0, len(order))
	for _, k := range order {
		l := lines[k]
		sort.Strings(l.References)
		all = append(all, *l)
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Tier != b.Tier {
			return a.Tier < b.Tier
		}
		if c := CompareCrises(a.Crisis, b.Crisis); c != 0 {
			return c < 0
		}
		if a.NeedsAction != b.NeedsAction {
			return a.NeedsAction
		}
		if a.Status.Severity() != b.Status.Severity() {
			return a.Status.Severity() > b.Status.Severity()
		}
		if a.ArrearsCents != b.ArrearsCents {
			return a.ArrearsCents > b.ArrearsCents
		}
		if a.OutstandingCents != b.OutstandingCents {
			return a.OutstandingCents > b.OutstandingCents
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Issuer < b.Issuer
	})
	p := Plan{First: []PlanLine{}, FixedCosts: []PlanLine{}, Other: []PlanLine{}}
	for _, l := range all {
		switch {
		case l.Crisis != nil, l.NeedsAction && len(p.First) < PlanSteps: // every crisis is a first step
			p.First = append(p.First, l)
		case l.Category.Priority():
			p.FixedCosts = append(p.FixedCosts, l)
		default:
			p.Other = append(p.Other, l)
		}
	}
	return p
}

// debtStep places one open debt: its tier, the one thing to do, and whether
// it needs the resident now.
func debtStep(d Debt, today, soon Date) (Tier, Action, bool) {
	enforced := d.Status == StatusBailiff || d.Status == StatusGarnishment
	behind := d.ArrearsCents > 0 || d.MonthsInArrears > 0 || d.DaysInArrears > 0
	dueSoon := d.DueDate != "" && d.DueDate >= today && d.DueDate <= soon
	tier := TierRest
	switch {
	case d.Crisis != nil, enforced && basicNeed(d.Category):
		tier = TierCrisis
	case d.Category == CategoryRent && behind:
		tier = TierHousing
	case (d.Category == CategoryEnergy || d.Category == CategoryHeat || d.Category == CategoryWater) && behind:
		tier = TierEnergyWater
	case d.Category == CategoryHealthInsurance && behind:
		tier = TierHealthInsurance
	case dueSoon && (d.Category == CategoryFine || momentOf(d.Category) == momentReminder && d.Category != CategoryBenefitReclaim):
		tier = TierDeadline
	}
	var action Action
	switch {
	case d.Crisis != nil:
		action = ActionCallCrisis
	case enforced:
		action = ActionStopEnforcement
	case dueSoon:
		action = ActionPayBeforeDue
	case behind || d.Status == StatusCollection:
		action = ActionArrangeArrears
	case d.Status == StatusArrangement || d.Arrangement != nil && d.Arrangement.Ends >= today:
		action = ActionKeepArrangement
	default:
		action = ActionNone
	}
	needs := tier < TierRest || enforced || dueSoon || behind || d.Status == StatusCollection
	return tier, action, needs
}

// basicNeed reports whether losing the service behind this category means
// losing a roof, power, water or health insurance.
func basicNeed(c Category) bool {
	switch c {
	case CategoryRent, CategoryEnergy, CategoryHeat, CategoryWater, CategoryHealthInsurance:
		return true
	}
	return false
}

func actionRank(a Action) int {
	for i, k := range []Action{ActionCallCrisis, ActionCheckGarnishment, ActionStopEnforcement, ActionPayBeforeDue, ActionArrangeArrears, ActionKeepArrangement, ActionNone} {
		if a == k {
			return i
		}
	}
	return 99
}

func hasCode(codes []FlagCode, c FlagCode) bool {
	for _, k := range codes {
		if k == c {
			return true
		}
	}
	return false
}
