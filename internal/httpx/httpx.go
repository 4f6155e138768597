// Package httpx holds the HTTP plumbing every Regie server shares: the JSON
// error body of the wire protocols, the strict security headers, and the
// cookie names and constant-time token check of the HTML forms. It exists so
// that the wallet server, the counsellor's desk and the organisation server
// answer errors and set headers the same way without importing each other.
package httpx

import (
	"crypto/subtle"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// Cookie names shared by the wallet pages and the desk.
const (
	LangCookie = "regie_lang"
	CSRFCookie = "regie_csrf" // for forms shown before there is a session
)

// Error is the JSON error every endpoint answers with:
// {"error":{"code":"...","message":"..."}}. Codes are stable; messages are
// for people and never hold secrets, BSNs or figures.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error gives the code and message, for logs and for callers of a client.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// JSONError answers with status and the error body.
func JSONError(c *fiber.Ctx, status int, code, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": Error{Code: code, Message: msg}})
}

// StoreUnavailable answers a request whose store did not answer in time
// (store.ErrUnavailable): 503 with Retry-After, at once, so that a client
// or a load balancer tries again instead of waiting on a hung request.
func StoreUnavailable(c *fiber.Ctx) error {
	c.Set(fiber.HeaderRetryAfter, "5")
	return JSONError(c, fiber.StatusServiceUnavailable, "store_unavailable", "the wallet's storage does not answer; try again in a few seconds")
}

// SameToken compares two form tokens in constant time; an empty token never
// matches.
func SameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// SecurityHeaders sets a strict policy on every answer: no scripts but our
// own, no framing, no referrer, nothing cached but the static assets.
func SecurityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"media-src 'self' blob:; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Cross-Origin-Resource-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if !strings.HasPrefix(c.Path(), "/static/") {
		c.Set("Cache-Control", "no-store")
	}
	return c.Next()
}

// RefuseEncodedBodies answers 415 to any request that declares a
// Content-Encoding other than identity. fiber's Body() undoes every encoding
// layer with no size limit while the body limit sees only the compressed
// size, so a few kilobytes of nested gzip would expand to gigabytes before a
// handler could look at them. No Regie client compresses what it sends.
func RefuseEncodedBodies(c *fiber.Ctx) error {
	encoded := false
	c.Request().Header.VisitAll(func(key, value []byte) {
		if !strings.EqualFold(string(key), fiber.HeaderContentEncoding) {
			return
		}
		for _, e := range strings.Split(string(value), ",") {
			if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "identity") {
				encoded = true
			}
		}
	})
	if encoded {
		c.Set(fiber.HeaderAcceptEncoding, "identity")
		return JSONError(c, fiber.StatusUnsupportedMediaType, "encoding_unsupported",
			"send the request body without Content-Encoding")
	}
	return c.Next()
}

// Hosts is the set of names a server answers to. Checking the Host header
// against it defeats DNS rebinding: a page on another site whose name is made
// to resolve to 127.0.0.1 reaches the server, but with its own name in Host.
// The zero value allows every host until the first Allow.
type Hosts struct {
	mu      sync.RWMutex
	allowed map[string]bool
}

// AllowURL allows the host of a base URL such as https://wallet.example,
// with and without the scheme's default port.
func (h *Hosts) AllowURL(base string) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return
	}
	def := map[string]string{"http": "80", "https": "443"}[u.Scheme]
	switch port := u.Port(); {
	case port == "" && def != "":
		h.Allow(net.JoinHostPort(u.Hostname(), def))
	case port == def:
		h.add(u.Hostname())
	}
	h.Allow(u.Host)
}

// Allow allows host:port. A loopback address also allows the other names of
// loopback (localhost, 127.0.0.1, [::1]) on the same port.
func (h *Hosts) Allow(hostport string) {
	h.add(hostport)
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		for _, alias := range []string{"localhost", "127.0.0.1", "::1"} {
			h.add(net.JoinHostPort(alias, port))
		}
	}
}

func (h *Hosts) add(host string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.allowed == nil {
		h.allowed = map[string]bool{}
	}
	h.allowed[strings.ToLower(host)] = true
}

// Check is middleware answering 421 to a request whose Host header (never
// X-Forwarded-Host) names none of the allowed hosts.
func (h *Hosts) Check(c *fiber.Ctx) error {
	host := strings.ToLower(string(c.Request().Header.Host()))
	h.mu.RLock()
	ok := h.allowed == nil || h.allowed[host]
	h.mu.RUnlock()
	if !ok {
		return JSONError(c, fiber.StatusMisdirectedRequest, "wrong_host", "this server does not answer to that host name")
	}
	return c.Next()
}

// hostPrefix is the cookie-name prefix browsers accept only from a secure
// origin, with Path=/ and no Domain: a cookie so named cannot be set by a
// sibling subdomain (or over plain http), so another site under the same
// parent domain cannot plant a form token or a session beside ours.
const hostPrefix = "__Host-"

// CookieName is the name of cookie base on a server whose public URL is
// https (secure): "__Host-" + base; on plain http (127.0.0.1) the base
// name, which browsers would refuse with the prefix. A cookie so named
// must be set with Path "/", Secure and no Domain.
func CookieName(base string, secure bool) string {
	if secure {
		return hostPrefix + base
	}
	return base
}
