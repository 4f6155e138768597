package connectors

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"regie/trust"
	"regie/wallet"
)

// TestPushWhileLockedIsImportedAtUnlock: the host checks pushes against its
// own trust list, queues the good ones encrypted to the locked vault, and
// the vault imports them at unlock after its own full verification.
func TestPushWhileLockedIsImportedAtUnlock(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return testNow }
	cjib := newTestOrg(t, "cjib", trust.KindCreditor, "")
	stranger := newTestOrg(t, "stranger", trust.KindCreditor, "")
	// The host trusts cjib and stranger; the resident's own list only cjib.
	v := newTestVault(t, now, cjib)
	hostList, err := trust.NewList([]trust.Organisation{cjib.Org, stranger.Org})
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
	box := v.Box()
	good := cjib.sign(t, debtPayload("cjib", "c1", "CJIB-1", 52500))
	otherPerson := debtPayload("cjib", "c2", "CJIB-2", 100)
	otherPerson["sub"] = "111222333"
	items := []Item{
		{JWS: good},
		{JWS: cjib.sign(t, otherPerson)}, // host cannot tell; the vault refuses it
		{JWS: stranger.sign(t, debtPayload("stranger", "s1", "S-1", 700))}, // host trusts it, the resident does not
		{JWS: "not.a.jws"},
		{JWS: newTestOrg(t, "cjib", trust.KindCreditor, "").sign(t, debtPayload("cjib", "c3", "X", 1))}, // forged key
	}
	hostCheck := &trust.Verifier{Trust: hostList, AnySubject: true, Now: now}
	rep, err := Queue(ctx, box, hostCheck, wallet.DefaultPendingQuota, items)
	if err != nil {
		t.Fatal(err)
	}
	wantHost := []string{OutcomeQueued, OutcomeQueued, OutcomeQueued, OutcomeRefused, OutcomeRefused}
	for i, w := range wantHost {
		if rep.Items[i].Outcome != w {
			t.Errorf("host: item %d = %s (%s), want %s", i, rep.Items[i].Outcome, rep.Items[i].Reason, w)
		}
	}
	if rep.Queued != 3 || rep.Refused != 2 {
		t.Errorf("host report: %+v", rep)
	}
	raw, _ := os.ReadFile(v.Path())
	for _, s := range []string{"CJIB-1", "52500", ownerBSN, strings.Split(good, ".")[1][:40]} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the locked vault file shows %q", s)
		}
	}
	im := &Importer{Vault: v}
	if _, err := im.ImportPending(ctx, box); err == nil {
		t.Fatal("imported while locked")
	}
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	got, err := im.ImportPending(ctx, box)
	if err != nil {
		t.Fatal(err)
	}
	if got.Added != 1 || got.Refused != 2 {
		t.Fatalf("vault report: %+v", got)
	}
	reasons := map[string]bool{}
	for _, it := range got.Items {
		reasons[it.Reason] = true
	}
	if !reasons["wrong_subject"] || !reasons["unknown_issuer"] {
		t.Errorf("vault refusals: %+v", got.Items)
	}
	// The queue is empty: a second unlock imports nothing.
	if again, err := im.ImportPending(ctx, box); err != nil || len(again.Items) != 0 {
		t.Fatalf("second import: %+v %v", again, err)
	}
	o, err := v.Overview(ctx)
	if err != nil || o.TotalOutstandingCents != 52500 {
		t.Fatalf("overview: %+v %v", o.TotalOutstandingCents, err)
	}
}

// TestPendingNotForThisVaultIsRefused: something queued that does not
// decrypt with the vault's key is refused and removed, and the rest imports.
func TestPendingNotForThisVaultIsRefused(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return testNow }
	cjib := newTestOrg(t, "cjib", trust.KindCreditor, "")
	v, other := newTestVault(t, now, cjib), newTestVault(t, now, cjib)
	list, _ := trust.NewList([]trust.Organisation{cjib.Org})
	check := &trust.Verifier{Trust: list, AnySubject: true, Now: now}
	if _, err := Queue(ctx, v.Box(), check, wallet.DefaultPendingQuota, []Item{{JWS: cjib.sign(t, debtPayload("cjib", "c1", "R1", 100))}}); err != nil {
		t.Fatal(err)
	}
	// A push encrypted to another vault, copied into this vault's queue.
	otherPub, _ := other.PublicEncryptionKey()
	foreign, _ := wallet.EncryptTo(otherPub, wallet.PendingType, []byte(cjib.sign(t, debtPayload("cjib", "c2", "R2", 200))))
	err := v.Box().Update(ctx, func(tx *wallet.BoxTx) error { return tx.AddPendingJWE(foreign) })
	if err != nil {
		t.Fatal(err)
	}
	rep, err := (&Importer{Vault: v}).ImportPending(ctx, v.Box())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 1 || rep.Refused != 1 {
		t.Fatalf("report: %+v", rep)
	}
	var left []wallet.Pending
	_ = v.Box().View(ctx, func(tx *wallet.BoxTx) error { left, err = tx.Pending(); return err })
	if len(left) != 0 {
		t.Fatalf("%d items left in the queue", len(left))
	}
}
