package load_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/load"
)

// TestExamplesValidate: every example configuration passes indigo validate.
func TestExamplesValidate(t *testing.T) {
	dirs, err := filepath.Glob("../../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
				t.Errorf("the example has no README.md saying what it shows")
			}
			res, diags := load.Path(dir, load.Options{})
			if res.Config != nil && !diags.HasErrors() {
				diags = append(diags, eval.Validate(res.Config, eval.ValidateOptions{})...)
			}
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					t.Errorf("%s", d.Error())
				}
			}
		})
	}
	if n < 6 {
		t.Fatalf("only %d examples", n)
	}
}

func TestTemplateAsConfiguration(t *testing.T) {
	res, diags := load.Path("../../examples/uc2-galaxy-batch/galaxy-slurm.yaml", load.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if res.Template == "" || res.Config.Module.Deployments["galaxy-slurm"] == nil {
		t.Fatalf("a template loads as one deployment named after the file: %v", res.Config.Module.Deployments)
	}
	if _, diags := load.Path("../../examples/quickstart/main.hcl", load.Options{}); !diags.HasErrors() {
		t.Fatal("a single HCL file must be refused with advice")
	}
}
