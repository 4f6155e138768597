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

// Verify checks a dossier; walletID may be empty for an offline file.
func (im *Importer) Verify(dossier, walletID string) (*consent.VerifiedDossier, error) {
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
}

type deskEntry struct {
	export Export
	at     time.Time
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
	d := &Desk{im: im, pages: pages, log: logger, kept: map[string]deskEntry{}}
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
	Purpose  consent.Purpose
	Purposes []consent.Purpose
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

func (d *Desk) form(c *fiber.Ctx, status int, url string, purpose consent.Purpose, errMsg string) error {
	lang := web.Lang(c.Cookies(httpx.LangCookie))
	if purpose == "" {
		purpose = consent.PurposeIntake
	}
	return d.render(c, status, "desk", web.Page{Title: web.T(lang, "desk.title"), CSRF: d.csrf(c), Error: errMsg,
		Data: deskForm{URL: url, Purpose: purpose, Purposes: consent.Purposes}})
}

func (d *Desk) home(c *fiber.Ctx) error { return d.form(c, fiber.StatusOK, "", "", "") }

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
}

type deskExpense struct {
	ExpenseExport
	Source string
}

type deskDebt struct {
	DebtExport
	Source string
}

type deskIncome struct {
	IncomeExport
	Source string
}

func (d *Desk) importURL(c *fiber.Ctx) error {
	lang := web.Lang(c.Cookies(httpx.LangCookie))
	url, purpose := strings.TrimSpace(c.FormValue("url")), consent.Purpose(c.FormValue("purpose"))
	if !httpx.SameToken(c.FormValue("csrf"), c.Cookies(httpx.CSRFCookie)) {
		return d.form(c, fiber.StatusForbidden, url, purpose, web.T(lang, "err.csrf"))
	}
	vd, err := d.im.FromURL(c.UserContext(), url, purpose)
	if err != nil {
		d.log.Info("import refused", "reason", trust.ReasonCode(err))
		return d.form(c, fiber.StatusUnprocessableEntity, url, purpose, web.T(lang, "desk.refused", deskReason(err)))
	}
	exp := NewExport(vd, d.im.Trust)
	id := trust.RandomID(12)
	d.mu.Lock()
	d.kept[id] = deskEntry{export: exp, at: time.Now()}
	d.order = append(d.order, id)
	if len(d.order) > deskKeep {
		delete(d.kept, d.order[0])
		d.order = d.order[1:]
	}
	d.mu.Unlock()
	view := DossierView{ID: id, Count: len(vd.Verified), WalletID: vd.WalletID, ReleasedAt: vd.ReleasedAt, ValidUntil: vd.ValidUntil,
		Overview: vd.Overview}
	for _, x := range exp.Debts {
		view.Debts = append(view.Debts, deskDebt{DebtExport: x, Source: orName(x.Source)})
	}
	for _, x := range exp.Incomes {
		view.Incomes = append(view.Incomes, deskIncome{IncomeExport: x, Source: orName(x.Source)})
	}
	for _, x := range exp.Expenses {
		view.Expenses = append(view.Expenses, deskExpense{ExpenseExport: x, Source: orName(x.Source)})
	}
	view.SelfDeclared = exp.SelfDeclared
	return d.render(c, fiber.StatusOK, "dossier", web.Page{Title: web.T(lang, "desk.title"), Data: view})
}

func orName(p Provenance) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Organisation
}

// deskReason is the refusal in words, with its code for the case file.
func deskReason(err error) string {
	var ae *httpx.Error
	if errors.As(err, &ae) {
		return fmt.Sprintf("%s (%s)", ae.Message, ae.Code)
	}
	var r *trust.Refusal
	if errors.As(err, &r) {
		return fmt.Sprintf("%s (%s)", err.Error(), r.Code())
	}
	return err.Error()
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
