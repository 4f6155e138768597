package host

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"regie/api"
	"regie/connectors"
	"regie/consent"
	"regie/internal/httpx"
	"regie/store"
	"regie/trust"
	"regie/wallet"
	"regie/web"
)

// cookieNames are the names a host's cookies go by.
type cookieNames struct{ session, csrf, device string }

// cookieName is the host's session cookie. It holds the session's random
// secret; the index holds only its hash and the data key sealed under it.
const cookieName = "regie_host"

// Limits are the per-client rates of the host; zero takes the default, a
// negative value turns a limit off (benchmarks on 127.0.0.1).
type Limits struct {
	LoginPerMinute  int // sign-up and login per client address; default 10
	PushPerMinute   int // per client address; default 120
	RedeemPerMinute int // per client address; default 60
	// LoginFailures wrong passphrases for one login name from one address
	// make that pair wait LoginLockout; defaults 10 and 15 minutes.
	LoginFailures int
	LoginLockout  time.Duration
	// LoginPaceFree wrong passphrases for one login name from every address
	// together, within LoginPaceWindow, cost nothing; beyond them one try
	// per LoginPaceEvery is let through, except from a device the resident
	// logged in on before (it carries a device cookie), which the pace
	// never holds up. Defaults 20, one hour and one minute; a negative
	// LoginPaceFree turns the pace off.
	LoginPaceFree   int
	LoginPaceWindow time.Duration
	LoginPaceEvery  time.Duration
	// PushPerVault bounds the statements queued for one vault a minute (a
	// bundle of 500 counts 500), and RedeemPerVault the dossiers served
	// from one vault a minute, from every client together; a push or
	// redemption that fails uses none of it.
	// Defaults 60 and 30. Negative values turn these off.
	PushPerVault   int
	RedeemPerVault int
	Body           int // bytes; default 1 MiB
}

// Server is the host's HTTP face.
type Server struct {
	h      *Host
	app    *fiber.App
	hosts  httpx.Hosts
	https  bool
	limits Limits
	// guesses throttles wrong passphrases per client address and login
	// name, pace per login name from every address; deviceKey signs the
	// device cookie that exempts the resident's own devices from the pace.
	guesses   guessCounter
	pace      paceCounter
	deviceKey []byte
	// pushes and redemptions are each vault's budgets.
	pushes, redemptions *httpx.Budget
	stop                chan struct{}
	// reqs ends request contexts at shutdown and when a client hangs up.
	reqs *httpx.Requests
	// cookies are the names of the host's cookies: "__Host-" ones under
	// https (see httpx.CookieName).
	cookies cookieNames
	// pages renders the resident's pages; pagesErr, when the embedded
	// templates did not parse, is what every page answers instead.
	pages    *web.Renderer
	pagesErr error
	// resident is the wallet server's resident API and pages, mounted for
	// the vault of each request's session.
	resident *api.Hosted
	// orgClient reaches organisations for residents: only those of the
	// host's trust list (see hostOrgsOnly).
	orgClient *http.Client
	orgFetch  hostOrgsOnly
}

// ServerOptions tune the host's HTTP server.
type ServerOptions struct {
	Limits Limits
	// TrustedProxies are the CIDRs of reverse proxies whose X-Forwarded-For
	// names the client (its rightmost address outside these CIDRs, see
	// httpx.Proxies); from anywhere else the header is ignored.
	TrustedProxies []string
}

