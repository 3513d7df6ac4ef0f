package tosca

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"gopkg.in/yaml.v3"
)

// build turns the merged topology into the deployment scope's module.
func (l *loader) build(s *source, version string) *config.Module {
	m := config.NewModule(filepath.Dir(s.name))
	m.Files = append([]string(nil), l.files...)
	info := &config.TemplateInfo{Path: s.name, DefinitionsVersion: version}
	if d, ok := scalarString(l.lookup(s, s.root, "description")); ok {
		info.Description = strings.TrimSpace(d)
	}
	m.Template = info
	l.inputs(m)
	l.parseNodes()
	l.resolveRequirements()
	for _, name := range l.t.order {
		if c := l.component(l.t.parsed[name]); c != nil {
			m.Components[c.Name] = c
		}
	}
	l.relationshipTemplates()
	groups := l.groups()
	l.policies(m, groups)
	l.outputs(m)
	l.substitution()
	return m
}

// ctyType maps a TOSCA type to the cty type of a variable.
func (l *loader) ctyType(typ string, entry *schema, depth int) cty.Type {
	base, chain := l.reg.baseOf(typ)
	if entry == nil && len(chain) > 0 {
		entry = chain[0].entry
	}
	elem := func() cty.Type {
		if entry == nil || depth > 8 {
			return cty.DynamicPseudoType
		}
		return l.ctyType(entry.typ, entry.entry, depth+1)
	}
	switch base {
	case "string", "version", "timestamp", "scalar-unit.size", "scalar-unit.time", "scalar-unit.frequency", "scalar-unit.bitrate":
		return cty.String
	case "integer", "float":
		return cty.Number
	case "boolean":
		return cty.Bool
	case "range":
		return cty.List(cty.Number)
	case "list":
		return cty.List(elem())
	case "map":
		return cty.Map(elem())
	}
	return cty.DynamicPseudoType
}

// inputs converts the topology's inputs into variables.
func (l *loader) inputs(m *config.Module) {
	given := map[string]bool{}
	for _, e := range l.t.inputs.list {
		s := e.s
		sc := l.parseSchema(s, e.key, e.value, "input")
		v := &config.Variable{Name: sc.name, Description: strings.TrimSpace(sc.description), Nullable: true, DeclRange: s.rng(e.key)}
		if !isMap(e.value) && !isNull(e.value) {
			// An IM extension: the input given as a bare value.
			sc.typ = map[string]string{"!!int": "integer", "!!float": "float", "!!bool": "boolean"}[resolve(e.value).Tag]
			if sc.typ == "" && isScalar(e.value) {
				sc.typ = "string"
			}
		}
		if sc.typ != "" && !primitive(sc.typ) && l.reg.get(dataKind, sc.typ) == nil {
			l.diags = append(l.diags, s.errorf(e.key, "Unknown input type",
				"The input %s has type %s, which is neither a TOSCA primitive type (string, integer, float, boolean, timestamp, version, range, list, map, scalar-unit.size/time/frequency) nor a data type defined here.%s", sc.name, sc.typ, l.suggest(dataKind, sc.typ)))
			sc.typ = ""
		}
		v.Type = l.ctyType(sc.typ, sc.entry, 0)
		if sc.hasDefault {
			if isFunctionCall(sc.def) {
				l.diags = append(l.diags, s.errorf(sc.def, "Function in an input default", "An input's default must be a literal value; functions are not evaluated there."))
			} else {
				before := len(l.diags)
				l.checkValue(s, sc.def, sc, l.reg, "The default of input "+sc.name)
				// A default that breaks the input's own constraints is an
				// error in the template, but only for a deployment that
				// relies on it: such a deployment fails the input's
				// validation at plan time; one that sets the input works.
				for _, d := range l.diags[before:] {
					if d.Summary == "Constraint not met" {
						d.Severity = hcl.DiagWarning
						d.Summary = "Default does not meet the input's constraints"
						d.Detail += " A deployment must give input " + sc.name + " a value."
					}
				}
				v.Default = l.staticValue(s, sc.def, sc, v.Type)
			}
		} else if !sc.required {
			v.Default = cty.NullVal(v.Type)
		}
		if val, ok := l.opts.Inputs[sc.name]; ok {
			given[sc.name] = true
			if val.IsWhollyKnown() {
				n := ctyToNode(val, e.key)
				l.checkValue(s, n, sc, l.reg, "The value given for input "+sc.name)
			}
			if cv, err := convert.Convert(val, v.Type); err == nil {
				v.Default = cv
			} else {
				l.diags = append(l.diags, s.errorf(e.key, "Invalid input value", "The value given for input %s cannot be used as %s: %v.", sc.name, v.Type.FriendlyName(), err))
			}
		}
		for _, c := range sc.constraints {
			if rule := l.constraintRule(s, sc, c); rule != nil {
				v.Validations = append(v.Validations, rule)
			}
		}
		m.Variables[v.Name] = v
	}
	var extra []string
	for name := range l.opts.Inputs {
		if !given[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		at := l.t.description.key
		r := hcl.Range{Filename: m.Template.Path, Start: hcl.InitialPos, End: hcl.InitialPos}
		if at != nil {
			r = l.t.description.s.rng(at)
		}
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown input",
			Detail: fmt.Sprintf("A value was given for input %q, which the template does not declare. %s", name, l.t.inputList()), Subject: &r})
	}
}

