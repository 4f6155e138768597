package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"regie/connectors"
	"regie/consent"
	"regie/internal/httpx"
	"regie/trust"
	"regie/wallet"
)

// Locked mode: while no resident session is open the vault's keys are not in
// memory, and still organisations push and helpers redeem. Pushes are checked
// against the host's trust list (Config.HostTrust) and queued encrypted to
// the vault; helpers are served from the grants' sealed redemption records;
// every access is logged encrypted to the vault. At unlock the queue is
// imported and the accesses join the resident's log.

// redeemSealed serves a presentation from the grant's sealed record. It
// reports false when the record cannot serve it (a short code, an old grant
// without a record, a narrower scope) and the unlocked vault should try.
func (s *Server) redeemSealed(c *fiber.Ctx, p consent.Presentation) (bool, error) {
	if p.Handle == "" && p.Token == "" {
		return false, nil
	}
	dossier, _, err := s.one.Consent.RedeemSealed(c.UserContext(), p)
	switch {
	case errors.Is(err, consent.ErrResidentAbsent) && !s.one.Vault.Unlocked():
		return true, httpx.JSONError(c, fiber.StatusConflict, "resident_absent", err.Error())
	case errors.Is(err, consent.ErrNoRecord), errors.Is(err, consent.ErrUnknownGrant) && s.one.Vault.Unlocked():
		return false, nil
	case err != nil:
		return true, fail(c, err)
	}
	if s.one.Vault.Unlocked() {
		// The resident is here: the access shows in the log at once.
		if err := s.one.Consent.Settle(c.UserContext()); err != nil {
			s.log.Error("joining a locked-mode access to the log", "err", err.Error())
		}
	}
	c.Set(fiber.HeaderContentType, "application/jose")
	return true, c.SendString(dossier)
}

// inboxLocked queues pushes for a locked vault after checking them against
// the host's trust list. Without one, a locked vault takes no pushes.
func (s *Server) inboxLocked(c *fiber.Ctx, items []connectors.Item) error {
	if s.cfg.HostTrust == nil {
		return fail(c, errLockedNoTrust)
	}
	check := &trust.Verifier{Trust: s.cfg.HostTrust, AnySubject: true, Now: s.one.Vault.Now}
	rep, err := connectors.Queue(c.UserContext(), s.one.Consent.Box, check, wallet.DefaultPendingQuota, items)
	if err != nil {
		return fail(c, err)
	}
	res := InboxResult{Accepted: rep.Queued, Refused: rep.Refused, Results: rep.Items}
	for i := range res.Results {
		res.Results[i].Name = ""
	}
	return c.Status(fiber.StatusAccepted).JSON(res)
}

// errLockedNoTrust is a push to a locked vault on a server without a host
// trust list to check it against.
var errLockedNoTrust = fmt.Errorf("%w and keeps no trust list outside the vault", wallet.ErrLocked)

// Arrived is what came in while the resident was away, reported at unlock
// and said once on the overview after it.
type Arrived struct {
	Added   int `json:"added"`
	Refused int `json:"refused"`
	// From are the trust-list ids of the organisations whose statements
	// were added, each once, in the order they came.
	From []string `json:"from,omitempty"`
	// Reasons are why statements were refused (the importer's reason
	// codes), each once.
	Reasons []string `json:"reasons,omitempty"`
	// RefusedFrom are the trust-list ids of the organisations that sent
	// statements about someone else (their signatures verified), each
	// once: the resident sees who filled the queue with them.
	RefusedFrom []string `json:"refused_from,omitempty"`
}

// Empty reports whether nothing arrived.
func (a Arrived) Empty() bool { return a.Added == 0 && a.Refused == 0 }

// ArrivedOf sums up an import of what was queued while the resident was
// away.
func ArrivedOf(rep connectors.Report) Arrived {
	a := Arrived{Added: rep.Accepted(), Refused: rep.Refused}
	for _, it := range rep.Items {
		switch {
		case (it.Outcome == connectors.OutcomeAdded || it.Outcome == connectors.OutcomeHistory) && it.Issuer != "" && !slices.Contains(a.From, it.Issuer):
			a.From = append(a.From, it.Issuer)
		case it.Outcome == connectors.OutcomeRefused:
			if it.Reason != "" && !slices.Contains(a.Reasons, it.Reason) {
				a.Reasons = append(a.Reasons, it.Reason)
			}
			if it.Issuer != "" && !slices.Contains(a.RefusedFrom, it.Issuer) {
				a.RefusedFrom = append(a.RefusedFrom, it.Issuer)
			}
		}
	}
	return a
}

// catchUp runs right after an unlock: pushes queued while locked are
// verified and imported, accesses join the log, uses are counted and the
// redemption records re-signed.
func (s *Server) catchUp(ctx context.Context) (Arrived, error) {
	rep, err := s.one.Importer.ImportPending(ctx, s.one.Consent.Box)
	if err != nil {
		return Arrived{}, err
	}
	return ArrivedOf(rep), s.one.Consent.CatchUp(ctx)
}

// refreshRecords re-signs the redemption records after statements were
// imported while unlocked. A failure is logged: the records keep the older
// dossier, and the next unlock tries again.
func (s *Server) refreshRecords(ctx context.Context, r *Resident) {
	if err := r.Consent.Refresh(ctx); err != nil {
		s.log.Error("refreshing redemption records", "err", err.Error())
	}
}

// lockWhenIdle drops the vault's keys once no session is left: after the
// last lock or logout, and (checked every interval) after the last session
// expired. A vault the operator unlocked at start (REGIE_PASSPHRASE) stays
// unlocked until the first session ends.
func (s *Server) lockWhenIdle() {
	if s.sessions.allEnded() && s.one.Vault.Unlocked() {
		// The records are brought up to date with the trust list and the
		// statements while the keys are still here: a helper the resident
		// withdrew is served nothing while she is away.
		s.refreshRecords(context.Background(), s.one)
		s.one.Vault.Lock()
	}
}

func (s *Server) idleLocker(stop <-chan struct{}, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.lockWhenIdle()
		}
	}
}
