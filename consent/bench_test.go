package consent

import (
	"context"
	"testing"
)

// BenchmarkVerifyTokenAndProof is the cryptographic floor of a presentation:
// one consent JWT verified with claims, one proof JWT parsed and verified.
func BenchmarkVerifyTokenAndProof(b *testing.B) {
	f := newFixture(b)
	g := f.grant(b, Request{})
	pub, _ := f.vault.PublicKey()
	url := base + "/c/" + g.Handle
	proof := f.proof(b, f.a, PurposeIntake, url)
	hkey := f.a.key.Public()
	now := f.clock.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := VerifyToken(g.Token, pub, f.a.org.ID, now); err != nil {
			b.Fatal(err)
		}
		obj, _, err := parseProof(proof)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := obj.Verify(hkey); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedeem is a whole redemption with its durable bookkeeping: find
// the grant, verify token and proof, record the proof id, count the use,
// build and sign the dossier and log, in one vault transaction.
func BenchmarkRedeem(b *testing.B) {
	f := newFixture(b)
	g := f.grant(b, Request{})
	url := base + "/c/" + g.Handle
	proofs := make([]string, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if len(proofs) == 0 {
			for i := 0; i < cap(proofs); i++ {
				proofs = append(proofs, f.proof(b, f.a, PurposeIntake, url))
			}
		}
		p := proofs[len(proofs)-1]
		proofs = proofs[:len(proofs)-1]
		b.StartTimer()
		if _, err := f.svc.Redeem(context.Background(), Presentation{Handle: g.Handle, Proof: p, Method: "GET", URL: url}); err != nil {
			b.Fatal(err)
		}
	}
}
