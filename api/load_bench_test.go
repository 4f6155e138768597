package api

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"regie/connectors"
	"regie/consent"
	"regie/helper"
	"regie/internal/testkit"
)

// loadClients is how many helpers fetch at once in the load benchmarks.
const loadClients = 8

// runLoad sends b.N requests from loadClients goroutines and reports
// requests per second and p50/p99 latency.
func runLoad(b *testing.B, do func(client *http.Client) error) {
	b.Helper()
	testkit.RunLoad(b, loadClients, func(c *http.Client, _ int) error { return do(c) })
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
