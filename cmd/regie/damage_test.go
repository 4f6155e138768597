package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"regie/wallet"
)

// editFile opens the vault file with bbolt directly, as someone with the
// file and no passphrase would, and runs fn in one write transaction.
func editFile(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedVaultCLI: a vault file with t=0 or p=0 in its header, or cut
// short to 20 KB, made the command panic. Now it says so in one line,
// exits 1 and leaves the file alone.
func TestDamagedVaultCLI(t *testing.T) {
	kdf := func(name string) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			editFile(t, path, func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("meta"))
				var r struct {
					Params map[string]any `json:"params"`
					Salt   []byte         `json:"salt"`
				}
				if err := json.Unmarshal(b.Get([]byte("kdf")), &r); err != nil {
					return err
				}
				r.Params[name] = 0
				raw, _ := json.Marshal(r)
				return b.Put([]byte("kdf"), raw)
			})
		}
	}
	cases := map[string]func(t *testing.T, path string){
		"kdf-time-zero":    kdf("t"),
		"kdf-threads-zero": kdf("p"),
		"truncated-20KB": func(t *testing.T, path string) {
			if err := os.Truncate(path, 20<<10); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			c, org, _ := vaultWithOrg(t)
			for _, jti := range []string{"a1", "a2", "a3", "a4", "a5", "a6"} {
				c.must("import", signFile(t, c, org, jti, 1000))
			}
			path := filepath.Join(c.env["REGIE_DATA"], wallet.FileName)
			if fi, _ := os.Stat(path); fi.Size() <= 20<<10 {
				t.Fatalf("fixture too small: %d bytes", fi.Size())
			}
			damage(t, path)
			before, _ := os.ReadFile(path)
			for _, args := range [][]string{{"overview"}, {"audit", "verify"}, {"passwd"}} {
				c.env["REGIE_NEW_PASSPHRASE"] = "another long passphrase"
				code, out, errs := c.run(args...)
				if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "vault file damaged: ") {
					t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("the damaged file was changed")
			}
		})
	}
}

// TestListingCSVNeutralisesFormulas: an organisation name from a trust file
// that a spreadsheet would read as a formula is written as text in every
// CSV listing.
func TestListingCSVNeutralisesFormulas(t *testing.T) {
	c := newCLI(t, t.TempDir())
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne de Vries")
	org := filepath.Join(t.TempDir(), "evil")
	c.must("org", "new", "--id", "evil", "--name", "=cmd|' /C calc'!A0", "--kind", "creditor", "--out", org)
	c.must("trust", "add", filepath.Join(org, "trust.json"))
	out := c.must("trust", "list", "--format", "csv")
	if !strings.Contains(out, "'=cmd") || strings.Contains(out, ",=cmd") {
		t.Errorf("trust list csv:\n%s", out)
	}
}

// TestAuditVerifyCatchesAWipedLog: deleting the events bucket and the log
// head from the file made `regie audit verify` say "intact: 0 entries".
func TestAuditVerifyCatchesAWipedLog(t *testing.T) {
	c, _, _ := vaultWithOrg(t)
	c.must("consent", "grant", "--to", "schuldhulp-a")
	if out := c.must("audit", "verify"); !strings.Contains(out, "intact: 1 entries") {
		t.Fatalf("before: %s", out)
	}
	editFile(t, filepath.Join(c.env["REGIE_DATA"], wallet.FileName), func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte(wallet.BucketEvents)); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(wallet.BucketProfile)).Delete([]byte("events-head")); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Delete([]byte("log"))
	})
	code, out, errs := c.run("audit", "verify")
	if code != 1 || !strings.Contains(errs, "chain broken") {
		t.Fatalf("audit verify after the wipe: %d %s %s", code, out, errs)
	}
}

// TestAuditVerifyCatchesARestoredGrant: copying a revoked grant's sealed
// record back from an older copy of the file re-activated it, and
// `audit verify` still said intact. The revocation in the chain wins.
func TestAuditVerifyCatchesARestoredGrant(t *testing.T) {
	c, _, _ := vaultWithOrg(t)
	c.must("consent", "grant", "--to", "schuldhulp-a")
	path := filepath.Join(c.env["REGIE_DATA"], wallet.FileName)
	old := map[string][]byte{}
	editFile(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("grants")).ForEach(func(k, v []byte) error {
			old[string(k)] = bytes.Clone(v)
			return nil
		})
	})
	list := c.must("consent", "list", "--format", "csv")
	id := strings.Split(strings.Split(list, "\n")[1], ",")[0]
	c.must("consent", "revoke", id)
	editFile(t, path, func(tx *bolt.Tx) error {
		for k, v := range old {
			if err := tx.Bucket([]byte("grants")).Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if list := c.must("consent", "list", "--format", "csv"); !strings.Contains(list, "revoked") {
		t.Errorf("the restored grant shows as active:\n%s", list)
	}
	code, out, errs := c.run("audit", "verify")
	if code != 1 || !strings.Contains(errs, "chain broken") {
		t.Fatalf("audit verify after the restore: %d %s %s", code, out, errs)
	}
}

// TestPasswdRotate: after `regie passwd --rotate` the old header (kept from
// an older copy of the file) with the old passphrase no longer opens the
// vault; without --rotate it still would, since the data key is the same.
func TestPasswdRotate(t *testing.T) {
	for _, rotate := range []bool{true, false} {
		t.Run(fmt.Sprintf("rotate=%v", rotate), func(t *testing.T) {
			c, org, _ := vaultWithOrg(t)
			c.must("import", signFile(t, c, org, "r1", 4200))
			c.must("consent", "grant", "--to", "schuldhulp-a")
			path := filepath.Join(c.env["REGIE_DATA"], wallet.FileName)
			var oldKDF, oldDK []byte
			editFile(t, path, func(tx *bolt.Tx) error {
				m := tx.Bucket([]byte("meta"))
				oldKDF, oldDK = bytes.Clone(m.Get([]byte("kdf"))), bytes.Clone(m.Get([]byte("dk")))
				return nil
			})
			c.env["REGIE_NEW_PASSPHRASE"] = "a completely new passphrase"
			args := []string{"passwd"}
			if rotate {
				args = append(args, "--rotate")
			}
			c.must(args...)
			c.env["REGIE_PASSPHRASE"] = "a completely new passphrase"
			if out := c.must("overview", "--format", "csv"); !strings.Contains(out, ";42,00;") {
				t.Fatalf("overview with the new passphrase:\n%s", out)
			}
			if out := c.must("audit", "verify"); !strings.Contains(out, "intact") {
				t.Fatalf("audit: %s", out)
			}
			editFile(t, path, func(tx *bolt.Tx) error {
				m := tx.Bucket([]byte("meta"))
				if err := m.Put([]byte("kdf"), oldKDF); err != nil {
					return err
				}
				return m.Put([]byte("dk"), oldDK)
			})
			c.env["REGIE_PASSPHRASE"] = testPass
			code, _, errs := c.run("overview", "--format", "csv")
			if rotate && code == 0 {
				t.Fatal("the old header and passphrase still open the vault after passwd --rotate")
			}
			if !rotate && code != 0 {
				t.Fatalf("without --rotate the old header still opens the vault (same data key), got exit %d: %s", code, errs)
			}
		})
	}
}
