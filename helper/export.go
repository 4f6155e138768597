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
func originalReport(r *wallet.LinkedReport, tl *trust.List, keys map[string]string) *OriginalReport {
	if r == nil {
		return nil
	}
	p := Provenance{Organisation: r.Issuer, Statement: r.Statement, KeyID: keys[r.Statement], Verified: true}
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
}

// NewExport lays out a verified dossier for a case system. Only current
// statements become rows; the history stays in Statements.
func NewExport(vd *consent.VerifiedDossier, tl *trust.List) Export {
	e := Export{Format: "regie-dossier-export-1", WalletID: vd.WalletID, Helper: vd.Audience, Purpose: vd.Purpose, Scope: vd.Scope,
		ReleasedAt: vd.ReleasedAt, ValidUntil: vd.ValidUntil, Overview: vd.Overview, Grant: vd.Grant, Statements: vd.Statements,
		Debts: []DebtExport{}, Incomes: []IncomeExport{}, Expenses: []ExpenseExport{}, SelfDeclared: vd.SelfDeclared}
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
		p := Provenance{Organisation: st.Issuer, Statement: st.ID, KeyID: vd.SignedBy[st.ID], Verified: true}
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

// sortDebts orders debts by creditor, then reference: the row order of
// every debt listing.
func sortDebts(debts []DebtExport) {
	sort.Slice(debts, func(i, j int) bool {
		a, b := debts[i], debts[j]
		if a.Creditor != b.Creditor {
			return a.Creditor < b.Creditor
		}
		return a.Reference < b.Reference
	})
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

// CSVHeader names the CSV columns. Where a Schuldenknooppunt field exists
// its name is used (FactuurnummerSE, Originele vordering,
// ActueelVorderingsbedrag, Schuldtype, TypeSchuldregeling).
var CSVHeader = []string{"Schuldeiser", "FactuurnummerSE", "Schuldtype", "Originele vordering", "ActueelVorderingsbedrag",
	"Achterstand", "MaandenAchterstand", "Status", "TypeSchuldregeling", "RegelingPerMaand", "RegelingEinddatum",
	"Vervaldatum", "Bronorganisatie", "Peildatum", "Geverifieerd", "Verklaring", "Sleutel", "Ondertekenaar", "GemeldDoorAnder"}

// schuldtype maps our categories onto Dutch debt-type words a case system knows.
var schuldtype = map[wallet.Category]string{
	wallet.CategoryRent: "Huur", wallet.CategoryEnergy: "Energie", wallet.CategoryWater: "Water",
	wallet.CategoryHealthInsurance: "Zorgverzekering", wallet.CategoryTax: "Belastingen", wallet.CategoryFine: "Boete (CJIB)",
	wallet.CategoryStudentLoan: "Studieschuld", wallet.CategoryBenefitReclaim: "Terugvordering uitkering/toeslag",
	wallet.CategoryConsumerCredit: "Consumptief krediet", wallet.CategoryTelecom: "Telecom", wallet.CategoryOther: "Overig",
}

func yesNo(b bool) string {
	if b {
		return "ja"
	}
	return "nee"
}

// CSV writes one row per debt, every cell neutralised against formulas, amounts in euros with two decimals and a
// dot, dates in ISO 8601.
func (e Export) CSV() ([]byte, error) { return DebtsCSV(e.Debts) }

// DebtsCSV is the one debt CSV writer: the counsellor's export and the
// wallet's own listing both go through it (columns: CSVHeader).
func DebtsCSV(debts []DebtExport) ([]byte, error) {
	rows := make([][]string, 0, len(debts))
	for _, d := range debts {
		var regeling, perMaand, eind string
		if d.Arrangement != nil {
			regeling, perMaand, eind = "BR", web.EuroDecimal(d.Arrangement.MonthlyCents), string(d.Arrangement.Ends)
		}
		row := []string{d.Creditor, d.Reference, schuldtype[d.Category], web.EuroDecimal(d.OriginalCents),
			web.EuroDecimal(d.OutstandingCents), web.EuroDecimal(d.ArrearsCents), fmt.Sprint(d.MonthsInArrears), string(d.Status),
			regeling, perMaand, eind, string(d.DueDate), d.Source.Organisation, string(d.AsOf), "ja", d.Source.Statement, d.Source.KeyID,
			d.Source.Name, yesNo(d.Source.ReportedByOther)}
		rows = append(rows, row)
	}
	var buf bytes.Buffer
	err := web.WriteCSV(&buf, CSVHeader, rows)
	return buf.Bytes(), err
}
