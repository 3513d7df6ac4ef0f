package planfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// fileDecoder converts the wire form back, decoding each distinct type once.
type fileDecoder struct {
	types []cty.Type
}

// typeAt returns the type with 1-based index ref; 0 is cty.NilType.
func (d *fileDecoder) typeAt(ref int) (cty.Type, error) {
	if ref == 0 {
		return cty.NilType, nil
	}
	if ref < 0 || ref > len(d.types) {
		return cty.NilType, fmt.Errorf("type reference %d out of range", ref)
	}
	return d.types[ref-1], nil
}

func (d *fileDecoder) plan(fp *filePlan) (*plan.Plan, error) {
	d.types = make([]cty.Type, len(fp.Types))
	for i, raw := range fp.Types {
		ty, err := ctyjson.UnmarshalType(raw)
		if err != nil {
			return nil, fmt.Errorf("type %d: %w", i+1, err)
		}
		d.types[i] = ty
	}
	mode, err := modeCodes.value(fp.Mode)
	if err != nil {
		return nil, err
	}
	p := &plan.Plan{
		Mode:         mode,
		PriorLineage: fp.PriorLineage,
		PriorSerial:  fp.PriorSerial,
		ConfigDigest: fp.ConfigDigest,
		Targets:      fp.Targets,
		Replace:      fp.Replace,
		Excludes:     fp.Excludes,
		Applyable:    fp.Applyable,
		Errored:      fp.Errored,
	}
	switch len(fp.Timestamp) {
	case 0:
	case 2:
		p.Timestamp = time.Unix(fp.Timestamp[0], fp.Timestamp[1]).UTC()
	default:
		return nil, errors.New("malformed timestamp")
	}
	if p.Changes, err = d.changes(fp.Changes); err != nil {
		return nil, err
	}
	if p.Drift, err = d.changes(fp.Drift); err != nil {
		return nil, err
	}
	for _, fi := range fp.Identities {
		addr, err := decodeInstance(fi.Addr)
		if err != nil {
			return nil, fmt.Errorf("identity: %w", err)
		}
		if !json.Valid(fi.JSON) {
			return nil, fmt.Errorf("identity of %s: not JSON", addr)
		}
		p.Identities = append(p.Identities, &plan.IdentityUpdate{Addr: addr, DeposedKey: fi.DeposedKey, JSON: fi.JSON, Version: fi.Version})
	}
	for _, fo := range fp.Outputs {
		o := &plan.OutputChange{Name: fo.Name, Sensitive: fo.Sensitive}
		if o.Action, err = actionCodes.value(fo.Action); err != nil {
			return nil, fmt.Errorf("output %s: %w", fo.Name, err)
		}
		if o.Before, err = d.value(fo.Before); err != nil {
			return nil, fmt.Errorf("output %s: before: %w", fo.Name, err)
		}
		if o.After, err = d.value(fo.After); err != nil {
			return nil, fmt.Errorf("output %s: after: %w", fo.Name, err)
		}
		p.Outputs = append(p.Outputs, o)
	}
	if len(fp.Variables) > 0 {
		p.Variables = make(map[string]cty.Value, len(fp.Variables))
		for _, fv := range fp.Variables {
			v, err := d.value(fv.Value)
			if err != nil {
				return nil, fmt.Errorf("variable %s: %w", fv.Name, err)
			}
			p.Variables[fv.Name] = v
		}
	}
	for _, fpl := range fp.Placements {
		kind, err := objectKindCodes.value(fpl.Kind)
		if err != nil {
			return nil, fmt.Errorf("placement %s: %w", fpl.Name, err)
		}
		r, err := decodeRanking(fpl.Ranking)
		if err != nil {
			return nil, fmt.Errorf("placement %s: %w", fpl.Name, err)
		}
		p.Placements = append(p.Placements, &plan.Placement{
			Addr:  config.ObjectAddr{Module: config.ModuleInstance(fpl.Module), Kind: kind, Name: fpl.Name},
			Sites: fpl.Sites, Previous: fpl.Previous, Ranking: r, Fallback: fpl.Fallback,
		})
	}
	for _, n := range fp.Notes {
		p.Notes = append(p.Notes, plan.Note(n))
	}
	return p, nil
}

