package wallet

import (
	"errors"
	"strings"
	"testing"
)

func TestParseBSN(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"123456782", true},
		{"111222333", true},
		{"123456789", false}, // fails the 11-check
		{"000000000", false},
		{"12345678", false},
		{"1234567820", false},
		{"12345678a", false},
		{"", false},
	}
	for _, tt := range tests {
		_, err := ParseBSN(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseBSN(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseBSN(%q) error %v does not match ErrInvalid", tt.in, err)
			}
			if tt.in != "" && strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q repeats the BSN", err)
			}
		}
	}
}

func TestBSNIsMaskedWhenFormatted(t *testing.T) {
	b := BSN("123456782")
	for _, s := range []string{b.String(), b.LogValue().String(), b.GoString()} {
		if strings.Contains(s, "1234567") {
			t.Errorf("formatted BSN %q leaks digits", s)
		}
	}
	if b.Digits() != "123456782" {
		t.Errorf("Digits = %q", b.Digits())
	}
}

const goodDebt = `{"iss":"cjib","sub":"123456782","jti":"cjib-1","iat":1795140000,"exp":1803000000,"type":"debt","as_of":"2026-11-20",
"debt":{"reference":"CJIB-8891-2231","creditor":"Centraal Justitieel Incassobureau","category":"fine","original_cents":45000,
"outstanding_cents":52500,"arrears_cents":52500,"months_in_arrears":3,"status":"collection",
"arrangement":{"monthly_cents":2500,"ends":"2027-06-30"},"due_date":"2026-12-01"}}`

const goodIncome = `{"iss":"uwv","sub":"123456782","jti":"uwv-ww-2026-11","iat":1795140000,"type":"income","as_of":"2026-11-01",
"income":{"reference":"UWV-WW-2026-11","payer":"UWV","kind":"benefit","net_cents":145000,"period":"month",
"garnishment":{"amount_cents":20000,"protected_cents":120000}}}`

func TestParseClaimsAcceptsTheDesignExamples(t *testing.T) {
	c, err := ParseClaims([]byte(goodDebt))
	if err != nil {
		t.Fatal(err)
	}
	if c.Debt.OutstandingCents != 52500 || c.Debt.Arrangement.MonthlyCents != 2500 || c.Reference() != "CJIB-8891-2231" {
		t.Errorf("debt decoded wrong: %+v", c.Debt)
	}
	c, err = ParseClaims([]byte(goodIncome))
	if err != nil {
		t.Fatal(err)
	}
	if c.Income.NetCents != 145000 || c.Income.Garnishment.ProtectedCents != 120000 {
		t.Errorf("income decoded wrong: %+v", c.Income)
	}
}

