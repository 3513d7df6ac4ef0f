package tosca

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// entry is one named item of a topology section, with the file it is in.
type entry struct {
	s     *source
	key   *yaml.Node
	value *yaml.Node
}

// section is an ordered set of entries where a later entry of the same name
// replaces an earlier one (a child template overrides its parent's).
type section struct {
	list  []entry
	index map[string]int
}

func (sec *section) set(e entry) {
	if sec.index == nil {
		sec.index = map[string]int{}
	}
	if i, ok := sec.index[e.key.Value]; ok {
		sec.list[i] = e
		return
	}
	sec.index[e.key.Value] = len(sec.list)
	sec.list = append(sec.list, e)
}

func (sec *section) get(name string) *entry {
	if i, ok := sec.index[name]; ok {
		return &sec.list[i]
	}
	return nil
}

// topology is the merged topology_template of a template and its parents.
type topology struct {
	description entry
	inputs      section
	nodes       section
	rels        section
	outputs     section
	groups      section
	policies    section
	subst       *entry
	// parsed node templates, by name
	parsed map[string]*nodeT
	order  []string
}

func newTopology() *topology { return &topology{parsed: map[string]*nodeT{}} }

var topologyKeys = map[string]bool{
	"description": true, "inputs": true, "node_templates": true, "relationship_templates": true, "groups": true,
	"policies": true, "outputs": true, "substitution_mappings": true, "workflows": true,
}

func (t *topology) add(l *loader, s *source, tt *yaml.Node) {
	if isNull(tt) {
		return
	}
	if !isMap(tt) {
		l.diags = append(l.diags, s.errorf(tt, "Invalid topology_template", "topology_template must be a mapping, not %s.", kindName(tt)))
		return
	}
	named := func(sec *section, n *yaml.Node, what string) {
		if isNull(n) {
			return
		}
		if !isMap(n) {
			l.diags = append(l.diags, s.errorf(n, "Invalid "+what, "%s must be a mapping from names to definitions, not %s.", what, kindName(n)))
			return
		}
		for _, p := range l.pairs(s, n) {
			sec.set(entry{s, p.key, resolve(p.value)})
		}
	}
	for _, p := range l.pairs(s, tt) {
		v := resolve(p.value)
		switch p.key.Value {
		case "description":
			t.description = entry{s, p.key, v}
		case "inputs":
			named(&t.inputs, v, "inputs")
		case "node_templates":
			named(&t.nodes, v, "node_templates")
		case "relationship_templates":
			named(&t.rels, v, "relationship_templates")
		case "outputs":
			named(&t.outputs, v, "outputs")
		case "groups":
			named(&t.groups, v, "groups")
		case "policies":
			// a list of single-entry mappings (TOSCA), or a mapping (as some
			// tools write it)
			if isMap(v) {
				named(&t.policies, v, "policies")
				continue
			}
			if !isSeq(v) && !isNull(v) {
				l.diags = append(l.diags, s.errorf(v, "Invalid policies", "policies must be a list of - NAME: {type: ..., properties: ..., targets: [...]}, not %s.", kindName(v)))
				continue
			}
			for _, it := range items(v) {
				ps := l.pairs(s, it)
				if len(ps) != 1 {
					l.diags = append(l.diags, s.errorf(it, "Invalid policy", "Each policy is a mapping with one entry, NAME: {type: ..., properties: ..., targets: [...]}."))
					continue
				}
				t.policies.set(entry{s, ps[0].key, resolve(ps[0].value)})
			}
		case "substitution_mappings":
			t.subst = &entry{s, p.key, v}
		case "workflows":
			l.diags = append(l.diags, s.warnf(p.key, "Workflows ignored", "indigo orders operations from requirements (declarative workflows); imperative workflows are not supported and are ignored."))
		default:
			l.diags = append(l.diags, s.errorf(p.key, "Unsupported topology_template key",
				"%q is not a topology_template section. The sections are description, inputs, node_templates, relationship_templates, groups, policies, outputs and substitution_mappings.", p.key.Value))
		}
	}
}

