package planner

import (
	"bytes"
	"encoding/json"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// proposedNew computes the protocol's proposed new state: the configuration,
// with the prior state's values kept for computed attributes the
// configuration leaves null. Providers receive it in PlanResourceChange.
// isPrior is true when the proposal is the prior value itself (as it is for
// an object whose configuration has not changed).
func proposedNew(b *plugin.Block, prior, cfg cty.Value) (proposed cty.Value, isPrior bool) {
	if cfg.IsNull() || !cfg.IsKnown() {
		return cfg, false
	}
	if prior.IsNull() || !prior.IsKnown() {
		prior = cty.NullVal(b.ImpliedType())
	}
	if proposedIsPrior(b, prior, cfg) {
		return prior, true
	}
	return proposedObject(b, prior, cfg), false
}

// proposedIsPrior reports whether proposedObject(b, prior, cfg) is prior
// itself: every attribute configured as recorded, or computed and left
// out. That is the usual question of a plan that changes nothing, answered
// without building the object again. Nested blocks and nested attribute
// types take the long way.
func proposedIsPrior(b *plugin.Block, prior, cfg cty.Value) bool {
	if len(b.BlockTypes) > 0 || prior.IsNull() || prior.IsMarked() || !prior.Type().IsObjectType() || !cfg.Type().IsObjectType() {
		return false
	}
	pty, cty_ := prior.Type(), cfg.Type()
	if len(cty_.AttributeTypes()) != len(b.Attributes) || len(pty.AttributeTypes()) != len(b.Attributes) {
		return false
	}
	for name, a := range b.Attributes {
		if a.NestedType != nil || !cty_.HasAttribute(name) || !pty.HasAttribute(name) {
			return false
		}
		cv := cfg.GetAttr(name)
		if a.Computed && cv.IsNull() {
			continue // the proposal keeps prior's
		}
		if !valuesEqual(cv, prior.GetAttr(name)) {
			return false
		}
	}
	return true
}

func proposedObject(b *plugin.Block, prior, cfg cty.Value) cty.Value {
	if cfg.IsNull() || !cfg.IsKnown() || !cfg.Type().IsObjectType() {
		return cfg
	}
	attrs := make(map[string]cty.Value, len(b.Attributes)+len(b.BlockTypes))
	get := func(v cty.Value, name string) cty.Value {
		if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() || !v.Type().HasAttribute(name) {
			return cty.NilVal
		}
		return v.GetAttr(name)
	}
	for name, a := range b.Attributes {
		cv := get(cfg, name)
		if cv == cty.NilVal {
			continue
		}
		pv := get(prior, name)
		if pv == cty.NilVal {
			pv = cty.NullVal(cv.Type())
		}
		switch {
		case a.Computed && cv.IsNull():
			attrs[name] = pv
		case a.NestedType != nil && !cv.IsNull() && cv.IsKnown():
			attrs[name] = proposedNested(a.NestedType, pv, cv)
		default:
			attrs[name] = cv
		}
	}
	for name, nb := range b.BlockTypes {
		cv := get(cfg, name)
		if cv == cty.NilVal {
			continue
		}
		pv := get(prior, name)
		attrs[name] = proposedBlock(nb, pv, cv)
	}
	for name, v := range cfg.AsValueMap() {
		if _, ok := attrs[name]; !ok {
			attrs[name] = v
		}
	}
	return cty.ObjectVal(attrs)
}

// proposedNested applies the rule inside a nested attribute type.
func proposedNested(o *plugin.Object, prior, cfg cty.Value) cty.Value {
	inner := &plugin.Block{Attributes: o.Attributes}
	switch o.Nesting {
	case plugin.NestingSingle, plugin.NestingGroup:
		return proposedObject(inner, prior, cfg)
	case plugin.NestingList:
		if !cfg.Type().IsListType() && !cfg.Type().IsTupleType() {
			return cfg
		}
		return mapElements(cfg, func(i int, v cty.Value) cty.Value {
			return proposedObject(inner, indexOf(prior, i), v)
		})
	case plugin.NestingMap:
		return mapMapElements(cfg, func(k string, v cty.Value) cty.Value {
			return proposedObject(inner, keyOf(prior, k), v)
		})
	}
	return cfg
}

func proposedBlock(nb *plugin.NestedBlock, prior, cfg cty.Value) cty.Value {
	if cfg.IsNull() || !cfg.IsKnown() {
		return cfg
	}
	b := &nb.Block
	switch nb.Nesting {
	case plugin.NestingSingle, plugin.NestingGroup:
		if prior == cty.NilVal {
			prior = cty.NullVal(b.ImpliedType())
		}
		return proposedObject(b, prior, cfg)
	case plugin.NestingList:
		return mapElements(cfg, func(i int, v cty.Value) cty.Value {
			return proposedObject(b, indexOf(prior, i), v)
		})
	case plugin.NestingMap:
		return mapMapElements(cfg, func(k string, v cty.Value) cty.Value {
			return proposedObject(b, keyOf(prior, k), v)
		})
	}
	// Sets are matched by the provider; keep the configuration.
	return cfg
}

func indexOf(v cty.Value, i int) cty.Value {
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() || !(v.Type().IsListType() || v.Type().IsTupleType()) || v.LengthInt() <= i {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return v.Index(cty.NumberIntVal(int64(i)))
}

func keyOf(v cty.Value, k string) cty.Value {
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	if v.Type().IsMapType() {
		key := cty.StringVal(k)
		if v.HasIndex(key).True() {
			return v.Index(key)
		}
	} else if v.Type().IsObjectType() && v.Type().HasAttribute(k) {
		return v.GetAttr(k)
	}
	return cty.NullVal(cty.DynamicPseudoType)
}

func mapElements(v cty.Value, fn func(int, cty.Value) cty.Value) cty.Value {
	if v.IsNull() || !v.IsKnown() || v.LengthInt() == 0 {
		return v
	}
	vals := v.AsValueSlice()
	out := make([]cty.Value, len(vals))
	for i, x := range vals {
		out[i] = fn(i, x)
	}
	if v.Type().IsListType() {
		if t, err := safeList(out); err == nil {
			return t
		}
	}
	return cty.TupleVal(out)
}

func safeList(vals []cty.Value) (v cty.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errNotUniform
		}
	}()
	return cty.ListVal(vals), nil
}

