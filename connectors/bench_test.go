package connectors

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"regie/trust"
	"strings"
	"testing"
	"time"
)

// BenchmarkImport10k compares importing 10,000 signed statements (verify with
// go-jose against the trust list, decode strictly, store sealed in batched
// transactions, log) with bare ed25519.Verify over the same signatures, in
// the same run. The ratio raw/import is the figure to watch (goal ≥ 0.8).
func BenchmarkImport10k(b *testing.B) {
	const n = 10_000
	cjib := newTestOrg(b, "cjib", trust.KindCreditor, "")
	items := make([]Item, n)
	for i := range items {
		items[i] = Item{JWS: cjib.sign(b, debtPayload("cjib", fmt.Sprint("c-", i), fmt.Sprint("CJIB-", i), int64(1000+i)))}
	}
	pub := cjib.Key.Key.(ed25519.PrivateKey).Public().(ed25519.PublicKey)
	type raw struct{ input, sig []byte }
	raws := make([]raw, n)
	for i, it := range items {
		dot := strings.LastIndexByte(it.JWS, '.')
		sig, _ := base64.RawURLEncoding.DecodeString(it.JWS[dot+1:])
		raws[i] = raw{[]byte(it.JWS[:dot]), sig}
	}

	b.Run("raw-ed25519-verify", func(b *testing.B) {
		for b.Loop() {
			for _, r := range raws {
				if !ed25519.Verify(pub, r.input, r.sig) {
					b.Fatal("verify failed")
				}
			}
		}
	})
	for _, workers := range []int{1, 0} {
		name := "import-1-worker"
		if workers == 0 {
			name = "import-all-cores"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				v := newTestVault(b, func() time.Time { return testNow }, cjib)
				im := &Importer{Vault: v, Workers: workers}
				b.StartTimer()
				rep, err := im.Import(context.Background(), "file", items, nil)
				if err != nil || rep.Added != n {
					b.Fatalf("import: %v, %+v", err, rep.Added)
				}
			}
		})
	}
}

func BenchmarkVerifyOne(b *testing.B) {
	cjib := newTestOrg(b, "cjib", trust.KindCreditor, "")
	v := &trust.Verifier{Trust: mustTrust(b, cjib), Subject: ownerBSN, Now: func() time.Time { return testNow }}
	jws := cjib.sign(b, debtPayload("cjib", "c1", "CJIB-1", 52500))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(jws); err != nil {
			b.Fatal(err)
		}
	}
}
