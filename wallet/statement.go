package wallet

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"regie/internal/strictjson"
)

// Cents is an amount of money in euro cents. Money is never a float.
type Cents int64

// Date is a calendar date in ISO 8601 form (YYYY-MM-DD).
type Date string

// DateLayout is the layout of a Date.
const DateLayout = "2006-01-02"

// ParseDate checks s and returns it as a Date.
func ParseDate(s string) (Date, error) {
	if _, err := time.Parse(DateLayout, s); err != nil || len(s) != 10 {
		return "", &ValidationError{Field: "date", Problem: "must be an ISO 8601 date (YYYY-MM-DD)"}
	}
	return Date(s), nil
}

// Time returns the start of the date in UTC; the zero time for an empty Date.
func (d Date) Time() time.Time {
	t, err := time.Parse(DateLayout, string(d))
	if err != nil {
		return time.Time{}
	}
	return t
}

// DateOf returns the calendar date of t in UTC.
func DateOf(t time.Time) Date { return Date(t.UTC().Format(DateLayout)) }

// StatementType says what a statement is about.
type StatementType string

// Statement types.
const (
	TypeDebt    StatementType = "debt"
	TypeIncome  StatementType = "income"
	TypeExpense StatementType = "expense" // a fixed cost (vaste last), signed by whoever charges it
)

// Category is a debt category. The priority categories (rent, energy, water,
// health insurance, tax) are the fixed costs whose arrears lead to eviction,
// disconnection or loss of insurance.
type Category string

// Debt categories.
const (
	CategoryRent            Category = "rent"
	CategoryEnergy          Category = "energy"
	CategoryWater           Category = "water"
	CategoryHealthInsurance Category = "health_insurance"
	CategoryTax             Category = "tax"
	CategoryFine            Category = "fine"
	CategoryStudentLoan     Category = "student_loan"
	CategoryBenefitReclaim  Category = "benefit_reclaim"
	CategoryConsumerCredit  Category = "consumer_credit"
	CategoryTelecom         Category = "telecom"
	CategoryOther           Category = "other"

	// Second edition: the categories a counsellor's intake tells apart
	// (tax stays the national taxes).
	CategoryMunicipalTax  Category = "municipal_tax"
	CategoryWaterBoardTax Category = "water_board_tax"
	CategoryCAK           Category = "cak" // bestuursrechtelijke premie zorgverzekering
	CategoryHeat          Category = "heat"
	CategoryMortgage      Category = "mortgage"
	CategoryAlimony       Category = "alimony"
	CategoryCareCosts     Category = "care_costs" // eigen bijdrage, eigen risico
	CategoryPrivateLoan   Category = "private_loan"
	CategoryBNPL          Category = "bnpl" // achteraf betalen
)

// Categories lists every debt category in a fixed order.
var Categories = []Category{CategoryRent, CategoryEnergy, CategoryWater, CategoryHealthInsurance,
	CategoryTax, CategoryFine, CategoryStudentLoan, CategoryBenefitReclaim, CategoryConsumerCredit,
	CategoryTelecom, CategoryOther, CategoryMunicipalTax, CategoryWaterBoardTax, CategoryCAK, CategoryHeat,
	CategoryMortgage, CategoryAlimony, CategoryCareCosts, CategoryPrivateLoan, CategoryBNPL}

// Priority reports whether arrears in this category threaten a basic need.
func (c Category) Priority() bool {
	switch c {
	case CategoryRent, CategoryEnergy, CategoryWater, CategoryHealthInsurance, CategoryTax,
		CategoryMortgage, CategoryHeat, CategoryCAK, CategoryMunicipalTax, CategoryWaterBoardTax:
		return true
	}
	return false
}

// Status is where a debt stands in collection.
type Status string

// Debt statuses. Paid and waived close a debt; the others say how far
// collection has gone.
const (
	StatusOpen        Status = "open"
	StatusArrangement Status = "arrangement"
	StatusCollection  Status = "collection"
	StatusBailiff     Status = "bailiff"
	StatusGarnishment Status = "garnishment"

	// Second edition.
	StatusEnforcementOrder Status = "enforcement_order" // dwangbevel
	StatusJudgment         Status = "judgment"          // vonnis or another title
	StatusDisputed         Status = "disputed"
	StatusMoratorium       Status = "moratorium"
	StatusDebtSettlement   Status = "debt_settlement" // in a schuldregeling
	StatusWSNP             Status = "wsnp"
	StatusPaid             Status = "paid"
	StatusWaived           Status = "waived"

	// StatusSettled is the first edition's word for paid; ParseClaims
	// reads it as StatusPaid, so no parsed debt carries it.
	StatusSettled Status = "settled"
)

