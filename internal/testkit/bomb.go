package testkit

import (
	"bytes"
	"compress/gzip"
	"runtime"
	"testing"
)

// GzipBomb is a real compression bomb: expanded zero bytes, gzipped. One
// layer of 256 MiB is about 250 KB; gzipping that again gives about 2 KB.
func GzipBomb(t testing.TB, expanded int) []byte {
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

// GzipAgain wraps a body in one more gzip layer.
func GzipAgain(t testing.TB, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// AllocatedDuring is how many bytes the whole process allocated while f
// ran, from the runtime's own statistics: an upper bound on how far memory
// grew.
func AllocatedDuring(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