// NewServer builds the HTTP server of a host.
func NewServer(h *Host, opts ServerOptions) *Server {
	limits := opts.Limits
	if limits.LoginPerMinute == 0 {
		limits.LoginPerMinute = 10
	}
	if limits.PushPerMinute == 0 {
		limits.PushPerMinute = 120
	}
	if limits.RedeemPerMinute == 0 {
		limits.RedeemPerMinute = 60
	}
	if limits.LoginFailures == 0 {
		limits.LoginFailures = 10
	}
	if limits.LoginLockout == 0 {
		limits.LoginLockout = 15 * time.Minute
	}
	if limits.LoginPaceFree == 0 {
		limits.LoginPaceFree = 20
	}
	if limits.LoginPaceWindow == 0 {
		limits.LoginPaceWindow = time.Hour
	}
	if limits.LoginPaceEvery == 0 {
		limits.LoginPaceEvery = time.Minute
	}
	if limits.PushPerVault == 0 {
		limits.PushPerVault = 60
	}
	if limits.RedeemPerVault == 0 {
		limits.RedeemPerVault = 30
	}
	if limits.Body == 0 {
		limits.Body = 1 << 20
	}
	s := &Server{h: h, limits: limits, https: strings.HasPrefix(h.cfg.PublicURL, "https://"), stop: make(chan struct{}), reqs: httpx.NewRequests(),
		guesses:     h.guessCounter(limits.LoginFailures, limits.LoginLockout),
		pace:        h.paceCounter(limits.LoginPaceFree, limits.LoginPaceWindow, limits.LoginPaceEvery),
		deviceKey:   h.ix.loginKey("\x00regie/v1/device-cookie"), // no login name holds a NUL
		pushes:      httpx.NewBudget(limits.PushPerVault, time.Minute, h.cfg.Now),
		redemptions: httpx.NewBudget(limits.RedeemPerVault, time.Minute, h.cfg.Now)}
	s.hosts.AllowURL(h.cfg.PublicURL)
	s.cookies = cookieNames{session: httpx.CookieName(cookieName, s.https), csrf: httpx.CookieName(httpx.CSRFCookie, s.https),
		device: httpx.CookieName(deviceCookie, s.https)}
	s.pages, s.pagesErr = web.NewRenderer()
	s.orgFetch = hostOrgsFor(h.cfg.Trust)
	s.orgClient = &http.Client{Timeout: 10 * time.Second, Transport: s.orgFetch}
	var err error
	s.resident, err = api.NewHosted(api.HostedConfig{Residents: s, PublicURL: h.cfg.PublicURL, LoginPath: loginPath, AccountPath: accountPath,
		Logger: h.cfg.Logger, Limits: api.Limits{UploadBody: limits.Body}})
	cfg := fiber.Config{AppName: "regie-host", DisableStartupMessage: true, Immutable: true,
		BodyLimit: limits.Body, ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second}
	if err != nil {
		s.pagesErr = errors.Join(s.pagesErr, err)
	} else {
		cfg.ErrorHandler = s.resident.HandleError
	}
	// fiber's proxy header is left off: its c.IP() is the header as the
	// client wrote it. Every limit counts httpx.ClientAddr instead.
	proxies, perr := httpx.ParseProxies(opts.TrustedProxies)
	if perr != nil {
		// Fail safe: every client is its connection's peer.
		h.cfg.Logger.Error("trusted proxies ignored", "err", perr.Error())
		proxies = nil
	}
	s.app = fiber.New(cfg)
	app := s.app
	app.Use(proxies.Handler, s.reqs.Handler, recover.New(), httpx.SecurityHeaders, s.hsts, s.hosts.Check, httpx.RefuseEncodedBodies)
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", s.ready)
	login := httpx.RateLimitOr(limits.LoginPerMinute, "login", s.tooMany)
	s.pageRoutes(login)
	app.Post("/api/v1/signup", login, s.signup)
	app.Post("/api/v1/session", login, s.login)
	app.Delete("/api/v1/session", s.logout)
	app.Delete("/api/v1/vault", s.deleteVault)
	app.Post("/api/v1/passphrase", login, s.changePassphrase)
	app.Post("/v/:vault/api/v1/inbox", httpx.RateLimit(limits.PushPerMinute, "push"), s.push)
	redeem := httpx.RateLimit(limits.RedeemPerMinute, "redeem")
	app.Get("/v/:vault/c/:handle", redeem, s.redeemHandle)
	app.Get("/v/:vault/api/v1/dossier", redeem, s.redeemToken)
	// Everything else a resident does is the wallet server's own resident
	// API and pages, on the vault of the request's session.
	if s.resident != nil {
		s.resident.Mount(app)
	}
	go s.sweeper()
	return s
}

