package view

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/indigo-cloud/indigo/lang/marks"
)

// The statements were read from Terraform 1.11's validate -json on the
// same values (snippet.values), and its text output for the layout.
func TestDiagnosticExpressionValues(t *testing.T) {
	local := cty.ObjectVal(map[string]cty.Value{
		"vnull":  cty.NullVal(cty.DynamicPseudoType),
		"vnum":   cty.NumberFloatVal(1.5),
		"vint":   cty.NumberIntVal(42),
		"vbool":  cty.True,
		"vml":    cty.StringVal("a\nb"),
		"vobj0":  cty.EmptyObjectVal,
		"vobj1":  cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1)}),
		"vobj2":  cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.NumberIntVal(2)}),
		"vtup0":  cty.EmptyTupleVal,
		"vtup1":  cty.TupleVal([]cty.Value{cty.NumberIntVal(1)}),
		"vlist0": cty.ListValEmpty(cty.DynamicPseudoType),
		"vlist3": cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b"), cty.StringVal("c")}),
		"vset2":  cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
		"vmap2":  cty.MapVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.NumberIntVal(2)}),
		"vnest":  cty.ObjectVal(map[string]cty.Value{"a": cty.ObjectVal(map[string]cty.Value{"b": cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)})})}),
		"vm":     cty.MapVal(map[string]cty.Value{"k": cty.ObjectVal(map[string]cty.Value{"x": cty.StringVal("s")})}),
		"sec":    cty.StringVal("hunter2").Mark(marks.Sensitive),
		"eph":    cty.StringVal("token").Mark(marks.Ephemeral),
		"unk":    cty.UnknownVal(cty.List(cty.String)),
		"dyn":    cty.DynamicVal,
	})
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"local": local}}
	for _, tc := range []struct {
		expr string
		want []ExpressionValue
	}{
		{"local.vnull.x", []ExpressionValue{{"local.vnull", "is null"}}},
		{"local.vnum.x", []ExpressionValue{{"local.vnum", "is 1.5"}}},
		{"local.vint.x", []ExpressionValue{{"local.vint", "is 42"}}},
		{"local.vbool.x", []ExpressionValue{{"local.vbool", "is true"}}},
		{"local.vml.x", []ExpressionValue{{"local.vml", `is "a\nb"`}}},
		{"local.vobj0.x", []ExpressionValue{{"local.vobj0", "is object with no attributes"}}},
		{"local.vobj1.x", []ExpressionValue{{"local.vobj1", `is object with 1 attribute "a"`}}},
		{"local.vobj2.x", []ExpressionValue{{"local.vobj2", "is object with 2 attributes"}}},
		{"local.vtup0.x", []ExpressionValue{{"local.vtup0", "is empty tuple"}}},
		{"local.vtup1.x", []ExpressionValue{{"local.vtup1", "is tuple with 1 element"}}},
		{"local.vlist0.x", []ExpressionValue{{"local.vlist0", "is empty list of dynamic"}}},
		{"local.vlist3.x", []ExpressionValue{{"local.vlist3", "is list of string with 3 elements"}}},
		{"local.vset2.x", []ExpressionValue{{"local.vset2", "is set of string with 2 elements"}}},
		{"local.vmap2.x", []ExpressionValue{{"local.vmap2", "is map of number with 2 elements"}}},
		{"local.vnest.a.b.c", []ExpressionValue{{"local.vnest.a.b", "is tuple with 2 elements"}}},
		{`local.vm["k"].y`, []ExpressionValue{{`local.vm["k"]`, `is object with 1 attribute "x"`}}},
		{"local.sec.x", []ExpressionValue{}},
		{"local.eph.x", []ExpressionValue{}},
		{"local.unk.x", []ExpressionValue{{"local.unk", "is a list of string"}}},
		{"local.vint + local.vml", []ExpressionValue{{"local.vml", `is "a\nb"`}}},
		{"upper(local.vtup1, local.vtup1)", []ExpressionValue{{"local.vtup1", "is tuple with 1 element"}}},
	} {
		expr, diags := hclsyntax.ParseExpression([]byte(tc.expr), "main.tf", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", tc.expr, diags)
		}
		_, diags = expr.Value(ctx)
		if !diags.HasErrors() {
			t.Fatalf("%s: no error", tc.expr)
		}
		if got := expressionValues(diags[0]); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s (%s): values %v, want %v", tc.expr, diags[0].Summary, got, tc.want)
		}
	}
}

// The values are printed under the source line as Terraform prints them,
// and are in the JSON snippet (empty, not absent, when there are none).
func TestDiagnosticExpressionValuesShown(t *testing.T) {
	src := []byte("# the locals\nbad = local.l[5]\n")
	f, _ := hclsyntax.ParseConfig(src, "main.tf", hcl.InitialPos)
	attrs, _ := f.Body.JustAttributes()
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"local": cty.ObjectVal(map[string]cty.Value{"l": cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)})})}}
	_, diags := attrs["bad"].Expr.Value(ctx)
	if !diags.HasErrors() {
		t.Fatal("no error")
	}
	diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "No expression", Subject: attrs["bad"].NameRange.Ptr()})
	srcs := NewSources(map[string]*hcl.File{"main.tf": f})
	var text bytes.Buffer
	Diagnostics(&text, diags, srcs)
	want := "   2: bad = local.l[5]\n                   ^^^\n    ├────────────────\n    │ local.l is tuple with 2 elements\n"
	if !strings.Contains(text.String(), want) {
		t.Errorf("text:\n%s\nwant it to hold:\n%s", text.String(), want)
	}
	if strings.Count(text.String(), "├") != 1 {
		t.Errorf("text:\n%s\nwant values under the first diagnostic only", text.String())
	}
	js := ToJSON(diags, srcs)
	if got := js[0].Snippet.Values; !reflect.DeepEqual(got, []ExpressionValue{{"local.l", "is tuple with 2 elements"}}) {
		t.Errorf("JSON values %v", got)
	}
	if got := js[1].Snippet.Values; got == nil || len(got) != 0 {
		t.Errorf("JSON values %#v, want an empty list", got)
	}
}

