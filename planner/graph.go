package planner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
)

// Node keys. Every object of the configuration tree is one node per static
// module path; the node handles all instances of that path.
func keyVar(p config.ModulePath, name string) string    { return "var " + string(p) + "|" + name }
func keyLocal(p config.ModulePath, name string) string  { return "local " + string(p) + "|" + name }
func keyOutput(p config.ModulePath, name string) string { return "output " + string(p) + "|" + name }
func keyExpand(p config.ModulePath) string              { return "expand " + string(p) }
func keyProvider(a config.ProviderConfigAddr) string    { return "provider " + a.String() }
func keyComponent(p config.ModulePath, name string) string {
	return "component " + string(p) + "|" + name
}
func keyResource(p config.ModulePath, r config.ResourceAddr) string {
	return "resource " + string(p) + "|" + r.String()
}
func keyDestroy(p config.ModulePath, r config.ResourceAddr) string {
	return "destroy " + string(p) + "|" + r.String()
}
func keyClose(p config.ModulePath) string { return "close " + string(p) }

// graphBuilder turns the configuration into the walk's graph.
type graphBuilder struct {
	r *run
	g *dag
	// resourceProviders caches each resource's provider configuration.
	resourceProviders map[string]config.ProviderConfigAddr
	diags             hcl.Diagnostics
	// pending are edges recorded before every node exists.
	pending map[string][]string
	// resourceAddrs maps resource node keys to their static address.
	resourceAddrs map[string]config.AbsResource
	// resourceDeps are the resources each resource node depends on
	// (directly, or through values that are not resources), by node key.
	resourceDeps map[string][]config.AbsResource
	// ownCBD holds the resource node keys whose own lifecycle sets
	// create_before_destroy.
	ownCBD map[string]bool
}

// refKeys returns the node keys an expression's traversals refer to, seen
// from module path p.
func (b *graphBuilder) refKeys(c *config.Config, travs []hcl.Traversal) []string {
	var out []string
	for _, t := range travs {
		ref, d := config.ParseRef(t)
		if d.HasErrors() || ref == nil {
			continue
		}
		out = append(out, b.subjectKeys(c, ref.Subject)...)
	}
	return out
}

func (b *graphBuilder) subjectKeys(c *config.Config, s config.Referenceable) []string {
	switch s.(type) {
	case config.VariableRef, config.LocalRef, config.ResourceRef, config.ModuleCallRef:
		c = c.ScopeFor(s)
	}
	p := c.Path
	switch s := s.(type) {
	case config.VariableRef:
		return []string{keyVar(p, s.Name)}
	case config.LocalRef:
		return []string{keyLocal(p, s.Name)}
	case config.ResourceRef:
		return []string{keyResource(p, s.Resource)}
	case config.ModuleCallRef:
		child := c.Children[config.Step{Kind: config.ModuleStep, Name: s.Name}]
		if child == nil {
			return nil
		}
		if s.Output != "" {
			return []string{keyOutput(child.Path, s.Output)}
		}
		var out []string
		for name := range child.Module.Outputs {
			out = append(out, keyOutput(child.Path, name))
		}
		return append(out, keyExpand(child.Path))
	case config.ObjectRef:
		switch s.Kind {
		case config.DeploymentKind, config.StorageKind:
			step := config.DeploymentStep
			if s.Kind == config.StorageKind {
				step = config.StorageStep
			}
			// Resolve in this module or, from a placed scope, the module
			// that declares it.
			for cur := c; cur != nil; cur = cur.Parent {
				if child := cur.Children[config.Step{Kind: step, Name: s.Name}]; child != nil {
					return []string{keyClose(child.Path)}
				}
				if cur.Parent == nil {
					break
				}
				if _, st := cur.Path.UnkeyedInstance().Parent(); st.Kind == config.ModuleStep {
					break
				}
			}
		case config.ComponentKind:
			return []string{keyComponent(p, s.Name)}
		}
	}
	return nil
}

