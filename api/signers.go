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
func (s *Server) overview(ctx context.Context) (overviewView, error) {
	o, err := s.vault.Overview(ctx)
	if err != nil {
		return overviewView{}, err
	}
	tl, err := s.trust.Load(ctx)
	if err != nil {
		return overviewView{}, err
	}
	v := overviewView{Overview: o, Creditors: []creditorView{}, Debts: []debtView{}, Incomes: []incomeView{}}
	for _, r := range o.Creditors {
		v.Creditors = append(v.Creditors, creditorView{r, tl.Signer(r.Issuer, r.Creditor)})
	}
	for _, r := range o.Debts {
		v.Debts = append(v.Debts, debtView{r, tl.Signer(r.Issuer, r.Debt.Creditor)})
	}
	for _, r := range o.Incomes {
		v.Incomes = append(v.Incomes, incomeView{r, tl.Signer(r.Issuer, r.Income.Payer)})
	}
	return v, nil
}
