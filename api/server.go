package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"regie/internal/httpx"
	"regie/store"
	"regie/trust"
	"regie/wallet"
	"regie/web"
)

// Limits are the abuse limits of the wallet server. Zero values take the
// defaults; a negative per-minute limit turns that limit off (for load
// benchmarks on 127.0.0.1).
type Limits struct {
	InboxPerMinute   int           // per client address; default 120
	DossierPerMinute int           // per client address; default 60
	UnlockFailures   int           // failures per client address before lockout; default 5
	UnlockLockout    time.Duration // default 5 minutes
	InboxBody        int           // bytes; default 1 MiB
	UploadBody       int           // bytes; default 8 MiB
}

func (l *Limits) defaults() {
	if l.InboxPerMinute == 0 {
		l.InboxPerMinute = 120
	}
	if l.DossierPerMinute == 0 {
		l.DossierPerMinute = 60
	}
	if l.UnlockFailures == 0 {
		l.UnlockFailures = 5
	}
	if l.UnlockLockout == 0 {
		l.UnlockLockout = 5 * time.Minute
	}
	if l.InboxBody == 0 {
		l.InboxBody = 1 << 20
	}
	if l.UploadBody == 0 {
		l.UploadBody = 8 << 20
	}
}

// Config wires a wallet server.
type Config struct {
	Vault *wallet.Vault
	// HostTrust is the trust list pushes to a locked vault are checked
	// against before they are queued for it, and that must still name a
	// helper (and its key) served from a locked vault's sealed records; nil
	// means a locked vault takes no pushes and the records alone decide.
	HostTrust *trust.List
	// BaseURL is the address helpers and organisations reach the wallet at,
	// e.g. http://127.0.0.1:8080. Proofs are checked against it.
	BaseURL string
	// Logger gets one line per request: method, route pattern, status and
	// duration, never paths with handles, bodies or headers. Nil discards.
	Logger *slog.Logger
	// SessionIdle ends a resident's session after this long without a
	// request; default 15 minutes.
	SessionIdle time.Duration
	Limits      Limits
	// OrgClient is used to reach organisations; nil means a 10 s timeout client.
	OrgClient *http.Client
	// ReadTimeout bounds how long a client may take to send a request, so
	// that slow clients cannot hold connections; default 15 s.
	ReadTimeout time.Duration
}

// Server is the wallet's HTTP server.
type Server struct {
	app *fiber.App
	// one is the server's own vault and its services, for the organisations
	// and helpers that reach it without a session.
	one *Resident
	// residents finds the resident of a request: the server itself.
	residents Residents
	// loginPath is where a page request without a session is sent.
	loginPath string
	// account is a host's account page, for the menu of error pages.
	account  string
	pages    *web.Renderer
	sessions *sessions
	kept     *keptForms
	throttle *throttle
	log      *slog.Logger
	cfg      Config
	hosts    httpx.Hosts
	// derivations counts passphrase key derivations started, and
	// maxDeriving the most that ran at once, so that tests can prove the
	// unlock limits hold without timing anything.
	derivations, deriving, maxDeriving atomic.Int64
	requests                           *httpx.Requests
	// stop ends the goroutine that locks the vault once every session expired.
	stop     chan struct{}
	stopOnce sync.Once
}

// New builds the wallet server.
func New(cfg Config) (*Server, error) {
	cfg.Limits.defaults()
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 15 * time.Minute
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 15 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	pages, err := web.NewRenderer()
	if err != nil {
		return nil, err
	}
	v := cfg.Vault
	s := &Server{
		pages: pages, log: cfg.Logger, cfg: cfg, requests: httpx.NewRequests(), loginPath: "/unlock",
		sessions: newSessions(cfg.SessionIdle, v.Now),
		kept:     newKeptForms(v.Now),
		throttle: newThrottle(cfg.Limits.UnlockFailures, cfg.Limits.UnlockLockout, time.Now),
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "regie",
		DisableStartupMessage: true,
		Immutable:             true,
		BodyLimit:             cfg.Limits.UploadBody,
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		ErrorHandler:          s.handleError,
	})
	if cfg.BaseURL != "" {
		s.hosts.AllowURL(cfg.BaseURL)
	}
	s.one = NewResident(v, cfg.BaseURL, nil, cfg.OrgClient, func(err error) {
		s.log.Error("refreshing redemption records", "err", err.Error())
	})
	if cfg.HostTrust != nil {
		// While the resident is away, a helper is served only if the
		// server's own list still names it and the key its consent names.
		s.one.Consent.HostTrust = cfg.HostTrust
	}
	s.residents = s
	s.routes()
	s.stop = make(chan struct{})
	go s.idleLocker(s.stop, time.Minute)
	return s, nil
}

// Handler exposes the fiber app for tests that drive it in-process.
func (s *Server) Handler() *fiber.App { return s.app }

// Serve answers on ln until Shutdown, to the Host of the base URL and of
// ln's own address only.
func (s *Server) Serve(ln net.Listener) error {
	s.hosts.Allow(ln.Addr().String())
	return s.app.Listener(ln)
}

