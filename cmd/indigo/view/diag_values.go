package view

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/marks"
)

// ExpressionValue is what a diagnostic says of one value its expression
// refers to ("local.ports is tuple with 2 elements"), in the snippet of
// Terraform's machine-readable diagnostics (snippet.values) and under the
// source line in text.
type ExpressionValue struct {
	Traversal string `json:"traversal"`
	Statement string `json:"statement"`
}

// expressionValues describes the values of the references in the
// expression a diagnostic is about, as they were when it was evaluated
// (the expression and its evaluation context come with the diagnostics
// of HCL's evaluation), sorted by reference. Each reference is described
// by its longest part that has a value: local.m.b of an object without b
// says what local.m is. Sensitive and ephemeral values are never
// described, nor values unknown of any type; an unknown value of a known
// type says only its type.
func expressionValues(d *hcl.Diagnostic) []ExpressionValue {
	out := []ExpressionValue{}
	if d.Expression == nil || d.EvalContext == nil {
		return out
	}
	seen := map[string]bool{}
	for _, trav := range d.Expression.Variables() {
		for n := len(trav); n > 1; n-- {
			val, diags := trav[:n].TraverseAbs(d.EvalContext)
			if diags.HasErrors() {
				continue
			}
			name := traversalString(trav[:n])
			if statement, ok := valueStatement(val); ok && !seen[name] {
				seen[name] = true
				out = append(out, ExpressionValue{Traversal: name, Statement: statement})
			}
			break
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Traversal < out[j].Traversal })
	return out
}

// valueStatement says what v is, or false when it must not be said.
func valueStatement(v cty.Value) (string, bool) {
	if v.HasMark(marks.Sensitive) || v.HasMark(marks.Ephemeral) {
		return "", false
	}
	// Marks deeper inside are not shown: only the shape of a collection
	// or an object is, never its elements.
	v, _ = v.UnmarkDeep()
	ty := v.Type()
	if !v.IsKnown() {
		if ty == cty.DynamicPseudoType {
			return "", false
		}
		return "is a " + ty.FriendlyName(), true
	}
	return "is " + compactValue(v), true
}

// compactValue is a short description of a known, unmarked value: the
// value itself for a primitive, the type and size of anything else.
func compactValue(v cty.Value) string {
	ty := v.Type()
	switch {
	case v.IsNull():
		return "null"
	case ty == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case ty == cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case ty == cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	case ty.IsObjectType():
		attrs := ty.AttributeTypes()
		switch len(attrs) {
		case 0:
			return "object with no attributes"
		case 1:
			for name := range attrs {
				return fmt.Sprintf("object with 1 attribute %q", name)
			}
		}
		return fmt.Sprintf("object with %d attributes", len(attrs))
	case ty.IsTupleType():
		return sized("tuple", v.LengthInt())
	case ty.IsCollectionType():
		return sized(ty.FriendlyName(), v.LengthInt())
	}
	return ty.FriendlyName()
}

func sized(what string, n int) string {
	switch n {
	case 0:
		return "empty " + what
	case 1:
		return what + " with 1 element"
	}
	return fmt.Sprintf("%s with %d elements", what, n)
}

// traversalString writes a reference as it reads in the configuration:
// local.m["a"].b, with "..." for an index that is not a primitive value.
func traversalString(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			key := "..."
			if s.Key.Type().IsPrimitiveType() && !s.Key.IsMarked() && s.Key.IsKnown() {
				key = compactValue(s.Key)
			}
			b.WriteString("[" + key + "]")
		case hcl.TraverseSplat:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// FunctionCall names the function a diagnostic arose in and its signature,
// as Terraform's machine-readable diagnostics do (snippet.function_call).
type FunctionCall struct {
	CalledAs  string             `json:"called_as"`
	Signature *FunctionSignature `json:"signature,omitempty"`
}

// FunctionSignature is a function's parameters and result type; types are
// in cty's JSON type syntax ("string", ["list", "string"]).
type FunctionSignature struct {
	Name          string          `json:"name"`
	Params        []FunctionParam `json:"params"`
	VariadicParam *FunctionParam  `json:"variadic_param,omitempty"`
	ReturnType    json.RawMessage `json:"return_type"`
}

// FunctionParam is one parameter of a function.
type FunctionParam struct {
	Name string          `json:"name"`
	Type json.RawMessage `json:"type"`
}

// functionCall returns the function a diagnostic arose in, when HCL's
// evaluation says so and the evaluation context holds the function (an
// unknown function has no signature to show).
func functionCall(d *hcl.Diagnostic) *FunctionCall {
	extra, ok := hcl.DiagnosticExtra[hclsyntax.FunctionCallDiagExtra](d)
	if !ok || extra.CalledFunctionName() == "" {
		return nil
	}
	name := extra.CalledFunctionName()
	for ctx := d.EvalContext; ctx != nil; ctx = ctx.Parent() {
		f, ok := ctx.Functions[name]
		if !ok {
			continue
		}
		// A provider's function is named without its namespace.
		sig := &FunctionSignature{Name: name, Params: []FunctionParam{}}
		if i := strings.LastIndex(name, "::"); i >= 0 {
			sig.Name = name[i+2:]
		}
		var argTypes []cty.Type
		for _, p := range f.Params() {
			sig.Params = append(sig.Params, FunctionParam{Name: p.Name, Type: typeJSON(p.Type)})
			argTypes = append(argTypes, p.Type)
		}
		if p := f.VarParam(); p != nil {
			sig.VariadicParam = &FunctionParam{Name: p.Name, Type: typeJSON(p.Type)}
			// One variadic argument of its type, as Terraform asks: a
			// function whose variadic parameter takes any type then
			// returns "dynamic" (format).
			argTypes = append(argTypes, p.Type)
		}
		ret, err := f.ReturnType(argTypes)
		if err != nil {
			ret = cty.DynamicPseudoType
		}
		sig.ReturnType = typeJSON(ret)
		return &FunctionCall{CalledAs: name, Signature: sig}
	}
	return nil
}

func typeJSON(ty cty.Type) json.RawMessage {
	b, err := ctyjson.MarshalType(ty)
	if err != nil {
		return json.RawMessage(`"dynamic"`)
	}
	return b
}

// callLine is how text output names the function: upper(str),
// join(separator, lists...).
func (c *FunctionCall) callLine() string {
	var params []string
	for _, p := range c.Signature.Params {
		params = append(params, p.Name)
	}
	if p := c.Signature.VariadicParam; p != nil {
		params = append(params, p.Name+"...")
	}
	return c.CalledAs + "(" + strings.Join(params, ", ") + ")"
}