// Statuses lists every status a parsed debt may carry, in a fixed order.
var Statuses = []Status{StatusOpen, StatusArrangement, StatusCollection, StatusBailiff, StatusGarnishment,
	StatusEnforcementOrder, StatusJudgment, StatusDisputed, StatusMoratorium, StatusDebtSettlement, StatusWSNP,
	StatusPaid, StatusWaived}

// Severity orders statuses for "worst status" summaries: closed debts 0,
// then how far collection has gone (a title or dwangbevel ranks with the
// bailiff, whom it lets act; garnishment is worst). -1 means unknown.
func (s Status) Severity() int {
	switch s {
	case StatusPaid, StatusWaived, StatusSettled:
		return 0
	case StatusOpen, StatusDisputed:
		return 1
	case StatusArrangement, StatusMoratorium, StatusDebtSettlement, StatusWSNP:
		return 2
	case StatusCollection:
		return 3
	case StatusBailiff, StatusEnforcementOrder, StatusJudgment:
		return 4
	case StatusGarnishment:
		return 5
	}
	return -1
}

// Closed reports whether the debt no longer has to be paid (paid or
// waived), so totals and warnings leave it out.
func (s Status) Closed() bool { return s.Severity() == 0 }

// CrisisState is an imminent loss of a basic need a creditor announces.
type CrisisState string

// Crisis states.
const (
	CrisisEviction      CrisisState = "eviction_announced"
	CrisisDisconnection CrisisState = "disconnection_announced"
	CrisisInsurance     CrisisState = "insurance_terminated"
)

// Crisis is an announced eviction, disconnection or ended insurance, and
// the date it takes effect: what makes a debt urgent for a counsellor.
type Crisis struct {
	State CrisisState `json:"state"`
	Date  Date        `json:"date"`
}

// IncomeKind says what sort of income a statement reports.
type IncomeKind string

// Income kinds.
const (
	KindSalary         IncomeKind = "salary"
	KindBenefit        IncomeKind = "benefit"
	KindAllowance      IncomeKind = "allowance"
	KindPension        IncomeKind = "pension"
	KindStudentFinance IncomeKind = "student_finance"
	KindOther          IncomeKind = "other"

	// Second edition: the kinds a beslagvrije voet and a budget tell apart.
	KindWage               IncomeKind = "wage"
	KindSocialAssistance   IncomeKind = "social_assistance" // bijstand
	KindUnemployment       IncomeKind = "unemployment"      // WW
	KindSurvivor           IncomeKind = "survivor"          // ANW
	KindStatePension       IncomeKind = "state_pension"     // AOW
	KindDisability         IncomeKind = "disability"        // WIA, Wajong, WAO
	KindChildBenefit       IncomeKind = "child_benefit"     // kinderbijslag
	KindChildBudget        IncomeKind = "child_budget"      // kindgebonden budget
	KindRentAllowance      IncomeKind = "rent_allowance"    // huurtoeslag
	KindCareAllowance      IncomeKind = "care_allowance"    // zorgtoeslag
	KindChildcareAllowance IncomeKind = "childcare_allowance"
	KindAlimony            IncomeKind = "alimony"
)

// IncomeKinds lists every income kind a statement may carry.
var IncomeKinds = []IncomeKind{KindSalary, KindBenefit, KindAllowance, KindPension, KindStudentFinance, KindOther,
	KindWage, KindSocialAssistance, KindUnemployment, KindSurvivor, KindStatePension, KindDisability,
	KindChildBenefit, KindChildBudget, KindRentAllowance, KindCareAllowance, KindChildcareAllowance, KindAlimony}

// Earmarked reports whether the income is a benefit paid for a purpose
// (toeslagen, child benefit, child budget) rather than income to live on.
// The indicative beslagvrije voet leaves these out: they are not attachable
// income, and the VTLB-rapport (§6.2, Bureau Wsnp, januari 2024) does not
// count kindgebonden budget, zorgtoeslag or kinderbijslag as income.
func (k IncomeKind) Earmarked() bool {
	switch k {
	case KindAllowance, KindChildBenefit, KindChildBudget, KindRentAllowance, KindCareAllowance, KindChildcareAllowance:
		return true
	}
	return false
}

