package planfile

import (
	"fmt"
	"maps"
	"slices"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// fileEncoder converts a Plan to its wire form, collecting the distinct
// types into one table.
type fileEncoder struct {
	types   [][]byte
	typeIdx map[string]int
	// seen remembers types already in the table, so that the common case
	// (many changes of one resource type) compares types instead of
	// encoding them to JSON again.
	seen []seenType
}

type seenType struct {
	ty  cty.Type
	ref int
}

func newFileEncoder() *fileEncoder { return &fileEncoder{typeIdx: map[string]int{}} }

// typeRef returns the 1-based index of ty in the type table.
func (e *fileEncoder) typeRef(ty cty.Type) (int, error) {
	if ty == cty.NilType {
		return 0, nil
	}
	for i := len(e.seen) - 1; i >= 0; i-- {
		if e.seen[i].ty.Equals(ty) {
			return e.seen[i].ref, nil
		}
	}
	b, err := ctyjson.MarshalType(ty)
	if err != nil {
		return 0, err
	}
	ref, ok := e.typeIdx[string(b)]
	if !ok {
		e.types = append(e.types, b)
		ref = len(e.types)
		e.typeIdx[string(b)] = ref
	}
	e.seen = append(e.seen, seenType{ty, ref})
	return ref, nil
}

func (e *fileEncoder) plan(p *plan.Plan) (*filePlan, error) {
	mode, err := modeCodes.code(p.Mode)
	if err != nil {
		return nil, err
	}
	fp := &filePlan{
		Mode:         mode,
		PriorLineage: p.PriorLineage,
		PriorSerial:  p.PriorSerial,
		ConfigDigest: p.ConfigDigest,
		Targets:      p.Targets,
		Replace:      p.Replace,
		Excludes:     p.Excludes,
		Applyable:    p.Applyable,
		Errored:      p.Errored,
	}
	if !p.Timestamp.IsZero() {
		fp.Timestamp = []int64{p.Timestamp.Unix(), int64(p.Timestamp.Nanosecond())}
	}
	if fp.Changes, err = e.changes(p.Changes); err != nil {
		return nil, err
	}
	if fp.Drift, err = e.changes(p.Drift); err != nil {
		return nil, err
	}
	for _, id := range p.Identities {
		fi := fileIdentity{DeposedKey: id.DeposedKey, JSON: id.JSON, Version: id.Version}
		if fi.Addr, err = encodeInstance(id.Addr); err != nil {
			return nil, fmt.Errorf("identity of %s: %w", id.Addr, err)
		}
		fp.Identities = append(fp.Identities, fi)
	}
	for _, o := range p.Outputs {
		if o == nil {
			continue
		}
		fo := fileOutput{Name: o.Name, Sensitive: o.Sensitive}
		if fo.Action, err = actionCodes.code(o.Action); err != nil {
			return nil, fmt.Errorf("output %s: %w", o.Name, err)
		}
		if fo.Before, err = e.value(o.Before, valueType(o.Before)); err != nil {
			return nil, fmt.Errorf("output %s: before: %w", o.Name, err)
		}
		if fo.After, err = e.value(o.After, valueType(o.After)); err != nil {
			return nil, fmt.Errorf("output %s: after: %w", o.Name, err)
		}
		fp.Outputs = append(fp.Outputs, fo)
	}
	for _, n := range slices.Sorted(maps.Keys(p.Variables)) {
		v := p.Variables[n]
		fv, err := e.value(v, valueType(v))
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", n, err)
		}
		fp.Variables = append(fp.Variables, fileVariable{Name: n, Value: fv})
	}
	for _, pl := range p.Placements {
		if pl == nil {
			continue
		}
		kind, err := objectKindCodes.code(pl.Addr.Kind)
		if err != nil {
			return nil, fmt.Errorf("placement %s: %w", pl.Addr, err)
		}
		ranking, err := encodeRanking(pl.Ranking)
		if err != nil {
			return nil, fmt.Errorf("placement %s: %w", pl.Addr, err)
		}
		fp.Placements = append(fp.Placements, filePlacement{
			Module: string(pl.Addr.Module), Kind: kind, Name: pl.Addr.Name,
			Sites: pl.Sites, Previous: pl.Previous, Fallback: pl.Fallback,
			Ranking: ranking,
		})
	}
	for _, n := range p.Notes {
		fp.Notes = append(fp.Notes, fileNote(n))
	}
	fp.Types = e.types
	return fp, nil
}

