package consent

import (
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	qrcode "github.com/skip2/go-qrcode"

	"regie/trust"
	"regie/wallet"
)

// Token and proof typ headers.
const (
	ConsentType = "regie-consent+jwt"
	ProofType   = "regie-proof+jwt"
)

// Leeway is the clock skew allowed on consent tokens and proofs.
const Leeway = 60 * time.Second

// Short-code limits: a code a resident reads aloud is short, so it lives
// briefly and allows few wrong tries.
const (
	ShortCodeTTL      = 10 * time.Minute
	ShortCodeMaxFails = 3
	// shortCodeGuesses is how many unknown short codes the wallet answers
	// one client address in a ShortCodeTTL window before it stops taking
	// short codes from that address. Counting per address (and, through
	// ShortCodeMaxFails, per code) means a stranger's guesses never close
	// the door for the helper the resident reads the real code to.
	shortCodeGuesses = 10
	// maxGuessers bounds how many client addresses the count remembers.
	maxGuessers = 10000
)

// Service issues, lists, revokes and checks grants.
type Service struct {
	Vault *wallet.Vault
	Trust TrustSource
	// BaseURL is the wallet's address as helpers reach it, e.g.
	// http://127.0.0.1:8080. QR codes point there.
	BaseURL string
	// Box holds the grants' redemption records, the proofs helpers used and
	// the events of redemptions while the vault was locked; nil means the
	// box inside the vault file (regie serve). A host passes the vault's box
	// in its index.
	Box *wallet.Box
	// HostTrust, when set, is the trust list of the server the wallet runs
	// on (a host's --trust) as it is now. While the resident is away a
	// grant's sealed record holds the helper's key as it was at the last
	// login; the host's list must still name the organisation as a helper
	// and that key for it, so that a helper the host dropped (or whose key
	// it withdrew) is not served for months until the next login.
	HostTrust HelperList

	// recMu keeps a refresh from writing back a record that a revocation
	// has just deleted.
	recMu sync.Mutex
	// layoutMu guards layoutDone: whether this vault's grant lookups are in
	// their own bucket (see layout.go).
	layoutMu   sync.Mutex
	layoutDone bool
	// Factotum signs as the wallet; nil means Vault, the one holder of the
	// wallet key.
	Factotum trust.Factotum

	qrMu sync.Mutex
	qr   map[string][]byte

	guessMu sync.Mutex
	guesses map[string]*guessCount // by client address

	pruneMu   sync.Mutex
	lastPrune time.Time
}

// TokenClaims are the consent JWT's claims beyond the registered ones.
type TokenClaims struct {
	Purpose Purpose `json:"purpose"`
	Scope   Scope   `json:"scope"`
	Cnf     struct {
		JKT string `json:"jkt"`
	} `json:"cnf"`
	// Record lets the wallet find and open the grant's redemption record
	// for later fetches with this token, without the vault's key.
	Record *RecordRef `json:"rdm,omitempty"`
}

func (s *Service) factotum() trust.Factotum {
	if s.Factotum != nil {
		return s.Factotum
	}
	return s.Vault
}

// signJWT signs claims as the wallet, with typ in the header.
func signJWT(wf trust.Factotum, typ string, claims ...any) (string, error) {
	signer, err := trust.JOSESigner(wf, typ, false)
	if err != nil {
		return "", err
	}
	b := jwt.Signed(signer)
	for _, c := range claims {
		b = b.Claims(c)
	}
	return b.Serialize()
}

// Check validates a request without granting anything and returns the
// counsellor it names and the request with its defaults filled in, so the
// pages can show exactly what the resident is about to give before they
// confirm.
func (s *Service) Check(ctx context.Context, r Request) (trust.Organisation, Request, error) {
	if err := r.validate(s.start(r)); err != nil {
		return trust.Organisation{}, r, err
	}
	org, ok, err := s.Trust.Organisation(ctx, r.Audience)
	if err != nil {
		return trust.Organisation{}, r, err
	}
	if !ok || org.Kind != trust.KindHelper {
		return trust.Organisation{}, r, fmt.Errorf("%q: %w", r.Audience, ErrNotHelper)
	}
	return org, r, nil
}

