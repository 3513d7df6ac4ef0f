package funcs

import (
	"strconv"

	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// MakeToFunc returns a conversion function (tostring, tonumber, tobool,
// tolist, toset, tomap) to the type constraint want. Null converts to a
// null of the wanted type, unknown to unknown, and marks are kept where they
// were (on the elements of a converted collection, say). A failed
// conversion of a sensitive string does not show the string.
func MakeToFunc(want cty.Type) function.Function {
	return function.New(&function.Spec{
		Description: "Converts a value to " + want.FriendlyNameForConstraint() + ", or fails when it cannot.",
		Params: []function.Parameter{
			{
				// Any type comes in, so that conversion errors are ours and
				// speak of an explicit conversion, not of a wrong argument.
				Name:             "v",
				Type:             cty.DynamicPseudoType,
				AllowNull:        true,
				AllowUnknown:     true,
				AllowDynamicType: true,
				AllowMarked:      true,
			},
		},
		Type: func(args []cty.Value) (cty.Type, error) {
			got := args[0].Type()
			if got.Equals(want) {
				return want, nil
			}
			if convert.GetConversionUnsafe(got, want) == nil {
				switch {
				case got.IsObjectType() && want.IsObjectType(), got.IsTupleType() && want.IsTupleType():
					return cty.NilType, function.NewArgErrorf(0, "cannot convert %s to %s: %s", got.FriendlyName(), want.FriendlyNameForConstraint(), convert.MismatchMessage(got, want))
				}
				return cty.NilType, function.NewArgErrorf(0, "cannot convert %s to %s", got.FriendlyName(), want.FriendlyNameForConstraint())
			}
			return want, nil
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			out, err := convert.Convert(args[0], retType)
			if err == nil {
				return out, nil
			}
			// The conversion was possible for the type but not for this
			// value, such as "yes" to bool.
			v, m := args[0].Unmark()
			what := "this string"
			if _, sensitive := m[marks.Sensitive]; !sensitive && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
				what = strconv.Quote(v.AsString())
			}
			switch {
			case v.Type() == cty.String && want == cty.Bool:
				return cty.NilVal, function.NewArgErrorf(0, `cannot convert %s to bool; only "true" and "false" convert`, what)
			case v.Type() == cty.String && want == cty.Number:
				return cty.NilVal, function.NewArgErrorf(0, "cannot convert %s to number; it must be a decimal number such as 42 or -1.5", what)
			}
			return cty.NilVal, function.NewArgErrorf(0, "cannot convert %s to %s: %s", v.Type().FriendlyName(), want.FriendlyNameForConstraint(), err)
		},
	})
}

// TypeFunc is type(value): the type of a value written as a type
// constraint ("list(string)", "object({name=string})"). Terraform offers it
// only in its console and returns a special type value; indigo returns the
// string, which prints the same.
var TypeFunc = function.New(&function.Spec{
	Description: "Returns the type of a value, written as a type constraint.",
	Params: []function.Parameter{
		{
			Name:             "value",
			Type:             cty.DynamicPseudoType,
			AllowNull:        true,
			AllowUnknown:     true,
			AllowDynamicType: true,
			AllowMarked:      true,
		},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		// A type says nothing secret about the value, so no marks.
		ty := args[0].Type()
		if ty == cty.DynamicPseudoType {
			return cty.UnknownVal(cty.String), nil
		}
		return cty.StringVal(typeexpr.TypeString(ty)), nil
	},
})

// anyValue is the parameter of the functions that look only at a value's
// marks: every value passes, marks and all.
var anyValue = function.Parameter{
	Name:             "value",
	Type:             cty.DynamicPseudoType,
	AllowNull:        true,
	AllowUnknown:     true,
	AllowDynamicType: true,
	AllowMarked:      true,
}

func sameType(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil }

// SensitiveFunc is sensitive(value): the same value, marked sensitive, so
// that plans, outputs and logs hide it.
var SensitiveFunc = function.New(&function.Spec{
	Description: "Returns the value marked as sensitive.",
	Params:      []function.Parameter{anyValue},
	Type:        sameType,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return args[0].Mark(marks.Sensitive), nil
	},
})

// NonsensitiveFunc is nonsensitive(value): the same value with the
// sensitive mark removed, from the value and from everything nested in it
// (Terraform removes only the outer mark, which leaves a map whose elements
// are sensitive unusable in for_each). Other marks stay. Since Terraform 1.7
// a value that is not sensitive is accepted and returned as it is.
var NonsensitiveFunc = function.New(&function.Spec{
	Description: "Returns the value with its sensitive marks removed.",
	Params:      []function.Parameter{anyValue},
	Type:        sameType,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, pvms := args[0].UnmarkDeepWithPaths()
		kept := pvms[:0]
		for _, pvm := range pvms {
			if _, ok := pvm.Marks[marks.Sensitive]; !ok {
				kept = append(kept, pvm)
				continue
			}
			rest := make(cty.ValueMarks, len(pvm.Marks))
			for m := range pvm.Marks {
				if m != marks.Sensitive {
					rest[m] = struct{}{}
				}
			}
			if len(rest) > 0 {
				kept = append(kept, cty.PathValueMarks{Path: pvm.Path, Marks: rest})
			}
		}
		return v.MarkWithPaths(kept), nil
	},
})

// IsSensitiveFunc is issensitive(value): whether the value itself (not
// something nested in it) is marked sensitive. For an unknown value that is
// not marked the answer is unknown: it may become sensitive once known.
var IsSensitiveFunc = function.New(&function.Spec{
	Description: "Reports whether the value is marked as sensitive.",
	Params:      []function.Parameter{anyValue},
	Type:        function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		switch {
		case args[0].HasMark(marks.Sensitive):
			return cty.True, nil
		case !args[0].IsKnown():
			return cty.UnknownVal(cty.Bool), nil
		}
		return cty.False, nil
	},
})

// EphemeralAsNullFunc is ephemeralasnull(value): the value with every
// ephemeral part (marked marks.Ephemeral: from an ephemeral resource or
// variable) replaced by a null of its type, so it can be stored. Other
// marks stay where they were.
var EphemeralAsNullFunc = function.New(&function.Spec{
	Description: "Returns the value with its ephemeral parts replaced by null.",
	Params:      []function.Parameter{anyValue},
	Type:        sameType,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, pvms := args[0].UnmarkDeepWithPaths()
		var eph []cty.Path
		var keep []cty.PathValueMarks
		for _, pvm := range pvms {
			if _, ok := pvm.Marks[marks.Ephemeral]; !ok {
				keep = append(keep, pvm)
				continue
			}
			eph = append(eph, pvm.Path)
			rest := cty.ValueMarks{}
			for m := range pvm.Marks {
				if m != marks.Ephemeral {
					rest[m] = struct{}{}
				}
			}
			if len(rest) > 0 {
				keep = append(keep, cty.PathValueMarks{Path: pvm.Path, Marks: rest})
			}
		}
		if len(eph) == 0 {
			return args[0], nil
		}
		out, err := cty.Transform(v, func(p cty.Path, x cty.Value) (cty.Value, error) {
			for _, e := range eph {
				if p.Equals(e) {
					return cty.NullVal(x.Type()), nil
				}
			}
			return x, nil
		})
		if err != nil {
			return cty.NilVal, err
		}
		return out.MarkWithPaths(keep), nil
	},
})
