package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClientScopeEndToEnd: the resident enters who they are (bad details
// refused, nothing stored); a consent with "client" carries it to the
// counsellor's export and DDAS delivery, one without it carries no BSN
// outside the statements, and a DDAS export without --org-file is refused.
func TestClientScopeEndToEnd(t *testing.T) {
	c, org, helperDir := vaultWithOrg(t)
	c.must("import", signFile(t, c, org, "c1", 52500))
	if code, _, errs := c.run("client", "set", "--postcode", "=1+1"); code != 1 || !strings.Contains(errs, "postcode") {
		t.Errorf("bad postcode: %d %s", code, errs)
	}
	if out := c.must("client", "show", "--format", "table"); !strings.Contains(out, "not entered") {
		t.Errorf("a refused set stored something: %s", out)
	}
	c.must("client", "set", "--birth-date", "1990-02-03", "--street", "Kade", "--house-number", "7", "--postcode", "3011 AB",
		"--city", "Rotterdam", "--partner", "Karim de Vries")
	key, trustFile := filepath.Join(helperDir, "key.jwk"), filepath.Join(t.TempDir(), "trust.json")
	raw, _ := os.ReadFile(filepath.Join(org, "trust.json"))
	os.WriteFile(trustFile, []byte(`{"organisations":[`+string(raw)+`]}`), 0o600)
	orgFile := filepath.Join(t.TempDir(), "org.json")
	os.WriteFile(orgFile, []byte(`{"name":"Schuldhulp A","gemeentecode":"0599"}`), 0o600)

	grant := func(scope string) (string, string) {
		file := filepath.Join(t.TempDir(), "d.jwe")
		out := c.must("consent", "grant", "--to", "schuldhulp-a", "--scope", scope, "--export", file)
		return file, strings.TrimSpace(out[strings.Index(out, "--wk ")+5:])
	}
	with, wk := grant("debts,client")
	var exp struct {
		Client *struct {
			Name, BSN    string
			Address      struct{ City string }
			SelfDeclared bool `json:"self_declared"`
		} `json:"client"`
	}
	if err := json.Unmarshal([]byte(c.must("helper", "import", with, "--key", key, "--trust", trustFile, "--wk", wk)), &exp); err != nil ||
		exp.Client == nil || exp.Client.BSN != ownerBSN || exp.Client.Address.City != "Rotterdam" || !exp.Client.SelfDeclared {
		t.Fatalf("export with client: %v %+v", err, exp.Client)
	}
	ddas := c.must("helper", "import", with, "--key", key, "--trust", trustFile, "--wk", wk, "--format", "ddas", "--org-file", orgFile)
	if !strings.Contains(ddas, `"Burgerservicenummer": "`+ownerBSN+`"`) || !strings.Contains(ddas, `"gemeentecode": "0599"`) {
		t.Errorf("ddas with client:\n%s", ddas)
	}
	if code, _, errs := c.run("helper", "import", with, "--key", key, "--trust", trustFile, "--wk", wk, "--format", "ddas"); code != 2 ||
		!strings.Contains(errs, "--org-file") {
		t.Errorf("ddas without --org-file: %d %s", code, errs)
	}
	without, wk2 := grant("debts")
	out := c.must("helper", "import", without, "--key", key, "--trust", trustFile, "--wk", wk2, "--format", "ddas", "--org-file", orgFile)
	if strings.Contains(out, ownerBSN) || strings.Contains(out, "Rotterdam") {
		t.Errorf("ddas without the client scope names the client:\n%s", out)
	}
}
