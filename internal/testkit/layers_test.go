package testkit_test

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestLayoutTableMatchesTheTree reads the README's layout table and the
// module's packages: every package is in the table and every table row is
// a package; each package imports only packages above it in the table
// (arrows point toward wallet); and only the HTTP packages, the demo and
// the binary import fiber.
func TestLayoutTableMatchesTheTree(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, layout, ok := strings.Cut(string(readme), "## Layout")
	if !ok {
		t.Fatal("README has no ## Layout section")
	}
	var order []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z/]+)` \\|").FindAllStringSubmatch(layout, -1) {
		order = append(order, m[1])
	}
	rank := map[string]int{}
	for i, p := range order {
		rank[p] = i
	}

	var pkgs []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			return nil
		}
		bp, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		pkgs = append(pkgs, rel)
		r, listed := rank[rel]
		if !listed {
			// Sub-packages of a listed package (internal/testkit/fastkdf) sit
			// with it.
			for p, pr := range rank {
				if strings.HasPrefix(rel, p+"/") {
					r, listed = pr, true
				}
			}
		}
		if !listed {
			t.Errorf("package %s is not in the README's layout table", rel)
			return nil
		}
		fiberOK := map[string]bool{"api": true, "helper": true, "org": true, "demo": true, "internal/httpx": true, "cmd/regie": true, "host": true}
		for _, imp := range bp.Imports {
			if strings.HasPrefix(imp, "github.com/gofiber/fiber") && !fiberOK[rel] {
				t.Errorf("%s imports fiber; only the HTTP packages, demo and cmd/regie may", rel)
			}
			dep, ours := strings.CutPrefix(imp, "regie/")
			if !ours || strings.HasPrefix(dep, rel+"/") {
				continue
			}
			dr, known := rank[dep]
			if !known {
				for p, pr := range rank {
					if strings.HasPrefix(dep, p+"/") {
						dr, known = pr, true
					}
				}
			}
			if !known || dr >= r {
				t.Errorf("%s imports %s, which is not above it in the layout table", rel, dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range order {
		if !slices.Contains(pkgs, p) {
			t.Errorf("the layout table names %s, which is no package", p)
		}
	}
}