// Period is how often an income is paid or a cost charged.
type Period string

// Periods of incomes and expenses.
const (
	PeriodWeek      Period = "week"
	PeriodFourWeeks Period = "four_weeks"
	PeriodMonth     Period = "month"
	PeriodQuarter   Period = "quarter"
	PeriodYear      Period = "year"
)

// Valid reports whether p is a known period.
func (p Period) Valid() bool {
	switch p {
	case PeriodWeek, PeriodFourWeeks, PeriodMonth, PeriodQuarter, PeriodYear:
		return true
	}
	return false
}

// Monthly normalises an amount paid once per period to a monthly amount,
// rounding half away from zero: a week is 52/12 of a month, four weeks 13/12,
// a quarter 1/3.
func (p Period) Monthly(c Cents) Cents {
	switch p {
	case PeriodWeek:
		return divRound(int64(c)*52, 12)
	case PeriodFourWeeks:
		return divRound(int64(c)*13, 12)
	case PeriodQuarter:
		return divRound(int64(c), 3)
	case PeriodYear:
		return divRound(int64(c), 12)
	}
	return c
}

func divRound(n, d int64) Cents {
	if n < 0 {
		return -Cents((-n + d/2) / d)
	}
	return Cents((n + d/2) / d)
}

// Arrangement is a payment arrangement agreed with the creditor.
type Arrangement struct {
	MonthlyCents Cents `json:"monthly_cents"`
	Ends         Date  `json:"ends"`
}

// Debt is what an organisation says a resident owes it.
type Debt struct {
	Reference        string       `json:"reference"`
	Creditor         string       `json:"creditor"`
	Category         Category     `json:"category"`
	OriginalCents    Cents        `json:"original_cents"`
	OutstandingCents Cents        `json:"outstanding_cents"`
	ArrearsCents     Cents        `json:"arrears_cents,omitempty"`
	MonthsInArrears  int          `json:"months_in_arrears,omitempty"`
	Status           Status       `json:"status"`
	Arrangement      *Arrangement `json:"arrangement,omitempty"`
	DueDate          Date         `json:"due_date,omitempty"`

	// Second edition. OriginalCreditor and OriginalReference name the claim
	// a collector or bailiff reports on another creditor's behalf: the pair
	// links the two reports so the claim counts once.
	OriginalCreditor  string `json:"original_creditor,omitempty"`
	OriginalReference string `json:"original_reference,omitempty"`
	// CustomerNumber is the creditor's customer number (KlantnummerSE).
	CustomerNumber string `json:"customer_number,omitempty"`
	// OriginDate is when the debt arose (Ontstaansdatum).
	OriginDate Date `json:"origin_date,omitempty"`
	// Principal, interest and costs split the outstanding amount when the
	// creditor gives the split; nil when it does not.
	PrincipalCents *Cents  `json:"principal_cents,omitempty"`
	InterestCents  *Cents  `json:"interest_cents,omitempty"`
	CostsCents     *Cents  `json:"costs_cents,omitempty"`
	DaysInArrears  int     `json:"days_in_arrears,omitempty"`
	Crisis         *Crisis `json:"crisis,omitempty"`
}

// Garnishment is an attachment of income (loonbeslag) as the payer reports it.
type Garnishment struct {
	AmountCents    Cents  `json:"amount_cents"`
	ProtectedCents Cents  `json:"protected_cents"`
	By             string `json:"by,omitempty"`        // who laid it (bailiff, CJIB, ...)
	Reference      string `json:"reference,omitempty"` // their reference
}

// Income is what an organisation says it pays the resident.
type Income struct {
	Reference   string       `json:"reference"`
	Payer       string       `json:"payer"`
	Kind        IncomeKind   `json:"kind"`
	NetCents    Cents        `json:"net_cents"`
	Period      Period       `json:"period"`
	Garnishment *Garnishment `json:"garnishment,omitempty"`
	Ends        Date         `json:"ends,omitempty"`
	// GrossCents is the gross amount per period, when the payer gives it.
	GrossCents Cents `json:"gross_cents,omitempty"`
	// HolidayPayCents is the holiday pay (vakantietoeslag) built up per
	// period, net, paid out once a year. The beslagvrije voet counts it.
	HolidayPayCents Cents `json:"holiday_pay_cents,omitempty"`
}

// ExpenseKind says what a fixed cost is for.
type ExpenseKind string

