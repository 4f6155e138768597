package helper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"regie/consent"
	"regie/trust"
	"regie/wallet"
	"regie/web"
)

// Provenance says where one figure came from and that it was checked.
type Provenance struct {
	Organisation string `json:"organisation"`
	Name         string `json:"name"`
	Statement    string `json:"statement"`
	KeyID        string `json:"kid"`
	Verified     bool   `json:"verified"`
	// ReportedByOther: the statement names another creditor or payer than
	// the organisation that signed it (Name), e.g. a collector's debt
	// written as "Belastingdienst".
	ReportedByOther bool `json:"reported_by_other"`
}

// DebtExport is one claim with its provenance. When a collector or bailiff
// reports another creditor's claim and that creditor reports it too, the
// claim is one row at the collector's (current) figure and Original holds
// the creditor's own report, so no case system counts it twice.
type DebtExport struct {
	wallet.Debt
	AsOf     wallet.Date     `json:"as_of"`
	Source   Provenance      `json:"source"`
	Original *OriginalReport `json:"original_report,omitempty"`
}

// OriginalReport is the original creditor's own report of a claim a
// collector now reports: shown for the link, never counted.
type OriginalReport struct {
	Creditor         string        `json:"creditor"`
	Reference        string        `json:"reference"`
	OutstandingCents wallet.Cents  `json:"outstanding_cents"`
	Status           wallet.Status `json:"status"`
	AsOf             wallet.Date   `json:"as_of"`
	Source           Provenance    `json:"source"`
}

// originalReport lays out a linked report with its provenance; keys gives
// the signing key id of a statement when known.
func originalReport(r *wallet.LinkedReport, tl *trust.List, keys map[[2]string]string) *OriginalReport {
	if r == nil {
		return nil
	}
	p := Provenance{Organisation: r.Issuer, Statement: r.Statement, KeyID: keys[[2]string{r.Issuer, r.Statement}], Verified: true}
	if tl != nil {
		if o, ok := tl.Organisation(r.Issuer); ok {
			p.Name = o.Name
		}
	}
	return &OriginalReport{Creditor: r.Debt.Creditor, Reference: r.Debt.Reference, OutstandingCents: r.Debt.OutstandingCents,
		Status: r.Debt.Status, AsOf: r.AsOf, Source: p}
}

// IncomeExport is one income with its provenance.
type IncomeExport struct {
	wallet.Income
	MonthlyCents wallet.Cents `json:"monthly_cents"`
	AsOf         wallet.Date  `json:"as_of"`
	Source       Provenance   `json:"source"`
}

// ExpenseExport is one signed fixed cost with its provenance.
type ExpenseExport struct {
	wallet.Expense
	MonthlyCents wallet.Cents `json:"monthly_cents"`
	AsOf         wallet.Date  `json:"as_of"`
	Source       Provenance   `json:"source"`
}

// exportFormat names the JSON export's layout.
const exportFormat = "regie-dossier-export-1"

// Export is what a helper keeps of a verified dossier: the figures, each
// with the organisation that signed it, and the signed originals.
type Export struct {
	Format     string          `json:"format"`
	WalletID   string          `json:"wallet_id"`
	Helper     string          `json:"helper"`
	Purpose    consent.Purpose `json:"purpose"`
	Scope      consent.Scope   `json:"scope"`
	ReleasedAt time.Time       `json:"released_at"`
	ValidUntil time.Time       `json:"consent_valid_until"`
	Overview   wallet.Overview `json:"overview"`
	Debts      []DebtExport    `json:"debts"`
	Incomes    []IncomeExport  `json:"incomes"`
	Expenses   []ExpenseExport `json:"expenses"`
	// SelfDeclared is what the resident stated without any organisation
	// signing it (household, costs): never verified, kept apart.
	SelfDeclared *wallet.SelfDeclared `json:"self_declared_unsigned,omitempty"`
	Grant        string               `json:"grant"`
	Statements   []string             `json:"statements"`

	// Client is who the dossier is about, only under the scope "client":
	// as the resident states it, never verified.
	Client *ClientExport `json:"client,omitempty"`

	// Dossier is the dossier exactly as the wallet signed it. It makes
	// this file a verifiable record of the fetch: `regie helper import
	// --since` verifies it again and compares only what verifies.
	Dossier string `json:"dossier,omitempty"`

	trust *trust.List // names and phone numbers of the organisations, for the exports
}

// ClientExport is the client as the resident states them: name and BSN
// from the wallet's profile, birth date, address, partner and household.
// SelfDeclared is always true: no organisation signed any of it.
type ClientExport struct {
	Name      string            `json:"name"`
	BSN       string            `json:"bsn"`
	BirthDate wallet.Date       `json:"birth_date,omitempty"`
	Address   wallet.Address    `json:"address"`
	Partner   string            `json:"partner,omitempty"`
	Household *wallet.Household `json:"household,omitempty"`
	// SelfDeclared marks every field above as entered by the resident.
	SelfDeclared bool `json:"self_declared"`
}

