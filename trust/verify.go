package trust

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/wallet"
)

// Refusal is a typed reason something was not accepted. It carries a stable
// code for APIs and reports, words for people, and the HTTP status an API
// answers it with (smallstep's errors are the model). Its fields are fixed
// when it is made: a package's refusals are sentinels that match with
// errors.Is, and nobody can change what they say.
type Refusal struct {
	status  int
	code    string
	message string
}

// NewRefusal makes a refusal with its HTTP status, stable code and words.
func NewRefusal(status int, code, message string) *Refusal {
	return &Refusal{status: status, code: code, message: message}
}

// Error is the refusal in words; Code is the stable word.
func (r *Refusal) Error() string { return r.message }

// Code is the stable word for APIs, logs and reports.
func (r *Refusal) Code() string { return r.code }

// StatusCode is the HTTP status an API answers the refusal with.
func (r *Refusal) StatusCode() int { return r.status }

// Reasons a statement is refused. Every refusal the verifier returns matches
// exactly one of them with errors.Is. An API that refuses a statement
// answers 422: the request was understood, the statement is not acceptable.
var (
	ErrMalformed      = statementRefusal("malformed", "not a compact JWS")
	ErrTooLarge       = statementRefusal("too_large", "statement is larger than allowed")
	ErrAlgorithm      = statementRefusal("unsupported_algorithm", "only EdDSA and ES256 signatures are accepted")
	ErrHeader         = statementRefusal("forbidden_header", "the JOSE header holds a field that is not accepted")
	ErrWrongKind      = statementRefusal("wrong_type", "not a regie statement (typ)")
	ErrUnknownIssuer  = statementRefusal("unknown_issuer", "organisation is not in the trust list")
	ErrUnknownKey     = statementRefusal("unknown_key", "key id is not in the trust list")
	ErrBadSignature   = statementRefusal("bad_signature", "signature does not verify")
	ErrIssuerMismatch = statementRefusal("issuer_mismatch", "signed with another organisation's key")
	ErrNotAllowed     = statementRefusal("not_allowed", "organisation may not sign this type of statement")
	ErrInvalidPayload = statementRefusal("invalid_payload", "statement content breaks the schema")
	ErrWrongSubject   = statementRefusal("wrong_subject", "statement is about another person")
	ErrExpired        = statementRefusal("expired", "statement has expired")
	ErrIssuedInFuture = statementRefusal("issued_in_future", "statement is dated in the future")
)

func statementRefusal(code, message string) *Refusal {
	return NewRefusal(http.StatusUnprocessableEntity, code, message)
}

// ReasonCode returns the Refusal code in err, or "error" for anything else.
func ReasonCode(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.code
	}
	return "error"
}

func refuse(r *Refusal, detail string) error {
	if detail == "" {
		return r
	}
	return fmt.Errorf("%w: %s", r, detail)
}

// StatementType is the typ header every statement carries.
const StatementType = "regie-statement+jwt"

// MaxJWSSize bounds one compact statement.
const MaxJWSSize = 32 << 10

// FutureSkew is how far in the future a statement's iat may lie.
const FutureSkew = 2 * time.Minute

// Algorithms is the only set of signature algorithms Regie accepts.
var Algorithms = []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256}

// Verifier checks statements against a trust list on behalf of one resident.
type Verifier struct {
	Trust *List
	// Subject is the vault owner; statements about anyone else are refused.
	Subject wallet.BSN
	// AnySubject skips the subject check, for a host that checks a push to
	// a locked vault whose owner it cannot know; the vault checks the
	// subject when it imports the push at unlock.
	AnySubject bool
	// Now tells the time; nil means time.Now.
	Now func() time.Time
	// AllowExpired lets a helper check the signature of a statement in a
	// dossier that has expired since release; the wallet never sets it.
	AllowExpired bool
}

// Header is a JOSE protected header as Regie accepts it.
type Header struct {
	Alg string
	Kid string
	Typ string
	JWK *jose.JSONWebKey
}

