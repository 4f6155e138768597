package helper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"regie/consent"
	"regie/internal/httpx"
	"regie/trust"
	"regie/wallet"
	"regie/web"
)

// Importer is the helper's whole import: fetch with a proof, then verify
// every figure. The desk and the CLI share it.
type Importer struct {
	Client *Client
	Trust  *trust.List
	// JKT is the thumbprint of the helper's own signing key.
	JKT string
}

// NewImporter builds the helper's importer around its client and trust list.
func NewImporter(client *Client, tl *trust.List) *Importer {
	jkt, _ := trust.Thumbprint(client.Key.Public())
	return &Importer{Client: client, Trust: tl, JKT: jkt}
}

// FromURL fetches and verifies the dossier behind a consent URL.
func (im *Importer) FromURL(ctx context.Context, raw string, purpose consent.Purpose) (*consent.VerifiedDossier, error) {
	link, err := ParseConsentURL(raw)
	if err != nil {
		return nil, err
	}
	if link.WalletID == "" {
		return nil, errors.New("the consent URL lacks the wallet key (#wk=…); scan the whole QR code")
	}
	d, err := im.Client.Redeem(ctx, link, purpose)
	if err != nil {
		return nil, err
	}
	return im.Verify(d, link.WalletID)
}

// FromCode fetches and verifies the dossier behind a short code the
// resident read aloud, from the wallet address the counsellor typed. A
// short code carries no wallet key, so the key is not pinned; the address
// (over https) is what names the wallet.
func (im *Importer) FromCode(ctx context.Context, wallet, code string, purpose consent.Purpose) (*consent.VerifiedDossier, error) {
	u, err := url.Parse(strings.TrimSpace(wallet))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, ErrBadWalletAddress
	}
	d, err := im.Client.RedeemCode(ctx, u.String(), code, purpose)
	if err != nil {
		return nil, err
	}
	return im.Verify(d, "")
}

// ErrBadWalletAddress: the wallet address given with a short code is not
// an http(s) address without credentials, query or fragment.
var ErrBadWalletAddress = errors.New("the wallet address must be an http(s) address such as https://wallet.example/v/ID")

// Verify checks a dossier: as signed, or encrypted to this helper (a
// wallet's answer, an offline file), which it opens first with the
// helper's encryption key. walletID may be empty for an offline file.
func (im *Importer) Verify(dossier, walletID string) (*consent.VerifiedDossier, error) {
	if consent.IsEncrypted(dossier) {
		// A wallet's answer as sent, or an offline file: encrypted to
		// this helper; the signed dossier inside is what is checked.
		var err error
		if dossier, err = consent.OpenDossier(dossier, im.Client.Dec); err != nil {
			return nil, err
		}
	}
	return consent.VerifyDossier(dossier, consent.HelperCheck{WalletID: walletID, HelperID: im.Client.ID, HelperJKT: im.JKT,
		Trust: im.Trust, Now: im.Client.now()})
}

// Desk is the counsellor's web desk: paste or scan a consent URL, see the
// verified dossier, download it. It runs on the counsellor's own machine.
type Desk struct {
	app   *fiber.App
	reqs  *httpx.Requests
	im    *Importer
	pages *web.Renderer
	log   *slog.Logger
	hosts httpx.Hosts

	mu    sync.Mutex
	kept  map[string]deskEntry
	order []string
	// signals holds the latest signals release of each wallet, by wallet
	// id, to say what is new in the next.
	signals map[string]*consent.VerifiedSignals
}

type deskEntry struct {
	export Export
	vd     *consent.VerifiedDossier
	at     time.Time
	id     string
}

// DeskFetch is one dossier the desk fetched, for the history.
type DeskFetch struct {
	ID         string
	At         time.Time
	Purpose    consent.Purpose
	ValidUntil time.Time
}

// DeskResident is the history of one resident (one wallet): every dossier
// the desk fetched from it, newest first, and what changed in the newest
// since the one before.
type DeskResident struct {
	// Client is the resident's name when a consent shared it.
	Client   string
	WalletID string
	Fetches  []DeskFetch
	// Changes is nil until there are two fetches to compare.
	Changes *DeskChanges
}

// DeskChanges is what changed between two fetches, in the page's words.
type DeskChanges struct {
	Since       time.Time
	SameConsent bool
	Lines       []ChangeLine
	NotCompared int
}

