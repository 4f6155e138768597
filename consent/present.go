package consent

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"regie/trust"
	"regie/wallet"
)

// Reasons a presentation is refused. Each matches with errors.Is and has a
// stable code and HTTP status for the API: a consent or proof that does not
// hold is 401, a request beyond what the consent allows is 403.
var (
	ErrUnknownGrant   = trust.NewRefusal(http.StatusNotFound, "consent_unknown", "no such consent")
	ErrInvalidToken   = trust.NewRefusal(http.StatusUnauthorized, "consent_invalid", "the consent token does not verify")
	ErrExpired        = trust.NewRefusal(http.StatusUnauthorized, "consent_expired", "the consent has expired")
	ErrNotYetValid    = trust.NewRefusal(http.StatusUnauthorized, "consent_not_yet_valid", "the consent is not valid yet")
	ErrWrongAudience  = trust.NewRefusal(http.StatusForbidden, "wrong_audience", "the consent was given to another organisation")
	ErrRevoked        = trust.NewRefusal(http.StatusUnauthorized, "consent_revoked", "the resident revoked this consent")
	ErrUsedUp         = trust.NewRefusal(http.StatusUnauthorized, "consent_used_up", "the consent has no uses left")
	ErrWrongPurpose   = trust.NewRefusal(http.StatusForbidden, "wrong_purpose", "the stated purpose is not the consent's purpose")
	ErrOutOfScope     = trust.NewRefusal(http.StatusForbidden, "out_of_scope", "the request asks for more than the consent allows")
	ErrNoProof        = trust.NewRefusal(http.StatusUnauthorized, "proof_missing", "a Regie-Proof header is required")
	ErrInvalidProof   = trust.NewRefusal(http.StatusUnauthorized, "proof_invalid", "the proof is not a valid proof JWT")
	ErrWrongKey       = trust.NewRefusal(http.StatusUnauthorized, "proof_wrong_key", "the proof is not signed by the key the consent names")
	ErrReplay         = trust.NewRefusal(http.StatusUnauthorized, "proof_replayed", "this proof was used before")
	ErrWrongURL       = trust.NewRefusal(http.StatusUnauthorized, "proof_wrong_url", "the proof was made for another request")
	ErrStaleProof     = trust.NewRefusal(http.StatusUnauthorized, "proof_stale", "the proof's time is too far from now")
	ErrShortCode      = trust.NewRefusal(http.StatusUnauthorized, "code_invalid", "the code is wrong or expired")
	ErrTooManyCodes   = trust.NewRefusal(http.StatusTooManyRequests, "code_blocked", "too many wrong codes; try again later")
	ErrNoLongerHelper = trust.NewRefusal(http.StatusForbidden, "not_a_helper", "the organisation is not a helper in the resident's trust list")
	// ErrHostDropped: while the resident is away, the host's trust list
	// decides too, and no longer names the organisation as a helper.
	ErrHostDropped = trust.NewRefusal(http.StatusForbidden, "not_a_helper", "the organisation is not a helper in this host's trust list")
	// ErrKeyWithdrawn: the key the consent names (cnf.jkt) is no longer
	// one the host's trust list names for the helper.
	ErrKeyWithdrawn = trust.NewRefusal(http.StatusForbidden, "helper_key_withdrawn", "the key this consent names is no longer in the trust list for this helper")
)

// Code returns the refusal code of err, for the API.
func Code(err error) string { return trust.ReasonCode(err) }

// ProofClaims are the claims of a helper's proof JWT.
type ProofClaims struct {
	Issuer   string  `json:"iss"`
	Method   string  `json:"htm"`
	URL      string  `json:"htu"`
	IssuedAt int64   `json:"iat"`
	ID       string  `json:"jti"`
	Purpose  Purpose `json:"purpose"`
}

