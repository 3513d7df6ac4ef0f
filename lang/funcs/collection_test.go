package funcs

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func bools(bs ...cty.Value) cty.Value { return cty.ListVal(bs) }

func TestAllTrue(t *testing.T) {
	runCalls(t, AllTrueFunc, []callCase{
		{"empty", args(cty.ListValEmpty(cty.Bool)), cty.True, ""},
		{"all true", args(bools(cty.True, cty.True)), cty.True, ""},
		{"one false", args(bools(cty.True, cty.False)), cty.False, ""},
		{"null counts as false", args(bools(cty.True, cty.NullVal(cty.Bool))), cty.False, ""},
		{"unknown element", args(bools(cty.True, cty.UnknownVal(cty.Bool))), cty.UnknownVal(cty.Bool), ""},
		{"false decides despite unknown", args(bools(cty.UnknownVal(cty.Bool), cty.False)), cty.False, ""},
		{"unknown list", args(cty.UnknownVal(cty.List(cty.Bool))), cty.UnknownVal(cty.Bool), ""},
		{"sensitive element marks result", args(bools(sensitive(cty.True))), sensitive(cty.True), ""},
		{"null list", args(cty.NullVal(cty.List(cty.Bool))), cty.NilVal, "must not be null"},
	})
}

func TestAnyTrue(t *testing.T) {
	runCalls(t, AnyTrueFunc, []callCase{
		{"empty", args(cty.ListValEmpty(cty.Bool)), cty.False, ""},
		{"one true", args(bools(cty.False, cty.True)), cty.True, ""},
		{"all false", args(bools(cty.False, cty.NullVal(cty.Bool))), cty.False, ""},
		{"unknown element", args(bools(cty.False, cty.UnknownVal(cty.Bool))), cty.UnknownVal(cty.Bool), ""},
		{"true decides despite unknown", args(bools(cty.UnknownVal(cty.Bool), cty.True)), cty.True, ""},
	})
}

func TestCoalesce(t *testing.T) {
	runCalls(t, CoalesceFunc, []callCase{
		{"first non-null", args(cty.NullVal(cty.String), cty.StringVal("a"), cty.StringVal("b")), cty.StringVal("a"), ""},
		{"skips empty string", args(cty.StringVal(""), cty.StringVal("b")), cty.StringVal("b"), ""},
		{"unifies number to string", args(cty.NullVal(cty.String), cty.NumberIntVal(5)), cty.StringVal("5"), ""},
		{"numbers", args(cty.NullVal(cty.Number), cty.NumberIntVal(0)), cty.NumberIntVal(0), ""},
		{"unknown before answer", args(cty.UnknownVal(cty.String), cty.StringVal("b")), cty.UnknownVal(cty.String), ""},
		{"unknown after answer ignored", args(cty.StringVal("a"), cty.UnknownVal(cty.String)), cty.StringVal("a"), ""},
		{"skipped sensitive marks result", args(sensitive(cty.NullVal(cty.String)), cty.StringVal("b")), sensitive(cty.StringVal("b")), ""},
		{"later sensitive does not", args(cty.StringVal("a"), sensitive(cty.StringVal("b"))), cty.StringVal("a"), ""},
		{"all empty", args(cty.NullVal(cty.String), cty.StringVal("")), cty.NilVal, "all arguments are null or empty"},
		{"no common type", args(cty.StringVal("a"), cty.ListValEmpty(cty.String)), cty.NilVal, "same type"},
		{"no arguments", nil, cty.NilVal, "at least one argument"},
	})
}