// history groups the kept dossiers by resident, newest first, and tells
// for each what changed in the newest fetch since the one before.
func (d *Desk) history(lang string) []DeskResident {
	d.mu.Lock()
	entries := make([]deskEntry, 0, len(d.order))
	for i := len(d.order) - 1; i >= 0; i-- {
		entries = append(entries, d.kept[d.order[i]])
	}
	d.mu.Unlock()
	var out []DeskResident
	index := map[string]int{}
	var newest, before []deskEntry
	for _, e := range entries {
		n, ok := index[e.vd.WalletID]
		if !ok {
			n = len(out)
			index[e.vd.WalletID] = n
			out = append(out, DeskResident{WalletID: e.vd.WalletID})
			newest, before = append(newest, e), append(before, deskEntry{})
		} else if before[n].vd == nil {
			before[n] = e
		}
		if out[n].Client == "" && e.export.Client != nil {
			out[n].Client = e.export.Client.Name
		}
		out[n].Fetches = append(out[n].Fetches, DeskFetch{ID: e.id, At: e.at, Purpose: e.vd.Purpose, ValidUntil: e.vd.ValidUntil})
	}
	for n := range out {
		if before[n].vd != nil {
			out[n].Changes = d.changes(lang, before[n], newest[n])
		}
	}
	return out
}

// changes compares two kept fetches of one resident for the page; nil when
// they cannot be compared (the reason goes to the log). Since is when the
// desk fetched the previous one, as its history lists it.
func (d *Desk) changes(lang string, prev, cur deskEntry) *DeskChanges {
	c, err := Compare(prev.vd, cur.vd)
	if err != nil {
		d.log.Info("fetches not compared", "reason", err)
		return nil
	}
	c.NameOrganisations(d.im.Trust)
	return &DeskChanges{Since: prev.at, SameConsent: c.SameConsent, Lines: c.Lines(lang), NotCompared: c.NotCompared}
}

// deskKeep is how many verified dossiers the desk keeps for download.
const deskKeep = 50

// NewDesk builds the helper desk.
func NewDesk(im *Importer, logger *slog.Logger) (*Desk, error) {
	pages, err := web.NewRenderer()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d := &Desk{im: im, pages: pages, log: logger, kept: map[string]deskEntry{}, signals: map[string]*consent.VerifiedSignals{}}
	d.app = fiber.New(fiber.Config{DisableStartupMessage: true, Immutable: true, BodyLimit: 64 << 10,
		ReadTimeout: 15 * time.Second, WriteTimeout: 60 * time.Second})
	d.reqs = httpx.NewRequests()
	d.app.Use(d.reqs.Handler, recover.New(), d.hosts.Check, func(c *fiber.Ctx) error {
		err := httpx.SecurityHeaders(c)
		// The desk may use the camera to scan a QR code.
		c.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
		return err
	}, httpx.RefuseEncodedBodies)
	d.app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(web.Static()), MaxAge: 3600}))
	d.app.Get("/lang/:code", func(c *fiber.Ctx) error {
		c.Cookie(&fiber.Cookie{Name: httpx.LangCookie, Value: web.Lang(c.Params("code")), Path: "/", SameSite: fiber.CookieSameSiteLaxMode})
		return c.Redirect("/", fiber.StatusSeeOther)
	})
	d.app.Get("/", d.home)
	d.app.Post("/import", d.importURL)
	d.app.Get("/dossier/:file", d.download)
	return d, nil
}

// Serve answers on ln until Shutdown, only to ln's own address as Host.
func (d *Desk) Serve(ln net.Listener) error {
	d.hosts.Allow(ln.Addr().String())
	return d.app.Listener(ln)
}

// Shutdown stops the desk, cancelling the contexts of requests in flight
// (a dossier fetch for a counsellor who left) and waiting for them until
// ctx ends.
func (d *Desk) Shutdown(ctx context.Context) error { return d.reqs.Shutdown(ctx, d.app) }

type deskForm struct {
	URL      string
	Code     string
	Wallet   string
	Purpose  consent.Purpose
	Purposes []consent.Purpose
	History  []DeskResident
}