// Serve answers on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.hosts.Allow(ln.Addr().String())
	return s.app.Listener(ln)
}

// Shutdown stops the server and its session sweeper, cancels the contexts
// of requests in flight (a login, a catch-up, a redemption) and waits for
// them until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	return s.reqs.Shutdown(ctx, s.app)
}

func (s *Server) sweeper() {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if err := s.h.Sweep(context.Background()); err != nil {
				s.h.cfg.Logger.Error("session sweep", "err", err.Error())
			}
			if err := errors.Join(s.guesses.Prune(context.Background()), s.pace.Prune(context.Background())); err != nil {
				s.h.cfg.Logger.Error("pruning login counts", "err", err.Error())
			}
		}
	}
}

// ready answers 200 while the host's store answers a read within two
// seconds and 503 while it does not: a load balancer sends residents to
// the processes whose database is reachable. /healthz says only that the
// process runs.
func (s *Server) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.h.Ready(ctx); err != nil {
		s.h.cfg.Logger.Warn("not ready", "err", err.Error())
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

func (s *Server) hsts(c *fiber.Ctx) error {
	if s.https {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000")
	}
	return c.Next()
}

// readJSON decodes a JSON body strictly; when it cannot, it has answered
// and reports false.
func readJSON(c *fiber.Ctx, dst any) bool {
	if mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); err != nil || mt != fiber.MIMEApplicationJSON {
		_ = httpx.JSONError(c, fiber.StatusUnsupportedMediaType, "json_required", "send application/json")
		return false
	}
	if err := trust.DecodeStrict(c.Body(), dst); err != nil {
		_ = httpx.JSONError(c, fiber.StatusBadRequest, "malformed", "the body is not the expected JSON object")
		return false
	}
	return true
}

func (s *Server) setCookie(c *fiber.Ctx, secret string) {
	c.Cookie(&fiber.Cookie{Name: s.cookies.session, Value: secret, Path: "/", HTTPOnly: true, Secure: s.https, SameSite: "Strict"})
}

// clearCookie tells the browser to forget the session cookie: the same
// name and path as setCookie, expired (a cookie cleared on another path
// would stay).
func (s *Server) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: s.cookies.session, Value: "", Path: "/", HTTPOnly: true, Secure: s.https, SameSite: "Strict",
		Expires: time.Unix(1, 0)})
}

