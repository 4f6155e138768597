package connectors

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"regie/trust"
	"regie/wallet"
)

// Outcomes of one statement in an import.
const (
	OutcomeAdded     = "added"
	OutcomeHistory   = "history"
	OutcomeDuplicate = "duplicate"
	OutcomeRefused   = "refused"
)

// ItemResult says what happened to one statement of an import.
type ItemResult struct {
	Index   int    `json:"index"`
	Name    string `json:"name,omitempty"` // file name, when it came from a file
	Issuer  string `json:"issuer,omitempty"`
	ID      string `json:"jti,omitempty"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// Report sums up an import.
type Report struct {
	Added      int `json:"added"`
	History    int `json:"history"`
	Duplicates int `json:"duplicates"`
	Refused    int `json:"refused"`
	// Queued counts pushes to a locked vault that wait for its next unlock.
	Queued int          `json:"queued,omitempty"`
	Items  []ItemResult `json:"items"`
}

// Accepted counts statements that are now in the vault (new or as history).
func (r Report) Accepted() int { return r.Added + r.History }

// Item is one statement to import, with the name of where it came from.
type Item struct {
	Name string
	JWS  string
}

// Importer verifies statements against the trust list in the vault and
// stores the ones that pass, together with access-log entries, in one
// transaction per chunk: a crash leaves whole chunks or nothing.
type Importer struct {
	Vault *wallet.Vault
	// Workers verify in parallel; zero means one per CPU.
	Workers int
	// ChunkSize is how many statements go in one write transaction; zero means 1000.
	ChunkSize int
	// Imported, when set, is called after an import that stored anything,
	// so that what depends on the vault's statements (the grants' sealed
	// dossiers) is brought up to date.
	Imported func(ctx context.Context)
}

// Import verifies and stores items. via says which way they came (file,
// push, pull) for the access log. progress, when not nil, is called as
// statements are stored.
func (im *Importer) Import(ctx context.Context, via wallet.Channel, items []Item, progress func(done, total int)) (Report, error) {
	rep := Report{Items: make([]ItemResult, len(items))}
	profile, err := im.Vault.Profile()
	if err != nil {
		return rep, err
	}
	tl, err := trust.Store{Vault: im.Vault}.Load(ctx)
	if err != nil {
		return rep, err
	}
	v := &trust.Verifier{Trust: tl, Subject: profile.BSN, Now: im.Vault.Now}
	verified := make([]wallet.Statement, len(items))
	errs := make([]error, len(items))
	for i := range items {
		rep.Items[i] = ItemResult{Index: i, Name: items[i].Name}
	}
	chunk := im.ChunkSize
	if chunk <= 0 {
		chunk = 1000
	}

	// Verification and storage overlap: while one chunk is written (and
	// fsynced), the next is verified.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan [2]int, 1)
	stored := make(chan error, 1)
	go func() {
		var err error
		for c := range chunks {
			if err != nil {
				continue // drain after a failure
			}
			if err = im.store(ctx, via, verified[c[0]:c[1]], errs[c[0]:c[1]], rep.Items[c[0]:c[1]]); err != nil {
				cancel()
				continue
			}
			if progress != nil {
				progress(c[1], len(items))
			}
		}
		stored <- err
	}()
	for start := 0; start < len(items) && ctx.Err() == nil; start += chunk {
		end := min(start+chunk, len(items))
		im.verifyAll(ctx, v, items[start:end], verified[start:end], errs[start:end])
		chunks <- [2]int{start, end}
	}
	close(chunks)
	if err := <-stored; err != nil {
		return rep, fmt.Errorf("store statements: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	for i := range items {
		if errs[i] != nil {
			rep.Items[i].Outcome = OutcomeRefused
			rep.Items[i].Reason = trust.ReasonCode(errs[i])
			rep.Items[i].Message = errs[i].Error()
			rep.Refused++
		}
	}
	for _, it := range rep.Items {
		switch it.Outcome {
		case OutcomeAdded:
			rep.Added++
		case OutcomeHistory:
			rep.History++
		case OutcomeDuplicate:
			rep.Duplicates++
		}
	}
	if im.Imported != nil && rep.Accepted() > 0 {
		im.Imported(ctx)
	}
	return rep, nil
}

func (im *Importer) verifyAll(ctx context.Context, v *trust.Verifier, items []Item, out []wallet.Statement, errs []error) {
	workers := im.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(items))
	var wg sync.WaitGroup
	var next int
	var mu sync.Mutex
	const batch = 64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				start := next
				next += batch
				mu.Unlock()
				if start >= len(items) {
					return
				}
				for i := start; i < min(start+batch, len(items)); i++ {
					out[i], errs[i] = v.Verify(items[i].JWS)
				}
			}
		}()
	}
	wg.Wait()
}

// store writes one chunk and its log entries in a single transaction. If
// nothing in the chunk passed verification it writes nothing at all.
func (im *Importer) store(ctx context.Context, via wallet.Channel, sts []wallet.Statement, errs []error, results []ItemResult) error {
	valid := false
	for _, err := range errs {
		if err == nil {
			valid = true
			break
		}
	}
	if !valid {
		return nil
	}
	outcomes := make([]string, len(sts))
	err := im.Vault.Update(ctx, func(tx *wallet.Tx) error {
		type entry struct {
			issuer string
			topic  wallet.Topic
		}
		counts := map[entry]int{}
		for i := range sts {
			if errs[i] != nil {
				continue
			}
			out, err := tx.PutStatement(sts[i])
			if err != nil {
				return err
			}
			switch out {
			case wallet.Added:
				outcomes[i] = OutcomeAdded
			case wallet.AddedAsHistory:
				outcomes[i] = OutcomeHistory
			default:
				outcomes[i] = OutcomeDuplicate
				continue
			}
			counts[entry{sts[i].Issuer, wallet.TopicOf(&sts[i])}]++
		}
		keys := make([]entry, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].issuer != keys[j].issuer {
				return keys[i].issuer < keys[j].issuer
			}
			return keys[i].topic < keys[j].topic
		})
		for _, k := range keys {
			err := tx.AppendEvent(wallet.Event{Kind: wallet.EventStatementImported, Actor: k.issuer,
				Topics: []wallet.Topic{k.topic}, Count: counts[k], Via: via})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range sts {
		if errs[i] != nil {
			continue
		}
		results[i].Outcome = outcomes[i]
		results[i].Issuer = sts[i].Issuer
		results[i].ID = sts[i].ID
	}
	return nil
}

// MaxBundle is the most statements one bundle may hold.
const MaxBundle = 50_000

// ErrBundle marks a bundle that cannot be read.
var ErrBundle = errors.New("not a statement or statement bundle")

// ParseBundle reads either one compact JWS or {"statements": [...]}.
func ParseBundle(raw []byte) ([]string, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrBundle)
	}
	if s[0] != '{' {
		if strings.ContainsAny(s, " \n\t{") {
			return nil, fmt.Errorf("%w: expected one compact JWS", ErrBundle)
		}
		return []string{s}, nil
	}
	var b struct {
		Statements []string `json:"statements"`
	}
	if err := trust.DecodeStrict([]byte(s), &b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	if b.Statements == nil {
		return nil, fmt.Errorf("%w: no statements field", ErrBundle)
	}
	if len(b.Statements) > MaxBundle {
		return nil, fmt.Errorf("%w: more than %d statements", ErrBundle, MaxBundle)
	}
	return b.Statements, nil
}

// FileItems turns one file (a compact JWS or a bundle) into items named after
// it: "name" for a single statement, "name #n" inside a bundle.
func FileItems(name string, raw []byte) ([]Item, error) {
	list, err := ParseBundle(raw)
	if err != nil {
		return nil, err
	}
	items := make([]Item, len(list))
	for i, jws := range list {
		n := name
		if len(list) > 1 {
			n = fmt.Sprintf("%s #%d", name, i+1)
		}
		items[i] = Item{Name: n, JWS: jws}
	}
	return items, nil
}

// AddUnreadable records a file that held no statements at all.
func (r *Report) AddUnreadable(name, reason string, err error) {
	r.Items = append(r.Items, ItemResult{Name: name, Outcome: OutcomeRefused, Reason: reason, Message: err.Error()})
	r.Refused++
}
