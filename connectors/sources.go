package connectors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"regie/trust"
	"regie/wallet"
)

const bucketSources wallet.Bucket = "sources"

// Source is an organisation the wallet pulls statements from.
type Source struct {
	Org         string    `json:"org"`
	Connection  string    `json:"connection"`
	ConnectedAt time.Time `json:"connected_at"`
	LastRefresh time.Time `json:"last_refresh,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastCount   int       `json:"last_count"`
}

// Errors of connecting and pulling.
var (
	ErrInvalidCode  = errors.New("the organisation refused the enrolment code (wrong, used or expired)")
	ErrNoEndpoint   = errors.New("the organisation has no endpoint in the trust list")
	ErrNotConnected = errors.New("no connection with this organisation")
	ErrRefused      = errors.New("the organisation refused the request")
	ErrUnreachable  = errors.New("the organisation could not be reached")
)

// Puller connects the wallet to organisations and pulls their statements.
type Puller struct {
	Vault    *wallet.Vault
	Importer *Importer
	// Client does the HTTP; nil means a client with a 10 s timeout.
	Client *http.Client
	// Attempts per source per refresh (default 3), with Backoff doubling
	// between them (default 250 ms).
	Attempts int
	Backoff  time.Duration
	// Factotum signs the wallet's requests; nil means Vault, the one
	// holder of the wallet key.
	Factotum trust.Factotum
}

func (p *Puller) factotum() trust.Factotum {
	if p.Factotum != nil {
		return p.Factotum
	}
	return p.Vault
}

func (p *Puller) client() *http.Client {
	if p.Client != nil {
		return p.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// maxResponse bounds what an organisation may send in one answer.
const maxResponse = 16 << 20

// Connect enrols the wallet with an organisation using the one-time code
// the organisation's portal gave the resident.
func (p *Puller) Connect(ctx context.Context, orgID, code string) (Source, error) {
	tl, err := trust.Store{Vault: p.Vault}.Load(ctx)
	if err != nil {
		return Source{}, err
	}
	org, ok := tl.Organisation(orgID)
	if !ok {
		return Source{}, fmt.Errorf("%s: %w", orgID, trust.ErrUnknownIssuer)
	}
	if org.Endpoint == "" {
		return Source{}, fmt.Errorf("%s: %w", orgID, ErrNoEndpoint)
	}
	pub, err := p.factotum().PublicKey()
	if err != nil {
		return Source{}, err
	}
	body, _ := json.Marshal(map[string]any{"code": code, "wallet_key": trust.WalletJWK(pub)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, org.Endpoint+"/regie/v1/enrol", bytes.NewReader(body))
	if err != nil {
		return Source{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client().Do(req)
	if err != nil {
		return Source{}, fmt.Errorf("%s: %w", orgID, ErrUnreachable)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusUnauthorized {
		return Source{}, fmt.Errorf("%s: %w", orgID, ErrInvalidCode)
	}
	var out struct {
		Connection string `json:"connection"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &out) != nil || out.Connection == "" {
		return Source{}, fmt.Errorf("%s: %w (status %d)", orgID, ErrRefused, resp.StatusCode)
	}
	src := Source{Org: orgID, Connection: out.Connection, ConnectedAt: p.Vault.Now().UTC()}
	err = p.Vault.Update(ctx, func(tx *wallet.Tx) error {
		if err := tx.Put(bucketSources, tx.Key("source", orgID), src); err != nil {
			return err
		}
		return tx.AppendEvent(wallet.Event{Kind: wallet.EventSourceConnected, Actor: orgID})
	})
	return src, err
}