// SignProof makes a helper's proof for one request.
func SignProof(key jose.JSONWebKey, helperID string, purpose Purpose, method, url string, now time.Time) (string, error) {
	raw, err := json.Marshal(ProofClaims{Issuer: helperID, Method: method, URL: url, IssuedAt: now.Unix(),
		ID: trust.RandomID(16), Purpose: purpose})
	if err != nil {
		return "", err
	}
	return trust.Sign(key, ProofType, raw)
}

// Presentation is one helper request as the wallet received it.
type Presentation struct {
	// Exactly one of Handle (from the QR URL), ShortCode or Token (the
	// consent JWT the helper already holds) says which grant.
	Handle    string
	ShortCode string
	Token     string
	// Proof is the Regie-Proof header.
	Proof string
	// Method and URL are the request line as the wallet sees it, the URL
	// without query or fragment.
	Method string
	URL    string
	// Want narrows the request to part of the scope; empty means all of it.
	// The release then gets the grant with only that part; a Want the
	// grant does not cover is refused.
	Want Scope
	// Client is the requester's network address; unknown short codes are
	// counted per address.
	Client string
}

// Redeem is a helper's whole request for a dossier, as one domain call. It
// checks the presentation against its grant; only when everything holds does
// it count a use, log the acceptance, and build, sign and log the dossier,
// all in one transaction, so that a revocation cannot slip between the check
// and the release. It returns the answer as the helper is sent it: the
// signed dossier (a compact JWS) encrypted to the helper's encryption key
// from the trust list (a compact JWE, see SealDossier), or the JWS itself
// for a helper the trust list gives no encryption key.
//
// A refusal comes back as a *trust.Refusal with its code and HTTP status,
// and is recorded in the transaction that decides it: a wrong try with a
// short code counts against the code and the log names the reason, so no
// refusal is answered without being recorded, whatever the caller does
// meanwhile; if the record cannot be written, that error is returned
// instead. A refusal names the helper only when its proof's signature
// verified with that helper's trust-listed key (anyone can write any name in
// an unsigned claim), and repeats fold into one counted entry, so strangers
// can neither speak for a helper in the log nor grow it without bound.
func (s *Service) Redeem(ctx context.Context, p Presentation) (string, error) {
	proof, pc, err := parseProof(p.Proof)
	if err != nil {
		// Nothing names a grant or a verified helper yet: the refusal is
		// logged on its own, from an unknown party.
		return "", s.logEarlyRefusal(ctx, err)
	}
	walletKey, err := s.factotum().PublicKey()
	if err != nil {
		return "", err
	}
	// Only the organisation the proof claims to come from is needed.
	helper, known, err := s.Trust.Organisation(ctx, pc.Issuer)
	if err != nil {
		return "", err
	}
	actor := ""
	if known && signedByOneOf(proof, helper.SigningKeys()) {
		actor = pc.Issuer
	}

	var dossier string
	var refusal error
	var now time.Time
	// One transaction per presentation. bbolt's Batch shares fsyncs between
	// concurrent helpers (measured: ~1040 instead of ~850 releases/s with 8
	// at once) but a lone fetch then takes ~2.0 ms instead of ~0.65 ms, and
	// its function may run twice; one fetch at a time is the common case.
	err = s.update(ctx, func(tx *wallet.Tx) error {
		now = tx.Now()
		g, err := s.findGrant(tx, p, now)
		if err == nil {
			helperKey := func(jkt string) (jose.JSONWebKey, bool) {
				if !known {
					return jose.JSONWebKey{}, false
				}
				return helper.KeyByThumbprint(jkt)
			}
			seen := func() (bool, error) {
				var iat int64
				return tx.Get(bucketProofs, tx.Key("proof", pc.Issuer, pc.ID), &iat)
			}
			err = checkPresentation(g, p, proof, pc, helperKey, walletKey, now, seen)
		}
		// A consent is for a helper: once the resident's trust list no
		// longer calls the organisation one, its consents open nothing.
		if err == nil && helper.Kind != trust.KindHelper {
			err = ErrNoLongerHelper
		}
		if isRefusal(err) {
			refusal = err
			return recordRefusal(tx, p, g, actor, err)
		}
		if err != nil {
			return err
		}
		g.Uses++
		if err := tx.Put(bucketGrants, tx.Key("grant", g.ID), g); err != nil {
			return err
		}
		if err := tx.Put(bucketProofs, tx.Key("proof", pc.Issuer, pc.ID), pc.IssuedAt); err != nil {
			return err
		}
		// What is released is what was asked for: the grant's scope, or the
		// narrower part the helper named. The stored grant keeps its scope.
		released := g
		if len(p.Want) > 0 {
			released.Scope = slices.Clone(p.Want)
		}
		err = tx.AppendEvent(wallet.Event{Kind: wallet.EventPresentationOK, Actor: g.Audience, Purpose: string(g.Purpose),
			Scope: released.Scope, Grant: g.ID})
		if err != nil {
			return err
		}
		if dossier, err = buildDossier(tx, released, s.factotum()); err != nil {
			return err
		}
		return keepRelease(tx, released, dossier, now)
	})
	if err != nil {
		return "", err
	}
	s.pruneProofs(ctx, now)
	if refusal != nil {
		return "", refusal
	}
	// One shape for helpers: what a sealed record answers while the
	// resident is away is what the wallet answers while she is here.
	if enc, ok := helper.EncryptionKey(); ok {
		return SealDossier(dossier, enc)
	}
	return dossier, nil
}

