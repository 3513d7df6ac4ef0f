package terraform

import (
	"context"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
)

// The framework hands functions their arguments as attr.Values over
// tftypes; hclwrite and hclsyntax speak cty. These convert between the two
// through tftypes, which both sides' types map onto one for one.

// ctyDynamic is the value of a dynamic argument.
func ctyDynamic(ctx context.Context, d types.Dynamic) (cty.Value, error) {
	if d.IsUnknown() {
		return cty.DynamicVal, nil
	}
	uv := d.UnderlyingValue()
	if d.IsNull() || uv == nil {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	tv, err := uv.ToTerraformValue(ctx)
	if err != nil {
		return cty.NilVal, err
	}
	return ctyValue(tv)
}

// frameworkDynamic is v as a dynamic result.
func frameworkDynamic(ctx context.Context, v cty.Value) (types.Dynamic, error) {
	tv, err := tftypesValue(v)
	if err != nil {
		return types.Dynamic{}, err
	}
	av, err := types.DynamicType.ValueFromTerraform(ctx, tv)
	if err != nil {
		return types.Dynamic{}, err
	}
	return av.(types.Dynamic), nil
}

// ctyType is the cty type of a tftypes type.
func ctyType(t tftypes.Type) (cty.Type, error) {
	switch {
	case t == nil || t.Is(tftypes.DynamicPseudoType):
		return cty.DynamicPseudoType, nil
	case t.Is(tftypes.String):
		return cty.String, nil
	case t.Is(tftypes.Number):
		return cty.Number, nil
	case t.Is(tftypes.Bool):
		return cty.Bool, nil
	}
	switch t := t.(type) {
	case tftypes.List:
		et, err := ctyType(t.ElementType)
		return cty.List(et), err
	case tftypes.Set:
		et, err := ctyType(t.ElementType)
		return cty.Set(et), err
	case tftypes.Map:
		et, err := ctyType(t.ElementType)
		return cty.Map(et), err
	case tftypes.Object:
		ats := make(map[string]cty.Type, len(t.AttributeTypes))
		for name, at := range t.AttributeTypes {
			ct, err := ctyType(at)
			if err != nil {
				return cty.NilType, err
			}
			ats[name] = ct
		}
		return cty.Object(ats), nil
	case tftypes.Tuple:
		ets := make([]cty.Type, len(t.ElementTypes))
		for i, et := range t.ElementTypes {
			ct, err := ctyType(et)
			if err != nil {
				return cty.NilType, err
			}
			ets[i] = ct
		}
		return cty.Tuple(ets), nil
	}
	return cty.NilType, fmt.Errorf("values of type %s are not supported", t)
}

// ctyValue is the cty value of a tftypes value.
func ctyValue(v tftypes.Value) (cty.Value, error) {
	ty, err := ctyType(v.Type())
	if err != nil {
		return cty.NilVal, err
	}
	if !v.IsKnown() {
		return cty.UnknownVal(ty), nil
	}
	if v.IsNull() {
		return cty.NullVal(ty), nil
	}
	switch {
	case ty == cty.String:
		var s string
		err := v.As(&s)
		return cty.StringVal(s), err
	case ty == cty.Number:
		f := new(big.Float)
		err := v.As(&f)
		return cty.NumberVal(f), err
	case ty == cty.Bool:
		var b bool
		err := v.As(&b)
		return cty.BoolVal(b), err
	case ty.IsObjectType() || ty.IsMapType():
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			return cty.NilVal, err
		}
		vals := make(map[string]cty.Value, len(m))
		for k, e := range m {
			if vals[k], err = ctyValue(e); err != nil {
				return cty.NilVal, err
			}
		}
		if ty.IsObjectType() {
			return cty.ObjectVal(vals), nil
		}
		if len(vals) == 0 {
			return cty.MapValEmpty(ty.ElementType()), nil
		}
		if err := sameTypes(vals); err != nil {
			return cty.NilVal, err
		}
		return cty.MapVal(vals), nil
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		var l []tftypes.Value
		if err := v.As(&l); err != nil {
			return cty.NilVal, err
		}
		vals := make([]cty.Value, len(l))
		for i, e := range l {
			if vals[i], err = ctyValue(e); err != nil {
				return cty.NilVal, err
			}
		}
		switch {
		case ty.IsTupleType():
			return cty.TupleVal(vals), nil
		case len(vals) == 0 && ty.IsListType():
			return cty.ListValEmpty(ty.ElementType()), nil
		case len(vals) == 0:
			return cty.SetValEmpty(ty.ElementType()), nil
		}
		m := make(map[string]cty.Value, len(vals))
		for i, e := range vals {
			m[fmt.Sprint(i)] = e
		}
		if err := sameTypes(m); err != nil {
			return cty.NilVal, err
		}
		if ty.IsListType() {
			return cty.ListVal(vals), nil
		}
		return cty.SetVal(vals), nil
	}
	return cty.NilVal, fmt.Errorf("values of type %s are not supported", v.Type())
}

