package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	bolt "go.etcd.io/bbolt"

	"regie/connectors"
	"regie/consent"
	"regie/internal/testkit"
	"regie/store"
	"regie/store/pgstore"
	"regie/trust"
	"regie/wallet"
)

// benchClients is how many clients drive the host at once.
const benchClients = 50

// benchActive is how many vaults the clients spread over: each signed
// up, with a debt and a consent to the helper, then locked.
const benchActive = 1000

// benchVaults is how many vaults the store holds (issue 12: 10,000 on
// disk); those beyond benchActive are copies of one template vault's store
// with their own index entries, which takes seconds where signing each up
// takes minutes. REGIE_BENCH_VAULTS changes it.
func benchVaults() int {
	if n, err := strconv.Atoi(os.Getenv("REGIE_BENCH_VAULTS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

type benchAccount struct {
	id, login, wallet, grantURL string
	secret                      string // a live session, once logged in
}

type benchHost struct {
	base string // the public URL, which every host answers to
	h    *Host  // the host the vaults were made on
	// addrs are the listeners of the hosts serving the same store: the
	// first is h's; a second is another host on the same database.
	addrs    []string
	cjib     org
	helpA    org
	accounts []benchAccount
	trust    *trust.List
	setup    time.Duration
	// stored is how many vaults the store holds; dir, the data folder
	// of a files backend, which the run removes at its end.
	stored int
	dir    string
}

var (
	benchOnce  sync.Once
	benchWorld *benchHost
	benchErr   error
)

// sharedBenchHost makes the vaults once per benchmark run: each with a
// test-only fast KDF, a debt and a consent to the helper, then locked.
func sharedBenchHost(b *testing.B) *benchHost {
	benchOnce.Do(func() {
		var dir string
		if dir, benchErr = os.MkdirTemp("", "regie-host-bench-"); benchErr == nil {
			if benchWorld, benchErr = makeBenchHost(benchVaults(), Config{Dir: dir}); benchErr == nil {
				benchWorld.dir = dir
			}
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchWorld
}

var (
	pgBenchOnce  sync.Once
	pgBenchWorld *benchHost
	pgBenchErr   error
)

// pgBenchMaxConns is each bench host's connection pool on PostgreSQL.
const pgBenchMaxConns = 16

// sharedPGBenchHost is the same world on PostgreSQL (one database of the
// test binary's cluster, fsync on), with two hosts on it, each with its
// own connection pool and listener, as two processes would have.
func sharedPGBenchHost(b *testing.B) *benchHost {
	url := testkit.PostgresKept(b, "hostbench")
	pgBenchOnce.Do(func() {
		open := func() (Backend, error) {
			db, err := pgstore.Open(context.Background(), url, pgstore.Options{MaxConns: pgBenchMaxConns})
			if err != nil {
				return nil, err
			}
			return Database(db), db.Migrate(context.Background())
		}
		var one, two Backend
		if one, pgBenchErr = open(); pgBenchErr != nil {
			return
		}
		if pgBenchWorld, pgBenchErr = makeBenchHost(benchVaults(), Config{Backend: one}); pgBenchErr != nil {
			return
		}
		if two, pgBenchErr = open(); pgBenchErr != nil {
			return
		}
		pgBenchErr = pgBenchWorld.addHost(Config{Backend: two})
	})
	if pgBenchErr != nil {
		b.Fatal(pgBenchErr)
	}
	return pgBenchWorld
}

// serve starts a host on the store of cfg, answering to bw.base, and
// adds its listener.
func (bw *benchHost) serve(ln net.Listener, cfg Config) (*Host, error) {
	cfg.PublicURL, cfg.Trust, cfg.KDF = bw.base, bw.trust, fastKDF
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	h, err := Open(cfg)
	if err != nil {
		return nil, err
	}
	// 50 clients on 127.0.0.1 are one client address: per-client limits
	// off; the per-vault budgets stay in the path, too large to refuse.
	srv := NewServer(h, ServerOptions{Limits: Limits{LoginPerMinute: -1, PushPerMinute: -1, RedeemPerMinute: -1,
		PushPerVault: 1 << 20, RedeemPerVault: 1 << 20, LoginPaceFree: 1 << 20}})
	go srv.Serve(ln)
	bw.addrs = append(bw.addrs, ln.Addr().String())
	return h, nil
}

// addHost starts another host on the same store (a second process).
func (bw *benchHost) addHost(cfg Config) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	_, err = bw.serve(ln, cfg)
	return err
}

// route sends request i to one of the first hosts listeners in turn;
// the Host header stays the public URL's, as behind a load balancer.
func (bw *benchHost) route(req *http.Request, i, hosts int) *http.Request {
	req.Host = req.URL.Host
	req.URL.Host = bw.addrs[i%hosts]
	return req
}

func makeBenchHost(n int, cfg Config) (*benchHost, error) {
	ctx := context.Background()
	start := time.Now()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	bw := &benchHost{base: "http://" + ln.Addr().String()}
	mk := func(id string, kind trust.Kind) org {
		set, o, _ := trust.NewOrganisation(id, "Organisatie "+id, kind, "", 2026)
		k, _ := trust.SigningKeyOf(set)
		return org{org: o, key: k}
	}
	bw.cjib, bw.helpA = mk("cjib", trust.KindCreditor), mk("schuldhulp-a", trust.KindHelper)
	bw.trust, _ = trust.NewList([]trust.Organisation{bw.cjib.org, bw.helpA.org})
	if bw.h, err = bw.serve(ln, cfg); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	err = inParallel(min(n, benchActive), 4, func(i int) error {
		login := fmt.Sprintf("bewoner%05d", i)
		var id, secret string
		var err error
		for {
			// Four at once on two cores may find every derivation slot
			// taken: a real client waits and tries again.
			if id, secret, err = bw.h.Signup(ctx, login, "123456782", "Bewoner", "een lange zin als wachtwoord"); !errors.Is(err, ErrBusy) {
				break
			}
		}
		if err != nil {
			return err
		}
		if _, err := bw.h.Push(ctx, id, []connectors.Item{{JWS: signDebt(bw.cjib, fmt.Sprint("d", i), 52500)}}); err != nil {
			return err
		}
		ses, err := bw.h.Resume(ctx, secret)
		if err != nil {
			return err
		}
		g, err := ses.Consent.Grant(ctx, consent.Request{Audience: "schuldhulp-a", Purpose: consent.PurposeIntake, Scope: consent.Scope{"debts"}})
		if err == nil {
			var url string
			url, err = ses.Consent.URL(g)
			mu.Lock()
			bw.accounts = append(bw.accounts, benchAccount{id: id, login: login, wallet: bw.h.WalletURL(id), grantURL: url})
			mu.Unlock()
		}
		ses.Release()
		if err != nil {
			return err
		}
		return bw.h.Logout(ctx, secret)
	})
	if err != nil {
		return nil, err
	}
	if err := bw.fill(ctx, n-len(bw.accounts)); err != nil {
		return nil, err
	}
	bw.stored = len(bw.accounts) + max(0, n-len(bw.accounts))
	bw.setup = time.Since(start)
	return bw, nil
}

// fill adds n vaults that nobody uses: copies of the first account's
// vault store (store.Copy, so on any backend), each with its own id, login
// name and index entries (the vault's public key in its box), as a sign-up
// leaves them.
func (bw *benchHost) fill(ctx context.Context, n int) error {
	if n <= 0 {
		return nil
	}
	tmplID := bw.accounts[0].id
	bw.h.forget(tmplID) // closed, so that its store can be opened here
	tmpl, err := bw.h.backend.OpenVault(ctx, tmplID)
	if err != nil {
		return err
	}
	defer tmpl.Close()
	var pub []byte
	err = bw.h.ix.box(tmplID).View(ctx, func(tx *wallet.BoxTx) error {
		var err error
		pub, err = tx.PublicKey()
		return err
	})
	if err != nil {
		return err
	}
	// Many at once: the index's writes share commits through its batches.
	return inParallel(n, 16, func(i int) error {
		id := trust.RandomID(16)
		db, err := bw.h.backend.CreateVault(ctx, id)
		if err != nil {
			return err
		}
		err = store.Copy(ctx, db, tmpl)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if err := bw.h.ix.box(id).Update(ctx, func(tx *wallet.BoxTx) error { return tx.SetPublicKey(pub) }); err != nil {
			return err
		}
		return bw.h.ix.addVault(ctx, fmt.Sprintf("leeg%05d", i), id, pub, time.Now())
	})
}

// inParallel runs fn(0) … fn(n-1) on workers goroutines and returns the
// first error; after one, the rest are not started.
func inParallel(n, workers int, fn func(i int) error) error {
	work := make(chan int)
	var once sync.Once
	var first error
	failed := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := fn(i); err != nil {
					once.Do(func() { first = err; close(failed) })
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case work <- i:
		case <-failed:
			break feed
		}
	}
	close(work)
	wg.Wait()
	return first
}

func signDebt(o org, jti string, cents int64) string {
	raw, _ := json.Marshal(map[string]any{"iss": o.org.ID, "sub": "123456782", "jti": jti, "iat": time.Now().Unix() - 60, "type": "debt",
		"as_of": "2026-11-20", "debt": map[string]any{"reference": "R-" + jti, "creditor": "CJIB", "category": "fine",
			"original_cents": cents, "outstanding_cents": cents, "status": "collection"}})
	s, _ := trust.SignStatement(o.key, raw)
	return s
}

func do(c *http.Client, req *http.Request, want int) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	return nil
}

// benchBackends are the stores the redemption and push benchmarks run
// on, in one run: the data folder (bbolt), one host on PostgreSQL, and two
// hosts on the same PostgreSQL database taking the requests in turn.
var benchBackends = []struct {
	name  string
	world func(*testing.B) *benchHost
	hosts int
}{
	{"bbolt", sharedBenchHost, 1},
	{"postgres-1-host", sharedPGBenchHost, 1},
	{"postgres-2-hosts", sharedPGBenchHost, 2},
}

// BenchmarkHostRedeemLocked: helpers redeem consents of locked vaults,
// spread over every vault; each request carries a fresh proof.
func BenchmarkHostRedeemLocked(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			bw := be.world(b)
			testkit.RunLoad(b, benchClients, func(c *http.Client, i int) error {
				acc := bw.accounts[rand.IntN(len(bw.accounts))]
				url := strings.SplitN(acc.grantURL, "#", 2)[0]
				proof, err := consent.SignProof(bw.helpA.key, "schuldhulp-a", consent.PurposeIntake, "GET", url, time.Now())
				if err != nil {
					return err
				}
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Regie-Proof", proof)
				return do(c, bw.route(req, i, be.hosts), 200)
			})
			// After RunLoad: its ResetTimer drops metrics reported before.
			b.ReportMetric(float64(len(bw.accounts)), "vaults")
			b.ReportMetric(float64(bw.stored), "vaults-stored")
		})
	}
}

