package eval_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
)

const providerFunctionsSrc = `
terraform {
  required_providers {
    tf = { source = "terraform.io/builtin/terraform" }
  }
}
locals {
  a = provider::tf::encode_expr(1)
  b = [for x in [1] : provider::tf::encode_expr(provider::tf::decode_tfvars("v = 1"))]
  c = upper("not a provider function")
}
output "undeclared" {
  value = provider::other::f(local.a)
}
`

// TestModuleFunctions: the loader notes every provider-defined function a
// module calls, nested calls included, with the place of its first call;
// ModuleFunctions makes each call the provider the local name means, with
// the arguments unmarked and the marks put back on the result, and
// reports a local name required_providers does not declare.
func TestModuleFunctions(t *testing.T) {
	mod, diags := hcllang.NewLoader().LoadSource("/m", map[string][]byte{"main.tf": []byte(providerFunctionsSrc)})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var names []string
	for name, rng := range mod.ProviderFunctionCalls {
		names = append(names, name+"@"+rng.String())
	}
	for _, want := range []string{"provider::tf::encode_expr@main.tf:8,7-", "provider::tf::decode_tfvars@main.tf:9,49-", "provider::other::f@main.tf:13,11-"} {
		found := false
		for _, n := range names {
			found = found || strings.HasPrefix(n, want)
		}
		if !found {
			t.Errorf("calls %v do not include %s", names, want)
		}
	}
	if len(names) != 3 {
		t.Errorf("calls %v, want 3", names)
	}

	var called []string
	call := func(p config.Provider, name string, args []cty.Value) (cty.Value, error) {
		called = append(called, p.String()+" "+name)
		for _, a := range args {
			if a.IsMarked() {
				return cty.NilVal, errors.New("a marked argument reached the provider")
			}
		}
		if name == "decode_tfvars" {
			return cty.NilVal, errors.New("refused")
		}
		return cty.StringVal("ok"), nil
	}
	base := map[string]function.Function{}
	fns, diags := eval.ModuleFunctions(base, mod, call)
	if len(diags) != 1 || diags[0].Summary != "Function of an undeclared provider" || diags[0].Subject.Start.Line != 13 {
		t.Errorf("diagnostics %v, want one about provider::other::f at line 13", diags)
	}
	if len(base) != 0 {
		t.Error("ModuleFunctions changed the base table")
	}
	secret := cty.NumberIntVal(1).Mark("sensitive")
	v, err := fns["provider::tf::encode_expr"].Call([]cty.Value{secret})
	if err != nil || !v.HasMark("sensitive") || v.IsNull() {
		t.Errorf("encode_expr(sensitive) = %#v, %v; want a sensitive result", v, err)
	}
	if _, err := fns["provider::tf::decode_tfvars"].Call([]cty.Value{cty.StringVal("x")}); err == nil || err.Error() != "refused" {
		t.Errorf("decode_tfvars error %v, want the provider's", err)
	}
	if want := "terraform.io/builtin/terraform encode_expr"; len(called) == 0 || called[0] != want {
		t.Errorf("called %v, want %s first", called, want)
	}
	// The undeclared one is a stand-in: the provider is never asked.
	n := len(called)
	if v, err := fns["provider::other::f"].Call([]cty.Value{cty.True}); err != nil || v.IsKnown() || len(called) != n {
		t.Errorf("undeclared stand-in = %#v, %v, calls %v", v, err, called[n:])
	}

	// Without a caller (validation), every function answers unknown.
	fns, _ = eval.ModuleFunctions(base, mod, nil)
	if v, err := fns["provider::tf::encode_expr"].Call([]cty.Value{cty.True}); err != nil || v.IsKnown() {
		t.Errorf("stand-in = %#v, %v; want unknown", v, err)
	}
	// A module that calls none shares the base table.
	plain, _ := hcllang.NewLoader().LoadSource("/p", map[string][]byte{"main.tf": []byte(`locals { x = "provider::tf::f(1)" }`)})
	if plain.ProviderFunctionCalls != nil {
		t.Errorf("a string that spells a call was taken for one: %v", plain.ProviderFunctionCalls)
	}
}

