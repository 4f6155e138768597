package testkit

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The one throwaway PostgreSQL cluster of a test binary: started by the
// first Postgres call, stopped by PostgresMain when the tests end. Test
// binaries are one process each, so this is the one place testkit keeps
// state across tests.
var cluster struct {
	once    sync.Once
	main    atomic.Bool // PostgresMain runs this binary's tests
	dbs     atomic.Int64
	c       *pgCluster
	err     error
	missing string
	mu      sync.Mutex
	kept    map[string]bool // PostgresKept's databases
}

// PostgresMain runs the tests of a package that uses Postgres and stops
// its cluster afterwards. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testkit.PostgresMain(m)) }
func PostgresMain(m *testing.M) int {
	cluster.main.Store(true)
	code := m.Run()
	if cluster.c != nil {
		if err := cluster.c.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "testkit: stopping PostgreSQL:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Postgres is the connection URL of a fresh, empty database on this test
// binary's throwaway cluster (initdb into a temporary folder, a Unix
// socket in it and no TCP port, fsync on), dropped when the test ends.
// Without PostgreSQL the test skips, except under CI (env CI set), where
// .ci/run installs it and a missing one fails.
func Postgres(t testing.TB) string {
	t.Helper()
	c := startedCluster(t)
	name := fmt.Sprintf("t%d_%s", cluster.dbs.Add(1), strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_")))
	if len(name) > 63 {
		name = name[:63]
	}
	if err := c.admin(fmt.Sprintf("CREATE DATABASE %s", pgx.Identifier{name}.Sanitize())); err != nil {
		t.Fatalf("creating a test database: %v", err)
	}
	t.Cleanup(func() {
		if err := c.admin(fmt.Sprintf("DROP DATABASE %s WITH (FORCE)", pgx.Identifier{name}.Sanitize())); err != nil {
			t.Errorf("dropping the test database: %v", err)
		}
	})
	return c.url(name)
}

// PostgresKept is the URL of the database name on the cluster, made by
// the first call and kept until the cluster stops: for benchmarks that
// build their world once per test binary and use it across runs.
func PostgresKept(t testing.TB, name string) string {
	t.Helper()
	c := startedCluster(t)
	cluster.mu.Lock()
	defer cluster.mu.Unlock()
	if !cluster.kept[name] {
		if err := c.admin(fmt.Sprintf("CREATE DATABASE %s", pgx.Identifier{"kept_" + name}.Sanitize())); err != nil {
			t.Fatalf("creating a database: %v", err)
		}
		cluster.kept[name] = true
	}
	return c.url("kept_" + name)
}

// startedCluster starts the cluster on first use, or skips or fails t
// without PostgreSQL.
func startedCluster(t testing.TB) *pgCluster {
	t.Helper()
	if !cluster.main.Load() {
		t.Fatal("testkit.Postgres needs the package's TestMain to call testkit.PostgresMain, which stops the cluster")
	}
	cluster.once.Do(func() {
		cluster.kept = map[string]bool{}
		bin, why := postgresBin()
		if bin == "" {
			cluster.missing = why
			return
		}
		cluster.c, cluster.err = startCluster(bin)
	})
	if cluster.missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is missing (%s); .ci/run installs it", cluster.missing)
		}
		t.Skipf("PostgreSQL is missing (%s): apt-get install postgresql", cluster.missing)
	}
	if cluster.err != nil {
		t.Fatalf("starting PostgreSQL: %v", cluster.err)
	}
	return cluster.c
}

// PostgresTool is the path of one of PostgreSQL's programs (pg_dump,
// psql) beside the cluster's server, for tests that run it.
func PostgresTool(t testing.TB, name string) string {
	t.Helper()
	bin, why := postgresBin()
	if bin == "" {
		t.Fatalf("PostgreSQL is missing (%s)", why)
	}
	p := filepath.Join(bin, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("PostgreSQL's %s is missing: %v", name, err)
	}
	return p
}

// postgresBin finds the folder with initdb and postgres: beside initdb on
// PATH, or Debian's /usr/lib/postgresql/<version>/bin (the newest).
func postgresBin() (dir, why string) {
	has := func(dir string) bool {
		for _, p := range []string{"initdb", "postgres", "pg_ctl"} {
			if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
				return false
			}
		}
		return true
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(real)) {
			return filepath.Dir(real), ""
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if has(d) {
			return d, ""
		}
	}
	return "", "no initdb on PATH nor in /usr/lib/postgresql/*/bin"
}

