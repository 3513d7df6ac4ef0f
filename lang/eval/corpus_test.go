package eval_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/eval"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
)

// knownInvalid lists corpus cases that are not valid Terraform, with the
// reason. Each must still fail the way Terraform fails, never pass silently.
var knownInvalid = map[string]string{
	// A code-generation template: the upstream repository copies it into each
	// rule module next to a generated auto_values.tf that declares the
	// auto_* variables. terraform validate rejects it the same way
	// ("Reference to undeclared input variable").
	"aws-security-group/modules___templates/modules/_templates": "Reference to undeclared input variable",
}

// sharedDir returns ../shared beside the module root, or skips.
func sharedDir(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found")
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared")
	if _, err := os.Stat(filepath.Join(shared, "corpus", "terraform")); err != nil {
		t.Skipf("the Terraform corpus is not at %s: clone the project with ../shared beside it to run this test", shared)
	}
	return shared
}

// terraformCases reads the case roots from the corpus README's table.
func terraformCases(t testing.TB, shared string) []string {
	readme, err := os.ReadFile(filepath.Join(shared, "corpus", "terraform", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| [A-Za-z]")
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(readme), -1) {
		out = append(out, m[1])
	}
	if len(out) < 70 {
		t.Fatalf("read only %d cases from the corpus README", len(out))
	}
	return out
}

func loadAndValidate(dir string) hcl.Diagnostics {
	l := hcllang.NewLoader()
	cfg, diags := l.LoadDir(dir)
	return append(diags, eval.Validate(cfg, eval.ValidateOptions{})...)
}

// TestTerraformCorpus: every real-world configuration of the corpus loads
// and validates with zero errors.
func TestTerraformCorpus(t *testing.T) {
	shared := sharedDir(t)
	for _, c := range terraformCases(t, shared) {
		t.Run(c, func(t *testing.T) {
			diags := loadAndValidate(filepath.Join(shared, "corpus", "terraform", c))
			if want, ok := knownInvalid[c]; ok {
				found := false
				for _, d := range diags {
					if d.Severity == hcl.DiagError && d.Summary == want {
						found = true
					}
				}
				if !found {
					t.Errorf("expected the error %q (as terraform validate reports), got %v", want, diags)
				}
				return
			}
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					t.Errorf("%s", d.Error())
				}
			}
		})
	}
}

func BenchmarkTerraformCorpus(b *testing.B) {
	shared := sharedDir(b)
	cases := terraformCases(b, shared)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, c := range cases {
			loadAndValidate(filepath.Join(shared, "corpus", "terraform", c))
		}
	}
}

// BenchmarkValidate10k loads and validates a configuration of 10,000
// resources in 100 files, what indigo validate does.
func BenchmarkValidate10k(b *testing.B) {
	dir := b.TempDir()
	for f := 0; f < 100; f++ {
		var sb strings.Builder
		for r := 0; r < 100; r++ {
			n := f*100 + r
			fmt.Fprintf(&sb, "resource \"indigo_noop\" \"r%d\" {\n  input = { index = %d, name = \"r%d\", tags = local.tags }\n}\n\n", n, n, n)
		}
		if f == 0 {
			sb.WriteString("locals {\n  tags = { team = \"indigo\" }\n}\n")
		}
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.hcl", f)), []byte(sb.String()), 0o644)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		diags := loadAndValidate(dir)
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
	}
}
