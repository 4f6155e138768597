package helper_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/connectors"
	"regie/consent"
	"regie/helper"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// signedWorld is a real vault with real organisation and helper keys: the
// wallet signs dossiers (released as an offline file and opened with the
// helper's key), and the helper verifies them as its import does.
type signedWorld struct {
	t    *testing.T
	now  time.Time
	v    *wallet.Vault
	svc  *consent.Service
	orgs map[string]testkit.Org
	dec  jose.JSONWebKey
	im   *helper.Importer
	wk   string
}

func newSignedWorld(t *testing.T, helperID string) *signedWorld {
	t.Helper()
	w := &signedWorld{t: t, now: testkit.Now(), orgs: map[string]testkit.Org{}}
	for _, id := range []string{"cjib", "belnet"} {
		w.orgs[id] = testkit.NewOrg(t, id, trust.KindCreditor, "")
	}
	h := testkit.NewOrg(t, helperID, trust.KindHelper, "")
	w.v = testkit.Vault(t, func() time.Time { return w.now }, w.orgs["cjib"], w.orgs["belnet"], h)
	w.svc = &consent.Service{Vault: w.v, Trust: trust.Store{Vault: w.v}, BaseURL: "http://127.0.0.1:1"}
	var err error
	if w.dec, err = trust.DecryptionKeyOf(h.Keys); err != nil {
		t.Fatal(err)
	}
	tl, err := trust.NewList([]trust.Organisation{w.orgs["cjib"].Entry, w.orgs["belnet"].Entry})
	if err != nil {
		t.Fatal(err)
	}
	w.im = helper.NewImporter(&helper.Client{ID: helperID, Key: h.Key(), Dec: w.dec, Now: func() time.Time { return w.now }}, tl)
	if w.wk, err = trust.WalletID(w.v); err != nil {
		t.Fatal(err)
	}
	return w
}

// sign has an organisation sign a statement and the wallet import it.
func (w *signedWorld) sign(org string, payload map[string]any) {
	w.t.Helper()
	rep, err := (&connectors.Importer{Vault: w.v}).Import(context.Background(), wallet.ChannelFile,
		[]connectors.Item{{Name: org, JWS: w.orgs[org].Sign(w.t, payload)}}, nil)
	if err != nil || rep.Refused > 0 {
		w.t.Fatalf("import: %v %+v", err, rep)
	}
}

func (w *signedWorld) grant(helperID string) consent.Grant {
	w.t.Helper()
	g, err := w.svc.Grant(context.Background(), consent.Request{Audience: helperID, Purpose: consent.PurposeIntake, Scope: consent.Scope{"debts"}, Days: 30})
	if err != nil {
		w.t.Fatal(err)
	}
	return g
}