type constErr string

func (e constErr) Error() string { return string(e) }

const errNotUniform = constErr("elements differ in type")

func mapMapElements(v cty.Value, fn func(string, cty.Value) cty.Value) cty.Value {
	if v.IsNull() || !v.IsKnown() || v.LengthInt() == 0 {
		return v
	}
	out := map[string]cty.Value{}
	for k, x := range v.AsValueMap() {
		out[k] = fn(k, x)
	}
	if v.Type().IsMapType() {
		defer func() { _ = recover() }()
		return cty.MapVal(out)
	}
	return cty.ObjectVal(out)
}

// ignoreChanges returns cfg with the values at the ignored paths taken from
// prior, so the plan keeps what exists there.
func ignoreChanges(prior, cfg cty.Value, ignore []hcl.Traversal, all bool) cty.Value {
	if prior.IsNull() || !prior.IsKnown() || cfg.IsNull() || !cfg.IsKnown() {
		return cfg
	}
	if all {
		return ignoreAll(prior, cfg)
	}
	var paths []cty.Path
	for _, t := range ignore {
		if p, ok := traversalPath(t); ok {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return cfg
	}
	out, _ := cty.Transform(cfg, func(p cty.Path, v cty.Value) (cty.Value, error) {
		for _, ip := range paths {
			if p.Equals(ip) {
				if pv, err := ip.Apply(prior); err == nil {
					return pv, nil
				}
			}
		}
		return v, nil
	})
	return out
}

// ignoreAll keeps every configurable value of prior.
func ignoreAll(prior, cfg cty.Value) cty.Value {
	if !cfg.Type().IsObjectType() || !prior.Type().IsObjectType() {
		return cfg
	}
	attrs := cfg.AsValueMap()
	for name := range attrs {
		if prior.Type().HasAttribute(name) {
			attrs[name] = prior.GetAttr(name)
		}
	}
	return cty.ObjectVal(attrs)
}

// traversalPath converts a relative traversal (tags["env"]) into a path.
func traversalPath(t hcl.Traversal) (cty.Path, bool) {
	var p cty.Path
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			p = p.GetAttr(s.Name)
		case hcl.TraverseAttr:
			p = p.GetAttr(s.Name)
		case hcl.TraverseIndex:
			p = p.Index(s.Key)
		default:
			return nil, false
		}
	}
	return p, len(p) > 0
}

