package host

import (
	"net/http"

	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"regie/internal/httpx"
	"regie/web"
)

// pageRoutes are the resident's pages of the host: the shared assets and
// the web app manifest, so that a phone can add the host to its home
// screen.
func (s *Server) pageRoutes() {
	app := s.app
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(web.Static()), MaxAge: 3600}))
	app.Get(web.ManifestPath, httpx.Fixed(web.ManifestType, web.Manifest()))
}
