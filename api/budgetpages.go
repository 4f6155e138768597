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

func (s *Server) budgetRoutes() {
	app := s.app
	app.Get("/budget", s.resident(func(c *fiber.Ctx, p page) error { return s.budgetPage(c, p, fiber.StatusOK, "", "") }))
	app.Post("/budget/costs", s.resident(s.addCostSubmit))
	app.Post("/budget/costs/:id/delete", s.resident(s.deleteCostSubmit))
	app.Post("/budget/household", s.resident(s.householdSubmit))
}

func (s *Server) budgetPage(c *fiber.Ctx, p page, status int, flash, errMsg string) error {
	o, err := s.vault.Overview(c.UserContext())
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
	var ve *wallet.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	return s.budgetPage(c, p, fiber.StatusBadRequest, "", budgetProblem(p.lang, ve.Field, s.vault.Now().Year()))
}

func budgetProblem(lang, field string, year int) string {
	nl := map[string]string{
		"amount":               "Vul een bedrag in euro in, zoals 845 of 845,50.",
		"amount_cents":         "Vul een bedrag in euro in, zoals 845 of 845,50.",
		"description":          "Gebruik in de omschrijving alleen letters, cijfers en gewone leestekens (hoogstens 100).",
		"kind":                 "Kies een soort vaste last uit de lijst.",
		"period":               "Kies uit de lijst hoe vaak u betaalt.",
		"situation":            "Kies hoe u woont.",
		"children_birth_years": "Vul de geboortejaren van de kinderen in, zoals 2015, 2018. Bij kinderen onder 18 hoort minstens één jaar van na %d.",
		"costs":                "U hebt al heel veel vaste lasten ingevuld. Verwijder er eerst een paar.",
	}
	en := map[string]string{
		"amount":               "Enter an amount in euros, like 845 or 845.50.",
		"amount_cents":         "Enter an amount in euros, like 845 or 845.50.",
		"description":          "Use only letters, digits and common punctuation in the description (at most 100).",
		"kind":                 "Choose a kind of fixed cost from the list.",
		"period":               "Choose from the list how often you pay.",
		"situation":            "Choose how you live.",
		"children_birth_years": "Enter the children's birth years, like 2015, 2018. Children under 18 need at least one year after %d.",
		"costs":                "You have entered very many fixed costs. Delete a few first.",
	}
	words := nl
	if lang == "en" {
		words = en
	}
	msg, ok := words[field]
	if !ok {
		return web.T(lang, "err.generic")
	}
	if strings.Contains(msg, "%d") {
		return strings.Replace(msg, "%d", strconv.Itoa(year-18), 1)
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