// staticValue converts a literal YAML value to a cty value of type ty.
func (l *loader) staticValue(s *source, n *yaml.Node, sc *schema, ty cty.Type) cty.Value {
	e := l.expr(s, n, exprCtx{}, typed{typ: sc.typ, entry: sc.entry})
	v, diags := e.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal
	}
	if cv, err := convert.Convert(v, ty); err == nil {
		return cv
	}
	return cty.NilVal
}

// ctyToNode renders a known value as a YAML node at the position of at, so
// given inputs are checked by the same code as literals.
func ctyToNode(v cty.Value, at *yaml.Node) *yaml.Node {
	n := &yaml.Node{Line: at.Line, Column: at.Column}
	switch {
	case v.IsNull():
		n.Kind, n.Tag = yaml.ScalarNode, "!!null"
	case v.Type() == cty.String:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!str", v.AsString()
	case v.Type() == cty.Number:
		n.Kind, n.Value = yaml.ScalarNode, v.AsBigFloat().Text('g', -1)
		n.Tag = "!!float"
		if v.AsBigFloat().IsInt() {
			n.Tag = "!!int"
		}
	case v.Type() == cty.Bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", fmt.Sprint(v.True())
	case v.CanIterateElements() && (v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType()):
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			n.Content = append(n.Content, ctyToNode(e, at))
		}
	case v.CanIterateElements():
		n.Kind, n.Tag = yaml.MappingNode, "!!map"
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.AsString(), Line: at.Line, Column: at.Column}, ctyToNode(e, at))
		}
	default:
		n.Kind, n.Tag = yaml.ScalarNode, "!!null"
	}
	return n
}

// constraintRule turns an input constraint into a validation over
// var.NAME, built from hclsyntax nodes whose ranges point at the YAML.
// Ordering constraints on scalar units, versions and timestamps compare
// values as strings in HCL, so they are only checked on literals and given
// inputs (by the loader), and get no rule.
func (l *loader) constraintRule(s *source, sc *schema, c *constraint) *config.CheckRule {
	base, _ := l.reg.baseOf(sc.typ)
	cr := s.rng(c.n)
	ref := &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
		hcl.TraverseRoot{Name: "var", SrcRange: s.rng(sc.node)},
		hcl.TraverseAttr{Name: sc.name, SrcRange: s.rng(sc.node)},
	}, SrcRange: s.rng(sc.node)}
	arg := func(i int) hclsyntax.Expression {
		return l.expr(s, c.args[i], exprCtx{}, typed{typ: sc.typ, entry: sc.entry})
	}
	bin := func(lhs hclsyntax.Expression, op *hclsyntax.Operation, rhs hclsyntax.Expression) hclsyntax.Expression {
		return &hclsyntax.BinaryOpExpr{LHS: lhs, Op: op, RHS: rhs, SrcRange: cr}
	}
	num := func(v int) hclsyntax.Expression {
		return &hclsyntax.LiteralValueExpr{Val: cty.NumberIntVal(int64(v)), SrcRange: s.rng(c.args[0])}
	}
	ordered := base == "integer" || base == "float"
	var cond hclsyntax.Expression
	switch c.op {
	case "equal":
		cond = bin(ref, hclsyntax.OpEqual, arg(0))
	case "greater_than", "greater_or_equal", "less_than", "less_or_equal":
		if !ordered {
			return nil
		}
		op := map[string]*hclsyntax.Operation{"greater_than": hclsyntax.OpGreaterThan, "greater_or_equal": hclsyntax.OpGreaterThanOrEqual,
			"less_than": hclsyntax.OpLessThan, "less_or_equal": hclsyntax.OpLessThanOrEqual}[c.op]
		cond = bin(ref, op, arg(0))
	case "in_range":
		if !ordered {
			return nil
		}
		cond = bin(bin(ref, hclsyntax.OpGreaterThanOrEqual, arg(0)), hclsyntax.OpLogicalAnd, bin(ref, hclsyntax.OpLessThanOrEqual, arg(1)))
		if c.args[1].Value == "UNBOUNDED" {
			cond = bin(ref, hclsyntax.OpGreaterThanOrEqual, arg(0))
		}
	case "valid_values":
		list := &hclsyntax.TupleConsExpr{SrcRange: cr, OpenRange: cr}
		for i := range c.args {
			list.Exprs = append(list.Exprs, arg(i))
		}
		cond = call("contains", cr, cr, list, ref)
	case "length", "min_length", "max_length":
		var want int
		if _, err := fmt.Sscan(c.args[0].Value, &want); err != nil {
			return nil
		}
		op := map[string]*hclsyntax.Operation{"length": hclsyntax.OpEqual, "min_length": hclsyntax.OpGreaterThanOrEqual, "max_length": hclsyntax.OpLessThanOrEqual}[c.op]
		cond = bin(call("length", cr, cr, ref), op, num(want))
	case "pattern":
		p, _ := scalarString(c.args[0])
		cond = call("can", cr, cr, call("regex", cr, cr, lit("^(?:"+p+")$", s.rng(c.args[0])), ref))
	default:
		return nil
	}
	if !sc.required || (sc.hasDefault && isNull(sc.def)) {
		isNullExpr := bin(ref, hclsyntax.OpEqual, &hclsyntax.LiteralValueExpr{Val: cty.NullVal(cty.DynamicPseudoType), SrcRange: cr})
		cond = bin(isNullExpr, hclsyntax.OpLogicalOr, cond)
	}
	return &config.CheckRule{
		Condition:    cond,
		ErrorMessage: lit(fmt.Sprintf("The input %s must be %s.", sc.name, c.describe()), cr),
		DeclRange:    cr,
	}
}