// A diagnostic from a function's call names the function and its
// signature: "while calling join(separator, lists...)" in text, and
// snippet.function_call in JSON (as Terraform 1.11 writes them).
func TestDiagnosticFunctionCall(t *testing.T) {
	src := []byte("bad = join(\",\", local.m)\n")
	f, _ := hclsyntax.ParseConfig(src, "main.tf", hcl.InitialPos)
	attrs, _ := f.Body.JustAttributes()
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"local": cty.ObjectVal(map[string]cty.Value{"m": cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x")})})},
		Functions: map[string]function.Function{"join": stdlib.JoinFunc},
	}
	_, diags := attrs["bad"].Expr.Value(ctx)
	if !diags.HasErrors() {
		t.Fatal("no error")
	}
	srcs := NewSources(map[string]*hcl.File{"main.tf": f})
	var text bytes.Buffer
	Diagnostics(&text, diags, srcs)
	want := "    ├────────────────\n    │ while calling join(separator, lists...)\n    │ local.m is object with 1 attribute \"a\"\n"
	if !strings.Contains(text.String(), want) {
		t.Errorf("text:\n%s\nwant it to hold:\n%s", text.String(), want)
	}
	got, err := json.Marshal(ToJSON(diags, srcs)[0].Snippet.FunctionCall)
	if err != nil {
		t.Fatal(err)
	}
	if w := `{"called_as":"join","signature":{"name":"join","params":[{"name":"separator","type":"string"}],"variadic_param":{"name":"lists","type":["list","string"]},"return_type":"string"}}`; string(got) != w {
		t.Errorf("function_call %s\nwant %s", got, w)
	}
}

// The signature's return type is the function's for its parameters' types
// and one variadic argument of its type, as Terraform works it out: a
// variadic parameter of any type that does not accept an unknown type
// makes it "dynamic".
func TestDiagnosticFunctionCallDynamicReturn(t *testing.T) {
	pick := function.New(&function.Spec{
		Params:   []function.Parameter{{Name: "n", Type: cty.Number}},
		VarParam: &function.Parameter{Name: "values", Type: cty.DynamicPseudoType},
		Type:     function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.NilVal, errors.New("no value to pick")
		},
	})
	src := []byte("bad = pick(1, \"a\")\n")
	f, _ := hclsyntax.ParseConfig(src, "main.tf", hcl.InitialPos)
	attrs, _ := f.Body.JustAttributes()
	ctx := &hcl.EvalContext{Functions: map[string]function.Function{"pick": pick}}
	_, diags := attrs["bad"].Expr.Value(ctx)
	if !diags.HasErrors() {
		t.Fatal("want an error")
	}
	got, err := json.Marshal(ToJSON(diags, NewSources(map[string]*hcl.File{"main.tf": f}))[0].Snippet.FunctionCall)
	if err != nil {
		t.Fatal(err)
	}
	if w := `{"called_as":"pick","signature":{"name":"pick","params":[{"name":"n","type":"number"}],"variadic_param":{"name":"values","type":"dynamic"},"return_type":"dynamic"}}`; string(got) != w {
		t.Errorf("function_call %s\nwant %s", got, w)
	}
}

type testAddress string

func (a testAddress) DiagnosticAddress() string { return string(a) }

// A diagnostic about one resource instance names it as Terraform does:
// "with ADDR," above its source in text, "address" in JSON.
func TestDiagnosticAddress(t *testing.T) {
	src := []byte("resource \"local_file\" \"a\" {\n  filename = \"a\"\n}\n")
	f, _ := hclsyntax.ParseConfig(src, "main.tf", hcl.InitialPos)
	rng := hcl.Range{Filename: "main.tf", Start: hcl.Pos{Line: 1, Column: 1, Byte: 0}, End: hcl.Pos{Line: 1, Column: 27, Byte: 26}}
	diags := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Read local file error", Detail: "is a directory", Subject: &rng, Extra: testAddress("local_file.a")}}
	srcs := NewSources(map[string]*hcl.File{"main.tf": f})
	var text bytes.Buffer
	Diagnostics(&text, diags, srcs)
	want := "\nError: Read local file error\n\n  with local_file.a,\n  on main.tf line 1, in resource \"local_file\" \"a\":\n   1: resource \"local_file\" \"a\" {\n"
	if !strings.HasPrefix(text.String(), want) {
		t.Errorf("text:\n%s\nwant it to start with:\n%s", text.String(), want)
	}
	js, err := json.Marshal(ToJSON(diags, srcs)[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"detail":"is a directory","address":"local_file.a","range":`) {
		t.Errorf("JSON %s lacks the address between detail and range", js)
	}
}