// Shutdown stops accepting requests, cancels the contexts of those in
// flight and waits for them until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.stop) })
	return s.requests.Shutdown(ctx, s.app)
}

func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusRequestEntityTooLarge:
			return httpx.JSONError(c, fe.Code, "body_too_large", "the request body is larger than allowed")
		case fiber.StatusNotFound:
			if wantsHTML(c) {
				return s.errorPage(c, fiber.StatusNotFound, web.T(s.lang(c), "err.notfound"))
			}
			return httpx.JSONError(c, fe.Code, "not_found", "not found")
		case fiber.StatusMethodNotAllowed:
			return httpx.JSONError(c, fe.Code, "method_not_allowed", "method not allowed")
		}
		return httpx.JSONError(c, fe.Code, "bad_request", "the request could not be read")
	}
	if errors.Is(err, store.ErrUnavailable) {
		s.log.Warn("store unavailable", "route", c.Route().Path, "err", err.Error())
		if wantsHTML(c) {
			c.Set(fiber.HeaderRetryAfter, "5")
			return s.errorPage(c, fiber.StatusServiceUnavailable, web.T(s.lang(c), "err.unavailable"))
		}
		return httpx.StoreUnavailable(c)
	}
	s.log.Error("request failed", "route", c.Route().Path, "err", err.Error())
	if wantsHTML(c) {
		return s.errorPage(c, fiber.StatusInternalServerError, web.T(s.lang(c), "err.generic"))
	}
	return httpx.JSONError(c, fiber.StatusInternalServerError, "internal", "something went wrong")
}

func wantsHTML(c *fiber.Ctx) bool {
	return !strings.HasPrefix(c.Path(), "/api/") && !strings.HasPrefix(c.Path(), "/c/") &&
		strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}

func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			status = fe.Code
		}
	}
	// The route pattern, not the path: a path may hold a consent handle.
	s.log.Info("request", "method", c.Method(), "route", c.Route().Path, "status", status,
		"ms", time.Since(start).Milliseconds())
	return err
}

// hsts tells browsers to use https only, when the public URL is https.
func (s *Server) hsts(c *fiber.Ctx) error {
	if s.https() {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000")
	}
	return c.Next()
}

func (s *Server) routes() {
	app := s.app
	// A bug in one handler answers 500 and is logged; it never takes the
	// wallet down with it.
	app.Use(s.requests.Handler, recover.New(), httpx.SecurityHeaders, s.hsts, s.accessLog, s.hosts.Check, httpx.RefuseEncodedBodies)
	// Only "ok": whether the vault is unlocked is nobody else's business.
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(web.Static()), MaxAge: 3600}))
	app.Get(web.ManifestPath, httpx.Fixed(web.ManifestType, web.Manifest()))

	// Organisations push; helpers redeem. Neither has a session.
	app.Post("/api/v1/inbox", httpx.RateLimit(s.cfg.Limits.InboxPerMinute, "inbox"), s.inbox)
	dossier := httpx.RateLimit(s.cfg.Limits.DossierPerMinute, "dossier")
	app.Get("/c/code/:code", dossier, s.redeemCode)
	app.Get("/c/:handle", dossier, s.redeemHandle)
	app.Get("/api/v1/dossier", dossier, s.redeemToken)

	// The resident's JSON API.
	app.Post("/api/v1/session", s.apiUnlock)
	api := app.Group("/api/v1", s.requireSession)
	api.Delete("/session", s.apiLock)
	s.residentAPI(api)

	s.pageRoutes()
	s.residentPages(app)
}

// residentAPI adds the resident's JSON API to r, a group behind
// requireSession.
func (s *Server) residentAPI(api fiber.Router) {
	api.Get("/overview", s.apiOverview)
	api.Get("/statements", s.apiStatements)
	api.Post("/statements", s.apiImport)
	api.Get("/sources", s.apiSources)
	api.Post("/sources", s.apiConnect)
	api.Post("/sources/refresh", s.apiRefresh)
	api.Get("/trust", s.apiTrust)
	api.Get("/consents", s.apiConsents)
	api.Post("/consents", s.apiGrant)
	api.Get("/consents/:id", s.apiConsent)
	api.Delete("/consents/:id", s.apiRevoke)
	api.Get("/consents/:id/qr.png", s.apiQR)
	api.Get("/consents/:id/receipt", s.apiReceipt)
	api.Post("/consents/:id/code", s.apiShortCode)
	api.Post("/consents/:id/extend", s.apiExtend)
	api.Get("/audit", s.apiAudit)
	api.Get("/expenses", s.apiExpenses)
	api.Post("/expenses", s.apiAddExpense)
	api.Delete("/expenses/:id", s.apiDeleteExpense)
	api.Get("/household", s.apiHousehold)
	api.Put("/household", s.apiPutHousehold)
	api.Delete("/household", s.apiDeleteHousehold)
	api.Get("/client", s.apiClient)
	api.Put("/client", s.apiPutClient)
}
