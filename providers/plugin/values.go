package plugin

import (
	"bytes"
	"fmt"
	"maps"
	"math/big"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	vmsgpack "github.com/vmihailenco/msgpack/v5"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"github.com/zclconf/go-cty/cty/msgpack"
)

// dynamicValue is a value on the wire: the protocol's DynamicValue without
// its protobuf wrapper. Exactly one of the encodings is set by a sender; this
// package always sends msgpack, the only one that can carry unknown values.
type dynamicValue struct {
	msgpack []byte
	json    []byte
	// known is true when the value encoded is known throughout: fastMsgpack
	// encodes nothing else, and keying a request need not walk it again.
	// False says nothing. It is never sent.
	known bool
}

// encodeValue encodes v, a value of type ty, for the wire. Marks cannot cross
// the wire and are dropped here; the caller keeps them on its side and
// re-applies them (with Block.SensitivePaths, for instance) to what comes back.
// A cty.NilVal stands for a null of type ty.
func encodeValue(v cty.Value, ty cty.Type) (*dynamicValue, error) {
	if v == cty.NilVal {
		v = cty.NullVal(ty)
	}
	if b, ok := fastMsgpack(v, ty); ok {
		return &dynamicValue{msgpack: b, known: true}, nil
	}
	// Most values carry no marks, and finding out walks the whole value
	// (with a path per element): try first, as msgpack refuses marks.
	b, err := msgpack.Marshal(v, ty)
	if err != nil && v.ContainsMarked() {
		v, _ = v.UnmarkDeep()
		b, err = msgpack.Marshal(v, ty)
	}
	if err != nil {
		return nil, fmt.Errorf("encoding value of type %s: %w", ty.FriendlyName(), err)
	}
	return &dynamicValue{msgpack: b}, nil
}

// sameEncoding reports whether the provider sent back exactly the value
// sent, a known value without marks (fastMsgpack encoded it): msgpack
// decodes one encoding to one value.
func sameEncoding(sent, got *dynamicValue) bool {
	return sent != nil && got != nil && sent.known && got.json == nil && bytes.Equal(sent.msgpack, got.msgpack)
}

// decodeValue decodes a value the provider sent, expected to be of type ty.
// A missing or empty value decodes to a null of type ty, as the protocol
// says. Anything that does not decode is an error wrapping
// ErrInvalidResponse; the decoders are never trusted not to panic on hostile
// input.
func decodeValue(dv *dynamicValue, ty cty.Type) (v cty.Value, err error) {
	if dv == nil {
		return cty.NullVal(ty), nil
	}
	defer func() {
		if r := recover(); r != nil {
			v, err = cty.NilVal, fmt.Errorf("%w: value does not decode as %s: %v", ErrInvalidResponse, ty.FriendlyName(), r)
		}
	}()
	switch {
	case len(dv.msgpack) > 0:
		if fv, ok := fastUnmsgpack(dv.msgpack, ty); ok {
			return fv, nil
		}
		v, err = msgpack.Unmarshal(dv.msgpack, ty)
	case len(dv.json) > 0:
		v, err = ctyjson.Unmarshal(dv.json, ty)
	default:
		return cty.NullVal(ty), nil
	}
	if err != nil {
		return cty.NilVal, fmt.Errorf("%w: value does not decode as %s: %v", ErrInvalidResponse, ty.FriendlyName(), err)
	}
	return v, nil
}

// decodeType decodes a cty type in its JSON form, as schemas carry them.
func decodeType(b []byte) (ty cty.Type, err error) {
	defer func() {
		if r := recover(); r != nil {
			ty, err = cty.NilType, fmt.Errorf("%w: invalid type %q: %v", ErrInvalidResponse, b, r)
		}
	}()
	ty, err = ctyjson.UnmarshalType(b)
	if err != nil {
		return cty.NilType, fmt.Errorf("%w: invalid type %q: %v", ErrInvalidResponse, b, err)
	}
	return ty, nil
}

// fastMsgpack encodes v as cty's msgpack encoder does, byte for byte, for
// the values a plan sends most: known, unmarked values of exactly type ty
// without dynamic parts, whose numbers are integers. cty's encoder first
// tests the value's conformance to the type, and then tracks a path and
// allocates a key value per attribute; for anything else (ok false) the
// caller uses it.
//
// It checks v's type against ty as it walks, rather than with ty.Equals
// first: comparing object types iterates maps, and did so for every value
// a plan encoded.
func fastMsgpack(v cty.Value, ty cty.Type) (b []byte, ok bool) {
	var buf bytes.Buffer
	buf.Grow(512) // most resource objects fit: no regrowing
	enc := vmsgpack.NewEncoder(&buf)
	if !fastMsgpackValue(enc, v, ty) {
		return nil, false
	}
	return buf.Bytes(), true
}

