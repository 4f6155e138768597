package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"regie/consent"
	"regie/demo"
	"regie/helper"
	"regie/host"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// TestHostDemo runs `regie host --demo` in-process on 127.0.0.1 and tries
// the whole flow as a person would from what it prints: each demo resident
// logs in with the printed login name and passphrase and finds what the
// demo organisations pushed while the vault was locked; one grants consent
// to the demo counsellor, whose printed key redeems it. A restart on the
// same data signs nobody up twice and pushes nothing again.
func TestHostDemo(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	start := func() (stop func(), out *syncBuffer) {
		ctx, cancel := context.WithCancel(context.Background())
		out = &syncBuffer{}
		errb := &syncBuffer{}
		devnull, _ := os.Open(os.DevNull)
		e := &env{stdin: devnull, stdout: out, stderr: errb, getenv: func(string) string { return "" }, kdf: testkit.FastKDF}
		done := make(chan int, 1)
		go func() { done <- run(ctx, e, []string{"host", "--demo", "--data", data, "--addr", addr}) }()
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(out.String(), "Demo host ready") {
			select {
			case code := <-done:
				t.Fatalf("regie host --demo ended with %d: %s%s", code, out, errb)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("regie host --demo never got ready: %s%s", out, errb)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("regie host --demo stopped with %d: %s", code, errb)
			}
			devnull.Close()
		}, out
	}
	stop, out := start()
	logins := regexp.MustCompile(`login (\S+)\s+passphrase (\S+)`).FindAllStringSubmatch(out.String(), -1)
	if len(logins) != len(demo.Residents()) {
		t.Fatalf("printed %d logins for %d demo residents:\n%s", len(logins), len(demo.Residents()), out)
	}
	keyFile := regexp.MustCompile(`Demo helper key for regie helper serve/import: (\S+)`).FindStringSubmatch(out.String())
	if keyFile == nil || !strings.Contains(out.String(), base+"/inloggen") {
		t.Fatalf("no helper key or login page printed:\n%s", out)
	}
	var sanne *hostClient
	var sanneWallet string
	for _, l := range logins {
		c := newHostClient(t, base)
		var acc host.Account
		if code := c.call("POST", "/api/v1/session", map[string]string{"login": l[1], "passphrase": l[2]}, &acc); code != 200 || acc.Arrived == nil || acc.Arrived.Added == 0 || acc.Arrived.Refused != 0 {
			t.Fatalf("%s logs in: %d %+v", l[1], code, acc.Arrived)
		}
		var o wallet.Overview
		if code := c.call("GET", "/api/v1/overview", nil, &o); code != 200 || o.TotalOutstandingCents <= 0 || !strings.Contains(out.String(), "pushed "+strconv.Itoa(acc.Arrived.Added)+" statements to "+l[1]) {
			t.Errorf("%s's overview: %d, %d cents, %d statements arrived:\n%s", l[1], code, o.TotalOutstandingCents, acc.Arrived.Added, out)
		}
		if l[1] == "sanne" {
			sanne, sanneWallet = c, acc.Wallet
		}
	}
	if sanne == nil {
		t.Fatal("no demo resident sanne")
	}

	// The demo counsellor is in the host's trust list: a consent to it is
	// granted, and its printed key redeems the consent's link.
	var g host.GrantAnswer
	if code := sanne.call("POST", "/api/v1/consents", map[string]any{"to": demo.HelperID, "purpose": "debt-help-intake", "scope": []string{"debts", "income"}, "days": 14}, &g); code != 201 {
		t.Fatalf("grant to the demo counsellor: %d", code)
	}
	set, err := trust.ReadKeyFile(keyFile[1])
	if err != nil {
		t.Fatal(err)
	}
	key, _ := trust.SigningKeyOf(set)
	dec, _ := trust.DecryptionKeyOf(set)
	tl, err := readTrust(filepath.Join(data, "demo", "trust-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := helper.NewImporter(&helper.Client{ID: demo.HelperID, Key: key, Dec: dec}, tl).FromURL(context.Background(), g.URL, consent.PurposeIntake)
	if err != nil || d.Overview.TotalOutstandingCents <= 0 || !strings.HasPrefix(g.URL, sanneWallet) {
		t.Fatalf("the demo counsellor redeems %s: %v", g.URL, err)
	}
	stop()

	// Again on the same data: the same residents, nothing pushed twice.
	stop, out = start()
	defer stop()
	if strings.Contains(out.String(), "pushed") {
		t.Errorf("a restart pushed again:\n%s", out)
	}
	c := newHostClient(t, base)
	var acc host.Account
	if code := c.call("POST", "/api/v1/session", map[string]string{"login": logins[0][1], "passphrase": logins[0][2]}, &acc); code != 200 {
		t.Fatalf("log in after a restart: %d", code)
	}
}