// fail turns a domain error into a JSON answer that names no person.
func (s *Server) fail(c *fiber.Ctx, err error) error {
	var ve *wallet.ValidationError
	var r *trust.Refusal
	var th *httpx.Throttled
	var vb *vaultBusy
	switch {
	case errors.As(err, &th):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(th.Wait.Seconds()))))
		return httpx.JSONError(c, fiber.StatusTooManyRequests, "login_throttled", th.Error())
	case errors.As(err, &vb):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(vb.wait.Seconds()))))
		return httpx.JSONError(c, fiber.StatusTooManyRequests, "rate_limited", vb.Error())
	case errors.As(err, &ve):
		return httpx.JSONError(c, fiber.StatusBadRequest, "invalid_input", ve.Error())
	case errors.As(err, &r):
		return httpx.JSONError(c, r.StatusCode(), r.Code(), r.Error())
	case errors.Is(err, ErrLogin):
		return httpx.JSONError(c, fiber.StatusUnauthorized, "login_failed", "the login name or the passphrase is wrong")
	case errors.Is(err, ErrNoSession):
		// The same code as the resident API (package api) answers without
		// a session, so that an app tells one condition by one code.
		return httpx.JSONError(c, fiber.StatusUnauthorized, "not_unlocked", "log in first")
	case errors.Is(err, ErrTaken):
		return httpx.JSONError(c, fiber.StatusConflict, "login_taken", "that login name is taken; choose another")
	case errors.Is(err, ErrBusy):
		c.Set(fiber.HeaderRetryAfter, "1")
		return httpx.JSONError(c, fiber.StatusServiceUnavailable, "busy", "many people are logging in; try again in a second")
	case errors.Is(err, consent.ErrResidentAbsent):
		return httpx.JSONError(c, fiber.StatusConflict, "resident_absent", err.Error())
	case errors.Is(err, consent.ErrNoRecord):
		return httpx.JSONError(c, fiber.StatusConflict, "resident_absent", "this request needs the resident's wallet open; ask again without ?scope=")
	case errors.Is(err, wallet.ErrNotFound):
		return httpx.JSONError(c, fiber.StatusNotFound, "not_found", "not found")
	case errors.Is(err, wallet.ErrIssuerFull):
		return httpx.JSONError(c, fiber.StatusInsufficientStorage, "queue_full", wallet.ErrIssuerFull.Error())
	case errors.Is(err, wallet.ErrQueueFull):
		return httpx.JSONError(c, fiber.StatusInsufficientStorage, "queue_full", wallet.ErrQueueFull.Error())
	case errors.Is(err, connectors.ErrBundle):
		return httpx.JSONError(c, fiber.StatusBadRequest, "malformed", err.Error())
	case errors.Is(err, consent.ErrNotHelper):
		return httpx.JSONError(c, fiber.StatusBadRequest, "not_a_helper", "that organisation is not a helper in the trust list")
	case errors.Is(err, store.ErrUnavailable):
		s.h.cfg.Logger.Warn("store unavailable", "route", c.Route().Path, "err", err.Error())
		return httpx.StoreUnavailable(c)
	}
	s.h.cfg.Logger.Error("request failed", "route", c.Route().Path, "err", err.Error())
	return httpx.JSONError(c, fiber.StatusInternalServerError, "internal", "something went wrong")
}

// Account is the answer to sign-up and login.
type Account struct {
	Vault  string `json:"vault"`
	Wallet string `json:"wallet"`
	// Arrived is what organisations pushed while the resident was away.
	Arrived *Arrived `json:"arrived,omitempty"`
}

// Arrived counts the pushes imported at login.
type Arrived struct {
	Added   int `json:"added"`
	Refused int `json:"refused"`
}

func (s *Server) signup(c *fiber.Ctx) error {
	var req struct {
		Login      string `json:"login"`
		BSN        string `json:"bsn"`
		Name       string `json:"name"`
		Passphrase string `json:"passphrase"`
	}
	if !readJSON(c, &req) {
		return nil
	}
	id, secret, err := s.h.Signup(c.UserContext(), req.Login, req.BSN, req.Name, req.Passphrase)
	if err != nil {
		return s.fail(c, err)
	}
	s.setCookie(c, secret)
	s.rememberDevice(c, s.h.ix.loginKey(normalLogin(req.Login)))
	return c.Status(fiber.StatusCreated).JSON(Account{Vault: id, Wallet: s.h.WalletURL(id)})
}

func (s *Server) login(c *fiber.Ctx) error {
	var req struct {
		Login      string `json:"login"`
		Passphrase string `json:"passphrase"`
	}
	if !readJSON(c, &req) {
		return nil
	}
	id, secret, rep, err := s.loginCounted(c, req.Login, req.Passphrase)
	if err != nil {
		return s.fail(c, err)
	}
	s.setCookie(c, secret)
	return c.JSON(Account{Vault: id, Wallet: s.h.WalletURL(id), Arrived: &Arrived{Added: rep.Accepted(), Refused: rep.Refused}})
}

func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.h.Logout(c.UserContext(), c.Cookies(s.cookies.session)); err != nil {
		return s.fail(c, err)
	}
	s.clearCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) changePassphrase(c *fiber.Ctx) error {
	var req struct {
		Old string `json:"old"`
		New string `json:"new"`
	}
	if !readJSON(c, &req) {
		return nil
	}
	secret := c.Cookies(s.cookies.session)
	if err := weakPassphrase(req.New); err != nil {
		return s.fail(c, err)
	}
	ended, err := s.passphraseCounted(c, secret, func() error {
		return s.h.ChangePassphrase(c.UserContext(), secret, req.Old, req.New)
	})
	if err != nil {
		return s.failCounted(c, ended, err)
	}
	s.rememberSessionDevice(c, secret)
	return c.SendStatus(fiber.StatusNoContent)
}

