package api

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"regie/connectors"
	"regie/consent"
	"regie/internal/httpx"
	"regie/trust"
	"regie/wallet"
	"regie/web"
)

func (s *Server) lang(c *fiber.Ctx) string { return web.Lang(c.Cookies(httpx.LangCookie)) }

func (s *Server) render(c *fiber.Ctx, status int, page string, p web.Page) error {
	p.Lang = s.lang(c)
	p.Path = c.Path()
	var buf bytes.Buffer
	if err := s.pages.Render(&buf, page, p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

func (s *Server) errorPage(c *fiber.Ctx, status int, msg string) error {
	p := web.Page{Title: web.T(s.lang(c), "err.title"), Data: msg}
	if token, ok := c.Locals(formTokenKey{}).(string); ok {
		p.LoggedIn, p.CSRF, p.Account = true, token, s.account
	} else if s.sessions != nil {
		// A page outside the resident's routes (not found) of a live session.
		if ses, ok := s.sessions.get(c.Cookies(s.cookieName(sessionCookie))); ok {
			p.LoggedIn, p.CSRF = true, ses.csrf
		}
	} else if ft, ok := s.residents.(FormTokens); ok {
		// The same on a host, without opening the vault.
		if token, ok := ft.FormToken(c); ok {
			p.LoggedIn, p.CSRF, p.Account = true, token, s.account
		}
	}
	return s.render(c, status, "error", p)
}

// page is what a logged-in page handler gets.
type page struct {
	r    *Resident
	lang string
}

// resident wraps a page handler: no session means the unlock page, and a
// POST must carry the session's CSRF token.
func (s *Server) resident(h func(c *fiber.Ctx, p page) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		r, release, err := s.openResident(c)
		if err != nil && !errors.Is(err, ErrNoSession) {
			return err
		}
		if err != nil {
			if c.Method() != fiber.MethodGet && s.kept == nil {
				// A host's form sent after the session ended: its login.
				return c.Redirect(s.loginPath, fiber.StatusSeeOther)
			}
			if c.Method() != fiber.MethodGet {
				// A form sent after the session ended: unlock, then back to
				// the page that held the form.
				back := "/"
				if u, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil {
					back = httpx.LocalPath(u.RequestURI())
				}
				if id := s.kept.keep(c.Path(), postedForm(c)); id != "" {
					back, _ = keptPage(c.Path())
					c.Request().PostArgs().Set("kept", id)
				}
				c.Request().PostArgs().Set("next", back)
				return s.unlockForm(c, fiber.StatusUnauthorized, web.T(s.lang(c), "unlock.expired"))
			}
			to := s.loginPath
			if next := httpx.LocalPath(c.OriginalURL()); next != "/" {
				to += "?next=" + url.QueryEscape(next)
			}
			return c.Redirect(to, fiber.StatusSeeOther)
		}
		defer release()
		if c.Method() == fiber.MethodPost && !httpx.SameToken(c.FormValue("csrf"), r.CSRF) {
			return s.errorPage(c, fiber.StatusForbidden, web.T(s.lang(c), "err.csrf"))
		}
		return h(c, page{r: r, lang: s.lang(c)})
	}
}

func (s *Server) pageRoutes() {
	app := s.app
	app.Get("/lang/:code", s.setLang)
	app.Get("/unlock", s.unlockPage)
	app.Post("/unlock", s.unlockSubmit)
	app.Post("/lock", s.resident(s.lockSubmit))
}

// residentPages adds the resident's pages to r, each behind resident.
func (s *Server) residentPages(app fiber.Router) {
	app.Get("/", s.resident(s.overviewPage))
	app.Get("/debt/:id", s.resident(s.debtPage))
	app.Get("/sources", s.resident(s.sourcesPage))
	app.Post("/sources/refresh", s.resident(s.refreshSubmit))
	app.Post("/sources/connect", s.resident(s.connectSubmit))
	app.Post("/sources/upload", s.resident(s.uploadSubmit))
	app.Post("/sources/trust", s.resident(s.trustUpload))
	app.Post("/sources/trust/confirm", s.resident(s.trustConfirm))
	app.Get("/consent", s.resident(s.consentPage))
	app.Post("/consent", s.resident(s.grantSubmit))
	app.Get("/consent/:id", s.resident(s.grantPage))
	app.Get("/consent/:id/receipt", s.resident(s.receiptPage))
	app.Post("/consent/:id/revoke", s.resident(s.revokeSubmit))
	app.Post("/consent/:id/code", s.resident(s.codeSubmit))
	app.Post("/consent/:id/extend", s.resident(s.extendSubmit))
	app.Get("/consent/:id/qr.png", s.resident(func(c *fiber.Ctx, _ page) error { return s.apiQR(c) }))
	app.Get("/consent/:id/receipt.json", s.resident(func(c *fiber.Ctx, _ page) error {
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="toestemming.json"`)
		return s.apiReceipt(c)
	}))
	app.Get("/log", s.resident(s.logPage))
	s.budgetRoutes(app)
}

func (s *Server) setLang(c *fiber.Ctx) error {
	s.cookie(c, &fiber.Cookie{Name: httpx.LangCookie, Value: web.Lang(c.Params("code")), Path: "/", SameSite: fiber.CookieSameSiteLaxMode,
		MaxAge: 365 * 24 * 3600})
	return c.Redirect(httpx.LocalPath(c.Query("next")), fiber.StatusSeeOther)
}

func (s *Server) unlockForm(c *fiber.Ctx, status int, msg string) error {
	return s.unlockFormFlash(c, status, msg, "")
}

func (s *Server) unlockFormFlash(c *fiber.Ctx, status int, msg, flash string) error {
	token := c.Cookies(s.cookieName(httpx.CSRFCookie))
	if len(token) < 20 {
		token = trust.RandomID(24)
		s.cookie(c, &fiber.Cookie{Name: httpx.CSRFCookie, Value: token, Path: "/unlock", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
	}
	next := c.FormValue("next")
	if next == "" {
		next = c.Query("next")
	}
	if next = httpx.LocalPath(next); next == "/" {
		next = ""
	}
	kept := c.FormValue("kept")
	if !s.kept.has(kept) {
		kept = ""
	}
	return s.render(c, status, "unlock", web.Page{Title: web.T(s.lang(c), "unlock.title"), CSRF: token, Error: msg, Flash: flash, Next: next, KeptID: kept})
}

func (s *Server) unlockPage(c *fiber.Ctx) error {
	if _, ok := s.sessions.get(c.Cookies(s.cookieName(sessionCookie))); ok {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return s.unlockForm(c, fiber.StatusOK, "")
}

func (s *Server) unlockSubmit(c *fiber.Ctx) error {
	lang := s.lang(c)
	if !httpx.SameToken(c.FormValue("csrf"), c.Cookies(s.cookieName(httpx.CSRFCookie))) {
		return s.unlockForm(c, fiber.StatusForbidden, web.T(lang, "err.csrf"))
	}
	_, ses, err := s.unlock(c, c.FormValue("passphrase"))
	var lo *lockedOut
	switch {
	case errors.As(err, &lo):
		return s.unlockForm(c, fiber.StatusTooManyRequests, web.T(lang, "unlock.slow", web.Wait(lang, lo.Wait)))
	case errors.Is(err, errBusy):
		c.Set(fiber.HeaderRetryAfter, "1")
		return s.unlockForm(c, fiber.StatusServiceUnavailable, web.T(lang, "unlock.busy"))
	case errors.Is(err, wallet.ErrWrongPassphrase):
		return s.unlockForm(c, fiber.StatusUnauthorized, web.T(lang, "unlock.wrong"))
	case err != nil:
		return err
	}
	if f, ok := s.kept.take(c.FormValue("kept")); ok {
		s.sessions.giveKept(ses, f)
		return c.Redirect(f.page, fiber.StatusSeeOther)
	}
	return c.Redirect(httpx.LocalPath(c.FormValue("next")), fiber.StatusSeeOther)
}

// postedForm is every value of a posted form, for keeping it.
func postedForm(c *fiber.Ctx) url.Values {
	v := url.Values{}
	c.Request().PostArgs().VisitAll(func(k, val []byte) {
		v.Add(string(k), string(val))
	})
	return v
}

func (s *Server) lockSubmit(c *fiber.Ctx, p page) error {
	s.sessions.endAll()
	s.lockWhenIdle()
	s.clearSessionCookie(c)
	return s.unlockFormFlash(c, fiber.StatusOK, "", web.T(p.lang, "unlock.locked"))
}

func (s *Server) base(c *fiber.Ctx, p page, title, active string) web.Page {
	pg := web.Page{Title: web.T(p.lang, title), Active: active, CSRF: p.r.CSRF, LoggedIn: true, Account: p.r.Account}
	if c.Method() == fiber.MethodGet && p.r.ses != nil {
		pg.Kept = s.sessions.takeKept(p.r.ses, c.Path())
	}
	return pg
}

// overviewData is the overview with how to reach each organisation in it.
type overviewData struct {
	overviewView
	// Running are the consents active now, each shown as a banner.
	Running []consent.Grant
	// Signers names the signing organisation of every plan line, by
	// issuer and creditor or payer.
	Signers map[string]trust.Signer
	// Contacts holds the trust-list entry of every organisation that gave
	// a phone number or website, by id.
	Contacts map[string]*trust.Organisation
	// Arrived says, once after the login that brought it in, what came in
	// while the resident was away.
	Arrived []string
}

func (s *Server) overviewPage(c *fiber.Ctx, p page) error {
	r := residentOf(c)
	o, err := r.overview(c.UserContext())
	if err != nil {
		return err
	}
	tl, err := r.Trust.Load(c.UserContext())
	if err != nil {
		return err
	}
	pg := s.base(c, p, "ov.title", "overview")
	run, err := s.running(c)
	if err != nil {
		return err
	}
	d := overviewData{overviewView: o, Running: run, Signers: map[string]trust.Signer{}, Contacts: contacts(tl)}
	if r.TakeArrived != nil {
		a, err := r.TakeArrived(c.UserContext())
		if err != nil {
			return err
		}
		from := make([]string, 0, len(a.From))
		for _, id := range a.From {
			from = append(from, tl.Name(id))
		}
		refusedFrom := make([]string, 0, len(a.RefusedFrom))
		for _, id := range a.RefusedFrom {
			refusedFrom = append(refusedFrom, tl.Name(id))
		}
		d.Arrived = web.ArrivedText(p.lang, a.Added, from, a.Refused, a.Reasons, refusedFrom)
	}
	for _, group := range [][]wallet.PlanLine{o.Plan.First, o.Plan.FixedCosts, o.Plan.Other} {
		for _, l := range group {
			d.Signers[l.Issuer+"/"+l.Name] = tl.Signer(l.Issuer, l.Name)
		}
	}
	pg.Data = d
	return s.render(c, fiber.StatusOK, "overview", pg)
}

// debtData is one debt with where its figures came from.
type debtData struct {
	Current    wallet.Statement
	Earlier    []wallet.Statement
	Urgent     bool
	IssuerName string
	Contact    *trust.Organisation
}

// debtPage shows one debt: its figures with source and date, what its
// status means, how to reach the organisation, and earlier statements.
func (s *Server) debtPage(c *fiber.Ctx, p page) error {
	r := residentOf(c)
	all, err := r.Vault.Series(c.UserContext())
	if err != nil {
		return err
	}
	id := c.Params("id")
	var d *debtData
	for _, sr := range all {
		if len(sr.Versions) > 0 && sr.Current().ID == id && sr.Current().Debt != nil {
			d = &debtData{Current: sr.Current(), Earlier: sr.Versions[1:]}
			break
		}
	}
	if d == nil {
		return s.errorPage(c, fiber.StatusNotFound, web.T(p.lang, "err.notfound"))
	}
	tl, err := r.Trust.Load(c.UserContext())
	if err != nil {
		return err
	}
	d.IssuerName = d.Current.Issuer
	if o, ok := tl.Organisation(d.Current.Issuer); ok {
		d.IssuerName = o.Name
		if o.Phone != "" || o.Website != "" {
			d.Contact = o
		}
	}
	for _, r := range wallet.Compile([]wallet.Series{{Versions: append([]wallet.Statement{d.Current}, d.Earlier...)}}, r.Vault.Now()).Debts {
		d.Urgent = r.Urgent
	}
	pg := s.base(c, p, "ov.title", "overview")
	pg.Title = d.Current.Debt.Creditor
	pg.Data = d
	return s.render(c, fiber.StatusOK, "debt", pg)
}

// contacts indexes the organisations a resident can phone or look up.
func contacts(tl *trust.List) map[string]*trust.Organisation {
	out := map[string]*trust.Organisation{}
	for _, o := range tl.Organisations() {
		if o.Phone != "" || o.Website != "" {
			o := o
			out[o.ID] = &o
		}
	}
	return out
}

type sourceRow struct {
	connectors.Source
	Name string
	// Problem says in words why the last refresh failed.
	Problem string
}

// dirRow is one organisation in the sources page's directory.
type dirRow struct {
	Org       trust.Organisation
	Connected bool
	// Online says whether the wallet can connect to it with a code here.
	Online bool
}

type refreshRow struct {
	Name, Error string
	Count       int
}

type sourcesData struct {
	Sources []sourceRow
	// Directory lists the trust list's organisations that send statements,
	// filtered by Query (name) and Kind, each connectable with its code.
	Directory []dirRow
	Query     string
	Kind      trust.Kind
	Report    *connectors.Report
	Refresh   []refreshRow
	// Address is the wallet's address for organisations, when the
	// resident has a use for it (a hosted wallet).
	Address string
}

func (s *Server) sourcesData(c *fiber.Ctx) (*sourcesData, *trust.List, error) {
	r := residentOf(c)
	list, err := r.Puller.Sources(c.UserContext())
	if err != nil {
		return nil, nil, err
	}
	tl, err := r.Trust.Load(c.UserContext())
	if err != nil {
		return nil, nil, err
	}
	d := &sourcesData{Address: r.Address}
	connected := map[string]bool{}
	for _, src := range list {
		name := src.Org
		if o, ok := tl.Organisation(src.Org); ok {
			name = o.Name
		}
		row := sourceRow{Source: src, Name: name}
		if src.LastError != "" {
			row.Problem = plainError(s.lang(c), storedError(src.LastError))
		}
		d.Sources = append(d.Sources, row)
		connected[src.Org] = true
	}
	d.Query, d.Kind = strings.TrimSpace(c.Query("q")), trust.Kind(c.Query("kind"))
	for _, o := range tl.Organisations() {
		if o.Kind == trust.KindHelper {
			continue
		}
		if d.Kind != "" && o.Kind != d.Kind {
			continue
		}
		if d.Query != "" && !strings.Contains(strings.ToLower(o.Name+" "+o.ID), strings.ToLower(d.Query)) {
			continue
		}
		d.Directory = append(d.Directory, dirRow{Org: o, Connected: connected[o.ID], Online: r.fetches(o)})
	}
	return d, tl, nil
}

func (s *Server) sourcesPage(c *fiber.Ctx, p page) error {
	d, _, err := s.sourcesData(c)
	if err != nil {
		return err
	}
	pg := s.base(c, p, "src.title", "sources")
	pg.Data = d
	return s.render(c, fiber.StatusOK, "sources", pg)
}

func (s *Server) refreshSubmit(c *fiber.Ctx, p page) error {
	out, err := s.refresh(c)
	if err != nil {
		return err
	}
	d, tl, err := s.sourcesData(c)
	if err != nil {
		return err
	}
	for _, r := range out {
		name := r.Org
		if o, ok := tl.Organisation(r.Org); ok {
			name = o.Name
		}
		row := refreshRow{Name: name, Count: r.Report.Accepted() + r.Report.Duplicates}
		if r.err != nil {
			row.Error = plainError(p.lang, r.err)
		}
		d.Refresh = append(d.Refresh, row)
	}
	pg := s.base(c, p, "src.title", "sources")
	pg.Data = d
	return s.render(c, fiber.StatusOK, "sources", pg)
}

func (s *Server) connectSubmit(c *fiber.Ctx, p page) error {
	r := residentOf(c)
	org := c.FormValue("org")
	err := r.mayConnect(c.UserContext(), org)
	if err == nil {
		_, err = r.Puller.Connect(c.UserContext(), org, strings.TrimSpace(c.FormValue("code")))
	}
	if err == nil {
		// Fetch at once, so the overview shows the organisation's figures
		// right after connecting; a failure shows on the sources page.
		if _, rerr := s.refresh(c); rerr != nil {
			return rerr
		}
	}
	d, tl, derr := s.sourcesData(c)
	if derr != nil {
		return derr
	}
	pg := s.base(c, p, "src.title", "sources")
	pg.Data = d
	status := fiber.StatusOK
	if err != nil {
		pg.Error, status = plainError(p.lang, err), fiber.StatusBadRequest
	} else {
		name := org
		if o, ok := tl.Organisation(org); ok {
			name = o.Name
		}
		pg.Flash = web.T(p.lang, "src.connect.ok", name)
	}
	return s.render(c, status, "sources", pg)
}

// storedError finds the failure a source's last refresh recorded as text,
// so that the pages can say it in words rather than show the text.
func storedError(msg string) error {
	for _, known := range []error{connectors.ErrUnreachable, connectors.ErrInvalidCode} {
		if strings.Contains(msg, known.Error()) {
			return known
		}
	}
	return errors.New(msg)
}

// plainError says what went wrong in words a resident can act on.
func plainError(lang string, err error) string {
	switch {
	case errors.Is(err, connectors.ErrInvalidCode):
		return web.T(lang, "src.err.code")
	case errors.Is(err, connectors.ErrUnreachable):
		return web.T(lang, "src.err.unreachable")
	case errors.Is(err, errFetchOff):
		return web.T(lang, "src.err.fetchoff")
	}
	return web.T(lang, "err.generic")
}

func (s *Server) uploadSubmit(c *fiber.Ctx, p page) error {
	r := residentOf(c)
	form, err := c.MultipartForm()
	if err != nil {
		return s.errorPage(c, fiber.StatusBadRequest, web.T(p.lang, "err.generic"))
	}
	var items []connectors.Item
	var unreadable []string
	for _, fh := range form.File["files"] {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		raw, err := io.ReadAll(io.LimitReader(f, int64(s.cfg.Limits.UploadBody)+1))
		f.Close()
		if err != nil {
			return err
		}
		list, err := connectors.FileItems(fh.Filename, raw)
		if err != nil {
			unreadable = append(unreadable, fh.Filename)
			continue
		}
		items = append(items, list...)
	}
	rep, err := r.Importer.Import(c.UserContext(), wallet.ChannelFile, items, nil)
	if err != nil {
		return err
	}
	for _, name := range unreadable {
		rep.AddUnreadable(name, "malformed", errors.New("not a statement or bundle"))
	}
	d, _, err := s.sourcesData(c)
	if err != nil {
		return err
	}
	d.Report = &rep
	pg := s.base(c, p, "src.title", "sources")
	pg.Data = d
	return s.render(c, fiber.StatusOK, "sources", pg)
}

type grantRow struct {
	consent.Grant
	Status       consent.Status
	PurposeLabel string
}

type consentData struct {
	Grants   []grantRow
	Helpers  []trust.Organisation
	Sources  []trust.Organisation
	Purposes []consent.Purpose
	Lengths  []consent.Length
}

func (s *Server) consentPage(c *fiber.Ctx, p page) error {
	return s.renderConsent(c, p, fiber.StatusOK, "")
}

func (s *Server) renderConsent(c *fiber.Ctx, p page, status int, errMsg string) error {
	r := residentOf(c)
	list, err := r.Consent.List(c.UserContext())
	if err != nil {
		return err
	}
	tl, err := r.Trust.Load(c.UserContext())
	if err != nil {
		return err
	}
	d := consentData{Purposes: consent.Purposes, Lengths: lengthChoices(consent.Length{Months: 18})}
	for _, g := range list {
		d.Grants = append(d.Grants, grantRow{Grant: g, Status: g.Status(r.Vault.Now()), PurposeLabel: g.Purpose.Label(p.lang)})
	}
	for _, o := range tl.Organisations() {
		if o.Kind == trust.KindHelper {
			d.Helpers = append(d.Helpers, o)
		} else {
			d.Sources = append(d.Sources, o)
		}
	}
	pg := s.base(c, p, "con.title", "consent")
	pg.Data, pg.Error = d, errMsg
	return s.render(c, status, "consent", pg)
}

func (s *Server) grantSubmit(c *fiber.Ctx, p page) error {
	r := residentOf(c)
	var parts []string
	for _, sc := range c.Context().PostArgs().PeekMulti("scope") {
		parts = append(parts, string(sc))
	}
	// No scope ticked: the purpose's own (signals for early detection and
	// aftercare), or a refusal when it has none.
	var scope consent.Scope
	if len(parts) > 0 {
		var err error
		if scope, err = consent.ParseScope(strings.Join(parts, ",")); err != nil {
			return s.renderConsent(c, p, fiber.StatusBadRequest, grantError(p.lang, consent.Purpose(c.FormValue("purpose")), err))
		}
	}
	l, err := formLength(c)
	if err != nil {
		return s.renderConsent(c, p, fiber.StatusBadRequest, consentError(p.lang))
	}
	uses, _ := strconv.Atoi(c.FormValue("uses"))
	req := consent.Request{Audience: c.FormValue("to"), Purpose: consent.Purpose(c.FormValue("purpose")),
		Scope: scope, Days: l.Days, Months: l.Months, MaxUses: uses}
	if c.FormValue("confirm") != "yes" {
		return s.consentPreview(c, p, req)
	}
	g, err := r.Consent.Grant(c.UserContext(), req)
	if err != nil {
		var ve *wallet.ValidationError
		if errors.As(err, &ve) || errors.Is(err, consent.ErrNotHelper) {
			return s.renderConsent(c, p, fiber.StatusBadRequest, grantError(p.lang, req.Purpose, err))
		}
		return err
	}
	return c.Redirect("/consent/"+g.ID, fiber.StatusSeeOther)
}

func consentError(lang string) string { return web.T(lang, "con.err.invalid") }

type grantData struct {
	Grant  consent.Grant
	Status consent.Status
	// Lengths are the lengths an extension may choose, counted from today.
	Lengths []consent.Length
	// Signals says the grant releases only signals; LastAt and LastLines
	// are when its helper last fetched and what it received, in words.
	Signals          bool
	LastAt           time.Time
	LastLines        []string
	PurposeLabel     string
	ScopeLabels      []string
	URL              string
	ShortCode        string
	ShortCodeMinutes int
	// ShortCodes says whether a short code can be made here.
	ShortCodes bool
}

func (s *Server) grantData(c *fiber.Ctx, p page) (*grantData, error) {
	r := residentOf(c)
	g, err := r.Consent.Get(c.UserContext(), c.Params("id"))
	if err != nil {
		return nil, err
	}
	tl, err := r.Trust.Load(c.UserContext())
	if err != nil {
		return nil, err
	}
	d := &grantData{Grant: g, Status: g.Status(r.Vault.Now()), PurposeLabel: g.Purpose.Label(p.lang), ShortCodes: r.ShortCodes,
		Lengths: lengthChoices(g.Purpose.MaxLength())}
	for _, sc := range g.Scope {
		d.ScopeLabels = append(d.ScopeLabels, scopeLabel(p.lang, sc, tl))
	}
	d.URL, _ = r.Consent.URL(g)
	return d, lastSignals(c, r, d, p.lang, tl)
}

func (s *Server) grantPage(c *fiber.Ctx, p page) error {
	d, err := s.grantData(c, p)
	if errors.Is(err, wallet.ErrNotFound) {
		return s.errorPage(c, fiber.StatusNotFound, web.T(p.lang, "err.notfound"))
	}
	if err != nil {
		return err
	}
	pg := s.base(c, p, "con.title", "consent")
	pg.Title = d.Grant.AudienceName + " – " + pg.Title
	pg.Data = d
	return s.render(c, fiber.StatusOK, "grant", pg)
}

func (s *Server) revokeSubmit(c *fiber.Ctx, p page) error {
	r := residentOf(c)
	if _, err := r.Consent.Revoke(c.UserContext(), c.Params("id")); err != nil {
		if errors.Is(err, wallet.ErrNotFound) {
			return s.errorPage(c, fiber.StatusNotFound, web.T(p.lang, "err.notfound"))
		}
		return err
	}
	d, err := s.grantData(c, p)
	if err != nil {
		return err
	}
	pg := s.base(c, p, "con.title", "consent")
	pg.Data, pg.Flash = d, web.T(p.lang, "con.revoked")
	return s.render(c, fiber.StatusOK, "grant", pg)
}

func (s *Server) codeSubmit(c *fiber.Ctx, p page) error {
	r := residentOf(c)
	if !r.ShortCodes {
		return s.errorPage(c, fiber.StatusForbidden, web.T(p.lang, "con.code.off"))
	}
	code, _, err := r.Consent.ShortCode(c.UserContext(), c.Params("id"))
	if errors.Is(err, wallet.ErrNotFound) || errors.Is(err, consent.ErrUnknownGrant) {
		return s.errorPage(c, fiber.StatusNotFound, web.T(p.lang, "err.notfound"))
	}
	if err != nil {
		return s.errorPage(c, fiber.StatusBadRequest, web.T(p.lang, "err.generic"))
	}
	d, err := s.grantData(c, p)
	if err != nil {
		return err
	}
	d.ShortCode, d.ShortCodeMinutes = code, int(consent.ShortCodeTTL.Minutes())
	pg := s.base(c, p, "con.title", "consent")
	pg.Data = d
	return s.render(c, fiber.StatusOK, "grant", pg)
}

type logRow struct {
	wallet.Event
	Who, What string
}

type logData struct {
	Rows    []logRow
	Intact  bool
	Checked int
}

func (s *Server) logPage(c *fiber.Ctx, p page) error {
	r := residentOf(c)
	events, err := r.Vault.Events(c.UserContext())
	if err != nil {
		return err
	}
	n, verr := r.Vault.VerifyEvents(c.UserContext())
	tl, err := r.Trust.Load(c.UserContext())
	if err != nil {
		return err
	}
	d := logData{Intact: verr == nil, Checked: n}
	for i := len(events) - 1; i >= 0; i-- {
		d.Rows = append(d.Rows, describeEvent(p.lang, events[i], tl))
	}
	pg := s.base(c, p, "log.title", "log")
	pg.Data = d
	return s.render(c, fiber.StatusOK, "log", pg)
}

// describeEvent turns a log entry into plain words (web.DescribeEvent).
func describeEvent(lang string, e wallet.Event, tl *trust.List) logRow {
	who, what := web.DescribeEvent(lang, e, tl.Name)
	return logRow{Event: e, Who: who, What: what}
}

// scopeLabel names one scope entry in words, an organisation by its name.
func scopeLabel(lang, sc string, tl *trust.List) string {
	return web.ScopeLabel(lang, sc, tl.Name)
}
