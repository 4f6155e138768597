package consent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/trust"
	"regie/wallet"
)

// DossierType is the typ header of a dossier.
const DossierType = "regie-dossier+jwt"

// Dossier is what a helper receives: the overview restricted to the grant's
// scope, the original statements it was compiled from, the grant itself and
// when it was released.
type Dossier struct {
	Grant      string          `json:"grant"`
	ReleasedAt time.Time       `json:"released_at"`
	Overview   wallet.Overview `json:"overview"`
	Statements []string        `json:"statements"`
	// SelfDeclared is what the resident stated themselves (household, costs
	// no organisation signs), inside the grant's scope. No organisation
	// signed it: it is its own section so it is never read as signed.
	SelfDeclared *wallet.SelfDeclared `json:"self_declared,omitempty"`
	// Client names who the dossier is about, only under the scope
	// "client": the name and BSN of the wallet's profile, as the resident
	// entered them. Without "client" the BSN appears nowhere in the
	// dossier outside the signed statements.
	Client *Client `json:"client,omitempty"`
}

// Client is the name and BSN the resident gave their wallet. Like the rest
// of the "client" scope it is self-declared; the statements' sub is what
// organisations signed.
type Client struct {
	Name string `json:"name"`
	BSN  string `json:"bsn"`
}

// buildDossier compiles and signs the dossier for a grant, as the wallet,
// inside the transaction that releases it, and logs the release. Only
// statements inside the grant's scope go in; the overview is compiled from
// exactly those.
func buildDossier(tx *wallet.Tx, g Grant, wf trust.Factotum) (string, error) {
	out, n, err := signDossier(tx, g, wf)
	if err != nil {
		return "", err
	}
	err = tx.AppendEvent(wallet.Event{Kind: wallet.EventDossierReleased, Actor: g.Audience, Purpose: string(g.Purpose),
		Scope: g.Scope, Grant: g.ID, Count: n})
	return out, err
}

// signDossier compiles and signs the dossier of a grant as the vault holds
// it now, and says how many statements it carries.
//
// A grant with the scope "signals" gets a signals release instead, its own
// kind (signSignals), and the count is its number of signals.
func signDossier(tx *wallet.Tx, g Grant, wf trust.Factotum) (string, int, error) {
	if g.Scope.Signals() {
		return signSignals(tx, g, wf)
	}
	all, err := tx.AllSeries()
	if err != nil {
		return "", 0, err
	}
	var series []wallet.Series
	var jws []string
	for _, s := range all {
		var keep []wallet.Statement
		for i := range s.Versions {
			if g.Scope.Allows(&s.Versions[i]) {
				keep = append(keep, s.Versions[i])
				jws = append(jws, s.Versions[i].JWS)
			}
		}
		if len(keep) > 0 {
			series = append(series, wallet.Series{Versions: keep})
		}
	}
	if jws == nil {
		jws = []string{}
	}
	mine, err := tx.Declared()
	if err != nil {
		return "", 0, err
	}
	declared := g.Scope.Declared(mine)
	now := tx.Now().UTC().Truncate(time.Second)
	d := Dossier{Grant: g.Token, ReleasedAt: now, Overview: wallet.CompileAll(series, deref(declared), now), Statements: jws,
		SelfDeclared: declared}
	if slices.Contains(g.Scope, ScopeClient) {
		p := tx.Profile()
		d.Client = &Client{Name: p.Name, BSN: p.BSN.Digits()}
	}
	payload, err := json.Marshal(d)
	if err != nil {
		return "", 0, err
	}
	// The header names the wallet key, so that the helper can check the
	// signature against the thumbprint from the QR code.
	out, err := trust.SignAsWallet(wf, DossierType, payload, true)
	return out, len(jws), err
}

// Reasons a helper refuses a dossier.
var (
	ErrDossierMalformed  = dossierRefusal("dossier_malformed", "not a Regie dossier")
	ErrDossierSignature  = dossierRefusal("dossier_bad_signature", "the wallet's signature on the dossier does not verify")
	ErrWalletKey         = dossierRefusal("dossier_wrong_wallet", "the dossier was signed by another wallet than the QR code names")
	ErrNotForUs          = dossierRefusal("dossier_not_for_us", "the consent in the dossier names another organisation or key")
	ErrStatementRefused  = dossierRefusal("dossier_statement_refused", "a statement in the dossier does not verify")
	ErrOverviewMismatch  = dossierRefusal("dossier_overview_mismatch", "the overview does not follow from the signed statements")
	ErrDossierFromFuture = dossierRefusal("dossier_from_future", "the dossier claims to be released in the future")
	ErrRepeatedStatement = dossierRefusal("dossier_statement_repeated", "the dossier holds one statement more than once")
)

// dossierRefusal makes a reason a helper refuses a dossier; a desk or case
// system that passes it on answers 422.
func dossierRefusal(code, message string) *trust.Refusal {
	return trust.NewRefusal(http.StatusUnprocessableEntity, code, message)
}

