package planner

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// applyMoves applies the configuration's moved blocks to the planner's
// copy of the prior state, remembering each instance's previous address so
// the plan can say "has moved to" and the apply can record the move.
func (r *run) applyMoves() hcl.Diagnostics {
	r.prev = map[config.InstanceAddr]config.InstanceAddr{}
	var diags hcl.Diagnostics
	r.cfg.Walk(func(c *config.Config) {
		for _, mv := range c.Module.Moved {
			diags = append(diags, r.applyMove(c, mv)...)
		}
	})
	return diags
}

func (r *run) applyMove(c *config.Config, mv *config.Moved) hcl.Diagnostics {
	base := c.Path.UnkeyedInstance()
	fromMod, fromOK := moduleEndpoint(base, mv.From)
	toMod, toOK := moduleEndpoint(base, mv.To)
	if fromOK && toOK {
		// Move every instance under one module instance to another.
		for _, a := range r.prior.AllInstances() {
			if !underModule(a.Module, fromMod) {
				continue
			}
			newMod := config.ModuleInstance(string(toMod) + strings.TrimPrefix(string(a.Module), string(fromMod)))
			to := config.InstanceAddr{Module: newMod, Resource: a.Resource, Key: a.Key}
			r.moveOne(a, to, mv)
		}
		return nil
	}
	from, d1 := config.InstanceAddrFromTraversal(mv.From)
	to, d2 := config.InstanceAddrFromTraversal(mv.To)
	if d1.HasErrors() || d2.HasErrors() {
		return append(d1, d2...)
	}
	from.Module = prefix(base, from.Module)
	to.Module = prefix(base, to.Module)
	if from.Resource.Type != to.Resource.Type && (from.Resource.Mode != config.ManagedMode || to.Resource.Mode != config.ManagedMode) {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid move",
			Detail:   fmt.Sprintf("Moving %s to %s: only managed resources move between types.", from, to),
			Subject:  mv.DeclRange.Ptr(),
		}}
	}
	keyed := hasIndex(mv.From) || hasIndex(mv.To)
	for _, a := range r.prior.AllInstances() {
		if a.Module != from.Module || a.Resource != from.Resource {
			continue
		}
		if keyed {
			if a.Key == from.Key {
				r.moveOne(a, to, mv)
			}
			continue
		}
		dest := config.InstanceAddr{Module: to.Module, Resource: to.Resource, Key: a.Key}
		r.moveOne(a, dest, mv)
	}
	return nil
}

func (r *run) moveOne(from, to config.InstanceAddr, mv *config.Moved) {
	if from == to {
		return
	}
	if r.prior.ResourceInstance(to) != nil {
		r.addNote(planNote(to.String(), fmt.Sprintf("Moved object still exists: %s was not moved to %s, which is already recorded (moved block at %s).", from, to, mv.DeclRange)))
		return
	}
	var source *crossMove
	if from.Resource.Type != to.Resource.Type {
		// Another type: the provider of the new one converts the object
		// when the plan reads it (priorDecoded).
		if res := r.prior.Resources[from.ContainingResource()]; res != nil {
			source = &crossMove{typeName: from.Resource.Type, provider: res.Provider.Provider, decl: mv.DeclRange}
		}
	}
	if err := r.prior.Move(from, to); err != nil {
		r.addNote(planNote(from.String(), fmt.Sprintf("Cannot move %s to %s: %s.", from, to, err)))
		return
	}
	if source != nil {
		if prev, ok := r.crossMoves[from]; ok {
			source = prev // moved on again: converted from the first type
			delete(r.crossMoves, from)
		}
		if r.crossMoves == nil {
			r.crossMoves = map[config.InstanceAddr]*crossMove{}
		}
		r.crossMoves[to] = source
	}
	orig := from
	if p, ok := r.prev[from]; ok {
		orig = p
		delete(r.prev, from)
	}
	r.prev[to] = orig
}

// crossMove is where an instance moved to another resource type comes
// from: the provider of its new type converts the recorded object.
type crossMove struct {
	typeName string
	provider config.Provider
	// decl is the moved block's range, for errors.
	decl hcl.Range
}

// isCrossMove reports whether a change moves its object to another
// resource type.
func isCrossMove(ch *plan.ResourceChange) bool {
	return ch.PrevAddr != (config.InstanceAddr{}) && ch.PrevAddr.Resource.Type != ch.Addr.Resource.Type
}

