package api

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"regie/helper"
	"regie/internal/testkit"
	"regie/org"
)

// TestEncodedBodiesRefused sends real gzip bombs, one and two layers deep,
// to the routes a stranger reaches before any login on the wallet server,
// the organisation server and the desk. Each is refused with 415 and the
// process allocates less than 100 MB while answering.
func TestEncodedBodiesRefused(t *testing.T) {
	w := newWorld(t, Limits{})

	orgSrv := org.New("cjib", w.cjib.key(), t.TempDir(), org.Options{})
	orgBase := serveOn(t, orgSrv.Serve, orgSrv.Shutdown)
	desk, err := helper.NewDesk(w.importer(w.helperA), nil)
	if err != nil {
		t.Fatal(err)
	}
	deskBase := serveOn(t, desk.Serve, desk.Shutdown)

	// One layer must fit the body limit (64 KiB at the organisation server
	// and the desk, 8 MiB at the wallet); two layers fit anywhere.
	small, large := testkit.GzipBomb(t, 56<<20), testkit.GzipBomb(t, 256<<20)
	two := testkit.GzipAgain(t, large)
	routes := []struct {
		name, url, ctype string
		one              []byte
	}{
		{"session", w.base + "/api/v1/session", "application/json", large},
		{"inbox", w.base + "/api/v1/inbox", "application/json", large},
		{"enrol", orgBase + "/regie/v1/enrol", "application/json", small},
		{"desk-import", deskBase + "/import", "application/x-www-form-urlencoded", small},
	}
	for _, r := range routes {
		shapes := []struct {
			name, encoding string
			body           []byte
		}{{"gzip", "gzip", r.one}, {"gzip,gzip", "gzip, gzip", two}}
		for _, sh := range shapes {
			t.Run(r.name+"/"+sh.name, func(t *testing.T) {
				var status int
				grew := testkit.AllocatedDuring(func() {
					req, _ := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(sh.body))
					req.Header.Set("Content-Type", r.ctype)
					req.Header.Set("Content-Encoding", sh.encoding)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				})
				t.Logf("%d-byte bomb: status %d, %d KB allocated", len(sh.body), status, grew>>10)
				if status != http.StatusUnsupportedMediaType {
					t.Errorf("status %d, want 415", status)
				}
				if grew > 100<<20 {
					t.Errorf("the process allocated %d MB answering a %d-byte bomb", grew>>20, len(sh.body))
				}
			})
		}
	}
}

// serveOn runs a server on a fresh 127.0.0.1 port until the test ends.
func serveOn(t testing.TB, serve func(net.Listener) error, shutdown func(context.Context) error) string {
	t.Helper()
	return testkit.Serve(t, serve, shutdown)
}