// VerifiedDossier is a dossier whose every figure was checked.
type VerifiedDossier struct {
	Dossier
	WalletID   string             `json:"wallet_id"`
	Audience   string             `json:"audience"`
	Purpose    Purpose            `json:"purpose"`
	Scope      Scope              `json:"scope"`
	ValidUntil time.Time          `json:"valid_until"`
	Verified   []wallet.Statement `json:"-"`
	// SignedBy maps a statement's (iss, jti) to the key id that signed it:
	// a jti is unique only within its issuer.
	SignedBy map[[2]string]string `json:"-"`
	// JWS is the dossier exactly as the wallet signed it, so that a helper
	// can keep it and verify it again later (a comparison with the next
	// fetch works only on what verifies).
	JWS string `json:"-"`
}

// HelperCheck is what a helper knows before it opens a dossier.
type HelperCheck struct {
	// WalletID is the wk from the QR code; empty when there was no QR
	// (an offline file), in which case the wallet key is not pinned.
	WalletID string
	HelperID string
	// HelperJKT is the thumbprint of the helper's own signing key.
	HelperJKT string
	Trust     *trust.List
	Now       time.Time
}

// VerifyDossier checks a dossier as a helper must before trusting it: the
// wallet's signature by the key the QR code named, the grant naming this
// helper and its key, every statement's organisation signature against the
// helper's own trust list, every statement inside the grant's scope, and the
// overview being exactly what the statements compile to.
func VerifyDossier(jws string, hc HelperCheck) (*VerifiedDossier, error) {
	payload, wk, err := openWalletJWS(jws, DossierType, hc, ErrDossierMalformed)
	if err != nil {
		return nil, err
	}
	var d Dossier
	if err := trust.DecodeStrict(payload, &d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDossierMalformed, err)
	}
	// The grant must have held when the dossier was released.
	rg, err := checkRelease(d.Grant, d.ReleasedAt, wk, hc)
	if err != nil {
		return nil, err
	}
	// A signals consent releases signals, never a dossier.
	if rg.scope.Signals() {
		return nil, fmt.Errorf("%w: a dossier under a signals consent", ErrOutOfScope)
	}
	vd := &VerifiedDossier{Dossier: d, WalletID: wk.id, Audience: hc.HelperID, Purpose: rg.purpose, Scope: rg.scope,
		ValidUntil: rg.until, SignedBy: map[[2]string]string{}, JWS: jws}
	// Every statement must be about the person the first one names.
	v := &trust.Verifier{Trust: hc.Trust, Now: func() time.Time { return d.ReleasedAt }, AllowExpired: true}
	if len(d.Statements) > 0 {
		v.Subject = peekSubject(d.Statements[0])
	}
	bySeries := map[[2]string]int{}
	seen := map[[2]string]bool{}
	var series []wallet.Series
	for i, s := range d.Statements {
		st, err := v.Verify(s)
		if err != nil {
			return nil, fmt.Errorf("%w: statement %d: %v", ErrStatementRefused, i+1, err)
		}
		// A wallet stores each (iss, jti) once; a repeat would count one
		// debt several times in the counsellor's rows.
		id := [2]string{st.Issuer, st.ID}
		if seen[id] {
			return nil, fmt.Errorf("%w: statement %d", ErrRepeatedStatement, i+1)
		}
		seen[id] = true
		if !rg.scope.Allows(&st) {
			return nil, fmt.Errorf("%w: statement %d lies outside the consent", ErrOutOfScope, i+1)
		}
		st.ImportedAt = time.Time{}
		kid, _ := trust.ParseHeader(s, trust.StatementType, false)
		vd.SignedBy[id] = kid.Kid
		vd.Verified = append(vd.Verified, st)
		key := [2]string{st.Issuer, st.Reference()}
		if n, ok := bySeries[key]; ok {
			series[n].Versions = append(series[n].Versions, st)
		} else {
			bySeries[key] = len(series)
			series = append(series, wallet.Series{Versions: []wallet.Statement{st}})
		}
	}
	for _, s := range series {
		wallet.SortVersions(s.Versions)
	}
	if err := checkDeclared(d.SelfDeclared, rg.scope, d.ReleasedAt); err != nil {
		return nil, err
	}
	if err := checkClient(d.Client, rg.scope, v.Subject.Digits()); err != nil {
		return nil, err
	}
	want, _ := json.Marshal(wallet.CompileAll(series, deref(d.SelfDeclared), d.ReleasedAt))
	got, _ := json.Marshal(d.Overview)
	if !bytes.Equal(want, got) {
		return nil, ErrOverviewMismatch
	}
	return vd, nil
}

func deref(d *wallet.SelfDeclared) wallet.SelfDeclared {
	if d == nil {
		return wallet.SelfDeclared{}
	}
	return *d
}

// checkClient refuses a client section outside the scope "client", with
// a BSN that fails the 11-check, or naming another person than the
// statements are about.
func checkClient(c *Client, scope Scope, subject string) error {
	if c == nil {
		return nil
	}
	if !slices.Contains(scope, ScopeClient) {
		return fmt.Errorf("%w: client data without the client scope", ErrOutOfScope)
	}
	if _, err := wallet.ParseBSN(c.BSN); err != nil || (subject != "" && subject != c.BSN) {
		return fmt.Errorf("%w: the client's BSN is not the one the statements name", ErrDossierMalformed)
	}
	return nil
}

