package funcs

import (
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// TimestampFunc is timestamp(): the current time in UTC as an RFC 3339
// string. It is impure: Options.PureOnly turns its result unknown.
var TimestampFunc = function.New(&function.Spec{
	Description:  "Returns the current time in UTC as an RFC 3339 timestamp.",
	Params:       []function.Parameter{},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
		return cty.StringVal(time.Now().UTC().Format(time.RFC3339)), nil
	},
})

// MakePlanTimestampFunc returns plantimestamp(): the time the plan was made,
// as an RFC 3339 string in UTC, or an unknown string when at is zero (no
// plan is being made, as during validate).
func MakePlanTimestampFunc(at time.Time) function.Function {
	return function.New(&function.Spec{
		Description:  "Returns the time the current plan was made, as an RFC 3339 timestamp.",
		Params:       []function.Parameter{},
		Type:         function.StaticReturnType(cty.String),
		RefineResult: refineNotNull,
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
			if at.IsZero() {
				return cty.UnknownVal(cty.String), nil
			}
			return cty.StringVal(at.UTC().Format(time.RFC3339)), nil
		},
	})
}

// TimeCmpFunc is timecmp(a, b): -1, 0 or 1 as the instant of RFC 3339
// timestamp a is before, equal to or after that of b, whatever their time
// zone offsets.
var TimeCmpFunc = function.New(&function.Spec{
	Description: "Compares two RFC 3339 timestamps: -1 if the first is earlier, 0 if equal, 1 if later.",
	Params: []function.Parameter{
		{Name: "timestamp_a", Type: cty.String},
		{Name: "timestamp_b", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.Number),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var ts [2]time.Time
		for i := range ts {
			t, err := time.Parse(time.RFC3339, args[i].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(i, `must be an RFC 3339 timestamp such as "2024-01-31T23:59:59Z" or "2024-02-01T00:59:59+01:00"`)
			}
			ts[i] = t
		}
		return cty.NumberIntVal(int64(ts[0].Compare(ts[1]))), nil
	},
})
