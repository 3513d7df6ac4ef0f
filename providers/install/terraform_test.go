package install

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// terraformInit runs "terraform init" in dir with a CLI configuration
// whose only installation method is the filesystem mirror, so that it
// never reaches the network.
func terraformInit(t *testing.T, tf, dir, mirror string) {
	t.Helper()
	rc := filepath.Join(t.TempDir(), "mirror.tfrc")
	writeFile(t, rc, "provider_installation {\n  filesystem_mirror {\n    path = \""+filepath.ToSlash(mirror)+"\"\n  }\n}\n")
	cmd := exec.Command(tf, "init", "-input=false", "-no-color", "-backend=false")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rc,
		"HOME="+t.TempDir(),
		"TF_PLUGIN_CACHE_DIR=",
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("terraform init: %v\n%s", err, out)
	}
}

// TestTerraformCompatibility checks, against the terraform binary, that a
// lock file written by "terraform init" reads correctly, that indigo
// computes the same hashes and constraints for the same packages, and that
// terraform accepts the lock file indigo writes.
func TestTerraformCompatibility(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		// make test cannot install terraform (it is not on the Go module
		// proxy or in Debian), so this skips even under INDIGO_TEST_REQUIRE.
		t.Skip("terraform is not on PATH; install Terraform >= 1.0 (https://developer.hashicorp.com/terraform/install) to check lock file compatibility")
	}
	mirror := t.TempDir()
	writeMirror(t, mirror) // demo 1.0.0 unpacked, hashicorp/other 2.0.0 packed

	work := t.TempDir()
	writeFile(t, filepath.Join(work, "main.tf"), `
terraform {
  required_providers {
    demo  = { source = "registry.example.com/acme/demo", version = "~> 1.0.0, >= 0.9" }
    other = { source = "hashicorp/other", version = "2.0.0" }
  }
}
module "child" { source = "./child" }
`)
	writeFile(t, filepath.Join(work, "child", "main.tf"), `
terraform {
  required_providers {
    demo  = { source = "registry.example.com/acme/demo", version = ">= 0.5, != 0.9.5" }
    other = { source = "hashicorp/other", version = ">= 2" }
  }
}
`)
	terraformInit(t, tf, work, mirror)

	tfLocks, path, diags := ReadLocks(work)
	if diags.HasErrors() || filepath.Base(path) != TerraformLockFileName {
		t.Fatalf("reading terraform's lock file %s: %s", path, renderDiags(diags))
	}
	tfBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tfLocks.Providers()); n != 2 || !strings.Contains(string(tfBytes), `constraints = ">= 0.5.0, >= 0.9.0, != 0.9.5, ~> 1.0.0"`) {
		t.Fatalf("terraform's lock file has %d providers, or not the expected constraints:\n%s", n, tfBytes)
	}

	// The same requirements, installed by indigo from the same mirror.
	r := reqs(t,
		"registry.example.com/acme/demo", "~> 1.0.0, >= 0.9",
		"hashicorp/other", "2.0.0",
		"registry.example.com/acme/demo", ">= 0.5, != 0.9.5",
		"hashicorp/other", ">= 2",
	)
	inst := &Installer{
		Sources:    Sources{Methods: []Method{{Kind: FilesystemMirror, Location: mirror}}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: offlineClient(t),
	}
	ours, _, err := inst.Install(context.Background(), r, nil, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(tfBytes), `"terraform init"`, `"indigo init"`, 1)
	if got := string(ours.Bytes()); got != want {
		t.Errorf("indigo's lock differs from terraform's:\n--- indigo\n%s\n--- terraform\n%s", got, tfBytes)
	}
	if !ours.Equal(tfLocks) {
		t.Errorf("terraform's lock, read by indigo, differs from indigo's")
	}

	// Terraform's own installed packages verify against its lock file.
	for _, lp := range tfLocks.Providers() {
		dir := packageDir(filepath.Join(work, ".terraform", "providers"), lp.Provider, lp.Version, CurrentPlatform)
		if err := Verify(tfLocks, lp.Provider, dir); err != nil {
			t.Errorf("verifying terraform's install of %s: %v", lp.Provider, err)
		}
	}

	// Terraform accepts indigo's lock file and selects the same versions.
	work2 := t.TempDir()
	for _, f := range []string{"main.tf", filepath.Join("child", "main.tf")} {
		b, err := os.ReadFile(filepath.Join(work, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(work2, f), string(b))
	}
	if err := ours.WriteFile(filepath.Join(work2, TerraformLockFileName)); err != nil {
		t.Fatal(err)
	}
	terraformInit(t, tf, work2, mirror)
	after, _, diags := ReadLocks(work2)
	if diags.HasErrors() || !after.Equal(ours) {
		t.Errorf("terraform changed indigo's lock file:\n%s\n%s", after.Bytes(), renderDiags(diags))
	}
}
