package plugin

import (
	"errors"
	"testing"

	"github.com/zclconf/go-cty/cty"
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
