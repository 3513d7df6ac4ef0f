package funcs

import (
	"regexp"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// ReplaceFunc is replace(string, search, replacement). A search string
// wrapped in slashes ("/[0-9]+/") is a regular expression (RE2 syntax) and
// the replacement may refer to its groups as $1 or ${name}; any other search
// string is replaced literally wherever it occurs.
var ReplaceFunc = function.New(&function.Spec{
	Description: "Replaces each occurrence of a substring, or of matches of a /regular expression/, in a string.",
	Params: []function.Parameter{
		{Name: "string", Type: cty.String},
		{Name: "search", Type: cty.String},
		{Name: "replacement", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		str, search, repl := args[0].AsString(), args[1].AsString(), args[2].AsString()
		if len(search) > 1 && search[0] == '/' && search[len(search)-1] == '/' {
			re, err := regexp.Compile(search[1 : len(search)-1])
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(1, "invalid regular expression: %s", err)
			}
			return cty.StringVal(re.ReplaceAllString(str, repl)), nil
		}
		return cty.StringVal(strings.ReplaceAll(str, search, repl)), nil
	},
})

// StartsWithFunc is startswith(string, prefix). When the string is unknown
// but known to begin with some text (a template like "ami-${var.id}"), the
// answer is given as soon as that text decides it.
var StartsWithFunc = function.New(&function.Spec{
	Description: "Reports whether a string begins with the given prefix.",
	Params: []function.Parameter{
		{Name: "string", Type: cty.String, AllowUnknown: true},
		{Name: "prefix", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.Bool),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		prefix := args[1].AsString()
		if !args[0].IsKnown() {
			known := args[0].Range().StringPrefix()
			switch {
			case strings.HasPrefix(known, prefix):
				return cty.True, nil
			case !strings.HasPrefix(prefix, known):
				// The known beginning already differs from the prefix.
				return cty.False, nil
			}
			return cty.UnknownVal(cty.Bool), nil
		}
		return cty.BoolVal(strings.HasPrefix(args[0].AsString(), prefix)), nil
	},
})

// EndsWithFunc is endswith(string, suffix).
var EndsWithFunc = function.New(&function.Spec{
	Description: "Reports whether a string ends with the given suffix.",
	Params: []function.Parameter{
		{Name: "string", Type: cty.String},
		{Name: "suffix", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.Bool),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.HasSuffix(args[0].AsString(), args[1].AsString())), nil
	},
})

// StrContainsFunc is strcontains(string, substr).
var StrContainsFunc = function.New(&function.Spec{
	Description: "Reports whether a string contains the given substring.",
	Params: []function.Parameter{
		{Name: "string", Type: cty.String},
		{Name: "substr", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.Bool),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.Contains(args[0].AsString(), args[1].AsString())), nil
	},
})
