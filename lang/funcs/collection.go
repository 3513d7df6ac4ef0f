package funcs

import (
	"errors"
	"strconv"

	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// AllTrueFunc is alltrue(list): true when every element is true (and for an
// empty list). A null element counts as false. The result is unknown only
// when no element is known to be false and some element is unknown.
var AllTrueFunc = function.New(&function.Spec{
	Description: "Returns true if every element of the given list of bools is true, or if the list is empty.",
	Params: []function.Parameter{
		{Name: "list", Type: cty.List(cty.Bool)},
	},
	Type:         function.StaticReturnType(cty.Bool),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		unknown := false
		for it := args[0].ElementIterator(); it.Next(); {
			_, v := it.Element()
			switch {
			case !v.IsKnown():
				unknown = true
			case v.IsNull() || v.False():
				return cty.False, nil
			}
		}
		if unknown {
			return cty.UnknownVal(cty.Bool), nil
		}
		return cty.True, nil
	},
})

// AnyTrueFunc is anytrue(list): true when at least one element is true. Null
// elements are skipped. The result is unknown only when no element is known
// to be true and some element is unknown.
var AnyTrueFunc = function.New(&function.Spec{
	Description: "Returns true if any element of the given list of bools is true, and false if the list is empty.",
	Params: []function.Parameter{
		{Name: "list", Type: cty.List(cty.Bool)},
	},
	Type:         function.StaticReturnType(cty.Bool),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		unknown := false
		for it := args[0].ElementIterator(); it.Next(); {
			_, v := it.Element()
			switch {
			case !v.IsKnown():
				unknown = true
			case !v.IsNull() && v.True():
				return cty.True, nil
			}
		}
		if unknown {
			return cty.UnknownVal(cty.Bool), nil
		}
		return cty.False, nil
	},
})

// CoalesceFunc is coalesce(vals...): the first argument that is neither null
// nor an empty string, converted to the type all arguments unify to. Unlike
// cty's stdlib coalesce it skips empty strings, as Terraform does.
var CoalesceFunc = function.New(&function.Spec{
	Description: "Returns the first argument that is not null and not an empty string.",
	VarParam: &function.Parameter{
		Name:             "vals",
		Type:             cty.DynamicPseudoType,
		AllowUnknown:     true,
		AllowDynamicType: true,
		AllowNull:        true,
		AllowMarked:      true,
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		if len(args) == 0 {
			return cty.NilType, errors.New("at least one argument is required")
		}
		types := make([]cty.Type, len(args))
		for i, v := range args {
			types[i] = v.Type()
		}
		ty, _ := convert.UnifyUnsafe(types)
		if ty == cty.NilType {
			return cty.NilType, errors.New("all arguments must be of the same type, or convertible to one type")
		}
		return ty, nil
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		// The arguments skipped decided which one is returned, so their
		// marks go on the result too.
		var seen []cty.ValueMarks
		for _, arg := range args {
			v, m := arg.Unmark()
			seen = append(seen, m)
			if !v.IsKnown() {
				return cty.UnknownVal(retType).WithMarks(seen...), nil
			}
			if v.IsNull() {
				continue
			}
			if v.Type() == cty.String && v.AsString() == "" {
				continue
			}
			out, err := convert.Convert(v, retType)
			if err != nil {
				return cty.NilVal, err
			}
			return out.WithMarks(seen...), nil
		}
		return cty.NilVal, errors.New("all arguments are null or empty strings; at least one must have a value")
	},
})