// recordRefusal writes what a refused presentation leaves behind, inside the
// transaction that refused it: a failed try against a short code, and the
// log entry with the reason.
func recordRefusal(tx *wallet.Tx, p Presentation, g Grant, actor string, refusal error) error {
	if p.ShortCode != "" && g.ID != "" {
		g.ShortCodeFails++
		if err := tx.Put(bucketGrants, tx.Key("grant", g.ID), g); err != nil {
			return err
		}
	}
	return tx.AppendCounted(refusalEvent(actor, g, refusal))
}

// logEarlyRefusal logs a presentation refused before any grant or helper
// was known, and returns the refusal (joined with the logging error, if
// any). A caller that has gone away leaves no entry.
func (s *Service) logEarlyRefusal(ctx context.Context, refusal error) error {
	if ctx.Err() != nil {
		return refusal
	}
	ev := refusalEvent("", Grant{}, refusal)
	if err := s.Vault.Update(ctx, func(tx *wallet.Tx) error { return tx.AppendCounted(ev) }); err != nil {
		return errors.Join(refusal, err)
	}
	return refusal
}

func refusalEvent(actor string, g Grant, refusal error) wallet.Event {
	return wallet.Event{Kind: wallet.EventPresentationNotOK, Actor: actor, Reason: trust.ReasonCode(refusal), Grant: g.ID,
		Purpose: string(g.Purpose), Scope: g.Scope}
}

func isRefusal(err error) bool {
	var r *trust.Refusal
	return errors.As(err, &r)
}

// signedByOneOf reports whether the proof's signature verifies with one of keys.
func signedByOneOf(proof *jose.JSONWebSignature, keys []jose.JSONWebKey) bool {
	for _, k := range keys {
		if _, err := proof.Verify(k); err == nil {
			return true
		}
	}
	return false
}

func parseProof(proof string) (*jose.JSONWebSignature, ProofClaims, error) {
	var pc ProofClaims
	if proof == "" {
		return nil, pc, ErrNoProof
	}
	if len(proof) > 4096 {
		return nil, pc, ErrInvalidProof
	}
	if _, err := trust.ParseHeader(proof, ProofType, false); err != nil {
		return nil, pc, fmt.Errorf("%w: %v", ErrInvalidProof, err)
	}
	obj, err := jose.ParseSignedCompact(proof, trust.Algorithms)
	if err != nil {
		return nil, pc, ErrInvalidProof
	}
	// The claims are read before the signature is checked only to know which
	// grant and key to check against; nothing is trusted until Verify.
	if err := trust.DecodeStrict(obj.UnsafePayloadWithoutVerification(), &pc); err != nil || pc.ID == "" || pc.Issuer == "" ||
		!wallet.ValidOrgID(pc.Issuer) {
		return nil, pc, ErrInvalidProof
	}
	return obj, pc, nil
}

