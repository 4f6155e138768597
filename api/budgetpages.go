package api

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"regie/wallet"
	"regie/web"
)

// budgetData is the fixed-costs page: every cost, the household, and the
// choices of the forms.
type budgetData struct {
	Budget       wallet.Budget
	Household    *wallet.Household
	ChildrenText string
	Kinds        []wallet.ExpenseKind
	Periods      []wallet.Period
	Situations   []wallet.Situation
}

func (s *Server) budgetRoutes(app fiber.Router) {
	app.Get("/budget", s.resident(func(c *fiber.Ctx, p page) error { return s.budgetPage(c, p, fiber.StatusOK, "", "") }))
	app.Post("/budget/costs", s.resident(s.addCostSubmit))
	app.Post("/budget/costs/:id/delete", s.resident(s.deleteCostSubmit))
	app.Post("/budget/household", s.resident(s.householdSubmit))
}

func (s *Server) budgetPage(c *fiber.Ctx, p page, status int, flash, errMsg string) error {
	r := residentOf(c)
	o, err := r.Vault.Overview(c.UserContext())
	if err != nil {
		return err
	}
	d := budgetData{Budget: o.Budget, Household: o.Budget.Household, Kinds: wallet.ExpenseKinds,
		Periods:    []wallet.Period{wallet.PeriodMonth, wallet.PeriodFourWeeks, wallet.PeriodWeek, wallet.PeriodQuarter, wallet.PeriodYear},
		Situations: wallet.Situations}
	if h := d.Household; h != nil {
		years := make([]string, len(h.ChildrenBirthYears))
		for i, y := range h.ChildrenBirthYears {
			years[i] = strconv.Itoa(y)
		}
		d.ChildrenText = strings.Join(years, ", ")
	}
	pg := s.base(c, p, "bud.page.title", "budget")
	pg.Data, pg.Flash, pg.Error = d, flash, errMsg
	return s.render(c, status, "budget", pg)
}

// formError says what is wrong with a budget form in plain words; bad input
// changes nothing and the page says why.
func (s *Server) formError(c *fiber.Ctx, p page, err error) error {
	r := residentOf(c)
	var ve *wallet.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	return s.budgetPage(c, p, fiber.StatusBadRequest, "", budgetProblem(p.lang, ve.Field, r.Vault.Now().Year()))
}

// budgetProblem says what to fix in a budget form field, in the words of
// web's table (budget.err.FIELD); an unknown field gets the generic error.
func budgetProblem(lang, field string, year int) string {
	key := "budget.err." + field
	msg := web.T(lang, key)
	switch {
	case msg == key:
		return web.T(lang, "err.generic")
	case strings.Contains(msg, "%d"):
		return web.T(lang, key, year-18)
	}
	return msg
}

func (s *Server) addCostSubmit(c *fiber.Ctx, p page) error {
	amount, err := web.ParseMoney("amount", c.FormValue("amount"))
	if err != nil {
		return s.formError(c, p, err)
	}
	cost := wallet.OwnCost{Kind: wallet.ExpenseKind(c.FormValue("kind")), Description: strings.TrimSpace(c.FormValue("description")),
		AmountCents: amount, Period: wallet.Period(c.FormValue("period"))}
	if _, err := s.addOwnCost(c, cost); err != nil {
		return s.formError(c, p, err)
	}
	return s.budgetPage(c, p, fiber.StatusOK, web.T(p.lang, "bud.cost.added"), "")
}

func (s *Server) deleteCostSubmit(c *fiber.Ctx, p page) error {
	if err := s.deleteOwnCost(c, c.Params("id")); err != nil {
		if errors.Is(err, wallet.ErrNotFound) {
			return s.errorPage(c, fiber.StatusNotFound, web.T(p.lang, "err.notfound"))
		}
		return err
	}
	return s.budgetPage(c, p, fiber.StatusOK, web.T(p.lang, "bud.cost.deleted"), "")
}

// parseYears reads "2015, 2018" into years; anything else is a
// ValidationError on children_birth_years.
func parseYears(s string) ([]int, error) {
	years := []int{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		y, err := strconv.Atoi(f)
		if err != nil || len(f) != 4 {
			return nil, &wallet.ValidationError{Field: "children_birth_years", Problem: "must be years like 2015"}
		}
		years = append(years, y)
	}
	return years, nil
}

func (s *Server) householdSubmit(c *fiber.Ctx, p page) error {
	years, err := parseYears(c.FormValue("children"))
	if err != nil {
		return s.formError(c, p, err)
	}
	h := wallet.Household{Situation: wallet.Situation(c.FormValue("situation")), ChildrenBirthYears: years,
		PensionAge: c.FormValue("pension") == "yes"}
	if err := s.putHousehold(c, h); err != nil {
		return s.formError(c, p, err)
	}
	return s.budgetPage(c, p, fiber.StatusOK, web.T(p.lang, "hh.saved"), "")
}
