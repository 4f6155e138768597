package web

import (
	"io/fs"
	"regexp"
	"testing"
)

// templateKey finds the words a template asks for by a literal key:
// {{t "key" …}} and {{plural "key" n}} (which uses key.one and key.n).
var templateKey = regexp.MustCompile(`\{\{-?\s*(t|plural)\s+"([^"]+)"`)

// TestTemplatesUseOnlyKnownWords: every literal key a template shows has
// words in every language, so that no page ever shows a raw key.
func TestTemplatesUseOnlyKnownWords(t *testing.T) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	partials, _ := fs.Glob(templateFS, "templates/partials/*.html")
	checked := 0
	for _, name := range append(names, partials...) {
		raw, err := fs.ReadFile(templateFS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateKey.FindAllStringSubmatch(string(raw), -1) {
			keys := []string{m[2]}
			if m[1] == "plural" {
				keys = []string{m[2] + ".one", m[2] + ".n"}
			}
			for _, key := range keys {
				for _, lang := range Languages {
					checked++
					if _, ok := word(lang, key); !ok {
						t.Errorf("%s asks for %q, which has no %s words", name, key, lang)
					}
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d keys checked: the pattern no longer matches the templates", checked)
	}
}