// Expense kinds.
const (
	ExpenseRent            ExpenseKind = "rent"
	ExpenseMortgage        ExpenseKind = "mortgage"
	ExpenseServiceCosts    ExpenseKind = "service_costs"
	ExpenseEnergy          ExpenseKind = "energy"
	ExpenseHeat            ExpenseKind = "heat"
	ExpenseWater           ExpenseKind = "water"
	ExpenseHealthInsurance ExpenseKind = "health_insurance"
	ExpenseMunicipalTax    ExpenseKind = "municipal_tax"
	ExpenseWaterBoardTax   ExpenseKind = "water_board_tax"
	ExpenseInsurance       ExpenseKind = "insurance"
	ExpenseTelecom         ExpenseKind = "telecom"
	ExpenseChildcare       ExpenseKind = "childcare"
	ExpenseOther           ExpenseKind = "other"
)

// ExpenseKinds lists every expense kind in a fixed order (housing first).
var ExpenseKinds = []ExpenseKind{ExpenseRent, ExpenseMortgage, ExpenseServiceCosts, ExpenseEnergy, ExpenseHeat,
	ExpenseWater, ExpenseHealthInsurance, ExpenseMunicipalTax, ExpenseWaterBoardTax, ExpenseInsurance,
	ExpenseTelecom, ExpenseChildcare, ExpenseOther}

// Valid reports whether k is a known expense kind.
func (k ExpenseKind) Valid() bool {
	for _, x := range ExpenseKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Housing reports whether the cost is the cost of the home itself.
func (k ExpenseKind) Housing() bool { return k == ExpenseRent || k == ExpenseMortgage }

// Expense is a fixed cost (vaste last) as the organisation that charges it
// states it.
type Expense struct {
	Reference   string      `json:"reference"`
	Payee       string      `json:"payee"`
	Kind        ExpenseKind `json:"kind"`
	AmountCents Cents       `json:"amount_cents"`
	Period      Period      `json:"period"`
	Since       Date        `json:"since,omitempty"`
	Ends        Date        `json:"ends,omitempty"`
}

// Claims is the payload of a signed statement, as organisations send it.
type Claims struct {
	Issuer   string        `json:"iss"`
	Subject  BSN           `json:"sub"`
	ID       string        `json:"jti"`
	IssuedAt int64         `json:"iat"`
	Expiry   int64         `json:"exp,omitempty"`
	Type     StatementType `json:"type"`
	AsOf     Date          `json:"as_of"`
	Debt     *Debt         `json:"debt,omitempty"`
	Income   *Income       `json:"income,omitempty"`
	Expense  *Expense      `json:"expense,omitempty"`
}

// Reference is the organisation's own reference for the debt or income; with
// the issuer it names the series a newer statement supersedes.
func (c *Claims) Reference() string {
	switch {
	case c.Debt != nil:
		return c.Debt.Reference
	case c.Income != nil:
		return c.Income.Reference
	case c.Expense != nil:
		return c.Expense.Reference
	}
	return ""
}

// Statement is a verified statement as the vault keeps it: the claims and the
// original compact JWS they came from, so that anyone can check them again.
type Statement struct {
	Claims
	JWS        string    `json:"jws"`
	ImportedAt time.Time `json:"imported_at"`
}

// MaxAsOfAhead is how far past its signing time (iat) a statement's as_of
// may lie: a day, for organisations that date a statement by tomorrow's
// booking.
const MaxAsOfAhead = 24 * time.Hour

// maxUnixTime is 9999-12-31, the last time a date can name.
const maxUnixTime = 253402300799

// MaxStatementSize bounds a statement payload; organisations send a few hundred bytes.
const MaxStatementSize = 16 << 10

// The wire types use pointers so that a missing required field is told apart from a zero.
type wireArrangement struct {
	MonthlyCents *Cents `json:"monthly_cents"`
	Ends         *Date  `json:"ends"`
}

type wireDebt struct {
	Reference        *string          `json:"reference"`
	Creditor         *string          `json:"creditor"`
	Category         *Category        `json:"category"`
	OriginalCents    *Cents           `json:"original_cents"`
	OutstandingCents *Cents           `json:"outstanding_cents"`
	ArrearsCents     *Cents           `json:"arrears_cents"`
	MonthsInArrears  *int             `json:"months_in_arrears"`
	Status           *Status          `json:"status"`
	Arrangement      *wireArrangement `json:"arrangement"`
	DueDate          *Date            `json:"due_date"`

	OriginalCreditor  *string     `json:"original_creditor"`
	OriginalReference *string     `json:"original_reference"`
	CustomerNumber    *string     `json:"customer_number"`
	OriginDate        *Date       `json:"origin_date"`
	PrincipalCents    *Cents      `json:"principal_cents"`
	InterestCents     *Cents      `json:"interest_cents"`
	CostsCents        *Cents      `json:"costs_cents"`
	DaysInArrears     *int        `json:"days_in_arrears"`
	Crisis            *wireCrisis `json:"crisis"`
}

type wireCrisis struct {
	State *CrisisState `json:"state"`
	Date  *Date        `json:"date"`
}

type wireGarnishment struct {
	AmountCents    *Cents  `json:"amount_cents"`
	ProtectedCents *Cents  `json:"protected_cents"`
	By             *string `json:"by"`
	Reference      *string `json:"reference"`
}

type wireIncome struct {
	Reference   *string          `json:"reference"`
	Payer       *string          `json:"payer"`
	Kind        *IncomeKind      `json:"kind"`
	NetCents    *Cents           `json:"net_cents"`
	Period      *Period          `json:"period"`
	Garnishment *wireGarnishment `json:"garnishment"`
	Ends        *Date            `json:"ends"`
	GrossCents  *Cents           `json:"gross_cents"`
	HolidayPay  *Cents           `json:"holiday_pay_cents"`
}

type wireExpense struct {
	Reference   *string      `json:"reference"`
	Payee       *string      `json:"payee"`
	Kind        *ExpenseKind `json:"kind"`
	AmountCents *Cents       `json:"amount_cents"`
	Period      *Period      `json:"period"`
	Since       *Date        `json:"since"`
	Ends        *Date        `json:"ends"`
}

type wireClaims struct {
	Issuer   *string        `json:"iss"`
	Subject  *string        `json:"sub"`
	ID       *string        `json:"jti"`
	IssuedAt *int64         `json:"iat"`
	Expiry   *int64         `json:"exp"`
	Type     *StatementType `json:"type"`
	AsOf     *Date          `json:"as_of"`
	Debt     *wireDebt      `json:"debt"`
	Income   *wireIncome    `json:"income"`
	Expense  *wireExpense   `json:"expense"`
}

var (
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	// jtiPattern keeps statement ids to characters that are safe in a file
	// name, a URL and a spreadsheet cell: never a leading = + - @ or a
	// control character a spreadsheet would read as a formula.
	jtiPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._:~/-]{0,127}$`)
	refPattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} ._/:#&(),'+-]{0,99}$`)
)

