package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"regie/trust"
)

// TestHostedResidentInBrowser walks a resident through a hosted wallet in a
// real headless Chromium: sign up, land on the overview, lock, an
// organisation pushes while she is away, log in and read what arrived,
// grant a consent (QR code shown and read back), see who looked, the
// account pages, and lock. Every page passes axe-core at 360 and 1280 px
// with no sideways scroll and every amount in view; the text of each page
// is left beside the screenshots, to be read.
func TestHostedResidentInBrowser(t *testing.T) {
	chromium, axePath := need(t)
	cjibKeys, cjib, err := trust.NewOrganisation("cjib", "Centraal Justitieel Incassobureau", trust.KindCreditor, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	_, helpA, err := trust.NewOrganisation("schuldhulp-a", "Schuldhulp Amsterdam", trust.KindHelper, "", 2026)
	if err != nil {
		t.Fatal(err)
	}
	tl, _ := trust.NewList([]trust.Organisation{cjib, helpA})
	base := startHost(t, tl)

	b := newBrowser(t, chromium, axePath)
	var texts []string
	// page checks the current page and keeps its text for reading.
	page := func(name string) {
		t.Helper()
		b.check(name, true)
		b.amountsInView(name, 360)
		var text string
		b.run(chromedp.Evaluate(`document.body.innerText`, &text))
		texts = append(texts, "== "+name+"\n"+text)
	}
	const pass = "fiets regen koffie tuin"

	b.run(chromedp.Navigate(base + "/aanmelden"))
	for _, f := range [][2]string{{"login", "fatima"}, {"name", "Fatima de Vries"}, {"bsn", "123456782"}, {"passphrase", pass}, {"passphrase2", pass}} {
		b.run(chromedp.SendKeys("#"+f[0], f[1], chromedp.ByQuery))
	}
	b.run(chromedp.Click(`button[type=submit]`, chromedp.ByQuery))
	if got := b.text("#first-use-title"); got != "Zo begint u" {
		t.Fatalf("after sign-up: %q", got)
	}
	page("hosted-overview-empty")
	b.run(chromedp.Navigate(base + "/sources"))
	wallet := b.text("#wallet-address")
	page("hosted-sources")

	// Locked, an organisation pushes.
	b.run(chromedp.Click("form.lock button", chromedp.ByQuery))
	if got := b.text("main .flash"); !strings.Contains(got, "U bent uitgelogd") {
		t.Fatalf("after lock: %q", got)
	}
	raw, _ := json.Marshal(map[string]any{"iss": "cjib", "sub": "123456782", "jti": "cjib-0001", "iat": time.Now().Unix() - 60, "type": "debt",
		"as_of": time.Now().Format("2006-01-02"), "debt": map[string]any{"reference": "CJIB-77", "creditor": "Centraal Justitieel Incassobureau",
			"category": "fine", "original_cents": 123456, "outstanding_cents": 123456, "status": "collection"}})
	key, _ := trust.SigningKeyOf(cjibKeys)
	jws, err := trust.SignStatement(key, raw)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(wallet+"/api/v1/inbox", "application/jose", strings.NewReader(jws))
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("push: %v %v", err, resp)
	}
	resp.Body.Close()

	// Back: the overview says what arrived.
	b.run(chromedp.SendKeys("#login", "fatima", chromedp.ByQuery), chromedp.SendKeys("#passphrase", pass+kb.Enter, chromedp.ByQuery))
	if got := b.text("#arrived"); got != "Terwijl u weg was: 1 nieuw overzicht van Centraal Justitieel Incassobureau." {
		t.Errorf("what arrived: %q", got)
	}
	if got := b.text("#total-debt"); got != "€ 1.234,56" && got != "€\u00a01.234,56" {
		t.Errorf("total after login: %q", got)
	}
	page("hosted-overview-arrived")

	// A consent, with its QR code.
	b.run(chromedp.Navigate(base+"/consent"), chromedp.WaitVisible("#to", chromedp.ByQuery))
	page("hosted-consent")
	b.run(chromedp.SetValue("#to", "schuldhulp-a", chromedp.ByQuery), chromedp.Click("#purpose-0", chromedp.ByQuery),
		chromedp.Click("#scope-debts", chromedp.ByQuery), chromedp.Click("#preview", chromedp.ByQuery))
	b.text("#preview-orgs")
	page("hosted-consent-preview")
	b.run(chromedp.Click("#confirm", chromedp.ByQuery))
	url := b.text("#consent-url")
	if !strings.HasPrefix(url, wallet+"/c/") {
		t.Errorf("consent link %q is not under the wallet %q", url, wallet)
	}
	if got := b.qrText(); got != url {
		t.Errorf("QR decodes to %q, page shows %q", got, url)
	}
	if n := b.countAll(`form[action$="/code"]`); n != 0 {
		t.Errorf("the hosted grant page offers a short code (%d forms)", n)
	}
	page("hosted-grant")

	// Who looked.
	b.run(chromedp.Navigate(base + "/log"))
	if got := b.text("main h1"); got != "Wie keek mee" {
		t.Errorf("log heading %q", got)
	}
	page("hosted-log")

	// The account pages.
	b.run(chromedp.Navigate(base + "/kluis"))
	b.text("#pass-title")
	page("hosted-account")
	b.run(chromedp.Click("#to-delete", chromedp.ByQuery))
	b.text("#lost-title")
	page("hosted-delete")

	// Lock, from any page.
	b.run(chromedp.Navigate(base + "/"))
	b.run(chromedp.Click("form.lock button", chromedp.ByQuery))
	if got := b.text("main .flash"); !strings.Contains(got, "U bent uitgelogd") {
		t.Fatalf("after lock: %q", got)
	}
	page("hosted-locked")
	b.run(chromedp.Navigate(base + "/log"))
	if got := b.text("main h1"); got != "Inloggen" {
		t.Errorf("the log after locking shows %q", got)
	}

	os.MkdirAll(ScreenshotDir, 0o755)
	if err := os.WriteFile(filepath.Join(ScreenshotDir, "hosted-texts.txt"), []byte(strings.Join(texts, "\n\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}
