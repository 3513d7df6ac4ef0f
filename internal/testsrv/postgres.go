package testsrv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresInstall is how to get PostgreSQL on the project's machines.
const PostgresInstall = "apt-get install -y postgresql"

// pgDirPrefix names the server's directory under os.TempDir(); a run
// removes the directories that dead test binaries left.
const pgDirPrefix = "indigo-testsrv-pg-"

// pgServer is the package's PostgreSQL server: started by the first call
// to Postgres, stopped by Main or killed when the test binary exits.
var pgServer struct {
	sync.Mutex
	srv     *postgres
	missing string // why PostgreSQL cannot be had here, with the install command
	err     error  // why starting it failed
	dbs     int    // databases handed out so far
	untrack func() // takes stopPostgres off Main's list
}

type postgres struct {
	port   int
	dir    string
	proc   *exec.Cmd
	exited chan struct{}
	// command and server start it again (RestartPostgres).
	command func(string, ...string) *exec.Cmd
	server  string
}

// Postgres returns a connection string to a fresh, empty database on a
// PostgreSQL server started once per test binary (package) on first use
// and stopped by Main (or at process exit). Each call creates a new
// database so tests stay independent; it is dropped when the test ends.
//
// The connection is as the superuser "postgres" over TCP on 127.0.0.1,
// without a password or TLS. When PostgreSQL is not installed, the test is
// skipped with the install command (see Missing).
func Postgres(t testing.TB) string {
	t.Helper()
	pgServer.Lock()
	if pgServer.srv == nil && pgServer.missing == "" && pgServer.err == nil {
		pgServer.srv, pgServer.missing, pgServer.err = startPostgres()
		if pgServer.srv != nil {
			pgServer.untrack = track(stopPostgres)
		}
	}
	srv, missing, err := pgServer.srv, pgServer.missing, pgServer.err
	pgServer.dbs++
	n := pgServer.dbs
	pgServer.Unlock()
	if missing != "" {
		Missing(t, missing)
		return ""
	}
	if err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}

	name := dbName(n, t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("creating a test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE: a test that left a connection open must not keep its
		// database alive.
		if err := srv.exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("dropping test database %s: %v", name, err)
		}
	})
	return srv.connString(name)
}

var unsafeDBChars = regexp.MustCompile(`[^a-z0-9]+`)

// dbName is a database name that says which test it belongs to, unique in
// the process, and no longer than PostgreSQL's 63 bytes.
func dbName(n int, test string) string {
	s := unsafeDBChars.ReplaceAllString(strings.ToLower(test), "_")
	name := fmt.Sprintf("t%d_%s", n, strings.Trim(s, "_"))
	if len(name) > 63 {
		name = name[:63]
	}
	return strings.TrimRight(name, "_")
}

func (p *postgres) connString(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, db)
}

func (p *postgres) exec(ctx context.Context, sql string) error {
	c, err := pgx.Connect(ctx, p.connString("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, sql)
	return err
}

// stopPostgres stops the package's server and removes its files; Postgres
// would start a new one.
func stopPostgres() {
	pgServer.Lock()
	defer pgServer.Unlock()
	if pgServer.srv == nil {
		return
	}
	pgServer.srv.stop()
	pgServer.srv = nil
	pgServer.untrack()
}

func (p *postgres) stop() {
	// SIGQUIT is PostgreSQL's immediate shutdown: nothing here needs to
	// survive.
	_ = p.proc.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = p.proc.Process.Kill()
		<-p.exited
	}
	_ = os.RemoveAll(p.dir)
}

// findPGBin looks for a PostgreSQL program on PATH, then in the newest
// /usr/lib/postgresql/VERSION/bin (Debian's layout).
func findPGBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

func pgVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// startPostgres initialises a cluster in a new temporary directory and
// runs the server in the foreground as a child of this process, so that it
// dies with it. It returns the server, or why PostgreSQL is missing, or
// why it failed.
func startPostgres() (*postgres, string, error) {
	initdb, err1 := findPGBin("initdb")
	server, err2 := findPGBin("postgres")
	if err1 != nil || err2 != nil {
		return nil, "PostgreSQL is not installed (initdb, postgres); install it with: " + PostgresInstall, nil
	}
	removeStaleDirs(pgDirPrefix)
	dir, err := os.MkdirTemp("", pgDirPrefix)
	if err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, "", err
	}
	// initdb refuses to run as root: then the cluster belongs to the
	// postgres user, which must own the directory. A credential on the
	// process (rather than runuser) keeps the server our direct child,
	// so the kernel kills it when this process dies.
	var runAs *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, "running as root, PostgreSQL needs the postgres user, which is missing; install PostgreSQL with: " + PostgresInstall, nil
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, "", err
		}
	}
	command := pgCommand(dir, runAs)
	data := filepath.Join(dir, "data")
	var out bytes.Buffer
	cmd := command(initdb, "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return nil, "", fmt.Errorf("initdb: %v\n%s", err, out.Bytes())
	}
	logPath := filepath.Join(dir, "server.log")
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, "", err
		}
		p, err := runPostgres(command, server, dir, data, logPath, port)
		if err == nil {
			return p, "", nil
		}
		if attempt < 3 && errors.Is(err, errPortTaken) {
			continue
		}
		os.RemoveAll(dir)
		return nil, "", err
	}
}

func runPostgres(command func(string, ...string) *exec.Cmd, server, dir, data, logPath string, port int) (*postgres, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	logStart, _ := logf.Seek(0, 2)
	cmd := command(server, "-D", data,
		"-c", "listen_addresses=127.0.0.1",
		"-p", strconv.Itoa(port),
		"-c", "unix_socket_directories="+dir,
		"-c", "fsync=off",
		"-c", "full_page_writes=off",
		"-c", "synchronous_commit=off",
		// One server serves every test of the package.
		"-c", "max_connections=200",
		"-c", "shared_buffers=32MB",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &postgres{port: port, dir: dir, proc: cmd, exited: make(chan struct{}), command: command, server: server}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := pgx.Connect(ctx, p.connString("postgres"))
		cancel()
		if err == nil {
			c.Close(context.Background())
			return p, nil
		}
		select {
		case <-p.exited:
			tail := logTail(logPath, logStart)
			if strings.Contains(tail, "already in use") {
				return nil, fmt.Errorf("port %d: %w", port, errPortTaken)
			}
			return nil, fmt.Errorf("postgres exited before accepting connections (%s); the end of its log:\n%s", cmd.ProcessState, tail)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("postgres did not accept connections on port %d: %v; the end of its log:\n%s", port, err, logTail(logPath, logStart))
		}
	}
}

// pgCommand returns how to run a PostgreSQL program in dir as runAs (nil:
// as this process), dying with this process.
func pgCommand(dir string, runAs *syscall.Credential) func(string, ...string) *exec.Cmd {
	return func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: runAs, Pdeathsig: syscall.SIGKILL}
		return cmd
	}
}
