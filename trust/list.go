package trust

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"

	"github.com/go-jose/go-jose/v4"

	"regie/internal/strictjson"
	"regie/wallet"
)

// Kind is what role an organisation plays.
type Kind string

// Organisation kinds. A helper signs proofs, never statements.
const (
	KindCreditor    Kind = "creditor"
	KindIncomePayer Kind = "income_payer"
	KindHelper      Kind = "helper"
)

// Organisation is one trust-list entry: who it is, its public keys, and
// which statement types it may sign.
type Organisation struct {
	ID      string                 `json:"id"`
	Name    string                 `json:"name"`
	Kind    Kind                   `json:"kind"`
	Keys    []jose.JSONWebKey      `json:"keys"`
	MaySign []wallet.StatementType `json:"may_sign"`
	// Categories, when present, are the only debt categories the
	// organisation may sign: a debt collector listed for consumer credit
	// cannot report a tax debt. Absent means every category.
	Categories []wallet.Category `json:"categories,omitempty"`
	Endpoint   string            `json:"endpoint,omitempty"`
	// Phone and Website are how a resident reaches the organisation; the
	// action plan and the debt pages show them beside what to do.
	Phone   string `json:"phone,omitempty"`
	Website string `json:"website,omitempty"`
}

// MaySignCategory reports whether the organisation may sign a debt of
// category c.
func (o *Organisation) MaySignCategory(c wallet.Category) bool {
	return len(o.Categories) == 0 || slices.Contains(o.Categories, c)
}

// Allowed reports whether the organisation may sign statements of type t.
func (o *Organisation) Allowed(t wallet.StatementType) bool {
	for _, m := range o.MaySign {
		if m == t {
			return true
		}
	}
	return false
}

// SigningKeys returns the keys the organisation signs with (not its
// encryption keys).
func (o *Organisation) SigningKeys() []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range o.Keys {
		if k.Use != "enc" {
			out = append(out, k)
		}
	}
	return out
}

// EncryptionKey returns the organisation's key for encrypted handovers, if any.
func (o *Organisation) EncryptionKey() (jose.JSONWebKey, bool) {
	for _, k := range o.Keys {
		if k.Use == "enc" {
			return k, true
		}
	}
	return jose.JSONWebKey{}, false
}

// ErrList marks a trust list or entry that is not well formed.
var ErrList = errors.New("invalid trust list")

// ParseOrganisation reads one trust-list entry strictly.
func ParseOrganisation(raw []byte) (Organisation, error) {
	var o Organisation
	if err := DecodeStrict(raw, &o); err != nil {
		return o, fmt.Errorf("%w: %v", ErrList, err)
	}
	return o, o.validate()
}

// DecodeStrict decodes one JSON document into dst, refusing unknown
// members, a member named twice or in another case than its field, and
// trailing data (see strictjson). Every body and payload a stranger sends
// is read this way.
func DecodeStrict(raw []byte, dst any) error {
	if err := strictjson.Decode(raw, dst); err != nil {
		return fmt.Errorf("not a valid JSON document: %w", err)
	}
	return nil
}

