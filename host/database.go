package host

import (
	"context"
	"fmt"

	"regie/store"
	"regie/wallet"
)

// Spaces is a database that keeps many stores apart by name, as
// store/pgstore's DB does: the host keeps its index in one space and each
// vault in its own, so that one vault's writers never wait for another's.
type Spaces interface {
	// Space is the store of one name; a space never written is empty.
	Space(name string) store.DB
	// DeleteSpace removes everything of one space.
	DeleteSpace(ctx context.Context, name string) error
	// HasSpace reports whether a space holds anything.
	HasSpace(ctx context.Context, name string) (bool, error)
	// Close closes the database.
	Close()
}

// Space names of a host in a database.
const (
	indexSpace  = "index"
	vaultSpaces = "vault/"
)

// database is the backend of a shared database: every host process on it
// serves the same residents.
type database struct {
	db Spaces
	ix store.DB
}

// Database is the backend of a database that several host processes
// share (regie host --store postgres://…). It closes db on Close.
func Database(db Spaces) Backend { return &database{db: db, ix: db.Space(indexSpace)} }

func (d *database) Index() store.DB { return d.ix }
func (d *database) Shared() bool    { return true }

func (d *database) Close() error {
	d.db.Close()
	return nil
}

func (d *database) OpenVault(ctx context.Context, id string) (store.DB, error) {
	has, err := d.db.HasSpace(ctx, vaultSpaces+id)
	if err != nil {
		return nil, err
	}
	if !has {
		return nil, fmt.Errorf("vault store: %w", wallet.ErrNotFound)
	}
	return d.db.Space(vaultSpaces + id), nil
}

func (d *database) CreateVault(ctx context.Context, id string) (store.DB, error) {
	return d.db.Space(vaultSpaces + id), nil
}

func (d *database) RemoveVault(ctx context.Context, id string) error {
	return d.db.DeleteSpace(ctx, vaultSpaces+id)
}
