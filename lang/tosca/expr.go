package tosca

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"gopkg.in/yaml.v3"
)

// intrinsic lists the TOSCA intrinsic functions indigo reads; any other
// single-key mapping whose key starts with get_ is reported as unsupported.
var intrinsic = map[string]bool{
	"get_input": true, "get_property": true, "get_attribute": true, "concat": true, "join": true,
	"token": true, "get_artifact": true, "get_operation_output": true,
}

// isFunctionCall reports whether n is a mapping with one key naming a TOSCA
// function.
func isFunctionCall(n *yaml.Node) bool {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return false
	}
	k := n.Content[0].Value
	return intrinsic[k] || strings.HasPrefix(k, "get_") || k == "map_value" || k == "list_join"
}

// exprCtx is where an expression is: the node template it belongs to (for
// SELF and HOST) and, inside a relationship, its source and target.
type exprCtx struct {
	self   string
	source string
	target string
	// rel is the requirement whose relationship the expression is in; SELF
	// then means the relationship, whose properties are kept with the
	// source component as capabilities["relationship:REQ"].
	rel     string
	relType string
}

// typed says what type a value is expected to have, for literal conversion
// (YAML 1.1 booleans, version numbers kept as written).
type typed struct {
	typ   string
	entry *schema
}

// expr converts a YAML value into an hcl expression whose ranges point at
// the YAML.
func (l *loader) expr(s *source, n *yaml.Node, ctx exprCtx, want typed) hclsyntax.Expression {
	n = resolve(n)
	rng := s.rng(n)
	if !l.spend(s, n) {
		return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}
	}
	if n == nil || isNull(n) {
		return &hclsyntax.LiteralValueExpr{Val: cty.NullVal(cty.DynamicPseudoType), SrcRange: rng}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return &hclsyntax.LiteralValueExpr{Val: l.literal(n, want), SrcRange: rng}
	case yaml.SequenceNode:
		var entry typed
		if want.entry != nil {
			entry = typed{typ: want.entry.typ, entry: want.entry.entry}
		}
		out := &hclsyntax.TupleConsExpr{SrcRange: rng, OpenRange: s.rng(&yaml.Node{Line: n.Line, Column: n.Column, Kind: yaml.ScalarNode, Value: "["})}
		for _, it := range items(n) {
			out.Exprs = append(out.Exprs, l.expr(s, it, ctx, entry))
		}
		return out
	}
	if isFunctionCall(n) {
		return l.function(s, n, ctx)
	}
	base, _ := l.reg.baseOf(want.typ)
	var props map[string]*schema
	if base == "" {
		props = l.reg.properties(dataKind, want.typ, false)
	}
	out := &hclsyntax.ObjectConsExpr{SrcRange: rng, OpenRange: rng}
	for _, p := range l.pairs(s, n) {
		var vt typed
		switch {
		case props != nil && props[p.key.Value] != nil:
			d := props[p.key.Value]
			vt = typed{typ: d.typ, entry: d.entry}
		case base == "map" && want.entry != nil:
			vt = typed{typ: want.entry.typ, entry: want.entry.entry}
		}
		out.Items = append(out.Items, hclsyntax.ObjectConsItem{
			KeyExpr:   &hclsyntax.ObjectConsKeyExpr{Wrapped: &hclsyntax.LiteralValueExpr{Val: cty.StringVal(p.key.Value), SrcRange: s.rng(p.key)}, ForceNonLiteral: true},
			ValueExpr: l.expr(s, p.value, ctx, vt),
		})
	}
	return out
}

