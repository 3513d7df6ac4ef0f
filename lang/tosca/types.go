package tosca

import (
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"
)

// kind is the kind of a TOSCA type; each kind has its own name space.
type kind int

const (
	nodeKind kind = iota
	relationshipKind
	capabilityKind
	dataKind
	artifactKind
	interfaceKind
	policyKind
	groupKind
	numKinds
)

var kindSections = [numKinds]string{"node_types", "relationship_types", "capability_types", "data_types", "artifact_types", "interface_types", "policy_types", "group_types"}
var kindWords = [numKinds]string{"node type", "relationship type", "capability type", "data type", "artifact type", "interface type", "policy type", "group type"}
var kindPrefixes = [numKinds]string{"tosca.nodes.", "tosca.relationships.", "tosca.capabilities.", "tosca.datatypes.", "tosca.artifacts.", "tosca.interfaces.", "tosca.policies.", "tosca.groups."}

// typeDef is one type definition of any kind.
type typeDef struct {
	kind     kind
	name     string
	parent   string
	src      *source
	nameNode *yaml.Node
	node     *yaml.Node
	parentN  *yaml.Node

	props, attrs []*propDef
	reqs         []*reqDef
	caps         []*capDef
	artifacts    []*artifactDef
	interfaces   []*ifaceDef
	validTargets []string
	targets      []string
	// ops are the operation names of an interface type.
	ops []string
	// constraints and entry apply to data types derived from a primitive.
	constraints []*constraint
	entry       *schema
}

// schema is a property, attribute, input or parameter definition.
type schema struct {
	name        string
	typ         string
	entry       *schema
	constraints []*constraint
	required    bool
	def         *yaml.Node
	hasDefault  bool
	description string
	src         *source
	node        *yaml.Node
}

type propDef = schema

// reqDef is a requirement definition of a node type.
type reqDef struct {
	name         string
	capability   string
	node         string
	relationship string
	minOcc       int
	maxOcc       int // -1 is UNBOUNDED
	src          *source
	n            *yaml.Node
}

// capDef is a capability definition of a node type.
type capDef struct {
	name   string
	typ    string
	values []pair // property values fixed by the definition
	src    *source
	n      *yaml.Node
}

type artifactDef struct {
	name, typ, file, repository, deployPath string
	// fileFn is the file when the template computes it (get_input,
	// concat, ...): the component's FileExpr.
	fileFn *yaml.Node
	src    *source
	n      *yaml.Node
}

type ifaceDef struct {
	name string
	typ  string
	ops  []*opDef
	src  *source
	n    *yaml.Node
}

type opDef struct {
	name   string
	impl   string
	deps   []string
	inputs []pair
	src    *source
	n      *yaml.Node
}

// catalog is a set of type definitions from one file.
type catalog struct {
	defs [numKinds]map[string]*typeDef
}

func newCatalog() *catalog {
	c := &catalog{}
	for k := range c.defs {
		c.defs[k] = map[string]*typeDef{}
	}
	return c
}

// parseDefinitions reads the *_types sections of a definitions document.
func (l *loader) parseDefinitions(s *source, root *yaml.Node, into *catalog) {
	for _, p := range l.pairs(s, root) {
		k := -1
		for i, sec := range kindSections {
			if p.key.Value == sec {
				k = i
			}
		}
		if k < 0 {
			continue
		}
		if isNull(p.value) {
			continue
		}
		if !isMap(p.value) {
			l.diags = append(l.diags, s.errorf(p.value, "Invalid "+p.key.Value, "%s must be a mapping from type names to definitions, not %s.", p.key.Value, kindName(p.value)))
			continue
		}
		for _, tp := range l.pairs(s, p.value) {
			t := l.parseType(s, kind(k), tp.key, resolve(tp.value))
			if prev, dup := into.defs[k][t.name]; dup && prev.src != nil {
				l.diags = append(l.diags, s.warnf(tp.key, "Type defined twice",
					"The %s %s is already defined at %s; this later definition replaces it.", kindWords[k], t.name, prev.src.rng(prev.nameNode).String()))
			}
			into.defs[k][t.name] = t
		}
	}
}

