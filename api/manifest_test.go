package api

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"regie/internal/testkit"
)

func TestWebManifest(t *testing.T) {
	w := newWorld(t, Limits{})
	testkit.CheckWebManifest(t, w.base)
	// Every resident page links it, so a phone offers "add to home screen".
	resp, err := http.Get(w.base + "/unlock")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`<link rel="manifest" href="/manifest.webmanifest">`, `<link rel="apple-touch-icon" href="/static/icon-192.png">`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the unlock page lacks %s", want)
		}
	}
	if strings.Contains(string(page), "serviceWorker") {
		t.Error("a page registers a service worker")
	}
}
