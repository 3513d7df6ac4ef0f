package testsrv

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func connect(t *testing.T, conn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// TestPostgres: each call is a new, empty database on one server, and the
// database is gone when its test ends.
func TestPostgres(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("first", func(t *testing.T) {
		first = Postgres(t)
		c := connect(t, first)
		if _, err := c.Exec(ctx, "CREATE TABLE mine (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	second := Postgres(t)
	a, err := url.Parse(first)
	if err != nil {
		t.Fatal(err)
	}
	b, err := url.Parse(second)
	if err != nil {
		t.Fatal(err)
	}
	if a.Host != b.Host {
		t.Errorf("two servers (%s, %s); want one per package", a.Host, b.Host)
	}
	if a.Path == b.Path {
		t.Fatalf("both calls got database %s", a.Path)
	}
	c := connect(t, second)
	var tables int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("the new database has %d tables; want it empty", tables)
	}
	var left int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", strings.TrimPrefix(a.Path, "/")).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("database %s still exists after its test ended", a.Path)
	}
}

func TestDBName(t *testing.T) {
	for _, tc := range []struct {
		n    int
		test string
		want string
	}{
		{1, "TestConformance/public", "t1_testconformance_public"},
		{12, "Test/ünïcode -- and spaces_", "t12_test_n_code_and_spaces"},
		{3, strings.Repeat("Long", 30), "t3_" + strings.Repeat("long", 15)},
	} {
		if got := dbName(tc.n, tc.test); got != tc.want {
			t.Errorf("dbName(%d, %q) = %q, want %q", tc.n, tc.test, got, tc.want)
		}
		if len(dbName(tc.n, tc.test)) > 63 {
			t.Errorf("dbName(%d, %q) is longer than 63 bytes", tc.n, tc.test)
		}
	}
}

// TestPostgresWithoutMain: a test binary that never calls Main leaves no
// server running, and its files are removed by the next run.
func TestPostgresWithoutMain(t *testing.T) {
	if os.Getenv("TESTSRV_CHILD") != "" {
		fmt.Printf("CONN=%s DIR=%s\n", Postgres(t), pgServer.srv.dir)
		return
	}
	Postgres(t) // skips here, like the child would, when PostgreSQL is missing
	cmd := exec.Command(os.Args[0], "-test.run=^TestPostgresWithoutMain$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "TESTSRV_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child test binary: %v\n%s", err, out)
	}
	var conn, dir string
	for _, f := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(f, "CONN="); ok {
			conn = v
		}
		if v, ok := strings.CutPrefix(f, "DIR="); ok {
			dir = v
		}
	}
	u, err := url.Parse(conn)
	if err != nil || dir == "" {
		t.Fatalf("child printed no connection string and directory:\n%s", out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the child's server on %s still accepts connections after the child exited", u.Host)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "owner")); err != nil {
		t.Fatalf("the child's server directory: %v", err)
	}
	removeStaleDirs(pgDirPrefix)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there after removeStalePGDirs: %v", dir, err)
	}
}
