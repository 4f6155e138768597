package web_test

import (
	"context"
	"encoding/base64"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"regie/api"
	"regie/demo"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
	"regie/web"
)

// firstUse is a wallet with an empty vault whose trust list knows the demo
// organisations (running on 127.0.0.1) and the demo counsellor.
type firstUse struct {
	wallet string
	world  *demo.World
}

func startFirstUse(t *testing.T) *firstUse {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	opts := &wallet.Options{KDF: wallet.KDFParams{Time: 1, Memory: 8 << 10, Threads: 1}}
	full, err := wallet.Open(filepath.Join(dir, "full", wallet.FileName), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { full.Close() })
	world, err := demo.Start(ctx, full, dir, demoPass)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { world.Stop(ctx) })

	v, err := wallet.Open(filepath.Join(dir, "new", wallet.FileName), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	if err := v.Create(ctx, demoPass, wallet.Profile{BSN: demo.DemoBSN, Name: demo.DemoName}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "demo", "trust-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	tl, err := trust.ParseList(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range tl.Organisations() {
		if err := (trust.Store{Vault: v}).Add(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	v.Lock()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &firstUse{wallet: "http://" + ln.Addr().String(), world: world}
	srv, err := api.New(api.Config{Vault: v, BaseURL: f.wallet})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(ctx) })
	return f
}