func fastMsgpackValue(enc *vmsgpack.Encoder, v cty.Value, ty cty.Type) bool {
	if v.IsMarked() || !v.IsKnown() || ty == cty.DynamicPseudoType {
		return false
	}
	if v.IsNull() {
		return v.Type().Equals(ty) && enc.EncodeNil() == nil
	}
	switch {
	case ty == cty.String:
		return v.Type() == ty && enc.EncodeString(v.AsString()) == nil
	case ty == cty.Bool:
		return v.Type() == ty && enc.EncodeBool(v.True()) == nil
	case ty == cty.Number:
		if v.Type() != ty {
			return false
		}
		i, acc := v.AsBigFloat().Int64()
		if acc != big.Exact {
			return false // floats, infinities, big numbers: cty's rules
		}
		return enc.EncodeInt(i) == nil
	case ty.IsObjectType():
		atys := ty.AttributeTypes()
		vty := v.Type()
		if !vty.IsObjectType() || len(vty.AttributeTypes()) != len(atys) || len(ty.OptionalAttributes()) != 0 {
			return false
		}
		names := sortedAttrNames(atys)
		for _, name := range names {
			if !vty.HasAttribute(name) {
				return false
			}
		}
		if enc.EncodeMapLen(len(names)) != nil {
			return false
		}
		for _, name := range names {
			if enc.EncodeString(name) != nil || !fastMsgpackValue(enc, v.GetAttr(name), atys[name]) {
				return false
			}
		}
		return true
	case ty.IsListType(), ty.IsSetType():
		ety := ty.ElementType()
		if !sameCollection(v, ty) {
			return false
		}
		if enc.EncodeArrayLen(v.LengthInt()) != nil {
			return false
		}
		for it := v.ElementIterator(); it.Next(); {
			if _, ev := it.Element(); !fastMsgpackValue(enc, ev, ety) {
				return false
			}
		}
		return true
	case ty.IsMapType():
		ety := ty.ElementType()
		if !sameCollection(v, ty) {
			return false
		}
		if enc.EncodeMapLen(v.LengthInt()) != nil {
			return false
		}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			if enc.EncodeString(k.AsString()) != nil || !fastMsgpackValue(enc, ev, ety) {
				return false
			}
		}
		return true
	case ty.IsTupleType():
		etys := ty.TupleElementTypes()
		if vty := v.Type(); !vty.IsTupleType() || len(vty.TupleElementTypes()) != len(etys) {
			return false
		}
		if enc.EncodeArrayLen(len(etys)) != nil {
			return false
		}
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			if _, ev := it.Element(); !fastMsgpackValue(enc, ev, etys[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// sameCollection reports whether v is a collection of ty's kind whose
// elements fastMsgpackValue may check one by one: an empty one has none
// to check, so its element type is compared whole.
func sameCollection(v cty.Value, ty cty.Type) bool {
	vty := v.Type()
	switch {
	case ty.IsListType():
		if !vty.IsListType() {
			return false
		}
	case ty.IsSetType():
		if !vty.IsSetType() {
			return false
		}
	case ty.IsMapType():
		if !vty.IsMapType() {
			return false
		}
	default:
		return false
	}
	return v.LengthInt() > 0 || vty.ElementType().Equals(ty.ElementType())
}

// sortedAttrNames returns the names of an object type's attributes in
// order, remembered per type: the types encoded are the providers' schema
// types, few and alive for the whole run, and sorting the names of every
// object encoded was a tenth of the encoding.
func sortedAttrNames(atys map[string]cty.Type) []string {
	key := reflect.ValueOf(atys).UnsafePointer()
	if v, ok := objectNames.Load(key); ok {
		return v.(attrNames).names
	}
	names := slices.Sorted(maps.Keys(atys))
	// The entry holds the map, so its address is not reused while the
	// entry exists. Types made along the way (a function's argument, a
	// dynamic attribute's value) would each add one: past a bound, names
	// are sorted without being remembered.
	if objectNamesKept.Add(1) <= maxObjectNames {
		objectNames.Store(key, attrNames{atys: atys, names: names})
	}
	return names
}

// maxObjectNames bounds objectNames: far more object types than a run's
// provider schemas hold.
const maxObjectNames = 4096

var objectNamesKept atomic.Int64

type attrNames struct {
	atys  map[string]cty.Type
	names []string
}

var objectNames sync.Map // map pointer of an object type's attributes -> attrNames

// fastUnmsgpack decodes b as cty's msgpack decoder does, for the shapes
// providers send most (objects, lists, sets and maps of strings, integers
// and bools, and nulls), in one pass and without cty's error paths; ok is
// false for anything else (unknowns, dynamic parts, floats, tuples,
// anything unusual or malformed), which the caller leaves to cty.
func fastUnmsgpack(b []byte, ty cty.Type) (v cty.Value, ok bool) {
	d := msgpackReader{buf: b}
	v, ok = d.value(ty)
	if !ok || d.pos != len(b) {
		return cty.NilVal, false
	}
	return v, true
}

type msgpackReader struct {
	buf []byte
	pos int
}

// uint reads an n-byte big-endian unsigned integer.
func (d *msgpackReader) uint(n int) (uint64, bool) {
	if d.pos+n > len(d.buf) {
		return 0, false
	}
	var u uint64
	for _, c := range d.buf[d.pos : d.pos+n] {
		u = u<<8 | uint64(c)
	}
	d.pos += n
	return u, true
}

// length reads the length of a string (kind 's'), array ('a') or map
// ('m') in any of its formats.
func (d *msgpackReader) length(kind byte) (int, bool) {
	if d.pos >= len(d.buf) {
		return 0, false
	}
	c := d.buf[d.pos]
	d.pos++
	var size int
	switch {
	case kind == 's' && c >= 0xa0 && c <= 0xbf:
		return int(c & 0x1f), true
	case kind == 'a' && c >= 0x90 && c <= 0x9f, kind == 'm' && c >= 0x80 && c <= 0x8f:
		return int(c & 0x0f), true
	case kind == 's' && c == 0xd9:
		size = 1
	case kind == 's' && c == 0xda, kind == 'a' && c == 0xdc, kind == 'm' && c == 0xde:
		size = 2
	case kind == 's' && c == 0xdb, kind == 'a' && c == 0xdd, kind == 'm' && c == 0xdf:
		size = 4
	default:
		return 0, false
	}
	n, ok := d.uint(size)
	if !ok || n > uint64(len(d.buf)) {
		return 0, false // longer than the input: malformed
	}
	return int(n), true
}

func (d *msgpackReader) str() (string, bool) {
	n, ok := d.length('s')
	if !ok || d.pos+n > len(d.buf) {
		return "", false
	}
	s := string(d.buf[d.pos : d.pos+n])
	d.pos += n
	return s, true
}

func (d *msgpackReader) value(ty cty.Type) (cty.Value, bool) {
	if d.pos >= len(d.buf) || ty == cty.DynamicPseudoType {
		return cty.NilVal, false
	}
	c := d.buf[d.pos]
	if c == 0xc0 {
		d.pos++
		return cty.NullVal(ty), true
	}
	switch {
	case ty == cty.String:
		s, ok := d.str()
		if !ok {
			return cty.NilVal, false
		}
		return cty.StringVal(s), true
	case ty == cty.Bool:
		if c != 0xc2 && c != 0xc3 {
			return cty.NilVal, false
		}
		d.pos++
		return cty.BoolVal(c == 0xc3), true
	case ty == cty.Number:
		return d.number(c)
	case ty.IsObjectType():
		atys := ty.AttributeTypes()
		n, ok := d.length('m')
		if !ok || n == 0 || n != len(atys) {
			return cty.NilVal, false
		}
		vals := make(map[string]cty.Value, n)
		for range n {
			k, ok := d.str()
			if !ok {
				return cty.NilVal, false
			}
			aty, known := atys[k]
			if !known {
				return cty.NilVal, false
			}
			if vals[k], ok = d.value(aty); !ok {
				return cty.NilVal, false
			}
		}
		if len(vals) != n {
			return cty.NilVal, false // a key twice
		}
		return cty.ObjectVal(vals), true
	case ty.IsListType(), ty.IsSetType():
		ety := ty.ElementType()
		n, ok := d.length('a')
		if !ok {
			return cty.NilVal, false
		}
		vals := make([]cty.Value, 0, n)
		for range n {
			v, ok := d.value(ety)
			if !ok {
				return cty.NilVal, false
			}
			vals = append(vals, v)
		}
		switch {
		case n == 0 && ty.IsListType():
			return cty.ListValEmpty(ety), true
		case n == 0:
			return cty.SetValEmpty(ety), true
		case ty.IsListType():
			return cty.ListVal(vals), true
		}
		return cty.SetVal(vals), true
	case ty.IsMapType():
		ety := ty.ElementType()
		n, ok := d.length('m')
		if !ok {
			return cty.NilVal, false
		}
		if n == 0 {
			return cty.MapValEmpty(ety), true
		}
		vals := make(map[string]cty.Value, n)
		for range n {
			k, ok := d.str()
			if !ok {
				return cty.NilVal, false
			}
			if vals[k], ok = d.value(ety); !ok {
				return cty.NilVal, false
			}
		}
		return cty.MapVal(vals), true
	}
	return cty.NilVal, false
}

// number reads an integer in any of msgpack's integer formats.
func (d *msgpackReader) number(c byte) (cty.Value, bool) {
	switch {
	case c <= 0x7f:
		d.pos++
		return cty.NumberIntVal(int64(c)), true
	case c >= 0xe0:
		d.pos++
		return cty.NumberIntVal(int64(int8(c))), true
	case c >= 0xcc && c <= 0xcf: // uint 8, 16, 32, 64
		d.pos++
		u, ok := d.uint(1 << (c - 0xcc))
		if !ok {
			return cty.NilVal, false
		}
		return cty.NumberUIntVal(u), true
	case c >= 0xd0 && c <= 0xd3: // int 8, 16, 32, 64
		d.pos++
		size := 1 << (c - 0xd0)
		u, ok := d.uint(size)
		if !ok {
			return cty.NilVal, false
		}
		shift := 64 - 8*size
		return cty.NumberIntVal(int64(u<<shift) >> shift), true
	}
	return cty.NilVal, false
}