// literal converts a scalar. When the expected type is known the value is
// read as that type (so "yes" is true for a boolean and 16.04 stays "16.04"
// for a version); otherwise the YAML tag decides.
func (l *loader) literal(n *yaml.Node, want typed) cty.Value {
	base := "any"
	if want.typ != "" && l.reg != nil {
		base, _ = l.reg.baseOf(want.typ)
	}
	switch base {
	case "boolean":
		if b, ok := parseBool(n.Value); ok {
			return cty.BoolVal(b)
		}
	case "integer", "float":
		if f, ok := new(big.Float).SetString(strings.ReplaceAll(n.Value, "_", "")); ok && n.Tag != "!!bool" {
			return cty.NumberVal(f)
		}
	case "string", "version", "timestamp", "scalar-unit.size", "scalar-unit.time", "scalar-unit.frequency", "scalar-unit.bitrate":
		return cty.StringVal(n.Value)
	}
	switch n.Tag {
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return cty.NumberIntVal(i)
		}
		if f, ok := new(big.Float).SetString(n.Value); ok {
			return cty.NumberVal(f)
		}
	case "!!float":
		if f, ok := new(big.Float).SetString(n.Value); ok {
			return cty.NumberVal(f)
		}
	case "!!bool":
		if b, ok := parseBool(n.Value); ok {
			return cty.BoolVal(b)
		}
	case "!!null":
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return cty.StringVal(n.Value)
}

func (l *loader) badArgs(s *source, n *yaml.Node, fn, usage string) hclsyntax.Expression {
	l.diags = append(l.diags, s.errorf(n, "Invalid arguments to "+fn, "%s is called as %s.", fn, usage))
	return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: s.rng(n)}
}

// function converts an intrinsic function call.
func (l *loader) function(s *source, n *yaml.Node, ctx exprCtx) hclsyntax.Expression {
	key, arg := n.Content[0], resolve(n.Content[1])
	fn := key.Value
	rng := s.rng(n)
	args := items(arg)
	switch fn {
	case "get_input":
		var name *yaml.Node
		var rest []*yaml.Node
		switch {
		case isScalar(arg):
			name = arg
		case len(args) >= 1 && isScalar(args[0]):
			name, rest = args[0], args[1:]
		default:
			return l.badArgs(s, arg, fn, "get_input: NAME or get_input: [NAME, index or key, ...]")
		}
		if !l.t.hasInput(name.Value) {
			l.diags = append(l.diags, s.errorf(name, "Unknown input",
				"get_input refers to %q, which is not one of the template's inputs. %s", name.Value, l.t.inputList()))
		}
		trav := hcl.Traversal{hcl.TraverseRoot{Name: "var", SrcRange: s.rng(key)}, hcl.TraverseAttr{Name: name.Value, SrcRange: s.rng(name)}}
		trav = l.appendSteps(s, trav, rest)
		return &hclsyntax.ScopeTraversalExpr{Traversal: trav, SrcRange: rng}
	case "get_property", "get_attribute":
		if len(args) < 2 {
			return l.badArgs(s, arg, fn, fn+": [ SELF | SOURCE | TARGET | HOST | node_template, optional capability or requirement name, property name, nested keys or indexes ... ]")
		}
		for _, a := range args[:2] {
			if !isScalar(a) {
				return l.badArgs(s, a, fn, fn+": [ entity, property name, ... ] with names, not nested values")
			}
		}
		return l.propertyRef(s, key, args, ctx, fn == "get_attribute", rng)
	case "concat":
		if len(args) == 0 {
			return l.badArgs(s, arg, fn, "concat: [ value, value, ... ]")
		}
		t := &hclsyntax.TemplateExpr{SrcRange: rng}
		for _, a := range args {
			t.Parts = append(t.Parts, l.expr(s, a, ctx, typed{typ: "string"}))
		}
		return t
	case "join":
		if len(args) < 1 || len(args) > 2 {
			return l.badArgs(s, arg, fn, "join: [ [ list of strings ], optional delimiter ]")
		}
		list := l.expr(s, args[0], ctx, typed{})
		delim := hclsyntax.Expression(&hclsyntax.LiteralValueExpr{Val: cty.StringVal(""), SrcRange: s.rng(arg)})
		if len(args) == 2 {
			delim = l.expr(s, args[1], ctx, typed{typ: "string"})
		}
		return call("join", s.rng(key), rng, delim, list)
	case "token":
		if len(args) != 3 {
			return l.badArgs(s, arg, fn, "token: [ string, separator characters, index ]")
		}
		seps, ok := scalarString(args[1])
		if !ok || seps == "" {
			return l.badArgs(s, args[1], fn, "token: [ string, separator characters, index ] where the separators are a non-empty string")
		}
		if _, err := strconv.Atoi(args[2].Value); err != nil && !isFunctionCall(args[2]) {
			return l.badArgs(s, args[2], fn, "token: [ string, separator characters, index ] where the index is a whole number")
		}
		str := l.expr(s, args[0], ctx, typed{typ: "string"})
		// every separator character splits: turn the others into the first
		first := string([]rune(seps)[0])
		for _, r := range []rune(seps)[1:] {
			str = call("replace", s.rng(key), rng, str, lit(string(r), s.rng(args[1])), lit(first, s.rng(args[1])))
		}
		split := call("split", s.rng(key), rng, lit(first, s.rng(args[1])), str)
		return call("element", s.rng(key), rng, split, l.expr(s, args[2], ctx, typed{typ: "integer"}))
	case "get_artifact":
		if len(args) < 2 || len(args) > 4 || !isScalar(args[0]) || !isScalar(args[1]) {
			return l.badArgs(s, arg, fn, "get_artifact: [ SELF | node_template, artifact name, optional location, optional remove ]")
		}
		node := l.entity(s, args[0], ctx)
		if node == nil {
			return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}
		}
		for _, a := range l.nodeArtifacts(node) {
			if a.name == args[1].Value {
				return lit(a.file, rng)
			}
		}
		l.diags = append(l.diags, s.errorf(args[1], "Unknown artifact",
			"get_artifact refers to the artifact %q, which node template %s does not have (in its template or its type). Declare it under artifacts.", args[1].Value, node.name))
		return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}
	case "get_operation_output":
		if len(args) != 4 {
			return l.badArgs(s, arg, fn, "get_operation_output: [ SELF | node_template, interface name, operation name, output name ]")
		}
		for _, a := range args {
			if !isScalar(a) {
				return l.badArgs(s, a, fn, "get_operation_output: [ entity, interface, operation, output ] with names")
			}
		}
		node := l.entity(s, args[0], ctx)
		if node == nil {
			return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}
		}
		trav := hcl.Traversal{
			hcl.TraverseRoot{Name: "component", SrcRange: s.rng(key)},
			hcl.TraverseAttr{Name: node.name, SrcRange: s.rng(args[0])},
			hcl.TraverseAttr{Name: "operation_outputs", SrcRange: s.rng(args[1])},
		}
		for _, a := range args[1:] {
			trav = append(trav, hcl.TraverseIndex{Key: cty.StringVal(a.Value), SrcRange: s.rng(a)})
		}
		return &hclsyntax.ScopeTraversalExpr{Traversal: trav, SrcRange: rng}
	}
	l.diags = append(l.diags, s.errorf(key, "Unsupported intrinsic function",
		"%s is not supported by indigo. The supported functions are get_input, get_property, get_attribute, concat, join, token, get_artifact and get_operation_output.", fn))
	return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}
}