func (l *loader) parseType(s *source, k kind, nameNode, n *yaml.Node) *typeDef {
	t := &typeDef{kind: k, name: nameNode.Value, src: s, nameNode: nameNode, node: n}
	if n != nil && !isNull(n) && !isMap(n) {
		l.diags = append(l.diags, s.errorf(n, "Invalid type definition", "The %s %s must be defined by a mapping (derived_from, properties, ...), not %s.", kindWords[k], t.name, kindName(n)))
		return t
	}
	for _, p := range l.pairs(s, n) {
		v := resolve(p.value)
		switch p.key.Value {
		case "derived_from":
			t.parent, _ = scalarString(v)
			t.parentN = v
		case "properties":
			t.props = l.parseSchemas(s, v, "property")
		case "attributes":
			t.attrs = l.parseSchemas(s, v, "attribute")
		case "requirements":
			t.reqs = l.parseReqDefs(s, v)
		case "capabilities":
			t.caps = l.parseCapDefs(s, v)
		case "artifacts":
			t.artifacts = l.parseArtifacts(s, v)
		case "interfaces":
			t.interfaces = l.parseInterfaces(s, v)
		case "valid_target_types", "valid_source_types":
			t.validTargets = l.stringList(s, v, p.key.Value)
		case "targets":
			t.targets = l.stringList(s, v, "targets")
		case "members":
			t.targets = l.stringList(s, v, "members")
		case "constraints":
			t.constraints = l.parseConstraints(s, v)
		case "entry_schema":
			t.entry = l.parseEntrySchema(s, v)
		default:
			if k == interfaceKind && p.key.Value != "description" && p.key.Value != "inputs" && p.key.Value != "version" && p.key.Value != "metadata" {
				t.ops = append(t.ops, p.key.Value)
			}
		}
	}
	return t
}

func (l *loader) stringList(s *source, n *yaml.Node, what string) []string {
	if isNull(n) {
		return nil
	}
	if v, ok := scalarString(n); ok {
		return []string{v}
	}
	var out []string
	if !isSeq(n) {
		l.diags = append(l.diags, s.errorf(n, "Invalid "+what, "%s must be a list of names, not %s.", what, kindName(n)))
		return nil
	}
	for _, it := range items(n) {
		v, ok := scalarString(it)
		if !ok {
			l.diags = append(l.diags, s.errorf(it, "Invalid "+what, "Each entry of %s must be a name, not %s.", what, kindName(it)))
			continue
		}
		out = append(out, v)
	}
	return out
}

// parseSchemas reads a properties, attributes, inputs or parameters map.
func (l *loader) parseSchemas(s *source, n *yaml.Node, what string) []*schema {
	if isNull(n) {
		return nil
	}
	if !isMap(n) {
		l.diags = append(l.diags, s.errorf(n, "Invalid "+what+" definitions", "The %s definitions must be a mapping from names to definitions, not %s.", what, kindName(n)))
		return nil
	}
	var out []*schema
	for _, p := range l.pairs(s, n) {
		sc := l.parseSchema(s, p.key, resolve(p.value), what)
		out = append(out, sc)
	}
	return out
}

func (l *loader) parseSchema(s *source, key, n *yaml.Node, what string) *schema {
	sc := &schema{name: key.Value, required: true, src: s, node: key}
	if what == "attribute" || what == "parameter" {
		sc.required = false
	}
	if !isMap(n) {
		if isNull(n) {
			return sc
		}
		// A parameter (output, operation input) may be given as a bare value.
		sc.def, sc.hasDefault = n, true
		if what != "parameter" && what != "input" {
			l.diags = append(l.diags, s.errorf(n, "Invalid "+what+" definition", "The %s %q must be defined by a mapping with at least a type, not %s.", what, key.Value, kindName(n)))
		}
		return sc
	}
	for _, p := range l.pairs(s, n) {
		v := resolve(p.value)
		switch p.key.Value {
		case "type":
			sc.typ, _ = scalarString(v)
		case "required":
			b, ok := boolValue(v)
			if !ok {
				l.diags = append(l.diags, s.errorf(v, "Invalid required flag", "required must be true or false (yes and no are accepted too), not %s.", kindName(v)))
			}
			sc.required = b
		case "default", "value":
			sc.def, sc.hasDefault = v, true
		case "constraints":
			sc.constraints = l.parseConstraints(s, v)
		case "entry_schema":
			sc.entry = l.parseEntrySchema(s, v)
		case "description":
			sc.description, _ = scalarString(v)
		}
	}
	return sc
}

func boolValue(n *yaml.Node) (bool, bool) {
	v, ok := scalarString(n)
	if !ok {
		return false, false
	}
	return parseBool(v)
}

