package testkit

import (
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// CheckWebManifest fetches the web app manifest of the server at base and
// fails t unless it is served as application/manifest+json under a policy
// that lets the page load it, parses as JSON with the app's name, Dutch,
// standalone display and theme colour, and names icons that the server
// serves as PNGs of exactly the stated size. Wallet and host both use it.
func CheckWebManifest(t testing.TB, base string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(base + "/manifest.webmanifest")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("manifest: %d %s", resp.StatusCode, raw)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "application/manifest+json" {
		t.Errorf("manifest Content-Type = %q", resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "manifest-src 'self'") {
		t.Errorf("CSP has no manifest-src 'self', so a page cannot load the manifest: %q", csp)
	}
	var m struct {
		Name, ShortName, Lang, Display, StartURL, ThemeColor string
		Icons                                                []struct{ Src, Sizes, Type string }
		ServiceWorker                                        any `json:"serviceworker"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest is not JSON: %v\n%s", err, raw)
	}
	var all map[string]any
	_ = json.Unmarshal(raw, &all)
	m.ShortName, _ = all["short_name"].(string)
	m.StartURL, _ = all["start_url"].(string)
	m.ThemeColor, _ = all["theme_color"].(string)
	if m.Name != "Regie" || m.ShortName != "Regie" || m.Lang != "nl" || m.Display != "standalone" || m.StartURL != "/" {
		t.Errorf("manifest = %s", raw)
	}
	if !regexp.MustCompile(`^#[0-9a-f]{6}$`).MatchString(m.ThemeColor) {
		t.Errorf("theme_color = %q", m.ThemeColor)
	}
	if m.ServiceWorker != nil {
		t.Errorf("the manifest names a service worker: %s", raw)
	}
	sizes := map[int]bool{}
	for _, icon := range m.Icons {
		var w, h int
		if _, err := fmt.Sscanf(icon.Sizes, "%dx%d", &w, &h); err != nil || icon.Type != "image/png" {
			t.Errorf("icon %+v", icon)
			continue
		}
		resp, err := client.Get(base + icon.Src)
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "image/png" {
			t.Errorf("icon %s: %d %q", icon.Src, resp.StatusCode, ct)
		}
		img, err := png.Decode(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Errorf("icon %s is not a PNG: %v", icon.Src, err)
			continue
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Errorf("icon %s is %dx%d, the manifest says %s", icon.Src, b.Dx(), b.Dy(), icon.Sizes)
		}
		sizes[w] = true
	}
	if !sizes[192] || !sizes[512] {
		t.Errorf("the manifest needs icons of 192 and 512 px: %s", raw)
	}
}
