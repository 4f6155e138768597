package host

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"regie/store"
	"regie/wallet"
)

var (
	bucketMeta     = []byte("meta")
	bucketLogins   = []byte("logins")
	bucketVaults   = []byte("vaults")
	bucketSessions = []byte("sessions")
	bucketBoxes    = "boxes"
	pepperKey      = []byte("login-pepper")
)

// vaultEntry is what the index knows of a vault: nothing personal.
type vaultEntry struct {
	Login   []byte    `json:"login"` // keyed hash of the login name
	Public  []byte    `json:"public"`
	Created time.Time `json:"created"`
	// Devices is the generation of the login's device cookies: a
	// passphrase change bumps it, and cookies of an older one no longer
	// count as the resident's device.
	Devices uint64 `json:"devices,omitempty"`
}

// sessionEntry is one live session: the vault's data key sealed under a key
// derived from the cookie's secret, found by the hash of the secret.
type sessionEntry struct {
	Vault  string    `json:"vault"`
	Sealed []byte    `json:"sealed"`
	Start  time.Time `json:"start"`
	Seen   time.Time `json:"seen"`
	// Arrived is what came in while the resident was away, sealed under
	// the session's secret like the data key, until the overview said it.
	Arrived []byte `json:"arrived,omitempty"`
	// Wrong counts the wrong passphrases typed inside this session (to
	// change it, to delete the vault); at maxSessionWrong it ends.
	Wrong int `json:"wrong,omitempty"`
}

// index is the host index (host.db, or the index of a shared database):
// logins, vaults, sessions, boxes, and what a host counts.
type index struct {
	db     store.DB
	pepper []byte
}

// openIndex makes the index's buckets and its login-name pepper when they
// are missing, and reads the pepper.
func openIndex(ctx context.Context, db store.DB) (*index, error) {
	ix := &index{db: db}
	err := db.Update(ctx, func(tx store.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketLogins, bucketVaults, bucketSessions, []byte(bucketBoxes)} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if p := meta.Get(pepperKey); p != nil {
			ix.pepper = append([]byte(nil), p...)
			return nil
		}
		ix.pepper = make([]byte, 32)
		if _, err := rand.Read(ix.pepper); err != nil {
			return err
		}
		return meta.Put(pepperKey, ix.pepper)
	})
	if err != nil {
		return nil, fmt.Errorf("open host index: %w", err)
	}
	return ix, nil
}

// loginKey is the keyed hash the index stores instead of a login name.
func (ix *index) loginKey(login string) []byte {
	m := hmac.New(sha256.New, ix.pepper)
	m.Write([]byte(login))
	return m.Sum(nil)
}

// box is a vault's box in the index. Its writes are batched: at 50 helpers
// and organisations at once they share fsyncs instead of queueing for one
// each.
func (ix *index) box(id string) *wallet.Box { return wallet.NewBox(ix.db, bucketBoxes, id).Batched() }

func sessionID(secret string) []byte {
	sum := sha256.Sum256([]byte("regie/v1/session-id\x00" + secret))
	return sum[:]
}

func sessionKey(secret string) ([]byte, error) {
	return hkdf.Key(sha256.New, []byte(secret), nil, "regie/v1/session-data-key", 32)
}

// errTaken is a login name that is already in use.
var errTaken = errors.New("login name taken")

func (ix *index) addVault(ctx context.Context, login, id string, pub []byte, now time.Time) error {
	lk := ix.loginKey(login)
	raw, err := json.Marshal(vaultEntry{Login: lk, Public: pub, Created: now.UTC()})
	if err != nil {
		return err
	}
	// Batched: sign-ups at once share fsyncs (fn only reads and puts, so
	// running it again after a batch member failed is harmless).
	return ix.db.Batch(ctx, func(tx store.Tx) error {
		if tx.Bucket(bucketLogins).Get(lk) != nil {
			return errTaken
		}
		if err := tx.Bucket(bucketLogins).Put(lk, []byte(id)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketVaults).Put([]byte(id), raw); err != nil {
			return err
		}
		return nil
	})
}

// vaultOf is the vault of a login name, "" when there is none. An index
// that cannot be read is an error, never "no such login".
func (ix *index) vaultOf(ctx context.Context, login string) (string, error) {
	var id string
	err := ix.db.View(ctx, func(tx store.Tx) error {
		id = string(tx.Bucket(bucketLogins).Get(ix.loginKey(login)))
		return nil
	})
	return id, err
}

