package planner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/state"
)

// Plan computes the execution plan that converges the recorded state prior
// on the configuration cfg: it validates the configuration, places every
// component on its best-ranked site, refreshes what exists, and asks each
// provider to plan each instance. It never changes anything.
//
// The returned plan is nil only when the configuration is invalid; when
// planning some instances failed, the plan is returned with Errored set
// (it can be shown, not applied) along with the errors.
func Plan(ctx context.Context, cfg *config.Config, prior *state.State, provs Providers, opts Options) (*plan.Plan, hcl.Diagnostics) {
	diags := eval.Validate(cfg, eval.ValidateOptions{Vars: opts.Vars, VarRanges: opts.VarRanges, Workspace: opts.Workspace, Catalogue: CatalogueUnfit})
	if diags.HasErrors() {
		return nil, diags
	}
	if prior == nil {
		prior = state.New()
	}
	r := newRun(cloneTree(cfg), prior.DeepCopy(), provs, opts)
	defer r.providers.closeAll()
	p, d := r.plan(ctx)
	return p, append(diags, d...)
}

// plan runs the plan walk.
func (r *run) plan(ctx context.Context) (*plan.Plan, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	diags = append(diags, r.applyMoves()...)
	r.removed, _ = r.removedBlocks() // validation reported their problems
	diags = append(diags, r.evalImports()...)
	if diags.HasErrors() {
		return nil, diags
	}
	start := time.Now()
	diags = append(diags, r.place(ctx)...)
	if diags.HasErrors() {
		return r.result(true), diags
	}
	r.log.Debug("placement", "took", time.Since(start))
	start = time.Now()
	g, d := r.buildGraph(planMaker{r})
	diags = append(diags, d...)
	if d.HasErrors() {
		return r.result(true), diags
	}
	r.log.Debug("graph", "took", time.Since(start), "nodes", len(g.nodes))
	start = time.Now()
	r.speculate(ctx, g)
	r.log.Debug("speculative pass", "took", time.Since(start))
	start = time.Now()
	diags = append(diags, g.walk(ctx)...)
	if !diags.HasErrors() {
		diags = append(diags, r.unmadeImports()...)
	}
	r.log.Debug("walk", "took", time.Since(start), "reused answers", r.cache.hits)
	start = time.Now()
	diags = append(diags, r.validationDiags()...)
	r.log.Debug("validation", "took", time.Since(start))
	p := r.result(diags.HasErrors())
	r.inspect()
	return p, diags
}

// buildGraph builds the walk's graph with the node functions of mk.
func (r *run) buildGraph(mk nodeMaker) (*dag, hcl.Diagnostics) {
	b := &graphBuilder{r: r, g: newDAG(), resourceProviders: map[string]config.ProviderConfigAddr{}, resourceAddrs: map[string]config.AbsResource{}}
	b.g.limit = r.opts.workers()
	b.build(mk)
	b.wireEphemeralCloses()
	r.deps = b.resourceDeps
	r.cbd = b.effectiveCBD()
	if len(r.opts.Targets) > 0 {
		b.diags = append(b.diags, r.applyTargets(b)...)
	}
	if len(r.opts.Excludes) > 0 {
		b.diags = append(b.diags, r.applyExcludes(b)...)
	}
	return b.g, b.diags
}

// result assembles the plan from what the walk recorded.
func (r *run) result(errored bool) *plan.Plan {
	r.mu.Lock()
	changes := append([]*plan.ResourceChange(nil), r.changes...)
	drift := append([]*plan.ResourceChange(nil), r.drift...)
	identities := append([]*plan.IdentityUpdate(nil), r.identities...)
	notes := append([]plan.Note(nil), r.notes...)
	r.mu.Unlock()
	slices.SortFunc(identities, func(a, b *plan.IdentityUpdate) int {
		if c := strings.Compare(a.Addr.String(), b.Addr.String()); c != 0 {
			return c
		}
		return strings.Compare(a.DeposedKey, b.DeposedKey)
	})
	sortChanges(changes)
	sortChanges(drift)
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].Summary < notes[j].Summary })
	p := &plan.Plan{
		Mode:         r.opts.Mode,
		Changes:      changes,
		Drift:        drift,
		Identities:   identities,
		Notes:        notes,
		PriorLineage: r.prior.Lineage,
		PriorSerial:  r.prior.Serial,
		Variables:    StorableVars(r.cfg, r.opts.Vars),
		Targets:      r.opts.Targets,
		Excludes:     r.opts.Excludes,
		Timestamp:    r.now,
		Errored:      errored,
	}
	for _, a := range r.opts.Replace {
		p.Replace = append(p.Replace, a.String())
	}
	// A destroy places nothing: the placements it computed only say where
	// the configuration's scopes are, to realise them.
	destroying := r.opts.Mode == plan.DestroyMode
	keys := slices.Collect(maps.Keys(r.placements))
	slices.SortFunc(keys, func(a, b config.ObjectAddr) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range keys {
		if destroying {
			break
		}
		pl := r.placements[k]
		p.Placements = append(p.Placements, &plan.Placement{Addr: pl.addr, Sites: pl.sites, Previous: pl.previous, Ranking: pl.ranking, Fallback: pl.fallback})
	}
	p.Outputs = r.outputChanges()
	p.Applyable = !errored && (p.Changed() || (!destroying && r.placementsChanged()) || r.movesPending() || importsPending(p))
	if r.opts.Mode == plan.RefreshOnlyMode {
		// A refresh-only plan applies only what the refresh found.
		p.Applyable = !errored && (len(drift) > 0 || len(identities) > 0)
	}
	return p
}

