package httpx

import "github.com/gofiber/fiber/v2"

// Fixed answers every request with the same document, such as the web app
// manifest, which is built once when the server starts.
func Fixed(mediaType string, body []byte) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, mediaType)
		return c.Send(body)
	}
}