func TestParseClaimsRefusesBadPayloads(t *testing.T) {
	tests := []struct {
		name, from, to, field string
	}{
		{"invalid BSN", `"sub":"123456782"`, `"sub":"123456789"`, "sub"},
		{"BSN as number", `"sub":"123456782"`, `"sub":123456782`, "payload"},
		{"negative outstanding", `"outstanding_cents":52500`, `"outstanding_cents":-1`, "debt.outstanding_cents"},
		{"fractional money", `"original_cents":45000`, `"original_cents":450.5`, "payload"},
		{"money as string", `"original_cents":45000`, `"original_cents":"45000"`, "payload"},
		{"unknown category", `"category":"fine"`, `"category":"gambling"`, "debt.category"},
		{"unknown status", `"status":"collection"`, `"status":"forgiven"`, "debt.status"},
		{"unknown field", `"due_date"`, `"colour":"red","due_date"`, "payload"},
		{"missing creditor", `"creditor":"Centraal Justitieel Incassobureau",`, ``, "debt.creditor"},
		{"missing jti", `"jti":"cjib-1",`, ``, "jti"},
		{"missing iat", `"iat":1795140000,`, ``, "iat"},
		{"bad as_of", `"as_of":"2026-11-20"`, `"as_of":"20-11-2026"`, "as_of"},
		{"impossible date", `"due_date":"2026-12-01"`, `"due_date":"2026-02-30"`, "debt.due_date"},
		{"unknown type", `"type":"debt"`, `"type":"asset"`, "type"},
		{"income object in a debt", `"as_of":"2026-11-20",`, `"as_of":"2026-11-20","income":{},`, "income"},
		{"exp before iat", `"exp":1803000000`, `"exp":1000`, "exp"},
		{"bad issuer id", `"iss":"cjib"`, `"iss":"CJIB BV"`, "iss"},
		{"negative months", `"months_in_arrears":3`, `"months_in_arrears":-3`, "debt.months_in_arrears"},
		{"arrangement without end", `,"ends":"2027-06-30"`, ``, "debt.arrangement.ends"},
		{"as_of years past iat", `"as_of":"2026-11-20"`, `"as_of":"9999-12-31"`, "as_of"},
		{"as_of two days past iat", `"as_of":"2026-11-20"`, `"as_of":"2026-11-22"`, "as_of"},
		{"iat past year 9999", `"iat":1795140000`, `"iat":253402300800`, "iat"},
		{"jti starting with =", `"jti":"cjib-1"`, `"jti":"=HYPERLINK(\"http://x\",\"Klik\")"`, "jti"},
		{"jti starting with +", `"jti":"cjib-1"`, `"jti":"+31"`, "jti"},
		{"jti starting with -", `"jti":"cjib-1"`, `"jti":"-2+3"`, "jti"},
		{"jti starting with @", `"jti":"cjib-1"`, `"jti":"@SUM(1)"`, "jti"},
		{"jti with a tab", `"jti":"cjib-1"`, `"jti":"\tcjib"`, "jti"},
		{"jti with a carriage return", `"jti":"cjib-1"`, `"jti":"\rcjib"`, "jti"},
		{"jti with a space", `"jti":"cjib-1"`, `"jti":"cjib 1"`, "jti"},
		{"jti too long", `"jti":"cjib-1"`, `"jti":"` + strings.Repeat("a", 129) + `"`, "jti"},
		{"reference starting with =", `"reference":"CJIB-8891-2231"`, `"reference":"=1+1"`, "debt.reference"},
		{"reference starting with -", `"reference":"CJIB-8891-2231"`, `"reference":"-1+1"`, "debt.reference"},
		{"creditor starting with @", `"creditor":"Centraal Justitieel Incassobureau"`, `"creditor":"@SUM(A1)"`, "debt.creditor"},
		{"trailing data", `"2026-12-01"}}`, `"2026-12-01"}}{}`, "payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(goodDebt, tt.from, tt.to, 1)
			if bad == goodDebt {
				t.Fatalf("fixture did not change")
			}
			_, err := ParseClaims([]byte(bad))
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("field = %q (%v), want %q", ve.Field, err, tt.field)
			}
			if strings.Contains(err.Error(), "123456789") {
				t.Errorf("error repeats the BSN: %v", err)
			}
		})
	}
}

