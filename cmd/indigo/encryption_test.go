package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
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
}