// prevAddr returns the address an instance had in the prior state.
func (r *run) prevAddr(a config.InstanceAddr) config.InstanceAddr {
	if p, ok := r.prev[a]; ok {
		return p
	}
	return a
}

func (r *run) movesPending() bool { return len(r.prev) > 0 }

// moduleEndpoint reads module.a or module.a[k] as a module instance,
// relative to base.
func moduleEndpoint(base config.ModuleInstance, t hcl.Traversal) (config.ModuleInstance, bool) {
	if config.RootName(t) != "module" {
		return "", false
	}
	mod := config.ModuleInstance(traversalString(t))
	steps := mod.Steps()
	if len(steps) == 0 {
		return "", false
	}
	var out config.ModuleInstance
	for _, s := range steps {
		out = out.Child(s.Kind, s.Name, s.Key)
	}
	if string(out) != traversalString(t) {
		return "", false
	}
	return prefix(base, out), true
}

func prefix(base, m config.ModuleInstance) config.ModuleInstance {
	if base == "" {
		return m
	}
	if m == "" {
		return base
	}
	return config.ModuleInstance(string(base) + "." + string(m))
}

func underModule(m, prefix config.ModuleInstance) bool {
	return m == prefix || strings.HasPrefix(string(m), string(prefix)+".")
}

func hasIndex(t hcl.Traversal) bool {
	if len(t) == 0 {
		return false
	}
	_, ok := t[len(t)-1].(hcl.TraverseIndex)
	return ok
}

// traversalString renders a traversal in address syntax.
func traversalString(t hcl.Traversal) string { return config.TraversalString(t) }

// pendingImport is what the import blocks say of one instance: the id to
// import it by and the provider the import names.
type pendingImport struct {
	target importTarget
	im     *config.Import
	// provider is the provider (instance) the import names; set when the
	// block has a provider argument.
	provider *config.ProviderConfigAddr
	// used is set when the walk plans the instance.
	used atomic.Bool
}

// importSet is what the import blocks of a plan import. Blocks computed
// from variables and locals alone are evaluated before the walk; blocks
// that read data sources when the walk reaches the resource they import
// into, which waits for those data sources (graphBuilder.addImportWaits).
type importSet struct {
	mu sync.Mutex
	// byAddr maps instances to what an import block imports them by; an
	// instance the state has already is left out.
	byAddr map[config.InstanceAddr]*pendingImport
	// named holds every instance an import block names, for the
	// duplicates of the blocks evaluated in the walk.
	named map[config.InstanceAddr]*config.Import
	// deferred holds, by resource node key, the blocks that read data
	// sources, evaluated when the walk reaches that node.
	deferred map[string][]*config.Import
}

func newImportSet() *importSet {
	return &importSet{byAddr: map[config.InstanceAddr]*pendingImport{}, named: map[config.InstanceAddr]*config.Import{}}
}

// evalImports evaluates the import blocks of the root module: which
// instances to import, by which id, with which provider. A block whose
// for_each, keys, id or provider key read data sources (directly or
// through locals) waits for the walk; the others are decided now, from
// variables and the locals computed from them (eval.StaticData), as
// validate does.
func (r *run) evalImports() hcl.Diagnostics {
	r.imports = newImportSet()
	if len(r.cfg.Module.Imports) == 0 || r.opts.Mode != plan.NormalMode {
		return nil // only a normal plan imports
	}
	var now []*config.Import
	for _, im := range r.cfg.Module.Imports {
		path, res, d := im.To.Resource()
		if !d.HasErrors() && eval.ImportReadsData(r.cfg, im) {
			key := keyResource(path, res)
			if r.imports.deferred == nil {
				r.imports.deferred = map[string][]*config.Import{}
			}
			r.imports.deferred[key] = append(r.imports.deferred[key], im)
			continue
		}
		now = append(now, im)
	}
	static := eval.StaticData(r.cfg, eval.ValidateOptions{Vars: r.opts.Vars, Workspace: r.opts.Workspace})
	ins, diags := eval.ExpandImports(r.cfg, now, func(it eval.Iteration) *eval.Scope {
		return &eval.Scope{Data: static, Module: config.RootModule, Functions: r.functionsOf(config.RootModule), Iteration: it}
	}, true)
	if diags.HasErrors() {
		return diags
	}
	return append(diags, r.imports.add(r, ins)...)
}