// remark applies sensitive marks to a value coming back from a provider:
// where the configuration had them, and where the schema says so.
func remark(v cty.Value, b *plugin.Block, cfgMarks []cty.PathValueMarks) cty.Value {
	return markWith(v, remarks(v, b, cfgMarks))
}

// remarks lists the marks remark applies to v.
func remarks(v cty.Value, b *plugin.Block, cfgMarks []cty.PathValueMarks) []cty.PathValueMarks {
	if v == cty.NilVal || v.IsNull() {
		return nil
	}
	var pvm []cty.PathValueMarks
	for _, m := range cfgMarks {
		if _, err := m.Path.Apply(v); err == nil {
			pvm = append(pvm, m)
		}
	}
	if b != nil && len(b.MarksFollow) > 0 {
		pvm = append(pvm, followed(v, b.MarksFollow, cfgMarks)...)
	}
	if b != nil {
		for _, p := range b.SensitivePaths(v) {
			pvm = append(pvm, cty.PathValueMarks{Path: p, Marks: sensitiveMarks})
		}
	}
	return pvm
}

// followed copies the configuration's marks on an attribute to the one the
// provider copies it into (plugin.Block.MarksFollow): input's onto output.
func followed(v cty.Value, follow map[string]string, cfgMarks []cty.PathValueMarks) []cty.PathValueMarks {
	var out []cty.PathValueMarks
	for dst, src := range follow {
		for _, m := range cfgMarks {
			if len(m.Path) == 0 {
				continue
			}
			if step, ok := m.Path[0].(cty.GetAttrStep); !ok || step.Name != src {
				continue
			}
			p := append(cty.Path{cty.GetAttrStep{Name: dst}}, m.Path[1:]...)
			if _, err := p.Apply(v); err == nil {
				out = append(out, cty.PathValueMarks{Path: p, Marks: m.Marks})
			}
		}
	}
	return out
}

// sensitiveMarks is the mark set of a sensitive value, shared: mark sets
// are never changed once made.
var sensitiveMarks = cty.NewValueMarks(marks.Sensitive)

// markWith is v.MarkWithPaths(pvm).
func markWith(v cty.Value, pvm []cty.PathValueMarks) cty.Value {
	if len(pvm) == 0 {
		return v
	}
	if out, ok := markAttrs(v, pvm); ok {
		return out
	}
	return v.MarkWithPaths(pvm)
}

// sameMarks reports whether marking a value with a or with b gives the
// same marks: every path has the same marks, merged, in both.
func sameMarks(a, b []cty.PathValueMarks) bool {
	covers := func(a, b []cty.PathValueMarks) bool {
		for _, m := range a {
			for mark := range m.Marks {
				found := false
				for _, n := range b {
					if _, ok := n.Marks[mark]; ok && n.Path.Equals(m.Path) {
						found = true
						break
					}
				}
				if !found {
					return false
				}
			}
		}
		return true
	}
	return covers(a, b) && covers(b, a)
}

// markAttrs is v.MarkWithPaths(pvm) when every path names an attribute of
// v itself (the usual sensitive attributes of a resource): it rebuilds the
// object once instead of transforming the whole value. ok is false when a
// path goes deeper, or v is not a plain known object.
func markAttrs(v cty.Value, pvm []cty.PathValueMarks) (cty.Value, bool) {
	ty := v.Type()
	if v.IsMarked() || !v.IsKnown() || v.IsNull() || !ty.IsObjectType() {
		return cty.NilVal, false
	}
	for _, m := range pvm {
		if len(m.Path) != 1 {
			return cty.NilVal, false
		}
		step, ok := m.Path[0].(cty.GetAttrStep)
		if !ok || !ty.HasAttribute(step.Name) {
			return cty.NilVal, false
		}
	}
	attrs := v.AsValueMap()
	for _, m := range pvm {
		name := m.Path[0].(cty.GetAttrStep).Name
		attrs[name] = attrs[name].WithMarks(m.Marks)
	}
	return cty.ObjectVal(attrs), true
}

// sensitivePaths lists the paths of a value that carry the sensitive mark.
func sensitivePaths(v cty.Value) []cty.Path {
	_, pvm := v.UnmarkDeepWithPaths()
	var out []cty.Path
	for _, m := range pvm {
		if _, ok := m.Marks[marks.Sensitive]; ok {
			out = append(out, m.Path)
		}
	}
	return out
}

