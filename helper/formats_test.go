package helper_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"regie/helper"
	"regie/internal/testkit"
	"regie/wallet"
)

// testOrg is a counsellor's organisation settings.
var testOrg = helper.OrgSettings{Name: "Schuldhulp Rotterdam Zuid", KvK: "12345678", Postcode: "3072 AB", Municipality: "0599",
	Contact: &helper.ContactPerson{Name: "R. de Vries", Title: "Schuldhulpverlener", Email: "r.devries@example.nl", Phone: "010 123 45 67"}}

// clientExport is fixtureExport under the scope "client": the name and BSN
// of the profile and what the resident declared about themselves.
func clientExport(t *testing.T) helper.Export {
	t.Helper()
	e := fixtureExport(t)
	e.Client = &helper.ClientExport{Name: "Sanne de Boer", BSN: testkit.BSN, BirthDate: "1988-04-12", Partner: "Ahmed de Boer",
		Address:      wallet.Address{Street: "Maasstraat", HouseNumber: "12", Addition: "B", Postcode: "3072 AB", City: "Rotterdam"},
		SelfDeclared: true}
	return e
}

// TestFormatsGolden guards the Schuldenknooppunt CSV, the general CSV and
// the DDAS delivery byte for byte (go test -update rewrites them).
func TestFormatsGolden(t *testing.T) {
	e := clientExport(t)
	skp, err := e.SKP(&testOrg)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, "export.skp.csv", skp)
	general, err := e.CSV()
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, "export.nl.csv", general)
	ddas, err := e.DDAS(testOrg)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, "export.ddas.json", ddas)
	js, err := e.JSON()
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, "export.client.json", js)
}

// TestSKPColumns: the columns are the reference's names, one row per open
// claim (the claim a bailiff and the creditor both report is one row,
// "overgedragen schuld"), dates dd-mm-jjjj, amounts with a decimal comma,
// TypeSchuldregeling empty for the counsellor.
func TestSKPColumns(t *testing.T) {
	e := clientExport(t)
	raw, err := e.SKP(&testOrg)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ConversatieReferentienummer", "Referentienummer", "Schuldhulpverlener", "Contactpersoon SHV", "KlantnummerSHV",
		"KlantnummerSEVolgensSHV", "TypeSchuldregeling", "Klant", "Partner", "Adres", "Vordering.FactuurnummerSEVolgensSHV",
		"Klantnummer SE", "Contactpersoon SE.Naam", "Contactpersoon SE.Email", "Contactpersoon SE.Telefoon", "Klant onbekend",
		"Standaard akkoord", "Datum", "Schuldtype", "FactuurnummerSE", "openstaand.Ontstaansdatum", "openstaand.Orginele vordering"}
	if !slices.Equal(rows[0][:len(want)], want) {
		t.Fatalf("header = %v", rows[0])
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	if len(rows)-1 != len(e.Debts) {
		t.Errorf("%d rows for %d claims", len(rows)-1, len(e.Debts))
	}
	transferred := 0
	for _, row := range rows[1:] {
		if row[col("TypeSchuldregeling")] != "" {
			t.Errorf("TypeSchuldregeling = %q, want empty", row[col("TypeSchuldregeling")])
		}
		switch row[col("Schuldtype")] {
		case "overgedragen schuld":
			transferred++
			if row[col("openstaand.Ontstaansdatum")] != "01-10-2025" || row[col("Klantnummer SE")] != "SK-KL-30917" {
				t.Errorf("bailiff row = %v", row)
			}
		case "openstaande schuld":
		default:
			t.Errorf("Schuldtype = %q", row[col("Schuldtype")])
		}
		if d := row[col("Datum")]; len(d) != 10 || d[2] != '-' || d[5] != '-' {
			t.Errorf("Datum = %q, want dd-mm-jjjj", d)
		}
		if a := row[col("ActueelVorderingsbedrag")]; !strings.Contains(a, ",") || strings.Contains(a, ".") {
			t.Errorf("amount = %q, want a decimal comma", a)
		}
		if row[col("Klant")] != "Sanne de Boer, 12-04-1988" || row[col("Adres")] != "Maasstraat 12B, 3072 AB Rotterdam" {
			t.Errorf("client columns = %q %q", row[col("Klant")], row[col("Adres")])
		}
	}
	if transferred != 1 {
		t.Errorf("%d transferred claims, want 1", transferred)
	}
}

