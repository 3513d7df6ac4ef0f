package planner

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// TestValuesEqual: valuesEqual answers what cty's RawEquals answers of the
// two values without their marks, for every pair of a set of values that
// differ in one place each: kinds, nulls, unknowns (refined or not), marks
// at any depth, collections of every kind.
func TestValuesEqual(t *testing.T) {
	sens := func(v cty.Value) cty.Value { return v.Mark(marks.Sensitive) }
	obj := func(name, size cty.Value, tags cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"name": name, "size": size, "tags": tags})
	}
	tags := cty.MapVal(map[string]cty.Value{"a": cty.StringVal("1"), "b": cty.StringVal("2")})
	vals := []cty.Value{
		cty.StringVal("x"), cty.StringVal("y"), sens(cty.StringVal("x")),
		cty.NullVal(cty.String), sens(cty.NullVal(cty.String)),
		cty.UnknownVal(cty.String), cty.UnknownVal(cty.String).RefineNotNull(),
		cty.UnknownVal(cty.String).Refine().StringPrefix("x").NewValue(), sens(cty.UnknownVal(cty.String)),
		cty.NumberIntVal(1), cty.NumberFloatVal(1.0), cty.NumberFloatVal(1.5), cty.MustParseNumberVal("1.000000000000000000001"),
		cty.True, cty.False, sens(cty.True), cty.NullVal(cty.Bool),
		cty.DynamicVal, cty.NullVal(cty.DynamicPseudoType),
		cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
		cty.ListVal([]cty.Value{cty.StringVal("a"), sens(cty.StringVal("b"))}),
		cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("c")}),
		cty.ListVal([]cty.Value{cty.StringVal("a")}),
		cty.ListVal([]cty.Value{cty.StringVal("a"), cty.UnknownVal(cty.String)}),
		cty.ListValEmpty(cty.String), cty.UnknownVal(cty.List(cty.String)),
		cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
		cty.SetVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a")}),
		cty.SetVal([]cty.Value{cty.StringVal("a"), cty.UnknownVal(cty.String)}),
		cty.SetVal([]cty.Value{cty.StringVal("a"), sens(cty.StringVal("b"))}),
		cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.NumberIntVal(1)}),
		cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.NumberIntVal(2)}),
		cty.TupleVal([]cty.Value{sens(cty.StringVal("a")), cty.NumberIntVal(1)}),
		tags,
		cty.MapVal(map[string]cty.Value{"a": cty.StringVal("1"), "c": cty.StringVal("2")}),
		cty.MapVal(map[string]cty.Value{"a": cty.StringVal("1"), "b": cty.StringVal("3")}),
		cty.MapVal(map[string]cty.Value{"a": cty.StringVal("1"), "b": sens(cty.StringVal("2"))}),
		cty.MapVal(map[string]cty.Value{"a": cty.StringVal("1")}),
		cty.MapValEmpty(cty.String),
		obj(cty.StringVal("n"), cty.NumberIntVal(3), tags),
		obj(sens(cty.StringVal("n")), cty.NumberIntVal(3), tags),
		sens(obj(cty.StringVal("n"), cty.NumberIntVal(3), tags)),
		obj(cty.StringVal("m"), cty.NumberIntVal(3), tags),
		obj(cty.StringVal("n"), cty.NumberIntVal(4), tags),
		obj(cty.StringVal("n"), cty.UnknownVal(cty.Number), tags),
		obj(cty.StringVal("n"), cty.NumberIntVal(3), cty.NullVal(tags.Type())),
		obj(cty.StringVal("n"), cty.NumberIntVal(3), cty.MapValEmpty(cty.String)),
		obj(cty.StringVal("n"), cty.NumberIntVal(3), cty.UnknownVal(tags.Type())),
		cty.NullVal(obj(cty.StringVal("n"), cty.NumberIntVal(3), tags).Type()),
		cty.UnknownVal(obj(cty.StringVal("n"), cty.NumberIntVal(3), tags).Type()),
		cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("n")}),
		cty.EmptyObjectVal,
		cty.ObjectVal(map[string]cty.Value{"inner": cty.ListVal([]cty.Value{obj(cty.StringVal("n"), cty.NumberIntVal(3), tags)})}),
		cty.ObjectVal(map[string]cty.Value{"inner": cty.ListVal([]cty.Value{obj(cty.StringVal("n"), sens(cty.NumberIntVal(3)), tags)})}),
		cty.ObjectVal(map[string]cty.Value{"inner": cty.ListVal([]cty.Value{obj(cty.StringVal("n"), cty.NumberIntVal(5), tags)})}),
	}
	equalPairs := 0
	for i, a := range vals {
		for j, b := range vals {
			ua, _ := a.UnmarkDeep()
			ub, _ := b.UnmarkDeep()
			want := ua.RawEquals(ub)
			if got := valuesEqual(a, b); got != want {
				t.Errorf("valuesEqual(%#v, %#v) = %v, want %v", a, b, got, want)
			}
			if want && i != j {
				equalPairs++
			}
			if j == 0 && hasMarks(a) != a.ContainsMarked() {
				t.Errorf("hasMarks(%#v) = %v, want %v", a, hasMarks(a), a.ContainsMarked())
			}
		}
	}
	// The set must hold values equal without their marks, or the test
	// would only check that different values differ.
	if equalPairs < 10 {
		t.Fatalf("only %d pairs of distinct values are equal: the test values do not exercise marks", equalPairs)
	}
}