func (d *Desk) render(c *fiber.Ctx, status int, page string, p web.Page) error {
	p.Lang = web.Lang(c.Cookies(httpx.LangCookie))
	p.Path, p.Desk = "/", true
	var buf bytes.Buffer
	if err := d.pages.Render(&buf, page, p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

func (d *Desk) csrf(c *fiber.Ctx) string {
	token := c.Cookies(httpx.CSRFCookie)
	if len(token) < 20 {
		token = trust.RandomID(24)
		c.Cookie(&fiber.Cookie{Name: httpx.CSRFCookie, Value: token, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
	}
	return token
}

func (d *Desk) form(c *fiber.Ctx, status int, f deskForm, errMsg string) error {
	lang := web.Lang(c.Cookies(httpx.LangCookie))
	if f.Purpose == "" {
		f.Purpose = consent.PurposeIntake
	}
	f.Purposes, f.History = consent.Purposes, d.history(lang)
	return d.render(c, status, "desk", web.Page{Title: web.T(lang, "desk.title"), CSRF: d.csrf(c), Error: errMsg, Data: f})
}

func (d *Desk) home(c *fiber.Ctx) error { return d.form(c, fiber.StatusOK, deskForm{}, "") }

// DossierView is the desk's page model of a verified dossier.
type DossierView struct {
	ID         string
	Count      int
	WalletID   string
	ReleasedAt time.Time
	ValidUntil time.Time
	Overview   wallet.Overview
	Debts      []deskDebt
	Incomes    []deskIncome
	Expenses   []deskExpense
	// SelfDeclared is what the resident entered without a signature.
	SelfDeclared *wallet.SelfDeclared
	// Client is who the dossier is about, when the consent includes it.
	Client  *ClientExport
	Purpose consent.Purpose
	// UrgentNames lists the creditors and payers behind the urgent count.
	UrgentNames []string
	// Changes is what changed since the desk's previous fetch from this
	// resident; nil for the first.
	Changes *DeskChanges
	// Crises are the open debts in a crisis state (eviction, disconnection,
	// end of insurance), the nearest date first: the municipality must pick
	// them up within wallet.CrisisResponseWorkingDays, so the desk shows
	// them above everything else.
	Crises []deskDebt
}

// sortForIntake orders debts as a counsellor works through them: crises
// first (the nearest date first), then urgent, then fixed costs (vaste
// lasten), then the largest amount.
func sortForIntake(debts []deskDebt) {
	sort.SliceStable(debts, func(i, j int) bool {
		a, b := debts[i], debts[j]
		if c := wallet.CompareCrises(openCrisis(a.Debt), openCrisis(b.Debt)); c != 0 {
			return c < 0
		}
		if a.Urgent != b.Urgent {
			return a.Urgent
		}
		if pa, pb := a.Category.Priority(), b.Category.Priority(); pa != pb {
			return pa
		}
		if a.Status.Closed() != b.Status.Closed() {
			return b.Status.Closed()
		}
		return a.OutstandingCents > b.OutstandingCents
	})
}

type deskExpense struct {
	ExpenseExport
	Source string
}

type deskDebt struct {
	DebtExport
	Source string
	Urgent bool
}

type deskIncome struct {
	IncomeExport
	Source string
}

func (d *Desk) importURL(c *fiber.Ctx) error {
	lang := web.Lang(c.Cookies(httpx.LangCookie))
	f := deskForm{URL: strings.TrimSpace(c.FormValue("url")), Code: strings.TrimSpace(c.FormValue("code")),
		Wallet: strings.TrimSpace(c.FormValue("wallet")), Purpose: consent.Purpose(c.FormValue("purpose"))}
	if !httpx.SameToken(c.FormValue("csrf"), c.Cookies(httpx.CSRFCookie)) {
		return d.form(c, fiber.StatusForbidden, f, web.T(lang, "err.csrf"))
	}
	var vd *consent.VerifiedDossier
	var vs *consent.VerifiedSignals
	var err error
	switch {
	case f.URL != "":
		vd, vs, err = d.im.FetchURL(c.UserContext(), f.URL, f.Purpose)
	case f.Code != "" && f.Wallet != "":
		vd, err = d.im.FromCode(c.UserContext(), f.Wallet, f.Code, f.Purpose)
	default:
		return d.form(c, fiber.StatusUnprocessableEntity, f, web.T(lang, "desk.refused", web.T(lang, "desk.need")))
	}
	if err != nil {
		d.log.Info("import refused", "reason", trust.ReasonCode(err))
		return d.form(c, fiber.StatusUnprocessableEntity, f, web.T(lang, "desk.refused", deskReason(lang, err)))
	}
	if vs != nil {
		return d.showSignals(c, lang, vs)
	}
	exp := NewExport(vd, d.im.Trust)
	id := trust.RandomID(12)
	d.mu.Lock()
	var prev *deskEntry
	for i := len(d.order) - 1; i >= 0 && prev == nil; i-- {
		if e := d.kept[d.order[i]]; e.vd.WalletID == vd.WalletID {
			prev = &e
		}
	}
	entry := deskEntry{export: exp, vd: vd, at: time.Now(), id: id}
	d.kept[id] = entry
	d.order = append(d.order, id)
	if len(d.order) > deskKeep {
		delete(d.kept, d.order[0])
		d.order = d.order[1:]
	}
	d.mu.Unlock()
	view := DossierView{ID: id, Count: len(vd.Verified), WalletID: vd.WalletID, ReleasedAt: vd.ReleasedAt, ValidUntil: vd.ValidUntil,
		Overview: vd.Overview, Client: exp.Client, Purpose: vd.Purpose}
	urgent := map[[2]string]bool{}
	for _, r := range vd.Overview.Debts {
		urgent[[2]string{r.Issuer, r.Statement}] = r.Urgent || r.Debt.Crisis != nil
	}
	for _, x := range exp.Debts {
		view.Debts = append(view.Debts, deskDebt{DebtExport: x, Source: orName(x.Source),
			Urgent: urgent[[2]string{x.Source.Organisation, x.Source.Statement}]})
	}
	sortForIntake(view.Debts)
	for _, x := range view.Debts {
		if openCrisis(x.Debt) != nil {
			view.Crises = append(view.Crises, x)
		}
	}
	for _, fl := range vd.Overview.Urgent {
		if !slices.Contains(view.UrgentNames, fl.Name) {
			view.UrgentNames = append(view.UrgentNames, fl.Name)
		}
	}
	for _, x := range exp.Incomes {
		view.Incomes = append(view.Incomes, deskIncome{IncomeExport: x, Source: orName(x.Source)})
	}
	for _, x := range exp.Expenses {
		view.Expenses = append(view.Expenses, deskExpense{ExpenseExport: x, Source: orName(x.Source)})
	}
	view.SelfDeclared = exp.SelfDeclared
	if prev != nil {
		view.Changes = d.changes(lang, *prev, entry)
	}
	return d.render(c, fiber.StatusOK, "dossier", web.Page{Title: web.T(lang, "desk.title"), Data: view})
}

func orName(p Provenance) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Organisation
}

// deskReason is the refusal in the counsellor's language: the words for
// its code when there are any, else a plain sentence without the code (the
// code goes to the log).
func deskReason(lang string, err error) string {
	code := trust.ReasonCode(err)
	var ae *httpx.Error
	if errors.As(err, &ae) {
		code = ae.Code
	}
	if w := web.T(lang, "refusal."+code); w != "refusal."+code {
		return w
	}
	switch {
	case errors.Is(err, ErrBadWalletAddress):
		return web.T(lang, "refusal.wallet_address")
	case errors.Is(err, ErrWalletUnreachable):
		return web.T(lang, "refusal.unreachable")
	}
	return web.T(lang, "refusal.other")
}

func (d *Desk) download(c *fiber.Ctx) error {
	file := c.Params("file")
	id, ext, ok := strings.Cut(file, ".")
	d.mu.Lock()
	e, found := d.kept[id]
	d.mu.Unlock()
	if !ok || !found {
		return httpx.JSONError(c, fiber.StatusNotFound, "not_found", "not found")
	}
	var body []byte
	var err error
	switch ext {
	case "json":
		body, err = e.export.JSON()
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	case "csv":
		body, err = e.export.CSV()
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	case "budget.csv":
		body, err = e.export.BudgetCSV()
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	default:
		return httpx.JSONError(c, fiber.StatusNotFound, "not_found", "not found")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="dossier-%s.%s"`, e.at.Format("20060102-150405"), ext))
	return c.Send(body)
}
