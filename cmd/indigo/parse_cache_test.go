package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateReadsALargeFileFromTheParseCache: the second validate of a
// large configuration decodes its syntax tree from the user's parse cache
// and says exactly what the first said, diagnostics with their source and
// the block they are in included; INDIGO_PARSE_CACHE=off keeps nothing.
func TestValidateReadsALargeFileFromTheParseCache(t *testing.T) {
	dir := t.TempDir()
	var src strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&src, "resource \"indigo_noop\" \"r%d\" {\n  input = { index = %d, name = \"r%d\" }\n}\n\n", i, i, i)
	}
	src.WriteString("resource \"indigo_noop\" \"broken\" {\n  input = { name = local.missing }\n}\n")
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	validate := func(env ...string) string {
		t.Helper()
		cmd := indigoCmd(t, dir, "validate", "-no-color")
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		if err == nil || cmd.ProcessState.ExitCode() != 1 {
			t.Fatalf("validate: %v, want exit status 1\n%s", err, out)
		}
		return string(out)
	}
	home := t.TempDir()
	cacheDir := filepath.Join(home, "cache", "indigo", "parsed")
	env := []string{"HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, "cache")}
	entries := func() int {
		es, _ := os.ReadDir(cacheDir)
		return len(es)
	}

	off := validate(append(env, "INDIGO_PARSE_CACHE=off")...)
	if n := entries(); n != 0 {
		t.Fatalf("INDIGO_PARSE_CACHE=off: %d entries kept", n)
	}
	for _, want := range []string{`Reference to undeclared local value`, `on main.tf line 4002, in resource "indigo_noop" "broken"`, `input = { name = local.missing }`} {
		if !strings.Contains(off, want) {
			t.Fatalf("validate says:\n%s\nwant %q in it", off, want)
		}
	}
	first := validate(env...)
	if n := entries(); n != 1 {
		t.Fatalf("%d entries after the first validate, want 1", n)
	}
	second := validate(env...)
	if first != off || second != off {
		t.Fatalf("validate with the parse cache says\n%s\nthen\n%s\nwithout it\n%s", first, second, off)
	}
}
