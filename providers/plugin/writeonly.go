package plugin

import (
	"context"

	"github.com/zclconf/go-cty/cty"
)

type ephemeralKey struct{}

// WithEphemeral returns a context for calls whose values hold something
// ephemeral (an ephemeral variable, an ephemeral resource's attribute), which
// must not outlive the run in any form. The answer cache neither looks up nor
// keeps their answers, since its keys are hashes of the values; a
// ConfigureProvider made with it turns the cache off for the whole process,
// as every later key would hash the configuration. Write-only arguments need
// no such context: the cache finds them in the schema.
func WithEphemeral(ctx context.Context) context.Context {
	return context.WithValue(ctx, ephemeralKey{}, true)
}

// isEphemeral reports whether ctx came from WithEphemeral.
func isEphemeral(ctx context.Context) bool {
	return ctx.Value(ephemeralKey{}) != nil
}

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

// objectHasWriteOnly reports whether a nested attribute's object type has a
// write-only attribute at any depth.
func objectHasWriteOnly(o *Object) bool {
	if o == nil {
		return false
	}
	for _, a := range o.Attributes {
		if a.WriteOnly || objectHasWriteOnly(a.NestedType) {
			return true
		}
	}
	return false
}

// mayHoldWriteOnly reports whether a value of b's type can hold a write-only
// value: b or a block or nested attribute in it has a write-only attribute.
func (b *Block) mayHoldWriteOnly() bool {
	if b == nil {
		return false
	}
	for _, a := range b.Attributes {
		if a.WriteOnly || objectHasWriteOnly(a.NestedType) {
			return true
		}
	}
	for _, nb := range b.BlockTypes {
		if nb.Block.mayHoldWriteOnly() {
			return true
		}
	}
	return false
}

// HasWriteOnlyValue reports whether v (a value of b's type) sets a
// write-only attribute, at any depth, to something other than null.
func (b *Block) HasWriteOnlyValue(v cty.Value) bool {
	if v == cty.NilVal || v.IsNull() {
		return false
	}
	v, _ = v.Unmark()
	if !v.IsKnown() || !v.Type().IsObjectType() {
		// Unknown: nothing to hash; the callers refuse it anyway.
		return false
	}
	for name, a := range b.Attributes {
		// A nested attribute with a write-only attribute inside counts
		// as a whole: such schemas are rare, and erring this way only
		// costs a cached answer.
		if (a.WriteOnly || objectHasWriteOnly(a.NestedType)) && v.Type().HasAttribute(name) {
			if av, _ := v.GetAttr(name).Unmark(); !av.IsNull() {
				return true
			}
		}
	}
	for name, nb := range b.BlockTypes {
		if !v.Type().HasAttribute(name) || !nb.Block.mayHoldWriteOnly() {
			continue
		}
		nv, _ := v.GetAttr(name).Unmark()
		if nv.IsNull() || !nv.IsKnown() {
			continue
		}
		if nb.Nesting == NestingSingle || nb.Nesting == NestingGroup {
			if nb.Block.HasWriteOnlyValue(nv) {
				return true
			}
			continue
		}
		if !nv.CanIterateElements() {
			continue
		}
		for it := nv.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if nb.Block.HasWriteOnlyValue(e) {
				return true
			}
		}
	}
	return false
}
