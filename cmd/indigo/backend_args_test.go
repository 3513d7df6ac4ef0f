package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackendArgumentIgnored: an argument the backend does not use (as
// Terraform's s3 backend's dynamodb_table) is accepted with a warning that
// says it has no effect, never silently.
func TestBackendArgumentIgnored(t *testing.T) {
	dir := t.TempDir()
	cfg := `
indigo {
  backend "local" {
    path           = "my.state"
    dynamodb_table = "locks"
  }
}

resource "indigo_noop" "x" {}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := runIn(t, dir, "apply", "-auto-approve")
	if code != 0 || !strings.Contains(out, "Backend argument ignored") || !strings.Contains(out, `does not use "dynamodb_table"`) {
		t.Errorf("apply: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "my.state")); err != nil {
		t.Errorf("the path argument was not used: %v", err)
	}
}
