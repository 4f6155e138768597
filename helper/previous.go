package helper

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"regie/consent"
)

// Reasons a previous import cannot be compared with.
var (
	// ErrPreviousMalformed: the file is not the JSON that `regie helper
	// import` (or the desk's JSON download) writes.
	ErrPreviousMalformed = errors.New("the previous import is not a Regie JSON export (regie helper import --format json writes one)")
	// ErrPreviousUnsigned: the file holds no signed dossier, as files
	// written before exports kept one: there is nothing to verify.
	ErrPreviousUnsigned = errors.New("the previous import holds no signed dossier (it was written by an older Regie); import once without --since to start a history")
	// ErrPreviousRefused: the signed dossier in the file does not verify
	// (any more) against this helper's key and trust list.
	ErrPreviousRefused = errors.New("the signed dossier in the previous import does not verify")
	// ErrPreviousTampered: the file's figures are not what its signed
	// dossier holds: someone changed them after the import.
	ErrPreviousTampered = errors.New("the previous import was changed after it was written: its figures do not follow from the signed dossier it holds")
)

// Previous reads an earlier import (the JSON export) to compare a new
// fetch with. It trusts nothing in the file but the wallet-signed dossier:
// that is verified again against this helper's key and trust list, and the
// rest of the file must be exactly what that dossier exports to (names
// from the trust list aside, which may have changed since), so a figure
// edited in the file is refused rather than compared.
func (im *Importer) Previous(raw []byte) (*consent.VerifiedDossier, error) {
	var head struct {
		Format  string `json:"format"`
		Dossier string `json:"dossier"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Format != exportFormat {
		return nil, ErrPreviousMalformed
	}
	if head.Dossier == "" {
		return nil, ErrPreviousUnsigned
	}
	vd, err := im.Verify(head.Dossier, "")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPreviousRefused, err)
	}
	again, err := NewExport(vd, im.Trust).JSON()
	if err != nil {
		return nil, err
	}
	var file, want any
	if json.Unmarshal(raw, &file) != nil || json.Unmarshal(again, &want) != nil {
		return nil, ErrPreviousMalformed
	}
	if !reflect.DeepEqual(withoutNames(file), withoutNames(want)) {
		return nil, ErrPreviousTampered
	}
	return vd, nil
}

// withoutNames drops what an export takes from the trust list rather than
// from the signed dossier: organisation names and whether the signer
// reports for another.
func withoutNames(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["verified"]; ok { // a provenance
			delete(x, "name")
			delete(x, "reported_by_other")
		}
		for k, e := range x {
			x[k] = withoutNames(e)
		}
	case []any:
		for i, e := range x {
			x[i] = withoutNames(e)
		}
	}
	return v
}