// IndexFunc is index(list, value): the position of the first element equal
// to value. It is not cty's stdlib index, which looks a key up.
var IndexFunc = function.New(&function.Spec{
	Description: "Returns the index of the first element of the list that equals the given value.",
	Params: []function.Parameter{
		{Name: "list", Type: cty.DynamicPseudoType},
		{Name: "value", Type: cty.DynamicPseudoType},
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		if !(ty.IsListType() || ty.IsTupleType()) {
			return cty.NilType, function.NewArgErrorf(0, "must be a list or tuple, not %s", ty.FriendlyName())
		}
		return cty.Number, nil
	},
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		list, want := args[0], args[1]
		if list.LengthInt() == 0 {
			return cty.NilVal, function.NewArgErrorf(0, "the list is empty, so it holds no element to find")
		}
		for it := list.ElementIterator(); it.Next(); {
			i, v := it.Element()
			eq, err := stdlib.Equal(v, want)
			if err != nil {
				return cty.NilVal, err
			}
			if !eq.IsKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			if eq.True() {
				return i, nil
			}
		}
		return cty.NilVal, function.NewArgErrorf(1, "the list holds no element equal to this value")
	},
})

// LengthFunc is length(v): the number of elements of a list, set, map or
// tuple, of attributes of an object, or of characters (grapheme clusters) of
// a string. Only the marks of the value itself, not of its elements, mark
// the result: the count does not reveal them.
var LengthFunc = function.New(&function.Spec{
	Description: "Returns the number of elements of a collection, attributes of an object or characters of a string.",
	Params: []function.Parameter{
		{
			Name:             "value",
			Type:             cty.DynamicPseudoType,
			AllowUnknown:     true,
			AllowDynamicType: true,
			AllowMarked:      true,
		},
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty == cty.DynamicPseudoType, ty == cty.String, ty.IsCollectionType(), ty.IsTupleType(), ty.IsObjectType():
			return cty.Number, nil
		}
		return cty.NilType, function.NewArgErrorf(0, "must be a string, a collection or a structural value, not %s", ty.FriendlyName())
	},
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, m := args[0].Unmark()
		ty := v.Type()
		switch {
		case ty == cty.DynamicPseudoType:
			return cty.UnknownVal(cty.Number).WithMarks(m), nil
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))).WithMarks(m), nil
		case ty.IsTupleType():
			return cty.NumberIntVal(int64(ty.Length())).WithMarks(m), nil
		case ty == cty.String:
			n, err := stdlib.Strlen(v)
			return n.WithMarks(m), err
		}
		return v.Length().WithMarks(m), nil
	},
})

// LookupFunc is lookup(map, key) or lookup(map, key, default): the element
// of a map (or attribute of an object) with the given key, or the default
// when there is none. The two-argument form, which fails when the key is
// missing, is kept for configurations written before Terraform 0.12.
var LookupFunc = function.New(&function.Spec{
	Description: "Returns the element of a map with the given key, or the default when there is no such element.",
	Params: []function.Parameter{
		{Name: "map", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowMarked: true},
		{Name: "key", Type: cty.String, AllowUnknown: true, AllowMarked: true},
	},
	VarParam: &function.Parameter{
		Name:             "default",
		Type:             cty.DynamicPseudoType,
		AllowUnknown:     true,
		AllowDynamicType: true,
		AllowNull:        true,
		AllowMarked:      true,
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		if len(args) > 3 {
			return cty.NilType, function.NewArgErrorf(3, "lookup takes at most three arguments: a map, a key and a default")
		}
		ty := args[0].Type()
		key, _ := args[1].Unmark()
		switch {
		case ty.IsObjectType():
			if !key.IsKnown() {
				return cty.DynamicPseudoType, nil
			}
			if name := key.AsString(); ty.HasAttribute(name) {
				return ty.AttributeType(name), nil
			}
			if len(args) == 3 {
				return args[2].Type(), nil
			}
			return cty.NilType, function.NewArgErrorf(1, "the object has no attribute %s and no default was given", keyText(args[1]))
		case ty.IsMapType():
			if len(args) == 3 {
				if _, err := convert.Convert(args[2], ty.ElementType()); err != nil {
					return cty.NilType, function.NewArgErrorf(2, "the default must be of the map's element type, %s", ty.ElementType().FriendlyName())
				}
			}
			return ty.ElementType(), nil
		case ty == cty.DynamicPseudoType:
			return cty.DynamicPseudoType, nil
		}
		return cty.NilType, function.NewArgErrorf(0, "must be a map or an object, not %s", ty.FriendlyName())
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		coll, collMarks := args[0].Unmark()
		key, keyMarks := args[1].Unmark()
		if !coll.IsKnown() || !key.IsKnown() {
			return cty.UnknownVal(retType).WithMarks(collMarks, keyMarks), nil
		}
		name := key.AsString()
		ty := coll.Type()
		switch {
		case ty.IsObjectType() && ty.HasAttribute(name):
			return coll.GetAttr(name).WithMarks(collMarks, keyMarks), nil
		case ty.IsMapType():
			if coll.HasIndex(key).True() {
				return coll.Index(key).WithMarks(collMarks, keyMarks), nil
			}
		}
		if len(args) < 3 {
			return cty.NilVal, function.NewArgErrorf(1, "no element with key %s; give a default as the third argument to allow a missing key", keyText(args[1]))
		}
		def, err := convert.Convert(args[2], retType)
		if err != nil {
			return cty.NilVal, function.NewArgErrorf(2, "the default does not fit the result type: %s", err)
		}
		return def.WithMarks(collMarks, keyMarks), nil
	},
})

