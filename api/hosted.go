package api

import (
	"io"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"regie/web"
)

// Hosted is the resident part of the wallet server for a host that keeps
// many vaults: the same JSON API and pages as regie serve, each request
// on the vault its session opens (HostedConfig.Residents). The host keeps
// sign-up, login, lock, the organisations' inbox and the helpers'
// redemption to itself.
type Hosted struct{ s *Server }

// HostedConfig wires the resident part of a host.
type HostedConfig struct {
	// Residents finds each request's resident from its session.
	Residents Residents
	// PublicURL is the host's address; under https cookies are Secure.
	PublicURL string
	// LoginPath is the page a request without a session is sent to; a
	// GET comes back to where it was after the login (?next=).
	LoginPath string
	// AccountPath is the resident's account page, for the menu of the
	// pages that have no resident (not found).
	AccountPath string
	// Logger gets the failures of resident requests; nil discards.
	Logger *slog.Logger
	// Limits: only UploadBody applies (files a resident uploads).
	Limits Limits
}

// NewHosted builds the resident part of a host.
func NewHosted(cfg HostedConfig) (*Hosted, error) {
	cfg.Limits.defaults()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	pages, err := web.NewRenderer()
	if err != nil {
		return nil, err
	}
	s := &Server{pages: pages, log: cfg.Logger, residents: cfg.Residents, loginPath: cfg.LoginPath, account: cfg.AccountPath,
		cfg: Config{BaseURL: cfg.PublicURL, Logger: cfg.Logger, Limits: cfg.Limits}}
	return &Hosted{s: s}, nil
}

// Mount adds the resident's JSON API under /api/v1 and the resident's
// pages at the root of app. Routes app already has come first: the host's
// own sign-up, login and lock.
func (h *Hosted) Mount(app fiber.Router) {
	h.s.residentAPI(app.Group("/api/v1", h.s.requireSession))
	h.s.residentPages(app)
}

// HandleError answers an error a handler returned: a page in words for a
// browser, JSON for the API. The host uses it as its fiber error handler.
func (h *Hosted) HandleError(c *fiber.Ctx, err error) error { return h.s.handleError(c, err) }