// TestMarkAttrs: marking attributes by rebuilding the object gives the
// value, marks included, that cty's MarkWithPaths gives; paths it does not
// handle are left to MarkWithPaths.
func TestMarkAttrs(t *testing.T) {
	sensitive := cty.NewValueMarks(marks.Sensitive)
	other := cty.NewValueMarks("other")
	v := cty.ObjectVal(map[string]cty.Value{
		"id":      cty.StringVal("i-1"),
		"secret":  cty.StringVal("s"),
		"nothing": cty.NullVal(cty.String),
		"later":   cty.UnknownVal(cty.String),
		"marked":  cty.StringVal("m").Mark("other"),
		"nested":  cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal("k")}),
	})
	attr := func(name string, m cty.ValueMarks) cty.PathValueMarks {
		return cty.PathValueMarks{Path: cty.GetAttrPath(name), Marks: m}
	}
	for _, tc := range []struct {
		name string
		v    cty.Value
		pvm  []cty.PathValueMarks
		ok   bool
	}{
		{"one", v, []cty.PathValueMarks{attr("secret", sensitive)}, true},
		{"null, unknown and marked", v, []cty.PathValueMarks{attr("nothing", sensitive), attr("later", sensitive), attr("marked", sensitive)}, true},
		{"twice", v, []cty.PathValueMarks{attr("secret", sensitive), attr("secret", other)}, true},
		{"whole nested", v, []cty.PathValueMarks{attr("nested", sensitive)}, true},
		{"deeper", v, []cty.PathValueMarks{{Path: cty.GetAttrPath("nested").GetAttr("key"), Marks: sensitive}}, false},
		{"missing", v, []cty.PathValueMarks{attr("absent", sensitive)}, false},
		{"marked object", v.Mark("other"), []cty.PathValueMarks{attr("secret", sensitive)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := markAttrs(tc.v, tc.pvm)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if want := tc.v.MarkWithPaths(tc.pvm); !got.RawEquals(want) {
				t.Errorf("markAttrs = %#v\nMarkWithPaths = %#v", got, want)
			}
		})
	}
}

// TestProposedIsPrior: when proposedNew answers with the prior value
// itself, building the proposal would have given that value.
func TestProposedIsPrior(t *testing.T) {
	b := &plugin.Block{Attributes: map[string]*plugin.Attribute{
		"name": {Type: cty.String, Required: true},
		"size": {Type: cty.Number, Optional: true, Computed: true},
		"id":   {Type: cty.String, Computed: true},
		"tags": {Type: cty.Map(cty.String), Optional: true},
	}}
	obj := func(name, size, id, tags cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"name": name, "size": size, "id": id, "tags": tags})
	}
	tags := cty.MapVal(map[string]cty.Value{"k": cty.StringVal("v")})
	noTags := cty.NullVal(cty.Map(cty.String))
	prior := obj(cty.StringVal("a"), cty.NumberIntVal(3), cty.StringVal("i-1"), tags)
	null := cty.NullVal(cty.String)
	for _, tc := range []struct {
		name  string
		cfg   cty.Value
		prior cty.Value
		same  bool
	}{
		{"as recorded", obj(cty.StringVal("a"), cty.NullVal(cty.Number), null, tags), prior, true},
		{"computed set as recorded", obj(cty.StringVal("a"), cty.NumberIntVal(3), null, tags), prior, true},
		{"name changed", obj(cty.StringVal("b"), cty.NullVal(cty.Number), null, tags), prior, false},
		{"computed set otherwise", obj(cty.StringVal("a"), cty.NumberIntVal(4), null, tags), prior, false},
		{"optional removed", obj(cty.StringVal("a"), cty.NullVal(cty.Number), null, noTags), prior, false},
		{"unknown", obj(cty.UnknownVal(cty.String), cty.NullVal(cty.Number), null, tags), prior, false},
		{"create", obj(cty.StringVal("a"), cty.NullVal(cty.Number), null, tags), cty.NullVal(b.ImpliedType()), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, isPrior := proposedNew(b, tc.prior, tc.cfg)
			want := proposedObject(b, tc.prior, tc.cfg)
			if !got.RawEquals(want) {
				t.Errorf("proposedNew = %#v, want %#v", got, want)
			}
			if isPrior != tc.same {
				t.Errorf("proposedNew says isPrior = %v, want %v", isPrior, tc.same)
			}
			if same := proposedIsPrior(b, tc.prior, tc.cfg); same != tc.same {
				t.Errorf("proposedIsPrior = %v, want %v", same, tc.same)
			}
		})
	}
}
