package httpx

import (
	"context"
	"net"

	"github.com/gofiber/fiber/v2"
)

// Requests gives every request of one server a context that ends when the
// server shuts down or when the client hangs up, so that work done for a
// request (an organisation pull, a dossier fetch) stops once nobody waits
// for it. fasthttp hands handlers no such context: fiber's UserContext is
// context.Background() unless set, and fasthttp's RequestCtx ends only at
// shutdown. Install Handler first; handlers then use c.UserContext().
type Requests struct {
	base context.Context
	stop context.CancelFunc
}

// NewRequests makes the root of one server's request contexts.
func NewRequests() *Requests {
	base, stop := context.WithCancel(context.Background())
	return &Requests{base: base, stop: stop}
}

// Handler derives the request's context: cancelled at Shutdown, and when
// the client closes its connection while the handler runs.
func (r *Requests) Handler(c *fiber.Ctx) error {
	ctx, cancel := context.WithCancel(r.base)
	defer cancel()
	stop := watchHangUp(c.Context().Conn(), cancel)
	defer stop()
	c.SetUserContext(ctx)
	return c.Next()
}

// Shutdown cancels every request in flight, then shuts app down, waiting
// for the handlers to return until ctx ends.
func (r *Requests) Shutdown(ctx context.Context, app *fiber.App) error {
	r.stop()
	return app.ShutdownWithContext(ctx)
}

// watchHangUp calls gone when the peer of conn closes it, until stop is
// called. Where the connection offers no way to look without reading, it
// watches nothing: the request then ends with the server only.
func watchHangUp(conn net.Conn, gone func()) (stop func()) {
	if conn == nil {
		return func() {}
	}
	return watchConn(conn, gone)
}
