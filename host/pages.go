package host

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"regie/connectors"
	"regie/internal/httpx"
	"regie/store"
	"regie/trust"
	"regie/wallet"
	"regie/web"
)

// The host's own pages, in Dutch by default: sign-up, login and lock. After
// them the resident lands on the overview, which like every other resident
// page is the wallet server's own (see resident.go). Forms carry a token that must match
// the regie_csrf cookie (SameSite=Strict), so no other site can post them.
// Passphrases and BSNs travel only in POST bodies, never in a URL.
const (
	signupPath = "/aanmelden"
	loginPath  = "/inloggen"
)

// pageRoutes adds the pages, the shared assets and the web app manifest,
// so that a phone can add the host to its home screen. limit is the
// sign-up and login rate limit the JSON API shares, so the pages give an
// attacker no extra tries.
func (s *Server) pageRoutes(limit fiber.Handler) {
	app := s.app
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(web.Static()), MaxAge: 3600}))
	app.Get(web.ManifestPath, httpx.Fixed(web.ManifestType, web.Manifest()))
	app.Get("/lang/:code", s.setLang)
	app.Get(signupPath, s.signupPage)
	app.Post(signupPath, limit, s.signupSubmit)
	app.Get(loginPath, s.loginPage)
	app.Post(loginPath, limit, s.loginSubmit)
	app.Post("/lock", s.lockSubmit)
	app.Get(accountPath, s.accountPage)
	app.Post(accountPath+"/wachtwoordzin", limit, s.passphraseSubmit)
	app.Get(deletePath, s.deletePage)
	app.Post(deletePath, s.deleteSubmit)
}

// signupForm is what the sign-up page shows: what the resident typed
// (never the passphrase) and which field was wrong.
type signupForm struct {
	Login, Name, BSN string
	Bad              string // the field the error is about
	MinPassphrase    int
}

// loginForm is what the login page shows.
type loginForm struct {
	Login string
	Bad   bool
}

func (s *Server) lang(c *fiber.Ctx) string { return web.Lang(c.Cookies(httpx.LangCookie)) }

