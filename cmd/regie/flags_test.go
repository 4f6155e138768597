package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"regie/wallet"
)

// TestFlagsBelongToTheirSubcommand: every subcommand has its own flag set,
// so a flag of another subcommand, a flag after the operands or an
// operand a command does not take is a usage error (exit 2, a usage line on
// stderr) that touches nothing, and --help prints that command's usage.
func TestFlagsBelongToTheirSubcommand(t *testing.T) {
	dir := t.TempDir()
	c := newCLI(t, dir)
	for _, tc := range []struct {
		name  string
		args  []string
		usage string // on stderr
	}{
		{"flag of another subcommand", []string{"consent", "list", "--qr", "x.png"}, "usage: regie consent list"},
		{"grant flag on revoke", []string{"consent", "revoke", "--to", "h", "id"}, "usage: regie consent revoke"},
		{"flag after the operand", []string{"consent", "revoke", "id", "--format", "json"}, "usage: regie consent revoke"},
		{"operand on list", []string{"consent", "list", "extra"}, "usage: regie consent list"},
		{"no subcommand", []string{"consent"}, "usage: regie consent grant|list|revoke|receipt"},
		{"unknown subcommand", []string{"consent", "frob"}, "usage: regie consent grant|list|revoke|receipt"},
		{"flag before the subcommand", []string{"consent", "--data", dir, "list"}, "usage: regie consent grant|list|revoke|receipt"},
		{"unknown flag", []string{"overview", "--colour"}, "usage: regie overview"},
		{"operand on overview", []string{"overview", "now"}, "usage: regie overview"},
		{"data on org new", []string{"org", "new", "--data", dir, "--id", "x", "--name", "X", "--out", dir}, "usage: regie org new"},
		{"kind on helper new", []string{"helper", "new", "--kind", "creditor", "--id", "x", "--name", "X", "--out", dir}, "usage: regie helper new"},
		{"format on sources refresh", []string{"sources", "refresh", "--format", "json"}, "usage: regie sources refresh"},
		{"two targets for helper import", []string{"helper", "import", "a.jws", "b.jws"}, "usage: regie helper import"},
		{"operand on serve", []string{"serve", "8080"}, "usage: regie serve"},
		{"flag after trust add file", []string{"trust", "add", "x.json", "--data", dir}, "usage: regie trust add"},
		{"missing required flag", []string{"org", "sign", "--key", "k.jwk"}, "regie org --help"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := c.run(tc.args...)
			if code != 2 || !strings.Contains(errs, tc.usage) || out != "" {
				t.Fatalf("regie %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, out, errs, tc.usage)
			}
		})
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Fatalf("usage errors wrote %v (%v)", entries, err)
	}
	for _, tc := range []struct {
		args []string
		want []string // on stdout
	}{
		{[]string{"init", "--help"}, []string{"usage: regie init", "-bsn", "-data"}},
		{[]string{"consent", "grant", "-h"}, []string{"usage: regie consent grant", "-to", "-qr"}},
		{[]string{"consent", "list", "--help"}, []string{"usage: regie consent list", "-format"}},
		{[]string{"consent", "--help"}, []string{"usage: regie consent grant|list|revoke|receipt"}},
		{[]string{"helper", "import", "--help"}, []string{"usage: regie helper import [flags] URL|FILE", "-wk"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := c.run(tc.args...)
			for _, w := range tc.want {
				if code != 0 || !strings.Contains(out, w) || errs != "" {
					t.Fatalf("exit %d, stdout %q, stderr %q; want exit 0 and %q", code, out, errs, w)
				}
			}
			if strings.Contains(tc.args[len(tc.args)-2], "list") && strings.Contains(out, "-qr") {
				t.Fatalf("consent list --help offers grant's flags:\n%s", out)
			}
		})
	}
}

// TestBinaryIgnoresKDFEnvironment: the production env has no way to weaken
// the vault's key derivation; REGIE_KDF, once a test switch, is now ignored
// and the vault is made with wallet.DefaultKDF.
func TestBinaryIgnoresKDFEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("REGIE_KDF", "fast")
	t.Setenv("REGIE_DATA", dir)
	t.Setenv("REGIE_PASSPHRASE", testPass)
	e := newEnv()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	var out, errb syncBuffer
	e.stdin, e.stdout, e.stderr = devnull, &out, &errb
	if e.kdf != (wallet.KDFParams{}) {
		t.Fatalf("newEnv sets KDF %+v", e.kdf)
	}
	if code := run(t.Context(), e, []string{"init", "--bsn", ownerBSN, "--name", "Sanne"}); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errb.String())
	}
	db, err := bolt.Open(filepath.Join(dir, wallet.FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rec struct {
		Params wallet.KDFParams `json:"params"`
	}
	if err := db.View(func(tx *bolt.Tx) error {
		return json.Unmarshal(tx.Bucket([]byte("meta")).Get([]byte("kdf")), &rec)
	}); err != nil {
		t.Fatal(err)
	}
	if rec.Params != wallet.DefaultKDF {
		t.Fatalf("vault made with KDF %+v, want the default %+v", rec.Params, wallet.DefaultKDF)
	}
}