func (t *topology) hasInput(name string) bool { return t.inputs.get(name) != nil }

func (t *topology) inputList() string {
	if len(t.inputs.list) == 0 {
		return "The template declares no inputs."
	}
	var names []string
	for _, e := range t.inputs.list {
		names = append(names, e.key.Value)
	}
	sort.Strings(names)
	return "Its inputs are " + strings.Join(names, ", ") + "."
}

func (t *topology) nodeList() string {
	var names []string
	for _, e := range t.nodes.list {
		names = append(names, e.key.Value)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "The topology has no node templates."
	}
	if len(names) > 12 {
		names = append(names[:12], "...")
	}
	return "The node templates are " + strings.Join(names, ", ") + "."
}

func (t *topology) node(name string) *nodeT { return t.parsed[name] }

// nodeT is a node template as read.
type nodeT struct {
	name  string
	s     *source
	key   *yaml.Node
	n     *yaml.Node
	typ   string
	typeN *yaml.Node
	def   *typeDef
	props []pair
	attrs []pair
	caps  []capT
	reqs  []*reqT
	arts  []*artifactDef
	ifs   []*ifaceDef
	// host is the resolved HostedOn target ("" when none).
	host string
}

type capT struct {
	name  *yaml.Node
	props []pair
	attrs []pair
	// loose are entries written directly under the capability, outside
	// properties and attributes (checked once the type is known).
	loose []pair
	// notMap is the value when it is not a mapping (an error).
	notMap *yaml.Node
}

// reqT is a requirement assignment of a node template.
type reqT struct {
	name         string
	key          *yaml.Node
	n            *yaml.Node
	nodeRef      string
	nodeN        *yaml.Node
	capability   string
	relationship string
	relN         *yaml.Node
	relProps     []pair
	relIfs       []*ifaceDef
	filter       *yaml.Node
	def          *reqDef
	target       string
}

func (n *nodeT) req(name string) *reqT {
	for _, r := range n.reqs {
		if r.name == name && r.target != "" {
			return r
		}
	}
	return nil
}

var nodeTemplateKeys = map[string]bool{
	"type": true, "description": true, "metadata": true, "directives": true, "properties": true, "attributes": true,
	"requirements": true, "capabilities": true, "interfaces": true, "artifacts": true, "node_filter": true, "copy": true,
}

// parseNodes reads every node template's shape (not its values yet).
func (l *loader) parseNodes() {
	t := l.t
	for _, e := range t.nodes.list {
		s := e.s
		nt := &nodeT{name: e.key.Value, s: s, key: e.key, n: e.value}
		t.parsed[nt.name] = nt
		t.order = append(t.order, nt.name)
		if !isMap(e.value) {
			l.diags = append(l.diags, s.errorf(e.value, "Invalid node template", "The node template %s must be a mapping with a type, not %s.", nt.name, kindName(e.value)))
			continue
		}
		for _, p := range l.pairs(s, e.value) {
			v := resolve(p.value)
			switch p.key.Value {
			case "type":
				nt.typ, _ = scalarString(v)
				nt.typeN = v
			case "properties":
				nt.props = l.mappingOf(s, v, "properties")
			case "attributes":
				nt.attrs = l.mappingOf(s, v, "attributes")
			case "capabilities":
				for _, c := range l.mappingOf(s, v, "capabilities") {
					ct := capT{name: c.key}
					if !isMap(c.value) && !isNull(c.value) {
						// reported once the type is known: it may be a
						// requirement written under capabilities
						ct.notMap = c.value
						nt.caps = append(nt.caps, ct)
						continue
					}
					for _, q := range l.pairs(s, c.value) {
						switch q.key.Value {
						case "properties":
							ct.props = l.mappingOf(s, q.value, "properties")
						case "attributes":
							ct.attrs = l.mappingOf(s, q.value, "attributes")
						default:
							ct.loose = append(ct.loose, q)
						}
					}
					nt.caps = append(nt.caps, ct)
				}
			case "requirements":
				nt.reqs = l.parseReqs(s, v)
			case "artifacts":
				nt.arts = l.parseArtifacts(s, v)
			case "interfaces":
				nt.ifs = l.parseInterfaces(s, v)
			case "copy":
				l.diags = append(l.diags, s.errorf(p.key, "Unsupported node template key", "copy is not supported by indigo: write the node template out in full."))
			default:
				if !nodeTemplateKeys[p.key.Value] {
					l.diags = append(l.diags, s.errorf(p.key, "Unknown node template key",
						"%q is not part of a node template. A node template has type, properties, attributes, requirements, capabilities, interfaces, artifacts, metadata, directives and description.", p.key.Value))
				}
			}
		}
		if nt.typeN == nil {
			l.diags = append(l.diags, s.errorf(e.key, "Missing node type", "The node template %s has no type. Add type: with a node type name.", nt.name))
			continue
		}
		nt.def = l.reg.get(nodeKind, nt.typ)
		if nt.def == nil {
			l.diags = append(l.diags, s.errorf(nt.typeN, "Unknown node type",
				"The node type %s is not defined in this template, its imports or the types embedded in indigo.%s", nt.typ, l.suggest(nodeKind, nt.typ)))
			continue
		}
		nt.typ = nt.def.name
	}
}