func clientExport(vd *consent.VerifiedDossier) *ClientExport {
	if vd.Client == nil {
		return nil
	}
	c := &ClientExport{Name: vd.Client.Name, BSN: vd.Client.BSN, SelfDeclared: true}
	if d := vd.SelfDeclared; d != nil {
		c.Household = d.Household
		if d.Client != nil {
			c.BirthDate, c.Address, c.Partner = d.Client.BirthDate, d.Client.Address, d.Client.Partner
		}
	}
	return c
}

// NewExport lays out a verified dossier for a case system. Only current
// statements become rows; the history stays in Statements.
func NewExport(vd *consent.VerifiedDossier, tl *trust.List) Export {
	e := Export{Format: exportFormat, WalletID: vd.WalletID, Helper: vd.Audience, Purpose: vd.Purpose, Scope: vd.Scope,
		ReleasedAt: vd.ReleasedAt, ValidUntil: vd.ValidUntil, Overview: vd.Overview, Grant: vd.Grant, Statements: vd.Statements,
		Debts: []DebtExport{}, Incomes: []IncomeExport{}, Expenses: []ExpenseExport{}, SelfDeclared: vd.SelfDeclared, trust: tl,
		Client: clientExport(vd), Dossier: vd.JWS}
	// Statements are named by (issuer, jti): two organisations may use the same jti.
	current := map[[2]string]bool{}
	originals := map[[2]string]*OriginalReport{}
	for _, d := range vd.Overview.Debts {
		current[[2]string{d.Issuer, d.Statement}] = true
		originals[[2]string{d.Issuer, d.Statement}] = originalReport(d.Original, tl, vd.SignedBy)
	}
	for _, in := range vd.Overview.Incomes {
		current[[2]string{in.Issuer, in.Statement}] = true
	}
	for _, c := range vd.Overview.Budget.Costs {
		if c.Source == wallet.CostSigned {
			current[[2]string{c.Issuer, c.Statement}] = true
		}
	}
	for _, st := range vd.Verified {
		if !current[[2]string{st.Issuer, st.ID}] {
			continue
		}
		p := Provenance{Organisation: st.Issuer, Statement: st.ID, KeyID: vd.SignedBy[[2]string{st.Issuer, st.ID}], Verified: true}
		if o, ok := tl.Organisation(st.Issuer); ok {
			p.Name = o.Name
		}
		switch {
		case st.Debt != nil:
			p.ReportedByOther = tl.Signer(st.Issuer, st.Debt.Creditor).Other
			e.Debts = append(e.Debts, DebtExport{Debt: *st.Debt, AsOf: st.AsOf, Source: p, Original: originals[[2]string{st.Issuer, st.ID}]})
		case st.Income != nil:
			p.ReportedByOther = tl.Signer(st.Issuer, st.Income.Payer).Other
			e.Incomes = append(e.Incomes, IncomeExport{Income: *st.Income, MonthlyCents: st.Income.Period.Monthly(st.Income.NetCents),
				AsOf: st.AsOf, Source: p})
		case st.Expense != nil:
			e.Expenses = append(e.Expenses, ExpenseExport{Expense: *st.Expense, MonthlyCents: st.Expense.Period.Monthly(st.Expense.AmountCents),
				AsOf: st.AsOf, Source: p})
		}
	}
	sortDebts(e.Debts)
	sort.Slice(e.Incomes, func(i, j int) bool { return e.Incomes[i].Payer < e.Incomes[j].Payer })
	sort.Slice(e.Expenses, func(i, j int) bool {
		a, b := e.Expenses[i], e.Expenses[j]
		if a.Payee != b.Payee {
			return a.Payee < b.Payee
		}
		return a.Reference < b.Reference
	})
	return e
}

// sortDebts orders debts by creditor, then reference, with the debts in a
// crisis state first (the nearest date first): the row order of every debt
// listing. A spreadsheet opens on the crises, which the municipality must
// pick up within wallet.CrisisResponseWorkingDays.
func sortDebts(debts []DebtExport) {
	sort.Slice(debts, func(i, j int) bool {
		a, b := debts[i], debts[j]
		if c := wallet.CompareCrises(openCrisis(a.Debt), openCrisis(b.Debt)); c != 0 {
			return c < 0
		}
		if a.Creditor != b.Creditor {
			return a.Creditor < b.Creditor
		}
		return a.Reference < b.Reference
	})
}

// openCrisis is the crisis of a debt that is still open: a paid or waived
// debt's crisis is over and orders nothing.
func openCrisis(d wallet.Debt) *wallet.Crisis {
	if d.Status.Closed() {
		return nil
	}
	return d.Crisis
}