func (s *Server) render(c *fiber.Ctx, status int, page string, p web.Page) error {
	p.Lang, p.Path = s.lang(c), c.Path()
	if p.Next != "" {
		// The language switch comes back to this page with its next page
		// (already a path on this host), which setLang checks again.
		p.Path += "?next=" + url.QueryEscape(p.Next)
	}
	if p.Title == "" {
		key := "err.title"
		switch page {
		case "signup":
			key = "host.signup.title"
		case "login":
			key = "host.login.title"
		case "account":
			key = "acc.title"
		case "delete":
			key = "del.title"
		}
		p.Title = web.T(p.Lang, key)
	}
	if s.pagesErr != nil {
		return s.pagesErr
	}
	var buf bytes.Buffer
	if err := s.pages.Render(&buf, page, p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// formToken is the browser's form token, set as a cookie when it has none.
func (s *Server) formToken(c *fiber.Ctx) string {
	token := c.Cookies(s.cookies.csrf)
	if len(token) < 20 {
		token = trust.RandomID(24)
		c.Cookie(&fiber.Cookie{Name: s.cookies.csrf, Value: token, Path: "/", HTTPOnly: true, Secure: s.https, SameSite: fiber.CookieSameSiteStrictMode})
	}
	return token
}

// sameForm reports whether a posted form carries the browser's form token.
func (s *Server) sameForm(c *fiber.Ctx) bool {
	return httpx.SameToken(c.FormValue("csrf"), c.Cookies(s.cookies.csrf))
}

func (s *Server) setLang(c *fiber.Ctx) error {
	c.Cookie(&fiber.Cookie{Name: httpx.LangCookie, Value: web.Lang(c.Params("code")), Path: "/", Secure: s.https,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	return c.Redirect(httpx.LocalPath(c.Query("next")), fiber.StatusSeeOther)
}

// loggedIn reports whether the request has a live session.
func (s *Server) loggedIn(c *fiber.Ctx) bool {
	ses, err := s.h.Resume(c.UserContext(), c.Cookies(s.cookies.session))
	if err != nil {
		return false
	}
	ses.Release()
	return true
}

func (s *Server) signupPage(c *fiber.Ctx) error {
	if s.loggedIn(c) {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return s.signupForm(c, fiber.StatusOK, signupForm{}, "")
}

func (s *Server) signupForm(c *fiber.Ctx, status int, f signupForm, msg string) error {
	f.MinPassphrase = MinPassphrase
	return s.render(c, status, "signup", web.Page{CSRF: s.formToken(c), Error: msg, Data: f})
}

func (s *Server) signupSubmit(c *fiber.Ctx) error {
	lang := s.lang(c)
	// People write a BSN with spaces or dots, as on a passport.
	bsn := strings.NewReplacer(" ", "", ".", "", "-", "").Replace(c.FormValue("bsn"))
	f := signupForm{Login: c.FormValue("login"), Name: c.FormValue("name"), BSN: c.FormValue("bsn")}
	if !s.sameForm(c) {
		return s.signupForm(c, fiber.StatusForbidden, f, web.T(lang, "err.csrf"))
	}
	pass := c.FormValue("passphrase")
	if pass != c.FormValue("passphrase2") {
		f.Bad = "passphrase2"
		return s.signupForm(c, fiber.StatusBadRequest, f, web.T(lang, "host.err.mismatch"))
	}
	id, secret, err := s.h.Signup(c.UserContext(), f.Login, bsn, f.Name, pass)
	if err == nil {
		s.rememberDevice(c, s.h.ix.loginKey(normalLogin(f.Login)))
	}
	if err != nil {
		status, bad, msg := s.pageError(c, err)
		f.Bad = bad
		return s.signupForm(c, status, f, msg)
	}
	s.setCookie(c, secret)
	s.h.cfg.Logger.Info("signed up", "vault", id)
	return c.Redirect("/", fiber.StatusSeeOther)
}

func (s *Server) loginPage(c *fiber.Ctx) error {
	if s.loggedIn(c) {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	flash := ""
	if c.Query("uit") != "" {
		flash = web.T(s.lang(c), "host.logged.out")
	}
	if c.Query("weg") != "" {
		flash = web.T(s.lang(c), "del.done")
	}
	return s.render(c, fiber.StatusOK, "login", web.Page{CSRF: s.formToken(c), Flash: flash, Next: nextPage(c.Query("next")), Data: loginForm{}})
}

// nextPage is the page to go to after the login: a path on this host, never
// the landing page's own "/" (the form then leaves it out).
func nextPage(next string) string {
	if next = httpx.LocalPath(next); next == "/" {
		return ""
	}
	return next
}

func (s *Server) loginSubmit(c *fiber.Ctx) error {
	f := loginForm{Login: c.FormValue("login")}
	next := nextPage(c.FormValue("next"))
	if !s.sameForm(c) {
		return s.render(c, fiber.StatusForbidden, "login", web.Page{CSRF: s.formToken(c), Error: web.T(s.lang(c), "err.csrf"), Next: next, Data: f})
	}
	_, secret, _, err := s.loginCounted(c, f.Login, c.FormValue("passphrase"))
	if err != nil {
		status, _, msg := s.pageError(c, err)
		f.Bad = true
		return s.render(c, status, "login", web.Page{CSRF: s.formToken(c), Error: msg, Next: next, Data: f})
	}
	s.setCookie(c, secret)
	// The overview, which says what arrived while the resident was away.
	return c.Redirect(httpx.LocalPath(next), fiber.StatusSeeOther)
}

// lockSubmit locks from the lock button every resident page has; the form
// carries the session's form token (formTokenOf).
func (s *Server) lockSubmit(c *fiber.Ctx) error {
	secret := c.Cookies(s.cookies.session)
	if secret != "" && !httpx.SameToken(c.FormValue("csrf"), formTokenOf(secret)) {
		return s.render(c, fiber.StatusForbidden, "error", web.Page{Data: web.T(s.lang(c), "err.csrf")})
	}
	if err := s.h.Logout(c.UserContext(), c.Cookies(s.cookies.session)); err != nil {
		s.h.cfg.Logger.Error("logging out", "err", err.Error())
	}
	s.clearCookie(c)
	return c.Redirect(loginPath+"?uit=1", fiber.StatusSeeOther)
}

// loginCounted checks a login, counted before any key is derived per
// address and login name (as its keyed hash), so that a guesser elsewhere
// cannot lock the resident out.
//
// From every address together, the login name's wrong passphrases are also
// paced (see Limits.LoginPaceFree), except on a device that carries the
// login's device cookie: the resident's own phone logs in whatever a
// guesser elsewhere does. docs/SECURITY.md's threat model says why.
func (s *Server) loginCounted(c *fiber.Ctx, login, passphrase string) (id, secret string, rep connectors.Report, err error) {
	ctx := c.UserContext()
	lk := s.h.ix.loginKey(normalLogin(login))
	// Counted once a derivation slot is taken (see Host.login): a try the
	// host was too busy for is not a wrong passphrase.
	paced, end := func(bool) {}, func(bool) {}
	admit := func() error {
		if !s.knownDevice(c, lk) {
			p, err := s.pace.Begin(ctx, string(lk))
			if err != nil {
				return err
			}
			paced = p
		}
		e, err := s.guesses.Begin(ctx, httpx.ClientAddr(c), string(lk))
		if err != nil {
			paced(true) // not tried: given back, once
			paced = func(bool) {}
			return err
		}
		end = e
		return nil
	}
	id, secret, rep, err = s.h.login(ctx, login, passphrase, admit)
	end(err == nil)
	paced(!errors.Is(err, ErrLogin))
	if errors.Is(err, ErrLogin) {
		s.logFailure(c, "login failed", lk)
	}
	if err == nil {
		s.rememberDevice(c, lk)
	}
	return id, secret, rep, err
}

// logFailure logs one wrong passphrase with the client address and a short
// tag of the login name (a hash of its keyed hash: the same name gives the
// same tag, and without the index's pepper no name can be tried against
// it), so that an operator sees a guessing campaign and whom it aims at,
// never the name, the passphrase or a BSN.
func (s *Server) logFailure(c *fiber.Ctx, msg string, loginKey []byte) {
	sum := sha256.Sum256(append([]byte("regie/v1/log-tag\x00"), loginKey...))
	s.h.cfg.Logger.Warn(msg, "client", httpx.ClientAddr(c), "login", hex.EncodeToString(sum[:6]))
}

// pageError is a sign-up or login failure as a page says it: the status,
// the field it is about and a plain sentence without codes.
func (s *Server) pageError(c *fiber.Ctx, err error) (status int, field, msg string) {
	lang := s.lang(c)
	var ve *wallet.ValidationError
	var th *httpx.Throttled
	switch {
	case errors.As(err, &th):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(th.Wait.Seconds()))))
		return fiber.StatusTooManyRequests, "", web.T(lang, "host.err.slow", web.Wait(lang, th.Wait))
	case errors.As(err, &ve):
		switch ve.Field {
		case "login", "name", "bsn":
			return fiber.StatusBadRequest, ve.Field, web.T(lang, "host.err."+ve.Field)
		case "passphrase":
			return fiber.StatusBadRequest, ve.Field, web.T(lang, "host.err.weak", MinPassphrase)
		}
	case errors.Is(err, ErrTaken):
		return fiber.StatusConflict, "login", web.T(lang, "host.err.taken")
	case errors.Is(err, ErrLogin):
		return fiber.StatusUnauthorized, "", web.T(lang, "host.err.wrong")
	case errors.Is(err, ErrBusy):
		c.Set(fiber.HeaderRetryAfter, "1")
		return fiber.StatusServiceUnavailable, "", web.T(lang, "host.err.busy")
	case errors.Is(err, store.ErrUnavailable):
		s.h.cfg.Logger.Warn("store unavailable", "route", c.Route().Path, "err", err.Error())
		c.Set(fiber.HeaderRetryAfter, "5")
		return fiber.StatusServiceUnavailable, "", web.T(lang, "err.unavailable")
	}
	s.h.cfg.Logger.Error("page request failed", "route", c.Route().Path, "err", err.Error())
	return fiber.StatusInternalServerError, "", web.T(lang, "host.err.unexpected")
}

// tooMany answers a request beyond the sign-up and login rate limit: the
// JSON API with its error, a page with the page and a plain sentence.
func (s *Server) tooMany(c *fiber.Ctx) error {
	c.Set(fiber.HeaderRetryAfter, "60")
	msg := web.T(s.lang(c), "host.err.toomany")
	switch c.Path() {
	case signupPath:
		return s.signupForm(c, fiber.StatusTooManyRequests, signupForm{Login: c.FormValue("login"), Name: c.FormValue("name")}, msg)
	case loginPath:
		return s.render(c, fiber.StatusTooManyRequests, "login", web.Page{CSRF: s.formToken(c), Error: msg, Data: loginForm{Login: c.FormValue("login")}})
	}
	return httpx.JSONError(c, fiber.StatusTooManyRequests, "rate_limited", "too many requests; try again in a minute")
}
