package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"

	"regie/helper"
	"regie/internal/testkit"
	"regie/org"
)

// gzipBomb is a real compression bomb: expanded zero bytes, gzipped. One
// layer of 256 MiB is about 250 KB; gzipping that again gives about 2 KB.
func gzipBomb(t testing.TB, expanded int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for n := 0; n < expanded; n += len(zero) {
		zw.Write(zero)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gzipAgain wraps a body in one more gzip layer.
func gzipAgain(t testing.TB, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// allocatedDuring is how many bytes the whole process allocated while f ran,
// from the runtime's own statistics: an upper bound on how far memory grew.
func allocatedDuring(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

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
	small, large := gzipBomb(t, 56<<20), gzipBomb(t, 256<<20)
	two := gzipAgain(t, large)
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
				grew := allocatedDuring(func() {
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
