package api

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"regie/connectors"
	"regie/consent"
	"regie/internal/httpx"
	"regie/trust"
	"regie/wallet"
)

const sessionCookie = "regie_session"

// cookie sets a cookie, Secure when the wallet's public URL is https.
func (s *Server) cookie(c *fiber.Ctx, ck *fiber.Cookie) {
	ck.Secure = s.https()
	if s.https() && (ck.Name == sessionCookie || ck.Name == httpx.CSRFCookie) {
		// "__Host-" (which takes Path=/ only): no sibling subdomain can
		// plant one.
		ck.Name, ck.Path = s.cookieName(ck.Name), "/"
	}
	c.Cookie(ck)
}

// cookieName is what the session and form-token cookies are called on
// this wallet (httpx.CookieName).
func (s *Server) cookieName(base string) string { return httpx.CookieName(base, s.https()) }

// https reports whether the wallet's public URL is https.
func (s *Server) https() bool { return strings.HasPrefix(s.cfg.BaseURL, "https://") }

func (s *Server) setSessionCookie(c *fiber.Ctx, token string) {
	s.cookie(c, &fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	s.cookie(c, &fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
		Expires: time.Unix(1, 0)})
}

// requireSession guards the resident's JSON API. A state-changing call must
// be JSON, which a cross-site form cannot send.
// The request's resident is found once, kept in the request for the
// handler and released when it has answered.
func (s *Server) requireSession(c *fiber.Ctx) error {
	_, release, err := s.openResident(c)
	if errors.Is(err, ErrNoSession) {
		return httpx.JSONError(c, fiber.StatusUnauthorized, "not_unlocked", "unlock the wallet first")
	}
	if err != nil {
		return fail(c, err)
	}
	defer release()
	if (c.Method() == fiber.MethodPost || c.Method() == fiber.MethodPut) && !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return httpx.JSONError(c, fiber.StatusUnsupportedMediaType, "json_required", "send application/json")
	}
	return c.Next()
}

// unlock checks a passphrase under the throttle and opens a session. It
// unlocks the vault keys when they are not in memory yet.
func (s *Server) unlock(c *fiber.Ctx, passphrase string) (string, *session, error) {
	v := s.one.Vault
	end, err := s.throttle.begin(httpx.ClientAddr(c))
	if err != nil {
		return "", nil, err
	}
	s.derivations.Add(1)
	n := s.deriving.Add(1)
	for m := s.maxDeriving.Load(); n > m && !s.maxDeriving.CompareAndSwap(m, n); m = s.maxDeriving.Load() {
	}
	if v.Unlocked() {
		err = v.CheckPassphrase(passphrase)
	} else {
		err = v.Unlock(c.UserContext(), passphrase)
	}
	s.deriving.Add(-1)
	end(err == nil)
	if err != nil {
		return "", nil, err
	}
	arrived, err := s.catchUp(c.UserContext())
	if err != nil {
		// The resident is in; what could not be brought in stays queued.
		s.log.Error("catching up at unlock", "err", err.Error())
	}
	token, ses := s.sessions.create()
	ses.arrived = arrived
	s.setSessionCookie(c, token)
	return token, ses, nil
}

// sameOrigin reports whether a request may come from the wallet's own pages:
// a browser names the page's origin in Origin and says in Sec-Fetch-Site
// whether it is the same; a script outside a browser sends neither.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := c.Get(fiber.HeaderOrigin)
	return origin == "" || strings.EqualFold(origin, s.origin(c))
}

// origin is the wallet's own scheme://host[:port].
func (s *Server) origin(c *fiber.Ctx) string {
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return c.BaseURL()
}