// DebtsFromOverview lays out the current debts of a wallet's own overview
// as export rows, so that `regie overview --format csv` and the
// counsellor's export share one layout and one writer. Every statement in
// a vault was verified on import; the signing key id is not kept in the
// overview and stays empty. tl names the organisations; nil leaves names
// empty.
func DebtsFromOverview(o wallet.Overview, tl *trust.List) []DebtExport {
	debts := make([]DebtExport, 0, len(o.Debts))
	for _, d := range o.Debts {
		p := Provenance{Organisation: d.Issuer, Statement: d.Statement, Verified: true}
		if tl != nil {
			if org, ok := tl.Organisation(d.Issuer); ok {
				p.Name = org.Name
			}
		}
		debts = append(debts, DebtExport{Debt: d.Debt, AsOf: d.AsOf, Source: p, Original: originalReport(d.Original, tl, nil)})
	}
	sortDebts(debts)
	return debts
}

// JSON encodes the export.
func (e Export) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(e, "", "  ")
	return append(b, '\n'), err
}

// CSVHeader names the columns of the general debt CSV, in plain Dutch. It
// borrows no Schuldenknooppunt names: those have their own meaning (see
// SKPHeader for that file).
var CSVHeader = []string{"Schuldeiser", "Kenmerk", "Soort schuld", "Status", "Oorspronkelijk bedrag", "Openstaand",
	"Hoofdsom", "Rente", "Kosten", "Achterstand", "Maanden achterstand", "Dagen achterstand", "Regeling per maand",
	"Regeling tot en met", "Vervaldatum", "Ontstaan op", "Klantnummer", "Oorspronkelijke schuldeiser", "Oorspronkelijk kenmerk",
	"Ook gemeld door", "Ook gemeld bedrag", "Crisis", "Crisisdatum", "Peildatum", "Bronorganisatie", "Ondertekenaar",
	"GemeldDoorAnder", "Geverifieerd", "Verklaring", "Sleutel"}

func yesNo(b bool) string {
	if b {
		return "ja"
	}
	return "nee"
}

// CSV writes the general CSV a Dutch spreadsheet opens in columns:
// semicolon-separated, UTF-8 with a byte-order mark, amounts with a
// decimal comma, dates dd-mm-jjjj, Dutch words for categories and
// statuses. The debts come first, one row per claim; after an empty line
// follows the budget section (income, garnishments, arrangements, fixed
// costs, leefgeld) with its own header.
func (e Export) CSV() ([]byte, error) {
	debts, err := DebtsCSV(e.Debts)
	if err != nil {
		return nil, err
	}
	budget, err := e.budgetRows()
	if err != nil {
		return nil, err
	}
	return append(append(debts, '\n'), budget...), nil
}

// csvMoney is an optional amount in the general CSV.
func csvMoney(c *wallet.Cents) string {
	if c == nil {
		return ""
	}
	return web.EuroComma(*c)
}

// DebtsCSV is the one debt CSV writer: the counsellor's export and the
// wallet's own listing both go through it (columns: CSVHeader; dialect:
// see CSV), every cell neutralised against formulas.
func DebtsCSV(debts []DebtExport) ([]byte, error) {
	rows := make([][]string, 0, len(debts))
	for _, d := range debts {
		var perMaand, eind, crisis, crisisDate, alsoBy, alsoAmount string
		if d.Arrangement != nil {
			perMaand, eind = web.EuroComma(d.Arrangement.MonthlyCents), web.NumericDate(d.Arrangement.Ends)
		}
		if c := d.Crisis; c != nil {
			crisis, crisisDate = web.T("nl", "crisis."+string(c.State)), web.NumericDate(c.Date)
		}
		if o := d.Original; o != nil {
			alsoBy, alsoAmount = orName(o.Source), web.EuroComma(o.OutstandingCents)
		}
		days := ""
		if d.DaysInArrears > 0 {
			days = fmt.Sprint(d.DaysInArrears)
		}
		row := []string{d.Creditor, d.Reference, web.T("nl", "cat."+string(d.Category)), web.T("nl", "st."+string(d.Status)),
			web.EuroComma(d.OriginalCents), web.EuroComma(d.OutstandingCents), csvMoney(d.PrincipalCents), csvMoney(d.InterestCents),
			csvMoney(d.CostsCents), web.EuroComma(d.ArrearsCents), fmt.Sprint(d.MonthsInArrears), days, perMaand, eind,
			web.NumericDate(d.DueDate), web.NumericDate(d.OriginDate), d.CustomerNumber, d.OriginalCreditor, d.OriginalReference,
			alsoBy, alsoAmount, crisis, crisisDate, web.NumericDate(d.AsOf), d.Source.Organisation, d.Source.Name,
			yesNo(d.Source.ReportedByOther), yesNo(d.Source.Verified), d.Source.Statement, d.Source.KeyID}
		rows = append(rows, row)
	}
	var buf bytes.Buffer
	buf.WriteString(web.BOM)
	err := web.WriteCSVWith(&buf, ';', CSVHeader, rows)
	return buf.Bytes(), err
}