// Sources lists the connected organisations in id order.
func (p *Puller) Sources(ctx context.Context) ([]Source, error) {
	var out []Source
	err := p.Vault.View(ctx, func(tx *wallet.Tx) error {
		return tx.ForEach(bucketSources, func(_ []byte, open func(any) error) error {
			var s Source
			if err := open(&s); err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Org < out[j].Org })
	return out, err
}

// SourceResult is what one source delivered in a refresh.
type SourceResult struct {
	Org      string `json:"org"`
	Attempts int    `json:"attempts"`
	Report   Report `json:"report"`
	Err      error  `json:"-"`
}

// Refresh pulls every connected source at once. A source that fails is
// reported and does not stop the others or lose what they delivered. done,
// when not nil, is called as each source finishes.
func (p *Puller) Refresh(ctx context.Context, done func(SourceResult)) ([]SourceResult, error) {
	sources, err := p.Sources(ctx)
	if err != nil {
		return nil, err
	}
	tl, err := trust.Store{Vault: p.Vault}.Load(ctx)
	if err != nil {
		return nil, err
	}
	results := make([]SourceResult, len(sources))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := p.refreshOne(ctx, tl, src)
			results[i] = r
			p.record(ctx, src, r)
			if done != nil {
				mu.Lock()
				done(r)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return results, nil
}

func (p *Puller) record(ctx context.Context, src Source, r SourceResult) {
	src.LastRefresh = p.Vault.Now().UTC()
	src.LastCount = r.Report.Accepted()
	src.LastError = ""
	if r.Err != nil {
		src.LastError = r.Err.Error()
	}
	_ = p.Vault.Update(ctx, func(tx *wallet.Tx) error {
		return tx.Put(bucketSources, tx.Key("source", src.Org), src)
	})
}

func (p *Puller) refreshOne(ctx context.Context, tl *trust.List, src Source) SourceResult {
	res := SourceResult{Org: src.Org}
	org, ok := tl.Organisation(src.Org)
	if !ok {
		res.Err = fmt.Errorf("%s: %w", src.Org, trust.ErrUnknownIssuer)
		return res
	}
	if org.Endpoint == "" {
		res.Err = fmt.Errorf("%s: %w", src.Org, ErrNoEndpoint)
		return res
	}
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	backoff := p.Backoff
	if backoff <= 0 {
		backoff = 250 * time.Millisecond
	}
	var list []string
	var err error
	for res.Attempts < attempts {
		if res.Attempts > 0 {
			select {
			case <-time.After(backoff << (res.Attempts - 1)):
			case <-ctx.Done():
				res.Err = ctx.Err()
				return res
			}
		}
		res.Attempts++
		var retry bool
		list, retry, err = p.fetch(ctx, org, src)
		if err == nil || !retry {
			break
		}
	}
	if err != nil {
		res.Err = fmt.Errorf("%s: %w", src.Org, err)
		return res
	}
	items := make([]Item, len(list))
	for i, s := range list {
		items[i] = Item{Name: fmt.Sprintf("%s #%d", src.Org, i+1), JWS: s}
	}
	res.Report, res.Err = p.Importer.Import(ctx, wallet.ChannelPull, items, nil)
	return res
}

// fetch makes one pull; retry says whether a failure may pass on a second try.
func (p *Puller) fetch(ctx context.Context, org *trust.Organisation, src Source) (list []string, retry bool, err error) {
	url := strings.TrimSuffix(org.Endpoint, "/") + "/regie/v1/statements"
	token, err := trust.SignRequest(p.factotum(), src.Connection, org.ID, http.MethodGet, url, p.Vault.Now())
	if err != nil {
		return nil, false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Authorization", "Regie "+token)
	resp, err := p.client().Do(req)
	if err != nil {
		return nil, true, ErrUnreachable
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, true, ErrUnreachable
	}
	switch {
	case resp.StatusCode >= 500:
		return nil, true, fmt.Errorf("%w (status %d)", ErrUnreachable, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, false, fmt.Errorf("%w (status %d)", ErrRefused, resp.StatusCode)
	case len(raw) > maxResponse:
		return nil, false, fmt.Errorf("%w: answer too large", ErrRefused)
	}
	var body struct {
		Statements []string `json:"statements"`
	}
	if err := trust.DecodeStrict(raw, &body); err != nil || len(body.Statements) > MaxBundle {
		return nil, false, fmt.Errorf("%w: answer is not a statement list", ErrRefused)
	}
	return body.Statements, false, nil
}
