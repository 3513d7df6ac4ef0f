package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/state/encrypt"
)

// TestEncryptionAtRest applies a configuration whose state and plan are
// encrypted (the passphrase from TF_ENCRYPTION), greps the state, its
// journal and the plan file for the secret, and runs with the wrong
// passphrase: a clear error, and the state untouched.
func TestEncryptionAtRest(t *testing.T) {
	const secret = "hunter2-plan-and-state-secret"
	r := migrationRun{t: t, dir: t.TempDir()}
	main := `terraform {
  encryption {
    method "aes_gcm" "m" {
      keys = key_provider.pbkdf2.k
    }
    state {
      method   = method.aes_gcm.m
      enforced = true
    }
    plan {
      method   = method.aes_gcm.m
      enforced = true
    }
  }
}

provider "indigo" {
  root = "site"
}

resource "indigo_file" "a" {
  path    = "a.txt"
  content = "` + secret + `"
}
`
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	key := func(pass string) []string {
		return []string{`TF_ENCRYPTION=key_provider "pbkdf2" "k" {
  passphrase = "` + pass + `"
  iterations = 200000
}`}
	}
	r.env = key("the right passphrase for this test")
	r.ok("init")
	r.ok("plan", "-out", "tonight.plan")
	r.ok("apply", "tonight.plan")
	r.ok("plan", "-detailed-exitcode")
	stored := func() []byte {
		var all []byte
		for _, name := range []string{"indigo.state", "indigo.state.backup", "indigo.state.journal", "tonight.plan"} {
			data, err := os.ReadFile(filepath.Join(r.dir, name))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, data...)
		}
		return all
	}
	before := stored()
	if bytes.Contains(before, []byte(secret)) {
		t.Fatal("the state or the plan file holds the secret in clear")
	}
	if out := r.ok("show", "tonight.plan"); !bytes.Contains([]byte(out), []byte("indigo_file.a")) {
		t.Fatalf("show of the encrypted plan:\n%s", out)
	}

	wrong := migrationRun{t: t, dir: r.dir, env: key("a wrong passphrase for this test")}
	wrong.fails("cannot decrypt", "plan")
	wrong.fails("cannot decrypt", "apply", "-auto-approve")
	wrong.fails("cannot decrypt", "show", "tonight.plan")
	none := migrationRun{t: t, dir: r.dir}
	none.fails("Unknown key provider", "plan")
	if after := stored(); !bytes.Equal(before, after) {
		t.Fatal("runs with the wrong passphrase changed the state or the plan file")
	}

	// state pull prints the state in clear; a sealed document pushes.
	pulled := r.ok("state", "pull")
	if !strings.Contains(pulled, secret) {
		t.Fatal("state pull did not open the state")
	}
	c, diags := encrypt.Load(nil, func(string) string {
		return strings.TrimPrefix(r.env[0], "TF_ENCRYPTION=") + `
method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
state { method = method.aes_gcm.m }`
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sealed, err := c.State.Seal([]byte(pulled))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "sealed.json"), sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	r.ok("state", "push", "-force", "sealed.json")
	wrong.fails("cannot decrypt", "state", "push", "-force", "sealed.json")
	r.ok("plan", "-detailed-exitcode")
}

// TestWriteOnlyArgument writes indigo_file's content from the write-only
// content_wo, set from an ephemeral variable: the file gets the value, the
// state and the plan file never hold it (nor the variable, nor an
// ephemeral output of it), a file changed behind indigo's back is drift, and a new
// content_wo_version rewrites it.
func TestWriteOnlyArgument(t *testing.T) {
	r := migrationRun{t: t, dir: t.TempDir()}
	config := func(secret string, version int) {
		main := `provider "indigo" {
  root = "site"
}

variable "pw" {
  type      = string
  sensitive = true
  ephemeral = true
}

output "pw" {
  value     = var.pw
  sensitive = true
  ephemeral = true
}

resource "indigo_file" "cred" {
  path               = "cred.txt"
  content_wo         = var.pw
  content_wo_version = ` + strconv.Itoa(version) + `
}
`
		if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(main), 0o644); err != nil {
			t.Fatal(err)
		}
		r.env = []string{"TF_VAR_pw=" + secret}
	}
	const first, second = "wo-first-secret-value", "wo-second-secret-value-longer"
	config(first, 1)
	r.ok("init")
	r.ok("plan", "-out", "wo.plan")
	r.ok("apply", "wo.plan")
	file := filepath.Join(r.dir, "site", "cred.txt")
	got, err := os.ReadFile(file)
	if err != nil || string(got) != first {
		t.Fatalf("cred.txt = %q, %v; want the write-only value", got, err)
	}
	stored := func() []byte {
		var all []byte
		for _, name := range []string{"indigo.state", "indigo.state.backup", "indigo.state.journal", "wo.plan"} {
			data, _ := os.ReadFile(filepath.Join(r.dir, name))
			all = append(all, data...)
		}
		return all
	}
	if s := stored(); bytes.Contains(s, []byte(first)) {
		t.Fatal("the state or the plan file holds the write-only value")
	}
	r.ok("plan", "-detailed-exitcode")

	// Drift: the file replaced by hand with something of another size.
	if err := os.WriteFile(file, []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := r.indigo("plan", "-detailed-exitcode"); code != 2 {
		t.Fatalf("a changed write-only file is not drift (exit %d):\n%s", code, out)
	}
	r.ok("apply", "-auto-approve")
	if got, _ := os.ReadFile(file); string(got) != first {
		t.Fatalf("apply did not repair the file: %q", got)
	}

	// A new value with a new version.
	config(second, 2)
	r.ok("plan", "-out", "wo.plan")
	r.ok("apply", "wo.plan")
	if got, _ := os.ReadFile(file); string(got) != second {
		t.Fatalf("the new version was not written: %q", got)
	}
	if s := stored(); bytes.Contains(s, []byte(first)) || bytes.Contains(s, []byte(second)) {
		t.Fatal("the state or the plan file holds a write-only value")
	}
	r.ok("plan", "-detailed-exitcode")
}
