package consent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"regie/trust"
	"regie/wallet"
)

// A grant's redemption record lets a helper be served while the resident is
// away: the dossier the wallet signed while unlocked, encrypted to the
// helper's encryption key from the trust list (a JWE, as SealDossier makes
// it), with everything needed to check a presentation (the grant, the
// helper's key, the wallet's public key), sealed under a key derived from
// the grant's handle and stored by the hash of the handle. The handle opens
// the check data only: it sits in a URL path, so it may be in a proxy's
// access log or on a photographed QR code, and together with a copy of the
// host's disk it must still not reveal the resident's finances. Only the
// helper's private key opens the dossier.

// RecordRef is the consent token's "rdm" claim: where the grant's record
// lies and the key that opens it, so that a later fetch with the token finds
// the same record without the handle.
type RecordRef struct {
	ID  string `json:"id"`
	Key string `json:"k"`
}

const recordInfo = "regie/v1/redemption-record"

// recordRefOf derives a grant's record id (SHA-256 of the handle) and key
// (HKDF-SHA256 of the handle).
func recordRefOf(handle string) (id, key []byte, err error) {
	sum := sha256.Sum256([]byte(handle))
	key, err = hkdf.Key(sha256.New, []byte(handle), nil, recordInfo, 32)
	return sum[:], key, err
}

func (r RecordRef) decode() (id, key []byte, ok bool) {
	id, err1 := base64.RawURLEncoding.DecodeString(r.ID)
	key, err2 := base64.RawURLEncoding.DecodeString(r.Key)
	return id, key, err1 == nil && err2 == nil && len(id) == sha256.Size && len(key) == 32
}

func newRecordRef(handle string) (*RecordRef, error) {
	id, key, err := recordRefOf(handle)
	if err != nil {
		return nil, err
	}
	return &RecordRef{ID: base64.RawURLEncoding.EncodeToString(id), Key: base64.RawURLEncoding.EncodeToString(key)}, nil
}

// record is what a redemption record holds once opened.
type record struct {
	Grant     Grant           `json:"grant"`
	HelperKey jose.JSONWebKey `json:"helper_key"`
	WalletKey []byte          `json:"wallet_key"`
	// Answer is the signed dossier (or signals release) encrypted to the
	// helper's encryption key: what the helper is sent. Empty when the
	// helper has no encryption key in the trust list: then the record only
	// tells the helper that the resident must be present (ErrResidentAbsent).
	Answer string `json:"answer,omitempty"`
	// Plain is the signed dossier as the first records held it, readable
	// by whoever had the handle. It is never served (ErrResidentAbsent);
	// the next refresh seals the record again without it.
	Plain string `json:"dossier,omitempty"`
	Count int    `json:"count"`
	// ForVault is, for a signals grant, the signed release encrypted to the
	// vault's own encryption key, so that the resident can read what was
	// served without the handle's record showing it.
	ForVault string `json:"for_vault,omitempty"`
	// Served and ServedAt are, for a signals grant, the release its helper
	// last received from the record (ForVault at that moment) and when, so
	// that the resident can read exactly that at the next unlock (Settle),
	// however often the record was re-signed meanwhile.
	Served   string    `json:"served,omitempty"`
	ServedAt time.Time `json:"served_at,omitzero"`
}

// releaseCopyType is the JWE typ of a signals release encrypted to the
// vault (record.ForVault).
const releaseCopyType = "regie-release+jwe"

func sealRecord(id, key []byte, r record) ([]byte, error) {
	plain, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return wallet.SealWithSecret(key, id, plain)
}

func openRecord(id, key, sealed []byte) (record, error) {
	var r record
	plain, err := wallet.OpenWithSecret(key, id, sealed)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(plain, &r); err != nil {
		return r, fmt.Errorf("redemption record: %w", wallet.ErrCorrupt)
	}
	return r, nil
}

func (s *Service) box() *wallet.Box {
	if s.Box != nil {
		return s.Box
	}
	return s.Vault.Box()
}

func (s *Service) now() time.Time {
	if s.Vault != nil {
		return s.Vault.Now()
	}
	return time.Now()
}

