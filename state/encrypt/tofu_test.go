package encrypt_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
)

const tofuEncryption = `
key_provider "pbkdf2" "k" {
  passphrase = "interop passphrase, 32 characters"
}
method "aes_gcm" "m" {
  keys = key_provider.pbkdf2.k
}
state {
  method   = method.aes_gcm.m
  enforced = true
}
`

// TestOpenTofuReadsAndWritesTheSameFormat has the real OpenTofu CLI write
// an encrypted state that indigo opens, and read one that indigo sealed.
func TestOpenTofuReadsAndWritesTheSameFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("runs OpenTofu")
	}
	tofu := testsrv.TofuBinary(t)
	dir := t.TempDir()
	const secret = "hunter2-interop-secret"
	main := "terraform {\n  encryption {" + tofuEncryption + "  }\n}\n" +
		`resource "terraform_data" "x" { input = "` + secret + `" }` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tofu, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "TF_CLI_CONFIG_FILE="+filepath.Join(dir, "none.tfrc"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tofu %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("init", "-input=false", "-no-color")
	run("apply", "-auto-approve", "-input=false", "-no-color")
	path := filepath.Join(dir, "terraform.tfstate")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(secret)) || !encrypt.IsSealed(data) {
		t.Fatalf("OpenTofu's state is not sealed:\n%s", data)
	}

	f, diags := hclsyntax.ParseConfig([]byte(tofuEncryption), "enc.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c, diags := encrypt.Load(f.Body, func(string) string { return "" })
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plain, _, err := c.State.Open(path, data)
	if err != nil {
		t.Fatalf("indigo cannot open OpenTofu's state: %v", err)
	}
	s, err := state.Import(path, plain)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Resources); n != 1 || !bytes.Contains(plain, []byte(secret)) {
		t.Fatalf("imported %d resources from\n%s", n, plain)
	}

	// indigo seals OpenTofu's plain state; OpenTofu reads it back.
	var meta struct {
		Serial  uint64 `json:"serial"`
		Lineage string `json:"lineage"`
	}
	if err := json.Unmarshal(plain, &meta); err != nil {
		t.Fatal(err)
	}
	resealed, err := c.State.SealState(plain, meta.Lineage, meta.Serial)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(resealed, []byte(secret)) {
		t.Fatal("indigo's envelope holds the secret in clear")
	}
	if err := os.WriteFile(path, resealed, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := run("show", "-json", "-no-color"); !strings.Contains(out, secret) {
		t.Fatalf("OpenTofu did not read indigo's sealed state:\n%s", out)
	}
	// And plans no change against it.
	cmd := exec.Command(tofu, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tofu plan against indigo's sealed state: %v\n%s", err, out)
	}
}
