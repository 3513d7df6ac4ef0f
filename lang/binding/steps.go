package binding

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
)

// The order of a component's Standard operations. The teardown
// operations (stop, delete) are not steps of their own: each is run when
// the step it undoes is destroyed (stop with start, delete with the first
// step).
var opOrder = map[string]int{"create": 0, "pre_configure_source": 1, "pre_configure_target": 1, "configure": 2, "post_configure_source": 3, "post_configure_target": 3, "add_target": 4, "add_source": 4, "start": 5}

var teardown = map[string]bool{"stop": true, "delete": true}

// operations are component c's configuration steps in the order they run:
// interfaces by name, operations in lifecycle order. Undo says which
// teardown operation goes with each step.
func operations(c *config.Component) []*ConfigStep {
	var after []string
	for _, r := range c.Requirements {
		if r.Target != "" {
			after = append(after, r.Target)
		}
	}
	var arts []*config.Artifact
	for _, name := range slices.Sorted(maps.Keys(c.Artifacts)) {
		arts = append(arts, c.Artifacts[name])
	}
	var out []*ConfigStep
	for _, iface := range slices.Sorted(maps.Keys(c.Interfaces)) {
		ops := c.Interfaces[iface]
		names := slices.Sorted(maps.Keys(ops))
		sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
		var first *ConfigStep
		for _, n := range names {
			op := ops[n]
			if op.Implementation == "" || teardown[n] {
				continue
			}
			rng := op.Range
			if strings.HasPrefix(rng.Filename, "embedded:") {
				// An operation the component's type gives: what the
				// user can change is the component.
				rng = c.DeclRange
			}
			st := &ConfigStep{
				Component: c.Name, Interface: iface, Operation: n, Implementation: op.Implementation,
				Artifacts: arts, Inputs: op.Inputs, After: after, Range: rng,
			}
			if first == nil {
				first = st
			}
			if n == "start" {
				st.Undo = ops["stop"]
			}
			out = append(out, st)
		}
		if del := ops["delete"]; del != nil && del.Implementation != "" && first != nil && first.Undo == nil {
			first.Undo = del
		}
	}
	return out
}

func rank(name string) int {
	if r, ok := opOrder[name]; ok {
		return r
	}
	return 8
}

// steps realises the component's configuration steps, once, as its site's
// kind runs them: indigo_step resources on a local site, the boot script
// of the host server on OpenStack. Where they cannot run, each is an error
// at the operation.
func (b *Binder) steps() {
	if b.r.Steps != nil {
		return
	}
	b.r.Steps = operations(b.c)
	if len(b.r.Steps) == 0 {
		return
	}
	switch b.site.Kind {
	case "local":
		b.localSteps()
	case "openstack":
		b.osSteps()
	default:
		for _, st := range b.r.Steps {
			b.errorf(st.Range, "Configuration step cannot run on this site",
				"Component %s's %s.%s (%s) is a configuration step, which indigo runs on local sites (on this machine) and on OpenStack servers (at boot); site %s is a %s site. Place the component on a local or OpenStack site, or remove the operation.",
				b.c.Name, st.Interface, st.Operation, st.Implementation, b.site.Name, b.site.Kind)
		}
	}
}

// stepName is the resource name of a step.
func stepName(st *ConfigStep) string {
	if st.Interface == "Standard" {
		return Name(st.Component) + "_" + st.Operation
	}
	return Name(st.Component) + "_" + Name(st.Interface) + "_" + st.Operation
}

// localSteps: each step is an indigo_step, run in the directory of the
// local Compute the component is hosted on, after the component's other
// resources and the step before it.
func (b *Binder) localSteps() {
	if hasType(b.c.TypeChain, "tosca.nodes.Compute") {
		// A host on a local site is a directory of this machine: its
		// steps would reconfigure the machine itself.
		var ops []string
		for _, st := range b.r.Steps {
			ops = append(ops, st.Interface+"."+st.Operation+" ("+st.Implementation+")")
		}
		b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Host configuration not run on a local site",
			Detail: fmt.Sprintf("Component %s is a Compute, which on local site %s is a directory of this machine; its configuration steps (%s) would reconfigure this machine itself (its users, its packages), which indigo does not do. The steps of the components it hosts run. To run these, place the component on an OpenStack site.",
				b.c.Name, b.site.Name, strings.Join(ops, ", ")),
			Subject: b.rng.Ptr()})
		return
	}
	var own []hcl.Traversal
	for _, res := range b.r.Resources {
		if res.Component == b.c.Name {
			own = append(own, b.traversal(res.Type, res.Name))
		}
	}
	host := b.hostCompute()
	var prev hcl.Traversal
	for _, st := range b.r.Steps {
		impl := b.stepPath(st.Implementation)
		attrs := map[string]hcl.Expression{"implementation": b.strAt(st.Range, impl)}
		if in := b.stepInputs(st.Inputs, st.Range); in != nil {
			attrs["inputs"] = in
		}
		if host != nil {
			attrs["target"] = b.ref("indigo_directory", Name(host.Name), "path")
		}
		if ansible(st.Implementation) {
			if roles := b.stepRoles(st); len(roles) > 0 {
				attrs["roles"] = b.list(roles...)
			}
		}
		if st.Undo != nil {
			attrs["delete_implementation"] = b.strAt(st.Undo.Range, b.stepPath(st.Undo.Implementation))
		}
		res := b.resource("indigo_step", stepName(st), b.body(attrs))
		res.DeclRange, res.TypeRange = st.Range, st.Range
		res.DependsOn = append(res.DependsOn, own...)
		if prev != nil {
			// After the step before it, and again whenever that one
			// runs again.
			res.DependsOn = append(res.DependsOn, prev)
			res.Managed.ReplaceTriggeredBy = []hcl.Expression{&hclsyntax.ScopeTraversalExpr{Traversal: prev, SrcRange: st.Range}}
		}
		prev = b.traversal("indigo_step", stepName(st))
		st.Executed = true
	}
}