// dependsOnKeys maps depends_on entries to node keys: a module or placed
// scope means everything in it.
func (b *graphBuilder) dependsOnKeys(c *config.Config, deps []hcl.Traversal) []string {
	var out []string
	for _, t := range deps {
		ref, d := config.ParseRef(t)
		if d.HasErrors() || ref == nil {
			continue
		}
		if m, ok := ref.Subject.(config.ModuleCallRef); ok {
			if child := c.Children[config.Step{Kind: config.ModuleStep, Name: m.Name}]; child != nil {
				out = append(out, keyClose(child.Path))
			}
			continue
		}
		out = append(out, b.subjectKeys(c, ref.Subject)...)
	}
	return out
}

// parentExpandKey returns the node that expands the instances of path p.
func parentExpandKey(p config.ModulePath) string { return keyExpand(p) }

// build adds every node of the configuration to the graph. Resource nodes
// get run functions from mk.
func (b *graphBuilder) build(mk nodeMaker) {
	b.r.cfg.Walk(func(c *config.Config) {
		b.addModule(c, mk)
	})
	b.addOrphans(mk)
	// Edges were recorded as key lists; now that every node exists, wire
	// them.
	for from, tos := range b.pending {
		for _, to := range tos {
			b.g.dependOn(from, to)
		}
	}
	b.computeResourceDeps()
	b.addImportWaits()
}

// addImportWaits makes each resource an import block reads data sources
// for wait for them (and the locals between), so the block can be
// evaluated when the walk reaches the resource. The wait is the import's,
// not the resource's: it is not one of the dependencies recorded in
// state. A data source that itself depends on the resource is an error at
// the import's reference: the import would wait for itself.
func (b *graphBuilder) addImportWaits() {
	keys := slices.Sorted(maps.Keys(b.r.imports.deferred))
	for _, key := range keys {
		if _, ok := b.g.nodes[key]; !ok {
			continue
		}
		for _, im := range b.r.imports.deferred[key] {
			for _, t := range im.Traversals() {
				for _, to := range b.refKeys(b.r.cfg, []hcl.Traversal{t}) {
					if b.g.reaches(to, key) {
						b.diags = append(b.diags, &hcl.Diagnostic{
							Severity: hcl.DiagError,
							Summary:  "Import reads what depends on its resource",
							Detail:   fmt.Sprintf("The import into %s refers to %s, which depends on %s itself: the import is decided before the resource is planned, so it cannot wait for that. Compute the import's values from variables, locals and data sources that do not refer to the resource.", traversalString(im.To.Steps), traversalString(t), b.resourceAddrs[key]),
							Subject:  t.SourceRange().Ptr(),
						})
						continue
					}
					b.g.dependOn(key, to)
				}
			}
		}
	}
}

// nodeMaker supplies the run functions of the nodes, which differ between
// plan and apply.
type nodeMaker interface {
	expand(c *config.Config) func(context.Context) hcl.Diagnostics
	variable(c *config.Config, v *config.Variable) func(context.Context) hcl.Diagnostics
	local(c *config.Config, l *config.Local) func(context.Context) hcl.Diagnostics
	output(c *config.Config, o *config.Output) func(context.Context) hcl.Diagnostics
	provider(addr config.ProviderConfigAddr, decl *config.ProviderConfig) func(context.Context) hcl.Diagnostics
	resource(c *config.Config, res *config.Resource, provider config.ProviderConfigAddr) func(context.Context) hcl.Diagnostics
	component(c *config.Config, comp *config.Component) func(context.Context) hcl.Diagnostics
	// closeScope runs when everything in a module is done (it records
	// deployment.NAME and storage.NAME).
	closeScope(c *config.Config) func(context.Context) hcl.Diagnostics
	// orphan handles resources recorded in state without configuration.
	orphan(abs config.ModulePath, res config.ResourceAddr, provider config.ProviderConfigAddr) func(context.Context) hcl.Diagnostics
	// destroy handles the deletions of one resource (apply only; nil in
	// plan).
	destroy(p config.ModulePath, res config.ResourceAddr) func(context.Context) hcl.Diagnostics
}

