package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"regie/api"
	"regie/trust"
)

// What a hosted resident does is the wallet server's own resident API and
// pages (package api), on the vault of the request's session. The host
// finds that vault from the session cookie, unlocked with the data key
// sealed under the cookie's secret, and hands it back to the pool when the
// request is answered.
//
// A hosted resident may do everything a resident of regie serve does,
// except:
//   - make a short code to read out: a short code is served from the open
//     vault only, never from a grant's sealed record, so it would work only
//     while the resident happens to be logged in. The QR code and the link
//     work while she is away.
//   - have the host fetch from an organisation the host's trust list does
//     not name: the host is on the internet, and an address a resident
//     typed into a trust-list file could point the host at its own
//     network. Fetching goes only to the endpoints of the host's trust
//     list; an organisation the resident adds herself can still push.

// Resident finds the resident of a request from its session cookie: the
// session's vault, unlocked, with its services. release hands the vault
// back to the pool.
func (s *Server) Resident(c *fiber.Ctx) (*api.Resident, func(), error) {
	secret := c.Cookies(s.cookies.session)
	ses, err := s.h.Resume(c.UserContext(), secret)
	if errors.Is(err, ErrNoSession) {
		return nil, nil, api.ErrNoSession
	}
	if err != nil {
		return nil, nil, err
	}
	r := api.NewResident(ses.Vault, s.h.WalletURL(ses.ID), s.h.ix.box(ses.ID), s.orgClient, func(err error) {
		s.h.cfg.Logger.Error("refreshing redemption records", "err", err.Error())
	})
	r.ShortCodes, r.Address, r.CSRF, r.Account = false, s.h.WalletURL(ses.ID), formTokenOf(secret), accountPath
	r.MayFetch = s.orgFetch.allows
	r.TakeArrived = func(ctx context.Context) (api.Arrived, error) { return s.h.TakeArrived(ctx, secret) }
	return r, ses.Release, nil
}

// FormToken is the form token of the request's live session, found in the
// index without opening the vault.
func (s *Server) FormToken(c *fiber.Ctx) (string, bool) {
	secret := c.Cookies(s.cookies.session)
	// The error handler runs after the request's own context ended.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := s.h.live(ctx, secret); err != nil {
		return "", false
	}
	return formTokenOf(secret), true
}

// formTokenOf is the form token of a session: derived from the cookie's
// secret, so that any host process serving the session knows it and a page
// that shows it gives nothing of the secret away.
func formTokenOf(secret string) string {
	sum := sha256.Sum256([]byte("regie/v1/form-token\x00" + secret))
	return hex.EncodeToString(sum[:16])
}

// errNotHostOrg is a fetch from an address that is not the endpoint of an
// organisation in the host's trust list.
var errNotHostOrg = errors.New("the host fetches only from the organisations of its own trust list")

// hostOrgsOnly is the transport of a hosted resident's fetches: it lets a
// request through only to the scheme and host of an endpoint in the host's
// trust list, redirects included (each goes through RoundTrip).
type hostOrgsOnly struct {
	allowed map[string]bool
	next    http.RoundTripper
}

// allows reports whether an endpoint is one the host fetches from.
func (t hostOrgsOnly) allows(endpoint string) bool {
	u, err := url.Parse(endpoint)
	return err == nil && t.allowed[u.Scheme+"://"+u.Host]
}

func (t hostOrgsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.allowed[req.URL.Scheme+"://"+req.URL.Host] {
		return nil, fmt.Errorf("%w: %s", errNotHostOrg, req.URL.Host)
	}
	return t.next.RoundTrip(req)
}

// hostOrgsFor lets through the endpoints of the organisations in tl.
func hostOrgsFor(tl *trust.List) hostOrgsOnly {
	allowed := map[string]bool{}
	for _, o := range tl.Organisations() {
		if o.Endpoint == "" {
			continue
		}
		if u, err := url.Parse(o.Endpoint); err == nil && u.Host != "" {
			allowed[u.Scheme+"://"+u.Host] = true
		}
	}
	return hostOrgsOnly{allowed: allowed, next: http.DefaultTransport}
}
