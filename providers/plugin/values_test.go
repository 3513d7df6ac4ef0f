package plugin

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"
)

func TestValueRoundTrip(t *testing.T) {
	ty := testBlock().ImpliedType()
	cases := []struct {
		name string
		in   cty.Value
	}{
		{"null", cty.NullVal(ty)},
		{"unknown", cty.UnknownVal(ty)},
		{"mixed", objectOf(testBlock(), map[string]cty.Value{
			"name":     cty.StringVal("a"),
			"size":     cty.UnknownVal(cty.Number),
			"anything": cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.StringVal("x")}),
			"disks":    cty.UnknownVal(cty.List(cty.Object(map[string]cty.Type{"size": cty.Number, "key": cty.String}))),
			"env": cty.MapVal(map[string]cty.Value{"prod": cty.ObjectVal(map[string]cty.Value{
				"value": cty.UnknownVal(cty.String).RefineNotNull(),
			})}),
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dv, err := encodeValue(tc.in, ty)
			if err != nil {
				t.Fatal(err)
			}
			out, err := decodeValue(dv, ty)
			if err != nil {
				t.Fatal(err)
			}
			if !out.RawEquals(tc.in) {
				t.Errorf("round trip:\n got %#v\nwant %#v", out, tc.in)
			}
		})
	}
}

func TestEncodeValueDropsMarks(t *testing.T) {
	v := cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("secret").Mark("sensitive")})
	dv, err := encodeValue(v, v.Type())
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeValue(dv, v.Type())
	if err != nil {
		t.Fatal(err)
	}
	if out.ContainsMarked() || !out.GetAttr("a").RawEquals(cty.StringVal("secret")) {
		t.Errorf("decoded %#v", out)
	}
	if v.ContainsMarked() == false {
		t.Errorf("the caller's value lost its marks")
	}
}

func TestEncodeValueNilIsNull(t *testing.T) {
	dv, err := encodeValue(cty.NilVal, cty.String)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeValue(dv, cty.String)
	if err != nil || !out.RawEquals(cty.NullVal(cty.String)) {
		t.Errorf("NilVal round trip: %#v, %v", out, err)
	}
}

func TestDecodeValue(t *testing.T) {
	obj := cty.Object(map[string]cty.Type{"a": cty.String, "n": cty.Number})
	cases := []struct {
		name    string
		dv      *dynamicValue
		want    cty.Value
		invalid bool
	}{
		{name: "missing", dv: nil, want: cty.NullVal(obj)},
		{name: "empty", dv: &dynamicValue{}, want: cty.NullVal(obj)},
		{name: "json", dv: &dynamicValue{json: []byte(`{"a":"x","n":2}`)}, want: cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x"), "n": cty.NumberIntVal(2)})},
		{name: "msgpack garbage", dv: &dynamicValue{msgpack: []byte{0xc1, 0x00}}, invalid: true},
		{name: "msgpack of another type", dv: &dynamicValue{msgpack: []byte{0x93, 0x01, 0x02, 0x03}}, invalid: true},
		{name: "json garbage", dv: &dynamicValue{json: []byte(`{"a":`)}, invalid: true},
		{name: "json wrong type", dv: &dynamicValue{json: []byte(`{"a":[1]}`)}, invalid: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeValue(tc.dv, obj)
			if tc.invalid {
				if !errors.Is(err, ErrInvalidResponse) {
					t.Errorf("decodeValue = %#v, %v; want ErrInvalidResponse", got, err)
				}
				return
			}
			if err != nil || !got.RawEquals(tc.want) {
				t.Errorf("decodeValue = %#v, %v; want %#v", got, err, tc.want)
			}
		})
	}
}

func TestDecodeType(t *testing.T) {
	if ty, err := decodeType([]byte(`["map","string"]`)); err != nil || !ty.Equals(cty.Map(cty.String)) {
		t.Errorf("decodeType = %#v, %v", ty, err)
	}
	for _, bad := range []string{``, `"nonsense"`, `["object"]`, `{`} {
		if _, err := decodeType([]byte(bad)); !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("decodeType(%q) = %v, want ErrInvalidResponse", bad, err)
		}
	}
}

// FuzzDecodeValue: whatever a provider sends, decoding returns a value or
// an error and never panics.
func FuzzDecodeValue(f *testing.F) {
	ty := testBlock().ImpliedType()
	good, err := encodeValue(objectOf(testBlock(), map[string]cty.Value{"name": cty.StringVal("a"), "size": cty.UnknownVal(cty.Number)}), ty)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good.msgpack, false)
	f.Add([]byte(`{"name":"a"}`), true)
	f.Add([]byte{0xc1}, false)
	f.Add([]byte{0xd4, 0x00, 0x00}, false) // msgpack extension: an unknown value
	f.Fuzz(func(t *testing.T, b []byte, isJSON bool) {
		dv := &dynamicValue{msgpack: b}
		if isJSON {
			dv = &dynamicValue{json: b}
		}
		v, err := decodeValue(dv, ty)
		if err == nil && v == cty.NilVal {
			t.Errorf("no value and no error")
		}
	})
}