func lit(v string, r hcl.Range) hclsyntax.Expression {
	return &hclsyntax.LiteralValueExpr{Val: cty.StringVal(v), SrcRange: r}
}

func call(name string, nameRange, rng hcl.Range, args ...hclsyntax.Expression) hclsyntax.Expression {
	return &hclsyntax.FunctionCallExpr{Name: name, Args: args, NameRange: nameRange, OpenParenRange: nameRange, CloseParenRange: hcl.Range{Filename: rng.Filename, Start: rng.End, End: rng.End}}
}

// appendSteps adds nested keys and indexes to a traversal.
func (l *loader) appendSteps(s *source, trav hcl.Traversal, rest []*yaml.Node) hcl.Traversal {
	for _, r := range rest {
		if !isScalar(r) {
			l.diags = append(l.diags, s.errorf(r, "Invalid nested key", "A nested key or index in a function call must be a name or a whole number, not %s.", kindName(r)))
			continue
		}
		if i, err := strconv.Atoi(r.Value); err == nil && r.Tag == "!!int" {
			trav = append(trav, hcl.TraverseIndex{Key: cty.NumberIntVal(int64(i)), SrcRange: s.rng(r)})
			continue
		}
		trav = append(trav, hcl.TraverseIndex{Key: cty.StringVal(r.Value), SrcRange: s.rng(r)})
	}
	return trav
}