func (l *loader) parseEntrySchema(s *source, n *yaml.Node) *schema {
	if v, ok := scalarString(n); ok {
		return &schema{typ: v, src: s, node: n}
	}
	sc := &schema{src: s, node: n}
	for _, p := range l.pairs(s, n) {
		v := resolve(p.value)
		switch p.key.Value {
		case "type":
			sc.typ, _ = scalarString(v)
		case "constraints":
			sc.constraints = l.parseConstraints(s, v)
		case "entry_schema":
			sc.entry = l.parseEntrySchema(s, v)
		}
	}
	return sc
}

func (l *loader) parseReqDefs(s *source, n *yaml.Node) []*reqDef {
	var out []*reqDef
	for _, it := range items(n) {
		for _, p := range l.pairs(s, it) {
			r := &reqDef{name: p.key.Value, minOcc: 1, maxOcc: 1, src: s, n: p.key}
			v := resolve(p.value)
			if str, ok := scalarString(v); ok {
				r.capability = str
				out = append(out, r)
				continue
			}
			for _, q := range l.pairs(s, v) {
				qv := resolve(q.value)
				switch q.key.Value {
				case "capability":
					r.capability, _ = scalarString(qv)
				case "node":
					r.node, _ = scalarString(qv)
				case "relationship":
					if str, ok := scalarString(qv); ok {
						r.relationship = str
					} else {
						r.relationship, _ = scalarString(l.lookup(s, qv, "type"))
					}
				case "occurrences":
					r.minOcc, r.maxOcc = l.parseOccurrences(s, qv)
				}
			}
			out = append(out, r)
		}
	}
	return out
}

func (l *loader) parseOccurrences(s *source, n *yaml.Node) (int, int) {
	its := items(n)
	if len(its) != 2 {
		l.diags = append(l.diags, s.errorf(n, "Invalid occurrences", "occurrences is a range of two values, [min, max], where max may be UNBOUNDED."))
		return 1, 1
	}
	lo, err1 := strconv.Atoi(its[0].Value)
	hi, err2 := strconv.Atoi(its[1].Value)
	if its[1].Value == "UNBOUNDED" {
		hi, err2 = -1, nil
	}
	if err1 != nil || err2 != nil || lo < 0 || (hi >= 0 && hi < lo) {
		l.diags = append(l.diags, s.errorf(n, "Invalid occurrences", "occurrences is [min, max] with whole numbers, min <= max, and max may be UNBOUNDED."))
		return 1, 1
	}
	return lo, hi
}

func (l *loader) parseCapDefs(s *source, n *yaml.Node) []*capDef {
	var out []*capDef
	for _, p := range l.pairs(s, n) {
		c := &capDef{name: p.key.Value, src: s, n: p.key}
		v := resolve(p.value)
		if str, ok := scalarString(v); ok {
			c.typ = str
		} else {
			c.typ, _ = scalarString(l.lookup(s, v, "type"))
			c.values = l.pairs(s, l.lookup(s, v, "properties"))
		}
		out = append(out, c)
	}
	return out
}

func (l *loader) parseArtifacts(s *source, n *yaml.Node) []*artifactDef {
	var out []*artifactDef
	if isNull(n) {
		return nil
	}
	if !isMap(n) {
		l.diags = append(l.diags, s.errorf(n, "Invalid artifacts", "artifacts must be a mapping from artifact names to definitions, not %s.", kindName(n)))
		return nil
	}
	for _, p := range l.pairs(s, n) {
		a := &artifactDef{name: p.key.Value, src: s, n: p.key}
		v := resolve(p.value)
		if str, ok := scalarString(v); ok {
			a.file = str
		} else if isMap(v) {
			for _, q := range l.pairs(s, v) {
				qs, _ := scalarString(q.value)
				switch q.key.Value {
				case "type":
					a.typ = qs
				case "file":
					a.file = qs
					if isFunctionCall(resolve(q.value)) {
						a.fileFn = resolve(q.value)
					}
				case "repository":
					a.repository = qs
				case "deploy_path":
					a.deployPath = qs
				}
			}
		} else {
			l.diags = append(l.diags, s.errorf(v, "Invalid artifact", "The artifact %q must be a file name or a mapping with type and file, not %s.", a.name, kindName(v)))
		}
		out = append(out, a)
	}
	return out
}