// TestFastMsgpack: the fast encoder writes exactly cty's bytes (the
// provider answer cache keys on them, and providers read them), and
// leaves to cty what it does not handle.
func TestFastMsgpack(t *testing.T) {
	for _, tc := range fastMsgpackCases() {
		ty := tc.v.Type()
		got, ok := fastMsgpack(tc.v, ty)
		if ok != tc.fast {
			t.Errorf("fastMsgpack(%#v) ok = %v, want %v", tc.v, ok, tc.fast)
		}
		if !ok {
			continue
		}
		want, err := ctymsgpack.Marshal(tc.v, ty)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("fastMsgpack(%#v) = %x, cty writes %x", tc.v, got, want)
		}
	}
	// A value of another type than the one asked for: cty converts it.
	if _, ok := fastMsgpack(cty.StringVal("1"), cty.Number); ok {
		t.Error("fastMsgpack encoded a string as a number")
	}
	// The type is checked along the walk, at every depth.
	strObj := cty.Object(map[string]cty.Type{"a": cty.String})
	for _, c := range []struct {
		v  cty.Value
		ty cty.Type
	}{
		{cty.ObjectVal(map[string]cty.Value{"b": cty.StringVal("x")}), strObj},
		{cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x"), "b": cty.StringVal("y")}), strObj},
		{cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1)}), strObj},
		{cty.ListVal([]cty.Value{cty.NumberIntVal(1)}), cty.List(cty.String)},
		{cty.ListValEmpty(cty.Number), cty.List(cty.String)},
		{cty.SetValEmpty(cty.String), cty.List(cty.String)},
		{cty.MapValEmpty(cty.Bool), cty.Map(cty.String)},
		{cty.ListVal([]cty.Value{cty.StringVal("x")}), cty.Set(cty.String)},
		{cty.NullVal(strObj), cty.String},
		{cty.NullVal(cty.Number), cty.String},
		{cty.TupleVal([]cty.Value{cty.StringVal("x")}), cty.Tuple([]cty.Type{cty.String, cty.String})},
		{cty.StringVal("x"), strObj},
		{cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x")}), cty.ObjectWithOptionalAttrs(map[string]cty.Type{"a": cty.String}, []string{"a"})},
	} {
		if b, ok := fastMsgpack(c.v, c.ty); ok {
			t.Errorf("fastMsgpack(%#v, %#v) = %x: encoded a value of type %#v", c.v, c.ty, b, c.v.Type())
		}
	}
	// A dynamic attribute carries its type: cty's encoder.
	dynTy := cty.Object(map[string]cty.Type{"d": cty.DynamicPseudoType})
	if _, ok := fastMsgpack(cty.ObjectVal(map[string]cty.Value{"d": cty.StringVal("x")}), dynTy); ok {
		t.Error("fastMsgpack encoded a dynamic attribute")
	}
}

// TestFastUnmsgpack: what the fast decoder decodes, it decodes as cty's
// decoder does: cty's encodings of the encoder's test values, and seeded
// edits of them (a byte changed, dropped or doubled).
func TestFastUnmsgpack(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	decoded := 0
	for _, tc := range fastMsgpackCases() {
		ty := tc.v.Type()
		if !tc.v.IsWhollyKnown() || tc.v.ContainsMarked() {
			continue
		}
		b, err := ctymsgpack.Marshal(tc.v, ty)
		if err != nil {
			t.Fatal(err)
		}
		if checkFastUnmsgpack(t, b, ty) {
			decoded++
		}
		for range 200 {
			m := bytes.Clone(b)
			i := rng.IntN(len(m))
			switch rng.IntN(3) {
			case 0:
				m[i] = byte(rng.IntN(256))
			case 1:
				m = append(m[:i:i], m[i+1:]...)
			default:
				m = append(m[:i+1:i+1], m[i:]...)
			}
			checkFastUnmsgpack(t, m, ty)
		}
	}
	if decoded < 20 {
		t.Errorf("the fast decoder decoded only %d of cty's encodings itself", decoded)
	}
}

// checkFastUnmsgpack reports whether fastUnmsgpack decoded b itself,
// failing t when its answer differs from cty's.
func checkFastUnmsgpack(t *testing.T, b []byte, ty cty.Type) bool {
	t.Helper()
	got, ok := fastUnmsgpack(b, ty)
	if !ok {
		return false
	}
	want, err := ctymsgpack.Unmarshal(b, ty)
	if err != nil {
		t.Errorf("fastUnmsgpack decoded %x, which cty refuses: %v", b, err)
		return true
	}
	if !got.RawEquals(want) {
		t.Errorf("fastUnmsgpack(%x) = %#v, cty decodes %#v", b, got, want)
	}
	return true
}

