package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"regie/wallet"
)

// Resident is a demo resident of `regie host --demo`: the login name and
// passphrase the host prints at start, and the demo organisations that
// hold facts about them.
type Resident struct {
	Login, Passphrase, Name string
	BSN                     wallet.BSN
	// Orgs are the ids of the demo organisations that know this resident;
	// nil means every one.
	Orgs []string
}

// hears reports whether organisation id holds facts about the resident.
func (r Resident) hears(id string) bool { return r.Orgs == nil || slices.Contains(r.Orgs, id) }

// Residents are the demo host's residents: Sanne (the demo resident of
// `make run`, known to every demo organisation) and two with fewer
// debts, so that trying the host shows vaults that differ.
func Residents() []Resident {
	return []Resident{
		{Login: "sanne", Passphrase: "sanne-demo-2026", Name: DemoName, BSN: DemoBSN},
		{Login: "jan", Passphrase: "jan-demo-2026", Name: "Jan Jansen", BSN: "234567892",
			Orgs: []string{"energie-samen", "belnet", "uwv", "toeslagen"}},
		{Login: "fatima", Passphrase: "fatima-demo-2026", Name: "Fatima el Amrani", BSN: "345678904",
			Orgs: []string{"woonstichting-de-haven", "cjib", "duo", "supermarkt-de-hoek"}},
	}
}

// Push has every demo organisation that knows resident r push what it
// says about them to the wallet at walletURL, as an organisation does:
// one signed bundle per organisation, POSTed to {wallet}/api/v1/inbox. It
// reports how many statements the wallet accepted; a refusal is an error.
func (d *World) Push(ctx context.Context, walletURL string, r Resident) (int, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	accepted := 0
	for _, o := range d.orgs {
		if !r.hears(o.id) {
			continue
		}
		signed, err := d.sign(o, r.BSN)
		if err != nil {
			return accepted, err
		}
		body, err := json.Marshal(map[string][]string{"statements": signed})
		if err != nil {
			return accepted, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, walletURL+"/api/v1/inbox", bytes.NewReader(body))
		if err != nil {
			return accepted, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return accepted, fmt.Errorf("%s pushing: %w", o.id, err)
		}
		var answer struct {
			Accepted int `json:"accepted"`
			Refused  int `json:"refused"`
		}
		err = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 || err != nil || answer.Refused > 0 {
			return accepted, fmt.Errorf("%s pushing: status %d, %d refused", o.id, resp.StatusCode, answer.Refused)
		}
		accepted += answer.Accepted
	}
	return accepted, nil
}