func (o *Organisation) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: organisation %q: %s", ErrList, o.ID, fmt.Sprintf(format, a...))
	}
	if !wallet.ValidOrgID(o.ID) {
		return fmt.Errorf("%w: organisation id must be lower-case letters, digits, '.', '_' or '-'", ErrList)
	}
	if o.Name == "" || len(o.Name) > 200 {
		return bad("name must be 1 to 200 characters")
	}
	switch o.Kind {
	case KindCreditor, KindIncomePayer:
		if len(o.MaySign) == 0 {
			return bad("may_sign must name debt, income and/or expense")
		}
	case KindHelper:
		if len(o.MaySign) != 0 {
			return bad("a helper signs proofs, never statements")
		}
	default:
		return bad("kind must be creditor, income_payer or helper")
	}
	for _, t := range o.MaySign {
		if t != wallet.TypeDebt && t != wallet.TypeIncome && t != wallet.TypeExpense {
			return bad("may_sign holds an unknown statement type")
		}
	}
	if o.Categories != nil && (len(o.Categories) == 0 || !o.Allowed(wallet.TypeDebt)) {
		return bad("categories must list at least one debt category, and only for an organisation that may sign debts")
	}
	for i, c := range o.Categories {
		if !slices.Contains(wallet.Categories, c) || slices.Contains(o.Categories[:i], c) {
			return bad("categories holds an unknown or repeated category")
		}
	}
	if len(o.Keys) == 0 || len(o.Keys) > 8 {
		return bad("must list 1 to 8 keys")
	}
	kids := map[string]bool{}
	signing := 0
	for _, k := range o.Keys {
		if k.KeyID == "" || kids[k.KeyID] {
			return bad("every key needs a unique kid")
		}
		kids[k.KeyID] = true
		if !k.IsPublic() {
			return bad("key %q is not a public key", k.KeyID)
		}
		switch key := k.Key.(type) {
		case ed25519.PublicKey:
			if k.Use == "enc" {
				return bad("key %q: Ed25519 keys sign, they cannot encrypt", k.KeyID)
			}
			signing++
		case *ecdsa.PublicKey:
			if key.Curve != elliptic.P256() {
				return bad("key %q: only the P-256 curve is accepted", k.KeyID)
			}
			if k.Use != "enc" {
				signing++
			}
		default:
			return bad("key %q: only Ed25519 (OKP) and P-256 (EC) keys are accepted", k.KeyID)
		}
		if k.Use != "" && k.Use != "sig" && k.Use != "enc" {
			return bad("key %q: use must be sig or enc", k.KeyID)
		}
	}
	if signing == 0 {
		return bad("needs at least one signing key")
	}
	if o.Endpoint != "" {
		u, err := url.Parse(o.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return bad("endpoint must be an http or https URL")
		}
	}
	if o.Phone != "" && !validPhone(o.Phone) {
		return bad("phone must be 6 to 15 digits, with only spaces, '+', '-', '(' or ')' between them")
	}
	if o.Website != "" {
		u, err := url.Parse(o.Website)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(o.Website) > 300 {
			return bad("website must be an https URL without a user name or password")
		}
	}
	return nil
}

// validPhone accepts a phone number as people write it: 6 to 15 digits
// (E.164's maximum), with spaces, '+', '-', '(' and ')' between them.
func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 6 && digits <= 15
}

// List is the set of organisations the wallet believes, indexed for
// verification.
type List struct {
	orgs map[string]*Organisation
	kids map[string]trustedKey
}

type trustedKey struct {
	org *Organisation
	key jose.JSONWebKey
}

// NewList builds a trust list; key ids must be unique across it.
func NewList(orgs []Organisation) (*List, error) {
	t := &List{orgs: map[string]*Organisation{}, kids: map[string]trustedKey{}}
	for i := range orgs {
		o := orgs[i]
		if err := o.validate(); err != nil {
			return nil, err
		}
		if _, dup := t.orgs[o.ID]; dup {
			return nil, fmt.Errorf("%w: organisation %q listed twice", ErrList, o.ID)
		}
		t.orgs[o.ID] = &o
		for _, k := range o.Keys {
			if _, dup := t.kids[k.KeyID]; dup {
				return nil, fmt.Errorf("%w: key id %q used twice", ErrList, k.KeyID)
			}
			t.kids[k.KeyID] = trustedKey{org: &o, key: k}
		}
	}
	return t, nil
}

type trustFile struct {
	Organisations []Organisation `json:"organisations"`
}

// ParseList reads a trust-list document strictly.
func ParseList(raw []byte) (*List, error) {
	var f trustFile
	if err := DecodeStrict(raw, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrList, err)
	}
	return NewList(f.Organisations)
}