// sealRecords signs a fresh dossier for each grant and stores its record,
// keeping the uses already counted in an existing one. Only the resident's
// unlocked vault can do this.
func (s *Service) sealRecords(ctx context.Context, grants []Grant) error {
	if len(grants) == 0 {
		return nil
	}
	walletKey, err := s.factotum().PublicKey()
	if err != nil {
		return err
	}
	recs := make([]record, len(grants))
	encs := make([]*jose.JSONWebKey, len(grants))
	for i, g := range grants {
		org, hk, err := s.helper(ctx, g)
		if err != nil {
			return err
		}
		if enc, ok := org.EncryptionKey(); ok {
			encs[i] = &enc
		}
		g.Handle, g.ShortCode, g.ShortCodeExpiry, g.ShortCodeFails = "", "", time.Time{}, 0
		recs[i] = record{Grant: g, HelperKey: hk, WalletKey: walletKey}
	}
	signed := make([]string, len(recs))
	err = s.Vault.View(ctx, func(tx *wallet.Tx) error {
		for i := range recs {
			if encs[i] == nil {
				continue // nothing to sign: only the present resident's wallet serves this helper
			}
			var err error
			if signed[i], recs[i].Count, err = signDossier(tx, recs[i].Grant, s.factotum()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range recs {
		if encs[i] == nil {
			continue
		}
		if recs[i].Answer, err = SealDossier(signed[i], *encs[i]); err != nil {
			return err
		}
		if recs[i].Grant.Scope.Signals() {
			pub, err := s.Vault.PublicEncryptionKey()
			if err != nil {
				return err
			}
			if recs[i].ForVault, err = wallet.EncryptTo(pub, releaseCopyType, []byte(signed[i])); err != nil {
				return err
			}
		}
	}
	return s.box().Update(ctx, func(tx *wallet.BoxTx) error {
		for i, g := range grants {
			id, k, err := recordRefOf(g.Handle)
			if err != nil {
				return err
			}
			old, err := tx.Record(id)
			if err != nil {
				return err
			}
			if old != nil {
				if prev, err := openRecord(id, k, old); err == nil {
					recs[i].Grant.Uses = max(recs[i].Grant.Uses, prev.Grant.Uses)
					// A release served from a record of the first format
					// is plain; Settle has kept it in the vault already
					// (CatchUp settles before it refreshes), so it is not
					// carried into the new record.
					if IsEncrypted(prev.Served) {
						recs[i].Served, recs[i].ServedAt = prev.Served, prev.ServedAt
					}
				}
			}
			sealed, err := sealRecord(id, k, recs[i])
			if err != nil {
				return err
			}
			if err := tx.PutRecord(id, sealed); err != nil {
				return err
			}
		}
		return nil
	})
}

// helperKey is the key a grant's helper proves with, as the resident's trust
// list holds it now; ErrNoLongerHelper once the list no longer names the
// organisation as a helper with that key.
func (s *Service) helperKey(ctx context.Context, g Grant) (jose.JSONWebKey, error) {
	_, hk, err := s.helper(ctx, g)
	return hk, err
}

// helper is a grant's helper as the resident's trust list holds it now,
// and the key it proves with (see helperKey).
func (s *Service) helper(ctx context.Context, g Grant) (trust.Organisation, jose.JSONWebKey, error) {
	org, ok, err := s.Trust.Organisation(ctx, g.Audience)
	if err != nil {
		return org, jose.JSONWebKey{}, err
	}
	hk, found := org.KeyByThumbprint(g.JKT)
	if !ok || !found || org.Kind != trust.KindHelper {
		return org, jose.JSONWebKey{}, fmt.Errorf("%q: %w", g.Audience, ErrNoLongerHelper)
	}
	return org, hk, nil
}

// Refresh re-signs the dossier of every grant in force and stores it in the
// grant's record, and deletes the records of grants no longer in force or
// whose helper the resident's trust list no longer names. The
// wallet calls it whenever statements were imported while unlocked, so that
// what a helper gets while the resident is away is as new as the vault.
func (s *Service) Refresh(ctx context.Context) error {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	grants, err := s.List(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	var live []Grant
	var gone [][]byte
	for _, g := range grants {
		if !g.Sealed {
			continue
		}
		_, herr := s.helperKey(ctx, g)
		if herr != nil && !errors.Is(herr, ErrNoLongerHelper) {
			return herr
		}
		switch st := g.Status(now); {
		case herr == nil && (st == StatusActive || st == StatusNotYetValid):
			live = append(live, g)
		default:
			id, _, err := recordRefOf(g.Handle)
			if err != nil {
				return err
			}
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		err := s.box().Update(ctx, func(tx *wallet.BoxTx) error {
			for _, id := range gone {
				if err := tx.DeleteRecord(id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return s.sealRecords(ctx, live)
}

// CatchUp brings the vault up to date at unlock with what happened while it
// was locked: access events join the log, the uses helpers made of each
// grant are counted in the vault, and the records are refreshed. Pushed
// statements are imported before this (connectors.Importer.ImportPending),
// so that the refreshed dossiers hold them.
func (s *Service) CatchUp(ctx context.Context) error {
	if err := s.Settle(ctx); err != nil {
		return err
	}
	return s.Refresh(ctx)
}

// Settle joins the accesses logged in the box to the resident's log and
// counts the uses helpers made of each grant in the vault, in one vault
// transaction, so that a crash leaves uses and log entries agreeing. The
// wallet calls it after a redemption from a record while the resident is
// present, and at unlock.
func (s *Service) Settle(ctx context.Context) error {
	grants, err := s.List(ctx)
	if err != nil {
		return err
	}
	uses := map[string]int{}
	served := map[string]record{}
	read := func(tx *wallet.BoxTx) error {
		for _, g := range grants {
			if !g.Sealed {
				continue
			}
			id, k, err := recordRefOf(g.Handle)
			if err != nil {
				return err
			}
			sealed, err := tx.Record(id)
			if err != nil || sealed == nil {
				continue
			}
			if r, err := openRecord(id, k, sealed); err == nil && r.Grant.Uses > g.Uses {
				uses[g.ID] = r.Grant.Uses
				if r.Served != "" {
					if r.Served, err = s.servedRelease(ctx, r.Served); err != nil {
						return err
					}
					served[g.ID] = r
				}
			}
		}
		return nil
	}
	write := func(tx *wallet.Tx) error {
		for id, n := range uses {
			g, err := getGrant(tx, id)
			if err != nil {
				return err
			}
			g.Uses = max(g.Uses, n)
			if err := tx.Put(bucketGrants, tx.Key("grant", g.ID), g); err != nil {
				return err
			}
			if r, ok := served[id]; ok {
				if err := keepRelease(tx, g, r.Served, r.ServedAt); err != nil {
					return err
				}
			}
		}
		return nil
	}
	_, err = s.Vault.JoinEventsWith(ctx, s.box(), read, write)
	return err
}

// servedRelease is the signed release a record says its helper received:
// encrypted to the vault, or (a record of the first format) as signed.
func (s *Service) servedRelease(ctx context.Context, served string) (string, error) {
	if !IsEncrypted(served) {
		return served, nil
	}
	jws, err := s.Vault.Decrypt(ctx, releaseCopyType, served)
	return string(jws), err
}

// ErrNoRecord is returned by RedeemSealed when the presentation names a
// grant that has no redemption record (a grant made before records existed,
// or a short code), or asks for part of the grant's scope: only the unlocked
// vault can serve it.
var ErrNoRecord = errors.New("no redemption record for this presentation")

// ErrResidentAbsent is returned by RedeemSealed when the grant's record
// holds no answer it may send: the helper has no encryption key in the
// trust list (a dossier is never kept readable to whoever has the handle),
// or the record is of the first format, which kept the dossier readable and
// is sealed again at the resident's next unlock. Only the resident's
// unlocked wallet can serve it; it is an ErrNoRecord.
var ErrResidentAbsent = fmt.Errorf("%w: this consent is served only while the resident's wallet is open", ErrNoRecord)

// errNarrower: a presentation asked for part of the grant's scope; the
// stored dossier holds all of it, so only the unlocked vault can answer.
var errNarrower = errors.New("narrower scope asked")

// RedeemSealed serves a helper from the grant's redemption record, with no
// key of the vault: it opens the record with the handle (or the key the
// consent token carries), checks the proof of possession, the grant's time,
// uses and purpose, counts the use and answers the stored dossier, which is
// encrypted to the helper's encryption key (a JWE the helper opens with
// OpenDossier). A record without such an answer is refused with
// ErrResidentAbsent once the presentation checked out, and nothing is
// counted. The
// acceptance, or a refusal of a known grant, is logged in the box, encrypted
// to the vault, to join the resident's log at the next unlock. A revoked
// grant has no record and is refused as unknown.
func (s *Service) RedeemSealed(ctx context.Context, p Presentation) (string, Grant, error) {
	var g Grant
	id, key, err := presentedRef(p)
	if err != nil {
		return "", g, err
	}
	now := s.now()
	// The refusal names the helper only once its proof verified.
	actor := ""
	unlocked := s.Vault != nil && s.Vault.Unlocked()
	var dossier string
	box := s.box()
	// The costly checks (parsing, the token's and the proof's signatures)
	// run before the write, where redemptions run on every core at once;
	// the write, which runs one at a time, repeats them only when the
	// record changed meanwhile (checked holds the record they passed on).
	proof, pc, proofErr := parseProof(p.Proof)
	var checked []byte
	var opened record
	var prepared *wallet.PreparedEvents
	if proofErr == nil {
		checked, opened, prepared = s.presigned(ctx, box, id, key, proof, pc, now)
	}
	err = box.Update(ctx, func(tx *wallet.BoxTx) error {
		sealed, err := tx.Record(id)
		if err != nil {
			return err
		}
		if sealed == nil {
			return ErrUnknownGrant
		}
		unchanged := bytes.Equal(checked, sealed) // as presigned checked it
		rec := opened
		if !unchanged {
			if rec, err = openRecord(id, key, sealed); err != nil {
				return ErrUnknownGrant
			}
		}
		g = rec.Grant
		if unlocked {
			// The resident's trust list is at hand: it decides now.
			if _, err := s.helperKey(ctx, g); err != nil {
				return err
			}
		}
		if proofErr != nil {
			return proofErr
		}
		// unchanged: presigned verified the proof with this record's key.
		if unchanged || signedByOneOf(proof, []jose.JSONWebKey{rec.HelperKey}) {
			actor = pc.Issuer
		}
		if !unlocked && s.HostTrust != nil {
			if err := hostStillServes(s.HostTrust, g); err != nil {
				return err
			}
		}
		if p.Token != "" && !g.holdsToken(p.Token) {
			return ErrInvalidToken
		}
		proofID := sha256.Sum256([]byte(pc.Issuer + "\x00" + pc.ID))
		helperKey := func(jkt string) (jose.JSONWebKey, bool) {
			tp, err := trust.Thumbprint(rec.HelperKey)
			return rec.HelperKey, err == nil && tp == jkt
		}
		seen := func() (bool, error) { return tx.ProofSeen(proofID[:]) }
		check := checkRequest
		if !unchanged { // the record changed: check its signatures too
			check = func(g Grant, p Presentation, pc ProofClaims, now time.Time, seen func() (bool, error)) error {
				return checkPresentation(g, p, proof, pc, helperKey, ed25519.PublicKey(rec.WalletKey), now, seen)
			}
		}
		if err := check(g, p, pc, now, seen); err != nil {
			return err
		}
		if len(p.Want) > 0 && !p.Want.Covers(g.Scope) {
			return errNarrower // the stored dossier holds the whole scope
		}
		if rec.Answer == "" {
			return ErrResidentAbsent // nothing here that only the helper can read
		}
		g.Uses++
		rec.Grant.Uses = g.Uses
		if g.Scope.Signals() {
			rec.Served, rec.ServedAt = rec.ForVault, now.UTC()
		}
		if sealed, err = sealRecord(id, key, rec); err != nil {
			return err
		}
		if err := tx.PutRecord(id, sealed); err != nil {
			return err
		}
		if err := tx.MarkProof(proofID[:], time.Unix(pc.IssuedAt, 0)); err != nil {
			return err
		}
		if err := tx.PruneProofs(now.Add(-3 * Leeway)); err != nil {
			return err
		}
		if unchanged && prepared != nil {
			// Encrypted before the write; encrypted again here only when
			// the box's chain moved meanwhile.
			if err := tx.AddPrepared(prepared); err != nil {
				return err
			}
		} else {
			for _, ev := range releaseEvents(rec) {
				if err := tx.AddEvent(ev, now); err != nil {
					return err
				}
			}
		}
		dossier = rec.Answer
		return nil
	})
	if errors.Is(err, errNarrower) {
		return "", g, ErrNoRecord
	}
	if errors.Is(err, ErrResidentAbsent) {
		return "", g, err
	}
	if err != nil {
		if errors.Is(err, ErrUnknownGrant) && g.ID == "" {
			return "", g, err // nothing known to log it against
		}
		return "", g, s.logRefusal(ctx, g, actor, err, now)
	}
	return dossier, g, nil
}

// hostStillServes checks a grant against the host's trust list as it is
// now: its audience must still be a helper there, and the key the grant
// names (cnf.jkt, the key the record holds) one the list still names for
// it. A helper that added a new key keeps its consents while the old key
// stays listed.
func hostStillServes(l HelperList, g Grant) error {
	org, ok := l.Organisation(g.Audience)
	if !ok || org.Kind != trust.KindHelper {
		return ErrHostDropped
	}
	if _, ok := org.KeyByThumbprint(g.JKT); !ok {
		return ErrKeyWithdrawn
	}
	return nil
}

// presigned runs RedeemSealed's signature checks outside the write and
// encrypts the events a release logs: it returns the sealed record they
// passed on, the record opened and the events, or nil (then the write
// checks everything itself and says what failed).
func (s *Service) presigned(ctx context.Context, box *wallet.Box, id, key []byte, proof *jose.JSONWebSignature, pc ProofClaims, now time.Time) ([]byte, record, *wallet.PreparedEvents) {
	var sealed []byte
	var chain wallet.ChainState
	if err := box.View(ctx, func(tx *wallet.BoxTx) error {
		raw, err := tx.Record(id)
		if err != nil || raw == nil {
			return err
		}
		sealed = bytes.Clone(raw)
		chain, err = tx.ChainState()
		return err
	}); err != nil || sealed == nil {
		return nil, record{}, nil
	}
	rec, err := openRecord(id, key, sealed)
	if err != nil {
		return nil, record{}, nil
	}
	helperKey := func(jkt string) (jose.JSONWebKey, bool) {
		tp, err := trust.Thumbprint(rec.HelperKey)
		return rec.HelperKey, err == nil && tp == jkt
	}
	if checkSigned(rec.Grant, proof, pc, helperKey, ed25519.PublicKey(rec.WalletKey), now) != nil {
		return nil, record{}, nil
	}
	prepared, err := chain.PrepareEvents(releaseEvents(rec), now)
	if err != nil {
		return sealed, rec, nil
	}
	return sealed, rec, prepared
}

// releaseEvents are what a release from a sealed record logs.
func releaseEvents(rec record) []wallet.Event {
	g := rec.Grant
	ok := wallet.Event{Kind: wallet.EventPresentationOK, Actor: g.Audience, Purpose: string(g.Purpose), Scope: g.Scope, Grant: g.ID}
	released := ok
	released.Kind, released.Count = wallet.EventDossierReleased, rec.Count
	return []wallet.Event{ok, released}
}

// logRefusal writes a refused presentation of a known grant to the box.
func (s *Service) logRefusal(ctx context.Context, g Grant, actor string, err error, now time.Time) error {
	var r *trust.Refusal
	if !errors.As(err, &r) || ctx.Err() != nil {
		return err
	}
	ev := refusalEvent(actor, g, r)
	if lerr := s.box().Update(ctx, func(tx *wallet.BoxTx) error { return tx.AddEvent(ev, now) }); lerr != nil {
		return errors.Join(err, lerr)
	}
	return err
}

// presentedRef finds the record a presentation points at: by the handle
// from the QR URL, or by the reference the consent token carries.
func presentedRef(p Presentation) (id, key []byte, err error) {
	switch {
	case p.Handle != "":
		if len(p.Handle) > 128 {
			return nil, nil, ErrUnknownGrant
		}
		return recordRefOf(p.Handle)
	case p.Token != "":
		ref, err := tokenRef(p.Token)
		if err != nil {
			return nil, nil, err
		}
		if ref == nil {
			return nil, nil, ErrNoRecord
		}
		id, key, ok := ref.decode()
		if !ok {
			return nil, nil, ErrInvalidToken
		}
		return id, key, nil
	}
	return nil, nil, ErrNoRecord
}

// tokenRef reads the rdm claim of a consent token after checking its
// header; the token is compared with the one in the record once it is open.
func tokenRef(token string) (*RecordRef, error) {
	if len(token) > 8192 {
		return nil, ErrInvalidToken
	}
	if _, err := trust.ParseHeader(token, ConsentType, false); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return nil, ErrInvalidToken
	}
	var tc TokenClaims
	if err := tok.UnsafeClaimsWithoutVerification(&tc); err != nil {
		return nil, ErrInvalidToken
	}
	return tc.Record, nil
}
