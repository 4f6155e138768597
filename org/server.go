package org

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-jose/go-jose/v4"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"regie/internal/httpx"
	"regie/trust"
	"regie/wallet"
)

// Server is the reference organisation server: it hands out enrolment
// codes, registers wallet keys, and serves each enrolled wallet the signed
// statements about its resident. Statements come from a folder of payloads
// (*.json, signed as they are served) and ready-signed statements (*.jws), read
// on every request so that an organisation can drop in new ones while it runs.
type Server struct {
	id   string
	key  jose.JSONWebKey
	dir  string
	now  func() time.Time
	app  *fiber.App
	reqs *httpx.Requests
	logf func(format string, a ...any)

	mu        sync.Mutex
	publicURL string // without a trailing slash; set by New or Serve
	codes     map[string]enrolCode
	conns     map[string]connection
	seen      map[string]time.Time
}

type enrolCode struct {
	subject wallet.BSN
	expires time.Time
}

type connection struct {
	subject wallet.BSN
	key     ed25519.PublicKey
}

// Options tune New.
type Options struct {
	Now func() time.Time
	// Portal enables POST /regie/v1/portal/codes, a stand-in for the
	// organisation's own portal login that hands out enrolment codes. Only
	// for demos and tests on 127.0.0.1.
	Portal bool
	// Logf receives one line per request outcome; nil discards them.
	Logf func(format string, a ...any)
	// PublicURL is where wallets reach the server, e.g.
	// https://statements.cjib.example. A request token's htu must name it
	// (never the client's own Host header). Empty means http://<listener>.
	PublicURL string
	// EnrolPerMinute bounds enrolment attempts per client address; zero
	// means 10, negative turns the limit off.
	EnrolPerMinute int
}

// New builds the server for organisation id with its private
// signing key and statements folder.
func New(id string, key jose.JSONWebKey, dir string, opts Options) *Server {
	s := &Server{id: id, key: key, dir: dir, now: opts.Now, logf: opts.Logf, publicURL: strings.TrimSuffix(opts.PublicURL, "/"),
		codes: map[string]enrolCode{}, conns: map[string]connection{}, seen: map[string]time.Time{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	s.app = fiber.New(fiber.Config{
		DisableStartupMessage: true,
		BodyLimit:             64 << 10,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          30 * time.Second,
		Immutable:             true,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			code := fiber.StatusInternalServerError
			var fe *fiber.Error
			if errors.As(err, &fe) {
				code = fe.Code
			}
			return orgError(c, code, "error", "request failed")
		},
	})
	s.reqs = httpx.NewRequests()
	s.app.Use(s.reqs.Handler, recover.New(), httpx.RefuseEncodedBodies)
	s.app.Post("/regie/v1/enrol", enrolLimit(opts.EnrolPerMinute), s.enrol)
	s.app.Get("/regie/v1/statements", s.statements)
	if opts.Portal {
		s.app.Post("/regie/v1/portal/codes", s.portalCode)
	}
	return s
}

// enrolLimit bounds enrolment attempts per client address, so that codes
// cannot be guessed at thousands a second.
func enrolLimit(perMinute int) fiber.Handler {
	if perMinute < 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	if perMinute == 0 {
		perMinute = 10
	}
	return limiter.New(limiter.Config{
		Max:          perMinute,
		Expiration:   time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return httpx.ClientAddr(c) },
		LimitReached: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderRetryAfter, "60")
			return orgError(c, fiber.StatusTooManyRequests, "rate_limited", "too many enrolment attempts; try again in a minute")
		},
	})
}

// PublicURL is the address a request token's htu must name.
func (s *Server) PublicURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.publicURL
}

func orgError(c *fiber.Ctx, status int, code, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": fiber.Map{"code": code, "message": msg}})
}

// IssueCode is what the organisation's portal does after the resident logged
// in: it hands out a one-time enrolment code, valid 15 minutes.
func (s *Server) IssueCode(subject wallet.BSN) string {
	// 10 characters from an alphabet without look-alikes: easy to type over.
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	code := string(b[:5]) + "-" + string(b[5:])
	s.mu.Lock()
	s.codes[codeKey(code)] = enrolCode{subject: subject, expires: s.now().Add(trust.EnrolCodeTTL)}
	s.mu.Unlock()
	return code
}

// codeKey is a code as the resident may type it, reduced to what counts:
// upper case, without the spaces and dashes people put between groups.
func codeKey(typed string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t', '\n', '\r', '\u00a0':
			return -1
		}
		return unicode.ToUpper(r)
	}, typed)
}

func (s *Server) portalCode(c *fiber.Ctx) error {
	var req struct {
		BSN string `json:"bsn"`
	}
	if err := trust.DecodeStrict(c.Body(), &req); err != nil {
		return orgError(c, 400, "bad_request", "expected {\"bsn\": \"...\"}")
	}
	bsn, err := wallet.ParseBSN(req.BSN)
	if err != nil {
		return orgError(c, 400, "bad_request", err.Error())
	}
	return c.Status(201).JSON(fiber.Map{"code": s.IssueCode(bsn)})
}

