package web_test

import (
	"context"
	"encoding/base64"
	"fmt"
	_ "image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"regie/api"
	"regie/demo"
	"regie/helper"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
	"regie/web"
)

// ScreenshotDir is where the browser tests leave a screenshot of every page
// at 360 px and 1280 px wide (the README points here).
const ScreenshotDir = "testdata/screenshots"

const demoPass = "regie-demo-2026"

// need finds what the browser tests need, or skips them outside CI (where
// .ci/run installs both, so a missing one fails).
func need(t *testing.T) (chromium, axe string) {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; .ci/run installs it", what)
		}
		t.Skipf("%s is missing: apt-get install chromium; cd web/axe && npm ci", what)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		missing("chromium")
	}
	axe = filepath.Join("axe", "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(axe); err != nil {
		missing("axe-core")
	}
	return chromium, axe
}

// demoWorld is the demo wallet server and the demo counsellor's desk.
type demoWorld struct {
	dir    string // the data folder: demo/ORG/statements holds what each organisation serves
	vault  *wallet.Vault
	wallet string
	desk   string
	total  wallet.Cents
	items  int // debts, incomes and signed fixed costs in the overview
	budget wallet.Budget
	crises []wallet.PlanLine // the overview's crisis lines, nearest date first
}

func startDemoWorld(t *testing.T) *demoWorld {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	v, err := wallet.Open(filepath.Join(dir, wallet.FileName), &wallet.Options{KDF: testkit.FastKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	world, err := demo.Start(ctx, v, dir, demoPass)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := world.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	v.Lock() // the resident unlocks through the page

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	w := &demoWorld{dir: dir, vault: v, wallet: "http://" + ln.Addr().String()}
	srv, err := api.New(api.Config{Vault: v, BaseURL: w.wallet})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(ctx) })

	set, err := trust.ReadKeyFile(filepath.Join(dir, "demo", demo.HelperID, "key.jwk"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "demo", "trust-list.json"))
	tl, err := trust.ParseList(raw)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := trust.SigningKeyOf(set)
	dec, _ := trust.DecryptionKeyOf(set)
	desk, err := helper.NewDesk(helper.NewImporter(&helper.Client{ID: demo.HelperID, Key: key, Dec: dec}, tl), nil)
	if err != nil {
		t.Fatal(err)
	}
	dl, _ := net.Listen("tcp", "127.0.0.1:0")
	w.desk = "http://" + dl.Addr().String()
	go desk.Serve(dl)
	t.Cleanup(func() { desk.Shutdown(ctx) })

	v.Unlock(ctx, demoPass)
	o, err := v.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
	w.total, w.items, w.budget, w.crises = o.TotalOutstandingCents, len(o.Debts)+len(o.Incomes), o.Budget, o.Plan.Crises()
	for _, c := range o.Budget.Costs {
		if c.Source == wallet.CostSigned {
			w.items++
		}
	}
	return w
}

type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
}

func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// browser is one headless Chromium with helpers for the checks every page gets.
type browser struct {
	t      *testing.T
	ctx    context.Context
	axeSrc string
}

func newBrowser(t *testing.T, chromium, axePath string) *browser {
	t.Helper()
	src, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancel3)
	b := &browser{t: t, ctx: ctx, axeSrc: string(src)}
	// axe is injected from outside the page; the page's own CSP stays strict.
	b.run(chromedp.ActionFunc(func(ctx context.Context) error { return page.SetBypassCSP(true).Do(ctx) }))
	return b
}