// apiUnlock takes the passphrase as JSON from the wallet's own origin only:
// a page elsewhere could otherwise post text/plain here and spend the
// resident's tries.
func (s *Server) apiUnlock(c *fiber.Ctx) error {
	if mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); err != nil || mt != fiber.MIMEApplicationJSON {
		return httpx.JSONError(c, fiber.StatusUnsupportedMediaType, "json_required", "send application/json")
	}
	if !s.sameOrigin(c) {
		return httpx.JSONError(c, fiber.StatusForbidden, "cross_origin", "the wallet opens only from its own pages")
	}
	var req struct {
		Passphrase string `json:"passphrase"`
	}
	if err := trust.DecodeStrict(c.Body(), &req); err != nil {
		return httpx.JSONError(c, fiber.StatusBadRequest, "malformed", "expected {\"passphrase\": \"...\"}")
	}
	_, ses, err := s.unlock(c, req.Passphrase)
	var lo *lockedOut
	switch {
	case errors.As(err, &lo):
		c.Set(fiber.HeaderRetryAfter, fmt.Sprint(int(math.Ceil(lo.Wait.Seconds()))))
		return httpx.JSONError(c, fiber.StatusTooManyRequests, "unlock_throttled", lo.Error())
	case errors.Is(err, errBusy):
		c.Set(fiber.HeaderRetryAfter, "1")
		return httpx.JSONError(c, fiber.StatusServiceUnavailable, "unlock_busy", "another passphrase is being checked; try again in a second")
	case errors.Is(err, wallet.ErrWrongPassphrase):
		return httpx.JSONError(c, fiber.StatusUnauthorized, "wrong_passphrase", "the passphrase does not open this wallet")
	case err != nil:
		return fail(c, err)
	}
	return c.JSON(fiber.Map{"unlocked": true, "idle_timeout_seconds": int(s.cfg.SessionIdle.Seconds()), "arrived": ses.arrived})
}

