package consent

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// layoutFixture is a vault written on 2026-11-26 by the code of that day
// (before the version-2 header, before redemption records, with grants and
// their handle and short-code lookups in one bucket told apart by the first
// byte): two grants in force (one with a short code made at written_at, so
// valid for ten minutes), one revoked, a release, a refusal and two imports.
// vault.json says what is in it; helper-key.jwk is the helper's signing
// key. It is never rewritten.
const layoutFixture = "testdata/vault-layout1"

type layoutMeta struct {
	WrittenAt    time.Time `json:"written_at"`
	Passphrase   string    `json:"passphrase"`
	Active       string    `json:"active"`
	ActiveHandle string    `json:"active_handle"`
	Source       string    `json:"source"`
	Revoked      string    `json:"revoked"`
	ShortCode    string    `json:"short_code"`
	WalletID     string    `json:"wallet_id"`
}

// TestOldLayoutVaultStillWorks opens a copy of the fixture with today's
// code: the grants list, the chained log verifies and reads with its typed
// fields, a helper redeems by handle and by the short code, and revoking
// and making a new short code work; afterwards the grants bucket holds only
// grants.
func TestOldLayoutVaultStillWorks(t *testing.T) {
	ctx := context.Background()
	var meta layoutMeta
	raw, err := os.ReadFile(filepath.Join(layoutFixture, "vault.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), wallet.FileName)
	testkit.CopyFile(t, filepath.Join(layoutFixture, wallet.FileName), path)
	clock := &clock{t: meta.WrittenAt.Add(5 * time.Minute)}
	v, err := wallet.Open(path, &wallet.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Unlock(ctx, meta.Passphrase); err != nil {
		t.Fatalf("the old vault no longer unlocks: %v", err)
	}
	// The fixture kept the helper's signing key only: the service is told
	// of no encryption key, so that the answers are the signed dossiers.
	svc := &Service{Vault: v, Trust: signingOnly{trust.Store{Vault: v}}, BaseURL: base}

	list, err := svc.List(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %d grants, %v", len(list), err)
	}
	status := map[string]Status{}
	for _, g := range list {
		status[g.ID] = g.Status(clock.Now())
	}
	if status[meta.Active] != StatusActive || status[meta.Source] != StatusActive || status[meta.Revoked] != StatusRevoked {
		t.Errorf("statuses = %v", status)
	}

	n, err := v.VerifyEvents(ctx)
	if err != nil {
		t.Fatalf("the old log does not verify: %v", err)
	}
	events, _ := v.Events(ctx)
	kinds := map[wallet.EventKind]wallet.Event{}
	for _, e := range events {
		kinds[e.Kind] = e
	}
	if e := kinds[wallet.EventStatementImported]; e.Via != wallet.ChannelFile || len(e.Topics) != 1 || len(e.Scope) != 0 || e.Reason != "" {
		t.Errorf("import entry read as %+v", e)
	}
	if e := kinds[wallet.EventPresentationNotOK]; e.Reason != Code(ErrWrongPurpose) || e.Via != "" || len(e.Scope) == 0 {
		t.Errorf("refusal entry read as %+v", e)
	}
	if e := kinds[wallet.EventGrantMade]; len(e.Scope) == 0 || len(e.Topics) != 0 {
		t.Errorf("grant entry read as %+v", e)
	}

	set, err := trust.ReadKeyFile(filepath.Join(layoutFixture, "helper-key.jwk"))
	if err != nil {
		t.Fatal(err)
	}
	h := helper{key: set.Keys[0]}
	h.org.ID = "schuldhulp-a"
	f := &fixture{svc: svc, vault: v, clock: clock}
	url := base + "/c/" + meta.ActiveHandle
	d, err := svc.Redeem(ctx, Presentation{Handle: meta.ActiveHandle, Proof: f.proof(t, h, PurposeIntake, url), Method: "GET", URL: url})
	if err != nil {
		t.Fatalf("redeem by handle: %v", err)
	}
	tl, _ := trust.Store{Vault: v}.Load(ctx)
	jkt, _ := trust.Thumbprint(h.key.Public())
	vd, err := VerifyDossier(d, HelperCheck{WalletID: meta.WalletID, HelperID: "schuldhulp-a", HelperJKT: jkt, Trust: tl, Now: clock.Now()})
	if err != nil || len(vd.Verified) != 2 {
		t.Fatalf("the dossier from the old vault: %v", err)
	}
	url = base + "/c/code/" + meta.ShortCode
	if _, err := svc.Redeem(ctx, Presentation{ShortCode: meta.ShortCode, Proof: f.proof(t, h, PurposeIntake, url), Method: "GET", URL: url}); err != nil {
		t.Fatalf("redeem by short code: %v", err)
	}

	// The grants bucket holds grants only; the lookups have their own.
	grantsOnly(t, v)

	if _, err := svc.Revoke(ctx, meta.Active); err != nil {
		t.Fatal(err)
	}
	url = base + "/c/" + meta.ActiveHandle
	if _, err := svc.Redeem(ctx, Presentation{Handle: meta.ActiveHandle, Proof: f.proof(t, h, PurposeIntake, url), Method: "GET", URL: url}); !errors.Is(err, ErrRevoked) {
		t.Errorf("after revoking: %v", err)
	}
	code, _, err := svc.ShortCode(ctx, meta.Source)
	if err != nil {
		t.Fatal(err)
	}
	url = base + "/c/code/" + code
	if _, err := svc.Redeem(ctx, Presentation{ShortCode: code, Proof: f.proof(t, h, PurposeIntake, url), Method: "GET", URL: url}); err != nil {
		t.Fatalf("a new short code: %v", err)
	}
	if m, err := v.VerifyEvents(ctx); err != nil || m <= n {
		t.Errorf("log after use: %d entries (was %d), %v", m, n, err)
	}
}

// grantsOnly fails unless every record in the grants bucket is a grant.
func grantsOnly(t *testing.T, v *wallet.Vault) {
	t.Helper()
	err := v.View(context.Background(), func(tx *wallet.Tx) error {
		return tx.ForEach(bucketGrants, func(_ []byte, open func(any) error) error {
			var g Grant
			if err := open(&g); err != nil || g.ID == "" {
				return errors.New("a grants record is not a grant")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLookupsHaveTheirOwnBucket: a new grant's handle and short code are
// stored beside the grants, not among them.
func TestLookupsHaveTheirOwnBucket(t *testing.T) {
	f := newFixture(t)
	g := f.grant(t, Request{})
	if _, _, err := f.svc.ShortCode(context.Background(), g.ID); err != nil {
		t.Fatal(err)
	}
	grantsOnly(t, f.vault)
	lookups := 0
	f.vault.View(context.Background(), func(tx *wallet.Tx) error {
		return tx.ForEach(bucketLookups, func(_ []byte, open func(any) error) error {
			var id string
			if err := open(&id); err == nil && id == g.ID {
				lookups++
			}
			return nil
		})
	})
	if lookups != 2 {
		t.Errorf("%d lookups name the grant, want its handle and its short code", lookups)
	}
}

// signingOnly is a trust list whose organisations show their signing keys
// only.
type signingOnly struct{ TrustSource }

func (s signingOnly) Organisation(ctx context.Context, id string) (trust.Organisation, bool, error) {
	o, ok, err := s.TrustSource.Organisation(ctx, id)
	o.Keys = o.SigningKeys()
	return o, ok, err
}