// fetch releases the grant's dossier, verifies it as the helper and
// returns the verified dossier and the JSON export the import writes.
func (w *signedWorld) fetch(g consent.Grant) (*consent.VerifiedDossier, []byte) {
	w.t.Helper()
	sealed, err := w.svc.Export(context.Background(), g.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	jws, err := consent.OpenDossier(sealed, w.dec)
	if err != nil {
		w.t.Fatal(err)
	}
	vd, err := w.im.Verify(jws, w.wk)
	if err != nil {
		w.t.Fatal(err)
	}
	raw, err := helper.NewExport(vd, w.im.Trust).JSON()
	if err != nil {
		w.t.Fatal(err)
	}
	return vd, raw
}

// TestPreviousImportIsVerifiedAgain: the JSON export keeps the signed
// dossier, and reading it back as the previous import verifies it again;
// comparing it with the next fetch tells the higher amount and the claim
// marked paid.
func TestPreviousImportIsVerifiedAgain(t *testing.T) {
	w := newSignedWorld(t, "schuldhulp-a")
	at := w.now.Add(-48 * time.Hour)
	w.sign("cjib", testkit.Debt("cjib", "c1", "CJIB-1", "CJIB", wallet.CategoryFine, 52500, 52500, at))
	w.sign("belnet", testkit.Debt("belnet", "b1", "BN-1", "BelNet", wallet.CategoryTelecom, 18500, 18500, at))
	g := w.grant("schuldhulp-a")
	_, raw := w.fetch(g)

	w.now = w.now.Add(24 * time.Hour)
	w.sign("cjib", testkit.Debt("cjib", "c2", "CJIB-1", "CJIB", wallet.CategoryFine, 61000, 61000, w.now))
	w.sign("belnet", testkit.SecondEdition(testkit.Debt("belnet", "b2", "BN-1", "BelNet", wallet.CategoryTelecom, 18500, 0, w.now),
		map[string]any{"status": "paid"}))
	cur, _ := w.fetch(g)

	prev, err := w.im.Previous(raw)
	if err != nil {
		t.Fatal(err)
	}
	c, err := helper.Compare(prev, cur)
	if err != nil {
		t.Fatal(err)
	}
	if !c.SameConsent || len(c.ChangedClaims) != 1 || c.ChangedClaims[0].Now.OutstandingCents != 61000 ||
		len(c.SettledClaims) != 1 || c.SettledClaims[0].Now.Status != wallet.StatusPaid || len(c.NewClaims)+len(c.GoneClaims) != 0 {
		t.Errorf("changes = %+v", c)
	}
}

// TestPreviousImportRefusesBadFiles: a previous import that is not the
// JSON export, holds no signed dossier, was edited after the import, or
// whose dossier does not verify for this helper is refused with its own
// reason, never compared.
func TestPreviousImportRefusesBadFiles(t *testing.T) {
	w := newSignedWorld(t, "schuldhulp-a")
	w.sign("cjib", testkit.Debt("cjib", "c1", "CJIB-1", "CJIB", wallet.CategoryFine, 52500, 52500, w.now.Add(-time.Hour)))
	_, raw := w.fetch(w.grant("schuldhulp-a"))
	var csv bytes.Buffer
	csv.WriteString("\ufeffSchuldeiser;Kenmerk\nCJIB;CJIB-1\n")
	_, dossierStart, _ := strings.Cut(string(raw), `"dossier": "`)
	// One character of the wallet's signature changed.
	sigAt := strings.Index(dossierStart, `"`) - 5
	flipped := []byte(dossierStart)
	if flipped[sigAt] == 'A' {
		flipped[sigAt] = 'B'
	} else {
		flipped[sigAt] = 'A'
	}
	badSig := strings.Replace(string(raw), dossierStart, string(flipped), 1)

	// A dossier another helper's consent released: it names another helper.
	other := newSignedWorld(t, "schuldhulp-b")
	other.sign("cjib", testkit.Debt("cjib", "c1", "CJIB-1", "CJIB", wallet.CategoryFine, 52500, 52500, other.now.Add(-time.Hour)))
	_, otherRaw := other.fetch(other.grant("schuldhulp-b"))

	cases := []struct {
		name string
		file []byte
		want error
	}{
		{"not JSON", []byte("not json"), helper.ErrPreviousMalformed},
		{"a CSV export", csv.Bytes(), helper.ErrPreviousMalformed},
		{"another JSON", []byte(`{"format":"regie-changes-1"}`), helper.ErrPreviousMalformed},
		{"no signed dossier", []byte(strings.Replace(string(raw), `"dossier": "`, `"dossier_was": "`, 1)), helper.ErrPreviousUnsigned},
		{"an amount edited", []byte(strings.Replace(string(raw), `"outstanding_cents": 52500`, `"outstanding_cents": 2500`, 1)), helper.ErrPreviousTampered},
		{"a row removed", []byte(strings.Replace(string(raw), `"reference": "CJIB-1"`, `"reference": "CJIB-2"`, 1)), helper.ErrPreviousTampered},
		{"the signature broken", []byte(badSig), helper.ErrPreviousRefused},
		{"another helper's import", otherRaw, helper.ErrPreviousRefused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vd, err := w.im.Previous(tc.file)
			if !errors.Is(err, tc.want) || vd != nil {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
