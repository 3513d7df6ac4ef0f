package funcs

import (
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/zclconf/go-cty/cty"
)

func TestToFuncs(t *testing.T) {
	runCalls(t, MakeToFunc(cty.String), []callCase{
		{"number", args(cty.NumberIntVal(5)), cty.StringVal("5"), ""},
		{"bool", args(cty.True), cty.StringVal("true"), ""},
		{"null", args(cty.NullVal(cty.Number)), cty.NullVal(cty.String), ""},
		{"unknown", args(cty.UnknownVal(cty.Number)), cty.UnknownVal(cty.String), ""},
		{"dynamic", args(cty.DynamicVal), cty.UnknownVal(cty.String), ""},
		{"sensitive", args(sensitive(cty.NumberIntVal(1))), sensitive(cty.StringVal("1")), ""},
		{"list", args(cty.ListVal(strs("a"))), cty.NilVal, "cannot convert list of string to string"},
	})
	runCalls(t, MakeToFunc(cty.Number), []callCase{
		{"string", args(cty.StringVal("1.5")), cty.NumberFloatVal(1.5), ""},
		{"bad string", args(cty.StringVal("one")), cty.NilVal, `cannot convert "one" to number`},
		{"bad sensitive string", args(sensitive(cty.StringVal("hunter2"))), cty.NilVal, "cannot convert this string to number"},
	})
	runCalls(t, MakeToFunc(cty.Bool), []callCase{
		{"string", args(cty.StringVal("false")), cty.False, ""},
		{"bad string", args(cty.StringVal("yes")), cty.NilVal, `cannot convert "yes" to bool`},
		{"number", args(cty.NumberIntVal(1)), cty.NilVal, "cannot convert number to bool"},
	})
	runCalls(t, MakeToFunc(cty.List(cty.DynamicPseudoType)), []callCase{
		{"tuple", args(cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.NumberIntVal(1)})), cty.ListVal(strs("a", "1")), ""},
		{"keeps element marks", args(cty.TupleVal([]cty.Value{sensitive(cty.StringVal("a")), cty.StringVal("b")})),
			cty.ListVal([]cty.Value{sensitive(cty.StringVal("a")), cty.StringVal("b")}), ""},
		{"mixed tuple", args(cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.ListValEmpty(cty.String)})), cty.NilVal, "cannot convert"},
	})
	runCalls(t, MakeToFunc(cty.Set(cty.DynamicPseudoType)), []callCase{
		{"dedups", args(cty.TupleVal(strs("b", "a", "b"))), cty.SetVal(strs("a", "b")), ""},
	})
	runCalls(t, MakeToFunc(cty.Map(cty.DynamicPseudoType)), []callCase{
		{"object", args(obj(map[string]cty.Value{"a": cty.StringVal("x"), "b": cty.True})),
			cty.MapVal(map[string]cty.Value{"a": cty.StringVal("x"), "b": cty.StringVal("true")}), ""},
		{"string", args(cty.StringVal("x")), cty.NilVal, "cannot convert string to map of any single type"},
	})
}

func TestType(t *testing.T) {
	runCalls(t, TypeFunc, []callCase{
		{"string", args(cty.StringVal("x")), cty.StringVal("string"), ""},
		{"object", args(obj(map[string]cty.Value{"a": cty.ListVal(strs("x"))})), cty.StringVal("object({a=list(string)})"), ""},
		{"unknown of known type", args(cty.UnknownVal(cty.Map(cty.Number))), cty.StringVal("map(number)"), ""},
		{"dynamic", args(cty.DynamicVal), cty.UnknownVal(cty.String), ""},
		{"sensitive value's type is not secret", args(sensitive(cty.True)), cty.StringVal("bool"), ""},
	})
}

func TestSensitivity(t *testing.T) {
	otherMark := "other"
	nested := cty.MapVal(map[string]cty.Value{
		"a": sensitive(cty.StringVal("x")),
		"b": cty.StringVal("y").Mark(otherMark),
	})
	runCalls(t, SensitiveFunc, []callCase{
		{"string", args(cty.StringVal("x")), sensitive(cty.StringVal("x")), ""},
		{"already", args(sensitive(cty.StringVal("x"))), sensitive(cty.StringVal("x")), ""},
		{"null", args(cty.NullVal(cty.String)), sensitive(cty.NullVal(cty.String)), ""},
		{"unknown", args(cty.UnknownVal(cty.String)), sensitive(cty.UnknownVal(cty.String)), ""},
		{"keeps other marks", args(cty.True.Mark(otherMark)), cty.True.WithMarks(cty.NewValueMarks(otherMark, marks.Sensitive)), ""},
	})
	runCalls(t, NonsensitiveFunc, []callCase{
		{"string", args(sensitive(cty.StringVal("x"))), cty.StringVal("x"), ""},
		{"not sensitive is fine", args(cty.StringVal("x")), cty.StringVal("x"), ""},
		{"unknown", args(sensitive(cty.UnknownVal(cty.String))), cty.UnknownVal(cty.String), ""},
		{"nested marks removed, others kept", args(sensitive(nested)),
			cty.MapVal(map[string]cty.Value{"a": cty.StringVal("x"), "b": cty.StringVal("y").Mark(otherMark)}), ""},
	})
	runCalls(t, IsSensitiveFunc, []callCase{
		{"yes", args(sensitive(cty.StringVal("x"))), cty.True, ""},
		{"no", args(cty.StringVal("x")), cty.False, ""},
		{"only nested", args(nested), cty.False, ""},
		{"sensitive unknown", args(sensitive(cty.UnknownVal(cty.String))), cty.True, ""},
		{"plain unknown", args(cty.UnknownVal(cty.String)), cty.UnknownVal(cty.Bool), ""},
		{"null", args(cty.NullVal(cty.String)), cty.False, ""},
	})
	eph := func(v cty.Value) cty.Value { return v.Mark(marks.Ephemeral) }
	runCalls(t, EphemeralAsNullFunc, []callCase{
		{"unchanged", args(nested), nested, ""},
		{"whole", args(eph(cty.StringVal("pw"))), cty.NullVal(cty.String), ""},
		{"nested part", args(cty.ObjectVal(map[string]cty.Value{"pw": eph(cty.StringVal("pw")), "user": cty.StringVal("u")})),
			cty.ObjectVal(map[string]cty.Value{"pw": cty.NullVal(cty.String), "user": cty.StringVal("u")}), ""},
		{"other marks kept", args(sensitive(eph(cty.StringVal("pw")))), sensitive(cty.NullVal(cty.String)), ""},
	})
}

func TestToErrorDoesNotRevealSensitiveString(t *testing.T) {
	_, err := MakeToFunc(cty.Bool).Call(args(sensitive(cty.StringVal("hunter2"))))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v must exist and must not show the sensitive string", err)
	}
}
