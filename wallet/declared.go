package wallet

import (
	"context"
	"strconv"
)

// BucketDeclared holds what the resident declared about themselves: the
// household and the costs no organisation signs. It is kept apart from
// statements, so a self-declared figure can never pass for a signed one.
const BucketDeclared Bucket = "declared"

// MaxOwnCosts bounds how many costs a resident can enter.
const MaxOwnCosts = 100

// Record keys inside BucketDeclared: fixed words, never personal data.
var (
	householdKey  = []byte("household")
	clientKey     = []byte("client")
	ownCostPrefix = []byte("cost/")
)

// Declared reads everything the resident declared.
func (t *Tx) Declared() (SelfDeclared, error) {
	var d SelfDeclared
	var h Household
	ok, err := t.Get(BucketDeclared, householdKey, &h)
	if err != nil {
		return d, err
	}
	if ok {
		d.Household = &h
	}
	var c ClientDetails
	if ok, err = t.Get(BucketDeclared, clientKey, &c); err != nil {
		return d, err
	} else if ok {
		d.Client = &c
	}
	err = t.ForEachPrefix(BucketDeclared, ownCostPrefix, func(_ []byte, open func(any) error) error {
		var c OwnCost
		if err := open(&c); err != nil {
			return err
		}
		d.Costs = append(d.Costs, c)
		return nil
	})
	return d, err
}

// PutHousehold stores the household after checking it.
func (t *Tx) PutHousehold(h Household) error {
	if err := h.Validate(t.Now()); err != nil {
		return err
	}
	return t.Put(BucketDeclared, householdKey, h)
}

// PutClient stores who the resident says they are (birth date, address,
// partner) after checking it.
func (t *Tx) PutClient(c ClientDetails) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return t.Put(BucketDeclared, clientKey, c)
}

// Profile is the vault owner's profile (name and BSN).
func (t *Tx) Profile() Profile { return t.k.profile }

// DeleteHousehold forgets the household.
func (t *Tx) DeleteHousehold() error { return t.Delete(BucketDeclared, householdKey) }

// AddOwnCost checks and stores a cost the resident entered, and returns it
// with the id the vault gave it.
func (t *Tx) AddOwnCost(c OwnCost) (OwnCost, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	d, err := t.Declared()
	if err != nil {
		return c, err
	}
	if len(d.Costs) >= MaxOwnCosts {
		return c, &ValidationError{Field: "costs", Problem: "too many costs entered"}
	}
	n, err := t.NextSequence(BucketDeclared)
	if err != nil {
		return c, err
	}
	c.ID = strconv.FormatUint(n, 10)
	return c, t.Put(BucketDeclared, ownCostKey(n), c)
}

func ownCostKey(n uint64) []byte { return append([]byte(string(ownCostPrefix)), Seq(n)...) }

// DeleteOwnCost removes a cost the resident entered; ErrNotFound when there
// is no cost with that id.
func (t *Tx) DeleteOwnCost(id string) error {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 || strconv.FormatUint(n, 10) != id {
		return ErrNotFound
	}
	var c OwnCost
	ok, err := t.Get(BucketDeclared, ownCostKey(n), &c)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	return t.Delete(BucketDeclared, ownCostKey(n))
}

// Declared reads everything the resident declared.
func (v *Vault) Declared(ctx context.Context) (SelfDeclared, error) {
	var d SelfDeclared
	err := v.View(ctx, func(tx *Tx) error {
		var err error
		d, err = tx.Declared()
		return err
	})
	return d, err
}
