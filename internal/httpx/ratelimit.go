package httpx

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// RateLimit allows perMinute requests per client address for what (one
// count per kind of request); a negative perMinute turns it off, for load
// benchmarks on 127.0.0.1.
func RateLimit(perMinute int, what string) fiber.Handler {
	return RateLimitOr(perMinute, what, func(c *fiber.Ctx) error {
		return JSONError(c, fiber.StatusTooManyRequests, "rate_limited", "too many requests; try again in a minute")
	})
}

// RateLimitOr is RateLimit with its own answer beyond the limit, so that a
// page and the JSON API behind one count can each answer in their own way.
func RateLimitOr(perMinute int, what string, reached fiber.Handler) fiber.Handler {
	if perMinute < 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return limiter.New(limiter.Config{
		Max:          perMinute,
		Expiration:   time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return what + "|" + ClientAddr(c) },
		LimitReached: reached,
	})
}

// RegieToken reads the consent token of "Authorization: Regie <token>".
// Without one it answers 401 consent_missing and reports false.
func RegieToken(c *fiber.Ctx) (string, bool) {
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Regie ")
	if !ok || token == "" {
		_ = JSONError(c, fiber.StatusUnauthorized, "consent_missing", "send Authorization: Regie <consent token>")
		return "", false
	}
	return token, true
}
