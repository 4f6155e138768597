package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"regie/connectors"
	"regie/consent"
	"regie/wallet"
)

// Error is the JSON error every endpoint answers with:
// {"error":{"code":"...","message":"..."}}. Codes are stable; messages are
// for people and never hold secrets, BSNs or figures.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error gives the code and message, for logs and for callers of the client.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

func jsonError(c *fiber.Ctx, status int, code, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": Error{Code: code, Message: msg}})
}

// statusOf maps a refusal code to an HTTP status.
func statusOf(code string) int {
	switch code {
	case "out_of_scope", "wrong_purpose", "wrong_audience":
		return fiber.StatusForbidden
	case "consent_unknown":
		return fiber.StatusNotFound
	case "code_blocked":
		return fiber.StatusTooManyRequests
	}
	return fiber.StatusUnauthorized
}

// fail turns an error from the domain into a JSON answer.
func fail(c *fiber.Ctx, err error) error {
	var r *connectors.Refusal
	var ve *wallet.ValidationError
	switch {
	case errors.As(err, &r):
		return jsonError(c, statusOf(r.Code), r.Code, r.Message)
	case errors.As(err, &ve):
		return jsonError(c, fiber.StatusBadRequest, "invalid_input", ve.Error())
	case errors.Is(err, wallet.ErrLocked):
		return jsonError(c, fiber.StatusServiceUnavailable, "vault_locked", "the wallet is locked; the resident must unlock it first")
	case errors.Is(err, wallet.ErrNotFound):
		return jsonError(c, fiber.StatusNotFound, "not_found", "not found")
	case errors.Is(err, consent.ErrNotHelper):
		return jsonError(c, fiber.StatusBadRequest, "not_a_helper", "that organisation is not a helper in the trust list")
	case errors.Is(err, connectors.ErrBundle):
		return jsonError(c, fiber.StatusBadRequest, "malformed", err.Error())
	case errors.Is(err, connectors.ErrInvalidCode):
		return jsonError(c, fiber.StatusBadRequest, "invalid_code", "the organisation refused the enrolment code")
	case errors.Is(err, connectors.ErrUnreachable), errors.Is(err, connectors.ErrRefused), errors.Is(err, connectors.ErrNoEndpoint):
		return jsonError(c, fiber.StatusBadGateway, "source_failed", err.Error())
	}
	return jsonError(c, fiber.StatusInternalServerError, "internal", "something went wrong")
}