// TestGeneralCSVOpensInDutchExcel: BOM, semicolons, decimal comma, Dutch
// status and category words, and the budget as a second section.
func TestGeneralCSVOpensInDutchExcel(t *testing.T) {
	raw, err := clientExport(t).CSV()
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	if !strings.HasPrefix(text, "\ufeffSchuldeiser;Kenmerk;") {
		t.Fatalf("no BOM or semicolons: %.60q", text)
	}
	debts, budget, ok := strings.Cut(strings.TrimPrefix(text, "\ufeff"), "\n\n")
	if !ok || !strings.HasPrefix(budget, "Post;Soort;") || !strings.Contains(budget, "Inkomen;") {
		t.Fatalf("no budget section:\n%s", text)
	}
	for _, w := range []string{";Vonnis;", ";Incasso;", ";Lening of krediet;", ";2380,00;", ";1800,00;"} {
		if !strings.Contains(debts, w) {
			t.Errorf("debts lack %q", w)
		}
	}
	for _, english := range []string{"collection", "judgment", "consumer_credit", "month"} {
		if strings.Contains(text, ";"+english+";") {
			t.Errorf("English code %q in the Dutch CSV", english)
		}
	}
}

// TestDDASValidatesAgainstTheOfficialSchema: the delivery validates
// against the official DDAS v1.0 JSON schema (draft 2020-12, formats
// asserted), with and without the client; the same validator refuses a
// delivery with a fractional amount, so the check can fail.
func TestDDASValidatesAgainstTheOfficialSchema(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "ddas-v1.0-uitwisselmodel.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("ddas.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("ddas.json")
	if err != nil {
		t.Fatal(err)
	}
	validate := func(raw []byte) error {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return err
		}
		return schema.Validate(inst)
	}
	for name, e := range map[string]helper.Export{"with client": clientExport(t), "without client": fixtureExport(t)} {
		raw, err := e.DDAS(testOrg)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(raw); err != nil {
			t.Errorf("%s: %v\n%s", name, err, raw)
		}
		var d struct {
			Leveringen []struct {
				Trajecten []struct {
					Total    int64 `json:"totaalSchuldbedragBijAanvangSchuld"`
					Schulden []struct {
						Bedrag      int64  `json:"bedrag"`
						Schuldsoort string `json:"schuldsoort"`
						Schuldeiser struct {
							Naam string `json:"naam"`
						} `json:"schuldeiser"`
					} `json:"schulden"`
				} `json:"schuldhulptrajecten"`
			} `json:"leveringen"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		tr := d.Leveringen[0].Trajecten[0]
		if tr.Total != int64(e.Overview.TotalOutstandingCents+50)/100 || len(tr.Schulden) != len(e.Debts) {
			t.Errorf("%s: total %d over %d debts", name, tr.Total, len(tr.Schulden))
		}
		kinds := map[string]string{}
		for _, s := range tr.Schulden {
			kinds[s.Schuldeiser.Naam] = s.Schuldsoort
		}
		if kinds["Snel Krediet BV"] != "Overig" || kinds["Centraal Justitieel Incassobureau"] != "Publiek" {
			t.Errorf("%s: schuldsoort / schuldeiser = %v", name, kinds)
		}
	}
	raw, _ := clientExport(t).DDAS(testOrg)
	broken := bytes.Replace(raw, []byte(`"bedrag": 525`), []byte(`"bedrag": 525.5`), 1)
	if bytes.Equal(broken, raw) {
		t.Fatal("fixture did not change")
	}
	if validate(broken) == nil {
		t.Error("the schema accepted a fractional bedrag")
	}
}

// TestOrgSettingsRefusesBadInput: the counsellor's settings file must name
// the organisation and a four-digit gemeentecode; bad files are refused
// with a clear reason.
func TestOrgSettingsRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, body, want string }{
		{"no name", `{"gemeentecode":"0599"}`, "name is required"},
		{"bad gemeentecode", `{"name":"SHV","gemeentecode":"Rotterdam"}`, "gemeentecode"},
		{"bad kvk", `{"name":"SHV","gemeentecode":"0599","kvk":"12"}`, "kvk"},
		{"unknown field", `{"name":"SHV","gemeentecode":"0599","bsn":"123456782"}`, "not a settings file"},
		{"contact without name", `{"name":"SHV","gemeentecode":"0599","contact":{"email":"a@b.nl"}}`, "contact.name"},
		{"not JSON", `name=SHV`, "not a settings file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			os.WriteFile(path, []byte(tt.body), 0o600)
			_, err := helper.ReadOrgSettings(path)
			if !errors.Is(err, helper.ErrOrgSettings) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := fixtureExport(t).DDAS(helper.OrgSettings{Name: "SHV"}); !errors.Is(err, helper.ErrOrgSettings) {
		t.Errorf("DDAS without gemeentecode: %v", err)
	}
}