// TestFirstUseInBrowser walks a new resident through Regie without a dead
// end, in Dutch and in English: an empty vault explains the three steps,
// the directory finds an organisation by name, its portal code connects it
// (typed in lower case with spaces), the overview shows its debt, consent is
// previewed and confirmed, the QR code is shown, revoking says when and what
// stays with the counsellor, and the receipt is a page to print.
func TestFirstUseInBrowser(t *testing.T) {
	chromium, axePath := need(t)
	words := map[string]map[string]string{
		"nl": {"empty": "Zo begint u", "debt": "1 schuld", "revoked": "Ingetrokken op", "kept": "blijft bij de hulpverlener", "receipt": "Bewijs van toestemming"},
		"en": {"empty": "How to start", "debt": "1 debt", "revoked": "Withdrawn on", "kept": "stays with the counsellor", "receipt": "Proof of consent"},
	}
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang, func(t *testing.T) {
			f := startFirstUse(t)
			b := newBrowser(t, chromium, axePath)
			want := words[lang]
			b.run(chromedp.Navigate(f.wallet + "/lang/" + lang + "?next=/"))
			b.run(chromedp.WaitVisible("#passphrase", chromedp.ByQuery), chromedp.SendKeys("#passphrase", demoPass+kb.Enter, chromedp.ByQuery))

			// An empty vault: three steps, not "nothing urgent".
			if got := b.text("#first-use h2"); got != want["empty"] {
				t.Errorf("empty overview heading = %q", got)
			}
			if n := b.countAll("#total-debt, #urgent-count, .ok"); n != 0 {
				t.Errorf("an empty vault shows %d figures or an all-clear", n)
			}
			b.check("first-use-"+lang+"-empty", true)

			// The directory, searched by name.
			b.run(chromedp.Click("#start", chromedp.ByQuery), chromedp.WaitVisible("#directory", chromedp.ByQuery))
			b.run(chromedp.SendKeys("#q", "haven", chromedp.ByQuery), chromedp.Click("#dir-search", chromedp.ByQuery),
				chromedp.WaitNotPresent("#dir-energie-samen", chromedp.ByQuery),
				chromedp.WaitVisible("#dir-woonstichting-de-haven", chromedp.ByQuery))
			if n := b.countAll("#directory-list > li"); n != 1 {
				t.Errorf("searching 'haven' lists %d organisations, want 1", n)
			}
			b.check("first-use-"+lang+"-directory", true)

			// Connect with the portal's code, typed loosely.
			code, _ := f.world.PortalCode("woonstichting-de-haven")
			typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
			b.run(chromedp.SendKeys("#code-woonstichting-de-haven", typed+kb.Enter, chromedp.ByQuery))
			b.run(chromedp.WaitVisible("#to-overview", chromedp.ByQuery), chromedp.Click("#to-overview", chromedp.ByQuery))
			if got := b.text("#total-debt"); got != web.Money(185000) {
				t.Errorf("overview after connecting: total %q, want %q", got, web.Money(185000))
			}
			// The rent arrear carries the demo's announced eviction: the
			// first step is that crisis, at the top of the overview.
			if got := b.text("#crisis"); !strings.Contains(got, "Woonstichting De Haven") {
				t.Errorf("first step = %q", got)
			}
			b.amountsInView("first-use overview", 360)
			// Printed, the overview drops the menu and forms.
			var shown bool
			b.run(chromedp.ActionFunc(func(ctx context.Context) error { return emulation.SetEmulatedMedia().WithMedia("print").Do(ctx) }),
				chromedp.Evaluate(`getComputedStyle(document.querySelector("nav.menu")).display !== "none"`, &shown),
				chromedp.ActionFunc(func(ctx context.Context) error { return emulation.SetEmulatedMedia().WithMedia("").Do(ctx) }))
			if shown {
				t.Error("the printed overview shows the menu")
			}

			// Consent: preview, then confirm.
			b.run(chromedp.Navigate(f.wallet+"/consent"), chromedp.WaitVisible("#to", chromedp.ByQuery))
			b.run(chromedp.SetValue("#to", demo.HelperID, chromedp.ByQuery), chromedp.Click("#purpose-0", chromedp.ByQuery),
				chromedp.Click("#scope-debts", chromedp.ByQuery), chromedp.Click("#preview", chromedp.ByQuery))
			if got := b.text("#preview-orgs"); !strings.Contains(got, "Woonstichting De Haven") || !strings.Contains(got, want["debt"]) {
				t.Errorf("preview = %q", got)
			}
			b.text("#preview-bsn")
			b.check("first-use-"+lang+"-preview", true)
			b.run(chromedp.Click("#confirm", chromedp.ByQuery))
			url := b.text("#consent-url")
			if got := b.qrText(); got != url {
				t.Errorf("QR decodes to %q, page shows %q", got, url)
			}

			// Revoke, then the printable receipt.
			b.run(chromedp.Click("#revoke", chromedp.ByQuery))
			if got := b.text("#revoked-kept"); !strings.Contains(got, want["kept"]) {
				t.Errorf("what stays: %q", got)
			}
			if got := b.text("#grant-status"); !strings.HasPrefix(got, want["revoked"]) {
				t.Errorf("after revoking: %q", got)
			}
			b.run(chromedp.Click("#receipt-link", chromedp.ByQuery), chromedp.WaitVisible("#receipt", chromedp.ByQuery))
			if got := b.text("main h1"); got != want["receipt"] {
				t.Errorf("receipt heading = %q", got)
			}
			if got := b.text("#receipt-status"); !strings.HasPrefix(got, want["revoked"]) {
				t.Errorf("receipt status = %q", got)
			}
			b.check("first-use-"+lang+"-receipt", true)
		})
	}
}

// countAll counts the elements matching sel on the current page.
func (b *browser) countAll(sel string) int {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(`document.querySelectorAll(`+"`"+sel+"`"+`).length`, &n))
	return n
}

// qrText fetches the QR code the page shows (#qr), as the page's own
// session, and reads it.
func (b *browser) qrText() string {
	b.t.Helper()
	var qrB64 string
	b.run(chromedp.WaitVisible("#qr", chromedp.ByQuery),
		chromedp.Evaluate(`fetch(document.getElementById("qr").src).then(r => r.arrayBuffer()).then(b => { let s = ""; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`,
			&qrB64, awaitPromise))
	png, _ := base64.StdEncoding.DecodeString(qrB64)
	return testkit.DecodeQR(b.t, png)
}