// keyText quotes a known key for an error message, unless it is sensitive.
func keyText(key cty.Value) string {
	if key.HasMark(marks.Sensitive) {
		return "(sensitive key)"
	}
	k, _ := key.Unmark()
	return strconv.Quote(k.AsString())
}

// MatchKeysFunc is matchkeys(values, keys, searchset): the elements of
// values whose corresponding element of keys (same index) is in searchset.
var MatchKeysFunc = function.New(&function.Spec{
	Description: "Returns the elements of values whose corresponding element in keys is in searchset.",
	Params: []function.Parameter{
		{Name: "values", Type: cty.List(cty.DynamicPseudoType)},
		{Name: "keys", Type: cty.List(cty.DynamicPseudoType)},
		{Name: "searchset", Type: cty.List(cty.DynamicPseudoType)},
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		kty, sty := args[1].Type().ElementType(), args[2].Type().ElementType()
		if ty, _ := convert.UnifyUnsafe([]cty.Type{kty, sty}); ty == cty.NilType {
			return cty.NilType, function.NewArgErrorf(2, "must have elements of the same type as keys (%s), not %s", kty.FriendlyName(), sty.FriendlyName())
		}
		return args[0].Type(), nil
	},
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		values, keys, search := args[0], args[1], args[2]
		if values.LengthInt() != keys.LengthInt() {
			return cty.NilVal, function.NewArgErrorf(1, "must have as many elements as values (%d), not %d", values.LengthInt(), keys.LengthInt())
		}
		var out []cty.Value
		vals := values.AsValueSlice()
		for i, k := range keys.AsValueSlice() {
			for it := search.ElementIterator(); it.Next(); {
				_, s := it.Element()
				eq, err := stdlib.Equal(k, s)
				if err != nil {
					return cty.NilVal, err
				}
				if !eq.IsKnown() {
					return cty.UnknownVal(retType), nil
				}
				if eq.True() {
					out = append(out, vals[i])
					break
				}
			}
		}
		if len(out) == 0 {
			return cty.ListValEmpty(retType.ElementType()), nil
		}
		return cty.ListVal(out), nil
	},
})

// OneFunc is one(collection): the only element of a list, set or tuple of
// at most one element, or null when it is empty.
var OneFunc = function.New(&function.Spec{
	Description: "Returns the only element of a collection of zero or one elements, or null when it is empty.",
	Params: []function.Parameter{
		{Name: "list", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowMarked: true},
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty.IsListType() || ty.IsSetType():
			return ty.ElementType(), nil
		case ty.IsTupleType():
			switch ty.Length() {
			case 0:
				return cty.DynamicPseudoType, nil
			case 1:
				return ty.TupleElementType(0), nil
			}
			return cty.NilType, function.NewArgErrorf(0, "must have zero or one elements, not %d", ty.Length())
		}
		return cty.NilType, function.NewArgErrorf(0, "must be a list, set or tuple of zero or one elements, not %s", ty.FriendlyName())
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		v, m := args[0].Unmark()
		if !v.IsKnown() {
			return cty.UnknownVal(retType).WithMarks(m), nil
		}
		n := v.Length()
		if !n.IsKnown() {
			// A set holding unknown values may yet collapse to fewer elements.
			return cty.UnknownVal(retType).WithMarks(m), nil
		}
		switch v.LengthInt() {
		case 0:
			return cty.NullVal(retType).WithMarks(m), nil
		case 1:
			it := v.ElementIterator()
			it.Next()
			_, e := it.Element()
			return e.WithMarks(m), nil
		}
		return cty.NilVal, function.NewArgErrorf(0, "must have zero or one elements, not %d", v.LengthInt())
	},
})