func (s *Service) findGrant(tx *wallet.Tx, p Presentation, now time.Time) (Grant, error) {
	var id string
	switch {
	case p.Handle != "":
		ok, err := tx.Get(bucketLookups, tx.Key("handle", p.Handle), &id)
		if err != nil {
			return Grant{}, err
		}
		if !ok {
			return Grant{}, ErrUnknownGrant
		}
	case p.ShortCode != "":
		code := NormaliseShortCode(p.ShortCode)
		if !s.shortCodesOpen(p.Client, now) {
			return Grant{}, ErrTooManyCodes
		}
		ok, err := tx.Get(bucketLookups, tx.Key("short", code), &id)
		if err != nil {
			return Grant{}, err
		}
		if !ok || code == "" {
			if !s.shortCodeGuess(p.Client, now) {
				return Grant{}, ErrTooManyCodes
			}
			return Grant{}, ErrShortCode
		}
	case p.Token != "":
		var err error
		if id, err = tokenID(p.Token); err != nil {
			return Grant{}, err
		}
	default:
		return Grant{}, ErrUnknownGrant
	}
	g, err := getGrant(tx, id)
	if errors.Is(err, wallet.ErrNotFound) {
		return Grant{}, ErrUnknownGrant
	}
	if err != nil {
		return Grant{}, err
	}
	if p.ShortCode != "" && (g.ShortCode != NormaliseShortCode(p.ShortCode) || !now.Before(g.ShortCodeExpiry) ||
		g.ShortCodeFails >= ShortCodeMaxFails) {
		return g, ErrShortCode
	}
	if p.Token != "" && !g.holdsToken(p.Token) {
		return g, ErrInvalidToken
	}
	return g, nil
}

// tokenID reads the jti of a consent token after checking its header; the
// signature is checked against the stored grant afterwards.
func tokenID(token string) (string, error) {
	if len(token) > 8192 {
		return "", ErrInvalidToken
	}
	if _, err := trust.ParseHeader(token, ConsentType, false); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return "", ErrInvalidToken
	}
	var std jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&std); err != nil || std.ID == "" {
		return "", ErrInvalidToken
	}
	return std.ID, nil
}

// strictClaims reports whether a consent token's payload names each claim
// once and exactly, so that no reader can take it another way.
func strictClaims(token string) bool {
	obj, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return false
	}
	var claims struct {
		jwt.Claims
		TokenClaims
	}
	return trust.DecodeStrict(obj.UnsafePayloadWithoutVerification(), &claims) == nil
}

// VerifyToken checks a consent JWT's signature, typ, audience and time
// (with Leeway), requiring exp and nbf, and returns its claims.
func VerifyToken(token string, walletKey any, audience string, now time.Time) (jwt.Claims, TokenClaims, error) {
	var std jwt.Claims
	var tc TokenClaims
	if _, err := trust.ParseHeader(token, ConsentType, false); err != nil {
		return std, tc, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return std, tc, ErrInvalidToken
	}
	if !strictClaims(token) {
		return std, tc, ErrInvalidToken
	}
	if err := tok.Claims(walletKey, &std, &tc); err != nil {
		return std, tc, ErrInvalidToken
	}
	if std.Expiry == nil || std.NotBefore == nil || std.ID == "" || tc.Cnf.JKT == "" {
		return std, tc, fmt.Errorf("%w: exp, nbf, jti and cnf.jkt are required", ErrInvalidToken)
	}
	// Audience is always set: jwt.Expected skips empty fields.
	switch err := std.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{audience}, Time: now}, Leeway); {
	case err == nil:
	case errors.Is(err, jwt.ErrExpired):
		return std, tc, ErrExpired
	case errors.Is(err, jwt.ErrNotValidYet):
		return std, tc, ErrNotYetValid
	case errors.Is(err, jwt.ErrInvalidAudience):
		return std, tc, ErrWrongAudience
	default:
		return std, tc, ErrInvalidToken
	}
	return std, tc, nil
}