func TestIndex(t *testing.T) {
	list := cty.ListVal(strs("a", "b", "c"))
	runCalls(t, IndexFunc, []callCase{
		{"found", args(list, cty.StringVal("b")), cty.NumberIntVal(1), ""},
		{"first of duplicates", args(cty.ListVal(strs("x", "y", "x")), cty.StringVal("x")), cty.NumberIntVal(0), ""},
		{"tuple", args(cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.StringVal("z")}), cty.StringVal("z")), cty.NumberIntVal(1), ""},
		{"unknown element", args(cty.ListVal([]cty.Value{cty.UnknownVal(cty.String), cty.StringVal("b")}), cty.StringVal("b")), cty.UnknownVal(cty.Number), ""},
		{"unknown list", args(cty.UnknownVal(cty.List(cty.String)), cty.StringVal("b")), cty.UnknownVal(cty.Number), ""},
		{"not found", args(list, cty.StringVal("z")), cty.NilVal, "no element equal"},
		{"empty", args(cty.ListValEmpty(cty.String), cty.StringVal("z")), cty.NilVal, "empty"},
		{"map", args(cty.MapVal(map[string]cty.Value{"a": cty.True}), cty.True), cty.NilVal, "must be a list or tuple"},
		{"sensitive value", args(list, sensitive(cty.StringVal("c"))), sensitive(cty.NumberIntVal(2)), ""},
	})
}

func TestLength(t *testing.T) {
	runCalls(t, LengthFunc, []callCase{
		{"list", args(cty.ListVal(strs("a", "b"))), cty.NumberIntVal(2), ""},
		{"map", args(cty.MapVal(map[string]cty.Value{"a": cty.True})), cty.NumberIntVal(1), ""},
		{"set", args(cty.SetVal(strs("a", "b", "a"))), cty.NumberIntVal(2), ""},
		{"tuple", args(cty.EmptyTupleVal), cty.NumberIntVal(0), ""},
		{"object counts attributes", args(cty.ObjectVal(map[string]cty.Value{"a": cty.True, "b": cty.False})), cty.NumberIntVal(2), ""},
		{"string counts characters", args(cty.StringVal("héllo👋")), cty.NumberIntVal(6), ""},
		{"unknown tuple length is known", args(cty.UnknownVal(cty.Tuple([]cty.Type{cty.String, cty.Bool}))), cty.NumberIntVal(2), ""},
		{"unknown list", args(cty.UnknownVal(cty.List(cty.String))), cty.UnknownVal(cty.Number), ""},
		{"unknown string", args(cty.UnknownVal(cty.String)), cty.UnknownVal(cty.Number), ""},
		{"dynamic", args(cty.DynamicVal), cty.UnknownVal(cty.Number), ""},
		{"sensitive elements do not mark the count", args(cty.ListVal([]cty.Value{sensitive(cty.StringVal("s"))})), cty.NumberIntVal(1), ""},
		{"sensitive collection does", args(sensitive(cty.ListVal(strs("a")))), sensitive(cty.NumberIntVal(1)), ""},
		{"sensitive unknown keeps mark", args(sensitive(cty.UnknownVal(cty.List(cty.String)))), sensitive(cty.UnknownVal(cty.Number)), ""},
		{"number", args(cty.NumberIntVal(3)), cty.NilVal, "must be a string, a collection"},
		{"null", args(cty.NullVal(cty.List(cty.String))), cty.NilVal, "must not be null"},
	})
}

