package api

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"regie/consent"
	"regie/trust"
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
	// Signals says the consent releases only signals; SignalLines are the
	// signals it would release now, in words.
	Signals     bool
	SignalLines []string
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
			return s.renderConsent(c, p, fiber.StatusBadRequest, grantError(p.lang, req.Purpose, err))
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
		From: now, Until: req.Length().From(now)}
	for _, sc := range req.Scope {
		d.ScopeLabels = append(d.ScopeLabels, scopeLabel(p.lang, sc, tl))
		d.Declared = d.Declared || sc == consent.ScopeExpenses || sc == consent.ScopeClient
	}
	if d.Signals = req.Scope.Signals(); d.Signals {
		sigs, err := r.Vault.Signals(c.UserContext())
		if err != nil {
			return err
		}
		d.SignalLines = signalLines(p.lang, sigs, tl)
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

// lengthChoices are the lengths a resident is offered, up to max: a week
// to three months in days, then half a year, a year and eighteen months.
func lengthChoices(max consent.Length) []consent.Length {
	all := []consent.Length{{Days: 7}, {Days: 14}, {Days: 30}, {Days: 60}, {Days: 90}, {Months: 6}, {Months: 12}, {Months: 18}}
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) // no leap day within 18 months
	var out []consent.Length
	for _, l := range all {
		if !l.From(start).After(max.From(start)) {
			out = append(out, l)
		}
	}
	return out
}

// formLength reads the length a consent form chose: "length" (14d, 18m),
// or "days" as older forms sent it.
func formLength(c *fiber.Ctx) (consent.Length, error) {
	if v := c.FormValue("length"); v != "" {
		return consent.ParseLength(v)
	}
	if v := c.FormValue("days"); v != "" {
		return consent.ParseLength(v + "d")
	}
	return consent.Length{}, nil
}

// grantError says in words why a consent was refused: a length beyond the
// purpose's maximum names that maximum; anything else gets the general
// words.
func grantError(lang string, purpose consent.Purpose, err error) string {
	var ve *wallet.ValidationError
	if errors.As(err, &ve) && ve.Field == "length" && purpose.Valid() {
		return web.T(lang, "con.err.length", purpose.Label(lang), lengthWords(lang, purpose.MaxLength()))
	}
	if errors.As(err, &ve) && ve.Field == "scope" && strings.Contains(ve.Problem, consent.ScopeSignals) {
		return web.T(lang, "con.err.signals")
	}
	return consentError(lang)
}

// lengthWords says a length in words: "90 dagen", "18 maanden".
func lengthWords(lang string, l consent.Length) string {
	if l.Months > 0 {
		return web.T(lang, "con.months.n", l.Months)
	}
	return web.T(lang, "con.days.n", l.Days)
}

// extendSubmit gives a running consent a later end (consent.Service.Extend)
// and shows it with its new end; a length beyond the purpose's maximum,
// or not later than the present end, is told in words.
func (s *Server) extendSubmit(c *fiber.Ctx, p page) error {
	l, err := consent.ParseLength(c.FormValue("length"))
	if err == nil {
		_, err = residentOf(c).Consent.Extend(c.UserContext(), c.Params("id"), l)
	}
	if errors.Is(err, wallet.ErrNotFound) {
		return s.errorPage(c, fiber.StatusNotFound, web.T(p.lang, "err.notfound"))
	}
	var ve *wallet.ValidationError
	var r *trust.Refusal
	if err != nil && !errors.As(err, &ve) && !errors.As(err, &r) {
		return err
	}
	d, derr := s.grantData(c, p)
	if errors.Is(derr, wallet.ErrNotFound) {
		// A length that did not parse never asked for the grant: an
		// unknown one shows here, as the same page as above.
		return s.errorPage(c, fiber.StatusNotFound, web.T(p.lang, "err.notfound"))
	}
	if derr != nil {
		return derr
	}
	pg := s.base(c, p, "con.title", "consent")
	pg.Data = d
	if err != nil {
		pg.Error = web.T(p.lang, "con.extend.err", lengthWords(p.lang, d.Grant.Purpose.MaxLength()))
		return s.render(c, fiber.StatusBadRequest, "grant", pg)
	}
	pg.Flash = web.T(p.lang, "con.extended", web.LongDate(p.lang, d.Grant.Expiry))
	return s.render(c, fiber.StatusOK, "grant", pg)
}

// signalLines says each signal in words, an organisation by its name.
func signalLines(lang string, sigs []wallet.Signal, tl *trust.List) []string {
	out := make([]string, 0, len(sigs))
	for _, sg := range sigs {
		out = append(out, web.SignalText(lang, sg, tl.Name))
	}
	return out
}

// lastSignals fills in what a signals grant released the last time its
// helper fetched, for the grant's page.
func lastSignals(c *fiber.Ctx, r *Resident, d *grantData, lang string, tl *trust.List) error {
	if d.Signals = d.Grant.Scope.Signals(); !d.Signals {
		return nil
	}
	last, at, err := r.Consent.LastSignals(c.UserContext(), d.Grant.ID)
	if err != nil || last == nil {
		return err
	}
	d.LastAt, d.LastLines = at, signalLines(lang, last.Signals, tl)
	return nil
}