// checkPresentation checks a presentation against its grant: the grant's
// token, the proof's key (helperKey finds the helper's key by thumbprint),
// request, time, freshness (seen reports a replayed proof id) and purpose,
// and the grant's status and scope.
func checkPresentation(g Grant, p Presentation, proof *jose.JSONWebSignature, pc ProofClaims,
	helperKey func(jkt string) (jose.JSONWebKey, bool), walletPub ed25519.PublicKey, now time.Time, seen func() (bool, error)) error {
	if err := checkSigned(g, proof, pc, helperKey, walletPub, now); err != nil {
		return err
	}
	return checkRequest(g, p, pc, now, seen)
}

// checkSigned is checkPresentation's signatures, the costly part: the
// grant's token and the proof, against the keys they must be signed with.
func checkSigned(g Grant, proof *jose.JSONWebSignature, pc ProofClaims,
	helperKey func(jkt string) (jose.JSONWebKey, bool), walletPub ed25519.PublicKey, now time.Time) error {
	// 1. The grant's own token, as issued and stored, still verifies.
	_, tc, err := VerifyToken(g.Token, walletPub, pc.Issuer, now)
	if err != nil {
		return err
	}
	if pc.Issuer != g.Audience {
		return ErrWrongAudience
	}
	// 2. The proof is signed by the key the consent names.
	hkey, ok := helperKey(tc.Cnf.JKT)
	if !ok {
		return ErrWrongKey
	}
	if _, err := proof.Verify(hkey); err != nil {
		return ErrWrongKey
	}
	return nil
}

// checkRequest is the rest of checkPresentation, after checkSigned: the
// proof is for this request, fresh and new, and the grant allows it now.
func checkRequest(g Grant, p Presentation, pc ProofClaims, now time.Time, seen func() (bool, error)) error {
	// 3. The proof is for this request, now, and never seen before.
	if pc.Method != p.Method || pc.URL != p.URL {
		return ErrWrongURL
	}
	iat := time.Unix(pc.IssuedAt, 0)
	if iat.Before(now.Add(-Leeway)) || iat.After(now.Add(Leeway)) {
		return ErrStaleProof
	}
	if found, err := seen(); err != nil {
		return err
	} else if found {
		return ErrReplay
	}
	if pc.Purpose != g.Purpose {
		return ErrWrongPurpose
	}
	// 4. The grant is still in force and the request lies inside it. The
	// token's leeway is for other parties' clocks; the wallet releases by
	// its own clock and the grant's own period exactly.
	if err := g.Usable(now); err != nil {
		return err
	}
	if len(p.Want) > 0 && !g.Scope.Covers(p.Want) {
		return ErrOutOfScope
	}
	return nil
}

// pruneProofs forgets proof ids too old to be accepted anyway, at most once a minute.
func (s *Service) pruneProofs(ctx context.Context, now time.Time) {
	s.pruneMu.Lock()
	if now.Sub(s.lastPrune) < time.Minute {
		s.pruneMu.Unlock()
		return
	}
	s.lastPrune = now
	s.pruneMu.Unlock()
	_ = s.Vault.Update(ctx, func(tx *wallet.Tx) error {
		var old [][]byte
		err := tx.ForEach(bucketProofs, func(k []byte, open func(any) error) error {
			var iat int64
			if err := open(&iat); err != nil {
				return err
			}
			if now.Sub(time.Unix(iat, 0)) > 3*Leeway {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := tx.Delete(bucketProofs, k); err != nil {
				return err
			}
		}
		return nil
	})
}
