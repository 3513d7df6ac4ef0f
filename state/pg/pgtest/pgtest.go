// Package pgtest starts a throw-away PostgreSQL server for tests: a fresh
// data directory, 127.0.0.1 on a free port, fsync off, stopped and removed
// by t.Cleanup. It uses the initdb and pg_ctl found on PATH or in the
// Debian layout (/usr/lib/postgresql/*/bin). When they are missing the test
// is skipped with the install command, unless INDIGO_TEST_REQUIRE=1, when it
// fails.
//
// It is for tests only.
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// InstallHint is how to get PostgreSQL on the project's machines.
const InstallHint = "apt-get install -y postgresql"

// findBin looks for a PostgreSQL program on PATH, then in the newest
// /usr/lib/postgresql/VERSION/bin.
func findBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// Start starts a server and returns a connection string for its
// "postgres" database, as the superuser "postgres".
func Start(t testing.TB) string {
	t.Helper()
	initdb, err1 := findBin("initdb")
	pgctl, err2 := findBin("pg_ctl")
	if err1 != nil || err2 != nil {
		msg := fmt.Sprintf("PostgreSQL is not installed (initdb, pg_ctl); install it with: %s", InstallHint)
		if os.Getenv("INDIGO_TEST_REQUIRE") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir, err := os.MkdirTemp("", "indigo-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// initdb refuses to run as root: run the server as the postgres user,
	// which must own the directory.
	var runAs *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		if runAs != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: runAs}
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s %v: %v\n%s", filepath.Base(name), args, err, out.Bytes())
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run(initdb, "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories=%s -c fsync=off -c full_page_writes=off", port, dir)
	if err := run(pgctl, "-w", "-t", "60", "-D", data, "-l", filepath.Join(dir, "server.log"), "-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		t.Fatalf("%v\nserver log:\n%s", err, log)
	}
	t.Cleanup(func() { _ = run(pgctl, "-D", data, "-m", "immediate", "-w", "stop") })
	conn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c, err := pgx.Connect(ctx, conn)
		if err == nil {
			c.Close(ctx)
			return conn
		}
		if ctx.Err() != nil {
			t.Fatalf("PostgreSQL did not accept connections: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
