package wallet

import (
	"slices"
	"sort"
	"time"
)

// Situation is the household's leefsituatie as the beslagvrije voet tells
// them apart (art. 475da Rv): four situations, no more.
type Situation string

// Leefsituaties. Source: Stimulansz and VNG (norms-2025-2026.md §1.1 rule 2).
const (
	SituationSingle             Situation = "single"               // alleenstaande
	SituationSingleParent       Situation = "single_parent"        // alleenstaande ouder (child under 18)
	SituationCouple             Situation = "couple"               // gehuwd/samenwonend without children under 18
	SituationCoupleWithChildren Situation = "couple_with_children" // gehuwd/samenwonend with children under 18
)

// Situations lists the leefsituaties in a fixed order.
var Situations = []Situation{SituationSingle, SituationSingleParent, SituationCouple, SituationCoupleWithChildren}

// Valid reports whether s is one of the four leefsituaties.
func (s Situation) Valid() bool {
	for _, x := range Situations {
		if s == x {
			return true
		}
	}
	return false
}

// WithChildren reports whether the situation has children under 18.
func (s Situation) WithChildren() bool {
	return s == SituationSingleParent || s == SituationCoupleWithChildren
}

// Couple reports whether the situation is gehuwd or samenwonend.
func (s Situation) Couple() bool { return s == SituationCouple || s == SituationCoupleWithChildren }

// Figure is one norm amount with the page it was taken from, so that every
// figure Regie shows can be traced to its source.
type Figure struct {
	Cents  Cents  `json:"cents"`
	Source string `json:"source"`
}

// Norms are the figures of one half-year that the indicative beslagvrije
// voet needs. Every figure comes from ../shared/reference/norms-2025-2026.md,
// tagged [T] there (a third party quoting the official source); figures
// tagged [U] (unverified) there are deliberately absent.
type Norms struct {
	ValidFrom Date `json:"valid_from"`
	// SingleNorm and CoupleNorm are the Participatiewet bijstandsnormen
	// 21 to AOW age, net per month including vakantietoeslag.
	SingleNorm Figure `json:"single_norm"`
	CoupleNorm Figure `json:"couple_norm"`
	// Max is the maximum beslagvrije voet per leefsituatie (art. 475da lid 1
	// Rv), per month.
	Max map[Situation]Figure `json:"max"`
}

// Norm is the bijstandsnorm (incl. vakantietoeslag) of the situation: the
// alleenstaande norm also holds for an alleenstaande ouder.
func (n Norms) Norm(s Situation) Figure {
	if s.Couple() {
		return n.CoupleNorm
	}
	return n.SingleNorm
}

// Sources of the norm figures (norms-2025-2026.md §1.4 and §1.5: the
// bijstandsnormen from metronieuws, which cites Rijksoverheid [T]; the
// maxima from aag.nl and fundamentvoor.nl [T]).
const (
	srcNorms202501 = "https://www.metronieuws.nl (januari 2025, bron: Rijksoverheid)"
	srcNorms202507 = "https://www.metronieuws.nl (juni 2025, bron: Rijksoverheid)"
	srcMax202501   = "https://www.aag.nl/kennis/beslagvrije-voet-per-1-januari-2025/"
	srcMax202507   = "https://www.fundamentvoor.nl/node/55343"
)

// NormsTable holds every half-year of norms Regie knows, oldest first. A new
// half-year is one more row (and a test). The 2026 figures in the reference
// file are tagged [U] (one unofficial repository that contradicts itself),
// so they are not here: from 1 January 2026 Regie computes with the norms of
// 1 July 2025 and says so (BVV.NormsOutdated).
func NormsTable() []Norms {
	return []Norms{
		{
			ValidFrom:  "2025-01-01",
			SingleNorm: Figure{134545, srcNorms202501},
			CoupleNorm: Figure{192207, srcNorms202501},
			Max: map[Situation]Figure{
				SituationSingle:             {207124, srcMax202501},
				SituationSingleParent:       {224224, srcMax202501},
				SituationCouple:             {273903, srcMax202501},
				SituationCoupleWithChildren: {285596, srcMax202501},
			},
		},
		{
			ValidFrom:  "2025-07-01",
			SingleNorm: Figure{136906, srcNorms202507},
			CoupleNorm: Figure{195580, srcNorms202507},
			Max: map[Situation]Figure{
				SituationSingle:             {209367, srcMax202507},
				SituationSingleParent:       {226467, srcMax202507},
				SituationCouple:             {277107, srcMax202507},
				SituationCoupleWithChildren: {288800, srcMax202507},
			},
		},
	}
}