// component validates a node template and converts it.
func (l *loader) component(nt *nodeT) *config.Component {
	if nt.def == nil {
		return l.unknownComponent(nt)
	}
	s := nt.s
	ctx := exprCtx{self: nt.name}
	c := &config.Component{
		Name:         nt.name,
		Type:         nt.typ,
		TypeChain:    typeNames(l.reg.chain(nodeKind, nt.typ)),
		Properties:   map[string]hcl.Expression{},
		Attributes:   map[string]hcl.Expression{},
		Capabilities: map[string]map[string]hcl.Expression{},
		Artifacts:    map[string]*config.Artifact{},
		Interfaces:   map[string]map[string]*config.Operation{},
		DeclRange:    s.rng(nt.key),
	}
	props := l.reg.properties(nodeKind, nt.typ, false)
	c.Properties = l.values(s, l.misplacedProperties(nt, props), props, ctx, fmt.Sprintf("node template %s", nt.name), fmt.Sprintf("The node type %s", nt.typ), s.rng(nt.key), true)
	attrs := l.reg.properties(nodeKind, nt.typ, true)
	for _, p := range nt.attrs {
		var want typed
		if d := attrs[p.key.Value]; d != nil {
			want = typed{typ: d.typ, entry: d.entry}
			l.checkValue(s, p.value, d, l.reg, fmt.Sprintf("The attribute %s of %s", p.key.Value, nt.name))
		}
		c.Attributes[p.key.Value] = l.expr(s, p.value, ctx, want)
	}
	// The attributes the type declares and the template does not give are
	// known after apply: unknown, unless the site's binding computes them.
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		if _, given := c.Attributes[name]; !given && props[name] == nil {
			c.Attributes[name] = unknownAt(s.rng(nt.key))
		}
	}
	caps := l.reg.capabilities(nt.typ)
	given := map[string]capT{}
	for _, ct := range nt.caps {
		if caps[ct.name.Value] == nil {
			names := make([]string, 0, len(caps))
			for n := range caps {
				names = append(names, n)
			}
			sort.Strings(names)
			l.diags = append(l.diags, s.errorf(ct.name, "Unknown capability",
				"The node type %s has no capability named %q. Its capabilities are %s.%s", nt.typ, ct.name.Value, strings.Join(names, ", "), l.capabilityHint(nt, ct.name.Value)))
			continue
		}
		if ct.notMap != nil {
			l.diags = append(l.diags, s.errorf(ct.notMap, "Invalid capability assignment", "The capability %s takes a mapping with properties (and attributes), not %s.", ct.name.Value, kindName(ct.notMap)))
			continue
		}
		cprops := l.reg.properties(capabilityKind, caps[ct.name.Value].typ, false)
		for _, q := range ct.loose {
			if cprops[q.key.Value] != nil {
				l.diags = append(l.diags, s.errorf(q.key, "Capability property outside properties",
					"%q is a property of the capability %s (%s) and goes one level down: write capabilities: %s: properties: %s: ...", q.key.Value, ct.name.Value, caps[ct.name.Value].typ, ct.name.Value, q.key.Value))
				continue
			}
			l.diags = append(l.diags, s.errorf(q.key, "Invalid capability assignment", "A capability assignment has properties and attributes; %q is not one of them.", q.key.Value))
		}
		given[ct.name.Value] = ct
	}
	for _, name := range slices.Sorted(maps.Keys(caps)) {
		cd := caps[name]
		ct, ok := given[name]
		cprops := l.reg.properties(capabilityKind, cd.typ, false)
		what := fmt.Sprintf("capability %s of %s", name, nt.name)
		m := l.values(s, ct.props, cprops, ctx, what, "The capability type "+cd.typ, s.rng(nt.key), ok)
		givenNames := map[string]bool{}
		for _, p := range ct.props {
			givenNames[p.key.Value] = true
		}
		// values the node type fixes for the capability, from the type's file
		for _, p := range cd.values {
			if givenNames[p.key.Value] {
				continue
			}
			var want typed
			if d := cprops[p.key.Value]; d != nil {
				want = typed{typ: d.typ, entry: d.entry}
			}
			m[p.key.Value] = l.expr(cd.src, p.value, ctx, want)
		}
		for _, p := range ct.attrs {
			m[p.key.Value] = l.expr(s, p.value, ctx, typed{})
		}
		for _, an := range slices.Sorted(maps.Keys(l.reg.properties(capabilityKind, cd.typ, true))) {
			if _, set := m[an]; !set && cprops[an] == nil {
				m[an] = unknownAt(s.rng(nt.key))
			}
		}
		if len(m) > 0 {
			c.Capabilities[name] = m
		}
	}
	for _, r := range nt.reqs {
		if r.def == nil {
			continue
		}
		c.Requirements = append(c.Requirements, &config.Requirement{
			Name: r.name, Target: r.target, Capability: r.capability, Relationship: r.relationship, Range: s.rng(r.key),
		})
		rctx := exprCtx{self: nt.name, source: nt.name, target: r.target, rel: r.name, relType: r.relationship}
		if len(r.relProps) > 0 && r.relationship != "" {
			rprops := l.reg.properties(relationshipKind, r.relationship, false)
			c.Capabilities["relationship:"+r.name] = l.values(s, r.relProps, rprops, rctx, "relationship of requirement "+r.name, "The relationship type "+r.relationship, s.rng(r.key), true)
		}
		for _, f := range r.relIfs {
			c.Interfaces[r.name+"/"+f.name] = l.operations(f, rctx)
		}
		if r.target != "" {
			c.DependsOn = append(c.DependsOn, hcl.Traversal{
				hcl.TraverseRoot{Name: "component", SrcRange: s.rng(r.key)},
				hcl.TraverseAttr{Name: r.target, SrcRange: s.rng(r.n)},
			})
		}
	}
	for _, a := range l.nodeArtifacts(nt) {
		if a.typ != "" && l.reg.get(artifactKind, a.typ) == nil {
			l.diags = append(l.diags, a.src.errorf(a.n, "Unknown artifact type", "The artifact %s has type %s, which is not defined.%s", a.name, a.typ, l.suggest(artifactKind, a.typ)))
		}
		art := &config.Artifact{Name: a.name, Type: a.typ, File: a.file, Repository: a.repository, DeployPath: a.deployPath, Range: a.src.rng(a.n)}
		if a.fileFn != nil {
			art.FileExpr = l.expr(a.src, a.fileFn, exprCtx{self: nt.name, source: nt.name}, typed{typ: "string"})
		}
		c.Artifacts[a.name] = art
	}
	typeIfs := l.reg.interfaces(nodeKind, nt.typ)
	for _, f := range nt.ifs {
		merged := f
		if prev := typeIfs[f.name]; prev != nil {
			merged = &ifaceDef{name: f.name, typ: prev.typ, src: f.src, n: f.n}
			idx := map[string]int{}
			for _, o := range prev.ops {
				idx[o.name] = len(merged.ops)
				merged.ops = append(merged.ops, o)
			}
			for _, o := range f.ops {
				if i, ok := idx[o.name]; ok {
					if o.impl == "" {
						cp := *o
						cp.impl = merged.ops[i].impl
						o = &cp
					}
					merged.ops[i] = o
					continue
				}
				merged.ops = append(merged.ops, o)
			}
		}
		typeIfs[f.name] = merged
	}
	for name, f := range typeIfs {
		ops := l.operations(f, ctx)
		if len(ops) > 0 {
			c.Interfaces[name] = ops
		}
	}
	return c
}

