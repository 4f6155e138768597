package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"regie/demo"
)

// TestSignalsInBrowser gives a signals consent for aftercare with the form
// (nothing ticked, so signals): the preview says what the counsellor will
// and will not see, the consent's page what it released, and the desk
// shows the signals; each page passes axe at 360 and 1280 px.
func TestSignalsInBrowser(t *testing.T) {
	chromium, axePath := need(t)
	w := startDemoWorld(t)
	b := newBrowser(t, chromium, axePath)
	b.run(chromedp.Navigate(w.wallet+"/"), chromedp.WaitVisible("#passphrase", chromedp.ByQuery),
		chromedp.SendKeys("#passphrase", demoPass+kb.Enter, chromedp.ByQuery), chromedp.WaitVisible("#total-debt", chromedp.ByQuery))
	b.run(chromedp.Navigate(w.wallet+"/consent"), chromedp.WaitVisible("#to", chromedp.ByQuery),
		chromedp.SetValue("#to", demo.HelperID, chromedp.ByQuery), chromedp.Click(`input[name="purpose"][value="aftercare"]`, chromedp.ByQuery),
		chromedp.SetValue("#length", "12m", chromedp.ByQuery),
		chromedp.Click("#preview", chromedp.ByQuery), chromedp.WaitVisible("#signals-wont", chromedp.ByQuery))
	if got := b.text("#signals-wont"); !strings.Contains(got, "bedragen") {
		t.Errorf("signals preview = %q", got)
	}
	b.check("consent-signals-preview", true)
	b.run(chromedp.Click("#confirm", chromedp.ByQuery), chromedp.WaitVisible("#last-release", chromedp.ByQuery))
	b.check("consent-signals", true)
	signalsURL := b.text("#consent-url")
	b.run(chromedp.Navigate(w.desk+"/"), chromedp.WaitVisible("#url", chromedp.ByQuery),
		chromedp.SetValue("#purpose", "aftercare", chromedp.ByQuery), chromedp.SendKeys("#url", signalsURL, chromedp.ByQuery),
		chromedp.Click("#fetch", chromedp.ByQuery), chromedp.WaitVisible("#signals-title", chromedp.ByQuery))
	if got := b.text("#signals"); !strings.Contains(got, "achterstand sinds") {
		t.Errorf("desk signals = %q", got)
	}
	b.check("desk-signals", true)
	var wide bool
	b.run(chromedp.EmulateViewport(360, 900), chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &wide))
	if wide {
		t.Error("the desk's signals page scrolls sideways at 360 px")
	}
}
