package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestApplyRepairsDrift changes a file by hand after apply: the next
// apply must rewrite it. The plan's refresh saw the drift, so the apply
// must start from what the refresh found, not from the state written
// before the drift (which equals the configuration, and so looked like
// nothing to do).
func TestApplyRepairsDrift(t *testing.T) {
	dir := t.TempDir()
	const cfg = `
provider "indigo" {
  root = "site"
}

resource "indigo_file" "motd" {
  path    = "motd"
  content = "hello\n"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := runIn(t, dir, "apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply: %d\n%s", code, out)
	}
	file := filepath.Join(dir, "site", "motd")
	if err := os.WriteFile(file, []byte("changed by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := runIn(t, dir, "plan", "-detailed-exitcode"); code != 2 {
		t.Fatalf("plan after the drift: exit %d, want 2\n%s", code, out)
	}
	out, code := runIn(t, dir, "apply", "-auto-approve")
	if code != 0 || !strings.Contains(out, "1 changed") {
		t.Fatalf("apply after the drift: %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(file); string(b) != "hello\n" {
		t.Errorf("the file holds %q after apply, want the configured content", b)
	}
	if out, code := runIn(t, dir, "plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after the repair: exit %d, want 0\n%s", code, out)
	}
}
