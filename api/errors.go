package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"regie/connectors"
	"regie/consent"
	"regie/internal/httpx"
	"regie/store"
	"regie/trust"
	"regie/wallet"
)

// fail turns an error from the domain into a JSON answer. A refusal
// answers with its own status, code and words; the other errors the domain
// returns are mapped here; anything else is a 500 that says nothing.
func fail(c *fiber.Ctx, err error) error {
	var r *trust.Refusal
	var ve *wallet.ValidationError
	switch {
	case errors.As(err, &r):
		return httpx.JSONError(c, r.StatusCode(), r.Code(), r.Error())
	case errors.As(err, &ve):
		return httpx.JSONError(c, fiber.StatusBadRequest, "invalid_input", ve.Error())
	case errors.Is(err, wallet.ErrLocked):
		return httpx.JSONError(c, fiber.StatusServiceUnavailable, "vault_locked", "the wallet is locked; the resident must unlock it first")
	case errors.Is(err, wallet.ErrNotFound):
		return httpx.JSONError(c, fiber.StatusNotFound, "not_found", "not found")
	case errors.Is(err, consent.ErrNotHelper):
		return httpx.JSONError(c, fiber.StatusBadRequest, "not_a_helper", "that organisation is not a helper in the trust list")
	case errors.Is(err, connectors.ErrBundle):
		return httpx.JSONError(c, fiber.StatusBadRequest, "malformed", err.Error())
	case errors.Is(err, wallet.ErrIssuerFull):
		return httpx.JSONError(c, fiber.StatusInsufficientStorage, "queue_full", wallet.ErrIssuerFull.Error())
	case errors.Is(err, wallet.ErrQueueFull):
		return httpx.JSONError(c, fiber.StatusInsufficientStorage, "queue_full", wallet.ErrQueueFull.Error())
	case errors.Is(err, connectors.ErrInvalidCode):
		return httpx.JSONError(c, fiber.StatusBadRequest, "invalid_code", "the organisation refused the enrolment code")
	case errors.Is(err, store.ErrUnavailable):
		return httpx.StoreUnavailable(c)
	case errors.Is(err, connectors.ErrUnreachable), errors.Is(err, connectors.ErrRefused), errors.Is(err, connectors.ErrNoEndpoint):
		return httpx.JSONError(c, fiber.StatusBadGateway, "source_failed", err.Error())
	}
	return httpx.JSONError(c, fiber.StatusInternalServerError, "internal", "something went wrong")
}
