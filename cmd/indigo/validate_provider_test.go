package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateChecksProviderBlocks: validate checks a provider block's body
// against the provider's schema, as plan and Terraform's validate do (an
// unknown argument, here).
func TestValidateChecksProviderBlocks(t *testing.T) {
	dir := t.TempDir()
	src := `terraform {
  required_providers {
    terraform = { source = "terraform.io/builtin/terraform" }
  }
}
provider "terraform" {
  bogus = local.missing
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := runIn(t, dir, "validate", "-no-color")
	if code != 1 {
		t.Fatalf("validate exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{
		"Error: Unsupported argument",
		`on main.tf line 7, in provider "terraform":`,
		`An argument named "bogus" is not expected here.`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate says:\n%s\nwant %q in it", out, want)
		}
	}
}
