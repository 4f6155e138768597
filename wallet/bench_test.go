package wallet

import (
	"context"
	"fmt"
	"testing"
)

func syntheticSeries(n int) []Series {
	cats := Categories
	statuses := []Status{StatusOpen, StatusArrangement, StatusCollection, StatusBailiff, StatusGarnishment, StatusSettled}
	out := make([]Series, 0, n)
	for i := 0; i < n; i++ {
		if i%10 == 9 {
			out = append(out, Series{Versions: []Statement{incomeSeries(fmt.Sprintf("payer-%d", i%7), fmt.Sprint(i), "2026-11-01",
				Income{Reference: fmt.Sprint("INK-", i), Payer: "Payer", Kind: KindSalary, NetCents: Cents(100000 + i), Period: PeriodFourWeeks})}})
			continue
		}
		d := Debt{Reference: fmt.Sprint("REF-", i), Creditor: fmt.Sprint("Creditor ", i%50), Category: cats[i%len(cats)],
			OriginalCents: Cents(10000 + i), OutstandingCents: Cents(12000 + i), ArrearsCents: Cents(i % 5000), MonthsInArrears: i % 4,
			Status: statuses[i%len(statuses)]}
		if i%3 == 0 {
			d.Arrangement = &Arrangement{MonthlyCents: 2500, Ends: "2027-06-30"}
		}
		out = append(out, Series{Versions: []Statement{debtSeries(fmt.Sprintf("org-%d", i%50), fmt.Sprint(i), 1, "2026-10-01", d)}})
	}
	return out
}

func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		s := syntheticSeries(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Compile(s, testNow)
			}
		})
	}
}

// BenchmarkVaultOverview measures the resident's real path: read and open
// every sealed statement, then compile.
func BenchmarkVaultOverview(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			v := newTestVault(b)
			ctx := context.Background()
			series := syntheticSeries(n)
			err := v.Update(ctx, func(tx *Tx) error {
				for _, s := range series {
					if _, err := tx.PutStatement(s.Versions[0]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := v.Overview(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVaultPut stores one statement per transaction (one fsync each):
// "new" starts a new series every time, "history" adds versions to one
// series, whose cost must not grow with its history.
func BenchmarkVaultPut(b *testing.B) {
	for _, mode := range []string{"new", "history"} {
		b.Run(mode, func(b *testing.B) {
			v := newTestVault(b)
			ctx := context.Background()
			c := syntheticSeries(1)[0].Versions[0]
			d := *c.Debt
			c.Debt = &d
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				c.ID = fmt.Sprint("jti-", i)
				if mode == "new" {
					d.Reference = fmt.Sprint("REF-", i)
				}
				err := v.Update(ctx, func(tx *Tx) error {
					_, err := tx.PutStatement(c)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVaultGet(b *testing.B) {
	v := newTestVault(b)
	ctx := context.Background()
	c := syntheticSeries(1)[0].Versions[0]
	key := []byte("k")
	if err := v.Update(ctx, func(tx *Tx) error { return tx.Put(BucketStatements, key, c) }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var s Statement
		err := v.View(ctx, func(tx *Tx) error {
			_, err := tx.Get(BucketStatements, key, &s)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
