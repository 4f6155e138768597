package api

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"regie/connectors"
	"regie/consent"
	"regie/internal/httpx"
	"regie/wallet"
)

// publicURL is the URL a proof must name for this request: the configured
// base address and the path, without query or fragment.
func (s *Server) publicURL(c *fiber.Ctx) string {
	base := strings.TrimSuffix(s.cfg.BaseURL, "/")
	if base == "" {
		base = c.BaseURL()
	}
	return base + c.Path()
}

func (s *Server) redeemHandle(c *fiber.Ctx) error {
	return s.redeem(c, consent.Presentation{Handle: c.Params("handle")})
}

func (s *Server) redeemCode(c *fiber.Ctx) error {
	return s.redeem(c, consent.Presentation{ShortCode: c.Params("code")})
}

func (s *Server) redeemToken(c *fiber.Ctx) error {
	token, ok := httpx.RegieToken(c)
	if !ok {
		return nil
	}
	return s.redeem(c, consent.Presentation{Token: token})
}

// ReadPresentation completes p from a helper's request: its proof, the
// method and URL the proof must name (url: the request's public URL), the
// client address for throttling, and a narrower scope from ?scope=. The
// wallet server and the host read a redemption the same way.
func ReadPresentation(c *fiber.Ctx, url string, p consent.Presentation) (consent.Presentation, error) {
	p.Proof, p.Method, p.URL, p.Client = c.Get("Regie-Proof"), c.Method(), url, httpx.ClientAddr(c)
	if q := c.Query("scope"); q != "" {
		want, err := consent.ParseScope(q)
		if err != nil {
			return p, err
		}
		p.Want = want
	}
	return p, nil
}

// redeem reads the helper's request into a presentation and answers with
// the dossier consent.Service.Redeem returns, or with its refusal.
func (s *Server) redeem(c *fiber.Ctx, p consent.Presentation) error {
	p, err := ReadPresentation(c, s.publicURL(c), p)
	if err != nil {
		return fail(c, err)
	}
	if served, err := s.redeemSealed(c, p); served {
		return err
	}
	dossier, err := s.one.Consent.Redeem(c.UserContext(), p)
	if err != nil {
		return fail(c, err)
	}
	c.Set(fiber.HeaderContentType, "application/jose")
	return c.SendString(dossier)
}

// InboxResult is the push inbox's answer.
type InboxResult struct {
	Accepted int                     `json:"accepted"`
	Refused  int                     `json:"refused"`
	Results  []connectors.ItemResult `json:"results"`
}

// inbox takes statements an organisation pushes. The signature is the
// authentication: every statement is verified against the trust list.
func (s *Server) inbox(c *fiber.Ctx) error {
	body := c.Body()
	if len(body) > s.cfg.Limits.InboxBody {
		return httpx.JSONError(c, fiber.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("the inbox takes at most %d bytes", s.cfg.Limits.InboxBody))
	}
	items, err := connectors.ParsePush(c.Get(fiber.HeaderContentType), body)
	if errors.Is(err, connectors.ErrMediaType) {
		return httpx.JSONError(c, fiber.StatusUnsupportedMediaType, "unsupported_media_type", err.Error())
	}
	if err != nil {
		return fail(c, err)
	}
	if !s.one.Vault.Unlocked() {
		return s.inboxLocked(c, items)
	}
	rep, err := s.one.Importer.Import(c.UserContext(), wallet.ChannelPush, items, nil)
	if err != nil {
		return fail(c, err)
	}
	res := InboxResult{Accepted: rep.Accepted(), Refused: rep.Refused, Results: rep.Items}
	for i := range res.Results {
		res.Results[i].Name = ""
	}
	return c.JSON(res)
}
