package api

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"regie/connectors"
	"regie/consent"
	"regie/helper"
)

// loadClients is how many helpers fetch at once in the load benchmarks.
const loadClients = 8

// runLoad sends b.N requests from loadClients goroutines and reports
// requests per second and p50/p99 latency. Every request is bounded by a
// client timeout, so the benchmark always ends.
func runLoad(b *testing.B, do func(client *http.Client) error) {
	b.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: loadClients}
	defer transport.CloseIdleConnections()
	client := &http.Client{Timeout: 10 * time.Second, Transport: transport}
	lat := make([]time.Duration, b.N)
	var next int64 = -1
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < loadClients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				next++
				i := next
				mu.Unlock()
				if int(i) >= b.N {
					return
				}
				t0 := time.Now()
				err := do(client)
				lat[i] = time.Since(t0)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkBareFiber is the floor: a fiber handler that answers "ok" on
// 127.0.0.1, driven by the same clients.
func BenchmarkBareFiber(b *testing.B) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go app.Listener(ln)
	defer app.ShutdownWithTimeout(5 * time.Second)
	url := "http://" + ln.Addr().String() + "/"
	runLoad(b, func(c *http.Client) error {
		resp, err := c.Get(url)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil
	})
}

// BenchmarkDossierRelease: helpers redeem a consent URL with a fresh proof
// each time; the wallet verifies token and proof, records the proof id,
// counts the use, logs, compiles and signs the dossier in one transaction.
// The vault holds 20 statements.
func BenchmarkDossierRelease(b *testing.B) {
	w := newWorld(b, Limits{DossierPerMinute: -1, InboxPerMinute: -1})
	var items []connectors.Item
	for i := 0; i < 18; i++ {
		items = append(items, connectors.Item{JWS: w.sign(w.cjib, debt(fmt.Sprint("d", i), fmt.Sprint("CJIB-D", i), int64(1000*i+1)))})
	}
	if _, err := (&connectors.Importer{Vault: w.vault}).Import(context.Background(), "file", items, nil); err != nil {
		b.Fatal(err)
	}
	w.unlock()
	g := w.grant("schuldhulp-a")
	link, _ := helper.ParseConsentURL(g.URL)
	key := w.helperA.key()
	runLoad(b, func(c *http.Client) error {
		proof, err := consent.SignProof(key, "schuldhulp-a", consent.PurposeIntake, "GET", link.URL, time.Now())
		if err != nil {
			return err
		}
		req, _ := http.NewRequest("GET", link.URL, nil)
		req.Header.Set("Regie-Proof", proof)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}
