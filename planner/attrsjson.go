package planner

import (
	"encoding/json"

	"github.com/zclconf/go-cty/cty"
)

// Decoding recorded attributes.
//
// Every recorded object is decoded from its JSON once per plan, and cty's
// JSON decoder reads it token by token through encoding/json's streaming
// decoder, re-reading each nested value from its own buffer: in a
// no-change plan of many resources that is a large share of the engine's
// own work. fastAttrs decodes the common shapes (objects, lists, sets and
// maps of strings, numbers and bools) in one pass over the bytes. It is
// not a second JSON decoder with its own rules: whatever it does not
// handle exactly as cty's decoder does (dynamic and capsule types, tuples,
// a bool or number written as a string, anything malformed) it gives back,
// and decodeAttrs asks cty's decoder, which also gives the error messages.

// fastAttrs decodes raw as a value of type ty; ok is false when it leaves
// raw to cty's decoder.
func fastAttrs(raw []byte, ty cty.Type) (v cty.Value, ok bool) {
	d := attrsDecoder{buf: raw}
	v, ok = d.value(ty)
	if !ok {
		return cty.NilVal, false
	}
	d.space()
	if d.pos != len(d.buf) {
		return cty.NilVal, false
	}
	return v, true
}

type attrsDecoder struct {
	buf []byte
	pos int
}

func (d *attrsDecoder) space() {
	for d.pos < len(d.buf) {
		switch d.buf[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte, 0 at the end.
func (d *attrsDecoder) next() byte {
	d.space()
	if d.pos >= len(d.buf) {
		return 0
	}
	return d.buf[d.pos]
}

// literal consumes word (null, true, false) when it comes next and is not
// followed by more letters.
func (d *attrsDecoder) literal(word string) bool {
	end := d.pos + len(word)
	if end > len(d.buf) || string(d.buf[d.pos:end]) != word {
		return false
	}
	if end < len(d.buf) {
		if c := d.buf[end]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			return false
		}
	}
	d.pos = end
	return true
}

func (d *attrsDecoder) value(ty cty.Type) (cty.Value, bool) {
	c := d.next()
	if c == 'n' {
		if !d.literal("null") {
			return cty.NilVal, false
		}
		return cty.NullVal(ty), true
	}
	switch {
	case ty == cty.String:
		if c != '"' {
			return cty.NilVal, false
		}
		s, ok := d.str()
		if !ok {
			return cty.NilVal, false
		}
		return cty.StringVal(s), true
	case ty == cty.Number:
		text, ok := d.number()
		if !ok {
			return cty.NilVal, false
		}
		v, err := cty.ParseNumberVal(text)
		if err != nil {
			return cty.NilVal, false
		}
		return v, true
	case ty == cty.Bool:
		switch {
		case d.literal("true"):
			return cty.True, true
		case d.literal("false"):
			return cty.False, true
		}
		return cty.NilVal, false
	case ty.IsObjectType():
		return d.object(ty)
	case ty.IsListType(), ty.IsSetType():
		ety := ty.ElementType()
		vals, ok := d.array(ety)
		if !ok {
			return cty.NilVal, false
		}
		return sequenceVal(ty, vals), true
	case ty.IsMapType():
		ety := ty.ElementType()
		vals, ok := d.members(func(string) (cty.Type, bool) { return ety, true })
		if !ok {
			return cty.NilVal, false
		}
		if len(vals) == 0 {
			return cty.MapValEmpty(ety), true
		}
		return cty.MapVal(vals), true
	}
	// Dynamic, capsule and tuple types: cty's decoder.
	return cty.NilVal, false
}

// sequenceVal is the list or set (of type ty) of vals.
func sequenceVal(ty cty.Type, vals []cty.Value) cty.Value {
	if ty.IsListType() {
		if len(vals) == 0 {
			return cty.ListValEmpty(ty.ElementType())
		}
		return cty.ListVal(vals)
	}
	if len(vals) == 0 {
		return cty.SetValEmpty(ty.ElementType())
	}
	return cty.SetVal(vals)
}

func (d *attrsDecoder) object(ty cty.Type) (cty.Value, bool) {
	atys := ty.AttributeTypes()
	vals, ok := d.members(func(k string) (cty.Type, bool) {
		aty, ok := atys[k]
		return aty, ok
	})
	if !ok {
		return cty.NilVal, false
	}
	for k, aty := range atys {
		if _, ok := vals[k]; !ok {
			vals[k] = cty.NullVal(aty)
		}
	}
	if len(vals) == 0 {
		return cty.EmptyObjectVal, true
	}
	return cty.ObjectVal(vals), true
}

// members reads {"k": v, ...}, each value of the type typeOf gives its
// key; a later duplicate key wins, as in cty's decoder.
func (d *attrsDecoder) members(typeOf func(string) (cty.Type, bool)) (map[string]cty.Value, bool) {
	if d.next() != '{' {
		return nil, false
	}
	d.pos++
	vals := map[string]cty.Value{}
	if d.next() == '}' {
		d.pos++
		return vals, true
	}
	for {
		if d.next() != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		ety, ok := typeOf(k)
		if !ok || d.next() != ':' {
			return nil, false
		}
		d.pos++
		v, ok := d.value(ety)
		if !ok {
			return nil, false
		}
		vals[k] = v
		switch d.next() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return vals, true
		default:
			return nil, false
		}
	}
}

func (d *attrsDecoder) array(ety cty.Type) ([]cty.Value, bool) {
	if d.next() != '[' {
		return nil, false
	}
	d.pos++
	var vals []cty.Value
	if d.next() == ']' {
		d.pos++
		return vals, true
	}
	for {
		v, ok := d.value(ety)
		if !ok {
			return nil, false
		}
		vals = append(vals, v)
		switch d.next() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return vals, true
		default:
			return nil, false
		}
	}
}

// str reads a JSON string at d.pos. Plain ASCII is taken as it is;
// anything with escapes or other bytes is unquoted by encoding/json, so
// that it means what it means to cty's decoder.
func (d *attrsDecoder) str() (string, bool) {
	start := d.pos
	plain := true
	for i := start + 1; i < len(d.buf); i++ {
		switch c := d.buf[i]; {
		case c == '"':
			d.pos = i + 1
			if plain {
				return string(d.buf[start+1 : i]), true
			}
			var s string
			if err := json.Unmarshal(d.buf[start:i+1], &s); err != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			plain = false
			i++ // the escaped byte cannot end the string
		case c < 0x20:
			return "", false
		case c >= 0x80:
			plain = false
		}
	}
	return "", false
}

// number reads a JSON number, checked against JSON's grammar.
func (d *attrsDecoder) number() (string, bool) {
	b, i := d.buf, d.pos
	digits := func() bool {
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > s
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return "", false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return "", false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return "", false
		}
	}
	text := string(b[d.pos:i])
	d.pos = i
	return text, true
}