// NormsOn returns the norms that hold on day d, and whether a newer
// half-year has begun since they took effect (so newer official norms exist
// that Regie does not have). It reports false when d lies before every row.
func NormsOn(table []Norms, d Date) (n Norms, outdated bool, ok bool) {
	table = slices.Clone(table)
	sort.Slice(table, func(i, j int) bool { return table[i].ValidFrom < table[j].ValidFrom })
	for i := len(table) - 1; i >= 0; i-- {
		if table[i].ValidFrom <= d {
			next := table[i].ValidFrom.Time().AddDate(0, 6, 0)
			return table[i], !d.Time().Before(next), true
		}
	}
	return Norms{}, false, false
}

// BVVStatus says whether an indicative beslagvrije voet could be worked out.
type BVVStatus string

// BVV statuses.
const (
	BVVIndicative  BVVStatus = "indicative"   // worked out, as a figure or a range
	BVVNoHousehold BVVStatus = "no_household" // the household is not filled in
	BVVPensionAge  BVVStatus = "pension_age"  // how 475da treats AOW age is not verified
	BVVNoIncome    BVVStatus = "no_income"    // no income to protect
	BVVNoNorms     BVVStatus = "no_norms"     // the date lies before every row of the table
)

// BVVBand is the income group the sources agree on.
type BVVBand string

// Income groups (norms-2025-2026.md §1.1 rule 3).
const (
	// BandLow is income at or below the bijstandsnorm: the 95% rule, exact.
	BandLow BVVBand = "low"
	// BandAboveNorm is income above the norm. The middle band adds a
	// compensatiekop whose variables could not be retrieved, and the line
	// between middle and high needs the taxable income; so Regie gives the
	// range the sources do support: at least 95% of the norm, at most the
	// maximum, and never more than 95% of the income.
	BandAboveNorm BVVBand = "above_norm"
)

// BVVWarning says how a garnishment compares with the indicative BVV.
type BVVWarning string

// Warnings.
const (
	// WarnBelow: the garnishment leaves less than the lowest indicative BVV.
	WarnBelow BVVWarning = "below"
	// WarnMaybeBelow: it leaves less than the highest figure of the range,
	// so the BVV may be set too low.
	WarnMaybeBelow BVVWarning = "maybe_below"
)

// BVV is an indicative beslagvrije voet with the inputs it came from. It is
// never the official figure: that is the bailiff's, from the registers.
type BVV struct {
	Status         BVVStatus  `json:"status"`
	Situation      Situation  `json:"situation,omitempty"`
	NormsValidFrom Date       `json:"norms_valid_from,omitempty"`
	NormsOutdated  bool       `json:"norms_outdated,omitempty"`
	Sources        []string   `json:"sources,omitempty"`
	IncomeCents    Cents      `json:"income_cents"` // net per month incl. holiday pay, earmarked benefits left out
	NormCents      Cents      `json:"norm_cents,omitempty"`
	MaxCents       Cents      `json:"max_cents,omitempty"`
	Band           BVVBand    `json:"band,omitempty"`
	LowCents       Cents      `json:"low_cents"`  // the BVV is at least this
	HighCents      Cents      `json:"high_cents"` // and at most this (equal for BandLow)
	GarnishedCents Cents      `json:"garnished_cents"`
	LeftCents      Cents      `json:"left_cents"` // income minus garnishment
	Warning        BVVWarning `json:"warning,omitempty"`
}