// sameTypes checks that a collection's elements have one type, as cty
// requires (a dynamic element type lets them differ in tftypes).
func sameTypes(vals map[string]cty.Value) error {
	var first cty.Type
	for _, v := range vals {
		if first == cty.NilType {
			first = v.Type()
		} else if !v.Type().Equals(first) {
			return fmt.Errorf("a collection holds elements of different types (%s and %s)", first.FriendlyName(), v.Type().FriendlyName())
		}
	}
	return nil
}

// tftypesType is the tftypes type of a cty type.
func tftypesType(t cty.Type) (tftypes.Type, error) {
	switch {
	case t == cty.DynamicPseudoType:
		return tftypes.DynamicPseudoType, nil
	case t == cty.String:
		return tftypes.String, nil
	case t == cty.Number:
		return tftypes.Number, nil
	case t == cty.Bool:
		return tftypes.Bool, nil
	case t.IsListType(), t.IsSetType(), t.IsMapType():
		et, err := tftypesType(t.ElementType())
		switch {
		case t.IsListType():
			return tftypes.List{ElementType: et}, err
		case t.IsSetType():
			return tftypes.Set{ElementType: et}, err
		}
		return tftypes.Map{ElementType: et}, err
	case t.IsObjectType():
		ats := make(map[string]tftypes.Type, len(t.AttributeTypes()))
		for name, at := range t.AttributeTypes() {
			tt, err := tftypesType(at)
			if err != nil {
				return nil, err
			}
			ats[name] = tt
		}
		return tftypes.Object{AttributeTypes: ats}, nil
	case t.IsTupleType():
		ets := make([]tftypes.Type, len(t.TupleElementTypes()))
		for i, et := range t.TupleElementTypes() {
			tt, err := tftypesType(et)
			if err != nil {
				return nil, err
			}
			ets[i] = tt
		}
		return tftypes.Tuple{ElementTypes: ets}, nil
	}
	return nil, fmt.Errorf("values of type %s are not supported", t.FriendlyName())
}

// tftypesValue is the tftypes value of a cty value.
func tftypesValue(v cty.Value) (tftypes.Value, error) {
	tt, err := tftypesType(v.Type())
	if err != nil {
		return tftypes.Value{}, err
	}
	switch {
	case !v.IsKnown():
		return tftypes.NewValue(tt, tftypes.UnknownValue), nil
	case v.IsNull():
		return tftypes.NewValue(tt, nil), nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return tftypes.NewValue(tt, v.AsString()), nil
	case ty == cty.Number:
		return tftypes.NewValue(tt, v.AsBigFloat()), nil
	case ty == cty.Bool:
		return tftypes.NewValue(tt, v.True()), nil
	case ty.IsObjectType() || ty.IsMapType():
		m := make(map[string]tftypes.Value, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if m[k.AsString()], err = tftypesValue(e); err != nil {
				return tftypes.Value{}, err
			}
		}
		return tftypes.NewValue(tt, m), nil
	default: // list, set, tuple
		l := make([]tftypes.Value, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			tv, err := tftypesValue(e)
			if err != nil {
				return tftypes.Value{}, err
			}
			l = append(l, tv)
		}
		return tftypes.NewValue(tt, l), nil
	}
}
