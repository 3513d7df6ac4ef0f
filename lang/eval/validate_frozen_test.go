package eval

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
)

// TestFrozenValidatorMisses: resources validated by frozen copies before the
// locals they use were computed give up, and are validated again by the
// validator itself, with the same result as one after the other.
func TestFrozenValidatorMisses(t *testing.T) {
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString("locals {\n  a = \"x\"\n  b = local.a\n}\n")
	for i := range 100 {
		fmt.Fprintf(&src, "resource \"t\" \"r%03d\" {\n  v = local.b\n  w = local.nope%d\n}\n", i, i%3)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := hcllang.NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	run := func(procs int) string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		// A new validator: nothing is computed yet.
		v := newValidator(cfg, ValidateOptions{})
		var out strings.Builder
		for _, d := range v.validateResources(cfg, cfg.Module.SortedResources()) {
			fmt.Fprintf(&out, "%s: %s; %s\n", d.Subject, d.Summary, d.Detail)
		}
		return out.String()
	}
	want := run(1)
	if strings.Count(want, "Reference to undeclared local value") != 100 {
		t.Fatalf("problems:\n%s", want)
	}
	if got := run(4); got != want {
		t.Fatalf("on 4 processors:\n%s\none after the other:\n%s", got, want)
	}
}