// deleteVault deletes the session's vault; the body names its passphrase.
func (s *Server) deleteVault(c *fiber.Ctx) error {
	secret := c.Cookies(s.cookies.session)
	if _, err := s.h.live(c.UserContext(), secret); err != nil {
		return s.fail(c, err) // without a session, the same 401 as every session route
	}
	var req struct {
		Passphrase string `json:"passphrase"`
	}
	if !readJSON(c, &req) {
		return nil
	}
	ended, err := s.passphraseCounted(c, secret, func() error {
		return s.h.DeleteVault(c.UserContext(), secret, req.Passphrase)
	})
	if err != nil {
		return s.failCounted(c, ended, err)
	}
	s.clearCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

// rememberSessionDevice gives the device that changed the passphrase a
// device cookie of the new generation.
func (s *Server) rememberSessionDevice(c *fiber.Ctx, secret string) {
	if lk, err := s.h.sessionLogin(c.UserContext(), secret); err == nil {
		s.rememberDevice(c, lk)
	}
}

// failCounted answers a counted passphrase that failed; when the session
// ended over it, 401 not_unlocked and the cookie cleared.
func (s *Server) failCounted(c *fiber.Ctx, ended bool, err error) error {
	if ended {
		s.clearCookie(c)
		return httpx.JSONError(c, fiber.StatusUnauthorized, "not_unlocked", "too many wrong passphrases: the session ended; log in again")
	}
	return s.fail(c, err)
}

// weakPassphrase refuses a new passphrase shorter than MinPassphrase
// before anything is counted or derived.
func weakPassphrase(p string) error {
	if len([]rune(p)) < MinPassphrase {
		return &wallet.ValidationError{Field: "passphrase", Problem: "must be " + PassphraseRule}
	}
	return nil
}

// passphraseCounted runs check, which asks for the resident's passphrase
// again inside a session (to change it, to delete the vault) and is
// ErrLogin when it is wrong, under the same counts as a login: per
// (address, login name) before any key is derived, and the login's pace
// unless the device carries its device cookie. A wrong one is logged like
// a failed login, and maxSessionWrong of them end the session (ended).
func (s *Server) passphraseCounted(c *fiber.Ctx, secret string, check func() error) (ended bool, err error) {
	ctx := c.UserContext()
	lk, err := s.h.sessionLogin(ctx, secret)
	if err != nil {
		return false, err
	}
	paced := func(bool) {}
	if !s.knownDevice(c, lk) {
		if paced, err = s.pace.Begin(ctx, string(lk)); err != nil {
			return false, err
		}
	}
	end, err := s.guesses.Begin(ctx, httpx.ClientAddr(c), string(lk))
	if err != nil {
		paced(true) // not tried: given back
		return false, err
	}
	err = check()
	end(err == nil)
	paced(!errors.Is(err, ErrLogin))
	if !errors.Is(err, ErrLogin) {
		return false, err
	}
	s.logFailure(c, "passphrase in a session wrong", lk)
	ended, werr := s.h.wrongInSession(ctx, secret)
	return ended, errors.Join(err, werr)
}

// GrantAnswer is the part of a new consent's answer (POST /api/v1/consents,
// api's resident API) that a resident's app needs to share it.
type GrantAnswer struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// push takes an organisation's statements for a vault, checked against the
// host's trust list and queued encrypted to the vault.
func (s *Server) push(c *fiber.Ctx) error {
	vault := c.Params("vault")
	if wait := s.pushes.Wait(vault); wait > 0 {
		return s.fail(c, &vaultBusy{wait: wait, what: "pushes"})
	}
	items, err := connectors.ParsePush(c.Get(fiber.HeaderContentType), c.Body())
	if errors.Is(err, connectors.ErrMediaType) {
		return httpx.JSONError(c, fiber.StatusUnsupportedMediaType, "unsupported_media_type", err.Error())
	}
	if err != nil {
		return s.fail(c, err)
	}
	rep, err := s.h.Push(c.UserContext(), vault, items)
	if err != nil {
		return s.fail(c, err)
	}
	s.pushes.CountN(vault, rep.Queued)
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"accepted": rep.Queued, "refused": rep.Refused, "results": rep.Items})
}