// outputChanges compares the root outputs with the recorded ones.
func (r *run) outputChanges() []*plan.OutputChange {
	var out []*plan.OutputChange
	names := map[string]bool{}
	for name, o := range r.cfg.Module.Outputs {
		// An ephemeral output's value exists during the run only: it is
		// neither planned nor stored.
		if !o.Ephemeral {
			names[name] = true
		}
	}
	for name := range r.prior.Outputs {
		names[name] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		oc := &plan.OutputChange{Name: name, Before: cty.NullVal(cty.DynamicPseudoType), After: cty.NullVal(cty.DynamicPseudoType)}
		if prev := r.prior.Outputs[name]; prev != nil {
			if v, err := decodeOutput(prev); err == nil {
				oc.Before = v
			}
			oc.Sensitive = prev.Sensitive
		}
		decl := r.cfg.Module.Outputs[name]
		if decl != nil && decl.Ephemeral {
			// Recorded before, ephemeral now: the apply drops it, and
			// its value stays out of the plan.
			decl = nil
		}
		if decl != nil {
			oc.Sensitive = decl.Sensitive
			if v, ok := r.store.get(r.store.outputs, nameKey{config.RootModule, name}); ok {
				oc.After = v
			} else if r.opts.Mode != plan.DestroyMode {
				continue
			}
		}
		if r.opts.Mode == plan.DestroyMode {
			oc.After = cty.NullVal(cty.DynamicPseudoType)
		}
		switch {
		case decl == nil || r.opts.Mode == plan.DestroyMode:
			if r.prior.Outputs[name] == nil {
				continue
			}
			oc.Action = plan.Delete
		case r.prior.Outputs[name] == nil && isNullOutput(oc.After):
			// Null is not recorded (recordOutputs): nothing to create.
			oc.Action = plan.NoOp
		case r.prior.Outputs[name] == nil:
			oc.Action = plan.Create
		case valuesEqual(oc.Before, oc.After):
			oc.Action = plan.NoOp
		default:
			oc.Action = plan.Update
		}
		out = append(out, oc)
	}
	return out
}

// isNullOutput reports whether an output's planned value is a known null.
func isNullOutput(v cty.Value) bool {
	uv, _ := v.Unmark()
	return uv.IsKnown() && uv.IsNull()
}

func (r *run) placementsChanged() bool {
	for _, pl := range r.placements {
		prev := r.prior.Placements[pl.addr]
		if prev == nil || !sameStrings(prev.Sites, pl.sites) {
			return true
		}
	}
	return false
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// applyTargets keeps only the targeted resources and modules and what they
// depend on; every other node does nothing.
func (r *run) applyTargets(b *graphBuilder) hcl.Diagnostics {
	var diags hcl.Diagnostics
	var roots []string
	for _, t := range r.opts.Targets {
		found := false
		if a, d := config.ParseInstanceAddr(t); !d.HasErrors() {
			for _, key := range []string{keyResource(a.Module.Static(), a.Resource), keyDestroy(a.Module.Static(), a.Resource)} {
				if _, ok := b.g.nodes[key]; ok {
					roots = append(roots, key)
					found = true
				}
			}
		} else if mod, ok := parseModuleTarget(t); ok {
			if _, ok := b.g.nodes[keyClose(mod)]; ok {
				roots = append(roots, keyClose(mod))
				found = true
			}
		}
		if !found {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid target", Detail: fmt.Sprintf("-target=%s names no resource, data source, module, deployment or storage of the configuration.", t)})
		}
	}
	if r.opts.Mode == plan.DestroyMode {
		// Destroying a target destroys only what is in it: its
		// dependencies stay.
		for k, n := range b.g.nodes {
			if isResourceKey(k) && !r.targeted(b, k) {
				n.run = nil
			}
		}
		return diags
	}
	b.g.restrictTo(roots, false)
	if !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Resource targeting is in effect", Detail: "The plan covers only the targeted objects and what they depend on; the rest of the configuration may not match what exists. Use -target for exceptional cases, then run a full plan."})
	}
	return diags
}

