package protoharness

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// ToValue builds a value of type t from Go values: strings, ints and
// int64s, bools, []string (lists and sets), map[string]string,
// map[string]any for objects, []map[string]any for lists of objects
// (nested blocks), tftypes.Value as is. Missing object attributes are
// null and a missing list is empty, as Terraform sends an absent block.
// For dynamic attributes the type is inferred from the Go value.
func ToValue(t tftypes.Type, v any) tftypes.Value {
	if tv, ok := v.(tftypes.Value); ok {
		return tv
	}
	if v == nil {
		if t.Is(tftypes.List{}) {
			return tftypes.NewValue(t, []tftypes.Value{})
		}
		return tftypes.NewValue(t, nil)
	}
	if t.Is(tftypes.DynamicPseudoType) {
		t = inferType(v)
	}
	switch {
	case t.Is(tftypes.String):
		return tftypes.NewValue(t, v.(string))
	case t.Is(tftypes.Bool):
		return tftypes.NewValue(t, v.(bool))
	case t.Is(tftypes.Number):
		switch n := v.(type) {
		case int:
			return tftypes.NewValue(t, big.NewFloat(float64(n)))
		case int64:
			return tftypes.NewValue(t, new(big.Float).SetInt64(n))
		}
	case t.Is(tftypes.List{}):
		elems := []tftypes.Value{}
		et := t.(tftypes.List).ElementType
		switch l := v.(type) {
		case []string:
			for _, s := range l {
				elems = append(elems, ToValue(et, s))
			}
		case []map[string]any:
			for _, o := range l {
				elems = append(elems, ToValue(et, o))
			}
		default:
			panic(fmt.Sprintf("ToValue: unsupported %T for %s", v, t))
		}
		return tftypes.NewValue(t, elems)
	case t.Is(tftypes.Set{}):
		var elems []tftypes.Value
		for _, s := range v.([]string) {
			elems = append(elems, ToValue(t.(tftypes.Set).ElementType, s))
		}
		return tftypes.NewValue(t, elems)
	case t.Is(tftypes.Map{}):
		elems := map[string]tftypes.Value{}
		et := t.(tftypes.Map).ElementType
		for k, s := range v.(map[string]string) {
			elems[k] = ToValue(et, s)
		}
		return tftypes.NewValue(t, elems)
	case t.Is(tftypes.Object{}):
		ot := t.(tftypes.Object)
		in := v.(map[string]any)
		for name := range in {
			if _, ok := ot.AttributeTypes[name]; !ok {
				panic("no attribute " + name)
			}
		}
		attrs := map[string]tftypes.Value{}
		for name, at := range ot.AttributeTypes {
			attrs[name] = ToValue(at, in[name])
		}
		return tftypes.NewValue(t, attrs)
	}
	panic(fmt.Sprintf("ToValue: unsupported type %s for %T", t, v))
}

func inferType(v any) tftypes.Type {
	switch v := v.(type) {
	case string:
		return tftypes.String
	case bool:
		return tftypes.Bool
	case int, int64:
		return tftypes.Number
	case []string:
		return tftypes.List{ElementType: tftypes.String}
	case map[string]any:
		at := map[string]tftypes.Type{}
		for k, e := range v {
			at[k] = inferType(e)
		}
		return tftypes.Object{AttributeTypes: at}
	}
	panic(fmt.Sprintf("inferType: %T", v))
}

// Get returns attribute name of an object value.
func Get(t testing.TB, v tftypes.Value, name string) tftypes.Value {
	t.Helper()
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		t.Fatalf("not an object: %v", err)
	}
	a, ok := m[name]
	if !ok {
		t.Fatalf("no attribute %s", name)
	}
	return a
}

