package eval_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
)

// TestValidateManyResourcesAsOneAfterTheOther: a module with enough
// resources to be validated on several processors reports the same
// problems, in the same order, with the schema's validations called in the
// same order, as when they are validated one after the other. Some
// resources need a value nothing computed before them (a child module's
// output): they are validated again after the others.
func TestValidateManyResourcesAsOneAfterTheOther(t *testing.T) {
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString(`
variable "n" {
  type = number
}
locals {
  prefix = "p"
}
module "child" {
  source = "./child"
  in     = local.prefix
}
`)
	for i := range 150 {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&src, "resource \"t_thing\" \"r%03d\" {\n  name = \"${local.prefix}-%d\"\n  size = %d\n}\n", i, i, i)
		case 1:
			fmt.Fprintf(&src, "resource \"t_thing\" \"r%03d\" {\n  name = module.child.out\n  size = module.child.num\n}\n", i)
		case 2:
			fmt.Fprintf(&src, "resource \"t_thing\" \"r%03d\" {\n  name = local.missing%d\n}\n", i, i)
		case 3:
			fmt.Fprintf(&src, "resource \"t_thing\" \"r%03d\" {\n  name = \"x\"\n  size = \"not a number %d\"\n}\n", i, i)
		case 4:
			fmt.Fprintf(&src, "resource \"t_thing\" \"r%03d\" {\n  name = module.child.nope\n  bogus = var.n\n}\n", i)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	child := "variable \"in\" {\n  type = string\n}\noutput \"out\" {\n  value = \"${var.in}-child\"\n}\noutput \"num\" {\n  value = 7\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "child", "main.tf"), []byte(child), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(procs int) (string, []string) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		cfg, diags := hcllang.NewLoader().LoadDir(dir)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var validated []string
		opts := eval.ValidateOptions{Schemas: func(c *config.Config, r *config.Resource) eval.ResourceSchema {
			return eval.ResourceSchema{Known: true, Provider: "t", Spec: thingSpec, Validate: func(v cty.Value) hcl.Diagnostics {
				validated = append(validated, r.Addr().String())
				if v.GetAttr("size").RawEquals(cty.NumberIntVal(50)) {
					return hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "provider says: fifty"}}
				}
				return nil
			}}
		}}
		var out strings.Builder
		for _, d := range eval.Validate(cfg, opts) {
			fmt.Fprintf(&out, "%s: %s; %s\n", d.Subject, d.Summary, d.Detail)
		}
		return out.String(), validated
	}
	oneByOne, oneByOneCalls := run(1)
	for _, want := range []string{"provider says: fifty", `"missing2"`, "Unsupported argument", "Incorrect attribute value type", "no output \"nope\""} {
		if !strings.Contains(oneByOne, want) {
			t.Fatalf("the problems lack %q:\n%s", want, oneByOne)
		}
	}
	if len(oneByOneCalls) < 60 {
		t.Fatalf("%d validations, want at least 60", len(oneByOneCalls))
	}
	for range 5 {
		got, calls := run(4)
		if got != oneByOne {
			t.Fatalf("on 4 processors:\n%s\none after the other:\n%s", got, oneByOne)
		}
		if !slices.Equal(calls, oneByOneCalls) {
			t.Fatalf("validations on 4 processors %v,\none after the other %v", calls, oneByOneCalls)
		}
	}
}
