package funcs

import (
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// callCase is one call of a function in a table test: either want is the
// result, or err is a substring of the error.
type callCase struct {
	name string
	args []cty.Value
	want cty.Value
	err  string
}

// runCalls calls fn for each case. An unknown want matches any unknown
// result of the same type and marks (results carry refinements such as
// "not null" that tests need not spell out).
func runCalls(t *testing.T, fn function.Function, cases []callCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := fn.Call(c.args)
			if c.err != "" {
				if err == nil {
					t.Fatalf("got %#v, want an error containing %q", got, c.err)
				}
				if !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %q does not contain %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %s", err)
			}
			assertValue(t, got, c.want)
		})
	}
}

func assertValue(t *testing.T, got, want cty.Value) {
	t.Helper()
	if !want.IsKnown() {
		gotU, gotMarks := got.Unmark()
		_, wantMarks := want.Unmark()
		if gotU.IsKnown() || !gotU.Type().Equals(want.Type()) || !gotMarks.Equal(wantMarks) {
			t.Fatalf("got %#v, want %#v", got, want)
		}
		return
	}
	if !got.RawEquals(want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

func sensitive(v cty.Value) cty.Value { return v.Mark(marks.Sensitive) }

func strs(ss ...string) []cty.Value {
	out := make([]cty.Value, len(ss))
	for i, s := range ss {
		out[i] = cty.StringVal(s)
	}
	return out
}

func args(vs ...cty.Value) []cty.Value { return vs }
