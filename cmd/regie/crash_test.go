package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"regie/api"
	"regie/consent"
	"regie/helper"
	"regie/internal/testkit"
	"regie/trust"
	"regie/wallet"
)

// TestCrashChild is not a test of its own: the crash test runs the test
// binary again as `regie` with the arguments in REGIE_CHILD_ARGS.
func TestCrashChild(t *testing.T) {
	raw := os.Getenv("REGIE_CHILD_ARGS")
	if raw == "" {
		t.Skip("only runs as the crash test's child process")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	// The child is this test binary, not regie: it may make vaults cheaply
	// without the production binary ever learning how. It stops on the
	// signals main stops on.
	e := newEnv()
	e.kdf = testkit.FastKDF
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, e, args)
	stop()
	os.Exit(code)
}

// startServe runs `regie serve --addr addr` on the vault in data as a child
// process and waits until it answers /healthz. The caller ends it.
func startServe(t *testing.T, data, addr string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	return startChild(t, addr, []string{"serve", "--addr", addr}, "REGIE_DATA="+data, "REGIE_PASSPHRASE="+testPass)
}

// startChild runs regie with args as a child process (this test binary,
// with a fast KDF) and waits until it answers /healthz on addr.
func startChild(t *testing.T, addr string, args []string, env ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	child, childErr, err := tryStartChild(addr, args, env...)
	if err != nil {
		t.Fatal(err)
	}
	return child, childErr
}

// tryStartChild is startChild that answers a child that did not come up
// (its address taken, say) as an error.
func tryStartChild(addr string, args []string, env ...string) (*exec.Cmd, *syncBuffer, error) {
	child := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	argv, _ := json.Marshal(args)
	child.Env = append(append(os.Environ(), "REGIE_CHILD_ARGS="+string(argv)), env...)
	childErr := &syncBuffer{}
	child.Stderr = childErr
	if err := child.Start(); err != nil {
		return nil, nil, err
	}
	for i := 0; i < 250; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return child, childErr, nil
			}
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	child.Process.Kill()
	child.Wait()
	return nil, nil, fmt.Errorf("child did not come up: %s", childErr.String())
}