// ValidOrgID reports whether s has the form of an organisation id.
func ValidOrgID(s string) bool { return idPattern.MatchString(s) }

// ParseClaims decodes a statement payload strictly: unknown fields, missing
// required fields, fractional or negative money, unknown categories, statuses,
// kinds or periods, malformed dates and an invalid BSN are all refused with an
// error matching ErrInvalid.
func ParseClaims(payload []byte) (Claims, error) {
	if len(payload) > MaxStatementSize {
		return Claims{}, &ValidationError{Field: "payload", Problem: "too large"}
	}
	var w wireClaims
	if err := strictjson.Decode(payload, &w); err != nil {
		return Claims{}, &ValidationError{Field: "payload", Problem: describeJSONError(err)}
	}
	return w.claims()
}

func describeJSONError(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		if ute.Field != "" {
			return fmt.Sprintf("field %s has the wrong type (want %s)", ute.Field, ute.Type)
		}
		return "wrong JSON type"
	}
	for _, strict := range []error{strictjson.ErrDuplicate, strictjson.ErrName, strictjson.ErrTrailing, strictjson.ErrDepth} {
		if errors.Is(err, strict) {
			return err.Error()
		}
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "json: unknown field ") {
		return "unknown field " + strings.TrimPrefix(msg, "json: unknown field ")
	}
	return "not valid JSON"
}

func missing(field string) error { return &ValidationError{Field: field, Problem: "is required"} }