// suggest names a close type when there is one.
func (l *loader) suggest(k kind, name string) string {
	best, bestD := "", 4
	lower := strings.ToLower(name)
	for _, c := range l.reg.layers {
		for n := range c.defs[k] {
			d := editDistance(lower, strings.ToLower(n))
			if d < bestD || (d == bestD && n < best) {
				best, bestD = n, d
			}
		}
	}
	if best == "" {
		return " Check the name, or import the definitions that declare it."
	}
	return fmt.Sprintf(" Did you mean %s?", best)
}

func editDistance(a, b string) int {
	if len(a) > 80 || len(b) > 80 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (l *loader) mappingOf(s *source, n *yaml.Node, what string) []pair {
	if isNull(n) {
		return nil
	}
	if !isMap(n) {
		l.diags = append(l.diags, s.errorf(n, "Invalid "+what, "%s must be a mapping from names to values, not %s.", what, kindName(n)))
		return nil
	}
	return l.pairs(s, n)
}

func (l *loader) parseReqs(s *source, n *yaml.Node) []*reqT {
	if isNull(n) {
		return nil
	}
	if !isSeq(n) {
		l.diags = append(l.diags, s.errorf(n, "Invalid requirements", "requirements must be a list of - NAME: target (or - NAME: {node: ..., capability: ..., relationship: ...}), not %s.", kindName(n)))
		return nil
	}
	var out []*reqT
	for _, it := range items(n) {
		ps := l.pairs(s, it)
		if len(ps) != 1 {
			l.diags = append(l.diags, s.errorf(it, "Invalid requirement", "Each requirement is a mapping with one entry, - NAME: target."))
			continue
		}
		r := &reqT{name: ps[0].key.Value, key: ps[0].key, n: resolve(ps[0].value)}
		v := r.n
		switch {
		case isScalar(v):
			r.nodeRef, r.nodeN = v.Value, v
		case isMap(v):
			for _, q := range l.pairs(s, v) {
				qv := resolve(q.value)
				switch q.key.Value {
				case "node":
					r.nodeRef, _ = scalarString(qv)
					r.nodeN = qv
				case "capability":
					r.capability, _ = scalarString(qv)
				case "relationship":
					r.relN = qv
					if str, ok := scalarString(qv); ok {
						r.relationship = str
						break
					}
					for _, rp := range l.pairs(s, qv) {
						switch rp.key.Value {
						case "type":
							r.relationship, _ = scalarString(rp.value)
						case "properties":
							r.relProps = l.mappingOf(s, rp.value, "properties")
						case "interfaces":
							r.relIfs = l.parseInterfaces(s, rp.value)
						}
					}
				case "node_filter":
					r.filter = qv
				case "occurrences", "description":
				default:
					l.diags = append(l.diags, s.errorf(q.key, "Unknown requirement key", "A requirement assignment has node, capability, relationship, node_filter and occurrences; %q is not one of them.", q.key.Value))
				}
			}
		case isNull(v):
		default:
			l.diags = append(l.diags, s.errorf(v, "Invalid requirement", "The requirement %s must name a node template or be a mapping with node, capability, relationship or node_filter, not %s.", r.name, kindName(v)))
		}
		out = append(out, r)
	}
	return out
}

// resolveRequirements finds each requirement's target node template: by
// name, or by node type, capability type and node_filter.
func (l *loader) resolveRequirements() {
	t := l.t
	for _, name := range t.order {
		nt := t.parsed[name]
		if nt.def == nil {
			continue
		}
		defs := l.reg.requirements(nt.typ)
		for _, r := range nt.reqs {
			s := nt.s
			for _, d := range defs {
				if d.name == r.name {
					r.def = d
				}
			}
			if r.def == nil {
				names := make([]string, 0, len(defs))
				for _, d := range defs {
					names = append(names, d.name)
				}
				l.diags = append(l.diags, s.errorf(r.key, "Unknown requirement",
					"The node type %s has no requirement named %q. Its requirements are %s.%s", nt.typ, r.name, strings.Join(names, ", "), l.requirementHint(nt, r.name)))
				continue
			}
			if r.relationship == "" {
				r.relationship = r.def.relationship
			} else if rt := t.rels.get(r.relationship); rt != nil {
				r.relationship, _ = scalarString(l.lookup(rt.s, rt.value, "type"))
			} else if l.reg.get(relationshipKind, r.relationship) == nil {
				l.diags = append(l.diags, s.errorf(r.relN, "Unknown relationship",
					"%s is neither a relationship template of this topology nor a relationship type.%s", r.relationship, l.suggest(relationshipKind, r.relationship)))
			}
			if rt := l.reg.get(relationshipKind, r.relationship); rt != nil {
				r.relationship = rt.name
			}
			capability := r.capability
			if capability == "" {
				capability = r.def.capability
			}
			r.capability = capability
			switch {
			case r.nodeRef != "" && t.parsed[r.nodeRef] != nil:
				r.target = r.nodeRef
				if r.target == nt.name {
					l.diags = append(l.diags, s.errorf(r.nodeN, "Requirement on itself", "The requirement %s of %s names %s itself. A node cannot satisfy its own requirement.", r.name, nt.name, nt.name))
					r.target = ""
					continue
				}
				l.checkTarget(nt, r)
			case r.nodeRef != "" && l.reg.get(nodeKind, r.nodeRef) == nil:
				l.diags = append(l.diags, s.errorf(r.nodeN, "Unresolvable requirement",
					"The requirement %s of %s names %q, which is neither a node template of this topology nor a node type. %s", r.name, nt.name, r.nodeRef, t.nodeList()))
			default:
				typ := r.nodeRef
				if typ == "" {
					typ = r.def.node
				}
				if r.nodeRef == "" && r.filter == nil && r.capability == r.def.capability && !isMap(r.n) {
					// a bare "- name:" with nothing to match on
					continue
				}
				cands := l.candidates(nt, typ, capability, r.filter)
				switch len(cands) {
				case 1:
					r.target = cands[0]
				case 0:
					at := r.key
					if r.nodeN != nil {
						at = r.nodeN
					}
					l.diags = append(l.diags, s.errorf(at, "Unresolvable requirement",
						"No node template satisfies the requirement %s of %s (%s). Add a node template that matches, or name one with node: NAME.", r.name, nt.name, describeReq(typ, capability, r.filter != nil)))
				default:
					l.diags = append(l.diags, s.errorf(r.key, "Ambiguous requirement",
						"Several node templates satisfy the requirement %s of %s (%s): %s. Name the one you mean with node: NAME.", r.name, nt.name, describeReq(typ, capability, r.filter != nil), strings.Join(cands, ", ")))
				}
			}
		}
		for _, r := range nt.reqs {
			if r.target != "" && r.relationship != "" && l.reg.derives(relationshipKind, r.relationship, "tosca.relationships.HostedOn") && nt.host == "" {
				nt.host = r.target
			}
		}
		if nt.host == "" {
			for _, r := range nt.reqs {
				if r.name == "host" && r.target != "" {
					nt.host = r.target
				}
			}
		}
	}
	l.checkCycles()
}

func describeReq(typ, capability string, filter bool) string {
	var parts []string
	if typ != "" {
		parts = append(parts, "node type "+typ)
	}
	if capability != "" {
		parts = append(parts, "capability "+capability)
	}
	if filter {
		parts = append(parts, "its node_filter")
	}
	if len(parts) == 0 {
		return "no criteria"
	}
	return strings.Join(parts, ", ")
}

// hasCapability reports whether a node has a capability of type (or named)
// capability.
func (l *loader) hasCapability(n *nodeT, capability string) bool {
	if capability == "" {
		return true
	}
	caps := l.reg.capabilities(n.typ)
	if caps[capability] != nil {
		return true
	}
	for _, c := range caps {
		if l.reg.derives(capabilityKind, c.typ, capability) {
			return true
		}
	}
	return false
}

// checkTarget checks that a named target offers the capability the
// requirement asks for.
func (l *loader) checkTarget(nt *nodeT, r *reqT) {
	target := l.t.parsed[r.target]
	if target.def == nil || r.capability == "" || l.reg.get(capabilityKind, r.capability) == nil && l.reg.capabilities(target.typ)[r.capability] == nil {
		return
	}
	if !l.hasCapability(target, r.capability) {
		// Hosted on a software component means hosted where that component
		// is (the IM reads templates this way): accept it when the target's
		// own host chain offers the capability.
		seen := map[string]bool{}
		for cur := target; cur != nil && cur.host != "" && !seen[cur.name]; cur = l.t.parsed[cur.host] {
			seen[cur.name] = true
			if h := l.t.parsed[cur.host]; h != nil && h.def != nil && l.hasCapability(h, r.capability) {
				l.diags = append(l.diags, nt.s.warnf(r.nodeN, "Requirement met through the target's host",
					"The requirement %s of %s needs a %s capability; %s (a %s) has none, but it is hosted on %s, which has one, so %s goes there.", r.name, nt.name, r.capability, target.name, target.typ, h.name, nt.name))
				return
			}
		}
		l.diags = append(l.diags, nt.s.errorf(r.nodeN, "Requirement target lacks the capability",
			"The requirement %s of %s needs a %s capability, and %s (a %s) has none. Point the requirement at a node that offers it.", r.name, nt.name, r.capability, target.name, target.typ))
	}
}

func (l *loader) candidates(self *nodeT, typ, capability string, filter *yaml.Node) []string {
	var out []string
	for _, name := range l.t.order {
		n := l.t.parsed[name]
		if n == self || n.def == nil {
			continue
		}
		if typ != "" && l.reg.get(nodeKind, typ) != nil && !l.reg.derives(nodeKind, n.typ, typ) {
			continue
		}
		if !l.hasCapability(n, capability) {
			continue
		}
		if filter != nil && !l.filterMatches(self.s, n, filter) {
			continue
		}
		out = append(out, name)
	}
	return out
}

// filterMatches evaluates a node_filter's property and capability
// constraints against a candidate's literal values.
func (l *loader) filterMatches(s *source, n *nodeT, filter *yaml.Node) bool {
	props := l.reg.properties(nodeKind, n.typ, false)
	matchProps := func(clauses *yaml.Node, given []pair, defs map[string]*schema) bool {
		for _, it := range append(items(clauses), l.mapAsList(s, clauses)...) {
			for _, p := range l.pairs(s, it) {
				var val *yaml.Node
				for _, g := range given {
					if g.key.Value == p.key.Value {
						val = resolve(g.value)
					}
				}
				d := defs[p.key.Value]
				if val == nil && d != nil && d.hasDefault {
					val = d.def
				}
				if val == nil || isFunctionCall(val) {
					if val == nil {
						return false
					}
					continue
				}
				base := "string"
				if d != nil {
					base, _ = l.reg.baseOf(d.typ)
				}
				for _, c := range l.parseConstraints(s, p.value) {
					if _, ok := c.check(base, val); !ok {
						return false
					}
				}
			}
		}
		return true
	}
	if !matchProps(l.lookup(s, filter, "properties"), n.props, props) {
		return false
	}
	caps := l.reg.capabilities(n.typ)
	for _, it := range items(l.lookup(s, filter, "capabilities")) {
		for _, p := range l.pairs(s, it) {
			c := caps[p.key.Value]
			if c == nil {
				for _, cd := range caps {
					if l.reg.derives(capabilityKind, cd.typ, p.key.Value) {
						c = cd
					}
				}
			}
			if c == nil {
				return false
			}
			var given []pair
			for _, ct := range n.caps {
				if ct.name.Value == c.name {
					given = ct.props
				}
			}
			given = append(append([]pair{}, c.values...), given...)
			if !matchProps(l.lookup(s, p.value, "properties"), given, l.reg.properties(capabilityKind, c.typ, false)) {
				return false
			}
		}
	}
	return true
}

// mapAsList accepts properties written as a mapping instead of a list.
func (l *loader) mapAsList(s *source, n *yaml.Node) []*yaml.Node {
	if !isMap(n) {
		return nil
	}
	var out []*yaml.Node
	for _, p := range l.pairs(s, n) {
		out = append(out, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: p.key.Line, Column: p.key.Column, Content: []*yaml.Node{p.key, p.value}})
	}
	return out
}

