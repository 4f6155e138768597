// Package httpx holds the HTTP plumbing every Regie server shares: the JSON
// error body of the wire protocols, the strict security headers, and the
// cookie names and constant-time token check of the HTML forms. It exists so
// that the wallet server, the counsellor's desk and the organisation server
// answer errors and set headers the same way without importing each other.
package httpx

import (
	"crypto/subtle"
	"strings"

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

// SameToken compares two form tokens in constant time; an empty token never
// matches.
func SameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// SecurityHeaders sets a strict policy on every answer: no scripts but our
// own, no framing, no referrer, nothing cached but the static assets.
func SecurityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"media-src 'self' blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
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
