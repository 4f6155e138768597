package consent

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"regie/connectors"
	"regie/trust"
	"regie/wallet"
)

// energyArrear puts an energy debt 35 days in arrears in the vault, signed
// by an energy company the wallet trusts; it returns the amounts and the
// reference that must never reach a signals consent's helper.
func (f *fixture) energyArrear(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	set, org, err := trust.NewOrganisation("energie-noord", "Energie Noord", trust.KindCreditor, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	if err := (trust.Store{Vault: f.vault}).Add(ctx, org); err != nil {
		t.Fatal(err)
	}
	payload := `{"iss":"energie-noord","sub":"123456782","jti":"en1","iat":` + itoa(f.clock.Now().Unix()-60) +
		`,"type":"debt","as_of":"2026-11-20","debt":{"reference":"EN-7781-REF","creditor":"Energie Noord","category":"energy",` +
		`"original_cents":31234,"outstanding_cents":28876,"arrears_cents":17654,"days_in_arrears":35,"status":"open"}}`
	jws, err := trust.SignStatement(set.Keys[0], []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := (&connectors.Importer{Vault: f.vault}).Import(ctx, "file", []connectors.Item{{JWS: jws}}, nil); err != nil || rep.Added != 1 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	// Every amount and reference in the vault, as cents and as text (the
	// income's reference "WW" is too short to look for in base64).
	return []string{"EN-7781-REF", "CJIB-1", "31234", "28876", "17654", "52500", "45000", "145000",
		"312,34", "288,76", "176,54", "525,00", "1.450,00"}
}

func TestSignalsReleaseCarriesNoAmountOrReference(t *testing.T) {
	for _, sealed := range []bool{false, true} {
		t.Run("sealed="+strconv.FormatBool(sealed), func(t *testing.T) {
			f := newFixture(t)
			secrets := f.energyArrear(t)
			g := f.grant(t, Request{Purpose: PurposeAftercare, Months: 12, Scope: Scope{}})
			if !g.Scope.Signals() {
				t.Fatalf("aftercare's default scope = %v", g.Scope)
			}
			var jws string
			var err error
			if sealed {
				if jws, err = f.sealedFetch(t, g, true); err == nil {
					jws = f.open(t, f.a, jws)
				}
			} else {
				jws = f.release(t, g)
			}
			if err != nil {
				t.Fatal(err)
			}
			if Kind(jws) != SignalsType {
				t.Fatalf("kind %q", Kind(jws))
			}
			vs, err := VerifySignals(jws, f.helperCheck(t))
			if err != nil {
				t.Fatal(err)
			}
			want := []wallet.Signal{{Category: wallet.CategoryEnergy, Organisation: "energie-noord", Since: "2026-10-16", DaysInArrears: 35}}
			if got, _ := json.Marshal(vs.Signals); string(got) != string(mustJSON(want)) {
				t.Errorf("signals = %s, want %s", got, mustJSON(want))
			}
			if vs.Purpose != PurposeAftercare {
				t.Errorf("purpose %q", vs.Purpose)
			}
			// Byte-wise: the payload holds no amount and no reference.
			payload := rawPayload(t, jws)
			for _, s := range secrets {
				if strings.Contains(payload, s) {
					t.Errorf("the release holds %q: %s", s, payload)
				}
			}
			for _, field := range []string{"cents", "reference", "income", "statements", "overview"} {
				if strings.Contains(payload, field) {
					t.Errorf("the release names %q", field)
				}
			}
			// What the resident reads back is what was released.
			if sealed {
				if err := f.svc.Settle(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			last, at, err := f.svc.LastSignals(context.Background(), g.ID)
			if err != nil || last == nil || at.IsZero() {
				t.Fatalf("last release: %v %v", last, err)
			}
			if got, _ := json.Marshal(last.Signals); string(got) != string(mustJSON(want)) || last.Grant != "" {
				t.Errorf("last release kept %s (grant %q)", got, last.Grant)
			}
			// The access log shows the release with its scope.
			events, _ := f.vault.Events(context.Background())
			var released bool
			for _, e := range events {
				released = released || (e.Kind == wallet.EventDossierReleased && e.Grant == g.ID && len(e.Scope) == 1 && e.Scope[0] == ScopeSignals && e.Count == 1)
			}
			if !released {
				t.Errorf("no release of signals in the log: %+v", events)
			}
			// Revoking stops the next request, from the vault and from the record.
			if _, err := f.svc.Revoke(context.Background(), g.ID); err != nil {
				t.Fatal(err)
			}
			f.clock.Add(time.Second)
			if _, err := f.sealedFetch(t, g, true); !errors.Is(err, ErrUnknownGrant) {
				t.Errorf("sealed fetch after revoking: %v", err)
			}
			url := base + "/api/v1/dossier"
			if err := f.redeem(Presentation{Token: g.Token, Proof: f.proof(t, f.a, g.Purpose, url), Method: "GET", URL: url}); !errors.Is(err, ErrRevoked) && !errors.Is(err, ErrUnknownGrant) {
				t.Errorf("fetch after revoking: %v", err)
			}
		})
	}
}

// The two verifiers each take only their own kind.
func TestSignalsAndDossierVerifiersRefuseEachOther(t *testing.T) {
	f := newFixture(t)
	f.energyArrear(t)
	sig := f.release(t, f.grant(t, Request{Purpose: PurposeEarlyDetection, Months: 12, Scope: Scope{}}))
	dos := f.release(t, f.grant(t, Request{}))
	hc := f.helperCheck(t)
	if _, err := VerifyDossier(sig, hc); !errors.Is(err, ErrDossierMalformed) {
		t.Errorf("signals as a dossier: %v", err)
	}
	if _, err := VerifySignals(dos, hc); !errors.Is(err, ErrSignalsMalformed) {
		t.Errorf("a dossier as signals: %v", err)
	}
	if _, err := VerifyDossier(dos, hc); err != nil {
		t.Errorf("the dossier itself: %v", err)
	}
}

// A release the wallet key signed but that breaks the format: an extra
// field (an amount), a signal off the lists, or signals under a consent
// without the signals scope. Each is refused.
func TestVerifySignalsRefusesBadContent(t *testing.T) {
	f := newFixture(t)
	sigGrant := f.grant(t, Request{Purpose: PurposeAftercare, Months: 12, Scope: Scope{}})
	debtsGrant := f.grant(t, Request{})
	now := f.clock.Now().UTC().Truncate(time.Second).Format(time.RFC3339)
	ok := `{"category":"energy","organisation":"energie-noord","since":"2026-10-16","days_in_arrears":35}`
	for name, tt := range map[string]struct {
		payload string
		want    error
	}{
		"amount beside a signal": {`{"grant":"` + sigGrant.Token + `","released_at":"` + now + `","signals":[{"category":"energy","organisation":"energie-noord","since":"2026-10-16","arrears_cents":17654}]}`, ErrSignalsMalformed},
		"field beside the list":  {`{"grant":"` + sigGrant.Token + `","released_at":"` + now + `","signals":[` + ok + `],"statements":[]}`, ErrSignalsMalformed},
		"no list":                {`{"grant":"` + sigGrant.Token + `","released_at":"` + now + `"}`, ErrSignalsMalformed},
		"unknown category":       {`{"grant":"` + sigGrant.Token + `","released_at":"` + now + `","signals":[{"category":"yacht","organisation":"x","since":"2026-10-16"}]}`, ErrSignalsContent},
		"bad crisis":             {`{"grant":"` + sigGrant.Token + `","released_at":"` + now + `","signals":[{"category":"rent","organisation":"woon","since":"2026-10-16","crisis":{"state":"moved","date":"2026-12-01"}}]}`, ErrSignalsContent},
		"since not a date":       {`{"grant":"` + sigGrant.Token + `","released_at":"` + now + `","signals":[{"category":"rent","organisation":"woon","since":"soon"}]}`, ErrSignalsContent},
		"under a debts consent":  {`{"grant":"` + debtsGrant.Token + `","released_at":"` + now + `","signals":[` + ok + `]}`, ErrOutOfScope},
		"released in the future": {`{"grant":"` + sigGrant.Token + `","released_at":"2099-01-01T00:00:00Z","signals":[]}`, ErrDossierFromFuture},
	} {
		t.Run(name, func(t *testing.T) {
			jws, err := trust.SignAsWallet(f.vault, SignalsType, []byte(tt.payload), true)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := VerifySignals(jws, f.helperCheck(t)); !errors.Is(err, tt.want) {
				t.Errorf("%v, want %v", err, tt.want)
			}
		})
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

func rawPayload(t *testing.T, jws string) string {
	t.Helper()
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