// SumFunc is sum(list): the total of a non-empty list, set or tuple of
// numbers.
var SumFunc = function.New(&function.Spec{
	Description: "Returns the sum of a non-empty list, set or tuple of numbers.",
	Params: []function.Parameter{
		{Name: "list", Type: cty.DynamicPseudoType},
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty.IsListType() || ty.IsSetType():
			if et := ty.ElementType(); et != cty.Number && et != cty.DynamicPseudoType {
				return cty.NilType, function.NewArgErrorf(0, "must hold numbers, not %s", et.FriendlyName())
			}
		case ty.IsTupleType():
			for i, et := range ty.TupleElementTypes() {
				if et != cty.Number && et != cty.DynamicPseudoType {
					return cty.NilType, function.NewArgErrorf(0, "must hold numbers; element %d is %s", i, et.FriendlyName())
				}
			}
		default:
			return cty.NilType, function.NewArgErrorf(0, "must be a list, set or tuple of numbers, not %s", ty.FriendlyName())
		}
		return cty.Number, nil
	},
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if args[0].LengthInt() == 0 {
			return cty.NilVal, function.NewArgErrorf(0, "is empty; sum needs at least one number")
		}
		total := cty.Zero
		for it := args[0].ElementIterator(); it.Next(); {
			_, v := it.Element()
			if !v.IsKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			if v.IsNull() {
				return cty.NilVal, function.NewArgErrorf(0, "holds a null element; every element must be a number")
			}
			n, err := convert.Convert(v, cty.Number)
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "holds an element that is not a number")
			}
			total = total.Add(n)
		}
		return total, nil
	},
})

// TransposeFunc is transpose(map): swaps the keys and values of a map of
// lists of strings, so {a = ["x"], b = ["x", "y"]} becomes
// {x = ["a", "b"], y = ["b"]}. The lists of the result are in key order.
var TransposeFunc = function.New(&function.Spec{
	Description: "Swaps the keys and the values of a map of lists of strings.",
	Params: []function.Parameter{
		{Name: "values", Type: cty.Map(cty.List(cty.String))},
	},
	Type:         function.StaticReturnType(cty.Map(cty.List(cty.String))),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		out := map[string][]cty.Value{}
		// cty iterates maps in key order, so each result list is sorted.
		for it := args[0].ElementIterator(); it.Next(); {
			k, list := it.Element()
			if !list.IsKnown() {
				return cty.UnknownVal(retType), nil
			}
			if list.IsNull() {
				return cty.NilVal, function.NewArgErrorf(0, "the list for key %q is null; every value must be a list of strings", k.AsString())
			}
			for lit := list.ElementIterator(); lit.Next(); {
				_, v := lit.Element()
				if !v.IsKnown() {
					return cty.UnknownVal(retType), nil
				}
				if v.IsNull() {
					return cty.NilVal, function.NewArgErrorf(0, "the list for key %q holds a null; every element must be a string", k.AsString())
				}
				out[v.AsString()] = append(out[v.AsString()], k)
			}
		}
		if len(out) == 0 {
			return cty.MapValEmpty(cty.List(cty.String)), nil
		}
		m := make(map[string]cty.Value, len(out))
		for k, keys := range out {
			m[k] = cty.ListVal(keys)
		}
		return cty.MapVal(m), nil
	},
})

func refineNotNull(b *cty.RefinementBuilder) *cty.RefinementBuilder {
	return b.NotNull()
}