// BenchmarkHostPushLocked: an organisation pushes one signed statement to
// a locked vault, spread over every vault; the statements are signed
// before the clock starts.
func BenchmarkHostPushLocked(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			bw := be.world(b)
			jws := make([]string, b.N)
			for i := range jws {
				jws[i] = signDebt(bw.cjib, fmt.Sprintf("p%d-%d", time.Now().UnixNano(), i), int64(100+i))
			}
			testkit.RunLoad(b, benchClients, func(c *http.Client, i int) error {
				acc := bw.accounts[rand.IntN(len(bw.accounts))]
				req, _ := http.NewRequest("POST", acc.wallet+"/api/v1/inbox", strings.NewReader(jws[i]))
				req.Header.Set("Content-Type", "application/jose")
				return do(c, bw.route(req, i, be.hosts), 202)
			})
		})
	}
}

// BenchmarkHostLogin: residents log in (fast test KDF: this measures the
// host's work around the key derivation, not argon2id).
func BenchmarkHostLogin(b *testing.B) {
	bw := sharedBenchHost(b)
	testkit.RunLoad(b, benchClients, func(c *http.Client, i int) error {
		acc := bw.accounts[i%len(bw.accounts)]
		body, _ := json.Marshal(map[string]string{"login": acc.login, "passphrase": "een lange zin als wachtwoord"})
		for {
			req, _ := http.NewRequest("POST", bw.base+"/api/v1/session", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			// Beyond one key derivation per core the host answers 503 and
			// Retry-After; a client tries again, and the wait counts.
			if err := do(c, req, 200); err == nil || !strings.Contains(err.Error(), "status 503") {
				return err
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// BenchmarkHostOverview: residents with a live session read their
// overview, over as many sessions as there are vaults.
func BenchmarkHostOverview(b *testing.B) {
	bw := sharedBenchHost(b)
	ctx := context.Background()
	secrets := make([]string, len(bw.accounts))
	for i, acc := range bw.accounts {
		_, s, _, err := bw.h.Login(ctx, acc.login, "een lange zin als wachtwoord")
		if err != nil {
			b.Fatal(err)
		}
		secrets[i] = s
	}
	testkit.RunLoad(b, benchClients, func(c *http.Client, i int) error {
		req, _ := http.NewRequest("GET", bw.base+"/api/v1/overview", nil)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: secrets[rand.IntN(len(secrets))]})
		return do(c, req, 200)
	})
	b.StopTimer()
	for _, s := range secrets {
		bw.h.Logout(ctx, s)
	}
}

// BenchmarkBaselineVerifyAndWrite is the floor the host is measured
// against: a bare fiber handler that verifies one statement's signature
// against a trust list and makes one fsync'd bbolt write.
func BenchmarkBaselineVerifyAndWrite(b *testing.B) {
	cjib := newBenchOrg()
	tl, _ := trust.NewList([]trust.Organisation{cjib.org})
	v := &trust.Verifier{Trust: tl, AnySubject: true}
	db, err := bolt.Open(filepath.Join(b.TempDir(), "base.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/", func(c *fiber.Ctx) error {
		st, err := v.Verify(string(c.Body()))
		if err != nil {
			return c.SendStatus(400)
		}
		err = db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("x"))
			if err != nil {
				return err
			}
			return bk.Put([]byte(st.ID), c.Body())
		})
		if err != nil {
			return err
		}
		return c.SendStatus(202)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go app.Listener(ln)
	defer app.ShutdownWithTimeout(5 * time.Second)
	url := "http://" + ln.Addr().String() + "/"
	jws := make([]string, b.N)
	for i := range jws {
		jws[i] = signDebt(cjib, fmt.Sprintf("b%d", i), 100)
	}
	testkit.RunLoad(b, benchClients, func(c *http.Client, i int) error {
		req, _ := http.NewRequest("POST", url, strings.NewReader(jws[i]))
		return do(c, req, 202)
	})
}

func newBenchOrg() org {
	set, o, _ := trust.NewOrganisation("cjib", "CJIB", trust.KindCreditor, "", 2026)
	k, _ := trust.SigningKeyOf(set)
	return org{org: o, key: k}
}

// BenchmarkHostRSS100Sessions reports the process's resident memory with
// 100 sessions unlocked (the vault files open, their keys in memory).
func BenchmarkHostRSS100Sessions(b *testing.B) {
	bw := sharedBenchHost(b)
	ctx := context.Background()
	n := min(100, len(bw.accounts))
	var secrets []string
	for i := 0; i < n; i++ {
		_, s, _, err := bw.h.Login(ctx, bw.accounts[i].login, "een lange zin als wachtwoord")
		if err != nil {
			b.Fatal(err)
		}
		ses, err := bw.h.Resume(ctx, s)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ses.Vault.Overview(ctx); err != nil {
			b.Fatal(err)
		}
		ses.Release()
		secrets = append(secrets, s)
	}
	b.ReportMetric(rssMB(), "rss-MB")
	b.ReportMetric(bw.setup.Seconds(), "setup-s")
	b.ReportMetric(float64(bw.stored), "vaults-stored")
	for _, s := range secrets {
		bw.h.Logout(ctx, s)
	}
}

func rssMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

// removeBenchWorld removes the benchmarks' data folder (10,000 vault
// files, about 1.3 GB) once every benchmark of the run is done; TestMain
// calls it.
func removeBenchWorld() {
	if benchWorld != nil && benchWorld.dir != "" {
		benchWorld.h.Close()
		os.RemoveAll(benchWorld.dir)
	}
}