// checkDeclared refuses a self-declared section that breaks the rules the
// wallet enforces, or holds more than the consent covers.
func checkDeclared(d *wallet.SelfDeclared, scope Scope, at time.Time) error {
	if d == nil {
		return nil
	}
	if len(d.Costs) > 0 && !slices.Contains(scope, ScopeExpenses) {
		return fmt.Errorf("%w: self-declared costs without the expenses scope", ErrOutOfScope)
	}
	if (d.Household != nil || d.Client != nil) && !slices.Contains(scope, ScopeClient) {
		return fmt.Errorf("%w: a household or client details without the client scope", ErrOutOfScope)
	}
	if d.Client != nil {
		if err := d.Client.Validate(); err != nil {
			return fmt.Errorf("%w: client details: %v", ErrDossierMalformed, err)
		}
	}
	if len(d.Costs) > wallet.MaxOwnCosts {
		return fmt.Errorf("%w: too many self-declared costs", ErrDossierMalformed)
	}
	for _, c := range d.Costs {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("%w: self-declared cost: %v", ErrDossierMalformed, err)
		}
	}
	if d.Household != nil {
		if err := d.Household.Validate(at); err != nil {
			return fmt.Errorf("%w: household: %v", ErrDossierMalformed, err)
		}
	}
	return nil
}

func peekSubject(jws string) wallet.BSN {
	obj, err := jose.ParseSignedCompact(jws, trust.Algorithms)
	if err != nil {
		return ""
	}
	var p struct {
		Sub string `json:"sub"`
	}
	_ = json.Unmarshal(obj.UnsafePayloadWithoutVerification(), &p)
	return wallet.BSN(p.Sub)
}

// SealDossier encrypts a dossier to a helper's P-256 encryption key
// (ECDH-ES+A256KW, A256GCM) for an offline handover.
//
// A signals release is sealed the same way, with its own content type.
func SealDossier(dossier string, helperEnc jose.JSONWebKey) (string, error) {
	cty := DossierType
	if Kind(dossier) == SignalsType {
		cty = SignalsType
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.ECDH_ES_A256KW, Key: helperEnc.Key, KeyID: helperEnc.KeyID},
		(&jose.EncrypterOptions{}).WithContentType(jose.ContentType(cty)).WithType(DossierJWEType))
	if err != nil {
		return "", err
	}
	obj, err := enc.Encrypt([]byte(dossier))
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// DossierJWEType is the typ header of a dossier (or signals release)
// encrypted to a helper: an offline file, and the wallet's answer to a
// helper that has an encryption key in the trust list.
const DossierJWEType = "regie-dossier+jwe"

// Reasons a helper cannot open an encrypted dossier.
var (
	// ErrCannotOpen: the JWE names another recipient key than the
	// helper's own (another helper's), or the helper holds no encryption
	// key at all.
	ErrCannotOpen = dossierRefusal("dossier_cannot_open", "the dossier is encrypted to another key than this helper's encryption key")
	// ErrDossierAltered: the JWE names the helper's key but does not
	// decrypt with it: altered or damaged on its way.
	ErrDossierAltered = dossierRefusal("dossier_altered", "the encrypted dossier does not decrypt with this helper's key: it was altered or damaged")
)

// IsEncrypted tells an encrypted answer (a compact JWE, five parts) from
// a signed one (a compact JWS, three parts). It checks nothing else.
func IsEncrypted(answer string) bool { return strings.Count(answer, ".") == 4 }

// OpenDossier decrypts a dossier encrypted to the helper (an offline file,
// or a wallet's answer) with the helper's private encryption key and
// returns the signed dossier inside, which the caller verifies as usual.
func OpenDossier(jwe string, helperDec jose.JSONWebKey) (string, error) {
	obj, err := jose.ParseEncryptedCompact(jwe, []jose.KeyAlgorithm{jose.ECDH_ES_A256KW}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrDossierMalformed, err)
	}
	if obj.Header.ExtraHeaders[jose.HeaderKey("zip")] != nil {
		return "", ErrDossierMalformed
	}
	if typ, _ := obj.Header.ExtraHeaders[jose.HeaderType].(string); typ != DossierJWEType {
		return "", fmt.Errorf("%w: not an encrypted dossier (typ %q)", ErrDossierMalformed, typ)
	}
	if helperDec.Key == nil {
		return "", fmt.Errorf("%w: this helper has no encryption key to open it with", ErrCannotOpen)
	}
	if kid := obj.Header.KeyID; kid != "" && helperDec.KeyID != "" && kid != helperDec.KeyID {
		return "", fmt.Errorf("%w (it names key %q, this helper holds %q)", ErrCannotOpen, kid, helperDec.KeyID)
	}
	plain, err := obj.Decrypt(helperDec.Key)
	if err != nil {
		if obj.Header.KeyID != "" && obj.Header.KeyID == helperDec.KeyID {
			return "", ErrDossierAltered
		}
		return "", fmt.Errorf("%w, or it was altered", ErrCannotOpen)
	}
	return string(plain), nil
}
