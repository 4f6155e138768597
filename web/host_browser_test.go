package web_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"regie/host"
	"regie/internal/testkit"
	"regie/trust"
)

// TestHostPagesInBrowser checks the host's sign-up and login pages, with
// and without an error, and the page a resident lands on, with axe-core in
// a real headless Chromium at 360 and 1280 px; at 360 px no page may
// scroll sideways. After sign-up the resident lands on her overview.
func TestHostPagesInBrowser(t *testing.T) {
	chromium, axePath := need(t)
	tl, _ := trust.NewList(nil)
	base := startHost(t, tl)

	b := newBrowser(t, chromium, axePath)
	// fill types into the fields in order: id, text, id, text, …
	fill := func(fields ...string) {
		t.Helper()
		for i := 0; i+1 < len(fields); i += 2 {
			b.run(chromedp.SendKeys("#"+fields[i], fields[i+1], chromedp.ByQuery))
		}
	}
	noSideways := func(name string) {
		t.Helper()
		b.run(chromedp.EmulateViewport(360, 900))
		var wide bool
		b.run(chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &wide))
		if wide {
			t.Errorf("%s scrolls sideways at 360 px", name)
		}
	}
	const pass = "fiets regen koffie tuin"

	b.run(chromedp.Navigate(base + "/aanmelden"))
	if got := b.text("h1"); got != "Maak uw kluis aan" {
		t.Fatalf("sign-up page h1 %q", got)
	}
	b.check("host-signup", true)
	noSideways("sign-up page")
	fill("login", "fatima", "name", "Fatima de Vries", "bsn", "123456789", "passphrase", pass, "passphrase2", pass)
	b.run(chromedp.Click(`button[type=submit]`, chromedp.ByQuery))
	if got := b.text("#page-error"); !strings.Contains(got, "Dit BSN klopt niet") {
		t.Fatalf("sign-up error %q", got)
	}
	b.check("host-signup-error", true)
	noSideways("sign-up page with an error")

	b.run(chromedp.Navigate(base + "/inloggen"))
	b.check("host-login", true)
	noSideways("login page")
	fill("login", "fatima", "passphrase", pass+kb.Enter)
	if got := b.text("#page-error"); !strings.Contains(got, "klopt niet") {
		t.Fatalf("login error %q", got)
	}
	b.check("host-login-error", true)

	b.run(chromedp.Navigate(base + "/aanmelden"))
	fill("login", "fatima", "name", "Fatima de Vries", "bsn", "123456782", "passphrase", pass, "passphrase2", pass)
	// "Show what I type" shows both passphrase fields.
	var types string
	b.run(chromedp.Click("#show-pass", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById("passphrase").type + " " + document.getElementById("passphrase2").type`, &types))
	if types != "text text" {
		t.Errorf("after ticking the box the fields are %q", types)
	}
	b.run(chromedp.Click(`button[type=submit]`, chromedp.ByQuery))
	if got := b.text("#first-use-title"); got != "Zo begint u" {
		t.Fatalf("after sign-up the resident lands on %q", got)
	}
	b.check("host-home", true)
	noSideways("landing page")
	b.run(chromedp.Navigate(base + "/sources"))
	if got := b.text("#wallet-address"); !strings.HasPrefix(got, base+"/v/") {
		t.Fatalf("the sources page shows %q as the wallet address", got)
	}
}

// startHost runs a host with trust list tl on 127.0.0.1 until the test
// ends and returns its address.
func startHost(t *testing.T, tl *trust.List) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	h, err := host.Open(host.Config{Dir: t.TempDir(), PublicURL: base, Trust: tl, KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	srv := host.NewServer(h, host.ServerOptions{})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return base
}
