package api

import (
	"context"

	"regie/trust"
	"regie/wallet"
)

// overviewView is the overview with the signing organisation of every row,
// by its trust-list name, for the API and the pages. The creditor or payer
// text is the organisation's own words; the signer is what the wallet
// checked.
type overviewView struct {
	wallet.Overview
	Creditors []creditorView `json:"creditors"`
	Debts     []debtView     `json:"debts"`
	Incomes   []incomeView   `json:"incomes"`
}

type creditorView struct {
	wallet.CreditorRow
	Signer trust.Signer `json:"signer"`
}

type debtView struct {
	wallet.DebtRow
	Signer trust.Signer `json:"signer"`
}

type incomeView struct {
	wallet.IncomeRow
	Signer trust.Signer `json:"signer"`
}

// overview compiles the vault's overview and names every row's signer.
func (r *Resident) overview(ctx context.Context) (overviewView, error) {
	o, err := r.Vault.Overview(ctx)
	if err != nil {
		return overviewView{}, err
	}
	tl, err := r.Trust.Load(ctx)
	if err != nil {
		return overviewView{}, err
	}
	v := overviewView{Overview: o, Creditors: []creditorView{}, Debts: []debtView{}, Incomes: []incomeView{}}
	for _, row := range o.Creditors {
		v.Creditors = append(v.Creditors, creditorView{row, tl.Signer(row.Issuer, row.Creditor)})
	}
	for _, row := range o.Debts {
		v.Debts = append(v.Debts, debtView{row, tl.Signer(row.Issuer, row.Debt.Creditor)})
	}
	for _, row := range o.Incomes {
		v.Incomes = append(v.Incomes, incomeView{row, tl.Signer(row.Issuer, row.Income.Payer)})
	}
	return v, nil
}