// unknownAt is a value known only after apply.
func unknownAt(rng hcl.Range) hcl.Expression {
	return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}
}

// misplacedProperties returns the node template's property assignments
// less those its type does not declare but that name one of its
// capabilities or requirements, or a property of one of its capabilities
// (written a level too high), or a property another node template's type
// declares (written on the wrong node): each of those is reported with
// where it belongs, and ignored as any undeclared property is.
func (l *loader) misplacedProperties(nt *nodeT, props map[string]*schema) []pair {
	caps := l.reg.capabilities(nt.typ)
	var out []pair
	for _, p := range nt.props {
		name := resolve(p.key).Value
		if props[name] != nil || closeName(name, props) != "" {
			out = append(out, p)
			continue
		}
		if cd := caps[name]; cd != nil {
			l.diags = append(l.diags, nt.s.errorf(p.key, "Capability among node properties",
				"%s is a capability of %s (%s), not a property: write it under capabilities: %s: properties: ...", name, nt.typ, cd.typ, name))
			continue
		}
		if slices.ContainsFunc(l.reg.requirements(nt.typ), func(r *reqDef) bool { return r.name == name }) {
			l.diags = append(l.diags, nt.s.errorf(p.key, "Requirement among node properties",
				"%s is a requirement of %s, not a property: write it under requirements: as - %s: NODE_TEMPLATE.", name, nt.typ, name))
			continue
		}
		var capName string
		for _, cn := range slices.Sorted(maps.Keys(caps)) {
			if l.reg.properties(capabilityKind, caps[cn].typ, false)[name] != nil {
				capName = cn
				break
			}
		}
		if capName != "" {
			l.diags = append(l.diags, nt.s.errorf(p.key, "Capability property among node properties",
				"The node type %s has no property %q; its capability %s (%s) has. Move it under the capability: capabilities: %s: properties: %s: ...", nt.typ, name, capName, caps[capName].typ, capName, name))
			continue
		}
		others := l.declaredBy(nt, func(o *nodeT) bool { return l.reg.properties(nodeKind, o.typ, false)[name] != nil })
		if len(others) > 0 {
			l.diags = append(l.diags, nt.s.warnf(p.key, "Unknown property ignored",
				"The node type %s has no property %q, so the value is not used. %s declares it: the property may belong on that node template.", nt.typ, name, strings.Join(others, " and ")))
			continue
		}
		out = append(out, p)
	}
	return out
}

