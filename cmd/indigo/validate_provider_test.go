package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// builtinTerraformDir is a new directory whose main.tf requires the
// built-in terraform provider and holds body.
func builtinTerraformDir(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	src := "terraform {\n  required_providers {\n    terraform = { source = \"terraform.io/builtin/terraform\" }\n  }\n}\n" + body
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// wantSays runs indigo in-process in dir with stdin and args, and fails
// unless it exits with code and its output holds each of wants.
func wantSays(t *testing.T, dir, stdin string, code int, wants []string, args ...string) string {
	t.Helper()
	out, got := runInWith(t, dir, stdin, args...)
	if got != code {
		t.Fatalf("indigo %s: exit %d, want %d:\n%s", strings.Join(args, " "), got, code, out)
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("indigo %s says:\n%s\nwant %q in it", strings.Join(args, " "), out, want)
		}
	}
	return out
}

// TestValidateChecksProviderBlocks: validate checks a provider block's body
// against the provider's schema, as plan and Terraform's validate do (an
// unknown argument, here).
func TestValidateChecksProviderBlocks(t *testing.T) {
	dir := builtinTerraformDir(t, "provider \"terraform\" {\n  bogus = local.missing\n}\n")
	wantSays(t, dir, "", 1, []string{
		"Error: Unsupported argument",
		`on main.tf line 7, in provider "terraform":`,
		`An argument named "bogus" is not expected here.`,
	}, "validate", "-no-color")
}