// TestKillDuringImportAndRelease runs `regie serve` as a child process while
// an organisation pushes statements and a helper fetches dossiers, and kills
// it with SIGKILL at random moments. After every kill the vault opens, the
// access log verifies, every statement whose import was acknowledged is
// there, every stored statement still verifies against its organisation's
// key, and each release is whole: uses, acceptances and releases agree.
func TestKillDuringImportAndRelease(t *testing.T) {
	kills := 50
	if testing.Short() {
		kills = 10
	}
	data := t.TempDir()
	c := newCLI(t, data)
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne de Vries")
	orgDir := filepath.Join(t.TempDir(), "cjib")
	helperDir := filepath.Join(t.TempDir(), "helper")
	c.must("org", "new", "--id", "cjib", "--name", "CJIB", "--kind", "creditor", "--out", orgDir)
	c.must("helper", "new", "--id", "schuldhulp-a", "--name", "Schuldhulp A", "--out", helperDir)
	c.must("trust", "add", filepath.Join(orgDir, "trust.json"))
	c.must("trust", "add", filepath.Join(helperDir, "trust.json"))
	addr := freeAddr(t)
	out := c.must("consent", "grant", "--to", "schuldhulp-a", "--days", "30", "--wallet-url", "http://"+addr)
	url := strings.Split(out, "\n")[1]
	link, err := helper.ParseConsentURL(url)
	if err != nil {
		t.Fatal(err)
	}
	orgSet, _ := trust.ReadKeyFile(filepath.Join(orgDir, "key.jwk"))
	orgKey, _ := trust.SigningKeyOf(orgSet)
	hSet, _ := trust.ReadKeyFile(filepath.Join(helperDir, "key.jwk"))
	hKey, _ := trust.SigningKeyOf(hSet)
	hDec, _ := trust.DecryptionKeyOf(hSet)
	helper := &helper.Client{ID: "schuldhulp-a", Key: hKey, Dec: hDec, HTTP: &http.Client{Timeout: 5 * time.Second}}

	rng := rand.New(rand.NewSource(42))
	acked := map[string]bool{}
	next := 0
	var fetched, pushed int
	for k := 0; k < kills; k++ {
		child, _ := startServe(t, data, addr)

		ctx, stop := context.WithCancel(context.Background())
		var mu sync.Mutex
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { // an organisation pushing bundles of three
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				var jtis, list []string
				for i := 0; i < 3; i++ {
					next++
					jti := fmt.Sprintf("c-%d", next)
					p := payload("cjib", jti, "debt", map[string]any{"reference": "CJIB-" + jti, "creditor": "CJIB", "category": "fine",
						"original_cents": 1000 + next, "outstanding_cents": 1000 + next, "status": "collection"})
					raw, _ := json.Marshal(p)
					jws, _ := trust.SignStatement(orgKey, raw)
					jtis, list = append(jtis, jti), append(list, jws)
				}
				mu.Unlock()
				body, _ := json.Marshal(map[string][]string{"statements": list})
				resp, err := http.Post("http://"+addr+"/api/v1/inbox", "application/json", bytes.NewReader(body))
				if err != nil {
					return
				}
				var res api.InboxResult
				err = json.NewDecoder(resp.Body).Decode(&res)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					return
				}
				if res.Accepted != 3 {
					t.Errorf("push accepted %d of 3: %+v", res.Accepted, res.Results)
					return
				}
				mu.Lock()
				for _, j := range jtis {
					acked[j] = true
				}
				pushed += 3
				mu.Unlock()
			}
		}()
		go func() { // a helper fetching dossiers
			defer wg.Done()
			for ctx.Err() == nil {
				if _, err := helper.Redeem(ctx, link, consent.PurposeIntake); err != nil {
					return
				}
				mu.Lock()
				fetched++
				mu.Unlock()
			}
		}()
		time.Sleep(time.Duration(30+rng.Intn(220)) * time.Millisecond)
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
		stop()
		wg.Wait()
		checkAfterKill(t, k, data, acked)
	}
	t.Logf("%d kills; %d statements acknowledged, %d dossiers fetched", kills, pushed, fetched)
	if pushed == 0 || fetched == 0 {
		t.Fatalf("the child did no work before being killed (pushed %d, fetched %d)", pushed, fetched)
	}
}

// checkAfterKill opens the vault the killed child left behind and checks
// that nothing acknowledged was lost and nothing was half-written.
func checkAfterKill(t *testing.T, k int, data string, acked map[string]bool) {
	t.Helper()
	ctx := context.Background()
	v, err := wallet.Open(filepath.Join(data, wallet.FileName), &wallet.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("kill %d: vault does not open: %v", k, err)
	}
	defer v.Close()
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatalf("kill %d: unlock: %v", k, err)
	}
	if _, err := v.VerifyEvents(ctx); err != nil {
		t.Fatalf("kill %d: access log: %v", k, err)
	}
	series, err := v.Series(ctx)
	if err != nil {
		t.Fatalf("kill %d: statements: %v", k, err)
	}
	tl, err := trust.Store{Vault: v}.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	verifier := &trust.Verifier{Trust: tl, Subject: ownerBSN, AllowExpired: true}
	stored := map[string]bool{}
	for _, s := range series {
		for _, st := range s.Versions {
			if _, err := verifier.Verify(st.JWS); err != nil {
				t.Fatalf("kill %d: stored statement %s no longer verifies: %v", k, st.ID, err)
			}
			stored[st.ID] = true
		}
	}
	for jti := range acked {
		if !stored[jti] {
			t.Fatalf("kill %d: acknowledged statement %s is missing", k, jti)
		}
	}
	events, err := v.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	accepted, released := 0, 0
	for _, e := range events {
		switch e.Kind {
		case wallet.EventPresentationOK:
			accepted++
		case wallet.EventDossierReleased:
			released++
		}
	}
	svc := &consent.Service{Vault: v, Trust: trust.Store{Vault: v}}
	grants, err := svc.List(ctx)
	if err != nil || len(grants) != 1 {
		t.Fatalf("kill %d: grants: %v", k, err)
	}
	if grants[0].Uses != accepted || accepted != released {
		t.Fatalf("kill %d: half-written release: uses %d, accepted %d, released %d", k, grants[0].Uses, accepted, released)
	}
}
