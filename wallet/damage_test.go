package wallet

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// damageFixture writes n statements into a new vault at path and closes it.
func damageFixture(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	v, err := Open(path, &Options{KDF: testKDF, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Create(context.Background(), testPass, Profile{BSN: "123456782", Name: "Fatima de Vries"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		put(t, v, mustClaims(t, fmt.Sprintf(`{"iss":"org","sub":"123456782","jti":"j%d","iat":1767225600,"type":"debt",
			"as_of":"2026-01-01","debt":{"reference":"R%d","creditor":"C","category":"rent","original_cents":1,
			"outstanding_cents":1,"status":"open"}}`, i, i)))
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDamagedVaultFile: a header with impossible key-derivation parameters
// made argon2 panic and a truncated file made bbolt panic. Each now gives
// ErrDamaged and leaves the file as it was.
func TestDamagedVaultFile(t *testing.T) {
	setKDF := func(edit func(r map[string]any)) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(bucketMeta)
				var r map[string]any
				if err := json.Unmarshal(b.Get([]byte("kdf")), &r); err != nil {
					return err
				}
				edit(r)
				raw, _ := json.Marshal(r)
				return b.Put([]byte("kdf"), raw)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	param := func(name string, v any) func(t *testing.T, path string) {
		return setKDF(func(r map[string]any) { r["params"].(map[string]any)[name] = v })
	}
	cases := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"kdf-time-zero", param("t", 0)},
		{"kdf-threads-zero", param("p", 0)},
		{"kdf-memory-too-large", param("m", 1<<30)},
		{"kdf-memory-too-small", param("m", 1)},
		{"kdf-salt-empty", setKDF(func(r map[string]any) { r["salt"] = "" })},
		{"kdf-not-json", setKDF(func(r map[string]any) { r["params"] = "x" })},
		{"truncated-20KB", func(t *testing.T, path string) {
			if err := os.Truncate(path, 20<<10); err != nil {
				t.Fatal(err)
			}
		}},
		{"root-page-scrambled", func(t *testing.T, path string) {
			// The meta pages stay whole, so the file passes the header
			// check; the page each names as the root of all buckets
			// (bbolt's meta: 16-byte page header, then magic, version,
			// page size, flags, root pgid) becomes garbage that bbolt
			// panics on at the first bucket it looks up.
			raw, _ := os.ReadFile(path)
			const pageSize = 4096
			for meta := 0; meta < 2; meta++ {
				root := int(binary.LittleEndian.Uint64(raw[meta*pageSize+32:]))
				for i := root * pageSize; i < (root+1)*pageSize && i < len(raw); i++ {
					raw[i] = byte(i*7) ^ 0xA5
				}
			}
			os.WriteFile(path, raw, 0o600)
		}},
		{"header-zeroed", func(t *testing.T, path string) {
			raw, _ := os.ReadFile(path)
			clear(raw[:8192])
			os.WriteFile(path, raw, 0o600)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := damageFixture(t, 300)
			tc.damage(t, path)
			before, _ := os.ReadFile(path)
			v, err := Open(path, &Options{KDF: testKDF})
			if err == nil {
				if _, err = v.Exists(); err == nil {
					err = v.Unlock(context.Background(), testPass)
				}
				v.Close()
			}
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("got %v, want ErrDamaged", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("the damaged file was changed")
			}
		})
	}
}

// TestUndamagedVaultStillOpens: the file check passes every vault this
// code writes, large or small.
func TestUndamagedVaultStillOpens(t *testing.T) {
	for _, n := range []int{0, 300} {
		path := damageFixture(t, n)
		v, err := Open(path, &Options{KDF: testKDF})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Unlock(context.Background(), testPass); err != nil {
			t.Fatal(err)
		}
		v.Close()
	}
}
