package marks

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestContains(t *testing.T) {
	secret := cty.StringVal("s3cr3t").Mark(Sensitive)
	tests := []struct {
		name string
		v    cty.Value
		want bool
	}{
		{"plain", cty.StringVal("x"), false},
		{"top", secret, true},
		{"nested", cty.ObjectVal(map[string]cty.Value{"a": cty.ListVal([]cty.Value{secret})}), true},
		{"other mark", cty.StringVal("x").Mark("other"), false},
	}
	for _, tt := range tests {
		if got := Contains(tt.v, Sensitive); got != tt.want {
			t.Errorf("%s: Contains = %v, want %v", tt.name, got, tt.want)
		}
	}
	if Has(cty.ObjectVal(map[string]cty.Value{"a": secret}), Sensitive) {
		t.Error("Has must only look at the top-level value")
	}
}

// TestAnyAndContainsAgreeWithCty checks the walk against cty's own
// UnmarkDeepWithPaths on every kind of container.
func TestAnyAndContainsAgreeWithCty(t *testing.T) {
	secret := cty.StringVal("s3cr3t").Mark(Sensitive)
	eph := cty.NumberIntVal(1).Mark(Ephemeral)
	obj := func(m map[string]cty.Value) cty.Value { return cty.ObjectVal(m) }
	values := map[string]cty.Value{
		"plain":            obj(map[string]cty.Value{"a": cty.StringVal("x"), "b": cty.ListVal([]cty.Value{cty.True})}),
		"null":             cty.NullVal(cty.String),
		"unknown marked":   cty.UnknownVal(cty.String).Mark(Sensitive),
		"unknown in obj":   obj(map[string]cty.Value{"a": cty.UnknownVal(cty.String), "b": eph}),
		"null marked":      cty.NullVal(cty.String).Mark(Ephemeral),
		"list":             cty.ListVal([]cty.Value{cty.StringVal("a"), secret}),
		"map":              cty.MapVal(map[string]cty.Value{"k": secret}),
		"set":              cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}).Mark(Ephemeral),
		"tuple":            cty.TupleVal([]cty.Value{cty.StringVal("a"), obj(map[string]cty.Value{"e": eph})}),
		"deep":             obj(map[string]cty.Value{"l": cty.ListVal([]cty.Value{obj(map[string]cty.Value{"m": cty.MapVal(map[string]cty.Value{"k": secret})})})}),
		"other mark":       obj(map[string]cty.Value{"a": cty.StringVal("x").Mark("other")}),
		"empty containers": obj(map[string]cty.Value{"l": cty.ListValEmpty(cty.String), "m": cty.MapValEmpty(cty.String), "t": cty.EmptyTupleVal}),
	}
	for name, v := range values {
		_, pvms := v.UnmarkDeepWithPaths()
		want := map[valueMark]bool{}
		for _, pvm := range pvms {
			for m := range pvm.Marks {
				if vm, ok := m.(valueMark); ok {
					want[vm] = true
				}
			}
		}
		if got := Any(v); got != (len(pvms) > 0) {
			t.Errorf("%s: Any = %v, want %v", name, got, len(pvms) > 0)
		}
		for _, m := range []valueMark{Sensitive, Ephemeral} {
			if got := Contains(v, m); got != want[m] {
				t.Errorf("%s: Contains(%s) = %v, want %v", name, string(m), got, want[m])
			}
		}
	}
}

func TestErrorMessageText(t *testing.T) {
	msg := cty.StringVal("token hunter2 is short")
	if got := ErrorMessageText(msg); got != "token hunter2 is short" {
		t.Errorf("plain message: got %q", got)
	}
	for _, m := range []valueMark{Ephemeral, Sensitive} {
		got := ErrorMessageText(msg.Mark(m))
		if got == "" || strings.Contains(got, "hunter2") {
			t.Errorf("%s message: got %q, want it withheld", string(m), got)
		}
	}
}