func (w *wireClaims) claims() (Claims, error) {
	var c Claims
	switch {
	case w.Issuer == nil:
		return c, missing("iss")
	case w.Subject == nil:
		return c, missing("sub")
	case w.ID == nil:
		return c, missing("jti")
	case w.IssuedAt == nil:
		return c, missing("iat")
	case w.Type == nil:
		return c, missing("type")
	case w.AsOf == nil:
		return c, missing("as_of")
	}
	if !idPattern.MatchString(*w.Issuer) {
		return c, &ValidationError{Field: "iss", Problem: "must be an organisation id"}
	}
	bsn, err := ParseBSN(*w.Subject)
	if err != nil {
		var ve *ValidationError
		errors.As(err, &ve)
		return c, &ValidationError{Field: "sub", Problem: ve.Problem}
	}
	if !jtiPattern.MatchString(*w.ID) {
		return c, &ValidationError{Field: "jti", Problem: "must be 1 to 128 letters, digits, '.', '_', ':', '~', '/' or '-', starting with a letter, digit or '_'"}
	}
	if *w.IssuedAt <= 0 || *w.IssuedAt > maxUnixTime {
		return c, &ValidationError{Field: "iat", Problem: "must be a positive Unix time"}
	}
	if w.Expiry != nil && *w.Expiry <= *w.IssuedAt {
		return c, &ValidationError{Field: "exp", Problem: "must be after iat"}
	}
	if err := checkDate("as_of", *w.AsOf); err != nil {
		return c, err
	}
	// A statement speaks for the day it was signed, not for years ahead: an
	// as_of far past iat would stay "current" over every later statement.
	if w.AsOf.Time().After(time.Unix(*w.IssuedAt, 0).Add(MaxAsOfAhead)) {
		return c, &ValidationError{Field: "as_of", Problem: "must not be more than a day after the signing time (iat)"}
	}
	c = Claims{Issuer: *w.Issuer, Subject: bsn, ID: *w.ID, IssuedAt: *w.IssuedAt, Type: *w.Type, AsOf: *w.AsOf}
	if w.Expiry != nil {
		c.Expiry = *w.Expiry
	}
	switch *w.Type {
	case TypeDebt, TypeIncome, TypeExpense:
	default:
		return c, &ValidationError{Field: "type", Problem: "must be debt, income or expense"}
	}
	if err := w.onlyBody(*w.Type); err != nil {
		return c, err
	}
	switch *w.Type {
	case TypeDebt:
		if w.Debt == nil {
			return c, missing("debt")
		}
		d, err := w.Debt.debt()
		if err != nil {
			return c, err
		}
		c.Debt = &d
	case TypeIncome:
		if w.Income == nil {
			return c, missing("income")
		}
		in, err := w.Income.income()
		if err != nil {
			return c, err
		}
		c.Income = &in
	case TypeExpense:
		if w.Expense == nil {
			return c, missing("expense")
		}
		e, err := w.Expense.expense()
		if err != nil {
			return c, err
		}
		c.Expense = &e
	}
	return c, nil
}

// onlyBody refuses a body of another type than the statement says it is.
func (w *wireClaims) onlyBody(t StatementType) error {
	bodies := []struct {
		field   string
		t       StatementType
		present bool
	}{{"debt", TypeDebt, w.Debt != nil}, {"income", TypeIncome, w.Income != nil}, {"expense", TypeExpense, w.Expense != nil}}
	for _, b := range bodies {
		if b.present && b.t != t {
			return &ValidationError{Field: b.field, Problem: fmt.Sprintf("not allowed in a statement of type %s", t)}
		}
	}
	return nil
}

func checkDate(field string, d Date) error {
	if _, err := ParseDate(string(d)); err != nil {
		return &ValidationError{Field: field, Problem: "must be an ISO 8601 date (YYYY-MM-DD)"}
	}
	return nil
}

func checkMoney(field string, c *Cents) error {
	if c == nil {
		return missing(field)
	}
	if *c < 0 {
		return &ValidationError{Field: field, Problem: "must not be negative"}
	}
	if *c > 100_000_000_00 {
		return &ValidationError{Field: field, Problem: "is implausibly large"}
	}
	return nil
}

func checkText(field string, s *string) error {
	if s == nil {
		return missing(field)
	}
	if !refPattern.MatchString(*s) {
		return &ValidationError{Field: field, Problem: "must be 1 to 100 letters, digits or simple punctuation"}
	}
	return nil
}

