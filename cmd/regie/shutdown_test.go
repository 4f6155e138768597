package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"regie/internal/testkit"
)

// TestServeStopsSoonAfterSIGTERM runs `regie serve` as a real process, holds
// a source refresh in flight against an organisation that never answers, and
// sends SIGTERM: the process exits 0 within 5 s, and the stalled pull is
// abandoned rather than waited for.
func TestServeStopsSoonAfterSIGTERM(t *testing.T) {
	data := t.TempDir()
	c := newCLI(t, data)
	c.must("init", "--bsn", ownerBSN, "--name", "Sanne de Vries")
	slow := testkit.NewStallingOrg(t, "traag")
	entry, _ := json.Marshal(slow.Entry)
	entryFile := filepath.Join(t.TempDir(), "trust.json")
	if err := os.WriteFile(entryFile, entry, 0o600); err != nil {
		t.Fatal(err)
	}
	c.must("trust", "add", entryFile)
	c.must("sources", "connect", "traag", slow.Server.IssueCode(ownerBSN))

	addr := freeAddr(t)
	child, childErr := startServe(t, data, addr)
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	t.Cleanup(func() { child.Process.Kill() })

	jar, _ := cookiejar.New(nil)
	resident := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := resident.Post("http://"+addr+"/api/v1/session", "application/json", bytes.NewReader([]byte(`{"passphrase":"`+testPass+`"}`)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("session: %v %v", err, resp)
	}
	resp.Body.Close()
	go func() {
		if resp, err := resident.Post("http://"+addr+"/api/v1/sources/refresh", "application/json", bytes.NewReader([]byte("{}"))); err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case <-slow.Started:
	case <-time.After(10 * time.Second):
		t.Fatalf("the wallet never pulled: %s", childErr.String())
	}

	if err := child.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("regie serve after SIGTERM: %v: %s", err, childErr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("regie serve still running 5 s after SIGTERM: %s", childErr.String())
	}
	// The organisation's server notices the dropped pull a moment later.
	select {
	case <-slow.Released:
	case <-time.After(5 * time.Second): // well before the organisation client's 10 s timeout
		t.Fatal("the pull stayed open after regie serve exited")
	}
}
