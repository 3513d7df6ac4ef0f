package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
)

// TestThirdPartyProviderFromMirror runs indigo as a Terraform user would
// with a provider indigo did not write: hashicorp/local, installed by
// indigo init from a filesystem mirror named in a Terraform CLI
// configuration (no network), recorded in the lock file with its hash,
// applied, planned again with nothing to do, refused when the binary no
// longer matches the lock file, and destroyed.
func TestThirdPartyProviderFromMirror(t *testing.T) {
	bin := plugintest.RealProvider(t, plugintest.LocalModule, plugintest.LocalVersion)
	dir := t.TempDir()
	mirror := filepath.Join(t.TempDir(), "mirror")
	target := runtime.GOOS + "_" + runtime.GOARCH
	pkg := filepath.Join(mirror, "registry.terraform.io", "hashicorp", "local", "2.5.3", target)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "terraform-provider-local_v2.5.3"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	os.WriteFile(cliConfig, []byte(`provider_installation {
  filesystem_mirror {
    path    = "`+mirror+`"
    include = ["registry.terraform.io/*/*"]
  }
}
`), 0o644)
	os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`terraform {
  required_providers {
    local = {
      source  = "hashicorp/local"
      version = "~> 2.5"
    }
  }
}

resource "local_file" "greeting" {
  filename = "${path.module}/out/greeting.txt"
  content  = "written by indigo through hashicorp/local\n"
}
`), 0o644)
	run := func(wantOK bool, args ...string) string {
		t.Helper()
		cmd := indigoCmd(t, dir, args...)
		cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+cliConfig, "HOME="+t.TempDir(),
			// No network: a request would fail at once.
			"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1")
		out, err := cmd.CombinedOutput()
		if wantOK && err != nil {
			t.Fatalf("indigo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if !wantOK && err == nil {
			t.Fatalf("indigo %s succeeded, want a failure:\n%s", strings.Join(args, " "), out)
		}
		return string(out)
	}
	out := run(true, "init")
	if !strings.Contains(out, "hashicorp/local v2.5.3") {
		t.Errorf("init output does not name the installed provider:\n%s", out)
	}
	lock, err := os.ReadFile(filepath.Join(dir, ".indigo.lock.hcl"))
	if err != nil || !strings.Contains(string(lock), `"registry.terraform.io/hashicorp/local"`) || !strings.Contains(string(lock), `"h1:`) {
		t.Fatalf("lock file: %v\n%s", err, lock)
	}
	// After init, validate knows the provider's schema.
	typo := filepath.Join(dir, "typo.tf")
	os.WriteFile(typo, []byte("resource \"local_fiel\" \"x\" {\n  filename = \"x\"\n}\n\nresource \"local_file\" \"y\" {\n  filenam = \"y\"\n  content = 3\n}\n\nresource \"local_file\" \"z\" {\n  filename = \"z\"\n}\n"), 0o644)
	out = run(false, "validate")
	for _, want := range []string{
		`on typo.tf line 1, in resource "local_fiel" "x"`, `has no resource type "local_fiel". Did you mean`, "local_file?",
		`on typo.tf line 6`, `Did you mean "filename"?`,
		`The argument "filename" is required`,
		// The provider's own validation, as plan calls it.
		"Error: Invalid Attribute Combination\n\n  with local_file.z,\n  on typo.tf line 10", "The provider reported this during ValidateResourceConfig",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate does not say %q:\n%s", want, out)
		}
	}
	os.Remove(typo)
	run(true, "apply", "-auto-approve")
	got, err := os.ReadFile(filepath.Join(dir, "out", "greeting.txt"))
	if err != nil || !strings.Contains(string(got), "through hashicorp/local") {
		t.Fatalf("the file hashicorp/local should have written: %q %v", got, err)
	}
	if out := run(true, "plan", "-detailed-exitcode"); !strings.Contains(out, "No changes") {
		t.Fatalf("second plan:\n%s", out)
	}
	out = run(true, "providers")
	if !strings.Contains(out, "hashicorp/local") || !strings.Contains(out, "installed") {
		t.Errorf("providers:\n%s", out)
	}
	// A binary that no longer matches the lock file is refused, with both
	// hashes in the message.
	installed := filepath.Join(dir, ".indigo", "providers", "registry.terraform.io", "hashicorp", "local", "2.5.3", target, "terraform-provider-local_v2.5.3")
	orig, err := os.ReadFile(installed)
	if err != nil {
		t.Fatalf("the installed package is not where Terraform's layout puts it: %v", err)
	}
	os.WriteFile(installed, append(append([]byte(nil), orig...), 0), 0o755)
	out = strings.Join(strings.Fields(run(false, "plan")), " ")
	if !strings.Contains(out, "does not match the dependency lock file") || strings.Count(out, "h1:") < 2 {
		t.Fatalf("a tampered provider must be refused naming the hashes:\n%s", out)
	}
	os.WriteFile(installed, orig, 0o755)
	run(true, "destroy", "-auto-approve")
	if _, err := os.Stat(filepath.Join(dir, "out", "greeting.txt")); !os.IsNotExist(err) {
		t.Fatalf("destroy left the file: %v", err)
	}
}
