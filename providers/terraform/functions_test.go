package terraform

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
)

// callFunction calls a function of the provider through the framework's
// protocol-6 server, as indigo does over gRPC: the argument is sent as a
// dynamic value (string for decode_tfvars) and the result read back as
// cty. It returns the function's error text, if any.
func callFunction(t *testing.T, name string, arg cty.Value) (cty.Value, string) {
	t.Helper()
	ctx := context.Background()
	srv := providerserver.NewProtocol6(New("test")())()
	argType, resultType := tftypes.Type(tftypes.DynamicPseudoType), tftypes.Type(tftypes.String)
	if name == "decode_tfvars" {
		argType, resultType = tftypes.String, tftypes.DynamicPseudoType
	}
	tv, err := tftypesValue(arg)
	if err != nil {
		t.Fatal(err)
	}
	dv, err := tfprotov6.NewDynamicValue(argType, tv)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.CallFunction(ctx, &tfprotov6.CallFunctionRequest{Name: name, Arguments: []*tfprotov6.DynamicValue{&dv}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error != nil {
		return cty.NilVal, resp.Error.Text
	}
	rv, err := resp.Result.Unmarshal(resultType)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ctyValue(rv)
	if err != nil {
		t.Fatal(err)
	}
	return v, ""
}

func TestFunctionsListed(t *testing.T) {
	srv := providerserver.NewProtocol6(New("test")())()
	resp, err := srv.GetFunctions(context.Background(), &tfprotov6.GetFunctionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"encode_tfvars", "decode_tfvars", "encode_expr"} {
		if resp.Functions[name] == nil {
			t.Errorf("function %s is not listed (got %v)", name, resp.Functions)
		}
	}
}

// sample is a value of every kind decode_tfvars gives back: strings,
// numbers, bools, null, nested objects and tuples, empty ones too.
var sample = cty.ObjectVal(map[string]cty.Value{
	"name":  cty.StringVal("web \"1\"\n${x}"),
	"port":  cty.NumberIntVal(8080),
	"ratio": cty.NumberFloatVal(1.5),
	"on":    cty.True,
	"none":  cty.NullVal(cty.DynamicPseudoType),
	"tags":  cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.NumberIntVal(2), cty.False}),
	"meta": cty.ObjectVal(map[string]cty.Value{
		"owner": cty.StringVal("ops"),
		"deep":  cty.ObjectVal(map[string]cty.Value{"list": cty.TupleVal([]cty.Value{cty.EmptyObjectVal})}),
	}),
	"empty": cty.EmptyObjectVal,
	"et":    cty.EmptyTupleVal,
})

func TestEncodeTfvars(t *testing.T) {
	got, errText := callFunction(t, "encode_tfvars", sample)
	if errText != "" {
		t.Fatal(errText)
	}
	want := `empty = {}
et    = []
meta = {
  deep = {
    list = [{}]
  }
  owner = "ops"
}
name  = "web \"1\"\n$${x}"
none  = null
on    = true
port  = 8080
ratio = 1.5
tags  = ["a", 2, false]
`
	if got.AsString() != want {
		t.Errorf("got\n%s\nwant\n%s", got.AsString(), want)
	}

	// Lists and sets are written as tuples, maps as objects; a map
	// argument is taken as an object.
	colls := cty.ObjectVal(map[string]cty.Value{
		"l": cty.ListVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)}),
		"s": cty.SetVal([]cty.Value{cty.StringVal("p")}),
		"m": cty.MapVal(map[string]cty.Value{"k": cty.StringVal("v")}),
	})
	got, errText = callFunction(t, "encode_tfvars", colls)
	if want := "l = [1, 2]\nm = {\n  k = \"v\"\n}\ns = [\"p\"]\n"; errText != "" || got.AsString() != want {
		t.Errorf("collections: got %#v, %q; want %q", got, errText, want)
	}
	m := cty.MapVal(map[string]cty.Value{"b": cty.NumberIntVal(2), "a": cty.NumberIntVal(1)})
	got, errText = callFunction(t, "encode_tfvars", m)
	if want := "a = 1\nb = 2\n"; errText != "" || got.AsString() != want {
		t.Errorf("map: got %#v, %q; want %q", got, errText, want)
	}
}

