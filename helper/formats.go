package helper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"regie/wallet"
	"regie/web"
)

// OrgSettings is the counsellor's own organisation as a case system needs
// it in an export: the DDAS delivery's aanleverende organisatie and the
// Schuldenknooppunt's Schuldhulpverlener. It comes from the counsellor's
// settings (regie helper import --org-file), never from the resident.
type OrgSettings struct {
	Name         string `json:"name"`
	KvK          string `json:"kvk,omitempty"`
	Postcode     string `json:"postcode,omitempty"`
	Municipality string `json:"gemeentecode"` // CBS gemeentecode, e.g. "0599"
	// Supplier is the DDAS codeGegevensleverancier; "regie" when empty.
	Supplier string         `json:"supplier,omitempty"`
	Contact  *ContactPerson `json:"contact,omitempty"`
}

// ContactPerson is the counsellor's contact for the case.
type ContactPerson struct {
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// ErrOrgSettings says the counsellor's organisation settings are missing
// or unusable; a DDAS delivery cannot be made without them.
var ErrOrgSettings = errors.New("organisation settings")

// ReadOrgSettings reads and checks an organisation settings file.
func ReadOrgSettings(path string) (OrgSettings, error) {
	var s OrgSettings
	raw, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrOrgSettings, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("%w: %s is not a settings file (%v)", ErrOrgSettings, path, err)
	}
	return s, s.Check()
}

// Check refuses settings a DDAS delivery cannot carry.
func (s OrgSettings) Check() error {
	switch {
	case strings.TrimSpace(s.Name) == "":
		return fmt.Errorf("%w: name is required", ErrOrgSettings)
	case len(s.Municipality) != 4 || strings.Trim(s.Municipality, "0123456789") != "":
		return fmt.Errorf("%w: gemeentecode must be the four-digit CBS code", ErrOrgSettings)
	case s.KvK != "" && (len(s.KvK) != 8 || strings.Trim(s.KvK, "0123456789") != ""):
		return fmt.Errorf("%w: kvk must be eight digits", ErrOrgSettings)
	case s.Contact != nil && strings.TrimSpace(s.Contact.Name) == "":
		return fmt.Errorf("%w: contact.name is required when a contact is given", ErrOrgSettings)
	}
	return nil
}

// openClaims are the rows a case system counts: every claim that is not
// paid or waived, each once.
func (e Export) openClaims() []DebtExport {
	var out []DebtExport
	for _, d := range e.Debts {
		if !d.Status.Closed() {
			out = append(out, d)
		}
	}
	return out
}

// SKPHeader names the columns of the Schuldenknooppunt "CSV Saldoverzoek
// Antwoord – Algemeen" A to V as the reference spells them (including its
// "Orginele"), without the descriptions it gives in brackets; W is
// Regie's addition: the current amount (the reference's copy stops at V).
var SKPHeader = []string{"ConversatieReferentienummer", "Referentienummer", "Schuldhulpverlener", "Contactpersoon SHV",
	"KlantnummerSHV", "KlantnummerSEVolgensSHV", "TypeSchuldregeling", "Klant", "Partner", "Adres",
	"Vordering.FactuurnummerSEVolgensSHV", "Klantnummer SE", "Contactpersoon SE.Naam", "Contactpersoon SE.Email",
	"Contactpersoon SE.Telefoon", "Klant onbekend", "Standaard akkoord", "Datum", "Schuldtype", "FactuurnummerSE",
	"openstaand.Ontstaansdatum", "openstaand.Orginele vordering", "ActueelVorderingsbedrag"}

// Schuldtype values of the Saldoverzoek answer: whether the creditor still
// holds the claim or handed it over (to a collector or bailiff).
const (
	schuldtypeOpen        = "openstaande schuld"
	schuldtypeTransferred = "overgedragen schuld"
)

