package plugin

import (
	"bytes"
	"fmt"
	"math/big"
	"slices"

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
		return &dynamicValue{msgpack: b}, nil
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
func fastMsgpack(v cty.Value, ty cty.Type) (b []byte, ok bool) {
	if !v.Type().Equals(ty) {
		return nil, false
	}
	var buf bytes.Buffer
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
		return enc.EncodeNil() == nil
	}
	switch {
	case ty == cty.String:
		return enc.EncodeString(v.AsString()) == nil
	case ty == cty.Bool:
		return enc.EncodeBool(v.True()) == nil
	case ty == cty.Number:
		i, acc := v.AsBigFloat().Int64()
		if acc != big.Exact {
			return false // floats, infinities, big numbers: cty's rules
		}
		return enc.EncodeInt(i) == nil
	case ty.IsObjectType():
		atys := ty.AttributeTypes()
		names := make([]string, 0, len(atys))
		for name := range atys {
			names = append(names, name)
		}
		slices.Sort(names)
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
