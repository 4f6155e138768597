package main

import (
	"bytes"
	"encoding/json"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"regie/internal/testkit"
	"regie/wallet"
)

// vaultWithOrg makes a vault, a creditor and a helper with the CLI, and
// trusts both.
func vaultWithOrg(t *testing.T) (*cli, string, string) {
	t.Helper()
	data := t.TempDir()
	c := newCLI(t, data)
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne de Vries")
	org := filepath.Join(t.TempDir(), "cjib")
	c.must("org", "new", "--id", "cjib", "--name", "CJIB", "--kind", "creditor", "--out", org)
	helper := filepath.Join(t.TempDir(), "helper")
	c.must("helper", "new", "--id", "schuldhulp-a", "--name", "Schuldhulp A", "--out", helper)
	c.must("trust", "add", filepath.Join(org, "trust.json"))
	c.must("trust", "add", filepath.Join(helper, "trust.json"))
	return c, org, helper
}

func signFile(t *testing.T, c *cli, org, jti string, outstanding int) string {
	t.Helper()
	p := payload("cjib", jti, "debt", map[string]any{"reference": "CJIB-" + jti, "creditor": "CJIB", "category": "fine",
		"original_cents": outstanding, "outstanding_cents": outstanding, "status": "collection"})
	raw, _ := json.Marshal(p)
	in := filepath.Join(t.TempDir(), jti+".json")
	os.WriteFile(in, raw, 0o600)
	jws := strings.TrimSpace(c.must("org", "sign", "--key", filepath.Join(org, "key.jwk"), "--in", in))
	out := filepath.Join(t.TempDir(), jti+".jws")
	os.WriteFile(out, []byte(jws+"\n"), 0o600)
	return out
}