// SKP writes one row per open claim in the Schuldenknooppunt Saldoverzoek
// answer's columns: dates dd-mm-jjjj, amounts as "Bedrag" in euros with a
// decimal comma and two decimals, no thousands separator and no sign;
// semicolon-separated, UTF-8 without BOM. TypeSchuldregeling and the
// system and SHV client numbers stay empty for the counsellor's own system.
func (e Export) SKP(org *OrgSettings) ([]byte, error) {
	var shv, contact, klant, partner, adres string
	if org != nil {
		shv = org.Name
		if c := org.Contact; c != nil {
			contact = joinNonEmpty(", ", c.Name, c.Phone, c.Email)
		}
	}
	if c := e.Client; c != nil {
		klant = joinNonEmpty(", ", c.Name, web.NumericDate(c.BirthDate))
		partner = c.Partner
		adres = c.Address.String()
	}
	var rows [][]string
	for _, d := range e.openClaims() {
		kind := schuldtypeOpen
		if d.OriginalReference != "" {
			kind = schuldtypeTransferred
		}
		var phone string
		if e.trust != nil {
			if o, ok := e.trust.Organisation(d.Source.Organisation); ok {
				phone = o.Phone
			}
		}
		rows = append(rows, []string{"", "", shv, contact, "", d.CustomerNumber, "", klant, partner, adres,
			d.Reference, d.CustomerNumber, orName(d.Source), "", phone, "", "", web.NumericDate(d.AsOf), kind, d.Reference,
			web.NumericDate(d.OriginDate), web.EuroComma(d.OriginalCents), web.EuroComma(d.OutstandingCents)})
	}
	var buf bytes.Buffer
	err := web.WriteCSVWith(&buf, ';', SKPHeader, rows)
	return buf.Bytes(), err
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// schuldsoort maps a category onto the DDAS EnumSchuldensoort: Zorg for
// premiums and care costs, Publiek for public bodies, Nuts for suppliers
// that work with meter readings, Overig for the rest.
func schuldsoort(c wallet.Category) string {
	switch c {
	case wallet.CategoryHealthInsurance, wallet.CategoryCAK, wallet.CategoryCareCosts:
		return "Zorg"
	case wallet.CategoryTax, wallet.CategoryMunicipalTax, wallet.CategoryWaterBoardTax, wallet.CategoryFine,
		wallet.CategoryStudentLoan, wallet.CategoryBenefitReclaim:
		return "Publiek"
	case wallet.CategoryEnergy, wallet.CategoryWater, wallet.CategoryHeat:
		return "Nuts"
	}
	return "Overig"
}

// wholeEuros rounds cents to whole euros, half away from zero: the DDAS
// bedrag.
func wholeEuros(c wallet.Cents) int64 {
	if c < 0 {
		return -wholeEuros(-c)
	}
	return (int64(c) + 50) / 100
}

type ddasDelivery struct {
	Start     string         `json:"startdatumLevering"`
	End       string         `json:"einddatumLevering"`
	Delivered string         `json:"aanleverdatumEnTijd"`
	Supplier  string         `json:"codeGegevensleverancier"`
	Items     []ddasLevering `json:"leveringen"`
}

type ddasLevering struct {
	Counter   int           `json:"teller"`
	Org       ddasOrg       `json:"aanleverende_organisatie"`
	Trajecten []ddasTraject `json:"schuldhulptrajecten"`
}

type ddasOrg struct {
	Name     string        `json:"(Statutaire) Naam"`
	KvK      string        `json:"KvK-nummer,omitempty"`
	Postcode string        `json:"postcode,omitempty"`
	Code     string        `json:"gemeentecode"`
	Contacts []ddasContact `json:"contactpersonen,omitempty"`
}

type ddasContact struct {
	Email string `json:"email,omitempty"`
	Title string `json:"functietitel,omitempty"`
	Name  string `json:"naam"`
	Phone string `json:"telefoonnummer,omitempty"`
}

type ddasTraject struct {
	Municipality string       `json:"gemeentecode"`
	Description  string       `json:"omschrijving"`
	Total        int64        `json:"totaalSchuldbedragBijAanvangSchuld"`
	Client       []ddasClient `json:"client,omitempty"`
	Debts        []ddasSchuld `json:"schulden"`
}

type ddasClient struct {
	BSN         string `json:"Burgerservicenummer,omitempty"`
	BirthDate   string `json:"Geboortedatum,omitempty"`
	Postcode    string `json:"Postcode,omitempty"`
	HouseNumber string `json:"Huisnummer,omitempty"`
	Addition    string `json:"Huisnummertoevoeging,omitempty"`
}

type ddasSchuld struct {
	Amount   int64           `json:"bedrag"`
	AsOf     string          `json:"peildatum"`
	Kind     string          `json:"schuldsoort"`
	Business bool            `json:"zakelijkeSchuld"`
	Creditor ddasSchuldeiser `json:"schuldeiser"`
}

type ddasSchuldeiser struct {
	Name    string `json:"naam"`
	KvK     string `json:"kvknummer,omitempty"`
	Private bool   `json:"privepersoon"`
}

// DDAS writes the dossier's part of a DDAS v1.0 delivery
// (Uitwisselmodel): one levering by the counsellor's organisation with one
// schuldhulptraject holding the open claims (whole euros, peildatum, the
// schuldsoort, the creditor who holds the claim) and, when the grant
// includes the client, the client. The delivery is dated by the dossier's
// release. org is required: the aanleverende organisatie and its
// gemeentecode come from the counsellor's settings.
func (e Export) DDAS(org OrgSettings) ([]byte, error) {
	if err := org.Check(); err != nil {
		return nil, err
	}
	released := e.ReleasedAt.UTC()
	day := released.Format(wallet.DateLayout)
	supplier := org.Supplier
	if supplier == "" {
		supplier = "regie"
	}
	o := ddasOrg{Name: org.Name, KvK: org.KvK, Postcode: org.Postcode, Code: org.Municipality}
	if c := org.Contact; c != nil {
		o.Contacts = []ddasContact{{Email: c.Email, Title: c.Title, Name: c.Name, Phone: c.Phone}}
	}
	tr := ddasTraject{Municipality: org.Municipality, Description: "Regie-dossier " + string(e.Purpose),
		Total: wholeEuros(e.Overview.TotalOutstandingCents), Debts: []ddasSchuld{}}
	if c := e.Client; c != nil {
		tr.Client = []ddasClient{{BSN: c.BSN, BirthDate: string(c.BirthDate), Postcode: c.Address.Postcode,
			HouseNumber: c.Address.HouseNumber, Addition: c.Address.Addition}}
	}
	for _, d := range e.openClaims() {
		name := d.Creditor
		if d.OriginalCreditor != "" {
			name = d.OriginalCreditor // the claim is the original creditor's; the collector only collects it
		}
		s := ddasSchuld{Amount: wholeEuros(d.OutstandingCents), AsOf: string(d.AsOf), Kind: schuldsoort(d.Category),
			Creditor: ddasSchuldeiser{Name: name, Private: d.Category == wallet.CategoryPrivateLoan}}
		tr.Debts = append(tr.Debts, s)
	}
	out := ddasDelivery{Start: day, End: day, Delivered: released.Format("2006-01-02T15:04:05Z"), Supplier: supplier,
		Items: []ddasLevering{{Counter: 1, Org: o, Trajecten: []ddasTraject{tr}}}}
	b, err := json.MarshalIndent(out, "", "  ")
	return append(b, '\n'), err
}
