package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"regie/store"
	"regie/wallet"
)

// Backend is where a host keeps its things: the index and one store per
// vault. The files backend (Files: host.db and vaults/<id>.db in the data
// folder) is the default; a database backend lets several host processes
// share one truth. Everything else in the host works on what a Backend
// hands out, so a second one plugs in here alone.
type Backend interface {
	// Index is the host index's store. The backend keeps it open until
	// Close.
	Index() store.DB
	// OpenVault opens the store of a vault that exists; closing the store
	// (Vault.Close) releases it.
	OpenVault(ctx context.Context, id string) (store.DB, error)
	// CreateVault makes an empty store for a new vault.
	CreateVault(ctx context.Context, id string) (store.DB, error)
	// RemoveVault deletes a vault's store and everything in it; a vault
	// without a store is no error.
	RemoveVault(ctx context.Context, id string) error
	// Shared reports whether other host processes may use the same stores
	// at the same time. The host then keeps no cache of what is stored
	// beyond one transaction and counts its limits in the index.
	Shared() bool
	// Close closes the index.
	Close() error
}

// files is the default backend: a data folder with host.db and a vault
// file per resident, each a bbolt file that one process holds at a time.
type files struct {
	dir string
	ix  store.DB
}

// Files is the backend of a data folder: host.db (made when missing) and
// vaults/<id>.db. A second process opening the same folder gets
// wallet.ErrInUse after a second.
func Files(dir string) (Backend, error) {
	if err := os.MkdirAll(filepath.Join(dir, "vaults"), 0o700); err != nil {
		return nil, err
	}
	// Many writers at once are the host's common case; a lone write waits
	// at most 2 ms for company.
	ix, err := store.OpenBolt(filepath.Join(dir, "host.db"),
		store.BoltOptions{Timeout: time.Second, MaxBatchDelay: 2 * time.Millisecond, MaxBatchSize: 64})
	if errors.Is(err, store.ErrInUse) {
		return nil, fmt.Errorf("open host index: %w", wallet.ErrInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("open host index: %w", err)
	}
	return &files{dir: dir, ix: ix}, nil
}

func (f *files) Index() store.DB { return f.ix }
func (f *files) Shared() bool    { return false }
func (f *files) Close() error    { return f.ix.Close() }

func (f *files) path(id string) string { return filepath.Join(f.dir, "vaults", id+".db") }

func (f *files) OpenVault(ctx context.Context, id string) (store.DB, error) {
	if _, err := os.Stat(f.path(id)); err != nil {
		return nil, fmt.Errorf("vault file: %w", wallet.ErrNotFound)
	}
	return wallet.OpenFile(f.path(id), time.Second)
}

func (f *files) CreateVault(ctx context.Context, id string) (store.DB, error) {
	return wallet.OpenFile(f.path(id), time.Second)
}

func (f *files) RemoveVault(ctx context.Context, id string) error {
	if err := os.Remove(f.path(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete vault file: %w", err)
	}
	return nil
}