// start is when a consent asked for by r begins: its NotBefore, but never
// before now, to the second in UTC.
func (s *Service) start(r Request) time.Time {
	now := s.Vault.Now().UTC().Truncate(time.Second)
	nbf := r.NotBefore.UTC().Truncate(time.Second)
	if nbf.IsZero() || nbf.Before(now) {
		return now
	}
	return nbf
}

// Grant issues a new grant. The helper must be in the trust list as a
// helper; its first signing key is the one the grant is bound to.
func (s *Service) Grant(ctx context.Context, r Request) (Grant, error) {
	org, r, err := s.Check(ctx, r)
	if err != nil {
		return Grant{}, err
	}
	jkt, err := trust.Thumbprint(org.SigningKeys()[0])
	if err != nil {
		return Grant{}, err
	}
	walletID, err := trust.WalletID(s.factotum())
	if err != nil {
		return Grant{}, err
	}
	now := s.Vault.Now().UTC().Truncate(time.Second)
	nbf := s.start(r)
	g := Grant{
		ID: "g-" + trust.RandomID(12), Handle: trust.RandomID(16),
		Audience: org.ID, AudienceName: org.Name, Purpose: r.Purpose, Scope: append(Scope(nil), r.Scope...),
		NotBefore: nbf, Expiry: r.Length().From(nbf), MaxUses: r.MaxUses,
		CreatedAt: now, JKT: jkt, Sealed: true,
	}
	sort.Strings(g.Scope)
	std := jwt.Claims{Issuer: walletID, Audience: jwt.Audience{org.ID}, ID: g.ID,
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(g.NotBefore), Expiry: jwt.NewNumericDate(g.Expiry)}
	tc := TokenClaims{Purpose: g.Purpose, Scope: g.Scope}
	tc.Cnf.JKT = jkt
	if tc.Record, err = newRecordRef(g.Handle); err != nil {
		return Grant{}, err
	}
	if g.Token, err = signJWT(s.factotum(), ConsentType, std, tc); err != nil {
		return Grant{}, err
	}
	err = s.update(ctx, func(tx *wallet.Tx) error {
		if err := tx.Put(bucketGrants, tx.Key("grant", g.ID), g); err != nil {
			return err
		}
		if err := tx.Put(bucketLookups, tx.Key("handle", g.Handle), g.ID); err != nil {
			return err
		}
		return tx.AppendEvent(wallet.Event{Kind: wallet.EventGrantMade, Actor: g.Audience, Purpose: string(g.Purpose),
			Scope: g.Scope, Grant: g.ID})
	})
	if err != nil {
		return Grant{}, err
	}
	// The record lets helpers be served while the resident is away. Should
	// this fail, the grant stands and the next refresh writes the record.
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if err := s.sealRecords(ctx, []Grant{g}); err != nil {
		return g, fmt.Errorf("grant %s made, but its redemption record was not stored: %w", g.ID, err)
	}
	return g, nil
}

