package terraform

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/providers/plugin"
)

// The three functions Terraform's built-in provider offers. Each works on
// cty values: the framework's dynamic argument is turned into one
// (convert.go) and hclwrite and hclsyntax do the writing and reading.

// tfvarsFilename names the string decode_tfvars parses in its errors.
const tfvarsFilename = "<decode_tfvars argument>"

type encodeTfvars struct{}

func newEncodeTfvars() function.Function { return encodeTfvars{} }

func (encodeTfvars) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "encode_tfvars"
}

func (encodeTfvars) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary:     "Writes an object's attributes as the content of a .tfvars file",
		Description: "Writes one line name = value per attribute of the object, sorted by name, each value as an HCL expression. Every attribute name must be a valid identifier.",
		Parameters: []function.Parameter{function.DynamicParameter{
			Name:               "value",
			Description:        "An object whose attributes become the file's variables.",
			AllowNullValue:     true,
			AllowUnknownValues: true,
		}},
		Return: function.StringReturn{},
	}
}

func (encodeTfvars) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	v, ferr := dynamicArgument(ctx, req)
	if ferr != nil {
		resp.Error = ferr
		return
	}
	s, err := encodeTfvarsValue(v)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	resp.Error = resp.Result.Set(ctx, s)
}

// encodeTfvarsValue is encode_tfvars on a cty value: a string, unknown
// while any part of v is.
func encodeTfvarsValue(v cty.Value) (types.String, error) {
	if v.IsNull() {
		return types.StringNull(), fmt.Errorf("the value to encode is null: give an object whose attributes are the variables")
	}
	ty := v.Type()
	if ty != cty.DynamicPseudoType && !ty.IsObjectType() && !ty.IsMapType() {
		return types.StringNull(), fmt.Errorf("the value to encode is a %s: give an object whose attributes are the variables", ty.FriendlyName())
	}
	if !v.IsWhollyKnown() {
		return types.StringUnknown(), nil
	}
	if err := checkFinite(v); err != nil {
		return types.StringNull(), err
	}
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	// ElementIterator walks an object's attributes and a map's keys in
	// lexical order, which is the order of the file.
	for it := v.ElementIterator(); it.Next(); {
		k, val := it.Element()
		name := k.AsString()
		if !hclsyntax.ValidIdentifier(name) {
			return types.StringNull(), fmt.Errorf("attribute %q is not a valid variable name: a name starts with a letter or underscore and holds only letters, digits, underscores and dashes", name)
		}
		body.SetAttributeValue(name, val)
	}
	// Format aligns the equals signs of neighbouring one-line attributes,
	// as a hand-written file would.
	return types.StringValue(string(hclwrite.Format(f.Bytes()))), nil
}

type decodeTfvars struct{}

func newDecodeTfvars() function.Function { return decodeTfvars{} }

func (decodeTfvars) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "decode_tfvars"
}

func (decodeTfvars) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary:     "Reads the content of a .tfvars file into an object",
		Description: "Parses the string as a .tfvars file (attributes only, constant values: no variables or function calls) and returns an object with one attribute per variable.",
		Parameters: []function.Parameter{function.StringParameter{
			Name:               "content",
			Description:        "The content of a .tfvars file.",
			AllowUnknownValues: true,
		}},
		Return: function.DynamicReturn{},
	}
}

func (decodeTfvars) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var s types.String
	if resp.Error = req.Arguments.Get(ctx, &s); resp.Error != nil {
		return
	}
	if s.IsUnknown() {
		resp.Error = resp.Result.Set(ctx, types.DynamicUnknown())
		return
	}
	v, err := decodeTfvarsString(s.ValueString())
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	d, err := frameworkDynamic(ctx, v)
	if err != nil {
		resp.Error = function.NewFuncError(err.Error())
		return
	}
	resp.Error = resp.Result.Set(ctx, d)
}

// decodeTfvarsString parses src as a .tfvars file into an object of its
// attributes' values. The expressions are evaluated without variables or
// functions, so a file that needs either is an error that says where.
func decodeTfvarsString(src string) (cty.Value, error) {
	f, diags := hclsyntax.ParseConfig([]byte(src), tfvarsFilename, hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, tfvarsError(diags)
	}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		return cty.NilVal, tfvarsError(diags)
	}
	vals := make(map[string]cty.Value, len(attrs))
	for name, attr := range attrs {
		v, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		vals[name] = v
	}
	if diags.HasErrors() {
		return cty.NilVal, tfvarsError(diags)
	}
	return cty.ObjectVal(vals), nil
}

// tfvarsError is the errors of diags, each with its place in the string.
func tfvarsError(diags hcl.Diagnostics) error {
	var lines []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		lines = append(lines, d.Error())
	}
	return fmt.Errorf("the string is not valid .tfvars content: %s", strings.Join(lines, "\n"))
}

type encodeExpr struct{}

func newEncodeExpr() function.Function { return encodeExpr{} }

func (encodeExpr) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "encode_expr"
}

func (encodeExpr) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary:     "Writes a value as an HCL expression",
		Description: "Writes the value as one HCL expression that gives back an equivalent value, as a .tfvars file writes it.",
		Parameters: []function.Parameter{function.DynamicParameter{
			Name:               "value",
			Description:        "Any value.",
			AllowNullValue:     true,
			AllowUnknownValues: true,
		}},
		Return: function.StringReturn{},
	}
}

func (encodeExpr) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	v, ferr := dynamicArgument(ctx, req)
	if ferr != nil {
		resp.Error = ferr
		return
	}
	s, err := encodeExprValue(v)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	resp.Error = resp.Result.Set(ctx, s)
}

// encodeExprValue is encode_expr on a cty value.
func encodeExprValue(v cty.Value) (types.String, error) {
	if !v.IsWhollyKnown() {
		return types.StringUnknown(), nil
	}
	if err := checkFinite(v); err != nil {
		return types.StringNull(), err
	}
	return types.StringValue(string(hclwrite.Format(hclwrite.TokensForValue(v).Bytes()))), nil
}

// checkFinite refuses a value holding an infinite number: HCL has no
// literal for one (hclwrite would write "+ Inf", a reference to Inf).
func checkFinite(v cty.Value) error {
	var inf cty.Path
	found := false
	_ = cty.Walk(v, func(p cty.Path, v cty.Value) (bool, error) {
		if !found && v.Type() == cty.Number && !v.IsNull() && v.AsBigFloat().IsInf() {
			inf, found = p.Copy(), true
		}
		return !found, nil
	})
	if !found {
		return nil
	}
	where := "the value"
	if len(inf) > 0 {
		where = "the value at " + plugin.FormatPath(inf)
	}
	return fmt.Errorf("%s is an infinite number, which an HCL expression cannot write", where)
}

// dynamicArgument is the function's only argument, a dynamic one, as a
// cty value.
func dynamicArgument(ctx context.Context, req function.RunRequest) (cty.Value, *function.FuncError) {
	var d types.Dynamic
	if ferr := req.Arguments.Get(ctx, &d); ferr != nil {
		return cty.NilVal, ferr
	}
	v, err := ctyDynamic(ctx, d)
	if err != nil {
		return cty.NilVal, function.NewArgumentFuncError(0, err.Error())
	}
	return v, nil
}
