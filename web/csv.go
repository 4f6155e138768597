package web

import (
	"encoding/csv"
	"io"
	"strings"
)

// CSVCell neutralises a value for a spreadsheet (OWASP "CSV injection"): a
// cell starting with = + - @, a tab or a carriage return would be read as a
// formula, so it gets a leading single quote and is shown as text. A plain
// negative number ("-123.45", "-123,45") is left alone: it is no formula,
// and a counsellor's sums need it to stay a number.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && !plainNegative(s) {
		return "'" + s
	}
	return s
}

// plainNegative reports whether s is a minus sign, digits, and at most one
// decimal separator followed by digits.
func plainNegative(s string) bool {
	digits, sep := 0, false
	for i, r := range s {
		switch {
		case i == 0:
			if r != '-' {
				return false
			}
		case r >= '0' && r <= '9':
			digits++
		case (r == '.' || r == ',') && !sep && digits > 0 && i < len(s)-1:
			sep = true
		default:
			return false
		}
	}
	return digits > 0
}

// WriteCSV writes a header and rows as CSV, every cell through CSVCell, so
// that no CSV Regie writes can carry a formula from a statement, a trust
// list or an organisation's error message into a spreadsheet.
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	return WriteCSVWith(w, ',', header, rows)
}

// BOM is the UTF-8 byte-order mark that makes Excel read a CSV as UTF-8.
const BOM = "\ufeff"

// WriteCSVWith is WriteCSV with another separator: a Dutch spreadsheet
// splits columns on ';' because ',' is its decimal separator.
func WriteCSVWith(w io.Writer, comma rune, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	cw.Comma = comma
	cell := make([]string, 0, len(header))
	for _, r := range append([][]string{header}, rows...) {
		cell = cell[:0]
		for _, c := range r {
			cell = append(cell, CSVCell(c))
		}
		if err := cw.Write(cell); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
