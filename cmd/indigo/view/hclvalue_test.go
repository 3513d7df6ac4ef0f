package view

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/marks"
)

// Values are written as `terraform output` 1.11.4 writes them: the wants
// are its output for the same values.
func TestHCLValue(t *testing.T) {
	for _, tc := range []struct {
		v    cty.Value
		want string
	}{
		{cty.True, "true"},
		{cty.NumberIntVal(-3), "-3"},
		{cty.MustParseNumberVal("1e20"), "100000000000000000000"},
		{cty.MustParseNumberVal("0.1"), "0.1"},
		{cty.StringVal("tab\there \"quoted\" é ${x} %{y}"), `"tab\there \"quoted\" é ${x} %{y}"`},
		{cty.ListValEmpty(cty.String), "tolist([])"},
		{cty.SetValEmpty(cty.String), "toset([])"},
		{cty.MapValEmpty(cty.String), "tomap({})"},
		{cty.EmptyObjectVal, "{}"},
		{cty.EmptyTupleVal, "[]"},
		{cty.StringVal("EOT\nx"), "<<EOT_\nEOT\nx\nEOT_"},
		{cty.StringVal("multi\nline\n"), "<<EOT\nmulti\nline\n\nEOT"},
		{cty.ObjectVal(map[string]cty.Value{"s": cty.StringVal("a\nb")}), "{\n  \"s\" = <<-EOT\n  a\n  b\n  EOT\n}"},
		{cty.ObjectVal(map[string]cty.Value{"a b": cty.ObjectVal(map[string]cty.Value{"c": cty.EmptyTupleVal})}), "{\n  \"a b\" = {\n    \"c\" = []\n  }\n}"},
		{cty.TupleVal([]cty.Value{cty.MustParseNumberVal("1e20"), cty.MustParseNumberVal("0.1"), cty.NumberIntVal(-3), cty.NullVal(cty.DynamicPseudoType)}),
			"[\n  100000000000000000000,\n  0.1,\n  -3,\n  null,\n]"},
		{cty.MapVal(map[string]cty.Value{"bb": cty.StringVal("2"), "a": cty.StringVal("1")}), "tomap({\n  \"a\" = \"1\"\n  \"bb\" = \"2\"\n})"},
		{cty.SetVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(2)}), cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1)})}),
			"toset([\n  {\n    \"a\" = 1\n  },\n  {\n    \"a\" = 2\n  },\n])"},
		{cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.StringVal("two"), cty.TupleVal([]cty.Value{cty.NumberIntVal(3)}), cty.ObjectVal(map[string]cty.Value{"k": cty.StringVal("v")})}),
			"[\n  1,\n  \"two\",\n  [\n    3,\n  ],\n  {\n    \"k\" = \"v\"\n  },\n]"},
		{cty.ObjectVal(map[string]cty.Value{"p": cty.StringVal("x").Mark(marks.Sensitive)}), "{\n  \"p\" = (sensitive value)\n}"},
	} {
		var b strings.Builder
		hclValue(&b, tc.v, 0)
		if b.String() != tc.want {
			t.Errorf("%#v:\n%s\nwant\n%s", tc.v, b.String(), tc.want)
		}
	}
}
