package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// provisionersConfig provisions indigo_file.a with local-exec, file and
// remote-exec (over SSH to s, writing into remote) and a destroy-time
// local-exec; indigo_file.b's provisioner runs bCommand; indigo_file.c's
// fails but continues.
func provisionersConfig(s *testsrv.SSHD, remote, bCommand string) string {
	return fmt.Sprintf(`
provider "indigo" {
  root = "site"
}

resource "indigo_file" "a" {
  path    = "a.txt"
  content = "a\n"

  connection {
    host        = "%s"
    port        = %d
    user        = "%s"
    private_key = file("client_key")
    timeout     = "20s"
  }

  provisioner "local-exec" {
    command     = "echo \"$WHAT ${self.path}\" > made.txt"
    environment = { WHAT = "created" }
  }
  provisioner "file" {
    content     = "uploaded ${self.id}\n"
    destination = "%s/up.txt"
  }
  provisioner "remote-exec" {
    inline = ["echo remote ran > %s/rx.txt", "echo hello from remote"]
  }
  provisioner "local-exec" {
    when    = destroy
    command = "echo ${self.path} > destroyed.txt"
  }
}

resource "indigo_file" "b" {
  path    = "b.txt"
  content = "b\n"
  provisioner "local-exec" {
    command = %q
  }
}

resource "indigo_file" "c" {
  path    = "c.txt"
  content = "c\n"
  provisioner "local-exec" {
    command    = "exit 5"
    on_failure = continue
  }
}
`, s.Host, s.Port, s.User, remote, remote, bCommand)
}

// TestProvisioners applies provisioners for real: local-exec here, file
// and remote-exec over SSH to a local sshd. A failed provisioner taints
// its object, which the next plan replaces; destroy runs the destroy-time
// provisioner.
func TestProvisioners(t *testing.T) {
	s := testsrv.StartSSHD(t)
	dir, remote := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "client_key"), []byte(s.PrivateKey), 0o600); err != nil {
		t.Fatal(err)
	}
	write := func(bCommand string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(provisionersConfig(s, remote, bCommand)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("exit 7")
	out, code := runIn(t, dir, "apply", "-auto-approve")
	if code != 1 {
		t.Fatalf("apply with a failing provisioner: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"Provisioner failed", `running "exit 7"`, "now tainted", "Provisioner failed (continuing)", "indigo_file.a (remote-exec): hello from remote", "indigo_file.a: Provisioning with 'file'..."} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	for path, want := range map[string]string{filepath.Join(dir, "made.txt"): "created a.txt\n", filepath.Join(remote, "up.txt"): "uploaded ", filepath.Join(remote, "rx.txt"): "remote ran\n"} {
		if b, err := os.ReadFile(path); err != nil || !strings.HasPrefix(string(b), want) {
			t.Errorf("%s: %q, %v; want %q", path, b, err, want)
		}
	}
	// b was created, then tainted: the next plan replaces it, and only it.
	if b, err := os.ReadFile(filepath.Join(dir, "site", "b.txt")); err != nil || string(b) != "b\n" {
		t.Errorf("b.txt: %q, %v", b, err)
	}
	out, code = runIn(t, dir, "plan", "-detailed-exitcode")
	if code != 2 || !strings.Contains(out, "indigo_file.b is tainted, so must be replaced") || !strings.Contains(out, "1 to add, 0 to change, 1 to destroy") {
		t.Fatalf("plan after the failure: exit %d\n%s", code, out)
	}
	// A provisioner that works now: the replacement is provisioned, nothing
	// else runs again.
	if err := os.Remove(filepath.Join(dir, "made.txt")); err != nil {
		t.Fatal(err)
	}
	write("echo b fixed > b-provisioned.txt")
	if out, code = runIn(t, dir, "apply", "-auto-approve", "-json"); code != 0 {
		t.Fatalf("apply after the fix: exit %d\n%s", code, out)
	}
	for _, want := range []string{`"type":"provision_start"`, `"type":"provision_complete"`, `"provisioner":"local-exec"`} {
		if !strings.Contains(out, want) {
			t.Errorf("apply -json lacks %s:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b-provisioned.txt")); err != nil {
		t.Errorf("the replacement of b was not provisioned: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "made.txt")); err == nil {
		t.Errorf("a's create-time provisioner ran again though a was not replaced")
	}
	if out, code = runIn(t, dir, "plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after the fix: exit %d\n%s", code, out)
	}
	if out, code = runIn(t, dir, "destroy", "-auto-approve"); code != 0 {
		t.Fatalf("destroy: exit %d\n%s", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "destroyed.txt")); err != nil || string(b) != "a.txt\n" {
		t.Errorf("destroy-time provisioner: %q, %v", b, err)
	}
}

// TestProvisionerErrorsAtPlan: an unknown provisioner type and an unknown
// argument are errors of the plan, located at the block, before anything
// is created.
func TestProvisionerErrorsAtPlan(t *testing.T) {
	for name, block := range map[string]string{
		"chef":     `provisioner "chef" {}`,
		"argument": `provisioner "local-exec" { commmand = "true" }`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := "provider \"indigo\" {\n  root = \"site\"\n}\n\nresource \"indigo_file\" \"a\" {\n  path    = \"a.txt\"\n  content = \"a\"\n  " + block + "\n}\n"
			if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			out, code := runIn(t, dir, "apply", "-auto-approve")
			if code != 1 || !strings.Contains(out, "main.hcl line 8") {
				t.Errorf("exit %d, want 1 with an error at main.hcl line 8:\n%s", code, out)
			}
			if _, err := os.Stat(filepath.Join(dir, "site", "a.txt")); err == nil {
				t.Errorf("a.txt was created despite the error")
			}
		})
	}
}

// TestProvisionerSecretsWithheld: a provisioner configured with a
// sensitive or ephemeral value runs, but neither its output nor the text of
// its failure (which would quote the command) shows the value.
func TestProvisionerSecretsWithheld(t *testing.T) {
	const secret, token = "s3cr3t-sensitive-value", "ephemeral-t0ken-value"
	dir := t.TempDir()
	cfg := `
provider "indigo" {
  root = "site"
}

variable "secret" {
  type      = string
  sensitive = true
}

variable "token" {
  type      = string
  ephemeral = true
}

resource "indigo_file" "a" {
  path    = "a.txt"
  content = "a\n"
  provisioner "local-exec" {
    command = "echo ${var.secret} > made.txt; echo ${var.token} >> made.txt; echo printed ${var.token}"
  }
}

resource "indigo_file" "b" {
  path    = "b.txt"
  content = "b\n"
  provisioner "local-exec" {
    command = "echo failing ${var.token}; exit 3"
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := runIn(t, dir, "apply", "-auto-approve", "-var", "secret="+secret, "-var", "token="+token)
	if code != 1 {
		t.Fatalf("apply: exit %d, want 1 (b's provisioner fails)\n%s", code, out)
	}
	for _, leak := range []string{secret, token} {
		if strings.Contains(out, leak) {
			t.Errorf("apply output shows %q:\n%s", leak, out)
		}
	}
	flat := strings.Join(strings.Fields(out), " ") // the error's text is wrapped
	for _, want := range []string{"output suppressed due to sensitive value in config", "exited with status 3", "details withheld"} {
		if !strings.Contains(flat, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	// The provisioner did run, with the values.
	if b, err := os.ReadFile(filepath.Join(dir, "made.txt")); err != nil || string(b) != secret+"\n"+token+"\n" {
		t.Errorf("made.txt: %q, %v", b, err)
	}
}