// checkCycles reports requirement cycles: the planner orders components by
// their requirements, so a cycle could never be applied.
func (l *loader) checkCycles() {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		color[name] = grey
		stack = append(stack, name)
		nt := l.t.parsed[name]
		for _, r := range nt.reqs {
			if r.target == "" {
				continue
			}
			switch color[r.target] {
			case grey:
				i := len(stack) - 1
				for i > 0 && stack[i] != r.target {
					i--
				}
				cycle := append(append([]string{}, stack[i:]...), r.target)
				l.diags = append(l.diags, nt.s.errorf(r.key, "Requirement cycle",
					"The requirement %s of %s closes a cycle: %s. Components are created in requirement order, so a cycle can never be deployed; remove one of these requirements.", r.name, name, strings.Join(cycle, " -> ")))
				r.target = ""
			case white:
				visit(r.target)
			}
		}
		stack = stack[:len(stack)-1]
		color[name] = black
	}
	for _, name := range l.t.order {
		if color[name] == white {
			visit(name)
		}
	}
}

func (l *loader) hostOf(n *nodeT) *nodeT {
	if n == nil || n.host == "" {
		return nil
	}
	return l.t.parsed[n.host]
}

// nodeArtifacts merges the type's artifacts with the template's.
func (l *loader) nodeArtifacts(n *nodeT) []*artifactDef {
	var out []*artifactDef
	idx := map[string]int{}
	if n.def != nil {
		for _, a := range l.reg.artifacts(n.typ) {
			idx[a.name] = len(out)
			out = append(out, a)
		}
	}
	for _, a := range n.arts {
		if i, ok := idx[a.name]; ok {
			out[i] = a
			continue
		}
		idx[a.name] = len(out)
		out = append(out, a)
	}
	return out
}