func TestEncodeExpr(t *testing.T) {
	for _, tc := range []struct {
		in   cty.Value
		want string
	}{
		{cty.StringVal(`a"b`), `"a\"b"`},
		{cty.NumberIntVal(-3), `-3`},
		{cty.True, `true`},
		{cty.NullVal(cty.DynamicPseudoType), `null`},
		{cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.StringVal("x")}), `[1, "x"]`},
		{cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "bb": cty.StringVal("x")}), "{\n  a  = 1\n  bb = \"x\"\n}"},
		{cty.EmptyObjectVal, `{}`},
	} {
		got, errText := callFunction(t, "encode_expr", tc.in)
		if errText != "" || got.AsString() != tc.want {
			t.Errorf("encode_expr(%#v) = %#v, %q; want %q", tc.in, got, errText, tc.want)
		}
	}
}

// TestTfvarsRoundTrip checks that decode_tfvars gives back what
// encode_tfvars wrote, and what encode_expr wrote as one variable's value.
func TestTfvarsRoundTrip(t *testing.T) {
	s, errText := callFunction(t, "encode_tfvars", sample)
	if errText != "" {
		t.Fatal(errText)
	}
	back, errText := callFunction(t, "decode_tfvars", s)
	if errText != "" {
		t.Fatal(errText)
	}
	if !back.RawEquals(sample) {
		t.Errorf("decode_tfvars(encode_tfvars(v)) = %#v\nwant %#v", back, sample)
	}

	for name, v := range sample.AsValueMap() {
		expr, errText := callFunction(t, "encode_expr", v)
		if errText != "" {
			t.Fatal(errText)
		}
		back, errText := callFunction(t, "decode_tfvars", cty.StringVal("v = "+expr.AsString()))
		if errText != "" {
			t.Fatalf("%s: %s", name, errText)
		}
		if got := back.GetAttr("v"); !got.RawEquals(v) {
			t.Errorf("%s: decoding %s gave %#v, want %#v", name, expr.AsString(), got, v)
		}
	}
}

func TestFunctionErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		arg  cty.Value
		want []string
	}{
		{"encode_tfvars", cty.ObjectVal(map[string]cty.Value{"ok": cty.True, "a b": cty.True}), []string{`"a b"`, "not a valid variable name"}},
		{"encode_tfvars", cty.ObjectVal(map[string]cty.Value{"1x": cty.True}), []string{`"1x"`}},
		{"encode_tfvars", cty.NullVal(cty.DynamicPseudoType), []string{"null", "give an object"}},
		{"encode_tfvars", cty.StringVal("a = 1"), []string{"is a string", "give an object"}},
		{"decode_tfvars", cty.StringVal("a = 1\nb = \n"), []string{"<decode_tfvars argument>:2,5-3,1", "Invalid expression"}},
		{"decode_tfvars", cty.StringVal("a = var.x"), []string{"<decode_tfvars argument>:1,5-8", "Variables not allowed"}},
		{"decode_tfvars", cty.StringVal("a = upper(\"x\")"), []string{"<decode_tfvars argument>:1,5", "Function calls not allowed"}},
		{"decode_tfvars", cty.StringVal("a {}\n"), []string{"<decode_tfvars argument>:1,1-2", "block"}},
		{"encode_tfvars", cty.ObjectVal(map[string]cty.Value{"a": cty.TupleVal([]cty.Value{cty.True, cty.PositiveInfinity})}), []string{"value at a[1]", "infinite"}},
		{"encode_expr", cty.NegativeInfinity, []string{"the value is an infinite number"}},
	} {
		got, errText := callFunction(t, tc.name, tc.arg)
		if errText == "" {
			t.Errorf("%s(%#v) = %#v, want an error", tc.name, tc.arg, got)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(errText, w) {
				t.Errorf("%s(%#v): error %q does not say %q", tc.name, tc.arg, errText, w)
			}
		}
	}
}