func (w *wireDebt) debt() (Debt, error) {
	var d Debt
	if err := checkText("debt.reference", w.Reference); err != nil {
		return d, err
	}
	if err := checkText("debt.creditor", w.Creditor); err != nil {
		return d, err
	}
	if w.Category == nil {
		return d, missing("debt.category")
	}
	if !validCategory(*w.Category) {
		return d, &ValidationError{Field: "debt.category", Problem: "unknown category"}
	}
	if err := checkMoney("debt.original_cents", w.OriginalCents); err != nil {
		return d, err
	}
	if err := checkMoney("debt.outstanding_cents", w.OutstandingCents); err != nil {
		return d, err
	}
	if w.Status == nil {
		return d, missing("debt.status")
	}
	if *w.Status == StatusSettled {
		*w.Status = StatusPaid // the first edition's word
	}
	if !slices.Contains(Statuses, *w.Status) {
		return d, &ValidationError{Field: "debt.status", Problem: "unknown status"}
	}
	d = Debt{Reference: *w.Reference, Creditor: *w.Creditor, Category: *w.Category,
		OriginalCents: *w.OriginalCents, OutstandingCents: *w.OutstandingCents, Status: *w.Status}
	if w.ArrearsCents != nil {
		if err := checkMoney("debt.arrears_cents", w.ArrearsCents); err != nil {
			return d, err
		}
		d.ArrearsCents = *w.ArrearsCents
	}
	if w.MonthsInArrears != nil {
		if *w.MonthsInArrears < 0 || *w.MonthsInArrears > 1200 {
			return d, &ValidationError{Field: "debt.months_in_arrears", Problem: "must be 0 to 1200"}
		}
		d.MonthsInArrears = *w.MonthsInArrears
	}
	if w.Arrangement != nil {
		if err := checkMoney("debt.arrangement.monthly_cents", w.Arrangement.MonthlyCents); err != nil {
			return d, err
		}
		if w.Arrangement.Ends == nil {
			return d, missing("debt.arrangement.ends")
		}
		if err := checkDate("debt.arrangement.ends", *w.Arrangement.Ends); err != nil {
			return d, err
		}
		d.Arrangement = &Arrangement{MonthlyCents: *w.Arrangement.MonthlyCents, Ends: *w.Arrangement.Ends}
	}
	if w.DueDate != nil {
		if err := checkDate("debt.due_date", *w.DueDate); err != nil {
			return d, err
		}
		d.DueDate = *w.DueDate
	}
	return d, w.secondEdition(&d)
}

// secondEdition checks and copies the debt fields the second edition added.
func (w *wireDebt) secondEdition(d *Debt) error {
	if (w.OriginalCreditor == nil) != (w.OriginalReference == nil) {
		return &ValidationError{Field: "debt.original_reference", Problem: "original_creditor and original_reference come together"}
	}
	if err := optional("debt.original_creditor", w.OriginalCreditor, &d.OriginalCreditor, checkText); err != nil {
		return err
	}
	if err := optional("debt.original_reference", w.OriginalReference, &d.OriginalReference, checkText); err != nil {
		return err
	}
	if err := optional("debt.customer_number", w.CustomerNumber, &d.CustomerNumber, checkText); err != nil {
		return err
	}
	if err := optional("debt.origin_date", w.OriginDate, &d.OriginDate, checkDateField); err != nil {
		return err
	}
	split := []struct {
		field string
		v     *Cents
	}{{"debt.principal_cents", w.PrincipalCents}, {"debt.interest_cents", w.InterestCents}, {"debt.costs_cents", w.CostsCents}}
	if w.PrincipalCents != nil || w.InterestCents != nil || w.CostsCents != nil {
		var sum Cents
		for _, p := range split {
			if p.v == nil {
				return &ValidationError{Field: p.field, Problem: "is required when principal, interest or costs are given"}
			}
			if err := checkMoney(p.field, p.v); err != nil {
				return err
			}
			sum += *p.v
		}
		if sum != d.OutstandingCents {
			return &ValidationError{Field: "debt.principal_cents",
				Problem: fmt.Sprintf("principal, interest and costs add up to %d cents, not to outstanding_cents (%d)", sum, d.OutstandingCents)}
		}
		p, i, c := *w.PrincipalCents, *w.InterestCents, *w.CostsCents
		d.PrincipalCents, d.InterestCents, d.CostsCents = &p, &i, &c
	}
	if w.DaysInArrears != nil {
		if *w.DaysInArrears < 0 || *w.DaysInArrears > 36500 {
			return &ValidationError{Field: "debt.days_in_arrears", Problem: "must be 0 to 36500"}
		}
		d.DaysInArrears = *w.DaysInArrears
	}
	if c := w.Crisis; c != nil {
		if c.State == nil {
			return missing("debt.crisis.state")
		}
		switch *c.State {
		case CrisisEviction, CrisisDisconnection, CrisisInsurance:
		default:
			return &ValidationError{Field: "debt.crisis.state", Problem: "unknown crisis state"}
		}
		if c.Date == nil {
			return missing("debt.crisis.date")
		}
		if err := checkDate("debt.crisis.date", *c.Date); err != nil {
			return err
		}
		d.Crisis = &Crisis{State: *c.State, Date: *c.Date}
	}
	return nil
}

