package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/indigo-cloud/indigo/lang/load"
)

// TestCheckRequiredVersion: an indigo block's required_version is held
// against indigo's release; a build from an untagged commit has none, so
// only the constraint's syntax is checked.
func TestCheckRequiredVersion(t *testing.T) {
	defer func(v string) { version = v }(version)
	cases := []struct {
		version, constraint string
		errors              int
	}{
		{"v0.2.0", "~> 0.2", 0},
		{"v0.2.0", ">= 0.3", 1},
		{"v0.3.0-dev", ">= 0.3", 0},
		{"v0.0.0-20261204162201-0e422a2f64c1", ">= 0.1", 0},
		{"v0.0.0-20261204162201-0e422a2f64c1", "=> 0.1", 1},
	}
	for _, c := range cases {
		dir := t.TempDir()
		src := "indigo {\n  required_version = \"" + c.constraint + "\"\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		res, diags := load.Path(dir, load.Options{})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		version = c.version
		if got := checkRequiredVersion(res.Config); len(got) != c.errors {
			t.Errorf("indigo %s, required_version %q: %d errors, want %d: %v", c.version, c.constraint, len(got), c.errors, got)
		}
	}
}