// percent95 is 95% of c in whole cents, half away from zero.
func percent95(c Cents) Cents { return divRound(int64(c)*95, 100) }

// IndicativeBVV works out the beslagvrije voet the sources support for a
// household with income (net per month including holiday pay) and a
// garnishment per month, on day d:
//   - income at or below the bijstandsnorm: BVV = 95% of the income (the
//     5% rule, §1.1 rule 4);
//   - above the norm: at least 95% of the norm (the base of rule 5; the
//     compensatiekop is never negative) and at most the maximum of rule 6,
//     and never more than 95% of the income (rule 8: repayment is always at
//     least 5%).
//
// Not supported, and said so by the status: a household where someone has
// reached AOW age (§1.6: the treatment of the AOW norm inside 475da is not
// verified), the partner's own income (§1.6, not verified), housing
// corrections (§1.2) and the compensatiekop itself (§1.1 rule 5: variables
// not retrievable).
func IndicativeBVV(table []Norms, h *Household, incomeCents, garnishedCents Cents, d Date) BVV {
	b := BVV{IncomeCents: incomeCents, GarnishedCents: garnishedCents, LeftCents: incomeCents - garnishedCents}
	switch {
	case h == nil:
		b.Status = BVVNoHousehold
		return b
	case h.PensionAge:
		b.Status, b.Situation = BVVPensionAge, h.Situation
		return b
	case incomeCents <= 0:
		b.Status, b.Situation = BVVNoIncome, h.Situation
		return b
	}
	n, outdated, ok := NormsOn(table, d)
	if !ok {
		b.Status, b.Situation = BVVNoNorms, h.Situation
		return b
	}
	norm, max := n.Norm(h.Situation), n.Max[h.Situation]
	b.Status, b.Situation, b.NormsValidFrom, b.NormsOutdated = BVVIndicative, h.Situation, n.ValidFrom, outdated
	b.NormCents, b.MaxCents = norm.Cents, max.Cents
	b.Sources = []string{norm.Source}
	if max.Source != norm.Source {
		b.Sources = append(b.Sources, max.Source)
	}
	if incomeCents <= norm.Cents {
		b.Band = BandLow
		b.LowCents = percent95(incomeCents)
		b.HighCents = b.LowCents
	} else {
		b.Band = BandAboveNorm
		b.LowCents = percent95(norm.Cents)
		b.HighCents = min(max.Cents, percent95(incomeCents))
	}
	if garnishedCents > 0 {
		switch {
		case b.LeftCents < b.LowCents:
			b.Warning = WarnBelow
		case b.LeftCents < b.HighCents:
			b.Warning = WarnMaybeBelow
		}
	}
	return b
}

// Household is the resident's own statement of their leefsituatie. It is
// self-declared: no organisation signs it.
type Household struct {
	Situation          Situation `json:"situation"`
	ChildrenBirthYears []int     `json:"children_birth_years"`
	// PensionAge says that someone in the household has reached AOW age.
	PensionAge bool `json:"pension_age"`
}

// MaxChildren bounds the birth years a household lists.
const MaxChildren = 20

// Validate checks the household as of now: a known situation, plausible
// birth years, and a child under 18 for the situations that need one.
func (h Household) Validate(now time.Time) error {
	if !h.Situation.Valid() {
		return &ValidationError{Field: "situation", Problem: "must be single, single_parent, couple or couple_with_children"}
	}
	if len(h.ChildrenBirthYears) > MaxChildren {
		return &ValidationError{Field: "children_birth_years", Problem: "lists too many children"}
	}
	year := now.UTC().Year()
	minor := false
	for _, y := range h.ChildrenBirthYears {
		if y < year-120 || y > year {
			return &ValidationError{Field: "children_birth_years", Problem: "must be years between 120 years ago and this year"}
		}
		if y > year-18 {
			minor = true
		}
	}
	if h.Situation.WithChildren() && !minor {
		return &ValidationError{Field: "children_birth_years", Problem: "this situation needs the birth year of a child under 18"}
	}
	return nil
}