// ParseHeader decodes a compact JWS's protected header and refuses anything
// but alg (EdDSA or ES256), kid and typ, which must equal wantTyp (RFC 8725
// §3.11: each verifier accepts only its own kind). jwk is accepted only when
// allowJWK is set (the dossier names the wallet key it was signed with);
// jku, x5u, crit, zip and everything else is refused.
func ParseHeader(compact, wantTyp string, allowJWK bool) (Header, error) {
	var h Header
	parts := strings.Split(compact, ".")
	if len(parts) == 5 {
		return h, refuse(ErrMalformed, "a JWE (encrypted or compressed) is not accepted here")
	}
	if len(parts) != 3 {
		return h, ErrMalformed
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return h, refuse(ErrMalformed, "header is not base64url")
	}
	var fields map[string]json.RawMessage
	// Strictly: a header naming alg or typ twice could be read one way
	// here and another way by go-jose.
	if err := DecodeStrict(raw, &fields); err != nil {
		return h, refuse(ErrMalformed, "header is not a JSON object with each name once")
	}
	str := func(name string, v json.RawMessage, dst *string) error {
		if json.Unmarshal(v, dst) != nil {
			return refuse(ErrMalformed, name+" is not a string")
		}
		return nil
	}
	for name, v := range fields {
		switch name {
		case "alg":
			err = str(name, v, &h.Alg)
		case "kid":
			err = str(name, v, &h.Kid)
		case "typ":
			err = str(name, v, &h.Typ)
		case "jwk":
			if !allowJWK {
				return h, refuse(ErrHeader, `header field "jwk"`)
			}
			var k jose.JSONWebKey
			if json.Unmarshal(v, &k) != nil || !k.IsPublic() {
				return h, refuse(ErrMalformed, "jwk is not a public key")
			}
			h.JWK = &k
		default:
			return h, refuse(ErrHeader, fmt.Sprintf("header field %q", truncate(name, 20)))
		}
		if err != nil {
			return h, err
		}
	}
	if h.Alg == "" {
		return h, refuse(ErrMalformed, "alg is missing")
	}
	if h.Alg != string(jose.EdDSA) && h.Alg != string(jose.ES256) {
		return h, refuse(ErrAlgorithm, fmt.Sprintf("alg %q", truncate(h.Alg, 20)))
	}
	if h.Typ != wantTyp {
		return h, refuse(ErrWrongKind, fmt.Sprintf("typ %q", truncate(h.Typ, 40)))
	}
	return h, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Verify checks one compact JWS statement and returns it ready to store.
func (v *Verifier) Verify(compact string) (wallet.Statement, error) {
	var st wallet.Statement
	if len(compact) > MaxJWSSize {
		return st, ErrTooLarge
	}
	compact = strings.TrimSpace(compact)
	h, err := ParseHeader(compact, StatementType, false)
	if err != nil {
		return st, err
	}
	if h.Kid == "" {
		return st, refuse(ErrMalformed, "kid is missing")
	}
	kid := h.Kid
	obj, err := jose.ParseSignedCompact(compact, Algorithms)
	if err != nil {
		return st, refuse(ErrMalformed, "")
	}
	org, key, ok := v.Trust.Key(kid)
	if !ok {
		// Tell an unknown organisation from an unknown key of a known one.
		var peek struct {
			Iss string `json:"iss"`
		}
		_ = json.Unmarshal(obj.UnsafePayloadWithoutVerification(), &peek)
		if _, known := v.Trust.Organisation(peek.Iss); !known {
			return st, refuse(ErrUnknownIssuer, "")
		}
		return st, refuse(ErrUnknownKey, "")
	}
	if key.Use == "enc" {
		return st, refuse(ErrUnknownKey, "that key is for encryption")
	}
	payload, err := obj.Verify(key)
	if err != nil {
		return st, ErrBadSignature
	}
	claims, err := wallet.ParseClaims(payload)
	if err != nil {
		return st, refuse(ErrInvalidPayload, err.Error())
	}
	if claims.Issuer != org.ID {
		return st, ErrIssuerMismatch
	}
	if !org.Allowed(claims.Type) {
		return st, refuse(ErrNotAllowed, fmt.Sprintf("%s may not sign %s statements", org.ID, claims.Type))
	}
	if claims.Debt != nil && !org.MaySignCategory(claims.Debt.Category) {
		return st, refuse(ErrNotAllowed, fmt.Sprintf("%s may not sign %s debts (trust list categories)", org.ID, claims.Debt.Category))
	}
	if !v.AnySubject && claims.Subject != v.Subject {
		return st, ErrWrongSubject
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now()
	if time.Unix(claims.IssuedAt, 0).After(t.Add(FutureSkew)) {
		return st, ErrIssuedInFuture
	}
	if claims.Expiry != 0 && !v.AllowExpired && !t.Before(time.Unix(claims.Expiry, 0)) {
		return st, ErrExpired
	}
	return wallet.Statement{Claims: claims, JWS: compact, ImportedAt: t.UTC()}, nil
}