// MarshalJSON writes the trust-list document, organisations in id order.
func (t *List) MarshalJSON() ([]byte, error) {
	return json.Marshal(trustFile{Organisations: t.Organisations()})
}

// Organisation returns the entry with this id.
func (t *List) Organisation(id string) (*Organisation, bool) {
	o, ok := t.orgs[id]
	return o, ok
}

// Name is the name of the organisation with id, or "" when the list (which
// may be nil) does not hold it: what words about an entry show.
func (t *List) Name(id string) string {
	if t == nil {
		return ""
	}
	if o, ok := t.orgs[id]; ok {
		return o.Name
	}
	return ""
}

// Organisations lists the entries in id order.
func (t *List) Organisations() []Organisation {
	out := make([]Organisation, 0, len(t.orgs))
	for _, o := range t.orgs {
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Key resolves a kid to its key and organisation.
func (t *List) Key(kid string) (*Organisation, jose.JSONWebKey, bool) {
	k, ok := t.kids[kid]
	return k.org, k.key, ok
}

// KeyByThumbprint finds one of the organisation's signing keys by its RFC
// 7638 thumbprint.
func (o *Organisation) KeyByThumbprint(jkt string) (jose.JSONWebKey, bool) {
	for _, k := range o.SigningKeys() {
		if tp, err := Thumbprint(k); err == nil && tp == jkt {
			return k, true
		}
	}
	return jose.JSONWebKey{}, false
}

// Thumbprint is the base64url RFC 7638 SHA-256 thumbprint of a key.
func Thumbprint(k jose.JSONWebKey) (string, error) {
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// bucketTrust holds the trust list inside the vault: which organisations a
// resident deals with is itself personal, so it is sealed like the rest.
const bucketTrust wallet.Bucket = "trust"

// Store keeps the trust list in the vault.
type Store struct {
	Vault *wallet.Vault
}

// Load reads the whole trust list.
func (s Store) Load(ctx context.Context) (*List, error) {
	var orgs []Organisation
	err := s.Vault.View(ctx, func(tx *wallet.Tx) error {
		return tx.ForEach(bucketTrust, func(_ []byte, open func(any) error) error {
			var o Organisation
			if err := open(&o); err != nil {
				return err
			}
			orgs = append(orgs, o)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return NewList(orgs)
}

// Organisation reads one entry, without opening the whole list: the
// consent check needs only the helper that presents.
func (s Store) Organisation(ctx context.Context, id string) (Organisation, bool, error) {
	var o Organisation
	var ok bool
	err := s.Vault.View(ctx, func(tx *wallet.Tx) error {
		var err error
		ok, err = tx.Get(bucketTrust, tx.Key("org", id), &o)
		return err
	})
	return o, ok, err
}

// Add adds or replaces one organisation, refusing an entry that would make
// the list inconsistent (a key id already used by another organisation).
func (s Store) Add(ctx context.Context, o Organisation) error {
	if err := o.validate(); err != nil {
		return err
	}
	return s.Vault.Update(ctx, func(tx *wallet.Tx) error {
		var orgs []Organisation
		err := tx.ForEach(bucketTrust, func(_ []byte, open func(any) error) error {
			var x Organisation
			if err := open(&x); err != nil {
				return err
			}
			if x.ID != o.ID {
				orgs = append(orgs, x)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if _, err := NewList(append(orgs, o)); err != nil {
			return err
		}
		return tx.Put(bucketTrust, tx.Key("org", o.ID), o)
	})
}

// Remove deletes one organisation; removing an unknown id is an error.
func (s Store) Remove(ctx context.Context, id string) error {
	return s.Vault.Update(ctx, func(tx *wallet.Tx) error {
		key := tx.Key("org", id)
		var o Organisation
		ok, err := tx.Get(bucketTrust, key, &o)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("organisation %q: %w", id, wallet.ErrNotFound)
		}
		return tx.Delete(bucketTrust, key)
	})
}