// entity resolves SELF, SOURCE, TARGET, HOST or a node template name.
func (l *loader) entity(s *source, n *yaml.Node, ctx exprCtx) *nodeT {
	name := n.Value
	var what string
	switch name {
	case "SELF":
		name, what = ctx.self, "SELF"
	case "SOURCE":
		name, what = ctx.source, "SOURCE"
	case "TARGET":
		name, what = ctx.target, "TARGET"
	case "HOST":
		if ctx.self == "" {
			name, what = "", "HOST"
			break
		}
		self := l.t.node(ctx.self)
		if self == nil {
			return nil
		}
		h := l.hostOf(self)
		if h == nil {
			l.diags = append(l.diags, s.errorf(n, "No host",
				"HOST refers to the node that hosts %s, but %s has no host requirement (a requirement with a HostedOn relationship). Add one, or name the node template instead.", ctx.self, ctx.self))
			return nil
		}
		return h
	}
	if name == "" {
		where := "in a node template"
		if what == "SOURCE" || what == "TARGET" {
			where = "in a relationship (a requirement's relationship or a relationship template)"
		}
		l.diags = append(l.diags, s.errorf(n, "Invalid "+what+" here", "%s can only be used %s.", what, where))
		return nil
	}
	nt := l.t.node(name)
	if nt == nil {
		l.diags = append(l.diags, s.errorf(n, "Unknown node template",
			"%q is not a node template of this topology, nor SELF, SOURCE, TARGET or HOST. %s", name, l.t.nodeList()))
	}
	return nt
}

// propertyRef converts get_property and get_attribute.
func (l *loader) propertyRef(s *source, key *yaml.Node, args []*yaml.Node, ctx exprCtx, attr bool, rng hcl.Range) hclsyntax.Expression {
	ent := args[0]
	if ent.Value == "SELF" && ctx.rel != "" {
		name := args[1].Value
		defs := l.reg.properties(relationshipKind, ctx.relType, false)
		if defs[name] == nil && (!attr || l.reg.properties(relationshipKind, ctx.relType, true)[name] == nil) {
			l.report(s, args[1], attr, fmt.Sprintf("The relationship %s of requirement %s has no property %q.", ctx.relType, ctx.rel, name))
		}
		trav := hcl.Traversal{
			hcl.TraverseRoot{Name: "component", SrcRange: s.rng(key)},
			hcl.TraverseAttr{Name: ctx.source, SrcRange: s.rng(ent)},
			hcl.TraverseAttr{Name: "capabilities", SrcRange: s.rng(ent)},
			hcl.TraverseIndex{Key: cty.StringVal("relationship:" + ctx.rel), SrcRange: s.rng(ent)},
			hcl.TraverseAttr{Name: name, SrcRange: s.rng(args[1])},
		}
		return &hclsyntax.ScopeTraversalExpr{Traversal: l.appendSteps(s, trav, args[2:]), SrcRange: rng}
	}
	node := l.entity(s, ent, ctx)
	if node == nil || node.def == nil {
		// A node of an unknown type (already reported at its type) has
		// nothing to check against: its values are unknown, not errors.
		return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}
	}
	rest := args[1:]
	if ent.Value == "HOST" {
		// The first node up the HostedOn chain that has the property.
		for h := node; h != nil; h = l.hostOf(h) {
			if l.nodeHas(h, rest[0].Value, attr) {
				node = h
				break
			}
		}
	}
	trav := hcl.Traversal{hcl.TraverseRoot{Name: "component", SrcRange: s.rng(key)}}
	caps := l.reg.capabilities(node.typ)
	first := rest[0].Value
	fn := "get_property"
	if attr {
		fn = "get_attribute"
	}
	switch {
	case len(rest) >= 2 && caps[first] != nil && !l.nodeHas(node, first, attr):
		capProps := l.reg.properties(capabilityKind, caps[first].typ, false)
		capAttrs := l.reg.properties(capabilityKind, caps[first].typ, true)
		name := rest[1].Value
		if capProps[name] == nil && (!attr || capAttrs[name] == nil) {
			l.report(s, rest[1], attr, fmt.Sprintf("%s refers to %q of the capability %s of %s, which its type %s does not declare.", fn, name, first, node.name, caps[first].typ))
		}
		trav = append(trav,
			hcl.TraverseAttr{Name: node.name, SrcRange: s.rng(ent)},
			hcl.TraverseAttr{Name: "capabilities", SrcRange: s.rng(rest[0])},
			hcl.TraverseAttr{Name: first, SrcRange: s.rng(rest[0])},
			hcl.TraverseAttr{Name: name, SrcRange: s.rng(rest[1])})
		trav = l.appendSteps(s, trav, rest[2:])
	case len(rest) >= 2 && node.req(first) != nil && !l.nodeHas(node, first, attr):
		target := l.t.node(node.req(first).target)
		if target == nil {
			return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}
		}
		trav = append(trav,
			hcl.TraverseAttr{Name: target.name, SrcRange: s.rng(rest[0])},
			hcl.TraverseAttr{Name: rest[1].Value, SrcRange: s.rng(rest[1])})
		trav = l.appendSteps(s, trav, rest[2:])
	default:
		if !l.nodeHas(node, first, attr) {
			what := "property"
			if attr {
				what = "attribute"
			}
			l.report(s, rest[0], attr, fmt.Sprintf("%s refers to the %s %q of %s, which its type %s does not declare. %s", fn, what, first, node.name, node.typ, l.declaredList(node, attr)))
		}
		trav = append(trav,
			hcl.TraverseAttr{Name: node.name, SrcRange: s.rng(ent)},
			hcl.TraverseAttr{Name: first, SrcRange: s.rng(rest[0])})
		trav = l.appendSteps(s, trav, rest[1:])
	}
	return &hclsyntax.ScopeTraversalExpr{Traversal: trav, SrcRange: rng}
}