func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.Text(sel, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

// check runs axe-core's WCAG 2.0–2.2 A and AA rules on the current page and
// takes a screenshot at both widths.
func (b *browser) check(name string, shots bool) {
	b.t.Helper()
	for _, width := range []int64{360, 1280} {
		b.run(chromedp.EmulateViewport(width, 900))
		var res axeResult
		b.run(chromedp.Evaluate(b.axeSrc, nil),
			chromedp.Evaluate(`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a","wcag2aa","wcag21a","wcag21aa","wcag22a","wcag22aa"]}, resultTypes: ["violations"]})`,
				&res, awaitPromise))
		for _, v := range res.Violations {
			var targets []string
			for _, n := range v.Nodes {
				targets = append(targets, fmt.Sprint(n.Target))
			}
			b.t.Errorf("%s at %d px: axe %s (%s): %s at %s", name, width, v.ID, v.Impact, v.Help, strings.Join(targets, " "))
		}
		if shots {
			var png []byte
			b.run(chromedp.FullScreenshot(&png, 100))
			os.MkdirAll(ScreenshotDir, 0o755)
			if err := os.WriteFile(filepath.Join(ScreenshotDir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
				b.t.Fatal(err)
			}
		}
	}
}

// TestResidentAndDeskInBrowser walks a resident and a counsellor through
// Regie in a real headless Chromium, checking every page with axe-core in
// Dutch and English and leaving screenshots behind.
func TestResidentAndDeskInBrowser(t *testing.T) {
	chromium, axePath := need(t)
	w := startDemoWorld(t)
	b := newBrowser(t, chromium, axePath)

	// Unlock, by keyboard: a wrong passphrase first.
	b.run(chromedp.Navigate(w.wallet + "/"))
	b.run(chromedp.WaitVisible("#passphrase", chromedp.ByQuery))
	b.check("unlock", true)
	b.run(chromedp.SendKeys("#passphrase", "not my passphrase"+kb.Enter, chromedp.ByQuery))
	if msg := b.text("#page-error"); !strings.Contains(msg, "klopt niet") {
		t.Fatalf("wrong passphrase message = %q", msg)
	}
	b.check("unlock-wrong", true)
	b.run(chromedp.SendKeys("#passphrase", demoPass+kb.Enter, chromedp.ByQuery))
	if got := b.text("#total-debt"); got != web.Money(w.total) {
		t.Fatalf("overview total = %q, want %q", got, web.Money(w.total))
	}
	if got := b.text("#urgent-count"); !strings.Contains(got, "actie") {
		t.Errorf("urgent = %q", got)
	}
	b.check("overview", true)
	budgetInBrowser(t, b, w)
	crisisInBrowser(t, b, w)

	for _, p := range []string{"sources", "consent", "log"} {
		b.run(chromedp.Navigate(w.wallet + "/" + p))
		b.run(chromedp.WaitVisible("main h1", chromedp.ByQuery))
		b.check(p, true)
	}
	// Refresh the sources with the button: every demo organisation answers.
	b.run(chromedp.Navigate(w.wallet+"/sources"), chromedp.Click(".refresh-form button", chromedp.ByQuery))
	if got := b.text("#refresh-result"); got == "" {
		t.Error("no refresh result")
	}
	b.check("sources-refreshed", true)

	// Give consent with the form; the QR code on the page decodes to the URL shown.
	b.run(chromedp.Navigate(w.wallet+"/consent"), chromedp.WaitVisible("#to", chromedp.ByQuery),
		chromedp.SetValue("#to", demo.HelperID, chromedp.ByQuery), chromedp.Click("#purpose-0", chromedp.ByQuery),
		chromedp.Click("#scope-debts", chromedp.ByQuery), chromedp.Click("#scope-income", chromedp.ByQuery),
		chromedp.Click("#scope-expenses", chromedp.ByQuery), chromedp.Click("#scope-client", chromedp.ByQuery),
		chromedp.Click("#preview", chromedp.ByQuery), chromedp.WaitVisible("#confirm", chromedp.ByQuery))
	b.check("consent-preview", true)
	b.run(chromedp.Click("#confirm", chromedp.ByQuery))
	url := b.text("#consent-url")
	var qrB64 string
	b.run(chromedp.WaitVisible("#qr", chromedp.ByQuery),
		chromedp.Evaluate(`fetch(document.getElementById("qr").src).then(r => r.arrayBuffer()).then(b => { let s = ""; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`,
			&qrB64, awaitPromise))
	png, _ := base64.StdEncoding.DecodeString(qrB64)
	if got := testkit.DecodeQR(t, png); got != url || !strings.Contains(url, "/c/") {
		t.Fatalf("QR decodes to %q, page shows %q", got, url)
	}
	var loaded bool
	b.run(chromedp.Evaluate(`document.getElementById("qr").naturalWidth > 0`, &loaded))
	if !loaded {
		t.Error("QR image did not load in the page")
	}
	b.check("consent-qr", true)
	var grantPage string
	b.run(chromedp.Location(&grantPage))

	// The counsellor's desk imports the URL and shows every figure verified.
	b.run(chromedp.Navigate(w.desk + "/"))
	b.check("desk", true)
	b.run(chromedp.SendKeys("#url", url, chromedp.ByQuery), chromedp.Click("#fetch", chromedp.ByQuery))
	if got := b.text("#verified"); !strings.Contains(got, "gecontroleerd") {
		t.Fatalf("desk = %q", got)
	}
	deskCrisesFirst(t, b)
	var badges int
	b.run(chromedp.Evaluate(`document.querySelectorAll(".verified-badge").length`, &badges))
	if badges != w.items {
		t.Errorf("desk shows %d verified badges, want one per figure (%d)", badges, w.items)
	}
	if got := b.text("#leefgeld"); got != web.Money(*w.budget.LeefgeldCents) {
		t.Errorf("desk leefgeld = %q, want %q", got, web.Money(*w.budget.LeefgeldCents))
	}
	if got := b.text("#bvv"); !strings.Contains(got, "indicatief") || !strings.Contains(got, "1 juli 2025") {
		t.Errorf("desk BVV = %q", got)
	}
	b.check("desk-dossier", true)

	// Revoke; the desk's next import shows a clear refusal.
	b.run(chromedp.Navigate(grantPage), chromedp.Click("#revoke", chromedp.ByQuery))
	if got := b.text(".flash"); !strings.Contains(got, "ingetrokken") {
		t.Errorf("revoke message = %q", got)
	}
	b.run(chromedp.Navigate(w.desk+"/"), chromedp.SendKeys("#url", url, chromedp.ByQuery), chromedp.Click("#fetch", chromedp.ByQuery))
	if got := b.text("#page-error"); !strings.Contains(got, "ingetrokken") || strings.Contains(got, "consent_revoked") {
		t.Errorf("desk after revoke = %q, want Dutch words without the code", got)
	}
	b.check("desk-refused", true)

	// The same pages in English.
	b.run(chromedp.Navigate(w.wallet + "/lang/en?next=/"))
	if got := b.text("main h1"); got != "Your overview" {
		t.Errorf("English overview heading = %q", got)
	}
	for _, p := range []string{"", "budget", "sources", "consent", "log"} {
		b.run(chromedp.Navigate(w.wallet + "/" + p))
		b.run(chromedp.WaitVisible("main h1", chromedp.ByQuery))
		b.check("en-"+strings.TrimSuffix("overview-"+p, "-"), p == "")
	}
	b.run(chromedp.Navigate(w.wallet + "/nope"))
	b.check("en-notfound", false)
	b.run(chromedp.Navigate(w.desk + "/lang/en"))
	b.check("en-desk", false)

	// Lock: back to the unlock page, and the overview is out of reach.
	b.run(chromedp.Navigate(w.wallet+"/"), chromedp.Click(".lock button", chromedp.ByQuery), chromedp.WaitVisible("#passphrase", chromedp.ByQuery))
	if got := b.text(".flash"); !strings.Contains(got, "logged out") {
		t.Errorf("after lock = %q", got)
	}
	b.check("en-unlock", false)
	b.run(chromedp.Navigate(w.wallet + "/"))
	b.run(chromedp.WaitVisible("#passphrase", chromedp.ByQuery))
}

// budgetInBrowser checks the budget of the demo resident: the three facts at
// the top are total debt, what is urgent and leefgeld; the budget section
// takes off rent, energy, water and premium, each signed; and a cost the
// resident enters on the fixed-costs page shows up as entered by her.
func budgetInBrowser(t *testing.T, b *browser, w *demoWorld) {
	t.Helper()
	var facts []string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll(".facts .fact h2")].map(h => h.textContent.trim())`, &facts))
	if strings.Join(facts, "|") != "Totale schuld|Dringend|Om van te leven" {
		t.Errorf("facts at the top = %v", facts)
	}
	bud := w.budget
	if bud.LeefgeldCents == nil {
		t.Fatalf("the demo budget has no leefgeld: missing %v", bud.Missing)
	}
	if got := b.text("#leefgeld"); got != web.Money(*bud.LeefgeldCents) {
		t.Errorf("leefgeld = %q, want %q", got, web.Money(*bud.LeefgeldCents))
	}
	var kinds []string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll("#budget .signed-badge")].map(e => e.closest("th").firstChild.textContent.trim())`, &kinds))
	for _, k := range []string{"Huur", "Energie", "Water", "Zorgverzekering"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("signed fixed costs %v lack %s", kinds, k)
		}
	}
	if got := b.text("#bvv"); !strings.Contains(got, "indicatief") || !strings.Contains(got, "uwbeslagvrijevoet.nl") {
		t.Errorf("BVV section = %q", got)
	}
	b.run(chromedp.ScrollIntoView("#budget", chromedp.ByQuery))
	b.check("overview-budget", true)

	// Enter a cost of her own, by keyboard.
	b.run(chromedp.Navigate(w.wallet+"/budget"), chromedp.WaitVisible("#amount", chromedp.ByQuery))
	b.check("budget", true)
	b.run(chromedp.SetValue("#kind", "telecom", chromedp.ByQuery),
		chromedp.SendKeys("#description", "Mobiel abonnement", chromedp.ByQuery),
		chromedp.SendKeys("#amount", "17,50"+kb.Enter, chromedp.ByQuery))
	if got := b.text(".flash"); !strings.Contains(got, "opgeslagen") {
		t.Fatalf("after adding a cost: %q", got)
	}
	if got := b.text("#costs"); !strings.Contains(got, "Mobiel abonnement") || !strings.Contains(got, "door u ingevuld") {
		t.Errorf("costs table = %q", got)
	}
	b.check("budget-added", true)
	b.run(chromedp.SendKeys("#amount", "zeventien"+kb.Enter, chromedp.ByQuery))
	if got := b.text("#page-error"); !strings.Contains(got, "bedrag") {
		t.Errorf("bad amount message = %q", got)
	}
	b.check("budget-error", false)
	b.run(chromedp.Navigate(w.wallet + "/"))
	want := web.Money(*bud.LeefgeldCents - 1750)
	if got := b.text("#leefgeld"); got != want {
		t.Errorf("leefgeld after adding € 17,50 = %q, want %q", got, want)
	}
	// Delete it again, so the rest of the walk sees the demo as it was.
	b.run(chromedp.Navigate(w.wallet+"/budget"), chromedp.Click(`#costs form button`, chromedp.ByQuery), chromedp.WaitVisible(".flash", chromedp.ByQuery))
}