// TestValidateProviderFunctions: validation accepts calls to functions of
// declared providers, whatever they return, and reports the undeclared
// local name once, at the call.
func TestValidateProviderFunctions(t *testing.T) {
	diags, _ := validateWithSchema(t, providerFunctionsSrc+`
resource "t_thing" "a" {
  name = provider::tf::encode_expr(local.b)
}
`)
	if len(diags) != 1 || diags[0].Summary != "Function of an undeclared provider" || !strings.Contains(diags[0].Detail, `"other"`) {
		t.Errorf("diagnostics %v, want one about the undeclared local name", diags)
	}
}

// TestModuleFunctionsFromJSON: a JSON file's templates are searched for
// provider-defined function calls, located at the name; a name of an
// undeclared provider found only in JSON strings is not an error by
// itself (it may be mentioned, not called), one called in native syntax
// is.
func TestModuleFunctionsFromJSON(t *testing.T) {
	files := map[string][]byte{
		"versions.tf": []byte(`
terraform {
  required_providers {
    tf = { source = "terraform.io/builtin/terraform" }
  }
}
`),
		"main.tf.json": []byte(`{
  "locals": {
    "a": "${provider::tf::encode_expr (1)}",
    "b": "mentions provider::other::f() only"
  }
}
`),
	}
	mod, diags := hcllang.NewLoader().LoadSource("/m", files)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	rng, ok := mod.ProviderFunctionCalls["provider::tf::encode_expr"]
	if !ok || rng.String() != "main.tf.json:3,13-38" {
		t.Errorf("encode_expr found at %v (%v), want main.tf.json:3,13-38", rng, ok)
	}
	if !mod.ProviderFunctionsInJSON["provider::other::f"] {
		t.Errorf("provider::other::f is not listed as found in JSON: %v", mod.ProviderFunctionsInJSON)
	}
	fns, diags := eval.ModuleFunctions(map[string]function.Function{}, mod, nil)
	if diags.HasErrors() {
		t.Errorf("a function of an undeclared provider mentioned in a JSON string is an error: %v", diags)
	}
	if _, ok := fns["provider::tf::encode_expr"]; !ok {
		t.Error("encode_expr, called from JSON, is not registered")
	}

	files["extra.tf"] = []byte("output \"o\" {\n  value = provider::other::f()\n}\n")
	mod, _ = hcllang.NewLoader().LoadSource("/m", files)
	if _, diags = eval.ModuleFunctions(map[string]function.Function{}, mod, nil); !diags.HasErrors() || !strings.Contains(diags.Error(), "undeclared provider") {
		t.Errorf("a call in native syntax of an undeclared provider's function: %v", diags)
	}
}

// TestValidateDeclaredProviderFunctions: with the providers' declarations
// of their functions, validation reports what plan would: a function the
// provider does not have, too many or too few arguments, an argument of
// the wrong type; and a declared function's result has its declared type.
func TestValidateDeclaredProviderFunctions(t *testing.T) {
	dir := t.TempDir()
	src := `
terraform {
  required_providers {
    tf = { source = "terraform.io/builtin/terraform" }
  }
}
locals {
  ok       = provider::tf::encode_expr(1)
  many     = provider::tf::encode_expr(1, 2)
  none     = provider::tf::decode_tfvars()
  typed    = provider::tf::decode_tfvars(["not", "a", "string"])
  unknown  = provider::tf::nope("x")
  result   = provider::tf::encode_expr(1).x
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := hcllang.NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tf := config.Provider{Hostname: "terraform.io", Namespace: "builtin", Type: "terraform"}
	var asked []string
	decls := func(p config.Provider, fn string) (*eval.FunctionDecl, bool) {
		asked = append(asked, p.String()+" "+fn)
		if p != tf {
			return nil, false
		}
		str := function.Parameter{Name: "value", Type: cty.String}
		switch fn {
		case "encode_expr":
			return &eval.FunctionDecl{Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowNull: true}}, Return: cty.String}, true
		case "decode_tfvars":
			return &eval.FunctionDecl{Params: []function.Parameter{str}, Return: cty.DynamicPseudoType}, true
		}
		return nil, true
	}
	var got []string
	for _, d := range eval.Validate(cfg, eval.ValidateOptions{Functions: decls}) {
		got = append(got, fmt.Sprintf("%d: %s", d.Subject.Start.Line, d.Summary))
	}
	want := []string{
		"9: Too many function arguments",
		"10: Not enough function arguments",
		"11: Invalid function argument",
		"12: Unknown provider function",
		"13: Unsupported attribute",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q (asked %v)", got, want, asked)
	}
}