func (b *graphBuilder) edge(from string, to ...string) {
	if b.pending == nil {
		b.pending = map[string][]string{}
	}
	b.pending[from] = append(b.pending[from], to...)
}

func (b *graphBuilder) addModule(c *config.Config, mk nodeMaker) {
	p := c.Path
	m := c.Module
	expand := keyExpand(p)
	b.g.add(expand, c.CallRange, mk.expand(c))
	closeKey := keyClose(p)
	b.g.add(closeKey, c.CallRange, mk.closeScope(c))
	if c.Parent != nil {
		b.edge(expand, keyExpand(c.Parent.Path))
		_, step := p.UnkeyedInstance().Parent()
		switch step.Kind {
		case config.ModuleStep:
			if call := c.Parent.Module.ModuleCalls[step.Name]; call != nil {
				var travs []hcl.Traversal
				for _, e := range []hcl.Expression{call.Count, call.ForEach} {
					if e != nil {
						travs = append(travs, e.Variables()...)
					}
				}
				b.edge(expand, b.refKeys(c.Parent, travs)...)
				b.edge(expand, b.dependsOnKeys(c.Parent, call.DependsOn)...)
			}
		case config.DeploymentStep:
			if dep := c.Parent.Module.Deployments[step.Name]; dep != nil {
				b.edge(expand, b.dependsOnKeys(c.Parent, dep.DependsOn)...)
			}
		case config.StorageStep:
			if st := c.Parent.Module.Storages[step.Name]; st != nil {
				b.edge(expand, b.dependsOnKeys(c.Parent, st.DependsOn)...)
			}
		}
		// The parent's close waits for this module's close.
		b.edge(keyClose(c.Parent.Path), closeKey)
	}
	member := func(key string) {
		b.edge(key, expand)
		b.edge(closeKey, key)
	}
	for name, v := range m.Variables {
		key := keyVar(p, name)
		b.g.add(key, v.DeclRange, mk.variable(c, v))
		member(key)
		// A child's variable is its caller's argument.
		if c.Parent != nil {
			_, step := p.UnkeyedInstance().Parent()
			switch step.Kind {
			case config.ModuleStep:
				if call := c.Parent.Module.ModuleCalls[step.Name]; call != nil {
					attrs, _ := call.Config.JustAttributes()
					if a, ok := attrs[name]; ok {
						b.edge(key, b.refKeys(c.Parent, a.Expr.Variables())...)
					}
				}
			case config.DeploymentStep:
				if dep := c.Parent.Module.Deployments[step.Name]; dep != nil && dep.Inputs != nil {
					b.edge(key, b.refKeys(c.Parent, dep.Inputs.Variables())...)
				}
			}
		}
		for _, rule := range v.Validations {
			b.edge(key, b.refKeys(c, without(rule.Condition.Variables(), "var", name))...)
		}
	}
	for name, l := range m.Locals {
		key := keyLocal(p, name)
		b.g.add(key, l.DeclRange, mk.local(c, l))
		member(key)
		b.edge(key, b.refKeys(c, l.Expr.Variables())...)
	}
	for name, o := range m.Outputs {
		key := keyOutput(p, name)
		b.g.add(key, o.DeclRange, mk.output(c, o))
		member(key)
		if o.Expr != nil {
			b.edge(key, b.refKeys(c, o.Expr.Variables())...)
		}
		b.edge(key, b.dependsOnKeys(c, o.DependsOn)...)
		for _, rule := range o.Preconditions {
			b.edge(key, b.refKeys(c, rule.Condition.Variables())...)
		}
	}
	for name, pc := range m.ProviderConfigs {
		_ = name
		addr := config.ProviderConfigAddr{Module: p, Provider: m.ProviderFor(pc.Name), Alias: pc.Alias}
		b.addProvider(addr, pc, mk)
	}
	for name, comp := range m.Components {
		key := keyComponent(p, name)
		b.g.add(key, comp.DeclRange, mk.component(c, comp))
		member(key)
		var travs []hcl.Traversal
		for _, e := range comp.Properties {
			travs = append(travs, e.Variables()...)
		}
		if real := b.r.realisations[componentAddr(p, name)]; real != nil {
			for _, e := range real.Attributes {
				travs = append(travs, e.Variables()...)
			}
		}
		b.edge(key, b.refKeys(c, travs)...)
		b.edge(key, b.dependsOnKeys(c, comp.DependsOn)...)
		for _, req := range comp.Requirements {
			if req.Target != "" {
				b.edge(key, keyComponent(p, req.Target))
			}
		}
	}
	for _, res := range m.SortedResources() {
		key := keyResource(p, res.Addr())
		prov, kref, diags := b.r.providerFor(c, res)
		b.diags = append(b.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		if kref != nil {
			b.r.providers.each.setRef(key, kref)
			if kref.expr != nil {
				b.edge(key, b.refKeys(kref.cfg, kref.expr.Variables())...)
			}
		}
		b.resourceProviders[key] = prov
		b.resourceAddrs[key] = config.AbsResource{Module: p.UnkeyedInstance(), Resource: res.Addr()}
		if res.Managed != nil && res.Managed.CreateBeforeDestroy {
			if b.ownCBD == nil {
				b.ownCBD = map[string]bool{}
			}
			b.ownCBD[key] = true
		}
		b.g.add(key, res.DeclRange, mk.resource(c, res, prov))
		member(key)
		b.addProvider(prov, b.r.providerDecl(prov), mk)
		b.edge(key, keyProvider(prov))
		travs := eval.BodyTraversals(res.Config)
		for _, e := range []hcl.Expression{res.Count, res.ForEach} {
			if e != nil {
				travs = append(travs, e.Variables()...)
			}
		}
		for _, rule := range res.Preconditions {
			travs = append(travs, rule.Condition.Variables()...)
		}
		if res.Managed != nil {
			for _, e := range res.Managed.ReplaceTriggeredBy {
				travs = append(travs, e.Variables()...)
			}
		}
		b.edge(key, b.refKeys(c, travs)...)
		b.edge(key, b.dependsOnKeys(c, res.DependsOn)...)
		if destroy := mk.destroy(p, res.Addr()); destroy != nil {
			dkey := keyDestroy(p, res.Addr())
			b.g.add(dkey, res.DeclRange, destroy)
			b.edge(dkey, keyProvider(prov))
			b.edge(closeKey, dkey)
		}
	}
}

// without drops traversals rooted at root.name (a validation's own
// variable).
func without(travs []hcl.Traversal, root, name string) []hcl.Traversal {
	var out []hcl.Traversal
	for _, t := range travs {
		if t.RootName() == root && len(t) > 1 {
			if a, ok := t[1].(hcl.TraverseAttr); ok && a.Name == name {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

func (b *graphBuilder) addProvider(addr config.ProviderConfigAddr, decl *config.ProviderConfig, mk nodeMaker) {
	key := keyProvider(addr)
	if _, ok := b.g.nodes[key]; ok {
		return
	}
	rng := hcl.Range{}
	if decl != nil {
		rng = decl.DeclRange
	}
	b.g.add(key, rng, mk.provider(addr, decl))
	b.edge(key, keyExpand(addr.Module))
	if decl != nil {
		c := b.r.cfg.Descendant(addr.Module)
		b.edge(key, b.refKeys(c, eval.BodyTraversals(decl.Config))...)
		if decl.ForEach != nil {
			b.edge(key, b.refKeys(c, decl.ForEach.Variables())...)
		}
	}
}

// addOrphans adds nodes for resources the state records but the
// configuration no longer declares.
func (b *graphBuilder) addOrphans(mk nodeMaker) {
	seen := map[string]bool{}
	var abs []config.AbsResource
	for a := range b.r.prior.Resources {
		abs = append(abs, a)
	}
	sort.Slice(abs, func(i, j int) bool { return abs[i].String() < abs[j].String() })
	for _, a := range abs {
		p := a.Module.Static()
		c := b.r.cfg.Descendant(p)
		if c != nil && c.Module.Resource(a.Resource) != nil {
			continue
		}
		key := keyResource(p, a.Resource)
		if seen[key] {
			continue
		}
		seen[key] = true
		prov := b.r.prior.Resources[a].Provider
		if b.r.opts.LeaveProviders[prov] {
			continue
		}
		b.resourceProviders[key] = prov
		b.resourceAddrs[key] = config.AbsResource{Module: p.UnkeyedInstance(), Resource: a.Resource}
		b.g.add(key, hcl.Range{}, mk.orphan(p, a.Resource, prov))
		b.addProvider(prov, b.r.providerDecl(prov), mk)
		b.edge(key, keyProvider(prov))
		if destroy := mk.destroy(p, a.Resource); destroy != nil {
			dkey := keyDestroy(p, a.Resource)
			b.g.add(dkey, hcl.Range{}, destroy)
			b.edge(dkey, keyProvider(prov))
		}
	}
}

// computeResourceDeps finds, for each resource node, the resources it
// depends on through any chain of non-resource nodes. They are recorded in
// state and order deletions.
func (b *graphBuilder) computeResourceDeps() {
	b.resourceDeps = map[string][]config.AbsResource{}
	memo := map[string][]string{}
	var visiting = map[string]bool{}
	var reach func(key string) []string
	reach = func(key string) []string {
		if r, ok := memo[key]; ok {
			return r
		}
		if visiting[key] {
			return nil
		}
		visiting[key] = true
		set := map[string]bool{}
		n := b.g.nodes[key]
		if n != nil {
			for dep := range n.deps {
				if isResourceKey(dep) {
					set[dep] = true
					continue
				}
				for _, x := range reach(dep) {
					set[x] = true
				}
			}
		}
		delete(visiting, key)
		out := make([]string, 0, len(set))
		for k := range set {
			out = append(out, k)
		}
		sort.Strings(out)
		memo[key] = out
		return out
	}
	for key := range b.g.nodes {
		if !isResourceKey(key) {
			continue
		}
		for _, dep := range reach(key) {
			// Ephemeral resources are opened in every run: nothing to
			// order deletions by, and nothing to record.
			if abs, ok := b.resourceAddrs[dep]; ok && abs.Resource.Mode != config.EphemeralMode {
				b.resourceDeps[key] = append(b.resourceDeps[key], abs)
			}
		}
	}
}

// effectiveCBD returns the resource node keys replaced create-before-destroy:
// those whose lifecycle says so and everything they depend on, through any
// chain of resources (data sources included), locals and modules. A
// dependency replaced destroy-first under a create-first dependent cannot
// be ordered: its old object must outlive the dependent's old object,
// which outlives the dependent's new one, which needs the dependency's new
// one. So the setting spreads down, whatever the dependency's own
// lifecycle says.
func (b *graphBuilder) effectiveCBD() map[string]bool {
	out := make(map[string]bool, len(b.ownCBD))
	var mark func(key string)
	mark = func(key string) {
		if out[key] {
			return
		}
		out[key] = true
		for _, dep := range b.resourceDeps[key] {
			mark(keyResource(dep.Module.Static(), dep.Resource))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(b.ownCBD)) {
		mark(key)
	}
	return out
}

func isResourceKey(k string) bool { return len(k) > 9 && k[:9] == "resource " }