type fastMsgpackCase struct {
	v    cty.Value
	fast bool // the fast encoder handles it
}

func fastMsgpackCases() []fastMsgpackCase {
	long := strings.Repeat("x", 40)
	longer := strings.Repeat("y", 300)
	objTy := cty.Object(map[string]cty.Type{"b": cty.String, "a": cty.Number, "c": cty.List(cty.Bool)})
	obj := cty.ObjectVal(map[string]cty.Value{"b": cty.StringVal("b"), "a": cty.NumberIntVal(-7), "c": cty.ListVal([]cty.Value{cty.True, cty.False})})
	var manyAttrs = map[string]cty.Value{}
	for i := range 20 {
		manyAttrs[fmt.Sprintf("attr%02d", i)] = cty.StringVal(fmt.Sprint(i))
	}
	return []fastMsgpackCase{
		{cty.StringVal(""), true}, {cty.StringVal("café"), true}, {cty.StringVal(long), true}, {cty.StringVal(longer), true},
		{cty.StringVal(strings.Repeat("z", 70000)), true},
		{cty.True, true}, {cty.False, true}, {cty.NullVal(cty.String), true}, {cty.NullVal(objTy), true},
		{cty.NumberIntVal(0), true}, {cty.NumberIntVal(127), true}, {cty.NumberIntVal(128), true}, {cty.NumberIntVal(255), true},
		{cty.NumberIntVal(256), true}, {cty.NumberIntVal(65536), true}, {cty.NumberIntVal(1 << 33), true},
		{cty.NumberIntVal(-1), true}, {cty.NumberIntVal(-32), true}, {cty.NumberIntVal(-33), true}, {cty.NumberIntVal(-129), true},
		{cty.NumberIntVal(-40000), true}, {cty.NumberIntVal(-1 << 40), true},
		{cty.NumberFloatVal(1.5), false}, {cty.PositiveInfinity, false}, {cty.MustParseNumberVal("123456789012345678901234567890"), false},
		{obj, true}, {cty.ObjectVal(manyAttrs), true}, {cty.EmptyObjectVal, true},
		{cty.ListVal([]cty.Value{obj, obj}), true}, {cty.ListValEmpty(cty.String), true},
		{cty.SetVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a"), cty.StringVal("c")}), true},
		{cty.MapVal(map[string]cty.Value{"z": cty.NumberIntVal(1), "a": cty.NumberIntVal(2)}), true},
		{cty.MapVal(manyAttrs), true},
		{cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.NumberIntVal(1)}), true},
		{cty.UnknownVal(cty.String), false},
		{cty.ObjectVal(map[string]cty.Value{"u": cty.UnknownVal(cty.String)}), false},
		{cty.ObjectVal(map[string]cty.Value{"s": cty.StringVal("x").Mark("m")}), false},
		{cty.ObjectVal(map[string]cty.Value{"n": cty.NullVal(cty.Number), "l": cty.NullVal(cty.List(cty.String)), "m": cty.MapValEmpty(cty.Number)}), true},
		{cty.SetValEmpty(cty.Bool), true}, {cty.NumberUIntVal(1 << 63), false},
	}
}

// TestEncodeValueKnown: an encoding says its value was known throughout
// only when it was (the answer cache then skips walking it again), and the
// remembered attribute order is the type's sorted names.
func TestEncodeValueKnown(t *testing.T) {
	for _, tc := range fastMsgpackCases() {
		dv, err := encodeValue(tc.v, tc.v.Type())
		if err != nil {
			t.Fatal(err)
		}
		if dv.known && !tc.v.IsWhollyKnown() {
			t.Errorf("encodeValue(%#v) says known", tc.v)
		}
		if tc.fast && !dv.known {
			t.Errorf("encodeValue(%#v) does not say known", tc.v)
		}
	}
	ty := cty.Object(map[string]cty.Type{"b": cty.String, "a": cty.String})
	for _, v := range []cty.Value{
		cty.ObjectVal(map[string]cty.Value{"b": cty.UnknownVal(cty.String), "a": cty.StringVal("x")}),
		cty.ObjectVal(map[string]cty.Value{"b": cty.StringVal("y").Mark("sensitive"), "a": cty.StringVal("x")}),
		cty.UnknownVal(ty),
	} {
		dv, err := encodeValue(v, ty)
		if err != nil {
			t.Fatal(err)
		}
		if dv.known {
			t.Errorf("encodeValue(%#v): known = %v", v, dv.known)
		}
	}
	for range 2 {
		if got := sortedAttrNames(ty.AttributeTypes()); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("sortedAttrNames = %q", got)
		}
	}
}
