package funcs

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// MakeTemplateFileFunc returns templatefile(path, vars): renders the HCL
// template in a file (${...} interpolations, %{if}/%{for} directives) with
// the given variables and the functions in inner. A relative path is
// resolved against baseDir. A template consisting of a single interpolation
// returns that value unchanged, whatever its type.
//
// inner must not hold a working templatefile or templatestring: a template
// that renders itself would never end (Table puts functions there that
// explain this).
func MakeTemplateFileFunc(baseDir string, inner map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Description: "Renders an HCL template file with the given variables.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			// Marks on individual variables flow through rendering, so that
			// only results that use a sensitive variable are sensitive. The
			// function handles unknown vars itself to keep their marks.
			{Name: "vars", Type: cty.DynamicPseudoType, AllowMarked: true, AllowUnknown: true},
		},
		Type: function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			full, err := resolvePath(baseDir, args[0].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			src, err := os.ReadFile(full)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, fileError(full, err))
			}
			return renderTemplate(src, full, args[1], inner)
		},
	})
}

// MakeTemplateStringFunc returns templatestring(template, vars): renders a
// template held in a string, as templatefile does a file.
//
// Terraform accepts only a reference (local.tpl, data.x.body) as the first
// argument, to stop a literal template being rendered twice; indigo
// accepts any string expression.
func MakeTemplateStringFunc(inner map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Description: "Renders an HCL template held in a string with the given variables.",
		Params: []function.Parameter{
			{Name: "template", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType, AllowMarked: true, AllowUnknown: true},
		},
		Type: function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return renderTemplate([]byte(args[0].AsString()), "<templatestring>", args[1], inner)
		},
	})
}

// renderTemplate parses and evaluates a template. Diagnostics become one
// error that keeps their file:line:col.
func renderTemplate(src []byte, filename string, vars cty.Value, inner map[string]function.Function) (cty.Value, error) {
	expr, diags := hclsyntax.ParseTemplate(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, function.NewArgErrorf(0, "template is invalid: %s", diagsText(diags))
	}

	vars, varsMarks := vars.Unmark()
	if !vars.IsKnown() {
		return cty.DynamicVal.WithMarks(varsMarks), nil
	}
	ty := vars.Type()
	if !(ty.IsMapType() || ty.IsObjectType()) {
		return cty.NilVal, function.NewArgErrorf(1, "must be a map or object of template variables, not %s", ty.FriendlyName())
	}
	names := make(map[string]cty.Value, vars.LengthInt())
	for it := vars.ElementIterator(); it.Next(); {
		k, v := it.Element()
		name := k.AsString()
		if !hclsyntax.ValidIdentifier(name) {
			return cty.NilVal, function.NewArgErrorf(1, "%q cannot be a template variable name: it must start with a letter and hold only letters, digits, underscores and dashes", name)
		}
		names[name] = v
	}

	// Name every missing variable at once, with where the template uses it.
	var missing []string
	for _, tr := range expr.Variables() {
		root := tr.RootName()
		if _, ok := names[root]; !ok {
			missing = append(missing, fmt.Sprintf("%q (at %s)", root, tr.SourceRange()))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return cty.NilVal, function.NewArgErrorf(1, "has no value for template variable %s", strings.Join(missing, ", "))
	}

	val, diags := expr.Value(&hcl.EvalContext{Variables: names, Functions: inner})
	if diags.HasErrors() {
		return cty.NilVal, fmt.Errorf("rendering the template: %s", diagsText(diags))
	}
	return val.WithMarks(varsMarks), nil
}

// diagsText renders diagnostics as "file:line,col: summary; detail" lines.
func diagsText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		s := d.Summary
		if d.Detail != "" {
			s += "; " + d.Detail
		}
		if d.Subject != nil {
			s = d.Subject.String() + ": " + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n")
}

// noNestedTemplateFunc stands in for a template function inside a template,
// so that calling one says why it is not allowed instead of "no function".
func noNestedTemplateFunc(name string) function.Function {
	return function.New(&function.Spec{
		Description: "Not available inside a template.",
		VarParam: &function.Parameter{
			Name:             "args",
			Type:             cty.DynamicPseudoType,
			AllowUnknown:     true,
			AllowNull:        true,
			AllowDynamicType: true,
			AllowMarked:      true,
		},
		Type: func([]cty.Value) (cty.Type, error) {
			return cty.NilType, fmt.Errorf("%s cannot be called from inside a template: a template rendering templates could recurse without end", name)
		},
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
			return cty.NilVal, fmt.Errorf("%s cannot be called from inside a template", name)
		},
	})
}