func (e *fileEncoder) changes(cs []*plan.ResourceChange) ([]fileChange, error) {
	out := make([]fileChange, 0, len(cs))
	for _, c := range cs {
		if c == nil {
			continue
		}
		fc := fileChange{
			DeposedKey: c.DeposedKey,
			Provider: fileProviderConfig{
				Module: string(c.Provider.Module), Hostname: c.Provider.Provider.Hostname,
				Namespace: c.Provider.Provider.Namespace, Type: c.Provider.Provider.Type, Alias: c.Provider.Alias,
			},
			SchemaVersion: c.SchemaVersion, Private: c.Private, Site: c.Site, CreateBeforeDestroy: c.CreateBeforeDestroy,
		}
		switch k := c.Provider.Key.(type) {
		case config.IntKey:
			fc.Provider.KeyKind, fc.Provider.IntKey = keyKindInt, int64(k)
		case config.StringKey:
			fc.Provider.KeyKind, fc.Provider.StrKey = keyKindString, string(k)
		}
		var err error
		if fc.Addr, err = encodeInstance(c.Addr); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Addr, err)
		}
		if fc.PrevAddr, err = encodeInstance(c.PrevAddr); err != nil {
			return nil, fmt.Errorf("%s: previous address: %w", c.Addr, err)
		}
		if fc.Action, err = actionCodes.code(c.Action); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Addr, err)
		}
		if fc.Reason, err = reasonCodes.code(c.Reason); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Addr, err)
		}
		if fc.Type, err = e.typeRef(c.Type); err != nil {
			return nil, fmt.Errorf("%s: type: %w", c.Addr, err)
		}
		if fc.Before, err = e.value(c.Before, c.Type); err != nil {
			return nil, fmt.Errorf("%s: before: %w", c.Addr, err)
		}
		if fc.After, err = e.value(c.After, c.Type); err != nil {
			return nil, fmt.Errorf("%s: after: %w", c.Addr, err)
		}
		for _, p := range c.RequiredReplace {
			fsteps, err := encodePath(p)
			if err != nil {
				return nil, fmt.Errorf("%s: required replace path: %w", c.Addr, err)
			}
			fc.RequiredReplace = append(fc.RequiredReplace, fsteps)
		}
		if c.Importing != nil {
			fc.Importing = &fileImporting{ID: c.Importing.ID}
			if fc.Importing.Identity, err = e.optional(c.Importing.Identity); err != nil {
				return nil, fmt.Errorf("%s: import identity: %w", c.Addr, err)
			}
		}
		if fc.BeforeIdentity, err = e.optional(c.BeforeIdentity); err != nil {
			return nil, fmt.Errorf("%s: identity before: %w", c.Addr, err)
		}
		if fc.AfterIdentity, err = e.optional(c.AfterIdentity); err != nil {
			return nil, fmt.Errorf("%s: identity after: %w", c.Addr, err)
		}
		if fc.Dependencies, err = encodeDependencies(c.Dependencies); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Addr, err)
		}
		if fc.PriorDependencies, err = encodeDependencies(c.PriorDependencies); err != nil {
			return nil, fmt.Errorf("%s: prior state: %w", c.Addr, err)
		}
		out = append(out, fc)
	}
	return out, nil
}

func encodeDependencies(deps []config.AbsResource) ([]fileResource, error) {
	var out []fileResource
	for _, d := range deps {
		mode, err := resourceModeCodes.code(d.Resource.Mode)
		if err != nil {
			return nil, fmt.Errorf("dependency %s: %w", d, err)
		}
		out = append(out, fileResource{Module: string(d.Module), Mode: mode, Type: d.Resource.Type, Name: d.Resource.Name})
	}
	return out, nil
}

// valueType is the type to encode a value that has no schema type with: its
// own type, or none for cty.NilVal.
func valueType(v cty.Value) cty.Type {
	if v == cty.NilVal {
		return cty.NilType
	}
	return v.Type()
}