func TestTrustCommands(t *testing.T) {
	c, org, _ := vaultWithOrg(t)
	out := c.must("trust", "list", "--format", "csv")
	if !strings.Contains(out, "cjib,CJIB,creditor,debt,cjib-") || !strings.Contains(out, "schuldhulp-a") {
		t.Errorf("trust list = %s", out)
	}
	// A private key is never a trust-list entry.
	if code, _, errs := c.run("trust", "add", filepath.Join(org, "key.jwk")); code != 1 || !strings.Contains(errs, "trust") {
		t.Errorf("adding a key file: %d %s", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"id":"x","name":"X","kind":"creditor","keys":[],"may_sign":["debt"]}`), 0o600)
	if code, _, _ := c.run("trust", "add", bad); code != 1 {
		t.Errorf("entry without keys: %d", code)
	}
	c.must("trust", "remove", "cjib")
	if code, _, _ := c.run("trust", "remove", "cjib"); code != 1 {
		t.Errorf("removing twice: %d", code)
	}
}

func TestImportCommand(t *testing.T) {
	c, org, _ := vaultWithOrg(t)
	good := signFile(t, c, org, "c1", 52500)
	other := signFile(t, c, org, "c2", 1000)
	bundle := filepath.Join(t.TempDir(), "bundle.json")
	j1, _ := os.ReadFile(good)
	j2, _ := os.ReadFile(other)
	doc, _ := json.Marshal(map[string][]string{"statements": {strings.TrimSpace(string(j1)), strings.TrimSpace(string(j2))}})
	os.WriteFile(bundle, doc, 0o600)
	garbage := filepath.Join(t.TempDir(), "garbage.jws")
	os.WriteFile(garbage, []byte("not a statement"), 0o600)

	code, out, _ := c.run("import", bundle, garbage, filepath.Join(t.TempDir(), "missing.jws"))
	if code != 1 || !strings.Contains(out, "2 added") || !strings.Contains(out, "2 refused") {
		t.Fatalf("import: %d %s", code, out)
	}
	out = c.must("import", good)
	if !strings.Contains(out, "1 already known") {
		t.Errorf("second import: %s", out)
	}
	var o wallet.Overview
	json.Unmarshal([]byte(c.must("overview", "--format", "json")), &o)
	if o.TotalOutstandingCents != 53500 {
		t.Errorf("total = %d", o.TotalOutstandingCents)
	}
}

func decodeQRFile(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.DecodeQR(t, raw)
}

func TestConsentCommands(t *testing.T) {
	c, _, _ := vaultWithOrg(t)
	qr := filepath.Join(t.TempDir(), "qr.png")
	out := c.must("consent", "grant", "--to", "schuldhulp-a", "--purpose", "debt-help-programme", "--scope", "debts", "--days", "30",
		"--qr", qr, "--code", "--wallet-url", "http://127.0.0.1:8080")
	lines := strings.Split(out, "\n")
	url := lines[1]
	if got := decodeQRFile(t, qr); got != url || !strings.HasPrefix(url, "http://127.0.0.1:8080/c/") {
		t.Fatalf("QR = %q, printed URL %q", got, url)
	}
	if !strings.Contains(out, "Short code: ") {
		t.Errorf("no short code: %s", out)
	}
	if code, _, _ := c.run("consent", "grant", "--to", "cjib"); code != 1 {
		t.Errorf("grant to a creditor: %d", code)
	}
	if code, _, _ := c.run("consent", "grant", "--to", "schuldhulp-a", "--days", "120"); code != 1 {
		t.Errorf("120 days: %d", code)
	}
	if code, _, _ := c.run("consent", "grant", "--to", "schuldhulp-a", "--purpose", "marketing"); code != 1 {
		t.Errorf("unknown purpose: %d", code)
	}
	var list []struct {
		ID     string `json:"id"`
		Status string `json:"consent_status"`
	}
	json.Unmarshal([]byte(c.must("consent", "list", "--format", "json")), &list)
	if len(list) != 1 || list[0].Status != "active" {
		t.Fatalf("list = %+v", list)
	}
	if code, _, errOut := c.run("consent", "extend", "--months", "19", list[0].ID); code != 1 || !strings.Contains(errOut, "at most 18 months") {
		t.Errorf("extend by 19 months: %d %s", code, errOut)
	}
	if out := c.must("consent", "extend", "--months", "18", list[0].ID); !strings.Contains(out, "new receipt "+list[0].ID+"-1") {
		t.Errorf("extend: %s", out)
	}
	c.must("consent", "revoke", list[0].ID)
	json.Unmarshal([]byte(c.must("consent", "list", "--format", "json")), &list)
	if list[0].Status != "revoked" {
		t.Errorf("after revoke: %+v", list)
	}
	receipt := c.must("consent", "receipt", list[0].ID)
	if !strings.Contains(receipt, `"consentReceiptID"`) || strings.Contains(receipt, ownerBSN) {
		t.Errorf("receipt = %s", receipt)
	}
	audit := c.must("audit", "--format", "csv")
	// The log page's words, in English.
	if !strings.Contains(audit, "You gave consent (My debts") || !strings.Contains(audit, "You withdrew consent") {
		t.Errorf("audit = %s", audit)
	}
}

// TestAuditVerifyCatchesTampering edits, deletes and reorders entries of the
// access log directly in the bbolt file; `regie audit verify` catches each.
func TestAuditVerifyCatchesTampering(t *testing.T) {
	tamper := map[string]func(b *bolt.Bucket, keys, vals [][]byte) error{
		"edit": func(b *bolt.Bucket, keys, vals [][]byte) error {
			vals[1][len(vals[1])/2] ^= 0x01
			return b.Put(keys[1], vals[1])
		},
		"delete": func(b *bolt.Bucket, keys, vals [][]byte) error { return b.Delete(keys[1]) },
		"reorder": func(b *bolt.Bucket, keys, vals [][]byte) error {
			if err := b.Put(keys[0], vals[2]); err != nil {
				return err
			}
			return b.Put(keys[2], vals[0])
		},
		"truncate": func(b *bolt.Bucket, keys, vals [][]byte) error { return b.Delete(keys[len(keys)-1]) },
	}
	for name, fn := range tamper {
		t.Run(name, func(t *testing.T) {
			c, _, _ := vaultWithOrg(t)
			for i := 0; i < 2; i++ {
				c.must("consent", "grant", "--to", "schuldhulp-a")
			}
			list := c.must("consent", "list", "--format", "csv")
			id := strings.Split(strings.Split(list, "\n")[1], ",")[0]
			c.must("consent", "revoke", id)
			if out := c.must("audit", "verify"); !strings.Contains(out, "intact: 3 entries") {
				t.Fatalf("before: %s", out)
			}
			db, err := bolt.Open(filepath.Join(c.env["REGIE_DATA"], wallet.FileName), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte(wallet.BucketEvents))
				var keys, vals [][]byte
				b.ForEach(func(k, v []byte) error {
					keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(v))
					return nil
				})
				return fn(b, keys, vals)
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			code, _, errs := c.run("audit", "verify")
			if code != 1 || !strings.Contains(errs, "chain broken") {
				t.Fatalf("audit verify after %s: %d %s", name, code, errs)
			}
		})
	}
}

// TestHelperImportFromADeadWallet: when the wallet cannot be reached the
// counsellor reads one true sentence about the wallet, not about an
// organisation.
func TestHelperImportFromADeadWallet(t *testing.T) {
	c, _, helper := vaultWithOrg(t)
	dead := "http://" + freeAddr(t) + "/c/AAAAAAAAAAAAAAAAAAAAAA#wk=x"
	code, _, errs := c.run("helper", "import", dead, "--key", filepath.Join(helper, "key.jwk"), "--trust", filepath.Join(helper, "trust.json"))
	if code != 1 || errs != "regie helper: the wallet could not be reached\n" {
		t.Errorf("dead wallet: exit %d, stderr %q", code, errs)
	}
}