// deviceGeneration is the device-cookie generation of a login's vault; ok
// is false for a login name without a vault.
func (ix *index) deviceGeneration(ctx context.Context, loginKey []byte) (gen uint64, ok bool, err error) {
	err = ix.db.View(ctx, func(tx store.Tx) error {
		id := tx.Bucket(bucketLogins).Get(loginKey)
		if id == nil {
			return nil
		}
		raw := tx.Bucket(bucketVaults).Get(id)
		if raw == nil {
			return nil
		}
		var e vaultEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("vault entry: %w", wallet.ErrCorrupt)
		}
		gen, ok = e.Devices, true
		return nil
	})
	return gen, ok, err
}

// newDeviceGeneration bumps a vault's device-cookie generation.
func (ix *index) newDeviceGeneration(ctx context.Context, id string) error {
	return ix.db.Update(ctx, func(tx store.Tx) error {
		raw := tx.Bucket(bucketVaults).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("vault: %w", wallet.ErrNotFound)
		}
		var e vaultEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("vault entry: %w", wallet.ErrCorrupt)
		}
		e.Devices++
		out, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketVaults).Put([]byte(id), out)
	})
}

// loginOfVault is the keyed hash of a vault's login name; a vault the
// index does not know is wallet.ErrNotFound.
func (ix *index) loginOfVault(ctx context.Context, id string) ([]byte, error) {
	var e vaultEntry
	err := ix.db.View(ctx, func(tx store.Tx) error {
		raw := tx.Bucket(bucketVaults).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("vault: %w", wallet.ErrNotFound)
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("vault entry: %w", wallet.ErrCorrupt)
		}
		return nil
	})
	return e.Login, err
}

func (ix *index) exists(ctx context.Context, id string) (bool, error) {
	found := false
	err := ix.db.View(ctx, func(tx store.Tx) error {
		found = tx.Bucket(bucketVaults).Get([]byte(id)) != nil
		return nil
	})
	return found, err
}

func (ix *index) putSession(ctx context.Context, secret string, e sessionEntry) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return ix.db.Update(ctx, func(tx store.Tx) error { return tx.Bucket(bucketSessions).Put(sessionID(secret), raw) })
}

func (ix *index) session(ctx context.Context, secret string) (sessionEntry, bool, error) {
	var e sessionEntry
	var raw []byte
	err := ix.db.View(ctx, func(tx store.Tx) error {
		raw = append([]byte(nil), tx.Bucket(bucketSessions).Get(sessionID(secret))...)
		return nil
	})
	if err != nil {
		return e, false, err
	}
	if len(raw) == 0 {
		return e, false, nil
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, false, fmt.Errorf("session: %w", wallet.ErrCorrupt)
	}
	return e, true, nil
}

func (ix *index) deleteSession(ctx context.Context, secret string) error {
	return ix.db.Update(ctx, func(tx store.Tx) error { return tx.Bucket(bucketSessions).Delete(sessionID(secret)) })
}

// sweep deletes sessions idle longer than idle (or older than max) and
// the sessions of vault (all of them when vault is given), and reports
// which vaults still have a live session.
func (ix *index) sweep(ctx context.Context, now time.Time, idle, max time.Duration, vault string) (map[string]bool, error) {
	live := map[string]bool{}
	err := ix.db.Update(ctx, func(tx store.Tx) error {
		b := tx.Bucket(bucketSessions)
		var gone [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var e sessionEntry
			if json.Unmarshal(v, &e) != nil || now.Sub(e.Seen) > idle || now.Sub(e.Start) > max || e.Vault == vault {
				gone = append(gone, append([]byte(nil), k...))
				return nil
			}
			live[e.Vault] = true
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	return live, err
}

// endOtherSessions deletes every session of vault except the one of the
// secret keep.
func (ix *index) endOtherSessions(ctx context.Context, vault, keep string) error {
	mine := sessionID(keep)
	return ix.db.Update(ctx, func(tx store.Tx) error {
		b := tx.Bucket(bucketSessions)
		var gone [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var e sessionEntry
			if !bytes.Equal(k, mine) && json.Unmarshal(v, &e) == nil && e.Vault == vault {
				gone = append(gone, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// deleteVault removes every index entry of a vault: its login, its entry,
// its sessions and its box.
func (ix *index) deleteVault(ctx context.Context, id string) error {
	if _, err := ix.sweep(ctx, time.Now(), time.Hour*24*365*100, time.Hour*24*365*100, id); err != nil {
		return err
	}
	if err := ix.box(id).Drop(ctx); err != nil {
		return err
	}
	return ix.db.Update(ctx, func(tx store.Tx) error {
		raw := tx.Bucket(bucketVaults).Get([]byte(id))
		if raw != nil {
			var e vaultEntry
			if json.Unmarshal(raw, &e) == nil {
				if err := tx.Bucket(bucketLogins).Delete(e.Login); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(bucketVaults).Delete([]byte(id))
	})
}