// optional encodes a value that is often cty.NilVal (a resource identity)
// as nothing then, else with its own type.
func (e *fileEncoder) optional(v cty.Value) (*fileValue, error) {
	if v == cty.NilVal {
		return nil, nil
	}
	fv, err := e.value(v, v.Type())
	return &fv, err
}

// value encodes v with ty, falling back to the dynamic encoding (which
// carries the value's own type) when ty is unset or v does not conform to it,
// so that a value is never refused for a type mismatch the planner let pass.
func (e *fileEncoder) value(v cty.Value, ty cty.Type) (fileValue, error) {
	if v == cty.NilVal {
		return fileValue{Nil: true}, nil
	}
	unmarked, pvms := v.UnmarkDeepWithPaths()
	var fv fileValue
	for _, pvm := range pvms {
		if _, ok := pvm.Marks[marks.Sensitive]; !ok {
			continue
		}
		steps, err := encodePath(pvm.Path)
		if err != nil {
			return fileValue{}, fmt.Errorf("sensitive path: %w", err)
		}
		fv.Sensitive = append(fv.Sensitive, steps)
	}
	// Marshal drops object attributes the type does not have, so check
	// conformance first rather than trust it to fail.
	if ty != cty.NilType && unmarked.Type().TestConformance(ty) == nil {
		if data, err := ctymsgpack.Marshal(unmarked, ty); err == nil {
			ref, err := e.typeRef(ty)
			if err != nil {
				return fileValue{}, err
			}
			fv.Type, fv.Data = ref, data
			return fv, nil
		}
	}
	data, err := ctymsgpack.Marshal(unmarked, cty.DynamicPseudoType)
	if err != nil {
		return fileValue{}, err
	}
	fv.Data = data
	return fv, nil
}

func encodePath(p cty.Path) ([]fileStep, error) {
	steps := make([]fileStep, 0, len(p))
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			steps = append(steps, fileStep{Kind: stepKindAttr, Name: s.Name})
		case cty.IndexStep:
			key, _ := s.Key.UnmarkDeep()
			b, err := ctymsgpack.Marshal(key, cty.DynamicPseudoType)
			if err != nil {
				return nil, fmt.Errorf("index key: %w", err)
			}
			steps = append(steps, fileStep{Kind: stepKindIndex, Key: b})
		default:
			return nil, fmt.Errorf("unsupported path step %T", s)
		}
	}
	return steps, nil
}

func encodeInstance(a config.InstanceAddr) (fileInstance, error) {
	if a == (config.InstanceAddr{}) {
		return fileInstance{}, nil // an unset address (PrevAddr of a hand-built change)
	}
	mode, err := resourceModeCodes.code(a.Resource.Mode)
	if err != nil {
		return fileInstance{}, err
	}
	fi := fileInstance{Module: string(a.Module), Mode: mode, Type: a.Resource.Type, Name: a.Resource.Name}
	switch k := a.Key.(type) {
	case nil:
		fi.KeyKind = keyKindNone
	case config.IntKey:
		fi.KeyKind, fi.IntKey = keyKindInt, int64(k)
	case config.StringKey:
		fi.KeyKind, fi.StrKey = keyKindString, string(k)
	default:
		return fileInstance{}, fmt.Errorf("unsupported instance key %T", k)
	}
	return fi, nil
}

func encodeRanking(r rank.Ranking) (fileRanking, error) {
	outcome, err := outcomeCodes.code(r.Outcome)
	if err != nil {
		return fileRanking{}, err
	}
	fr := fileRanking{Component: r.Component, Chosen: r.Chosen, Copies: r.Copies, Outcome: outcome, Reason: r.Reason}
	for _, s := range r.Scored {
		fs := fileScored{Site: s.Site, Location: s.Location, Score: s.Score, Rejected: s.Rejected, Reasons: s.Reasons, Notes: s.Notes}
		for _, p := range s.Parts {
			criterion, err := criterionCodes.code(p.Criterion)
			if err != nil {
				return fileRanking{}, fmt.Errorf("site %s: %w", s.Site, err)
			}
			fs.Parts = append(fs.Parts, filePart{
				Criterion: criterion, Raw: p.Raw, Normalized: p.Normalized,
				Weight: p.Weight, Contribution: p.Contribution, Note: p.Note,
			})
		}
		fr.Scored = append(fr.Scored, fs)
	}
	return fr, nil
}
