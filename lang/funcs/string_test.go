package funcs

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestReplace(t *testing.T) {
	s := cty.StringVal("hello world, hello")
	runCalls(t, ReplaceFunc, []callCase{
		{"literal", args(s, cty.StringVal("hello"), cty.StringVal("bye")), cty.StringVal("bye world, bye"), ""},
		{"literal with regexp characters", args(cty.StringVal("a.b.c"), cty.StringVal("."), cty.StringVal("-")), cty.StringVal("a-b-c"), ""},
		{"regexp", args(cty.StringVal("v1.2.3"), cty.StringVal(`/[0-9]+/`), cty.StringVal("N")), cty.StringVal("vN.N.N"), ""},
		{"regexp groups", args(cty.StringVal("key=value"), cty.StringVal(`/(\w+)=(\w+)/`), cty.StringVal("$2=$1")), cty.StringVal("value=key"), ""},
		{"a lone slash is literal", args(cty.StringVal("a/b"), cty.StringVal("/"), cty.StringVal("_")), cty.StringVal("a_b"), ""},
		{"unknown", args(cty.UnknownVal(cty.String), cty.StringVal("a"), cty.StringVal("b")), cty.UnknownVal(cty.String), ""},
		{"sensitive", args(sensitive(s), cty.StringVal("hello"), cty.StringVal("x")), sensitive(cty.StringVal("x world, x")), ""},
		{"bad regexp", args(s, cty.StringVal("/(/"), cty.StringVal("x")), cty.NilVal, "invalid regular expression"},
		{"null", args(cty.NullVal(cty.String), cty.StringVal("a"), cty.StringVal("b")), cty.NilVal, "must not be null"},
	})
}

func TestStartsWith(t *testing.T) {
	prefixed := cty.UnknownVal(cty.String).Refine().StringPrefix("ami-").NewValue()
	runCalls(t, StartsWithFunc, []callCase{
		{"yes", args(cty.StringVal("hello"), cty.StringVal("he")), cty.True, ""},
		{"no", args(cty.StringVal("hello"), cty.StringVal("lo")), cty.False, ""},
		{"empty prefix", args(cty.StringVal("x"), cty.StringVal("")), cty.True, ""},
		{"unknown", args(cty.UnknownVal(cty.String), cty.StringVal("a")), cty.UnknownVal(cty.Bool), ""},
		{"known beginning decides yes", args(prefixed, cty.StringVal("ami")), cty.True, ""},
		{"known beginning decides no", args(prefixed, cty.StringVal("img-")), cty.False, ""},
		{"known beginning too short", args(prefixed, cty.StringVal("ami-123")), cty.UnknownVal(cty.Bool), ""},
		{"sensitive", args(sensitive(cty.StringVal("secret")), cty.StringVal("se")), sensitive(cty.True), ""},
	})
}

func TestEndsWith(t *testing.T) {
	runCalls(t, EndsWithFunc, []callCase{
		{"yes", args(cty.StringVal("file.yaml"), cty.StringVal(".yaml")), cty.True, ""},
		{"no", args(cty.StringVal("file.yml"), cty.StringVal(".yaml")), cty.False, ""},
		{"unknown", args(cty.StringVal("x"), cty.UnknownVal(cty.String)), cty.UnknownVal(cty.Bool), ""},
	})
}

func TestStrContains(t *testing.T) {
	runCalls(t, StrContainsFunc, []callCase{
		{"yes", args(cty.StringVal("hello world"), cty.StringVal("o w")), cty.True, ""},
		{"no", args(cty.StringVal("hello"), cty.StringVal("world")), cty.False, ""},
		{"null", args(cty.StringVal("x"), cty.NullVal(cty.String)), cty.NilVal, "must not be null"},
	})
}