// valuesEqual compares two values without their marks, unknowns included:
// an unknown equals only an unknown of the same type (and refinements), as
// cty's RawEquals says of the values unmarked. It walks both values once,
// without unmarking copies: a no-change plan compares every object two or
// three times (prior with refreshed, prior with planned).
func valuesEqual(a, b cty.Value) bool {
	if !a.Type().Equals(b.Type()) {
		return false
	}
	return sameTypeEqual(a, b)
}

// sameTypeEqual is valuesEqual of two values of the same type.
func sameTypeEqual(a, b cty.Value) bool {
	if a.IsMarked() {
		a, _ = a.Unmark()
	}
	if b.IsMarked() {
		b, _ = b.Unmark()
	}
	ak, bk := a.IsKnown(), b.IsKnown()
	if !ak || !bk {
		if ak != bk {
			return false
		}
		return rawEqualUnmarked(a, b)
	}
	an, bn := a.IsNull(), b.IsNull()
	if an || bn {
		return an == bn
	}
	ty := a.Type()
	switch {
	case ty == cty.String:
		return a.AsString() == b.AsString()
	case ty == cty.Bool:
		return a.True() == b.True()
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			if !sameTypeEqual(a.GetAttr(name), b.GetAttr(name)) {
				return false
			}
		}
		return true
	case ty.IsListType() || ty.IsTupleType() || ty.IsMapType():
		if a.LengthInt() != b.LengthInt() {
			return false
		}
		ai, bi := a.ElementIterator(), b.ElementIterator()
		for ai.Next() && bi.Next() {
			ak, av := ai.Element()
			bk, bv := bi.Element()
			if ty.IsMapType() && ak.AsString() != bk.AsString() {
				return false
			}
			if !sameTypeEqual(av, bv) {
				return false
			}
		}
		return true
	default:
		// Numbers, sets (ordered by their own rules) and capsules: cty's
		// comparison, on the values unmarked.
		return rawEqualUnmarked(a, b)
	}
}

// hasMarks is v.ContainsMarked() without cty's walk, which makes a path
// per element: most configurations carry no marks, and asking is then
// cheaper than unmarking.
func hasMarks(v cty.Value) bool {
	if v.IsMarked() {
		return true
	}
	if !v.IsKnown() || v.IsNull() {
		return false
	}
	ty := v.Type()
	switch {
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			if hasMarks(v.GetAttr(name)) {
				return true
			}
		}
	case ty.IsCollectionType() || ty.IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			if _, e := it.Element(); hasMarks(e) {
				return true
			}
		}
	}
	return false
}

// rawEqualUnmarked is cty's RawEquals of the two values without marks.
func rawEqualUnmarked(a, b cty.Value) bool {
	if a.ContainsMarked() {
		a, _ = a.UnmarkDeep()
	}
	if b.ContainsMarked() {
		b, _ = b.UnmarkDeep()
	}
	return a.RawEquals(b)
}

// ctyJSON encodes a known value as JSON with its implied type.
func ctyJSON(v cty.Value) ([]byte, error) {
	v, _ = v.UnmarkDeep()
	return ctyjson.Marshal(v, v.Type())
}

// decodeAttrs decodes stored attributes with the schema's type.
func decodeAttrs(raw json.RawMessage, ty cty.Type) (cty.Value, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return cty.NullVal(ty), nil
	}
	if v, ok := fastAttrs(raw, ty); ok {
		return v, nil
	}
	return ctyjson.Unmarshal(raw, ty)
}

// pathString renders a path the way users write attribute references.
func pathString(p cty.Path) string {
	var buf bytes.Buffer
	for i, step := range p {
		switch s := step.(type) {
		case cty.GetAttrStep:
			if i > 0 {
				buf.WriteByte('.')
			}
			buf.WriteString(s.Name)
		case cty.IndexStep:
			buf.WriteByte('[')
			if s.Key.Type() == cty.String {
				b, _ := json.Marshal(s.Key.AsString())
				buf.Write(b)
			} else if s.Key.Type() == cty.Number {
				buf.WriteString(s.Key.AsBigFloat().Text('f', -1))
			} else {
				buf.WriteString("...")
			}
			buf.WriteByte(']')
		}
	}
	return buf.String()
}
