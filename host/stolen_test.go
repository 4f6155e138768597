package host

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"regie/wallet"
)

// TestStolenHostDiskAndHandle is the attacker of issue #12 against a host:
// a copy of the data folder after a grant and the logout, and the consent
// link's handle, which a reverse proxy's access log holds. Every value in
// the copied host.db that the handle opens (as the host opens a record:
// by SHA-256 and HKDF of the handle) is searched, with every base64url part
// decoded, for the resident's BSN, name, creditor, reference and amount.
func TestStolenHostDiskAndHandle(t *testing.T) {
	w := newHostWorld(t)
	a := w.resident()
	acc := w.signup(a, "fatima", bsnA, nameA, passA)
	if code, _ := w.push(acc.Wallet, w.debt(bsnA, "c1", "CJIB-1111", 52591357)); code != 202 {
		t.Fatalf("push: %d", code)
	}
	var g GrantAnswer
	if code := a.call("POST", "/api/v1/consents", map[string]any{"to": "schuldhulp-a", "purpose": "debt-help-intake",
		"scope": []string{"debts", "client"}, "days": 14}, &g); code != 201 {
		t.Fatalf("grant: %d", code)
	}
	if code := a.call("DELETE", "/api/v1/session", nil, nil); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	w.stop()
	defer w.start() // the cleanup stops it again
	handle := strings.Split(g.URL[strings.LastIndex(g.URL, "/c/")+3:], "#")[0]

	raw, err := os.ReadFile(filepath.Join(w.dir, "host.db"))
	if err != nil {
		t.Fatal(err)
	}
	stolen := filepath.Join(t.TempDir(), "host.db")
	if err := os.WriteFile(stolen, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(stolen, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id := sha256.Sum256([]byte(handle))
	key, err := hkdf.Key(sha256.New, []byte(handle), nil, "regie/v1/redemption-record", 32)
	if err != nil {
		t.Fatal(err)
	}
	var opened [][]byte
	var walk func(b *bolt.Bucket) error
	walk = func(b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(b.Bucket(k))
			}
			if plain, err := wallet.OpenWithSecret(key, id[:], v); err == nil {
				opened = append(opened, plain)
			}
			return nil
		})
	}
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walk(b) })
	}); err != nil {
		t.Fatal(err)
	}
	if len(opened) != 1 {
		t.Fatalf("the handle opens %d values of host.db, want its one record", len(opened))
	}
	var yields func(s []byte) [][]byte
	yields = func(s []byte) [][]byte {
		out := [][]byte{s}
		for _, tok := range bytes.FieldsFunc(s, func(r rune) bool { return r == '"' || r == '.' || r == ',' || r == ':' || r == '{' || r == '}' }) {
			if d, err := base64.RawURLEncoding.DecodeString(string(tok)); err == nil && len(d) > 8 {
				out = append(out, yields(d)...)
			}
		}
		return out
	}
	for _, y := range yields(opened[0]) {
		for _, secret := range []string{bsnA, "Fatima", "Vries", "CJIB-1111", "Justitieel", "52591357", "525.913,57", "525913.57"} {
			if bytes.Contains(y, []byte(secret)) {
				t.Errorf("the handle opens %q from the stolen host.db", secret)
			}
		}
	}
}
