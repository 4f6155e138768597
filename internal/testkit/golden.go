package testkit

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// update rewrites golden files instead of comparing: go test ./... -update.
// It is the one flag testkit adds to every test binary that imports it.
var update = flag.Bool("update", false, "rewrite testdata/*.golden and fixture files instead of checking them")

// Updating says whether this run rewrites golden files and fixtures.
func Updating() bool { return *update }

// Golden compares got with testdata/NAME.golden, or rewrites the file with
// -update. A format change then shows up as a failing test and a diff in
// review, never silently.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed; if the new format is intended, run go test -update and review the diff.\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// CopyFile copies a committed fixture to where a test may change it (a
// vault file is written to on open), refusing to overwrite.
func CopyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
