package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestEphemeralSecretsOnS3 feeds two ephemeral values to real systems: the
// MinIO secret key, read from a file by the ephemeral indigo_file, goes to
// the provider's s3 block, and a bucket is made with it on a real MinIO; an
// indigo_password goes to indigo_file's write-only content_wo. Neither
// secret is in the state, the plan file, the JSON plan or the debug log;
// the log shows each ephemeral resource opened and closed in each run; the
// next plan is clean.
func TestEphemeralSecretsOnS3(t *testing.T) {
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	r := migrationRun{t: t, dir: t.TempDir(), env: []string{"INDIGO_LOG=debug"}}
	if err := os.MkdirAll(filepath.Join(r.dir, "site"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "site", "s3-secret"), []byte(m.SecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	main := fmt.Sprintf(`
provider "indigo" {
  alias = "local"
  root  = "site"
}

ephemeral "indigo_file" "s3_secret" {
  provider = indigo.local
  path     = "s3-secret"
}

provider "indigo" {
  root = "site"
  s3 {
    endpoint   = %q
    access_key = %q
    secret_key = trimspace(ephemeral.indigo_file.s3_secret.content)
  }
}

resource "indigo_s3_bucket" "b" {
  name = "ephemeral-made"
}

ephemeral "indigo_password" "db" {
  length = 40
}

resource "indigo_file" "db" {
  path               = "db.txt"
  content_wo         = ephemeral.indigo_password.db.result
  content_wo_version = 1
}
`, m.Endpoint, m.AccessKey)
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	opened := regexp.MustCompile(`opened ephemeral resource: addr=(\S+)`)
	closing := regexp.MustCompile(`closing ephemeral resource: addr=(\S+)`)
	lifecycle := func(run, out string) {
		t.Helper()
		for _, re := range []*regexp.Regexp{opened, closing} {
			var got []string
			for _, m := range re.FindAllStringSubmatch(out, -1) {
				got = append(got, m[1])
			}
			if len(got) != 2 || !strings.Contains(strings.Join(got, " "), "ephemeral.indigo_file.s3_secret") || !strings.Contains(strings.Join(got, " "), "ephemeral.indigo_password.db") {
				t.Errorf("%s: %q lines for %v, want each ephemeral resource once", run, re, got)
			}
		}
	}
	r.ok("init")
	// The debug log of both runs, searched for the secrets below.
	logs := r.ok("plan", "-out", "eph.plan")
	lifecycle("plan", logs)
	out := r.ok("apply", "eph.plan")
	lifecycle("apply", out)
	logs += out

	ok, err := m.Client(t).BucketExists(context.Background(), "ephemeral-made")
	if err != nil || !ok {
		t.Fatalf("the bucket made with the ephemeral secret key is not on MinIO: %v %v", ok, err)
	}
	pw, err := os.ReadFile(filepath.Join(r.dir, "site", "db.txt"))
	if err != nil || len([]rune(string(pw))) != 40 {
		t.Fatalf("db.txt = %q, %v; want a 40-character password", pw, err)
	}
	show := r.ok("show", "-json", "eph.plan")
	var stored []byte
	for _, name := range []string{"indigo.state", "indigo.state.backup", "indigo.state.journal", "eph.plan"} {
		data, _ := os.ReadFile(filepath.Join(r.dir, name))
		stored = append(stored, data...)
	}
	stored = append(stored, show...)
	stored = append(stored, logs...)
	// Positive control: what is recorded in clear is found.
	if !bytes.Contains(stored, []byte("ephemeral-made")) {
		t.Fatal("the state, plan and JSON plan do not hold the bucket name: the search below would find nothing either")
	}
	for what, secret := range map[string]string{"the S3 secret key": m.SecretKey, "the password": string(pw)} {
		if bytes.Contains(stored, []byte(secret)) {
			t.Errorf("the state, the plan file, the JSON plan or the debug log holds %s", what)
		}
	}
	if out, code := r.indigo("plan", "-detailed-exitcode"); code != 0 {
		t.Fatalf("second plan: exit %d, want 0 (no changes although the password is new):\n%s", code, out)
	}
}