func TestParseClaimsRefusesBadIncome(t *testing.T) {
	for name, repl := range map[string][2]string{
		"unknown period":    {`"period":"month"`, `"period":"fortnight"`},
		"unknown kind":      {`"kind":"benefit"`, `"kind":"lottery"`},
		"negative net":      {`"net_cents":145000`, `"net_cents":-5`},
		"protected missing": {`,"protected_cents":120000`, ``},
	} {
		bad := strings.Replace(goodIncome, repl[0], repl[1], 1)
		if _, err := ParseClaims([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestPeriodMonthly(t *testing.T) {
	tests := []struct {
		p    Period
		in   Cents
		want Cents
	}{
		{PeriodMonth, 145000, 145000},
		{PeriodWeek, 30000, 130000},       // 30000*52/12
		{PeriodWeek, 10001, 43338},        // 43337.67 rounds up
		{PeriodFourWeeks, 120000, 130000}, // 120000*13/12
		{PeriodFourWeeks, 100000, 108333}, // 108333.33 rounds down
		{PeriodYear, 1200000, 100000},
		{PeriodYear, 100, 8}, // 8.33
		{PeriodQuarter, 30000, 10000},
		{PeriodQuarter, 10000, 3333}, // 3333.33 rounds down
		{PeriodQuarter, 20000, 6667}, // 6666.67 rounds up
	}
	for _, tt := range tests {
		if got := tt.p.Monthly(tt.in); got != tt.want {
			t.Errorf("%s.Monthly(%d) = %d, want %d", tt.p, tt.in, got, tt.want)
		}
	}
}

// TestParseClaimsAcceptsSafeIDs: the ids the demo, the tests and common
// generators (UUIDs, base64url) make stay valid.
func TestParseClaimsAcceptsSafeIDs(t *testing.T) {
	for _, id := range []string{"cjib-1", "uwv-ww-2026-11", "c1", "belastingdienst-demo-3", "9b2f6c1e-3f1a-4c55-8d0e-0c2d2f4b9a11",
		"_Zx9-Aq_0", "urn:cjib:2026/11.7", strings.Repeat("a", 128)} {
		if _, err := ParseClaims([]byte(strings.Replace(goodDebt, `"jti":"cjib-1"`, `"jti":"`+id+`"`, 1))); err != nil {
			t.Errorf("jti %q: %v", id, err)
		}
	}
	if _, err := ParseClaims([]byte(strings.Replace(goodDebt, `"as_of":"2026-11-20"`, `"as_of":"2026-11-21"`, 1))); err != nil {
		t.Errorf("as_of the day after iat: %v", err)
	}
}

// goodExpense is the DESIGN example of the second edition.
const goodExpense = `{"iss":"woonstichting-de-haven","sub":"123456782","jti":"wdh-2026-11-huur","iat":1793500000,
"type":"expense","as_of":"2026-11-01",
"expense":{"reference":"HUUR-2026-0412","payee":"Woonstichting De Haven","kind":"rent",
"amount_cents":84500,"period":"month","since":"2024-03-01"}}`

// goodIncome2 uses every second-edition income addition.
const goodIncome2 = `{"iss":"gemeente","sub":"123456782","jti":"g-1","iat":1793500000,"type":"income","as_of":"2026-11-01",
"income":{"reference":"BIJST-1","payer":"Gemeente Utrecht","kind":"social_assistance","net_cents":390000,"period":"quarter",
"gross_cents":420000,"holiday_pay_cents":6800,
"garnishment":{"amount_cents":5000,"protected_cents":120000,"by":"Deurwaarders Noord","reference":"DN-77"}}}`

func TestParseClaimsSecondEdition(t *testing.T) {
	c, err := ParseClaims([]byte(goodExpense))
	if err != nil {
		t.Fatal(err)
	}
	want := Expense{Reference: "HUUR-2026-0412", Payee: "Woonstichting De Haven", Kind: ExpenseRent, AmountCents: 84500,
		Period: PeriodMonth, Since: "2024-03-01"}
	if c.Type != TypeExpense || c.Expense == nil || *c.Expense != want || c.Reference() != "HUUR-2026-0412" {
		t.Errorf("expense decoded wrong: %+v", c.Expense)
	}
	c, err = ParseClaims([]byte(goodIncome2))
	if err != nil {
		t.Fatal(err)
	}
	in := c.Income
	if in.Kind != KindSocialAssistance || in.Period != PeriodQuarter || in.GrossCents != 420000 || in.HolidayPayCents != 6800 ||
		in.Garnishment.By != "Deurwaarders Noord" || in.Garnishment.Reference != "DN-77" {
		t.Errorf("income decoded wrong: %+v", in)
	}
	for _, k := range IncomeKinds {
		good := strings.Replace(goodIncome, `"kind":"benefit"`, `"kind":"`+string(k)+`"`, 1)
		if _, err := ParseClaims([]byte(good)); err != nil {
			t.Errorf("income kind %s refused: %v", k, err)
		}
	}
	for _, k := range ExpenseKinds {
		good := strings.Replace(goodExpense, `"kind":"rent"`, `"kind":"`+string(k)+`"`, 1)
		if _, err := ParseClaims([]byte(good)); err != nil {
			t.Errorf("expense kind %s refused: %v", k, err)
		}
	}
}

func TestParseClaimsRefusesBadExpense(t *testing.T) {
	tests := []struct {
		name, from, to, field string
	}{
		{"unknown kind", `"kind":"rent"`, `"kind":"holiday"`, "expense.kind"},
		{"unknown period", `"period":"month"`, `"period":"fortnight"`, "expense.period"},
		{"negative amount", `"amount_cents":84500`, `"amount_cents":-1`, "expense.amount_cents"},
		{"fractional amount", `"amount_cents":84500`, `"amount_cents":845.5`, "payload"},
		{"amount as string", `"amount_cents":84500`, `"amount_cents":"84500"`, "payload"},
		{"missing amount", `"amount_cents":84500,`, ``, "expense.amount_cents"},
		{"missing payee", `"payee":"Woonstichting De Haven",`, ``, "expense.payee"},
		{"missing kind", `"kind":"rent",`, ``, "expense.kind"},
		{"missing period", `,"period":"month"`, ``, "expense.period"},
		{"bad since", `"since":"2024-03-01"`, `"since":"01-03-2024"`, "expense.since"},
		{"ends before since", `"since":"2024-03-01"`, `"since":"2024-03-01","ends":"2024-02-01"`, "expense.ends"},
		{"unknown field", `"since"`, `"vat_cents":10,"since"`, "payload"},
		{"missing body", `"expense":{`, `"x":{`, "payload"},
		{"debt body in an expense", `"as_of":"2026-11-01",`, `"as_of":"2026-11-01","debt":{},`, "debt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(goodExpense, tt.from, tt.to, 1)
			if bad == goodExpense {
				t.Fatalf("fixture did not change")
			}
			_, err := ParseClaims([]byte(bad))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("field = %q (%v), want %q", ve.Field, err, tt.field)
			}
		})
	}
	noBody := strings.Replace(goodExpense, `"as_of":"2026-11-01",`, `"as_of":"2026-11-01"}`, 1)
	noBody = noBody[:strings.Index(noBody, "}")+1]
	if _, err := ParseClaims([]byte(noBody)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "expense") {
		t.Errorf("expense statement without body: err = %v", err)
	}
}

func TestParseClaimsRefusesBadIncomeSecondEdition(t *testing.T) {
	tests := []struct {
		name, from, to, field string
	}{
		{"negative gross", `"gross_cents":420000`, `"gross_cents":-1`, "income.gross_cents"},
		{"gross below net", `"gross_cents":420000`, `"gross_cents":1000`, "income.gross_cents"},
		{"negative holiday pay", `"holiday_pay_cents":6800`, `"holiday_pay_cents":-6800`, "income.holiday_pay_cents"},
		{"empty garnisher", `"by":"Deurwaarders Noord"`, `"by":""`, "income.garnishment.by"},
		{"garnisher as number", `"by":"Deurwaarders Noord"`, `"by":7`, "payload"},
		{"bad garnishment reference", `"reference":"DN-77"`, `"reference":"<script>"`, "income.garnishment.reference"},
	}
	runRefusals(t, goodIncome2, tests)
}

// refusal is one edit of a good payload that ParseClaims must refuse,
// naming field.
type refusal = struct{ name, from, to, field string }

// runRefusals applies each edit to good and checks the refusal names the
// field.
func runRefusals(t *testing.T, good string, tests []refusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(good, tt.from, tt.to, 1)
			if bad == good {
				t.Fatalf("fixture did not change")
			}
			_, err := ParseClaims([]byte(bad))
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("err = %v, want a ValidationError on %s", err, tt.field)
			}
		})
	}
}