// declaredBy names the other node templates (with their types) for which
// has is true, for hints about things written on the wrong node.
func (l *loader) declaredBy(nt *nodeT, has func(o *nodeT) bool) []string {
	var out []string
	for _, name := range l.t.order {
		o := l.t.parsed[name]
		if o == nil || o == nt || o.def == nil || !has(o) {
			continue
		}
		out = append(out, fmt.Sprintf("%s (%s)", o.name, o.typ))
	}
	return out
}

// capabilityHint says where a capability the node's type lacks belongs: it
// is the type's requirement, or another node template's capability.
func (l *loader) capabilityHint(nt *nodeT, name string) string {
	for _, r := range l.reg.requirements(nt.typ) {
		if r.name == name {
			return fmt.Sprintf(" %s is a requirement of %s, not a capability: write it under requirements: as - %s: NODE_TEMPLATE.", name, nt.typ, name)
		}
	}
	if others := l.declaredBy(nt, func(o *nodeT) bool { return l.reg.capabilities(o.typ)[name] != nil }); len(others) > 0 {
		return fmt.Sprintf(" The capability %s is declared by %s: it may belong on that node template.", name, strings.Join(others, " and "))
	}
	return ""
}

// requirementHint says where a requirement the node's type lacks belongs:
// it is the type's capability, or another node template's requirement.
func (l *loader) requirementHint(nt *nodeT, name string) string {
	if cd := l.reg.capabilities(nt.typ)[name]; cd != nil {
		return fmt.Sprintf(" %s is a capability of %s (%s), not a requirement: write it under capabilities: %s: properties: ...", name, nt.typ, cd.typ, name)
	}
	if others := l.declaredBy(nt, func(o *nodeT) bool {
		for _, r := range l.reg.requirements(o.typ) {
			if r.name == name {
				return true
			}
		}
		return false
	}); len(others) > 0 {
		return fmt.Sprintf(" The requirement %s is declared by %s: it may belong on that node template.", name, strings.Join(others, " and "))
	}
	return ""
}