// targeted reports whether a resource node is named by a target, directly
// or by being inside a targeted module or placed scope.
func (r *run) targeted(b *graphBuilder, key string) bool {
	return namedBy(b, key, r.opts.Targets)
}

// namedBy reports whether a resource node is named by one of addrs,
// directly or by being inside a named module or placed scope.
func namedBy(b *graphBuilder, key string, addrs []string) bool {
	abs, ok := b.resourceAddrs[key]
	if !ok {
		return false
	}
	p := abs.Module.Static()
	for _, t := range addrs {
		if a, d := config.ParseInstanceAddr(t); !d.HasErrors() {
			if a.Module.Static() == p && a.Resource == abs.Resource {
				return true
			}
			continue
		}
		if mod, ok := parseModuleTarget(t); ok {
			if p == mod || strings.HasPrefix(string(p), string(mod)+".") {
				return true
			}
		}
	}
	return false
}

// parseModuleTarget reads module.a, module.a.deployment.b, deployment.b or
// storage.c as a static module path.
func parseModuleTarget(t string) (config.ModulePath, bool) {
	a := config.ModuleInstance(t)
	steps := a.Steps()
	if len(steps) == 0 {
		return "", false
	}
	var p config.ModulePath
	for _, s := range steps {
		p = p.Child(s.Kind, s.Name)
	}
	return p, p.String() == t || len(steps) > 0
}

// cloneTree copies the configuration tree so the planner can add what
// placement realises (component resources, storage scopes) without
// changing the caller's configuration.
func cloneTree(c *config.Config) *config.Config {
	root := config.NewRoot(cloneModule(c.Module))
	var copyChildren func(src, dst *config.Config)
	copyChildren = func(src, dst *config.Config) {
		for step, ch := range src.Children {
			n := dst.AddChild(step, cloneModule(ch.Module), ch.CallRange, ch.SourceAddr)
			copyChildren(ch, n)
		}
	}
	copyChildren(c, root)
	return root
}

func cloneModule(m *config.Module) *config.Module {
	n := *m
	n.ManagedResources = maps.Clone(m.ManagedResources)
	n.DataResources = maps.Clone(m.DataResources)
	return &n
}

// realisationsOf is kept on the run: how each component was realised.
type realisations = map[config.ObjectAddr]*binding.Realisation

// StorableVars is what a saved plan keeps of the root module's variables:
// the values given in vars and the defaults of the others (converted to
// their types, as Terraform's JSON plan lists every root variable),
// without the ephemeral ones (applying the plan takes those from that
// run's input again, EphemeralVars), and the sensitive ones marked so
// that what shows the plan keeps them hidden (ApplyVars takes the marks
// off again).
func StorableVars(cfg *config.Config, vars map[string]cty.Value) map[string]cty.Value {
	out := maps.Clone(vars)
	if cfg == nil || cfg.Module == nil {
		return out
	}
	for n, decl := range cfg.Module.Variables {
		if decl.Ephemeral {
			delete(out, n)
			continue
		}
		v, ok := out[n]
		if !ok && decl.Default != cty.NilVal {
			v, ok = decl.Default, true
			if decl.Type != cty.NilType {
				if conv, err := convert.Convert(v, decl.Type); err == nil {
					v = conv
				}
			}
			if decl.Defaults != nil && !v.IsNull() {
				v = decl.Defaults.Apply(v)
			}
		}
		if !ok {
			continue
		}
		if decl.Sensitive {
			v = v.Mark(marks.Sensitive)
		}
		if out == nil {
			out = map[string]cty.Value{}
		}
		out[n] = v
	}
	return out
}

// ApplyVars is the variable values to apply a saved plan with: the plan's
// (StorableVars) without the marks it keeps for display, and the
// ephemeral variables from now, the input of the run that applies.
func ApplyVars(cfg *config.Config, saved, now map[string]cty.Value) map[string]cty.Value {
	vars := make(map[string]cty.Value, len(saved))
	for n, v := range saved {
		vars[n], _ = v.UnmarkDeep()
	}
	for n := range EphemeralVars(cfg) {
		if v, ok := now[n]; ok {
			vars[n] = v
		}
	}
	return vars
}

// EphemeralVars names the root module's variables declared ephemeral.
func EphemeralVars(cfg *config.Config) map[string]bool {
	if cfg == nil || cfg.Module == nil {
		return nil
	}
	var eph map[string]bool
	for n, v := range cfg.Module.Variables {
		if v.Ephemeral {
			if eph == nil {
				eph = map[string]bool{}
			}
			eph[n] = true
		}
	}
	return eph
}
