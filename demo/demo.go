package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/connectors"
	"regie/org"
	"regie/trust"
	"regie/wallet"
)

// The demo resident and counsellor.
const (
	DemoBSN  = "123456782"
	DemoName = "Sanne de Vries"
	HelperID = "schuldhulp-demo"
)

// demoOrg is one demo organisation and what it says about the demo resident.
type demoOrg struct {
	id, name string
	kind     trust.Kind
	facts    []map[string]any // debt, income or expense objects
}

// maySign lists the statement types among the organisation's facts.
func (o demoOrg) maySign() []wallet.StatementType {
	var out []wallet.StatementType
	for _, t := range []wallet.StatementType{wallet.TypeDebt, wallet.TypeIncome, wallet.TypeExpense} {
		for _, f := range o.facts {
			if _, ok := f[string(t)]; ok {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

func demoCatalogue() []demoOrg {
	debt := func(ref, creditor, cat string, orig, out, arrears int64, months int, status string) map[string]any {
		d := map[string]any{"reference": ref, "creditor": creditor, "category": cat, "original_cents": orig,
			"outstanding_cents": out, "arrears_cents": arrears, "months_in_arrears": months, "status": status}
		return map[string]any{"debt": d}
	}
	with := func(m map[string]any, k string, v any) map[string]any { m["debt"].(map[string]any)[k] = v; return m }
	withAll := func(m map[string]any, fields map[string]any) map[string]any {
		for k, v := range fields {
			with(m, k, v)
		}
		return m
	}
	income := func(ref, payer, kind string, net int64, period string) map[string]any {
		return map[string]any{"income": map[string]any{"reference": ref, "payer": payer, "kind": kind, "net_cents": net, "period": period}}
	}
	uwv := income("UWV-WW-2026-11", "UWV", "benefit", 145000, "month")
	uwv["income"].(map[string]any)["garnishment"] = map[string]any{"amount_cents": 20000, "protected_cents": 120000}
	expense := func(ref, payee, kind string, amount int64, period string) map[string]any {
		return map[string]any{"expense": map[string]any{"reference": ref, "payee": payee, "kind": kind, "amount_cents": amount,
			"period": period, "since": "2024-03-01"}}
	}
	salary := income("LOON-2026-11", "Supermarkt De Hoek", "salary", 62000, "four_weeks")
	salary["income"].(map[string]any)["ends"] = "+67d"
	return []demoOrg{
		{"woonstichting-de-haven", "Woonstichting De Haven", trust.KindCreditor, []map[string]any{
			withAll(debt("HUUR-2026-0412", "Woonstichting De Haven", "rent", 185000, 185000, 185000, 2, "collection"), map[string]any{
				"customer_number": "HUURDER-0412", "origin_date": "-75d", "days_in_arrears": 61,
				"principal_cents": 169000, "interest_cents": 0, "costs_cents": 16000,
				"crisis": map[string]any{"state": "eviction_announced", "date": "+24d"}}),
			expense("HUUR-CONTRACT-0412", "Woonstichting De Haven", "rent", 84500, "month")}},
		{"energie-samen", "Energie Samen", trust.KindCreditor, []map[string]any{
			// Two months behind, and the supplier announced a disconnection:
			// with the eviction above, the overview opens on two crises.
			withAll(debt("ES-778120", "Energie Samen", "energy", 42000, 42000, 27000, 2, "collection"), map[string]any{
				"customer_number": "778120", "days_in_arrears": 58,
				"crisis": map[string]any{"state": "disconnection_announced", "date": "+9d"}}),
			expense("ES-VOORSCHOT-778120", "Energie Samen", "energy", 13500, "month")}},
		{"waterbedrijf-zuid", "Waterbedrijf Zuid", trust.KindCreditor, []map[string]any{
			debt("WZ-55120", "Waterbedrijf Zuid", "water", 9500, 9500, 9500, 1, "open"),
			expense("WZ-VOORSCHOT-55120", "Waterbedrijf Zuid", "water", 5700, "quarter")}},
		{"nz-zorg", "NZ Zorgverzekeringen", trust.KindCreditor, []map[string]any{
			withAll(debt("NZ-2026-88123", "NZ Zorgverzekeringen", "health_insurance", 64000, 64000, 64000, 4, "garnishment"), map[string]any{
				"customer_number": "NZ-88123", "origin_date": "-130d", "days_in_arrears": 122}),
			expense("NZ-PREMIE-2026", "NZ Zorgverzekeringen", "health_insurance", 15450, "month")}},
		{"belastingdienst", "Belastingdienst", trust.KindCreditor, []map[string]any{
			with(debt("IB-2024-0000123", "Belastingdienst", "tax", 125000, 110000, 0, 0, "arrangement"),
				"arrangement", map[string]any{"monthly_cents": 5000, "ends": "2028-09-30"})}},
		{"cjib", "Centraal Justitieel Incassobureau", trust.KindCreditor, []map[string]any{
			withAll(debt("CJIB-8891-2231", "Centraal Justitieel Incassobureau", "fine", 45000, 52500, 52500, 3, "collection"), map[string]any{
				"due_date": "+6d", "origin_date": "-100d", "principal_cents": 45000, "interest_cents": 0, "costs_cents": 7500})}},
		{"duo", "Dienst Uitvoering Onderwijs", trust.KindCreditor, []map[string]any{
			debt("DUO-SF-0098123", "Dienst Uitvoering Onderwijs", "student_loan", 1450000, 1398000, 0, 0, "open")}},
		{"deurwaarder-van-dijk", "Gerechtsdeurwaarders Van Dijk", trust.KindCreditor, []map[string]any{
			// A bailiff reporting a creditor's claim: the pair original_creditor
			// and original_reference links it to Snel Krediet's own statement,
			// so the claim counts once, at the bailiff's (current) figure.
			withAll(debt("VD-2026-4471", "Gerechtsdeurwaarders Van Dijk", "consumer_credit", 180000, 238000, 238000, 6, "judgment"), map[string]any{
				"original_creditor": "Snel Krediet BV", "original_reference": "SK-2024-55102", "customer_number": "SK-KL-30917",
				"origin_date": "-400d", "days_in_arrears": 190, "principal_cents": 180000, "interest_cents": 21500, "costs_cents": 36500})}},
		{"snel-krediet", "Snel Krediet BV", trust.KindCreditor, []map[string]any{
			withAll(debt("SK-2024-55102", "Snel Krediet BV", "consumer_credit", 180000, 201500, 201500, 6, "bailiff"), map[string]any{
				"customer_number": "SK-KL-30917", "origin_date": "-400d", "days_in_arrears": 183})}},
		{"gemeente-rotterdam", "Gemeente Rotterdam", trust.KindCreditor, []map[string]any{
			with(debt("BBZ-2025-311", "Gemeente Rotterdam", "benefit_reclaim", 90000, 78000, 0, 0, "arrangement"),
				"arrangement", map[string]any{"monthly_cents": 2500, "ends": "2029-06-30"})}},
		{"belnet", "BelNet Mobiel", trust.KindCreditor, []map[string]any{
			debt("BN-0612-7781", "BelNet Mobiel", "telecom", 18500, 18500, 18500, 3, "collection")}},
		{"uwv", "UWV", trust.KindIncomePayer, []map[string]any{uwv}},
		{"supermarkt-de-hoek", "Supermarkt De Hoek", trust.KindIncomePayer, []map[string]any{salary}},
		{"toeslagen", "Dienst Toeslagen", trust.KindIncomePayer, []map[string]any{
			income("ZT-HT-2026-11", "Dienst Toeslagen", "allowance", 15400, "month")}},
	}
}

// World is a demo world: fourteen demo organisations whose reference
// servers run on 127.0.0.1 and sign statements about the demo residents,
// and a demo counsellor whose keys lie in DIR/demo/schuldhulp-demo. It
// makes `make run` and `regie host --demo` show what Regie does, and gives
// the browser tests the same world.
type World struct {
	servers []*org.Server
	byID    map[string]*org.Server
	orgs    []running
	helper  trust.Organisation
	now     time.Time
	// Imported is how many statements a fresh demo vault received.
	Imported int
}

// running is one demo organisation with its key and trust list entry.
type running struct {
	demoOrg
	key   jose.JSONWebKey
	entry trust.Organisation
}

// Stop ends the demo organisation servers, each waiting for its requests
// in flight until ctx ends, and reports the first failure.
func (d *World) Stop(ctx context.Context) error {
	var errs []error
	for _, s := range d.servers {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("demo organisation server: %w", err))
		}
	}
	return errors.Join(errs...)
}

// PortalCode is what a demo organisation's portal hands the demo resident
// after logging in: a one-time connection code, for connecting by hand in
// the pages.
func (d *World) PortalCode(orgID string) (string, bool) {
	srv, ok := d.byID[orgID]
	if !ok {
		return "", false
	}
	return srv.IssueCode(DemoBSN), true
}

// Trust is the demo world's trust list: every demo organisation (with its
// server's address) and the demo counsellor.
func (d *World) Trust() (*trust.List, error) {
	orgs := make([]trust.Organisation, 0, len(d.orgs)+1)
	for _, o := range d.orgs {
		orgs = append(orgs, o.entry)
	}
	return trust.NewList(append(orgs, d.helper))
}

// StartOrganisations runs every demo organisation's reference server on a
// free 127.0.0.1 port, with keys from an earlier run in DIR/demo or new
// ones, serving statements about every demo resident, and makes (or
// reuses) the demo counsellor's keys.
func StartOrganisations(ctx context.Context, dir string) (*World, error) {
	w := &World{byID: map[string]*org.Server{}, now: time.Now()}
	for _, o := range demoCatalogue() {
		odir := filepath.Join(dir, "demo", o.id)
		set, entry, err := demoKeys(odir, o.id, o.name, o.kind)
		if err != nil {
			return w, err
		}
		entry.MaySign = o.maySign()
		key, _ := trust.SigningKeyOf(set)
		var payloads [][]byte
		for _, r := range Residents() {
			if !r.hears(o.id) {
				continue
			}
			p, err := demoPayloads(o, r.BSN, w.now)
			if err != nil {
				return w, err
			}
			payloads = append(payloads, p...)
		}
		if err := writeDemoStatements(filepath.Join(odir, "statements"), payloads); err != nil {
			return w, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return w, err
		}
		entry.Endpoint = "http://" + ln.Addr().String()
		// A demo website under the reserved .example domain, so the pages
		// show how to reach an organisation without naming a real one.
		entry.Website = "https://www." + o.id + ".example"
		srv := org.New(o.id, key, filepath.Join(odir, "statements"), org.Options{})
		go srv.Serve(ln)
		w.servers = append(w.servers, srv)
		w.byID[o.id] = srv
		w.orgs = append(w.orgs, running{demoOrg: o, key: key, entry: entry})
	}
	_, helper, err := demoKeys(filepath.Join(dir, "demo", HelperID), HelperID, "Schuldhulp World (Kredietbank)", trust.KindHelper)
	if err != nil {
		return w, err
	}
	w.helper = helper
	return w, nil
}

// Start seeds a demo vault when there is none, then runs every demo
// organisation's reference server on a free 127.0.0.1 port and connects the
// wallet to each, so that refreshing sources works as with real ones.
func Start(ctx context.Context, v *wallet.Vault, dir, pass string) (*World, error) {
	exists, err := v.Exists()
	if err != nil {
		return nil, err
	}
	fresh := !exists
	if fresh {
		if err := v.Create(ctx, pass, wallet.Profile{BSN: DemoBSN, Name: DemoName}); err != nil {
			return nil, err
		}
	} else if err := v.Unlock(ctx, pass); err != nil {
		return nil, err
	}
	orgs, err := StartOrganisations(ctx, dir)
	if err != nil {
		return orgs, err
	}
	ts := trust.Store{Vault: v}
	var items []connectors.Item
	for _, o := range orgs.orgs {
		if err := ts.Add(ctx, o.entry); err != nil {
			return orgs, err
		}
		if fresh {
			signed, err := orgs.sign(o, DemoBSN)
			if err != nil {
				return orgs, err
			}
			for _, jws := range signed {
				items = append(items, connectors.Item{Name: o.id, JWS: jws})
			}
		}
		p := &connectors.Puller{Vault: v, Importer: &connectors.Importer{Vault: v}}
		if _, err := p.Connect(ctx, o.id, orgs.byID[o.id].IssueCode(DemoBSN)); err != nil {
			return orgs, fmt.Errorf("connect %s: %w", o.id, err)
		}
	}
	if err := ts.Add(ctx, orgs.helper); err != nil {
		return orgs, err
	}
	if err := orgs.WriteTrust(filepath.Join(dir, "demo", "trust-list.json")); err != nil {
		return orgs, err
	}
	if fresh {
		rep, err := (&connectors.Importer{Vault: v}).Import(ctx, wallet.ChannelFile, items, nil)
		if err != nil {
			return orgs, err
		}
		if rep.Refused > 0 {
			return orgs, fmt.Errorf("%d demo statements refused", rep.Refused)
		}
		orgs.Imported = rep.Added
		// What the demo resident declared: she lives alone.
		err = v.Update(ctx, func(tx *wallet.Tx) error {
			return tx.PutHousehold(wallet.Household{Situation: wallet.SituationSingle, ChildrenBirthYears: []int{}})
		})
		if err != nil {
			return orgs, err
		}
	}
	return orgs, nil
}

// sign signs what organisation o says about the resident with BSN bsn.
func (d *World) sign(o running, bsn wallet.BSN) ([]string, error) {
	payloads, err := demoPayloads(o.demoOrg, bsn, d.now)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(payloads))
	for i, p := range payloads {
		if out[i], err = trust.SignStatement(o.key, p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// demoKeys reuses a demo organisation's keys from an earlier run, or makes them.
func demoKeys(dir, id, name string, kind trust.Kind) (setOut jose.JSONWebKeySet, org trust.Organisation, err error) {
	keyPath := filepath.Join(dir, "key.jwk")
	if set, err := trust.ReadKeyFile(keyPath); err == nil {
		raw, err := os.ReadFile(filepath.Join(dir, "trust.json"))
		if err == nil {
			if o, err := trust.ParseOrganisation(raw); err == nil {
				return set, o, nil
			}
		}
	}
	set, o, err := trust.NewOrganisation(id, name, kind, "", time.Now().Year())
	if err != nil {
		return set, o, err
	}
	return set, o, trust.WriteKeyFiles(dir, set, o)
}

// demoPayloads dates the demo facts relative to today, so the demo never
// goes stale: "+Nd" in a date field means N days from now.
func demoPayloads(o demoOrg, bsn wallet.BSN, now time.Time) ([][]byte, error) {
	var out [][]byte
	for i, f := range o.facts {
		typ := "debt"
		for _, t := range []string{"income", "expense"} {
			if _, ok := f[t]; ok {
				typ = t
			}
		}
		obj := f[typ].(map[string]any)
		relative(obj, now, "ends", "due_date", "origin_date")
		if c, ok := obj["crisis"].(map[string]any); ok {
			relative(c, now, "date")
		}
		p := map[string]any{"iss": o.id, "sub": string(bsn), "jti": fmt.Sprintf("%s-demo-%d", o.id, i+1), "iat": now.Add(-time.Hour).Unix(),
			"type": typ, "as_of": now.AddDate(0, 0, -(3 + 2*i + len(o.id)%9)).Format(wallet.DateLayout), typ: obj}
		raw, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			return nil, err
		}
		out = append(out, raw)
	}
	return out, nil
}

// relative turns "+Nd" or "-Nd" in the named fields into the date N days
// from now or ago.
func relative(obj map[string]any, now time.Time, keys ...string) {
	for _, k := range keys {
		if s, ok := obj[k].(string); ok && len(s) > 1 && (s[0] == '+' || s[0] == '-') {
			var n int
			fmt.Sscanf(s, "%dd", &n)
			obj[k] = now.AddDate(0, 0, n).Format(wallet.DateLayout)
		}
	}
}

func writeDemoStatements(dir string, payloads [][]byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for i, p := range payloads {
		if err := trust.WriteFileAtomic(filepath.Join(dir, fmt.Sprintf("statement-%d.json", i+1)), p, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// WriteTrust writes the demo trust list, for a helper desk to believe.
func (d *World) WriteTrust(path string) error {
	tl, err := d.Trust()
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(tl, "", "  ")
	if err != nil {
		return err
	}
	return trust.WriteFileAtomic(path, raw, 0o644)
}