// unknownComponent is a node template whose type is not defined (reported
// at its type): it still declares a component, so that what names it
// (requirements, dependencies, references) is not reported again, but
// nothing about it is checked and its values are unknown.
func (l *loader) unknownComponent(nt *nodeT) *config.Component {
	s := nt.s
	c := &config.Component{
		Name:         nt.name,
		Type:         nt.typ,
		TypeChain:    []string{nt.typ},
		Properties:   map[string]hcl.Expression{},
		Attributes:   map[string]hcl.Expression{},
		Capabilities: map[string]map[string]hcl.Expression{},
		Artifacts:    map[string]*config.Artifact{},
		Interfaces:   map[string]map[string]*config.Operation{},
		DeclRange:    s.rng(nt.key),
	}
	for _, p := range nt.props {
		c.Properties[p.key.Value] = &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: s.rng(p.value)}
	}
	for _, r := range nt.reqs {
		if r.nodeRef == "" || r.nodeRef == nt.name || l.t.parsed[r.nodeRef] == nil {
			continue
		}
		c.Requirements = append(c.Requirements, &config.Requirement{Name: r.name, Target: r.nodeRef, Range: s.rng(r.key)})
		c.DependsOn = append(c.DependsOn, hcl.Traversal{
			hcl.TraverseRoot{Name: "component", SrcRange: s.rng(r.key)},
			hcl.TraverseAttr{Name: r.nodeRef, SrcRange: s.rng(r.n)},
		})
	}
	return c
}

// operations converts an interface's operations; operations with no
// implementation (declared by the interface type only) are left out.
func (l *loader) operations(f *ifaceDef, ctx exprCtx) map[string]*config.Operation {
	out := map[string]*config.Operation{}
	for _, o := range f.ops {
		if o.impl == "" && len(o.inputs) == 0 {
			continue
		}
		op := &config.Operation{Name: o.name, Implementation: o.impl, Dependencies: o.deps, Inputs: map[string]hcl.Expression{}, Range: o.src.rng(o.n)}
		for _, in := range o.inputs {
			v := resolve(in.value)
			// an input definition (type, default) rather than a value
			if isMap(v) && !isFunctionCall(v) && (l.lookup(o.src, v, "type") != nil && l.lookup(o.src, v, "default") != nil) {
				v = l.lookup(o.src, v, "default")
			}
			op.Inputs[in.key.Value] = l.expr(o.src, v, ctx, typed{})
		}
		out[o.name] = op
	}
	return out
}

// values checks assignments against their definitions and converts them,
// adding the definitions' defaults for what was not assigned.
func (l *loader) values(s *source, given []pair, defs map[string]*schema, ctx exprCtx, what, owner string, at hcl.Range, checkRequired bool) map[string]hcl.Expression {
	out := map[string]hcl.Expression{}
	set := map[string]bool{}
	for _, p := range given {
		d := defs[p.key.Value]
		if d == nil {
			// Real templates carry properties their types never declared
			// (added by newer type versions, or by hand); the orchestrators
			// that read them ignore such properties, and so does indigo,
			// saying so.
			p.key = resolve(p.key)
			if near := closeName(p.key.Value, defs); near != "" {
				// A near miss is a typo, not a newer type's property.
				l.diags = append(l.diags, s.errorf(p.key, "Unknown property",
					"%s has no property %q (in %s). Did you mean %s?", owner, p.key.Value, what, near))
				continue
			}
			l.diags = append(l.diags, s.warnf(p.key, "Unknown property ignored",
				"%s has no property %q (in %s), so the value is not used. %s If the property comes from a newer version of the types, import that version.", owner, p.key.Value, what, knownNames("Its properties are", defs)))
			continue
		}
		set[p.key.Value] = true
		if isNull(p.value) && d.required && !d.hasDefault {
			l.diags = append(l.diags, s.errorf(p.key, "Missing required property", "The property %s of %s is required and is set to null. Give it a value.", p.key.Value, what))
		}
		l.checkValue(s, p.value, d, l.reg, fmt.Sprintf("The property %s of %s", p.key.Value, what))
		out[p.key.Value] = l.expr(s, p.value, ctx, typed{typ: d.typ, entry: d.entry})
	}
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		d := defs[name]
		if set[name] {
			continue
		}
		if d.hasDefault {
			out[name] = l.expr(d.src, d.def, ctx, typed{typ: d.typ, entry: d.entry})
			continue
		}
		if checkRequired && d.required {
			r := at
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing required property",
				Detail: fmt.Sprintf("The property %s of %s is required and has no default. Set it under properties.", name, what), Subject: &r})
		}
	}
	return out
}