func (l *loader) parseInterfaces(s *source, n *yaml.Node) []*ifaceDef {
	var out []*ifaceDef
	if isNull(n) {
		return nil
	}
	if !isMap(n) {
		l.diags = append(l.diags, s.errorf(n, "Invalid interfaces", "interfaces must be a mapping from interface names to operations, not %s.", kindName(n)))
		return nil
	}
	for _, p := range l.pairs(s, n) {
		iface := &ifaceDef{name: p.key.Value, src: s, n: p.key}
		for _, q := range l.pairs(s, p.value) {
			switch q.key.Value {
			case "type":
				iface.typ, _ = scalarString(q.value)
				continue
			case "inputs", "description", "operations", "notifications":
				if q.key.Value == "operations" {
					for _, o := range l.pairs(s, q.value) {
						iface.ops = append(iface.ops, l.parseOperation(s, o.key, resolve(o.value)))
					}
				}
				continue
			}
			iface.ops = append(iface.ops, l.parseOperation(s, q.key, resolve(q.value)))
		}
		out = append(out, iface)
	}
	return out
}

func (l *loader) parseOperation(s *source, key, v *yaml.Node) *opDef {
	op := &opDef{name: key.Value, src: s, n: key}
	if str, ok := scalarString(v); ok {
		op.impl = str
		return op
	}
	if isNull(v) {
		return op
	}
	if !isMap(v) {
		l.diags = append(l.diags, s.errorf(v, "Invalid operation", "The operation %q must be an implementation file name or a mapping with implementation and inputs, not %s.", key.Value, kindName(v)))
		return op
	}
	for _, p := range l.pairs(s, v) {
		pv := resolve(p.value)
		switch p.key.Value {
		case "implementation":
			if str, ok := scalarString(pv); ok {
				op.impl = str
			} else {
				op.impl, _ = scalarString(l.lookup(s, pv, "primary"))
				op.deps = l.stringList(s, l.lookup(s, pv, "dependencies"), "dependencies")
			}
		case "inputs":
			op.inputs = l.pairs(s, pv)
		}
	}
	return op
}

// registry is the set of types visible to one template: its own and its
// imports' definitions first, then the embedded catalogs it imported, then
// the normative types.
type registry struct {
	layers []*catalog
	// memo caches merged views per kind and type name.
	chains [numKinds]map[string][]*typeDef
}

func newRegistry(layers ...*catalog) *registry {
	r := &registry{layers: layers}
	for k := range r.chains {
		r.chains[k] = map[string][]*typeDef{}
	}
	return r
}

// get finds a type by name, accepting the short names TOSCA allows for
// normative types (Compute, tosca:Compute).
func (r *registry) get(k kind, name string) *typeDef {
	for _, c := range r.layers {
		if t := c.defs[k][name]; t != nil {
			return t
		}
	}
	short := strings.TrimPrefix(name, "tosca:")
	if !strings.Contains(short, ".") || short != name {
		for _, c := range r.layers {
			if t := c.defs[k][kindPrefixes[k]+short]; t != nil {
				return t
			}
			if k == relationshipKind || k == capabilityKind || k == nodeKind {
				if t := c.defs[k][kindPrefixes[k]+"network."+short]; t != nil {
					return t
				}
			}
		}
	}
	return nil
}

// chain returns a type followed by its ancestors, most specific first. A
// broken chain (unknown parent, loop) ends where it breaks; checkTypes
// reports those.
func (r *registry) chain(k kind, name string) []*typeDef {
	if c, ok := r.chains[k][name]; ok {
		return c
	}
	var out []*typeDef
	seen := map[*typeDef]bool{}
	for t := r.get(k, name); t != nil && !seen[t]; t = r.get(k, t.parent) {
		seen[t] = true
		out = append(out, t)
		if t.parent == "" {
			break
		}
	}
	r.chains[k][name] = out
	return out
}

// derives reports whether type name is ancestor or derives from it.
func (r *registry) derives(k kind, name, ancestor string) bool {
	a := r.get(k, ancestor)
	if a == nil {
		return false
	}
	for _, t := range r.chain(k, name) {
		if t == a {
			return true
		}
	}
	return false
}

// properties merges property (or attribute) definitions along the chain;
// the most specific definition of a name wins.
func (r *registry) properties(k kind, name string, attrs bool) map[string]*schema {
	out := map[string]*schema{}
	ch := r.chain(k, name)
	for i := len(ch) - 1; i >= 0; i-- {
		list := ch[i].props
		if attrs {
			list = ch[i].attrs
		}
		for _, p := range list {
			if prev := out[p.name]; prev != nil && p.typ == "" {
				// a refinement that only changes the default or constraints
				cp := *p
				cp.typ, cp.entry = prev.typ, prev.entry
				out[p.name] = &cp
				continue
			}
			out[p.name] = p
		}
	}
	return out
}