func (s *Server) redeemHandle(c *fiber.Ctx) error {
	return s.redeem(c, consent.Presentation{Handle: c.Params("handle")})
}

func (s *Server) redeemToken(c *fiber.Ctx) error {
	token, ok := httpx.RegieToken(c)
	if !ok {
		return nil
	}
	return s.redeem(c, consent.Presentation{Token: token})
}

func (s *Server) redeem(c *fiber.Ctx, p consent.Presentation) error {
	vault := c.Params("vault")
	if wait := s.redemptions.Wait(vault); wait > 0 {
		return s.fail(c, &vaultBusy{wait: wait, what: "redemptions"})
	}
	p, err := api.ReadPresentation(c, s.h.cfg.PublicURL+c.Path(), p)
	if err != nil {
		return s.fail(c, err)
	}
	d, err := s.h.Redeem(c.UserContext(), vault, p)
	if err != nil {
		return s.fail(c, err)
	}
	s.redemptions.Count(vault)
	c.Set(fiber.HeaderContentType, "application/jose")
	return c.SendString(d)
}

// vaultBusy is a vault whose budget of pushes or redemptions is used up
// for now.
type vaultBusy struct {
	wait time.Duration
	what string
}

func (v *vaultBusy) Error() string {
	return fmt.Sprintf("too many %s for this wallet; try again in %s", v.what, v.wait.Round(time.Second))
}

// deviceCookie marks a device a resident logged in on, for one login
// name: a random nonce and a MAC over it and the login's keyed hash. It
// holds nothing that opens a vault; it only exempts that device from the
// pace on the login's wrong passphrases, so an attacker trying the login
// from many addresses cannot keep its resident out.
const deviceCookie = "regie_device"

// The MAC also covers the login's device generation (vaultEntry.Devices),
// which a passphrase change bumps: a cookie copied before the change
// stops counting.
func (s *Server) deviceMAC(loginKey []byte, gen uint64, nonce []byte) []byte {
	m := hmac.New(sha256.New, s.deviceKey)
	m.Write(loginKey)
	m.Write(binary.BigEndian.AppendUint64(nil, gen))
	m.Write(nonce)
	return m.Sum(nil)
}

// rememberDevice sets the device cookie of a login (its keyed hash) after
// a right passphrase.
func (s *Server) rememberDevice(c *fiber.Ctx, loginKey []byte) {
	gen, ok, err := s.h.ix.deviceGeneration(c.UserContext(), loginKey)
	if err != nil || !ok {
		return
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return
	}
	v := base64.RawURLEncoding.EncodeToString(append(nonce, s.deviceMAC(loginKey, gen, nonce)...))
	c.Cookie(&fiber.Cookie{Name: s.cookies.device, Value: v, Path: "/", HTTPOnly: true, Secure: s.https, SameSite: "Strict", MaxAge: 400 * 24 * 60 * 60})
}

// knownDevice reports whether the request carries login's device cookie.
func (s *Server) knownDevice(c *fiber.Ctx, loginKey []byte) bool {
	raw, err := base64.RawURLEncoding.DecodeString(c.Cookies(s.cookies.device))
	if err != nil || len(raw) != 16+sha256.Size {
		return false
	}
	gen, ok, err := s.h.ix.deviceGeneration(c.UserContext(), loginKey)
	if err != nil || !ok {
		return false
	}
	return hmac.Equal(raw[16:], s.deviceMAC(loginKey, gen, raw[:16]))
}