const goodDebt2 = `{"iss":"deurwaarder-van-dijk","sub":"123456782","jti":"vd-1","iat":1795140000,"type":"debt","as_of":"2026-11-20",
"debt":{"reference":"VD-2026-4471","creditor":"Gerechtsdeurwaarders Van Dijk","category":"consumer_credit","original_cents":180000,
"outstanding_cents":238000,"status":"judgment","original_creditor":"Snel Krediet BV","original_reference":"SK-55102",
"customer_number":"KL-0042","origin_date":"2024-02-15","principal_cents":180000,"interest_cents":31000,"costs_cents":27000,
"days_in_arrears":190,"crisis":{"state":"eviction_announced","date":"2026-12-10"}}}`

func TestParseClaimsDebtSecondEdition(t *testing.T) {
	c, err := ParseClaims([]byte(goodDebt2))
	if err != nil {
		t.Fatal(err)
	}
	d := c.Debt
	if d.OriginalCreditor != "Snel Krediet BV" || d.OriginalReference != "SK-55102" || d.CustomerNumber != "KL-0042" ||
		d.OriginDate != "2024-02-15" || *d.PrincipalCents+*d.InterestCents+*d.CostsCents != d.OutstandingCents ||
		d.DaysInArrears != 190 || d.Crisis == nil || d.Crisis.State != CrisisEviction || d.Status != StatusJudgment {
		t.Errorf("debt decoded wrong: %+v", d)
	}
	// A first-edition statement stays valid, and its settled reads as paid.
	first := strings.Replace(goodDebt, `"status":"collection"`, `"status":"settled"`, 1)
	c, err = ParseClaims([]byte(first))
	if err != nil {
		t.Fatal(err)
	}
	if c.Debt.Status != StatusPaid || !c.Debt.Status.Closed() || c.Debt.PrincipalCents != nil || c.Debt.Crisis != nil {
		t.Errorf("first edition decoded wrong: %+v", c.Debt)
	}
	for _, s := range Statuses {
		if s.Severity() < 0 {
			t.Errorf("status %s has no severity", s)
		}
	}
}

