package consent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"regie/trust"
	"regie/wallet"
)

// yields is everything an attacker reads out of plain: the bytes
// themselves and, for every JSON string in them, each dot-separated part
// decoded from base64url, again and again (a JWS inside a JWS inside a
// record), so that an encoded figure counts as readable.
func yields(plain []byte) [][]byte {
	out := [][]byte{plain}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			for _, part := range strings.Split(v, ".") {
				raw, err := base64.RawURLEncoding.DecodeString(part)
				if err != nil || len(raw) == 0 {
					continue
				}
				out = append(out, yields(raw)...)
			}
		}
	}
	var v any
	if json.Unmarshal(plain, &v) == nil {
		walk(v)
	}
	return out
}

// finances are the fixture resident's BSN, name, creditor, references and
// amounts (in cents and formatted).
var finances = []string{"123456782", "Fatima", "de Vries", `"CJIB"`, "CJIB-1", `"WW"`, `"UWV"`, "52500", "45000", "145000",
	"525,00", "450,00", "1.450,00", "525.00", "1450.00"}

// stolenRecord is what a copy of the vault file and a consent link's
// handle give an attacker: the record opened with the handle alone, as
// RedeemSealed opens it.
func stolenRecord(t *testing.T, path, handle string) []byte {
	t.Helper()
	stolen := filepath.Join(t.TempDir(), "stolen.db")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stolen, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := wallet.Open(stolen, &wallet.Options{KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	id, key, err := recordRefOf(handle)
	if err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	if err := v.Box().View(context.Background(), func(tx *wallet.BoxTx) error {
		r, err := tx.Record(id)
		sealed = bytes.Clone(r)
		return err
	}); err != nil || sealed == nil {
		t.Fatalf("no record under the handle's hash: %v", err)
	}
	plain, err := wallet.OpenWithSecret(key, id, sealed)
	if err != nil {
		t.Fatalf("the handle does not open its record: %v", err)
	}
	return plain
}

// TestStolenDiskAndHandleRevealNoFinances is the attacker of issue #12:
// a copy of the data after a grant, a use and the lock, and a consent
// link's handle (from a proxy's access log or a photographed QR code).
// The handle opens the record's check data, never the dossier.
func TestStolenDiskAndHandleRevealNoFinances(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{Scope: Scope{ScopeDebts, ScopeIncome, ScopeClient}})
	if _, err := f.sealedFetch(t, g, false); err != nil {
		t.Fatal(err)
	}
	f.vault.Lock()
	plain := stolenRecord(t, f.vault.Path(), g.Handle)
	if !bytes.Contains(plain, []byte(f.a.org.ID)) || !bytes.Contains(plain, []byte(g.JKT)) {
		t.Fatalf("the record lacks its check data (helper, cnf.jkt): %.200s", plain)
	}
	for _, y := range yields(plain) {
		for _, secret := range finances {
			if bytes.Contains(y, []byte(secret)) {
				t.Errorf("the handle opens %q from the stolen record: …%.120s…", secret, y[max(0, bytes.Index(y, []byte(secret))-40):])
			}
		}
	}
}

// TestSealedAnswerOnlyForItsHelper: what a record answers opens with the
// helper's encryption key only, verifies exactly as before, and is refused
// clearly by another helper and when altered.
func TestSealedAnswerOnlyForItsHelper(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{MaxUses: 5})
	hc := f.helperCheck(t)
	f.vault.Lock()
	answer, err := f.sealedFetch(t, g, false)
	if err != nil {
		t.Fatal(err)
	}
	if !IsEncrypted(answer) {
		t.Fatalf("the record answers a readable dossier: %.60s…", answer)
	}
	jws, err := OpenDossier(answer, f.a.enc)
	if err != nil {
		t.Fatal(err)
	}
	if vd, err := VerifyDossier(jws, hc); err != nil || vd.Overview.TotalOutstandingCents != 52500 {
		t.Fatalf("verify: %v", err)
	}
	if _, err := OpenDossier(answer, f.b.enc); !errors.Is(err, ErrCannotOpen) || !strings.Contains(err.Error(), "another key") {
		t.Errorf("another helper's key: %v, want ErrCannotOpen naming another key", err)
	}
	parts := strings.Split(answer, ".")
	flip := func(s string) string {
		b := []byte(s)
		if b[len(b)/2] == 'A' {
			b[len(b)/2] = 'B'
		} else {
			b[len(b)/2] = 'A'
		}
		return string(b)
	}
	for i, what := range map[int]string{3: "ciphertext", 4: "tag", 2: "iv"} {
		bad := append([]string(nil), parts...)
		bad[i] = flip(bad[i])
		if _, err := OpenDossier(strings.Join(bad, "."), f.a.enc); !errors.Is(err, ErrDossierAltered) {
			t.Errorf("altered %s: %v, want ErrDossierAltered", what, err)
		}
	}
	if _, err := OpenDossier(answer, jose.JSONWebKey{}); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("a helper without an encryption key: %v", err)
	}
}