// apiLock ends every session of the wallet, not only this device's: a
// resident who locks expects the data closed everywhere.
func (s *Server) apiLock(c *fiber.Ctx) error {
	s.sessions.endAll()
	s.lockWhenIdle()
	s.clearSessionCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiOverview(c *fiber.Ctx) error {
	r := residentOf(c)
	o, err := r.overview(c.UserContext())
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(o)
}

// seriesView is one debt or income with its history, as the API lists it.
type seriesView struct {
	Current wallet.Statement   `json:"current"`
	History []wallet.Statement `json:"history"`
}

func (s *Server) apiStatements(c *fiber.Ctx) error {
	r := residentOf(c)
	all, err := r.Vault.Series(c.UserContext())
	if err != nil {
		return fail(c, err)
	}
	out := make([]seriesView, 0, len(all))
	for _, sr := range all {
		out = append(out, seriesView{Current: sr.Current(), History: append([]wallet.Statement{}, sr.Versions[1:]...)})
	}
	return c.JSON(fiber.Map{"series": out})
}

func (s *Server) apiImport(c *fiber.Ctx) error {
	r := residentOf(c)
	items, err := connectors.FileItems("upload", c.Body())
	if err != nil {
		return fail(c, err)
	}
	rep, err := r.Importer.Import(c.UserContext(), wallet.ChannelFile, items, nil)
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(rep)
}

func (s *Server) apiSources(c *fiber.Ctx) error {
	r := residentOf(c)
	list, err := r.Puller.Sources(c.UserContext())
	if err != nil {
		return fail(c, err)
	}
	if list == nil {
		list = []connectors.Source{}
	}
	for i := range list {
		list[i].Connection = "" // the connection id is the organisation's credential for us
	}
	return c.JSON(fiber.Map{"sources": list})
}

func (s *Server) apiConnect(c *fiber.Ctx) error {
	r := residentOf(c)
	var req struct {
		Org  string `json:"org"`
		Code string `json:"code"`
	}
	if err := trust.DecodeStrict(c.Body(), &req); err != nil {
		return httpx.JSONError(c, fiber.StatusBadRequest, "malformed", "expected {\"org\": ..., \"code\": ...}")
	}
	if err := r.mayConnect(c.UserContext(), req.Org); errors.Is(err, errFetchOff) {
		return httpx.JSONError(c, fiber.StatusForbidden, "fetch_off", err.Error())
	} else if err != nil {
		return fail(c, err)
	}
	src, err := r.Puller.Connect(c.UserContext(), req.Org, req.Code)
	if err != nil {
		if errors.Is(err, trust.ErrUnknownIssuer) {
			return httpx.JSONError(c, fiber.StatusBadRequest, "unknown_organisation", "that organisation is not in the trust list")
		}
		return fail(c, err)
	}
	src.Connection = ""
	return c.Status(fiber.StatusCreated).JSON(src)
}

// refreshView reports one source of a refresh.
type refreshView struct {
	Org    string            `json:"org"`
	OK     bool              `json:"ok"`
	Error  string            `json:"error,omitempty"`
	Report connectors.Report `json:"report"`
	// err is the failure itself, for the pages to say it in words.
	err error
}

func (s *Server) refresh(c *fiber.Ctx) ([]refreshView, error) {
	r := residentOf(c)
	results, err := r.Puller.Refresh(c.UserContext(), nil)
	if err != nil {
		return nil, err
	}
	out := make([]refreshView, 0, len(results))
	for _, r := range results {
		v := refreshView{Org: r.Org, OK: r.Err == nil, Report: r.Report}
		if r.Err != nil {
			v.Error, v.err = r.Err.Error(), r.Err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Server) apiRefresh(c *fiber.Ctx) error {
	out, err := s.refresh(c)
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(fiber.Map{"sources": out})
}

func (s *Server) apiTrust(c *fiber.Ctx) error {
	r := residentOf(c)
	tl, err := r.Trust.Load(c.UserContext())
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(tl)
}

// grantView is a grant as the resident's API shows it: never the token or
// the handle, which are for the helper.
type grantView struct {
	ID        string          `json:"id"`
	Audience  string          `json:"audience"`
	Name      string          `json:"audience_name"`
	Purpose   consent.Purpose `json:"purpose"`
	Scope     consent.Scope   `json:"scope"`
	NotBefore time.Time       `json:"valid_from"`
	Expiry    time.Time       `json:"valid_until"`
	MaxUses   int             `json:"max_uses,omitempty"`
	Uses      int             `json:"uses"`
	Status    consent.Status  `json:"consent_status"`
	URL       string          `json:"url,omitempty"`
	// Receipt names the newest receipt: a new one after each extension.
	Receipt string `json:"receipt"`
}

func (r *Resident) view(g consent.Grant) grantView {
	v := grantView{ID: g.ID, Audience: g.Audience, Name: g.AudienceName, Purpose: g.Purpose, Scope: g.Scope,
		NotBefore: g.NotBefore, Expiry: g.Expiry, MaxUses: g.MaxUses, Uses: g.Uses, Status: g.Status(r.Vault.Now()),
		Receipt: g.ReceiptID()}
	if g.Shareable(r.Vault.Now()) == nil {
		v.URL, _ = r.Consent.URL(g)
	}
	return v
}

func (s *Server) apiConsents(c *fiber.Ctx) error {
	r := residentOf(c)
	list, err := r.Consent.List(c.UserContext())
	if err != nil {
		return fail(c, err)
	}
	out := make([]grantView, 0, len(list))
	for _, g := range list {
		out = append(out, r.view(g))
	}
	return c.JSON(fiber.Map{"consents": out})
}

// GrantRequest is the body of POST /api/v1/consents.
type GrantRequest struct {
	To      string   `json:"to"`
	Purpose string   `json:"purpose"`
	Scope   []string `json:"scope"`
	Days    int      `json:"days"`
	// Months is the length in calendar months, instead of Days.
	Months  int `json:"months"`
	MaxUses int `json:"max_uses"`
}

func (s *Server) apiGrant(c *fiber.Ctx) error {
	r := residentOf(c)
	var req GrantRequest
	if err := trust.DecodeStrict(c.Body(), &req); err != nil {
		return httpx.JSONError(c, fiber.StatusBadRequest, "malformed", "expected a consent request")
	}
	// No scope: the purpose's own (signals for early detection and
	// aftercare), or a refusal when it has none.
	var scope consent.Scope
	if len(req.Scope) > 0 {
		var err error
		if scope, err = consent.ParseScope(strings.Join(req.Scope, ",")); err != nil {
			return fail(c, err)
		}
	}
	g, err := r.Consent.Grant(c.UserContext(), consent.Request{Audience: req.To, Purpose: consent.Purpose(req.Purpose),
		Scope: scope, Days: req.Days, Months: req.Months, MaxUses: req.MaxUses})
	if err != nil {
		return fail(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(r.view(g))
}

// ExtendRequest is the body of POST /api/v1/consents/{id}/extend: the new
// length counted from today, in days or calendar months.
type ExtendRequest struct {
	Days   int `json:"days"`
	Months int `json:"months"`
}

// apiExtend gives a running consent a later end (consent.Service.Extend):
// 200 with the grant, 400 for a length beyond the purpose's maximum or not
// later than now, 410 for a consent that can no longer be used.
func (s *Server) apiExtend(c *fiber.Ctx) error {
	var req ExtendRequest
	if err := trust.DecodeStrict(c.Body(), &req); err != nil || (req.Days == 0 && req.Months == 0) {
		return httpx.JSONError(c, fiber.StatusBadRequest, "malformed", "expected {\"days\": N} or {\"months\": N}")
	}
	r := residentOf(c)
	g, err := r.Consent.Extend(c.UserContext(), c.Params("id"), consent.Length{Days: req.Days, Months: req.Months})
	if err != nil {
		return gone(c, err)
	}
	return c.JSON(r.view(g))
}

func (s *Server) apiConsent(c *fiber.Ctx) error {
	r := residentOf(c)
	g, err := r.Consent.Get(c.UserContext(), c.Params("id"))
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(r.view(g))
}

func (s *Server) apiRevoke(c *fiber.Ctx) error {
	r := residentOf(c)
	g, err := r.Consent.Revoke(c.UserContext(), c.Params("id"))
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(r.view(g))
}

func (s *Server) apiQR(c *fiber.Ctx) error {
	r := residentOf(c)
	g, err := r.Consent.Get(c.UserContext(), c.Params("id"))
	if err != nil {
		return fail(c, err)
	}
	if err := g.Shareable(r.Vault.Now()); err != nil {
		return gone(c, err)
	}
	png, err := r.Consent.QR(g)
	if err != nil {
		return fail(c, err)
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}

// gone answers a resident who asks for a way to share a grant (its QR code
// or a short code) that can no longer be used: 410, with the grant's own
// reason. Errors that are not about the grant go to fail.
func gone(c *fiber.Ctx, err error) error {
	var r *trust.Refusal
	if !errors.As(err, &r) {
		return fail(c, err)
	}
	return httpx.JSONError(c, fiber.StatusGone, r.Code(), r.Error())
}

func (s *Server) apiReceipt(c *fiber.Ctx) error {
	r := residentOf(c)
	g, err := r.Consent.Get(c.UserContext(), c.Params("id"))
	if err != nil {
		return fail(c, err)
	}
	rc, err := r.Consent.Receipt(g)
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(rc)
}

func (s *Server) apiShortCode(c *fiber.Ctx) error {
	r := residentOf(c)
	if !r.ShortCodes {
		return errNoShortCodes(c)
	}
	code, exp, err := r.Consent.ShortCode(c.UserContext(), c.Params("id"))
	if err != nil {
		return gone(c, err)
	}
	return c.JSON(fiber.Map{"code": code, "valid_until": exp})
}

func (s *Server) apiAudit(c *fiber.Ctx) error {
	r := residentOf(c)
	events, err := r.Vault.Events(c.UserContext())
	if err != nil {
		return fail(c, err)
	}
	if events == nil {
		events = []wallet.Event{}
	}
	_, verr := r.Vault.VerifyEvents(c.UserContext())
	return c.JSON(fiber.Map{"events": events, "intact": verr == nil})
}