// report flags a reference to an undeclared property (an error) or
// attribute (a warning: sites report attributes the types never declared,
// and INDIGO templates read them).
func (l *loader) report(s *source, n *yaml.Node, attr bool, detail string) {
	if attr {
		d := s.warnf(n, "Undeclared attribute", "%s", detail+" The value is read from what the site reports after apply.")
		l.diags = append(l.diags, d)
		return
	}
	l.diags = append(l.diags, s.errorf(n, "Unknown property", "%s", detail))
}

// nodeHas reports whether a node template's type declares a property (or,
// for attributes, an attribute or a property) of that name.
func (l *loader) nodeHas(n *nodeT, name string, attr bool) bool {
	if l.reg.properties(nodeKind, n.typ, false)[name] != nil {
		return true
	}
	if attr {
		if l.reg.properties(nodeKind, n.typ, true)[name] != nil {
			return true
		}
		for _, p := range n.attrs {
			if p.key.Value == name {
				return true
			}
		}
	}
	return false
}

func (l *loader) declaredList(n *nodeT, attr bool) string {
	names := map[string]bool{}
	for k := range l.reg.properties(nodeKind, n.typ, false) {
		names[k] = true
	}
	if attr {
		for k := range l.reg.properties(nodeKind, n.typ, true) {
			names[k] = true
		}
	}
	if len(names) == 0 {
		return "It declares none."
	}
	list := make([]string, 0, len(names))
	for k := range names {
		list = append(list, k)
	}
	sort.Strings(list)
	return "It declares " + strings.Join(list, ", ") + "."
}

// maxWork bounds the values one load converts and checks. YAML aliases can
// make a small file name an exponential number of values ("billion
// laughs"); past the bound the load stops with one error instead of
// running for ever.
const maxWork = 2_000_000

func (l *loader) spend(s *source, n *yaml.Node) bool {
	l.work++
	if l.work < maxWork {
		return true
	}
	if l.work == maxWork {
		l.diags = append(l.diags, s.errorf(n, "Template too large",
			"Converting this template's values exceeded %d steps, usually because YAML aliases (*name) repeat large values many times over. Write the values out, or reduce the aliasing.", maxWork))
	}
	return false
}
