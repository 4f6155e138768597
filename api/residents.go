package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"regie/connectors"
	"regie/consent"
	"regie/internal/httpx"
	"regie/trust"
	"regie/wallet"
)

// Resident is what one resident's request works on: the vault of the
// request's session and the services bound to it. The wallet server has one
// resident; a host has one per logged-in resident and finds it per request.
// Every resident handler, JSON and page, reads it from the request, never
// from the server, so that one code path serves both.
type Resident struct {
	Vault    *wallet.Vault
	Consent  *consent.Service
	Importer *connectors.Importer
	Puller   *connectors.Puller
	Trust    trust.Store
	// ShortCodes says whether the resident may make a short code to read
	// out. A short code is served only from the open vault, never from a
	// grant's sealed record, so a host that serves helpers while the
	// resident is away offers the QR code and the link instead.
	ShortCodes bool
	// MayFetch says whether the wallet may fetch from an organisation's
	// endpoint; nil means from every one. A host fetches only from the
	// endpoints of its own trust list.
	MayFetch func(endpoint string) bool
	// Address is the wallet's address to give organisations, shown on the
	// sources page; empty where the resident has no use for it (serve on
	// 127.0.0.1).
	Address string
	// Account is the path of the resident's account page (change the
	// passphrase, delete the vault), linked from every page; empty where
	// there is none.
	Account string
	// CSRF is the session's form token: a form posted to a resident page
	// must carry it.
	CSRF string
	// TakeArrived hands over, once, what came in while the resident was
	// away (found at the login that opened this session), and forgets it.
	// Nil means nothing arrived.
	TakeArrived func(ctx context.Context) (Arrived, error)

	// ses is the wallet server's own session; nil on a host.
	ses *session
}

// Residents finds the resident of a request's session. The wallet server
// answers with its one vault while a session of its own is live; a host
// with the vault of the session its cookie names. release is called once
// the request is answered; a request without a live session is
// ErrNoSession.
type Residents interface {
	Resident(c *fiber.Ctx) (r *Resident, release func(), err error)
}

// FormTokens is what a host's Residents may also do: tell the form token of
// a request's live session without opening its vault, so that a page
// outside the resident's routes (not found) still has the menu and the
// lock button.
type FormTokens interface {
	FormToken(c *fiber.Ctx) (token string, ok bool)
}

// ErrNoSession is a request without a live resident session.
var ErrNoSession = errors.New("no resident session")

// NewResident binds the services of a resident to an unlocked vault. base is
// the wallet's address for helpers; box holds the grants' redemption
// records (nil: the box inside the vault file); client reaches
// organisations (nil: a 10 s timeout). After every import that stored
// something, the redemption records are re-signed; a failure goes to
// onErr, and the records keep the older dossier until the next try.
func NewResident(v *wallet.Vault, base string, box *wallet.Box, client *http.Client, onErr func(error)) *Resident {
	if box == nil {
		box = v.Box()
	}
	ts := trust.Store{Vault: v}
	im := &connectors.Importer{Vault: v}
	r := &Resident{Vault: v, Trust: ts, Importer: im, ShortCodes: true,
		Consent: &consent.Service{Vault: v, Trust: ts, BaseURL: base, Box: box},
		Puller:  &connectors.Puller{Vault: v, Importer: im, Client: client}}
	im.Imported = func(ctx context.Context) {
		if err := r.Consent.Refresh(ctx); err != nil && onErr != nil {
			onErr(err)
		}
	}
	return r
}

// residentKey is where the request's resident is kept in c.Locals.
type residentKey struct{}

// formTokenKey keeps the session's form token in c.Locals.
type formTokenKey struct{}

// residentOf is the resident the middleware found for this request.
func residentOf(c *fiber.Ctx) *Resident {
	r, _ := c.Locals(residentKey{}).(*Resident)
	return r
}

// Resident is the wallet server's own resolver: its one vault, for a
// request with a live session of this server.
func (s *Server) Resident(c *fiber.Ctx) (*Resident, func(), error) {
	ses, ok := s.sessions.get(c.Cookies(s.cookieName(sessionCookie)))
	if !ok {
		return nil, nil, ErrNoSession
	}
	r := *s.one
	r.CSRF, r.ses = ses.csrf, ses
	r.TakeArrived = func(context.Context) (Arrived, error) { return s.sessions.takeArrived(ses), nil }
	return &r, func() {}, nil
}

// openResident finds the request's resident and keeps it in the request
// until release, which the caller defers.
func (s *Server) openResident(c *fiber.Ctx) (*Resident, func(), error) {
	r, release, err := s.residents.Resident(c)
	if err != nil {
		return nil, nil, err
	}
	c.Locals(residentKey{}, r)
	// The form token outlives the release, for an error page the
	// server's error handler renders after the handler returned.
	c.Locals(formTokenKey{}, r.CSRF)
	return r, func() {
		c.Locals(residentKey{}, nil)
		release()
	}, nil
}

// errNoShortCodes answers a request for a short code where there are none.
func errNoShortCodes(c *fiber.Ctx) error {
	return httpx.JSONError(c, fiber.StatusForbidden, "short_codes_off", "this wallet gives no short codes; share the QR code or the link")
}

// fetches reports whether the wallet can connect to and fetch from o here.
func (r *Resident) fetches(o trust.Organisation) bool {
	return o.Endpoint != "" && (r.MayFetch == nil || r.MayFetch(o.Endpoint))
}

// errFetchOff is a connection to an organisation this wallet may not fetch
// from (on a host: one outside the host's trust list).
var errFetchOff = errors.New("this wallet fetches only from the organisations its host lists; add the organisation's files, or ask it to push to the wallet's address")

// mayConnect refuses a connection to an organisation the wallet may not
// fetch from; an unknown one is left to the puller to refuse.
func (r *Resident) mayConnect(ctx context.Context, orgID string) error {
	tl, err := r.Trust.Load(ctx)
	if err != nil {
		return err
	}
	if o, ok := tl.Organisation(orgID); ok && o.Endpoint != "" && !r.fetches(*o) {
		return errFetchOff
	}
	return nil
}