func (l *loader) relationshipTemplates() {
	for _, e := range l.t.rels.list {
		s := e.s
		typ, _ := scalarString(l.lookup(s, e.value, "type"))
		if typ == "" {
			l.diags = append(l.diags, s.errorf(e.key, "Missing relationship type", "The relationship template %s has no type.", e.key.Value))
			continue
		}
		if l.reg.get(relationshipKind, typ) == nil {
			l.diags = append(l.diags, s.errorf(l.lookup(s, e.value, "type"), "Unknown relationship type", "The relationship type %s is not defined.%s", typ, l.suggest(relationshipKind, typ)))
			continue
		}
		defs := l.reg.properties(relationshipKind, typ, false)
		l.values(s, l.mappingOf(s, l.lookup(s, e.value, "properties"), "properties"), defs, exprCtx{}, "relationship template "+e.key.Value, "The relationship type "+typ, s.rng(e.key), false)
	}
}

// groups checks groups and returns their members by group name.
func (l *loader) groups() map[string][]string {
	out := map[string][]string{}
	for _, e := range l.t.groups.list {
		s := e.s
		typN := l.lookup(s, e.value, "type")
		typ, _ := scalarString(typN)
		if typ == "" {
			l.diags = append(l.diags, s.errorf(e.key, "Missing group type", "The group %s has no type (tosca.groups.Root, for example).", e.key.Value))
		} else if l.reg.get(groupKind, typ) == nil {
			l.diags = append(l.diags, s.errorf(typN, "Unknown group type", "The group type %s is not defined.%s", typ, l.suggest(groupKind, typ)))
		}
		for _, m := range items(l.lookup(s, e.value, "members")) {
			if l.t.parsed[m.Value] == nil {
				l.diags = append(l.diags, s.errorf(m, "Unknown group member", "%q is not a node template of this topology. %s", m.Value, l.t.nodeList()))
				continue
			}
			out[e.key.Value] = append(out[e.key.Value], m.Value)
		}
	}
	return out
}

// policies checks policies and turns placement policies into placement.
func (l *loader) policies(m *config.Module, groups map[string][]string) {
	for _, e := range l.t.policies.list {
		s := e.s
		typN := l.lookup(s, e.value, "type")
		typ, _ := scalarString(typN)
		if typ == "" {
			l.diags = append(l.diags, s.errorf(e.key, "Missing policy type", "The policy %s has no type (tosca.policies.indigo.SlaPlacement, for example).", e.key.Value))
			continue
		}
		if l.reg.get(policyKind, typ) == nil {
			l.diags = append(l.diags, s.errorf(typN, "Unknown policy type", "The policy type %s is not defined.%s", typ, l.suggest(policyKind, typ)))
			continue
		}
		defs := l.reg.properties(policyKind, typ, false)
		given := l.mappingOf(s, l.lookup(s, e.value, "properties"), "properties")
		l.values(s, given, defs, exprCtx{}, "policy "+e.key.Value, "The policy type "+typ, s.rng(e.key), false)
		var targets []string
		for _, t := range items(l.lookup(s, e.value, "targets")) {
			switch {
			case l.t.parsed[t.Value] != nil:
				targets = append(targets, t.Value)
			case groups[t.Value] != nil || l.t.groups.get(t.Value) != nil:
				targets = append(targets, groups[t.Value]...)
			default:
				l.diags = append(l.diags, s.errorf(t, "Unknown policy target", "%q is neither a node template nor a group of this topology. %s", t.Value, l.t.nodeList()))
			}
		}
		if !l.reg.derives(policyKind, typ, "tosca.policies.Placement") {
			continue
		}
		var ref config.SiteRef
		for _, p := range given {
			switch p.key.Value {
			case "sla_id", "cloud_id":
				v, ok := l.staticString(s, p.value)
				if !ok {
					l.diags = append(l.diags, s.errorf(p.value, "Placement needs a known value",
						"%s must be a literal, or get_input of an input with a default or a given value: placement is decided before anything is created.", p.key.Value))
					continue
				}
				if p.key.Value == "sla_id" {
					ref.SLA = v
				} else {
					ref.Name = v
				}
				ref.Range = s.rng(p.value)
			}
		}
		if ref.Name == "" && ref.SLA == "" {
			continue
		}
		add := func(pl **config.Placement) {
			if *pl == nil {
				*pl = &config.Placement{DeclRange: s.rng(e.key)}
			}
			(*pl).Sites = append((*pl).Sites, ref)
		}
		if len(targets) == 0 && l.lookup(s, e.value, "targets") == nil {
			add(&m.Template.Placement)
			continue
		}
		for _, t := range targets {
			if c := m.Components[t]; c != nil {
				add(&c.Placement)
			}
		}
	}
}

