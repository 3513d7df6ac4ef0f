package plugin

import (
	"github.com/zclconf/go-cty/cty"
)

// HasWriteOnly reports whether b, or a block nested in it, has a
// write-only attribute.
func (b *Block) HasWriteOnly() bool {
	for _, a := range b.Attributes {
		if a.WriteOnly {
			return true
		}
	}
	for _, nb := range b.BlockTypes {
		if nb.Block.HasWriteOnly() {
			return true
		}
	}
	return false
}

// NullWriteOnly returns v (a value of b's type) with every write-only
// attribute set to null: what may be kept in a plan or a state. Write-only
// values exist only in configuration and in the requests that carry it.
func (b *Block) NullWriteOnly(v cty.Value) cty.Value {
	if !b.HasWriteOnly() || v == cty.NilVal || v.IsNull() || !v.IsKnown() {
		return v
	}
	v, marks := v.Unmark()
	if !v.Type().IsObjectType() {
		return v.WithMarks(marks)
	}
	attrs := v.AsValueMap()
	for name, a := range b.Attributes {
		if old, ok := attrs[name]; ok && a.WriteOnly {
			attrs[name] = cty.NullVal(old.Type())
		}
	}
	for name, nb := range b.BlockTypes {
		old, ok := attrs[name]
		if !ok || !nb.Block.HasWriteOnly() || old.IsNull() || !old.IsKnown() {
			continue
		}
		attrs[name] = nullWriteOnlyNested(&nb.Block, nb.Nesting, old)
	}
	if len(attrs) == 0 {
		return v.WithMarks(marks)
	}
	return cty.ObjectVal(attrs).WithMarks(marks)
}

func nullWriteOnlyNested(b *Block, nesting NestingMode, v cty.Value) cty.Value {
	v, marks := v.Unmark()
	switch nesting {
	case NestingSingle, NestingGroup:
		return b.NullWriteOnly(v).WithMarks(marks)
	}
	ty := v.Type()
	switch {
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		if v.LengthInt() == 0 {
			return v.WithMarks(marks)
		}
		var elems []cty.Value
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			elems = append(elems, b.NullWriteOnly(e))
		}
		switch {
		case ty.IsListType():
			return cty.ListVal(elems).WithMarks(marks)
		case ty.IsSetType():
			return cty.SetVal(elems).WithMarks(marks)
		}
		return cty.TupleVal(elems).WithMarks(marks)
	case ty.IsMapType() || ty.IsObjectType():
		if v.LengthInt() == 0 {
			return v.WithMarks(marks)
		}
		m := map[string]cty.Value{}
		for k, e := range v.AsValueMap() {
			m[k] = b.NullWriteOnly(e)
		}
		if ty.IsMapType() {
			return cty.MapVal(m).WithMarks(marks)
		}
		return cty.ObjectVal(m).WithMarks(marks)
	}
	return v.WithMarks(marks)
}