// TestVaultAnswersEncryptedToo: while the resident is present the wallet
// answers the same shape: encrypted to the helper.
func TestVaultAnswersEncryptedToo(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{})
	answer, err := f.present(g, f.proof(t, f.a, g.Purpose, base+"/c/"+g.Handle))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := OpenDossier(answer, f.a.enc)
	if err != nil {
		t.Fatalf("the present wallet's answer: %v", err)
	}
	if _, err := VerifyDossier(jws, f.helperCheck(t)); err != nil {
		t.Fatal(err)
	}
}

// TestFirstFormatRecordIsNeverServed: a record sealed before dossiers were
// encrypted holds the dossier readable; it is refused (resident absent,
// nothing counted) until the next unlock seals it again, encrypted.
func TestFirstFormatRecordIsNeverServed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	g := f.grant(t, Request{MaxUses: 1})
	hc := f.helperCheck(t)
	id, key, _ := recordRefOf(g.Handle)
	if err := f.vault.Box().Update(ctx, func(tx *wallet.BoxTx) error {
		sealed, _ := tx.Record(id)
		rec, err := openRecord(id, key, sealed)
		if err != nil {
			return err
		}
		if rec.Plain, err = OpenDossier(rec.Answer, f.a.enc); err != nil {
			return err
		}
		rec.Answer = "" // as the first format stored it: {"dossier": "<JWS>"}
		old, err := sealRecord(id, key, rec)
		if err != nil {
			return err
		}
		return tx.PutRecord(id, old)
	}); err != nil {
		t.Fatal(err)
	}
	f.vault.Lock()
	if d, err := f.sealedFetch(t, g, false); !errors.Is(err, ErrResidentAbsent) || !errors.Is(err, ErrNoRecord) || d != "" {
		t.Fatalf("first-format record while locked: %v (%d bytes), want ErrResidentAbsent", err, len(d))
	}
	if err := f.vault.Unlock(ctx, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	f.vault.Lock()
	plain := stolenRecord(t, f.vault.Path(), g.Handle)
	if bytes.Contains(plain, []byte(`"dossier"`)) {
		t.Error("the refreshed record still holds the readable dossier")
	}
	answer, err := f.sealedFetch(t, g, false) // the one use was not spent by the refusal
	if err != nil {
		t.Fatal(err)
	}
	if jws, err := OpenDossier(answer, f.a.enc); err != nil {
		t.Fatal(err)
	} else if _, err := VerifyDossier(jws, hc); err != nil {
		t.Fatal(err)
	}
}

// TestHelperWithoutEncryptionKey: a helper the trust list gives no
// encryption key is served by the present wallet only, as a signed
// dossier; its record holds no dossier, and while the resident is away
// the answer is ErrResidentAbsent.
func TestHelperWithoutEncryptionKey(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := newHelper(t, "schuldhulp-c")
	c.org.Keys = c.org.SigningKeys()
	if err := (trust.Store{Vault: f.vault}).Add(ctx, c.org); err != nil {
		t.Fatal(err)
	}
	g := f.grant(t, Request{Audience: c.org.ID})
	url := base + "/c/" + g.Handle
	f.vault.Lock()
	p := Presentation{Handle: g.Handle, Method: "GET", URL: url, Proof: f.proof(t, c, g.Purpose, url)}
	if _, _, err := f.svc.RedeemSealed(ctx, p); !errors.Is(err, ErrResidentAbsent) {
		t.Fatalf("locked: %v, want ErrResidentAbsent", err)
	}
	for _, y := range yields(stolenRecord(t, f.vault.Path(), g.Handle)) {
		for _, secret := range finances {
			if bytes.Contains(y, []byte(secret)) {
				t.Errorf("the record shows %q", secret)
			}
		}
	}
	if err := f.vault.Unlock(ctx, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	p.Proof = f.proof(t, c, g.Purpose, url)
	d, err := f.svc.Redeem(ctx, p)
	if err != nil || IsEncrypted(d) {
		t.Fatalf("present: %v, encrypted %v", err, IsEncrypted(d))
	}
	hc := f.helperCheck(t)
	hc.HelperID, hc.HelperJKT = c.org.ID, g.JKT
	if _, err := VerifyDossier(d, hc); err != nil {
		t.Fatal(err)
	}
}