func (d *fileDecoder) changes(fcs []fileChange) ([]*plan.ResourceChange, error) {
	if len(fcs) == 0 {
		return nil, nil
	}
	out := make([]*plan.ResourceChange, 0, len(fcs))
	for i := range fcs {
		fc := &fcs[i]
		addr, err := decodeInstance(fc.Addr)
		if err != nil {
			return nil, err
		}
		prev, err := decodeInstance(fc.PrevAddr)
		if err != nil {
			return nil, fmt.Errorf("%s: previous address: %w", addr, err)
		}
		action, err := actionCodes.value(fc.Action)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		reason, err := reasonCodes.value(fc.Reason)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		c := &plan.ResourceChange{
			Addr: addr, PrevAddr: prev, DeposedKey: fc.DeposedKey,
			Provider: config.ProviderConfigAddr{
				Module:   config.ModulePath(fc.Provider.Module),
				Provider: config.Provider{Hostname: fc.Provider.Hostname, Namespace: fc.Provider.Namespace, Type: fc.Provider.Type},
				Alias:    fc.Provider.Alias,
			},
			Action: action, Reason: reason, SchemaVersion: fc.SchemaVersion,
			Private: fc.Private, Site: fc.Site, CreateBeforeDestroy: fc.CreateBeforeDestroy,
		}
		switch fc.Provider.KeyKind {
		case keyKindNone:
		case keyKindInt:
			c.Provider.Key = config.IntKey(fc.Provider.IntKey)
		case keyKindString:
			c.Provider.Key = config.StringKey(fc.Provider.StrKey)
		default:
			return nil, fmt.Errorf("%s: unknown provider instance key kind %d", addr, fc.Provider.KeyKind)
		}
		if c.Type, err = d.typeAt(fc.Type); err != nil {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		if c.Before, err = d.value(fc.Before); err != nil {
			return nil, fmt.Errorf("%s: before: %w", addr, err)
		}
		if c.After, err = d.value(fc.After); err != nil {
			return nil, fmt.Errorf("%s: after: %w", addr, err)
		}
		for _, fsteps := range fc.RequiredReplace {
			path, err := decodePath(fsteps)
			if err != nil {
				return nil, fmt.Errorf("%s: required replace path: %w", addr, err)
			}
			c.RequiredReplace = append(c.RequiredReplace, path)
		}
		if fc.Importing != nil {
			c.Importing = &plan.Importing{ID: fc.Importing.ID}
			if c.Importing.Identity, err = d.optional(fc.Importing.Identity); err != nil {
				return nil, fmt.Errorf("%s: import identity: %w", addr, err)
			}
		}
		if c.BeforeIdentity, err = d.optional(fc.BeforeIdentity); err != nil {
			return nil, fmt.Errorf("%s: identity before: %w", addr, err)
		}
		if c.AfterIdentity, err = d.optional(fc.AfterIdentity); err != nil {
			return nil, fmt.Errorf("%s: identity after: %w", addr, err)
		}
		if c.Dependencies, err = decodeDependencies(fc.Dependencies); err != nil {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		if c.PriorDependencies, err = decodeDependencies(fc.PriorDependencies); err != nil {
			return nil, fmt.Errorf("%s: prior state: %w", addr, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func decodeDependencies(frs []fileResource) ([]config.AbsResource, error) {
	var out []config.AbsResource
	for _, fr := range frs {
		mode, err := resourceModeCodes.value(fr.Mode)
		if err != nil {
			return nil, fmt.Errorf("dependency %s.%s: %w", fr.Type, fr.Name, err)
		}
		out = append(out, config.AbsResource{
			Module:   config.ModuleInstance(fr.Module),
			Resource: config.ResourceAddr{Mode: mode, Type: fr.Type, Name: fr.Name},
		})
	}
	return out, nil
}

// optional decodes a value encoded by fileEncoder.optional.
func (d *fileDecoder) optional(fv *fileValue) (cty.Value, error) {
	if fv == nil {
		return cty.NilVal, nil
	}
	return d.value(*fv)
}

// value decodes a value encoded by fileEncoder.value. The type comes from
// the table reference the value carries, never from the caller.
func (d *fileDecoder) value(fv fileValue) (cty.Value, error) {
	if fv.Nil {
		return cty.NilVal, nil
	}
	if err := checkMsgpack(fv.Data); err != nil {
		return cty.NilVal, err
	}
	ty := cty.DynamicPseudoType
	if fv.Type != 0 {
		t, err := d.typeAt(fv.Type)
		if err != nil {
			return cty.NilVal, err
		}
		ty = t
	}
	v, err := ctymsgpack.Unmarshal(fv.Data, ty)
	if err != nil {
		return cty.NilVal, err
	}
	if len(fv.Sensitive) == 0 {
		return v, nil
	}
	for _, fsteps := range fv.Sensitive {
		path, err := decodePath(fsteps)
		if err != nil {
			return cty.NilVal, fmt.Errorf("sensitive path: %w", err)
		}
		if !pathExists(v, path) {
			return cty.NilVal, fmt.Errorf("sensitive path %s does not exist in the value", plan.FormatPath(path))
		}
		v = markAt(v, path)
	}
	return v, nil
}

// markAt marks the value at path inside v as sensitive, rebuilding only the
// containers along the path (cty's MarkWithPaths walks the whole value for
// every call, which dominated reading a large plan). A path into a set, or
// below an unknown or null value, marks that value as a whole, as cty does.
func markAt(v cty.Value, path cty.Path) cty.Value {
	if len(path) == 0 {
		return v.Mark(marks.Sensitive)
	}
	u, m := v.Unmark()
	if !u.IsKnown() || u.IsNull() {
		return v.Mark(marks.Sensitive)
	}
	ty := u.Type()
	switch step := path[0].(type) {
	case cty.GetAttrStep:
		if !ty.IsObjectType() || !ty.HasAttribute(step.Name) {
			return v
		}
		attrs := u.AsValueMap()
		attrs[step.Name] = markAt(attrs[step.Name], path[1:])
		return cty.ObjectVal(attrs).WithMarks(m)
	case cty.IndexStep:
		switch {
		case ty.IsListType() || ty.IsTupleType():
			i, ok := stepIndex(step)
			if !ok || i < 0 || i >= u.LengthInt() {
				return v
			}
			elems := u.AsValueSlice()
			elems[i] = markAt(elems[i], path[1:])
			if ty.IsListType() {
				return cty.ListVal(elems).WithMarks(m)
			}
			return cty.TupleVal(elems).WithMarks(m)
		case ty.IsMapType():
			k, ok := stepString(step)
			if !ok || !u.HasIndex(cty.StringVal(k)).True() {
				return v
			}
			elems := u.AsValueMap()
			elems[k] = markAt(elems[k], path[1:])
			return cty.MapVal(elems).WithMarks(m)
		case ty.IsSetType():
			return v.Mark(marks.Sensitive)
		}
	}
	return v
}

// pathExists reports whether path leads to a value inside v, so that marks
// are never applied to a path that is not there (which cty would ignore,
// silently losing the sensitivity).
func pathExists(v cty.Value, path cty.Path) bool {
	_, err := path.Apply(v)
	if err == nil {
		return true
	}
	// Path.Apply cannot step into sets; a mark on a set element is hoisted
	// to the set by cty, so a path ending inside a set is still honoured by
	// marking the set. Accept a path whose known prefix exists and ends in
	// a set or an unknown value.
	for i := len(path); i > 0; i-- {
		pv, err := path[:i].Apply(v)
		if err != nil {
			continue
		}
		return !pv.IsKnown() || pv.Type().IsSetType()
	}
	return false
}

func decodePath(fsteps []fileStep) (cty.Path, error) {
	path := make(cty.Path, 0, len(fsteps))
	for _, s := range fsteps {
		switch s.Kind {
		case stepKindAttr:
			path = append(path, cty.GetAttrStep{Name: s.Name})
		case stepKindIndex:
			if err := checkMsgpack(s.Key); err != nil {
				return nil, fmt.Errorf("index key: %w", err)
			}
			key, err := ctymsgpack.Unmarshal(s.Key, cty.DynamicPseudoType)
			if err != nil {
				return nil, fmt.Errorf("index key: %w", err)
			}
			path = append(path, cty.IndexStep{Key: key})
		default:
			return nil, fmt.Errorf("unknown path step kind %d", s.Kind)
		}
	}
	return path, nil
}

func decodeInstance(fi fileInstance) (config.InstanceAddr, error) {
	if fi == (fileInstance{}) {
		return config.InstanceAddr{}, nil // an unset address (PrevAddr of a hand-built change)
	}
	mode, err := resourceModeCodes.value(fi.Mode)
	if err != nil {
		return config.InstanceAddr{}, fmt.Errorf("resource %s.%s: %w", fi.Type, fi.Name, err)
	}
	a := config.InstanceAddr{
		Module:   config.ModuleInstance(fi.Module),
		Resource: config.ResourceAddr{Mode: mode, Type: fi.Type, Name: fi.Name},
	}
	switch fi.KeyKind {
	case keyKindNone:
	case keyKindInt:
		a.Key = config.IntKey(fi.IntKey)
	case keyKindString:
		a.Key = config.StringKey(fi.StrKey)
	default:
		return config.InstanceAddr{}, fmt.Errorf("resource %s: unknown instance key kind %d", a, fi.KeyKind)
	}
	return a, nil
}

func decodeRanking(fr fileRanking) (rank.Ranking, error) {
	outcome, err := outcomeCodes.value(fr.Outcome)
	if err != nil {
		return rank.Ranking{}, err
	}
	r := rank.Ranking{Component: fr.Component, Chosen: fr.Chosen, Copies: fr.Copies, Outcome: outcome, Reason: fr.Reason}
	for _, fs := range fr.Scored {
		s := rank.Scored{Site: fs.Site, Location: fs.Location, Score: fs.Score, Rejected: fs.Rejected, Reasons: fs.Reasons, Notes: fs.Notes}
		for _, fpt := range fs.Parts {
			c, err := criterionCodes.value(fpt.Criterion)
			if err != nil {
				return rank.Ranking{}, fmt.Errorf("site %s: %w", fs.Site, err)
			}
			s.Parts = append(s.Parts, rank.Part{
				Criterion: c, Raw: fpt.Raw, Normalized: fpt.Normalized,
				Weight: fpt.Weight, Contribution: fpt.Contribution, Note: fpt.Note,
			})
		}
		r.Scored = append(r.Scored, s)
	}
	return r, nil
}

// stepString returns the name or string key a step selects.
func stepString(s cty.PathStep) (string, bool) {
	switch s := s.(type) {
	case cty.GetAttrStep:
		return s.Name, true
	case cty.IndexStep:
		k, _ := s.Key.Unmark()
		if k.IsKnown() && !k.IsNull() && k.Type() == cty.String {
			return k.AsString(), true
		}
	}
	return "", false
}

// stepIndex returns the list position a step selects.
func stepIndex(s cty.PathStep) (int, bool) {
	is, ok := s.(cty.IndexStep)
	if !ok {
		return 0, false
	}
	k, _ := is.Key.Unmark()
	if !k.IsKnown() || k.IsNull() || k.Type() != cty.Number {
		return 0, false
	}
	i, acc := k.AsBigFloat().Int64()
	if acc != 0 {
		return 0, false
	}
	return int(i), true
}