// capabilities merges capability definitions along a node type's chain.
func (r *registry) capabilities(name string) map[string]*capDef {
	out := map[string]*capDef{}
	ch := r.chain(nodeKind, name)
	for i := len(ch) - 1; i >= 0; i-- {
		for _, c := range ch[i].caps {
			if prev := out[c.name]; prev != nil && c.typ == "" {
				cp := *c
				cp.typ = prev.typ
				out[c.name] = &cp
				continue
			}
			out[c.name] = c
		}
	}
	return out
}

// requirements merges requirement definitions along a node type's chain,
// keeping the order of first declaration.
func (r *registry) requirements(name string) []*reqDef {
	var out []*reqDef
	idx := map[string]int{}
	ch := r.chain(nodeKind, name)
	for i := len(ch) - 1; i >= 0; i-- {
		for _, q := range ch[i].reqs {
			if j, ok := idx[q.name]; ok {
				out[j] = q
				continue
			}
			idx[q.name] = len(out)
			out = append(out, q)
		}
	}
	return out
}

// artifacts and interfaces merge along the chain the same way.
func (r *registry) artifacts(name string) []*artifactDef {
	var out []*artifactDef
	idx := map[string]int{}
	ch := r.chain(nodeKind, name)
	for i := len(ch) - 1; i >= 0; i-- {
		for _, a := range ch[i].artifacts {
			if j, ok := idx[a.name]; ok {
				out[j] = a
				continue
			}
			idx[a.name] = len(out)
			out = append(out, a)
		}
	}
	return out
}

func (r *registry) interfaces(k kind, name string) map[string]*ifaceDef {
	out := map[string]*ifaceDef{}
	ch := r.chain(k, name)
	for i := len(ch) - 1; i >= 0; i-- {
		for _, f := range ch[i].interfaces {
			prev := out[f.name]
			if prev == nil {
				out[f.name] = f
				continue
			}
			merged := &ifaceDef{name: f.name, typ: f.typ, src: f.src, n: f.n}
			if merged.typ == "" {
				merged.typ = prev.typ
			}
			seen := map[string]int{}
			for _, o := range prev.ops {
				seen[o.name] = len(merged.ops)
				merged.ops = append(merged.ops, o)
			}
			for _, o := range f.ops {
				if j, ok := seen[o.name]; ok {
					merged.ops[j] = o
					continue
				}
				merged.ops = append(merged.ops, o)
			}
			out[f.name] = merged
		}
	}
	return out
}

// typeNames returns the names of a chain.
func typeNames(ch []*typeDef) []string {
	out := make([]string, len(ch))
	for i, t := range ch {
		out[i] = t.name
	}
	return out
}

// checkTypes reports unknown parents and derivation loops among the types a
// catalog defines.
func (l *loader) checkTypes(r *registry, c *catalog) {
	for k := kind(0); k < numKinds; k++ {
		names := make([]string, 0, len(c.defs[k]))
		for n := range c.defs[k] {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t := c.defs[k][n]
			if t.parent == "" {
				continue
			}
			if k == dataKind && primitive(t.parent) {
				continue
			}
			seen := map[*typeDef]bool{t: true}
			cur := t
			for cur.parent != "" {
				if k == dataKind && primitive(cur.parent) {
					break
				}
				p := r.get(k, cur.parent)
				if p == nil {
					if cur == t {
						l.diags = append(l.diags, t.src.errorf(t.parentN, "Unknown parent type",
							"The %s %s derives from %s, which is not defined here or in the imported definitions. Check the name, or import the file that defines it.", kindWords[k], t.name, t.parent))
					}
					break
				}
				if seen[p] {
					l.diags = append(l.diags, t.src.errorf(t.parentN, "Derivation loop",
						"The %s %s derives from itself through %s. Make the chain of derived_from end at a root type.", kindWords[k], t.name, strings.Join(loopPath(r, k, t), " -> ")))
					break
				}
				seen[p] = true
				cur = p
			}
		}
	}
}

func loopPath(r *registry, k kind, t *typeDef) []string {
	path := []string{t.name}
	seen := map[string]bool{t.name: true}
	for cur := t; cur != nil && cur.parent != ""; {
		path = append(path, cur.parent)
		if seen[cur.parent] {
			break
		}
		seen[cur.parent] = true
		cur = r.get(k, cur.parent)
	}
	return path
}

// rangeOf is the declaration range of a type's name.
func (t *typeDef) rangeOf() hcl.Range { return t.src.rng(t.nameNode) }