// List returns every grant, newest first.
func (s *Service) List(ctx context.Context) ([]Grant, error) {
	var out []Grant
	err := s.view(ctx, func(tx *wallet.Tx) error {
		return forEachGrant(tx, func(g Grant) error {
			if err := revokedByLog(tx, &g); err != nil {
				return err
			}
			out = append(out, g)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, err
}

// Get returns one grant by id.
func (s *Service) Get(ctx context.Context, id string) (Grant, error) {
	var g Grant
	err := s.view(ctx, func(tx *wallet.Tx) error {
		var err error
		g, err = getGrant(tx, id)
		return err
	})
	return g, err
}

// getGrant reads a grant; a revocation in the chained log wins over a
// record that says otherwise (one put back from an older copy of the file).
func getGrant(tx *wallet.Tx, id string) (Grant, error) {
	var g Grant
	ok, err := tx.Get(bucketGrants, tx.Key("grant", id), &g)
	if err != nil {
		return g, err
	}
	if !ok {
		return g, fmt.Errorf("grant: %w", wallet.ErrNotFound)
	}
	return g, revokedByLog(tx, &g)
}

func revokedByLog(tx *wallet.Tx, g *Grant) error {
	if g.Revoked {
		return nil
	}
	revoked, err := tx.RevokedInLog(g.ID)
	if revoked {
		g.Revoked, g.ShortCode = true, ""
	}
	return err
}

// ErrGrantRollback is returned by VerifyGrants when a grant's record says
// it is in force while the chained log says it was revoked.
var ErrGrantRollback = fmt.Errorf("%w: a grant record was put back after its revocation", wallet.ErrAuditBroken)

// VerifyGrants checks every grant record against the chained log, for
// `audit verify`: a record that is active while the log holds its
// revocation was restored from an older copy of the file.
func (s *Service) VerifyGrants(ctx context.Context) error {
	return s.view(ctx, func(tx *wallet.Tx) error {
		return forEachGrant(tx, func(g Grant) error {
			if g.Revoked {
				return nil
			}
			revoked, err := tx.RevokedInLog(g.ID)
			if err != nil {
				return err
			}
			if revoked {
				return fmt.Errorf("%w (%s)", ErrGrantRollback, g.ID)
			}
			return nil
		})
	})
}

// forEachGrant calls fn with every grant record as stored.
func forEachGrant(tx *wallet.Tx, fn func(Grant) error) error {
	return tx.ForEach(bucketGrants, func(_ []byte, open func(any) error) error {
		var g Grant
		if err := open(&g); err != nil {
			return err
		}
		return fn(g)
	})
}

// Revoke ends a grant at once: once Revoke returns, no presentation of it
// succeeds.
func (s *Service) Revoke(ctx context.Context, id string) (Grant, error) {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	g, err := s.Get(ctx, id)
	if err != nil {
		return g, err
	}
	// The record goes first: once it is gone nobody is served while the
	// vault is locked, whatever happens to the rest.
	if g.Sealed {
		rid, _, err := recordRefOf(g.Handle)
		if err != nil {
			return g, err
		}
		if err := s.box().Update(ctx, func(tx *wallet.BoxTx) error { return tx.DeleteRecord(rid) }); err != nil {
			return g, err
		}
	}
	err = s.update(ctx, func(tx *wallet.Tx) error {
		var err error
		if g, err = getGrant(tx, id); err != nil {
			return err
		}
		if g.Revoked {
			return nil
		}
		g.Revoked, g.RevokedAt = true, tx.Now().UTC()
		g.ShortCode = ""
		if err := tx.Put(bucketGrants, tx.Key("grant", g.ID), g); err != nil {
			return err
		}
		return tx.AppendEvent(wallet.Event{Kind: wallet.EventGrantRevoked, Actor: g.Audience, Purpose: string(g.Purpose),
			Scope: g.Scope, Grant: g.ID})
	})
	return g, err
}

// URL is the pointer the QR code holds: the wallet address, the grant's
// handle, and (in the fragment, which never reaches a server) the thumbprint
// of the wallet key that will sign the dossier.
func (s *Service) URL(g Grant) (string, error) {
	walletID, err := trust.WalletID(s.factotum())
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(s.BaseURL, "/") + "/c/" + g.Handle + "#wk=" + walletID, nil
}

// QR returns the grant's QR code as a PNG, made once and kept.
func (s *Service) QR(g Grant) ([]byte, error) {
	s.qrMu.Lock()
	defer s.qrMu.Unlock()
	if png, ok := s.qr[g.ID]; ok {
		return png, nil
	}
	url, err := s.URL(g)
	if err != nil {
		return nil, err
	}
	// Medium error correction and 320 px: quiet zone included, it scans from
	// a phone screen at arm's length.
	png, err := qrcode.Encode(url, qrcode.Medium, 320)
	if err != nil {
		return nil, err
	}
	if s.qr == nil {
		s.qr = map[string][]byte{}
	}
	s.qr[g.ID] = png
	return png, nil
}

// shortAlphabet leaves out letters and digits that sound or look alike
// (0/O, 1/I/L, 5/S, U/V).
const shortAlphabet = "ABCDEFGHJKMNPQRTWXYZ2346789"

// ShortCode makes a new code for a grant that can be read aloud, valid for
// ShortCodeTTL. Making a new one ends the previous one. A grant that can no
// longer be shared gives the refusal that says why (see Grant.Shareable);
// that is the only refusal ShortCode returns.
func (s *Service) ShortCode(ctx context.Context, id string) (string, time.Time, error) {
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = shortAlphabet[int(b[i])%len(shortAlphabet)]
	}
	code := string(b[:4]) + "-" + string(b[4:])
	var g Grant
	err := s.update(ctx, func(tx *wallet.Tx) error {
		var err error
		if g, err = getGrant(tx, id); err != nil {
			return err
		}
		if err := g.Shareable(tx.Now()); err != nil {
			return err
		}
		if g.ShortCode != "" {
			if err := tx.Delete(bucketLookups, tx.Key("short", g.ShortCode)); err != nil {
				return err
			}
		}
		g.ShortCode, g.ShortCodeExpiry, g.ShortCodeFails = code, tx.Now().Add(ShortCodeTTL).UTC(), 0
		if err := tx.Put(bucketLookups, tx.Key("short", code), g.ID); err != nil {
			return err
		}
		return tx.Put(bucketGrants, tx.Key("grant", g.ID), g)
	})
	return code, g.ShortCodeExpiry, err
}

// NormaliseShortCode turns what a helper typed into the stored form.
func NormaliseShortCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(s))
	if len(s) != 8 {
		return ""
	}
	return s[:4] + "-" + s[4:]
}

// Receipt is a consent receipt in the field names of the Kantara Consent
// Receipt Specification v1.1, for the resident to keep.
type Receipt struct {
	Version          string        `json:"version"`
	Jurisdiction     string        `json:"jurisdiction"`
	ConsentTimestamp int64         `json:"consentTimestamp"`
	CollectionMethod string        `json:"collectionMethod"`
	ConsentReceiptID string        `json:"consentReceiptID"`
	PublicKey        string        `json:"publicKey"`
	Language         string        `json:"language"`
	PIIPrincipalID   string        `json:"piiPrincipalId"`
	PIIControllers   []Controller  `json:"piiControllers"`
	PolicyURL        string        `json:"policyUrl"`
	Services         []ServiceItem `json:"services"`
	Sensitive        bool          `json:"sensitive"`
	SPICat           []string      `json:"spiCat"`
	// Regie additions, outside the Kantara field set.
	ValidFrom     time.Time `json:"regie:validFrom"`
	ValidUntil    time.Time `json:"regie:validUntil"`
	ConsentStatus Status    `json:"regie:consentStatus"`
	// Extends names the receipt this one follows, when the resident
	// extended the consent; the first receipt has none.
	Extends string `json:"regie:extends,omitempty"`
}

// Controller is a Kantara piiControllers entry.
type Controller struct {
	PIIController string `json:"piiController"`
	Contact       string `json:"contact"`
	Address       string `json:"address"`
	Email         string `json:"email"`
	Phone         string `json:"phone"`
}

// ServiceItem is a Kantara services entry.
type ServiceItem struct {
	Service  string        `json:"service"`
	Purposes []PurposeItem `json:"purposes"`
}

// PurposeItem is a Kantara purposes entry.
type PurposeItem struct {
	Purpose              string   `json:"purpose"`
	PurposeCategory      []string `json:"purposeCategory"`
	ConsentType          string   `json:"consentType"`
	PIICategory          []string `json:"piiCategory"`
	PrimaryPurpose       bool     `json:"primaryPurpose"`
	Termination          string   `json:"termination"`
	ThirdPartyDisclosure bool     `json:"thirdPartyDisclosure"`
	ThirdPartyName       string   `json:"thirdPartyName,omitempty"`
}

// Receipt builds the consent receipt of a grant. It names the resident by
// the wallet, never by BSN.
func (s *Service) Receipt(g Grant) (Receipt, error) {
	walletID, err := trust.WalletID(s.factotum())
	if err != nil {
		return Receipt{}, err
	}
	given, extends := g.CreatedAt, ""
	if n := len(g.Extensions); n > 0 {
		given, extends = g.Extensions[n-1].At, g.ID
		if n > 1 {
			extends = fmt.Sprintf("%s-%d", g.ID, n-1)
		}
	}
	return Receipt{
		Version: "KI-CR-v1.1.0", Jurisdiction: "NL", ConsentTimestamp: given.Unix(),
		CollectionMethod: "Regie wallet: given by the resident in person", ConsentReceiptID: g.ReceiptID(), Extends: extends,
		PublicKey: walletID, Language: "nl", PIIPrincipalID: "wallet:" + walletID,
		PIIControllers: []Controller{{PIIController: g.AudienceName, Contact: g.Audience}},
		Services: []ServiceItem{{Service: "Schuldhulpverlening", Purposes: []PurposeItem{{
			Purpose: g.Purpose.Label("nl"), PurposeCategory: []string{string(g.Purpose)}, ConsentType: "EXPLICIT",
			PIICategory: g.Scope, PrimaryPurpose: true, Termination: g.Expiry.Format(time.RFC3339),
		}}}},
		Sensitive: true, SPICat: []string{"financial"},
		ValidFrom: g.NotBefore, ValidUntil: g.Expiry, ConsentStatus: g.Status(s.Vault.Now()),
	}, nil
}

// guessCount is one client address's unknown short codes in a window.
type guessCount struct {
	window time.Time
	n      int
}

// shortCodeGuess counts an unknown short code from client; it reports false
// once that client tried too many in the current window.
func (s *Service) shortCodeGuess(client string, now time.Time) bool {
	s.guessMu.Lock()
	defer s.guessMu.Unlock()
	g := s.guesses[client]
	if g == nil || now.Sub(g.window) > ShortCodeTTL {
		if g == nil && len(s.guesses) >= maxGuessers {
			for k, old := range s.guesses {
				if now.Sub(old.window) > ShortCodeTTL {
					delete(s.guesses, k)
				}
			}
			if len(s.guesses) >= maxGuessers {
				return false
			}
		}
		if s.guesses == nil {
			s.guesses = map[string]*guessCount{}
		}
		g = &guessCount{window: now}
		s.guesses[client] = g
	}
	g.n++
	return g.n <= shortCodeGuesses
}

// shortCodesOpen reports whether client may still try a short code.
func (s *Service) shortCodesOpen(client string, now time.Time) bool {
	s.guessMu.Lock()
	defer s.guessMu.Unlock()
	g := s.guesses[client]
	return g == nil || now.Sub(g.window) > ShortCodeTTL || g.n < shortCodeGuesses
}

// Export releases the dossier of a grant directly to a file, encrypted to
// the helper's P-256 key from the trust list, for when the wallet cannot be
// reached. The release is logged like any other.
func (s *Service) Export(ctx context.Context, id string) (string, error) {
	var out string
	err := s.update(ctx, func(tx *wallet.Tx) error {
		g, err := getGrant(tx, id)
		if err != nil {
			return err
		}
		if err := g.Usable(tx.Now()); err != nil {
			return err
		}
		org, ok, err := s.Trust.Organisation(ctx, g.Audience)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%q: %w", g.Audience, ErrNotHelper)
		}
		enc, ok := org.EncryptionKey()
		if !ok {
			return fmt.Errorf("%s has no encryption key in the trust list", g.Audience)
		}
		d, err := buildDossier(tx, g, s.factotum())
		if err != nil {
			return err
		}
		out, err = SealDossier(d, enc)
		return err
	})
	return out, err
}