func validCategory(c Category) bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

func (w *wireIncome) income() (Income, error) {
	var in Income
	if err := checkText("income.reference", w.Reference); err != nil {
		return in, err
	}
	if err := checkText("income.payer", w.Payer); err != nil {
		return in, err
	}
	if w.Kind == nil {
		return in, missing("income.kind")
	}
	if !slices.Contains(IncomeKinds, *w.Kind) {
		return in, &ValidationError{Field: "income.kind", Problem: "unknown kind"}
	}
	if err := checkMoney("income.net_cents", w.NetCents); err != nil {
		return in, err
	}
	if w.Period == nil {
		return in, missing("income.period")
	}
	if !w.Period.Valid() {
		return in, &ValidationError{Field: "income.period", Problem: "unknown period"}
	}
	in = Income{Reference: *w.Reference, Payer: *w.Payer, Kind: *w.Kind, NetCents: *w.NetCents, Period: *w.Period}
	if g := w.Garnishment; g != nil {
		if err := checkMoney("income.garnishment.amount_cents", g.AmountCents); err != nil {
			return in, err
		}
		if err := checkMoney("income.garnishment.protected_cents", g.ProtectedCents); err != nil {
			return in, err
		}
		in.Garnishment = &Garnishment{AmountCents: *g.AmountCents, ProtectedCents: *g.ProtectedCents}
		if err := optional("income.garnishment.by", g.By, &in.Garnishment.By, checkText); err != nil {
			return in, err
		}
		if err := optional("income.garnishment.reference", g.Reference, &in.Garnishment.Reference, checkText); err != nil {
			return in, err
		}
	}
	if err := optional("income.ends", w.Ends, &in.Ends, checkDateField); err != nil {
		return in, err
	}
	if err := optional("income.gross_cents", w.GrossCents, &in.GrossCents, checkMoney); err != nil {
		return in, err
	}
	if w.GrossCents != nil && *w.GrossCents < in.NetCents {
		return in, &ValidationError{Field: "income.gross_cents", Problem: "must not be less than net_cents"}
	}
	if err := optional("income.holiday_pay_cents", w.HolidayPay, &in.HolidayPayCents, checkMoney); err != nil {
		return in, err
	}
	return in, nil
}

func (w *wireExpense) expense() (Expense, error) {
	var e Expense
	if err := checkText("expense.reference", w.Reference); err != nil {
		return e, err
	}
	if err := checkText("expense.payee", w.Payee); err != nil {
		return e, err
	}
	if w.Kind == nil {
		return e, missing("expense.kind")
	}
	if !w.Kind.Valid() {
		return e, &ValidationError{Field: "expense.kind", Problem: "unknown kind"}
	}
	if err := checkMoney("expense.amount_cents", w.AmountCents); err != nil {
		return e, err
	}
	if w.Period == nil {
		return e, missing("expense.period")
	}
	if !w.Period.Valid() {
		return e, &ValidationError{Field: "expense.period", Problem: "unknown period"}
	}
	e = Expense{Reference: *w.Reference, Payee: *w.Payee, Kind: *w.Kind, AmountCents: *w.AmountCents, Period: *w.Period}
	if err := optional("expense.since", w.Since, &e.Since, checkDateField); err != nil {
		return e, err
	}
	if err := optional("expense.ends", w.Ends, &e.Ends, checkDateField); err != nil {
		return e, err
	}
	if e.Since != "" && e.Ends != "" && e.Ends < e.Since {
		return e, &ValidationError{Field: "expense.ends", Problem: "must not be before since"}
	}
	return e, nil
}

// optional checks an optional field with check and stores it in dst when
// present.
func optional[T any](field string, v, dst *T, check func(string, *T) error) error {
	if v == nil {
		return nil
	}
	if err := check(field, v); err != nil {
		return err
	}
	*dst = *v
	return nil
}

func checkDateField(field string, d *Date) error { return checkDate(field, *d) }
