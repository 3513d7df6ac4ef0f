package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/pg"
	"github.com/indigo-cloud/indigo/state/s3"
)

func TestRedactConnString(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://alice:s3cret@db.example:5432/indigo?sslmode=disable", "postgres://alice@db.example:5432/indigo?sslmode=disable"},
		{"postgresql://db.example/indigo?password=s3cret&sslmode=require", "postgresql://db.example/indigo?sslmode=require"},
		{"postgres://127.0.0.1:5432/x", "postgres://127.0.0.1:5432/x"},
		{"host=db user=alice password=s3cret dbname=indigo", "host=db user=alice dbname=indigo"},
		{"host=db password='s3 \\'cret' port = 5433", "host=db port=5433"},
		{"host=db password='unterminated", ""},
	}
	for _, c := range cases {
		if got := redactConnString(c.in); got != c.want {
			t.Errorf("redactConnString(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// migrationRun runs indigo in dir with the servers' settings in the
// environment and returns its combined output and exit code.
type migrationRun struct {
	t   *testing.T
	dir string
	env []string
}

func (r migrationRun) indigo(args ...string) (string, int) {
	r.t.Helper()
	cmd := indigoCmd(r.t, r.dir, args...)
	cmd.Env = append(cmd.Env, r.env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		r.t.Fatalf("indigo %s: %v", strings.Join(args, " "), err)
	}
	r.t.Logf("indigo %s:\n%s", strings.Join(args, " "), out)
	return string(out), cmd.ProcessState.ExitCode()
}

func (r migrationRun) ok(args ...string) string {
	r.t.Helper()
	out, code := r.indigo(args...)
	if code != 0 {
		r.t.Fatalf("indigo %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

func (r migrationRun) fails(want string, args ...string) string {
	r.t.Helper()
	out, code := r.indigo(args...)
	if code == 0 || !strings.Contains(out, want) {
		r.t.Fatalf("indigo %s: exit %d, want a failure saying %q:\n%s", strings.Join(args, " "), code, want, out)
	}
	return out
}

func (r migrationRun) backend(block string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, "backend.hcl"), []byte("indigo {\n"+block+"\n}\n"), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// readState reads the whole state (snapshot and journal) from b.
func readState(t *testing.T, b state.Backend) *state.State {
	t.Helper()
	m, err := state.Open(context.Background(), b, state.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	return m.State()
}

// TestMigrateState moves a state local → s3 → pg → local with init
// -migrate-state, on a real MinIO and PostgreSQL: each copy keeps lineage,
// serial and resources, plan finds nothing to do, the source keeps its
// copy, and no secret reaches the output or the record.
func TestMigrateState(t *testing.T) {
	srv := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	ctx := context.Background()
	if err := srv.Client(t).MakeBucket(ctx, "state", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	conn := testsrv.Postgres(t)
	r := migrationRun{t: t, dir: t.TempDir(), env: []string{
		"AWS_ACCESS_KEY_ID=" + srv.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + srv.SecretKey,
		"PG_CONN_STR=" + conn,
	}}
	main := `provider "indigo" {
  root = "site"
}

resource "indigo_file" "a" {
  path    = "a.txt"
  content = "a"
}

resource "indigo_noop" "n" {
  count = 3
  input = { file = indigo_file.a.id, n = count.index }
}
`
	if err := os.WriteFile(filepath.Join(r.dir, "main.hcl"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	var outputs []string
	keep := func(out string) string { outputs = append(outputs, out); return out }

	keep(r.ok("init"))
	keep(r.ok("apply", "-auto-approve"))
	localState := local.New(filepath.Join(r.dir, "indigo.state"))
	orig := readState(t, localState)
	if n := len(orig.AllInstances()); n != 4 {
		t.Fatalf("applied %d instances, want 4", n)
	}

	// local → s3.
	r.backend(`  backend "s3" {
    bucket   = "state"
    key      = "team/indigo.state"
    endpoint = "` + srv.Endpoint + `"
  }`)
	keep(r.fails("indigo init -migrate-state", "plan"))
	keep(r.fails("-reconfigure", "init"))
	out := keep(r.ok("init", "-migrate-state"))
	for _, want := range []string{"Copied the state from the local backend (indigo.state) to the s3 backend (s3://state/team/indigo.state at " + srv.Endpoint + ")",
		"serial " + strconv.FormatUint(orig.Serial, 10), "4 resource instances", "keeps its copy"} {
		if !strings.Contains(out, want) {
			t.Errorf("init -migrate-state to s3 does not say %q:\n%s", want, out)
		}
	}
	sb, err := s3.New(ctx, s3.Config{Bucket: "state", Key: "team/indigo.state", Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	if got := readState(t, sb); !got.Equal(orig) {
		t.Fatalf("the state in s3 is not the local one: lineage %s serial %d, %d instances", got.Lineage, got.Serial, len(got.AllInstances()))
	}
	if got := readState(t, localState); !got.Equal(orig) {
		t.Fatalf("the local state changed when it was copied")
	}
	out = keep(r.ok("plan", "-detailed-exitcode"))
	if !strings.Contains(out, "No changes") {
		t.Fatalf("plan on the s3 backend:\n%s", out)
	}

	// s3 → pg (the connection string from PG_CONN_STR).
	r.backend(`  backend "pg" {
    workspace = "team"
  }`)
	keep(r.fails("indigo init -migrate-state", "apply", "-auto-approve"))
	keep(r.ok("init", "-migrate-state"))
	pb, err := pg.New(ctx, pg.Config{ConnString: conn, Workspace: "team"})
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close(ctx)
	if got := readState(t, pb); !got.Equal(orig) {
		t.Fatalf("the state in pg is not the original: lineage %s serial %d, %d instances", got.Lineage, got.Serial, len(got.AllInstances()))
	}
	// A change made in pg.
	if err := os.WriteFile(filepath.Join(r.dir, "more.hcl"), []byte("resource \"indigo_noop\" \"more\" {\n  input = { x = 1 }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	keep(r.ok("apply", "-auto-approve"))
	changed := readState(t, pb)
	if changed.Lineage != orig.Lineage || changed.Serial <= orig.Serial || len(changed.AllInstances()) != 5 {
		t.Fatalf("after an apply on pg: lineage %s serial %d, %d instances", changed.Lineage, changed.Serial, len(changed.AllInstances()))
	}

	// pg → local: the local file still holds the older serial, a
	// different state, so the copy needs -force-copy; then it keeps the
	// lineage and serial written in pg.
	if err := os.Remove(filepath.Join(r.dir, "backend.hcl")); err != nil {
		t.Fatal(err)
	}
	out = keep(r.fails("-force-copy", "init", "-migrate-state"))
	if !strings.Contains(out, "Nothing was changed") {
		t.Errorf("the refusal does not say nothing changed:\n%s", out)
	}
	if got := readState(t, localState); !got.Equal(orig) {
		t.Fatalf("a refused migration changed the local state")
	}
	keep(r.ok("init", "-migrate-state", "-force-copy"))
	if got := readState(t, localState); !got.Equal(changed) {
		t.Fatalf("back in the local file: lineage %s serial %d, %d instances; want lineage %s serial %d, 5 instances",
			got.Lineage, got.Serial, len(got.AllInstances()), changed.Lineage, changed.Serial)
	}
	if got := readState(t, pb); !got.Equal(changed) {
		t.Fatalf("pg lost its copy of the state")
	}
	out = keep(r.ok("plan", "-detailed-exitcode"))
	if !strings.Contains(out, "No changes") {
		t.Fatalf("plan on the local backend after the round trip:\n%s", out)
	}

	record, err := os.ReadFile(filepath.Join(r.dir, ".indigo", "backend.json"))
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(record))
	for _, o := range outputs {
		for _, secret := range []string{srv.SecretKey, srv.AccessKey} {
			if strings.Contains(o, secret) {
				t.Fatalf("a credential shows in:\n%s", o)
			}
		}
	}
}

// TestBackendNeedsInit: a backend other than local is used only after init
// has recorded it; an unknown backend type lists the ones there are.
func TestBackendNeedsInit(t *testing.T) {
	r := migrationRun{t: t, dir: t.TempDir(), env: []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="}}
	r.backend(`  backend "s3" {
    bucket   = "state"
    endpoint = "http://127.0.0.1:1"
  }`)
	r.fails("Run indigo init", "plan")
	out := r.fails("no credentials", "init")
	if _, err := os.Stat(filepath.Join(r.dir, ".indigo", "backend.json")); err == nil {
		t.Errorf("a failed init recorded the backend:\n%s", out)
	}
	r.backend(`  backend "gcs" {}`)
	r.fails(`"s3" (an S3 bucket)`, "plan")
}