func TestLookup(t *testing.T) {
	m := cty.MapVal(map[string]cty.Value{"a": cty.StringVal("x"), "b": cty.StringVal("y")})
	obj := cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("n"), "size": cty.NumberIntVal(3)})
	runCalls(t, LookupFunc, []callCase{
		{"map hit", args(m, cty.StringVal("a")), cty.StringVal("x"), ""},
		{"map hit ignores default", args(m, cty.StringVal("a"), cty.StringVal("d")), cty.StringVal("x"), ""},
		{"map miss default", args(m, cty.StringVal("z"), cty.StringVal("d")), cty.StringVal("d"), ""},
		{"map miss converts default", args(m, cty.StringVal("z"), cty.NumberIntVal(1)), cty.StringVal("1"), ""},
		{"map miss null default", args(m, cty.StringVal("z"), cty.NullVal(cty.DynamicPseudoType)), cty.NullVal(cty.String), ""},
		{"map miss two arguments", args(m, cty.StringVal("z")), cty.NilVal, `no element with key "z"`},
		{"sensitive key not shown", args(m, sensitive(cty.StringVal("hunter2"))), cty.NilVal, "no element with key (sensitive key)"},
		{"object attribute", args(obj, cty.StringVal("size")), cty.NumberIntVal(3), ""},
		{"object miss default of other type", args(obj, cty.StringVal("x"), cty.True), cty.True, ""},
		{"object miss two arguments", args(obj, cty.StringVal("x")), cty.NilVal, `no attribute "x"`},
		{"unknown key on object", args(obj, cty.UnknownVal(cty.String)), cty.DynamicVal, ""},
		{"unknown map", args(cty.UnknownVal(cty.Map(cty.String)), cty.StringVal("a"), cty.StringVal("d")), cty.UnknownVal(cty.String), ""},
		{"unknown default unused", args(m, cty.StringVal("a"), cty.UnknownVal(cty.String)), cty.StringVal("x"), ""},
		{"sensitive map", args(sensitive(m), cty.StringVal("a")), sensitive(cty.StringVal("x")), ""},
		{"sensitive unknown map", args(sensitive(cty.UnknownVal(cty.Map(cty.String))), cty.StringVal("a")), sensitive(cty.UnknownVal(cty.String)), ""},
		{"sensitive element only marks its own result", args(cty.MapVal(map[string]cty.Value{"a": cty.StringVal("x"), "s": sensitive(cty.StringVal("y"))}), cty.StringVal("a")), cty.StringVal("x"), ""},
		{"sensitive default", args(m, cty.StringVal("z"), sensitive(cty.StringVal("d"))), sensitive(cty.StringVal("d")), ""},
		{"default of wrong type", args(m, cty.StringVal("z"), cty.ListValEmpty(cty.String)), cty.NilVal, "element type"},
		{"not a map", args(cty.StringVal("s"), cty.StringVal("a")), cty.NilVal, "must be a map or an object"},
		{"too many arguments", args(m, cty.StringVal("a"), cty.StringVal("b"), cty.StringVal("c")), cty.NilVal, "at most three"},
		{"null map", args(cty.NullVal(cty.Map(cty.String)), cty.StringVal("a")), cty.NilVal, "must not be null"},
	})
}

func TestMatchKeys(t *testing.T) {
	values := cty.ListVal(strs("i-1", "i-2", "i-3"))
	keys := cty.ListVal(strs("us-east", "eu-west", "us-east"))
	runCalls(t, MatchKeysFunc, []callCase{
		{"matches", args(values, keys, cty.ListVal(strs("us-east"))), cty.ListVal(strs("i-1", "i-3")), ""},
		{"none", args(values, keys, cty.ListVal(strs("ap"))), cty.ListValEmpty(cty.String), ""},
		{"unknown key", args(values, cty.ListVal([]cty.Value{cty.UnknownVal(cty.String), cty.StringVal("a"), cty.StringVal("b")}), cty.ListVal(strs("a"))), cty.UnknownVal(cty.List(cty.String)), ""},
		{"unequal lengths", args(values, cty.ListVal(strs("a")), cty.ListVal(strs("a"))), cty.NilVal, "as many elements as values"},
		{"incompatible types", args(values, keys, cty.ListVal([]cty.Value{cty.ListValEmpty(cty.String)})), cty.NilVal, "same type"},
	})
}

