package hcllang

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// VarValue is a variable value read from a file or the command line, with
// where it came from.
type VarValue struct {
	Value cty.Value
	Range hcl.Range
}

// LoadVarFile reads a variable definitions file: NAME = value lines in HCL
// (*.tfvars, *.hcl vars) or a JSON object (*.tfvars.json). Values must be
// constants.
func (l *Loader) LoadVarFile(path string) (map[string]VarValue, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read variables file",
			Detail:   fmt.Sprintf("Reading %s: %s.", path, err),
		}}
	}
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(path, ".json") {
		f, diags = l.parser.ParseJSON(src, path)
	} else {
		f, diags = l.parser.ParseHCL(src, path)
	}
	if f == nil || f.Body == nil {
		return nil, diags
	}
	attrs, ad := f.Body.JustAttributes()
	diags = append(diags, ad...)
	out := make(map[string]VarValue, len(attrs))
	for name, a := range attrs {
		v, vd := a.Expr.Value(nil)
		if vd.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Variable value must be a constant",
				Detail:   fmt.Sprintf("The value of %s in a variables file cannot refer to other objects or call functions: write the value itself.", name),
				Subject:  a.Expr.Range().Ptr(),
			})
			continue
		}
		out[name] = VarValue{Value: v, Range: a.Expr.Range()}
	}
	return out, diags
}

// AutoVarFiles lists the variable files loaded automatically from dir, in
// the order they apply: terraform.tfvars, terraform.tfvars.json, indigo
// equivalents, then *.auto.tfvars and *.auto.tfvars.json sorted by name.
func AutoVarFiles(dir string) []string {
	var out []string
	for _, n := range []string{"terraform.tfvars", "terraform.tfvars.json", "indigo.tfvars", "indigo.tfvars.json"} {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && !st.IsDir() {
			out = append(out, filepath.Join(dir, n))
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	var auto []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".auto.tfvars") || strings.HasSuffix(n, ".auto.tfvars.json")) {
			auto = append(auto, filepath.Join(dir, n))
		}
	}
	sort.Strings(auto)
	return append(out, auto...)
}

// ParseVarFlag reads the value of -var NAME=VALUE. For a variable whose type
// is a primitive the value is taken as a string literal; otherwise it is
// parsed as an HCL expression, as Terraform does.
func ParseVarFlag(raw string, primitive func(name string) bool) (string, VarValue, hcl.Diagnostics) {
	eq := strings.IndexByte(raw, '=')
	if eq <= 0 {
		return "", VarValue{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid -var option",
			Detail:   fmt.Sprintf("%q is not of the form NAME=VALUE.", raw),
		}}
	}
	name, text := raw[:eq], raw[eq+1:]
	rng := hcl.Range{Filename: "<value for var." + name + ">", Start: hcl.InitialPos, End: hcl.InitialPos}
	if primitive != nil && primitive(name) {
		return name, VarValue{Value: cty.StringVal(text), Range: rng}, nil
	}
	v, diags := parseExprValue(text, rng.Filename)
	if diags.HasErrors() {
		return name, VarValue{}, diags
	}
	return name, VarValue{Value: v, Range: rng}, nil
}
