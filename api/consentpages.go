package api

import (
	"errors"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"regie/consent"
	"regie/wallet"
	"regie/web"
)

// previewOrg is one organisation whose statements a consent would share.
type previewOrg struct {
	Name                     string
	Debts, Incomes, Expenses int
}

// previewData is exactly what a consent would give, shown before the
// resident confirms it.
type previewData struct {
	Request      consent.Request
	Helper       string
	PurposeLabel string
	ScopeLabels  []string
	From, Until  time.Time
	Orgs         []previewOrg
	// Declared says the resident's own entries (costs, household) go along.
	Declared bool
}

// consentPreview checks a consent request and shows what the counsellor
// would see: every organisation with its number of debts, incomes and
// costs, and that the BSN is inside the signed figures. Nothing is granted
// until the resident confirms.
func (s *Server) consentPreview(c *fiber.Ctx, p page, req consent.Request) error {
	r := residentOf(c)
	org, req, err := r.Consent.Check(c.UserContext(), req)
	if err != nil {
		var ve *wallet.ValidationError
		if errors.As(err, &ve) || errors.Is(err, consent.ErrNotHelper) {
			return s.renderConsent(c, p, fiber.StatusBadRequest, consentError(p.lang))
		}
		return err
	}
	all, err := r.Vault.Series(c.UserContext())
	if err != nil {
		return err
	}
	tl, err := r.Trust.Load(c.UserContext())
	if err != nil {
		return err
	}
	now := r.Vault.Now()
	d := previewData{Request: req, Helper: org.Name, PurposeLabel: req.Purpose.Label(p.lang),
		From: now, Until: now.Add(time.Duration(req.Days) * 24 * time.Hour)}
	for _, sc := range req.Scope {
		d.ScopeLabels = append(d.ScopeLabels, scopeLabel(p.lang, sc, tl))
		d.Declared = d.Declared || sc == consent.ScopeExpenses || sc == consent.ScopeClient
	}
	byOrg := map[string]*previewOrg{}
	for _, sr := range all {
		if len(sr.Versions) == 0 {
			continue
		}
		st := sr.Current()
		if !req.Scope.Allows(&st) {
			continue
		}
		po := byOrg[st.Issuer]
		if po == nil {
			po = &previewOrg{Name: tl.Signer(st.Issuer, "").Name}
			byOrg[st.Issuer] = po
		}
		switch st.Type {
		case wallet.TypeDebt:
			po.Debts++
		case wallet.TypeIncome:
			po.Incomes++
		case wallet.TypeExpense:
			po.Expenses++
		}
	}
	for _, po := range byOrg {
		d.Orgs = append(d.Orgs, *po)
	}
	sort.Slice(d.Orgs, func(i, j int) bool { return d.Orgs[i].Name < d.Orgs[j].Name })
	pg := s.base(c, p, "con.preview.title", "consent")
	pg.Data = d
	return s.render(c, fiber.StatusOK, "consent-preview", pg)
}

// receiptPage is the proof of a consent as a page a resident can read and
// print, beside the signed JSON.
func (s *Server) receiptPage(c *fiber.Ctx, p page) error {
	d, err := s.grantData(c, p)
	if errors.Is(err, wallet.ErrNotFound) {
		return s.errorPage(c, fiber.StatusNotFound, web.T(p.lang, "err.notfound"))
	}
	if err != nil {
		return err
	}
	pg := s.base(c, p, "con.receipt.title", "consent")
	pg.Data = d
	return s.render(c, fiber.StatusOK, "receipt", pg)
}

// running lists the consents that are active now, for the overview's
// banners.
func (s *Server) running(c *fiber.Ctx) ([]consent.Grant, error) {
	r := residentOf(c)
	list, err := r.Consent.List(c.UserContext())
	if err != nil {
		return nil, err
	}
	var out []consent.Grant
	for _, g := range list {
		if g.Status(r.Vault.Now()) == consent.StatusActive {
			out = append(out, g)
		}
	}
	return out, nil
}