func TestOne(t *testing.T) {
	runCalls(t, OneFunc, []callCase{
		{"empty list", args(cty.ListValEmpty(cty.String)), cty.NullVal(cty.String), ""},
		{"one element", args(cty.ListVal(strs("a"))), cty.StringVal("a"), ""},
		{"set", args(cty.SetVal(strs("a"))), cty.StringVal("a"), ""},
		{"empty tuple", args(cty.EmptyTupleVal), cty.NullVal(cty.DynamicPseudoType), ""},
		{"tuple of one", args(cty.TupleVal([]cty.Value{cty.True})), cty.True, ""},
		{"unknown list", args(cty.UnknownVal(cty.List(cty.String))), cty.UnknownVal(cty.String), ""},
		{"set with unknowns", args(cty.SetVal([]cty.Value{cty.UnknownVal(cty.String)})), cty.UnknownVal(cty.String), ""},
		{"sensitive list", args(sensitive(cty.ListVal(strs("a")))), sensitive(cty.StringVal("a")), ""},
		{"two elements", args(cty.ListVal(strs("a", "b"))), cty.NilVal, "zero or one elements, not 2"},
		{"tuple of two", args(cty.TupleVal(strs("a", "b"))), cty.NilVal, "zero or one elements"},
		{"map", args(cty.MapValEmpty(cty.String)), cty.NilVal, "must be a list, set or tuple"},
	})
}

func TestSum(t *testing.T) {
	runCalls(t, SumFunc, []callCase{
		{"list", args(cty.ListVal([]cty.Value{cty.NumberIntVal(1), cty.NumberFloatVal(2.5)})), cty.NumberFloatVal(3.5), ""},
		{"set", args(cty.SetVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)})), cty.NumberIntVal(3), ""},
		{"tuple", args(cty.TupleVal([]cty.Value{cty.NumberIntVal(-1), cty.NumberIntVal(1)})), cty.NumberIntVal(0), ""},
		{"unknown element", args(cty.ListVal([]cty.Value{cty.NumberIntVal(1), cty.UnknownVal(cty.Number)})), cty.UnknownVal(cty.Number), ""},
		{"sensitive element", args(cty.ListVal([]cty.Value{cty.NumberIntVal(1), sensitive(cty.NumberIntVal(2))})), sensitive(cty.NumberIntVal(3)), ""},
		{"empty", args(cty.ListValEmpty(cty.Number)), cty.NilVal, "is empty"},
		{"null element", args(cty.ListVal([]cty.Value{cty.NullVal(cty.Number)})), cty.NilVal, "null element"},
		{"strings", args(cty.ListVal(strs("1"))), cty.NilVal, "must hold numbers"},
		{"tuple with a string", args(cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.StringVal("x")})), cty.NilVal, "element 1 is string"},
		{"not a collection", args(cty.NumberIntVal(1)), cty.NilVal, "must be a list, set or tuple"},
	})
}

func TestTranspose(t *testing.T) {
	in := cty.MapVal(map[string]cty.Value{
		"b": cty.ListVal(strs("x", "y")),
		"a": cty.ListVal(strs("x")),
		"c": cty.ListValEmpty(cty.String),
	})
	want := cty.MapVal(map[string]cty.Value{
		"x": cty.ListVal(strs("a", "b")),
		"y": cty.ListVal(strs("b")),
	})
	runCalls(t, TransposeFunc, []callCase{
		{"swaps", args(in), want, ""},
		{"empty", args(cty.MapValEmpty(cty.List(cty.String))), cty.MapValEmpty(cty.List(cty.String)), ""},
		{"unknown element", args(cty.MapVal(map[string]cty.Value{"a": cty.ListVal([]cty.Value{cty.UnknownVal(cty.String)})})), cty.UnknownVal(cty.Map(cty.List(cty.String))), ""},
		{"null list", args(cty.MapVal(map[string]cty.Value{"a": cty.NullVal(cty.List(cty.String))})), cty.NilVal, `key "a" is null`},
		{"null element", args(cty.MapVal(map[string]cty.Value{"a": cty.ListVal([]cty.Value{cty.NullVal(cty.String)})})), cty.NilVal, "holds a null"},
	})
}
