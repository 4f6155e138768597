package consent

import (
	"bytes"
	"context"
	"encoding/json"

	"regie/wallet"
)

// Grants and the lookups that find them (a handle or a short code → the
// grant's id) keep separate buckets, bucketGrants and bucketLookups. Vaults
// written before kept both in bucketGrants, told apart by the first byte of
// the sealed JSON: an object for a grant, a string for a lookup. A Service
// moves such lookups out before its first transaction over grants, once;
// the keys stay the same, so nothing else changes.

// view and update run fn in a vault transaction over the grants, after
// making sure the vault's lookups have their own bucket.
func (s *Service) view(ctx context.Context, fn func(*wallet.Tx) error) error {
	if err := s.layout(ctx); err != nil {
		return err
	}
	return s.Vault.View(ctx, fn)
}

func (s *Service) update(ctx context.Context, fn func(*wallet.Tx) error) error {
	if err := s.layout(ctx); err != nil {
		return err
	}
	return s.Vault.Update(ctx, fn)
}

// layout moves lookups kept among the grants to their own bucket, at most
// once per Service; a vault that holds none is only read.
func (s *Service) layout(ctx context.Context) error {
	s.layoutMu.Lock()
	defer s.layoutMu.Unlock()
	if s.layoutDone {
		return nil
	}
	var old []lookup
	err := s.Vault.View(ctx, func(tx *wallet.Tx) error {
		var err error
		old, err = lookupsAmongGrants(tx)
		return err
	})
	if err == nil && len(old) > 0 {
		err = s.Vault.Update(ctx, func(tx *wallet.Tx) error {
			old, err := lookupsAmongGrants(tx)
			if err != nil {
				return err
			}
			for _, l := range old {
				if err := tx.Put(bucketLookups, l.key, l.id); err != nil {
					return err
				}
				if err := tx.Delete(bucketGrants, l.key); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		s.layoutDone = true
	}
	return err
}

type lookup struct {
	key []byte
	id  string
}

// lookupsAmongGrants finds the records in bucketGrants that are lookups
// (a grant id as a JSON string) rather than grants.
func lookupsAmongGrants(tx *wallet.Tx) ([]lookup, error) {
	var out []lookup
	err := tx.ForEach(bucketGrants, func(key []byte, open func(any) error) error {
		var raw json.RawMessage
		if err := open(&raw); err != nil {
			return err
		}
		var id string
		if json.Unmarshal(raw, &id) != nil {
			return nil // a grant
		}
		out = append(out, lookup{key: bytes.Clone(key), id: id})
		return nil
	})
	return out, err
}
