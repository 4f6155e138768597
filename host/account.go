package host

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"regie/internal/httpx"
	"regie/wallet"
	"regie/web"
)

// The resident's account pages: change the passphrase, and delete the
// vault after a page that says what is lost. Both need a live session and
// the session's form token; deleting also needs the box ticked.
const (
	accountPath = "/kluis"
	deletePath  = "/kluis/verwijderen"
)

// accountForm is what the account page shows: which field was wrong.
type accountForm struct {
	Bad           string
	MinPassphrase int
}

// sessionPage answers a request to an account page without a live session
// (the login page, then back for a GET) and reports false; otherwise it
// returns the session's secret.
func (s *Server) sessionPage(c *fiber.Ctx) (string, bool, error) {
	secret := c.Cookies(s.cookies.session)
	if s.loggedIn(c) {
		return secret, true, nil
	}
	to := loginPath
	if c.Method() == fiber.MethodGet {
		to += "?next=" + url.QueryEscape(c.Path())
	}
	return "", false, c.Redirect(to, fiber.StatusSeeOther)
}

// accountView is a logged-in page of the host's own, with the menu.
func accountView(secret, active string, data any) web.Page {
	return web.Page{LoggedIn: true, CSRF: formTokenOf(secret), Account: accountPath, Active: active, Data: data}
}

func (s *Server) accountPage(c *fiber.Ctx) error {
	secret, ok, err := s.sessionPage(c)
	if !ok {
		return err
	}
	return s.render(c, fiber.StatusOK, "account", accountView(secret, "account", accountForm{MinPassphrase: MinPassphrase}))
}

func (s *Server) passphraseSubmit(c *fiber.Ctx) error {
	secret, ok, err := s.sessionPage(c)
	if !ok {
		return err
	}
	lang := s.lang(c)
	again := func(status int, bad, msg string) error {
		p := accountView(secret, "account", accountForm{Bad: bad, MinPassphrase: MinPassphrase})
		p.Error = msg
		return s.render(c, status, "account", p)
	}
	if !httpx.SameToken(c.FormValue("csrf"), formTokenOf(secret)) {
		return again(fiber.StatusForbidden, "", web.T(lang, "err.csrf"))
	}
	if c.FormValue("new") != c.FormValue("new2") {
		return again(fiber.StatusBadRequest, "new2", web.T(lang, "host.err.mismatch"))
	}
	if err := weakPassphrase(c.FormValue("new")); err != nil {
		return again(fiber.StatusBadRequest, "new", web.T(lang, "host.err.weak", MinPassphrase))
	}
	ended, err := s.passphraseCounted(c, secret, func() error {
		return s.h.ChangePassphrase(c.UserContext(), secret, c.FormValue("old"), c.FormValue("new"))
	})
	if ended {
		return s.endedPage(c)
	}
	var ve *wallet.ValidationError
	switch {
	case errors.Is(err, ErrLogin):
		return again(fiber.StatusUnauthorized, "old", web.T(lang, "acc.err.old"))
	case errors.As(err, &ve):
		return again(fiber.StatusBadRequest, "new", web.T(lang, "host.err.weak", MinPassphrase))
	case err != nil:
		status, _, msg := s.pageError(c, err)
		return again(status, "", msg)
	}
	s.rememberSessionDevice(c, secret)
	p := accountView(secret, "account", accountForm{MinPassphrase: MinPassphrase})
	p.Flash = web.T(lang, "acc.pass.done")
	return s.render(c, fiber.StatusOK, "account", p)
}

// endedPage answers a form whose wrong passphrase ended the session: the
// login page, saying why.
func (s *Server) endedPage(c *fiber.Ctx) error {
	s.clearCookie(c)
	return s.render(c, fiber.StatusUnauthorized, "login", web.Page{CSRF: s.formToken(c), Error: web.T(s.lang(c), "host.err.ended"), Data: loginForm{}})
}

func (s *Server) deletePage(c *fiber.Ctx) error {
	secret, ok, err := s.sessionPage(c)
	if !ok {
		return err
	}
	return s.render(c, fiber.StatusOK, "delete", accountView(secret, "account", nil))
}

func (s *Server) deleteSubmit(c *fiber.Ctx) error {
	secret, ok, err := s.sessionPage(c)
	if !ok {
		return err
	}
	lang := s.lang(c)
	if !httpx.SameToken(c.FormValue("csrf"), formTokenOf(secret)) {
		p := accountView(secret, "account", nil)
		p.Error = web.T(lang, "err.csrf")
		return s.render(c, fiber.StatusForbidden, "delete", p)
	}
	if c.FormValue("sure") != "yes" {
		p := accountView(secret, "account", nil)
		p.Error = web.T(lang, "del.err.sure")
		return s.render(c, fiber.StatusBadRequest, "delete", p)
	}
	ended, err := s.passphraseCounted(c, secret, func() error {
		return s.h.DeleteVault(c.UserContext(), secret, c.FormValue("passphrase"))
	})
	if ended {
		return s.endedPage(c)
	}
	if err != nil {
		status, _, msg := s.pageError(c, err)
		if errors.Is(err, ErrLogin) {
			msg = web.T(lang, "del.err.pass")
		}
		p := accountView(secret, "account", nil)
		p.Error = msg
		return s.render(c, status, "delete", p)
	}
	s.clearCookie(c)
	return c.Redirect(loginPath+"?weg=1", fiber.StatusSeeOther)
}