// evalDeferredImports evaluates the import blocks that import into the
// resource of node key and read data sources, with the values the walk
// has computed: the data sources they read are done.
func (r *run) evalDeferredImports(key string) hcl.Diagnostics {
	blocks := r.imports.deferred[key]
	if len(blocks) == 0 || r.speculative || r.opts.Mode != plan.NormalMode {
		return nil
	}
	ins, diags := eval.ExpandImports(r.cfg, blocks, func(it eval.Iteration) *eval.Scope {
		return r.scope(config.RootModule, it)
	}, true)
	if diags.HasErrors() {
		return diags
	}
	return append(diags, r.imports.add(r, ins)...)
}

// add records what ins import, skipping the instances the state has
// already. An instance another block imports into is an error.
func (s *importSet) add(r *run, ins []eval.ImportInstance) hcl.Diagnostics {
	s.mu.Lock()
	defer s.mu.Unlock()
	var diags hcl.Diagnostics
	for _, in := range ins {
		if prev := s.named[in.To]; prev != nil && prev != in.Import {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate import address",
				Detail:   fmt.Sprintf("The import block at %s imports into %s, and so does the one at %s: an instance takes one object. Give each block its own address.", in.Import.DeclRange, in.To, prev.DeclRange),
				Subject:  in.Import.To.Range.Ptr(),
			})
			continue
		}
		s.named[in.To] = in.Import
		if r.prior.ResourceInstance(in.To) != nil {
			continue // already managed: nothing to import
		}
		pi := &pendingImport{target: importTarget{id: in.ID, identity: in.Identity, im: in.Import}, im: in.Import}
		if ref := in.Import.ProviderRef; ref != nil {
			addr := config.ProviderConfigAddr{Module: config.RootPath, Provider: r.cfg.Module.ProviderFor(ref.LocalName), Alias: ref.Alias, Key: in.ProviderKey}
			pi.provider = &addr
		}
		s.byAddr[in.To] = pi
	}
	return diags
}

// get returns the import into addr, or nil.
func (s *importSet) get(addr config.InstanceAddr) *pendingImport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byAddr[addr]
}

// importsPending reports whether p imports an object: recording it is
// something to apply even when the object needs no change.
func importsPending(p *plan.Plan) bool {
	for _, c := range p.Changes {
		if c.Importing != nil {
			return true
		}
	}
	return false
}

// importFor returns what to import addr by, empty when nothing.
func (r *run) importFor(addr config.InstanceAddr) importTarget {
	pi := r.imports.get(addr)
	if pi == nil {
		return importTarget{}
	}
	pi.used.Store(true)
	return pi.target
}

// checkImportProvider reports an import of addr whose provider argument
// names another provider (instance) than prov, the one the resource
// chooses for addr: the import is done by the provider that manages the
// object.
func (r *run) checkImportProvider(addr config.InstanceAddr, prov config.ProviderConfigAddr) hcl.Diagnostics {
	pi := r.imports.get(addr)
	if pi == nil || pi.provider == nil || *pi.provider == prov {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Import provider is not the resource's",
		Detail: fmt.Sprintf("The import into %s names provider %s, but the resource uses %s for it; the import is done by the provider that manages the object. Name that provider in the import block, or leave provider out.",
			addr, providerDisplay(*pi.provider, r.providerDecl(pi.provider.Config())), providerDisplay(prov, r.providerDecl(prov.Config()))),
		Subject: pi.im.ProviderRange.Ptr(),
	}}
}

// unmadeImports reports imports into instances the walk did not plan:
// the count or for_each of the resource, or of a module call on its
// path, does not make them. It is meaningful after a whole plan walk
// (no -target or -exclude) that found no errors.
func (r *run) unmadeImports() hcl.Diagnostics {
	if r.opts.Mode != plan.NormalMode || len(r.opts.Targets) > 0 || len(r.opts.Excludes) > 0 {
		return nil
	}
	var diags hcl.Diagnostics
	r.imports.mu.Lock()
	defer r.imports.mu.Unlock()
	addrs := make([]config.InstanceAddr, 0, len(r.imports.byAddr))
	for addr, pi := range r.imports.byAddr {
		if !pi.used.Load() {
			addrs = append(addrs, addr)
		}
	}
	config.SortInstanceAddrs(addrs)
	for _, addr := range addrs {
		pi := r.imports.byAddr[addr]
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Import into an instance the configuration does not make",
			Detail:   fmt.Sprintf("%s is not an instance of the configuration: the count or for_each of %s (or of a module call on its path) makes no such key. Import into an instance it makes, or add the key to its for_each.", addr, addr.ContainingResource()),
			Subject:  pi.im.To.Range.Ptr(),
		})
	}
	return diags
}
