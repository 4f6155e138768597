package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"regie/demo"
)

// TestKeptFormInBrowser: a resident fills in the consent form, her session
// ends (the browser loses its session cookie) and she sends the form; after
// unlocking she is back on the form, filled in as she left it, with a line
// saying it was kept and not sent. Sending it then works with the new
// session. The page passes axe-core.
func TestKeptFormInBrowser(t *testing.T) {
	chromium, axePath := need(t)
	w := startDemoWorld(t)
	b := newBrowser(t, chromium, axePath)
	b.run(chromedp.Navigate(w.wallet + "/consent"))
	b.run(chromedp.WaitVisible("#passphrase", chromedp.ByQuery), chromedp.SendKeys("#passphrase", demoPass+kb.Enter, chromedp.ByQuery))
	b.run(chromedp.WaitVisible("#to", chromedp.ByQuery), chromedp.SetValue("#to", demo.HelperID, chromedp.ByQuery),
		chromedp.Click("#purpose-1", chromedp.ByQuery), chromedp.Click("#scope-debts", chromedp.ByQuery))
	b.run(network.ClearBrowserCookies(), chromedp.Click("#preview", chromedp.ByQuery))
	if got := b.text("#unlock-kept"); !strings.Contains(got, "bewaard") {
		t.Fatalf("unlock page after the session ended: %q", got)
	}
	b.run(chromedp.SendKeys("#passphrase", demoPass+kb.Enter, chromedp.ByQuery))
	if got := b.text("#kept-note"); !strings.Contains(got, "nog niet verstuurd") {
		t.Fatalf("kept note = %q", got)
	}
	var to string
	var purpose, debts, income bool
	b.run(chromedp.Value("#to", &to, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#purpose-1').checked`, &purpose),
		chromedp.Evaluate(`document.querySelector('#scope-debts').checked`, &debts),
		chromedp.Evaluate(`document.querySelector('#scope-income').checked`, &income))
	if to != demo.HelperID || !purpose || !debts || income {
		t.Errorf("form shown again: to %q, purpose %v, debts %v, income %v", to, purpose, debts, income)
	}
	b.check("consent-kept", true)
	b.run(chromedp.Click("#preview", chromedp.ByQuery))
	if got := b.text("#preview-what"); got == "" {
		t.Error("sending the kept form with the new session did not show the preview")
	}
}
