package consent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"regie/trust"
	"regie/wallet"
)

// Extend gives a running grant a later end: the consent then holds for l
// counted from now (or from its start, when that lies ahead), at most the
// purpose's MaxLength counted the same way, and must end later than it
// does. The helper, its key (cnf.jkt), purpose and scope stay; the grant
// gets a new token with the same id, and so a new receipt; the extension is
// logged in the chained log, and the redemption record is re-sealed with
// the new token so helpers are served to the new end while the resident is
// away. The token the helper already holds keeps working: the next answer
// carries the new one.
//
// A grant that is revoked, used up or over cannot be extended (its
// refusal says why): the resident gives a new consent instead.
func (s *Service) Extend(ctx context.Context, id string, l Length) (Grant, error) {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	g, err := s.Get(ctx, id)
	if err != nil {
		return g, err
	}
	if err := g.Shareable(s.Vault.Now()); err != nil {
		return g, err
	}
	// The same counsellor: the key the grant is bound to must still be
	// that helper's in the resident's trust list.
	if _, err := s.helperKey(ctx, g); err != nil {
		return g, err
	}
	walletID, err := trust.WalletID(s.factotum())
	if err != nil {
		return g, err
	}
	err = s.update(ctx, func(tx *wallet.Tx) error {
		var err error
		if g, err = getGrant(tx, id); err != nil {
			return err
		}
		now := tx.Now().UTC().Truncate(time.Second)
		if err := g.Shareable(now); err != nil {
			return err
		}
		start := now
		if g.NotBefore.After(now) {
			start = g.NotBefore
		}
		if err := l.within(g.Purpose, start); err != nil {
			return err
		}
		until := l.From(start)
		if !until.After(g.Expiry) {
			return &wallet.ValidationError{Field: "length", Problem: fmt.Sprintf("must end after the consent's present end, %s",
				g.Expiry.Format(time.DateOnly))}
		}
		std := jwt.Claims{Issuer: walletID, Audience: jwt.Audience{g.Audience}, ID: g.ID,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(g.NotBefore), Expiry: jwt.NewNumericDate(until)}
		tc := TokenClaims{Purpose: g.Purpose, Scope: g.Scope}
		tc.Cnf.JKT = g.JKT
		if tc.Record, err = newRecordRef(g.Handle); err != nil {
			return err
		}
		token, err := signJWT(s.factotum(), ConsentType, std, tc)
		if err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(g.Token))
		g.Earlier = append(g.Earlier, hex.EncodeToString(sum[:]))
		g.Extensions = append(g.Extensions, Extension{At: now, From: g.Expiry, Until: until})
		g.Token, g.Expiry = token, until
		if err := tx.Put(bucketGrants, tx.Key("grant", g.ID), g); err != nil {
			return err
		}
		return tx.AppendEvent(wallet.Event{Kind: wallet.EventGrantExtended, Actor: g.Audience, Purpose: string(g.Purpose),
			Scope: g.Scope, Grant: g.ID})
	})
	if err != nil {
		return g, err
	}
	if g.Sealed {
		if err := s.sealRecords(ctx, []Grant{g}); err != nil {
			return g, fmt.Errorf("grant %s extended, but its redemption record was not renewed: %w", g.ID, err)
		}
	}
	return g, nil
}
