package api

import (
	"github.com/gofiber/fiber/v2"

	"regie/internal/httpx"
	"regie/trust"
	"regie/wallet"
)

// expensesView lists the fixed costs: signed ones and the ones the resident
// entered, kept in two lists so that one can never pass for the other.
type expensesView struct {
	Signed       []wallet.CostRow `json:"signed"`
	SelfDeclared []wallet.OwnCost `json:"self_declared"`
}

func (s *Server) apiExpenses(c *fiber.Ctx) error {
	r := residentOf(c)
	o, err := r.Vault.Overview(c.UserContext())
	if err != nil {
		return fail(c, err)
	}
	d, err := r.Vault.Declared(c.UserContext())
	if err != nil {
		return fail(c, err)
	}
	v := expensesView{Signed: []wallet.CostRow{}, SelfDeclared: d.Costs}
	if v.SelfDeclared == nil {
		v.SelfDeclared = []wallet.OwnCost{}
	}
	for _, row := range o.Budget.Costs {
		if row.Source == wallet.CostSigned {
			v.Signed = append(v.Signed, row)
		}
	}
	return c.JSON(v)
}

// OwnCostRequest is the body of POST /api/v1/expenses: a cost the resident
// enters because no organisation signs it.
type OwnCostRequest struct {
	Kind        wallet.ExpenseKind `json:"kind"`
	Description string             `json:"description"`
	AmountCents wallet.Cents       `json:"amount_cents"`
	Period      wallet.Period      `json:"period"`
}

func (s *Server) apiAddExpense(c *fiber.Ctx) error {
	var req OwnCostRequest
	if err := trust.DecodeStrict(c.Body(), &req); err != nil {
		return httpx.JSONError(c, fiber.StatusBadRequest, "malformed",
			`expected {"kind", "description", "amount_cents" (whole cents), "period"}`)
	}
	cost, err := s.addOwnCost(c, wallet.OwnCost{Kind: req.Kind, Description: req.Description, AmountCents: req.AmountCents, Period: req.Period})
	if err != nil {
		return fail(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(cost)
}

func (s *Server) addOwnCost(c *fiber.Ctx, cost wallet.OwnCost) (wallet.OwnCost, error) {
	err := s.declare(c, func(tx *wallet.Tx) error {
		var err error
		cost, err = tx.AddOwnCost(cost)
		return err
	})
	return cost, err
}

func (s *Server) deleteOwnCost(c *fiber.Ctx, id string) error {
	return s.declare(c, func(tx *wallet.Tx) error { return tx.DeleteOwnCost(id) })
}

// declare changes what the resident declared, then re-signs the redemption
// records so that a helper fetching while she is away sees the same budget.
func (s *Server) declare(c *fiber.Ctx, fn func(tx *wallet.Tx) error) error {
	r := residentOf(c)
	if err := r.Vault.Update(c.UserContext(), fn); err != nil {
		return err
	}
	s.refreshRecords(c.UserContext(), r)
	return nil
}

func (s *Server) apiDeleteExpense(c *fiber.Ctx) error {
	if err := s.deleteOwnCost(c, c.Params("id")); err != nil {
		return fail(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// householdView is the household as the resident states it; null until
// they do.
type householdView struct {
	SelfDeclared bool              `json:"self_declared"`
	Household    *wallet.Household `json:"household"`
}

func (s *Server) apiHousehold(c *fiber.Ctx) error {
	r := residentOf(c)
	d, err := r.Vault.Declared(c.UserContext())
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(householdView{SelfDeclared: true, Household: d.Household})
}

func (s *Server) putHousehold(c *fiber.Ctx, h wallet.Household) error {
	if h.ChildrenBirthYears == nil {
		h.ChildrenBirthYears = []int{}
	}
	return s.declare(c, func(tx *wallet.Tx) error { return tx.PutHousehold(h) })
}

func (s *Server) apiPutHousehold(c *fiber.Ctx) error {
	var h wallet.Household
	if err := trust.DecodeStrict(c.Body(), &h); err != nil {
		return httpx.JSONError(c, fiber.StatusBadRequest, "malformed",
			`expected {"situation", "children_birth_years": [years], "pension_age": true|false}`)
	}
	if err := s.putHousehold(c, h); err != nil {
		return fail(c, err)
	}
	return s.apiHousehold(c)
}

func (s *Server) apiDeleteHousehold(c *fiber.Ctx) error {
	if err := s.declare(c, func(tx *wallet.Tx) error { return tx.DeleteHousehold() }); err != nil {
		return fail(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// clientView is who the resident says they are (birth date, address,
// partner); null until they say it. A counsellor sees it only under the
// consent scope "client".
type clientView struct {
	SelfDeclared bool                  `json:"self_declared"`
	Client       *wallet.ClientDetails `json:"client"`
}

func (s *Server) apiClient(c *fiber.Ctx) error {
	r := residentOf(c)
	d, err := r.Vault.Declared(c.UserContext())
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(clientView{SelfDeclared: true, Client: d.Client})
}

func (s *Server) apiPutClient(c *fiber.Ctx) error {
	var d wallet.ClientDetails
	if err := trust.DecodeStrict(c.Body(), &d); err != nil {
		return httpx.JSONError(c, fiber.StatusBadRequest, "malformed",
			`expected {"birth_date", "address": {"street", "house_number", "addition", "postcode", "city"}, "partner"}`)
	}
	if err := s.declare(c, func(tx *wallet.Tx) error { return tx.PutClient(d) }); err != nil {
		return fail(c, err)
	}
	return s.apiClient(c)
}
