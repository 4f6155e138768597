package helper

import (
	"encoding/csv"
	"strings"
	"testing"
)

// readDutchCSV reads the first section of a CSV in the general dialect:
// BOM, semicolons, sections separated by an empty line.
func readDutchCSV(t *testing.T, raw []byte) [][]string {
	t.Helper()
	text, _, _ := strings.Cut(strings.TrimPrefix(string(raw), "\ufeff"), "\n\n")
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