func TestParseClaimsRefusesBadDebtSecondEdition(t *testing.T) {
	tests := []struct {
		name, from, to, field string
	}{
		{"split not adding up", `"costs_cents":27000`, `"costs_cents":27001`, "debt.principal_cents"},
		{"split without costs", `,"costs_cents":27000`, ``, "debt.costs_cents"},
		{"negative interest", `"interest_cents":31000`, `"interest_cents":-31000`, "debt.interest_cents"},
		{"original creditor without reference", `,"original_reference":"SK-55102"`, ``, "debt.original_reference"},
		{"original reference without creditor", `"original_creditor":"Snel Krediet BV",`, ``, "debt.original_reference"},
		{"original reference starting with =", `"original_reference":"SK-55102"`, `"original_reference":"=1+1"`, "debt.original_reference"},
		{"bad customer number", `"customer_number":"KL-0042"`, `"customer_number":""`, "debt.customer_number"},
		{"bad origin date", `"origin_date":"2024-02-15"`, `"origin_date":"15-02-2024"`, "debt.origin_date"},
		{"negative days in arrears", `"days_in_arrears":190`, `"days_in_arrears":-1`, "debt.days_in_arrears"},
		{"unknown crisis", `"eviction_announced"`, `"panic"`, "debt.crisis.state"},
		{"crisis without date", `,"date":"2026-12-10"`, ``, "debt.crisis.date"},
		{"crisis without state", `"state":"eviction_announced",`, ``, "debt.crisis.state"},
		{"unknown status", `"status":"judgment"`, `"status":"forgotten"`, "debt.status"},
	}
	runRefusals(t, goodDebt2, tests)
}
