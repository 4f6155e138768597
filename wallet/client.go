package wallet

import (
	"regexp"
	"strings"
)

// Address is where the resident lives, as they state it: a counsellor's
// intake and the Schuldenknooppunt need it, and no organisation signs it.
type Address struct {
	Street      string `json:"street"`
	HouseNumber string `json:"house_number"`
	Addition    string `json:"addition,omitempty"`
	Postcode    string `json:"postcode"`
	City        string `json:"city"`
}

// String is the address on one line, as on an envelope.
func (a Address) String() string {
	street := strings.TrimSpace(strings.Join([]string{a.Street, a.HouseNumber + a.Addition}, " "))
	town := strings.TrimSpace(a.Postcode + " " + a.City)
	if street == "" {
		return town
	}
	if town == "" {
		return street
	}
	return street + ", " + town
}

// ClientDetails is who the resident says they are, beyond the name and
// BSN of the profile: birth date, address and partner. It is
// self-declared: a dossier carries it only under the scope "client",
// marked as entered by the resident.
type ClientDetails struct {
	BirthDate Date    `json:"birth_date,omitempty"`
	Address   Address `json:"address"`
	Partner   string  `json:"partner,omitempty"`
}

var (
	postcodePattern = regexp.MustCompile(`^[1-9][0-9]{3} ?[A-Z]{2}$`)
	houseNumberPat  = regexp.MustCompile(`^[1-9][0-9]{0,4}$`)
)

// Validate refuses details no intake can use: a bad date, a postcode that
// is not Dutch, a house number that is not a number, or text a spreadsheet
// would read as a formula.
func (c ClientDetails) Validate() error {
	if c.BirthDate != "" {
		if err := checkDate("birth_date", c.BirthDate); err != nil {
			return err
		}
	}
	a := c.Address
	if a.Postcode != "" && !postcodePattern.MatchString(a.Postcode) {
		return &ValidationError{Field: "address.postcode", Problem: "must be a Dutch postcode such as 3011 AB"}
	}
	if a.HouseNumber != "" && !houseNumberPat.MatchString(a.HouseNumber) {
		return &ValidationError{Field: "address.house_number", Problem: "must be a number"}
	}
	for field, v := range map[string]string{"address.street": a.Street, "address.addition": a.Addition, "address.city": a.City, "partner": c.Partner} {
		if v != "" && !refPattern.MatchString(v) {
			return &ValidationError{Field: field, Problem: "must be 1 to 100 letters, digits or simple punctuation"}
		}
	}
	return nil
}
