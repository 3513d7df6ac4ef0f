package eval_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
)

// thingSpec is the schema of a resource type t_thing: a required name, an
// optional size and nested rule blocks with a port.
var thingSpec = hcldec.ObjectSpec{
	"name": &hcldec.AttrSpec{Name: "name", Type: cty.String, Required: true},
	"size": &hcldec.AttrSpec{Name: "size", Type: cty.Number},
	"rule": &hcldec.BlockListSpec{TypeName: "rule", Nested: hcldec.ObjectSpec{
		"port": &hcldec.AttrSpec{Name: "port", Type: cty.Number},
	}},
}

// validateWithSchema validates src with t_thing's schema and returns the
// problems and the values the provider's validation was given.
func validateWithSchema(t *testing.T, src string) (hcl.Diagnostics, []cty.Value) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := hcllang.NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var validated []cty.Value
	opts := eval.ValidateOptions{Schemas: func(c *config.Config, r *config.Resource) eval.ResourceSchema {
		return eval.ResourceSchema{Known: true, Provider: "t", Spec: thingSpec, Validate: func(v cty.Value) hcl.Diagnostics {
			validated = append(validated, v)
			return nil
		}}
	}}
	return append(diags, eval.Validate(cfg, opts)...), validated
}

// TestValidateWithSchemaReportsEveryExpression: a body the schema accepts
// is evaluated once, and a body it does not accept, or that has dynamic
// blocks, still has every expression checked, each problem reported once.
func TestValidateWithSchemaReportsEveryExpression(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		// want are substrings, each of exactly one diagnostic's summary
		// and detail; no other diagnostic is allowed.
		want      []string
		validated int
	}{
		{name: "accepted", body: "name = \"x\"\nsize = 1\nrule {\n port = 80\n}\n", validated: 1},
		{name: "undeclared reference in an argument of the schema", body: "name = var.nope\n", want: []string{`"nope"`}},
		{name: "misspelt argument", body: "nam = \"x\"\n", want: []string{"Unsupported argument", "Missing required argument"}},
		{name: "undeclared reference in an argument not in the schema", body: "name = \"x\"\nbogus = local.gone\n", want: []string{"Unsupported argument", `"gone"`}},
		{name: "wrong type in a nested block", body: "name = \"x\"\nrule {\n port = \"eighty\"\n}\n", want: []string{"Incorrect attribute value type"}},
		{name: "dynamic block with unknown for_each", body: "name = \"x\"\ndynamic \"rule\" {\n for_each = var.ports\n content {\n port = local.missing\n }\n}\n", want: []string{`"missing"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "variable \"ports\" {}\nresource \"t_thing\" \"a\" {\n" + tc.body + "}\n"
			diags, validated := validateWithSchema(t, src)
			used := make([]bool, len(diags))
			for _, w := range tc.want {
				n := 0
				for i, d := range diags {
					if strings.Contains(d.Summary+" "+d.Detail, w) {
						n++
						used[i] = true
					}
				}
				if n != 1 {
					t.Errorf("%d diagnostics say %s, want 1: %v", n, w, diags)
				}
			}
			for i, d := range diags {
				if !used[i] {
					t.Errorf("unexpected diagnostic: %v", d)
				}
			}
			if len(validated) != tc.validated {
				t.Errorf("the provider validated %d values, want %d", len(validated), tc.validated)
			}
			if tc.validated == 1 {
				if got := validated[0].GetAttr("name"); !got.RawEquals(cty.StringVal("x")) {
					t.Errorf("the provider was given name %#v", got)
				}
			}
		})
	}
}

// TestValidateProviderBlockWithSchema: a provider block's body is decoded
// with its provider's schema, for each instance of a provider with
// for_each too: unknown arguments, type errors, undeclared references;
// without the schema, nothing is said of it.
func TestValidateProviderBlockWithSchema(t *testing.T) {
	dir := t.TempDir()
	src := `
provider "t" {
  name = var.nope
  size = "large"
}
provider "t" {
  alias    = "each"
  for_each = toset(["a"])
  name     = each.key
  color    = "red"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := hcllang.NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var got []string
	opts := eval.ValidateOptions{ProviderSchemas: func(c *config.Config, pc *config.ProviderConfig) eval.ResourceSchema {
		return eval.ResourceSchema{Known: true, Provider: "t", Spec: thingSpec}
	}}
	for _, d := range eval.Validate(cfg, opts) {
		got = append(got, fmt.Sprintf("%d %s", d.Subject.Start.Line, d.Summary))
	}
	slices.Sort(got)
	want := []string{"10 Unsupported argument", "3 Reference to undeclared input variable", "4 Incorrect attribute value type"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	if d := eval.Validate(cfg, eval.ValidateOptions{}); d.HasErrors() {
		for _, e := range d {
			if e.Summary == "Unsupported argument" || e.Summary == "Incorrect attribute value type" {
				t.Errorf("without the schema: %s", e.Summary)
			}
		}
	}
}