// hostCompute is the Compute the component runs on: itself, the end of
// its chain of host requirements, or, for a component hosted on nothing,
// the server its first requirement leads to (INDIGO's elastic clusters and
// portals are configured on their LRMS front end). Nil when none.
func (b *Binder) hostCompute() *config.Component {
	return hostOf(b.comps, b.c, map[string]bool{})
}

func hostOf(comps map[string]*config.Component, c *config.Component, seen map[string]bool) *config.Component {
	if c == nil || seen[c.Name] {
		return nil
	}
	seen[c.Name] = true
	if hasType(c.TypeChain, "tosca.nodes.Compute") {
		return c
	}
	for _, r := range c.Requirements {
		if r.Name == "host" {
			return hostOf(comps, comps[r.Target], seen)
		}
	}
	for _, r := range c.Requirements {
		if h := hostOf(comps, comps[r.Target], seen); h != nil {
			return h
		}
	}
	return nil
}

var (
	remoteImpl = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://`)
	envName    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// stepPath resolves a file of the template (an implementation, a role)
// against the template's directory, made absolute; URLs and names are left
// as they are for the provider or the boot script to judge.
func (b *Binder) stepPath(p string) string {
	if remoteImpl.MatchString(p) || filepath.IsAbs(p) {
		return p
	}
	dir := filepath.Dir(b.c.DeclRange.Filename)
	full := filepath.Join(dir, p)
	if abs, err := filepath.Abs(full); err == nil {
		full = abs
	}
	return full
}

// stepRoles are the Ansible roles of a step: its component's Galaxy role
// artifacts, as directories of the repository when they are there, by
// name when not (the provider then says to vendor them).
func (b *Binder) stepRoles(st *ConfigStep) []hclsyntax.Expression {
	var out []hclsyntax.Expression
	for _, a := range st.Artifacts {
		if !strings.Contains(a.Type, "AnsibleGalaxy.role") {
			continue
		}
		p := b.stepPath(a.File)
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			p = a.File
		}
		out = append(out, b.strAt(a.Range, p))
	}
	return out
}

func ansible(impl string) bool {
	switch strings.ToLower(filepath.Ext(impl)) {
	case ".yml", ".yaml":
		return true
	}
	return false
}

// stepInputs is the inputs of an operation as an object of strings: a
// literal list or map becomes its JSON text, other values are converted
// to strings when the step is planned.
func (b *Binder) stepInputs(inputs map[string]hcl.Expression, at hcl.Range) hclsyntax.Expression {
	if len(inputs) == 0 {
		return nil
	}
	obj := &hclsyntax.ObjectConsExpr{SrcRange: at, OpenRange: at}
	for _, k := range slices.Sorted(maps.Keys(inputs)) {
		obj.Items = append(obj.Items, hclsyntax.ObjectConsItem{KeyExpr: b.key(k), ValueExpr: b.inputString(inputs[k])})
	}
	return obj
}

// inputString is an input's value as a string expression: a literal list
// or map is its JSON text; other values convert when evaluated.
func (b *Binder) inputString(e hcl.Expression) hclsyntax.Expression {
	if v, ok := literal(e); ok && !v.Type().IsPrimitiveType() {
		if js, err := ctyjson.Marshal(v, v.Type()); err == nil {
			return b.strAt(e.Range(), string(js))
		}
	}
	return asSyntax(e)
}

func (b *Binder) strAt(rng hcl.Range, s string) hclsyntax.Expression { return strLit(rng, s) }

// traversal is TYPE.NAME, for depends_on.
func (b *Binder) traversal(typ, name string) hcl.Traversal {
	return hcl.Traversal{hcl.TraverseRoot{Name: typ, SrcRange: b.rng}, hcl.TraverseAttr{Name: name, SrcRange: b.rng}}
}