type pgCluster struct {
	dir  string // socket folder; data in dir/data
	cmd  *exec.Cmd
	done chan error
}

// pgUser is the account the server runs as: PostgreSQL refuses to run as
// root, so under root it runs as nobody, in a folder nobody owns.
func pgUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("running as root, and PostgreSQL refuses root: no user nobody to run it as: %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func startCluster(bin string) (*pgCluster, error) {
	cred, err := pgUser()
	if err != nil {
		return nil, err
	}
	// /tmp rather than $TMPDIR: a short path keeps the socket's name
	// within the 107 bytes Unix sockets allow, and every user (nobody
	// too) can reach into it.
	base := "/tmp"
	if _, err := os.Stat(base); err != nil {
		base = os.TempDir()
	}
	sweepClusters(base)
	dir, err := os.MkdirTemp(base, "regie-pg-")
	if err != nil {
		return nil, err
	}
	c := &pgCluster{dir: dir, done: make(chan error, 1)}
	fail := func(err error) (*pgCluster, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(err)
		}
	}
	as := func(cmd *exec.Cmd) *exec.Cmd {
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	// --no-sync only spares initdb's own final flush; the server below
	// runs with fsync on, as in production.
	out, err := as(exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")).CombinedOutput()
	if err != nil {
		return fail(fmt.Errorf("initdb: %w\n%s", err, out))
	}
	c.cmd = as(exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-c", "listen_addresses=", "-c", "unix_socket_directories="+dir, "-c", "fsync=on",
		"-c", "max_connections=300", "-c", "shared_buffers=64MB", "-c", "log_min_messages=warning"))
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return fail(err)
	}
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	// Should the test binary die without PostgresMain's stop (a panic, a
	// timeout), the kernel stops the server too: the death signal goes
	// with the thread that started it, which this goroutine keeps alive.
	started := make(chan error)
	go func() {
		runtime.LockOSThread()
		if c.cmd.SysProcAttr == nil {
			c.cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		c.cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
		if err := c.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.done <- c.cmd.Wait()
		logf.Close()
	}()
	if err := <-started; err != nil {
		return fail(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := c.admin("SELECT 1")
		if err == nil {
			return c, nil
		}
		select {
		case werr := <-c.done:
			log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			return fail(fmt.Errorf("postgres exited: %v\n%s", werr, log))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.cmd.Process.Kill()
			<-c.done
			return fail(fmt.Errorf("postgres did not answer within a minute: %w", err))
		}
	}
}

// sweepClusters removes the folders of clusters whose test binary died
// without stopping them (a panic, a timeout: the kernel stopped the server,
// the folder stayed): a running server keeps data/postmaster.pid, and one
// starting has had it for all but its first seconds.
func sweepClusters(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "regie-pg-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || time.Since(fi.ModTime()) < 10*time.Minute {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "data", "postmaster.pid")); errors.Is(err, os.ErrNotExist) {
			os.RemoveAll(d)
		}
	}
}

// url is the connection URL of database name.
func (c *pgCluster) url(name string) string {
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + name,
		RawQuery: url.Values{"host": {c.dir}}.Encode()}).String()
}

// admin runs one statement as the superuser on the postgres database.
func (c *pgCluster) admin(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// stop shuts the server down fast (aborting open sessions, as the test
// processes are ending) and removes its folder.
func (c *pgCluster) stop() error {
	c.cmd.Process.Signal(syscall.SIGINT)
	var err error
	select {
	case err = <-c.done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		err = errors.Join(errors.New("postgres did not stop within 30 s"), <-c.done)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 0 {
		err = nil
	}
	return errors.Join(err, os.RemoveAll(c.dir))
}