// staticString reads a literal string, or get_input of an input whose value
// is known at load time.
func (l *loader) staticString(s *source, n *yaml.Node) (string, bool) {
	n = resolve(n)
	if v, ok := scalarString(n); ok {
		return v, true
	}
	if !isFunctionCall(n) || n.Content[0].Value != "get_input" {
		return "", false
	}
	name, ok := scalarString(n.Content[1])
	if !ok {
		return "", false
	}
	if v, ok := l.opts.Inputs[name]; ok && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
		return v.AsString(), true
	}
	if e := l.t.inputs.get(name); e != nil {
		if d := l.lookup(e.s, e.value, "default"); d != nil {
			return scalarString(d)
		}
	}
	return "", false
}

func (l *loader) outputs(m *config.Module) {
	for _, e := range l.t.outputs.list {
		s := e.s
		o := &config.Output{Name: e.key.Value, DeclRange: s.rng(e.key)}
		if !isMap(e.value) {
			l.diags = append(l.diags, s.errorf(e.value, "Invalid output", "The output %s must be a mapping with value (and description), not %s.", o.Name, kindName(e.value)))
			continue
		}
		val := l.lookup(s, e.value, "value")
		if val == nil {
			l.diags = append(l.diags, s.errorf(e.key, "Output without value", "The output %s has no value. Add value: with a literal or a function such as get_attribute.", o.Name))
			continue
		}
		if d, ok := scalarString(l.lookup(s, e.value, "description")); ok {
			o.Description = strings.TrimSpace(d)
		}
		o.Expr = l.expr(s, val, exprCtx{}, typed{})
		m.Outputs[o.Name] = o
	}
}

func (l *loader) substitution() {
	e := l.t.subst
	if e == nil || isNull(e.value) {
		return
	}
	s := e.s
	typN := l.lookup(s, e.value, "node_type")
	typ, _ := scalarString(typN)
	if typ == "" {
		l.diags = append(l.diags, s.errorf(e.key, "Missing node_type", "substitution_mappings needs node_type: the type this topology substitutes."))
	} else if l.reg.get(nodeKind, typ) == nil {
		l.diags = append(l.diags, s.errorf(typN, "Unknown node type", "The node type %s is not defined.%s", typ, l.suggest(nodeKind, typ)))
	}
	for _, sec := range []string{"capabilities", "requirements"} {
		for _, p := range l.pairs(s, l.lookup(s, e.value, sec)) {
			its := items(p.value)
			if len(its) != 2 {
				l.diags = append(l.diags, s.errorf(p.value, "Invalid mapping", "A substitution %s mapping is [ node_template, %s name ].", sec, strings.TrimSuffix(sec, "s")))
				continue
			}
			if l.t.parsed[its[0].Value] == nil {
				l.diags = append(l.diags, s.errorf(its[0], "Unknown node template", "%q is not a node template of this topology. %s", its[0].Value, l.t.nodeList()))
			}
		}
	}
}

// checkSchemasOf reports property types that name no known type, in the
// definitions a template brings.
func (l *loader) checkSchemasOf(c *catalog) {
	for k := kind(0); k < numKinds; k++ {
		for _, name := range slices.Sorted(maps.Keys(c.defs[k])) {
			t := c.defs[k][name]
			for _, list := range [][]*schema{t.props, t.attrs} {
				for _, p := range list {
					l.checkSchemaType(p)
				}
			}
			for _, cd := range t.caps {
				if cd.typ != "" && l.reg.get(capabilityKind, cd.typ) == nil {
					l.diags = append(l.diags, cd.src.errorf(cd.n, "Unknown capability type", "The capability %s of %s has type %s, which is not defined.%s", cd.name, t.name, cd.typ, l.suggest(capabilityKind, cd.typ)))
				}
			}
		}
	}
}

func (l *loader) checkSchemaType(p *schema) {
	for e := p; e != nil; e = e.entry {
		if e.typ == "" || primitive(e.typ) || l.reg.get(dataKind, e.typ) != nil {
			continue
		}
		l.diags = append(l.diags, p.src.errorf(p.node, "Unknown data type",
			"%s has type %s, which is neither a TOSCA primitive type nor a defined data type.%s", p.name, e.typ, l.suggest(dataKind, e.typ)))
		return
	}
}

// closeName returns the declared name within two edits of name, if any.
func closeName(name string, defs map[string]*schema) string {
	best, bestD := "", 3
	for n := range defs {
		if d := editDistance(name, n); d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	return best
}