func (s *Server) enrol(c *fiber.Ctx) error {
	var req struct {
		Code      string          `json:"code"`
		WalletKey jose.JSONWebKey `json:"wallet_key"`
	}
	if err := trust.DecodeStrict(c.Body(), &req); err != nil {
		return orgError(c, 400, "bad_request", "expected {\"code\": ..., \"wallet_key\": <JWK>}")
	}
	pub, ok := req.WalletKey.Key.(ed25519.PublicKey)
	if !ok {
		return orgError(c, 400, "bad_request", "wallet_key must be a public Ed25519 JWK")
	}
	code := codeKey(req.Code)
	s.mu.Lock()
	ec, found := s.codes[code]
	delete(s.codes, code) // a code works once, whatever happens next
	var id string
	if found && s.now().Before(ec.expires) {
		id = "conn-" + trust.RandomID(16)
		s.conns[id] = connection{subject: ec.subject, key: pub}
	}
	s.mu.Unlock()
	if id == "" {
		s.logf("enrol refused: invalid code")
		return orgError(c, 401, "invalid_code", "the enrolment code is wrong, used or expired")
	}
	s.logf("enrolled a wallet")
	return c.Status(201).JSON(fiber.Map{"connection": id})
}

var errRequestToken = errors.New("invalid request token")

func (s *Server) checkRequest(c *fiber.Ctx) (connection, error) {
	auth := c.Get(fiber.HeaderAuthorization)
	token, ok := strings.CutPrefix(auth, "Regie ")
	if !ok {
		return connection{}, errRequestToken
	}
	if _, err := trust.ParseHeader(token, trust.RequestType, false); err != nil {
		return connection{}, errRequestToken
	}
	obj, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return connection{}, errRequestToken
	}
	var peek trust.RequestClaims
	if json.Unmarshal(obj.UnsafePayloadWithoutVerification(), &peek) != nil {
		return connection{}, errRequestToken
	}
	s.mu.Lock()
	conn, ok := s.conns[peek.Issuer]
	s.mu.Unlock()
	if !ok {
		return connection{}, errRequestToken
	}
	payload, err := obj.Verify(conn.key)
	if err != nil {
		return connection{}, errRequestToken
	}
	var rc trust.RequestClaims
	if err := trust.DecodeStrict(payload, &rc); err != nil {
		return connection{}, errRequestToken
	}
	now := s.now()
	iat := time.Unix(rc.IssuedAt, 0)
	if rc.Audience != s.id || rc.Method != c.Method() || rc.URL != s.PublicURL()+c.Path() ||
		iat.Before(now.Add(-trust.RequestSkew)) || iat.After(now.Add(trust.RequestSkew)) || rc.ID == "" {
		return connection{}, errRequestToken
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for j, t := range s.seen {
		if now.Sub(t) > 2*trust.RequestSkew {
			delete(s.seen, j)
		}
	}
	seenKey := rc.Issuer + "\x00" + rc.ID
	if _, replay := s.seen[seenKey]; replay {
		return connection{}, errRequestToken
	}
	s.seen[seenKey] = iat
	return conn, nil
}

func (s *Server) statements(c *fiber.Ctx) error {
	conn, err := s.checkRequest(c)
	if err != nil {
		s.logf("pull refused: invalid request token")
		return orgError(c, 401, "invalid_request_token", "the request token is missing, wrong, expired or replayed")
	}
	list, err := s.Statements(conn.subject)
	if err != nil {
		s.logf("pull failed: %v", err)
		return orgError(c, 500, "unavailable", "statements cannot be read right now")
	}
	s.logf("served %d statements", len(list))
	return c.JSON(fiber.Map{"statements": list})
}

// Statements reads the statements folder and returns, signed, every
// statement about subject in file-name order.
func (s *Server) Statements(subject wallet.BSN) ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".json") || strings.HasSuffix(e.Name(), ".jws")) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	out := []string{}
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			return nil, err
		}
		var jws string
		var payload []byte
		if strings.HasSuffix(name, ".json") {
			payload = raw
			if jws, err = trust.SignStatement(s.key, raw); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		} else {
			jws = strings.TrimSpace(string(raw))
			obj, err := jose.ParseSignedCompact(jws, trust.Algorithms)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, trust.ErrMalformed)
			}
			payload = obj.UnsafePayloadWithoutVerification()
		}
		var who struct {
			Sub string `json:"sub"`
		}
		if json.Unmarshal(payload, &who) == nil && who.Sub == string(subject) {
			out = append(out, jws)
		}
	}
	return out, nil
}

// Serve answers requests on ln until Shutdown. Without a configured public
// URL, request tokens must name http://<ln's address>.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.publicURL == "" {
		s.publicURL = "http://" + ln.Addr().String()
	}
	s.mu.Unlock()
	return s.app.Listener(ln)
}

// Shutdown stops the server, cancelling the contexts of requests in flight
// and waiting for them until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.reqs.Shutdown(ctx, s.app) }