func TestFunctionUnknowns(t *testing.T) {
	partly := cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.UnknownVal(cty.String)})
	for _, tc := range []struct {
		name string
		arg  cty.Value
	}{
		{"encode_tfvars", cty.DynamicVal},
		{"encode_tfvars", partly},
		{"encode_expr", cty.DynamicVal},
		{"encode_expr", partly},
		{"encode_expr", cty.UnknownVal(cty.String)},
		{"decode_tfvars", cty.UnknownVal(cty.String)},
	} {
		got, errText := callFunction(t, tc.name, tc.arg)
		if errText != "" || got.IsKnown() {
			t.Errorf("%s(%#v) = %#v, %q; want an unknown value", tc.name, tc.arg, got, errText)
		}
	}
	// Unknown is not an excuse for a wrong argument.
	if _, errText := callFunction(t, "encode_tfvars", cty.UnknownVal(cty.String)); !strings.Contains(errText, "give an object") {
		t.Errorf("encode_tfvars(unknown string): error %q, want one asking for an object", errText)
	}
}

// TestConvertRoundTrip checks the cty and tftypes conversions on values
// of every type, unknown and null ones included.
func TestConvertRoundTrip(t *testing.T) {
	for _, v := range []cty.Value{
		sample,
		cty.ListVal([]cty.Value{cty.StringVal("a")}),
		cty.ListValEmpty(cty.Number),
		cty.SetVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)}),
		cty.SetValEmpty(cty.Bool),
		cty.MapVal(map[string]cty.Value{"k": cty.ObjectVal(map[string]cty.Value{"x": cty.UnknownVal(cty.Bool)})}),
		cty.MapValEmpty(cty.String),
		cty.NullVal(cty.List(cty.String)),
		cty.UnknownVal(cty.Object(map[string]cty.Type{"a": cty.Number})),
		cty.DynamicVal,
		cty.NumberFloatVal(0.1),
	} {
		tv, err := tftypesValue(v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		back, err := ctyValue(tv)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if !back.RawEquals(v) {
			t.Errorf("round trip of %#v gave %#v", v, back)
		}
	}
}

// FuzzDecodeTfvars: decode_tfvars never panics, and what it decodes
// encode_tfvars writes back to content that decodes to the same value.
func FuzzDecodeTfvars(f *testing.F) {
	for _, seed := range []string{
		"a = 1\n",
		"name = \"web\"\nzones = [\"a\", \"b\"]\nmeta = { owner = \"ops\", n = 2.5 }\n",
		"x = null\ny = {}\nz = []\n",
		"s = <<EOT\nline\nEOT\n",
		"a = -1e3\nb = \"$${x} %%{y}\"\n",
		"a = \n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, err := decodeTfvarsString(src)
		if err != nil || hugeNumber(v) {
			return
		}
		s, err := encodeTfvarsValue(v)
		if err != nil {
			t.Fatalf("decoded %q to %#v, which encode_tfvars refuses: %v", src, v, err)
		}
		back, err := decodeTfvarsString(s.ValueString())
		if err != nil {
			t.Fatalf("encode_tfvars wrote %q for %q, which does not decode: %v", s.ValueString(), src, err)
		}
		if !back.Equals(v).True() {
			t.Fatalf("%q decoded to %#v, written as %q, decoded again to %#v", src, v, s.ValueString(), back)
		}
	})
}

// hugeNumber reports whether v holds a number so far from 1 that writing
// it out in full (as HCL writes numbers: no exponent) takes seconds, or
// an infinite one (1e999999999 overflows), which encoding refuses.
func hugeNumber(v cty.Value) bool {
	huge := false
	_ = cty.Walk(v, func(_ cty.Path, v cty.Value) (bool, error) {
		if v.Type() == cty.Number && v.IsKnown() && !v.IsNull() {
			f := v.AsBigFloat()
			if e := f.MantExp(nil); e > 3000 || e < -3000 || f.IsInf() {
				huge = true
			}
		}
		return !huge, nil
	})
	return huge
}