// GetString returns a string attribute; "<null>" when it is null.
func GetString(t testing.TB, v tftypes.Value, name string) string {
	t.Helper()
	var s *string
	if err := Get(t, v, name).As(&s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if s == nil {
		return "<null>"
	}
	return *s
}

// GetInt returns a number attribute; -1 when it is null.
func GetInt(t testing.TB, v tftypes.Value, name string) int64 {
	t.Helper()
	a := Get(t, v, name)
	if a.IsNull() {
		return -1
	}
	var f big.Float
	if err := a.As(&f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	n, _ := f.Int64()
	return n
}

// GetBool returns a bool attribute.
func GetBool(t testing.TB, v tftypes.Value, name string) bool {
	t.Helper()
	var b bool
	if err := Get(t, v, name).As(&b); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// GetStrings returns a set or list of strings attribute, sorted; nil when
// it is null.
func GetStrings(t testing.TB, v tftypes.Value, name string) []string {
	t.Helper()
	a := Get(t, v, name)
	if a.IsNull() {
		return nil
	}
	var elems []tftypes.Value
	if err := a.As(&elems); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := []string{}
	for _, e := range elems {
		var s string
		if err := e.As(&s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// With returns a copy of object value v with attribute name set to a.
func With(t testing.TB, v tftypes.Value, name string, a tftypes.Value) tftypes.Value {
	t.Helper()
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		t.Fatal(err)
	}
	out := map[string]tftypes.Value{}
	for k, e := range m {
		out[k] = e
	}
	out[name] = a
	return tftypes.NewValue(v.Type(), out)
}

// TftypesToJSON encodes a known value as Terraform's state JSON does, with
// values of dynamic type wrapped as {"value": ..., "type": ...}.
func TftypesToJSON(v tftypes.Value, typ tftypes.Type) ([]byte, error) {
	var enc func(v tftypes.Value, typ tftypes.Type) (any, error)
	enc = func(v tftypes.Value, typ tftypes.Type) (any, error) {
		if v.IsNull() {
			return nil, nil
		}
		if !v.IsFullyKnown() || v.Type().Is(tftypes.DynamicPseudoType) {
			return nil, fmt.Errorf("TftypesToJSON: %v is not a known value of a concrete type", v)
		}
		if typ.Is(tftypes.DynamicPseudoType) {
			inner, err := enc(v, v.Type())
			if err != nil {
				return nil, err
			}
			t, err := v.Type().MarshalJSON()
			if err != nil {
				return nil, err
			}
			return map[string]any{"value": inner, "type": json.RawMessage(t)}, nil
		}
		switch {
		case typ.Is(tftypes.String):
			var s string
			return s, v.As(&s)
		case typ.Is(tftypes.Bool):
			var b bool
			return b, v.As(&b)
		case typ.Is(tftypes.Number):
			var f big.Float
			if err := v.As(&f); err != nil {
				return nil, err
			}
			return json.Number(f.Text('g', -1)), nil
		case typ.Is(tftypes.List{}), typ.Is(tftypes.Tuple{}), typ.Is(tftypes.Set{}):
			var elems []tftypes.Value
			if err := v.As(&elems); err != nil {
				return nil, err
			}
			out := []any{}
			for i, e := range elems {
				et := e.Type()
				switch tt := typ.(type) {
				case tftypes.List:
					et = tt.ElementType
				case tftypes.Set:
					et = tt.ElementType
				case tftypes.Tuple:
					et = tt.ElementTypes[i]
				}
				j, err := enc(e, et)
				if err != nil {
					return nil, err
				}
				out = append(out, j)
			}
			return out, nil
		case typ.Is(tftypes.Map{}), typ.Is(tftypes.Object{}):
			var elems map[string]tftypes.Value
			if err := v.As(&elems); err != nil {
				return nil, err
			}
			out := map[string]any{}
			for k, e := range elems {
				et := e.Type()
				switch tt := typ.(type) {
				case tftypes.Map:
					et = tt.ElementType
				case tftypes.Object:
					et = tt.AttributeTypes[k]
				}
				j, err := enc(e, et)
				if err != nil {
					return nil, err
				}
				out[k] = j
			}
			return out, nil
		}
		return nil, fmt.Errorf("TftypesToJSON: unsupported type %s", typ)
	}
	j, err := enc(v, typ)
	if err != nil {
		return nil, err
	}
	return json.Marshal(j)
}
