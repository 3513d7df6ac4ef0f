package planner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
)

// planMaker makes the nodes of the plan walk.
type planMaker struct{ r *run }

func (m planMaker) expand(c *config.Config) func(context.Context) hcl.Diagnostics {
	if c.Parent == nil {
		return nil
	}
	return func(context.Context) hcl.Diagnostics { return m.r.expandModule(c) }
}

func (m planMaker) variable(c *config.Config, v *config.Variable) func(context.Context) hcl.Diagnostics {
	return func(context.Context) hcl.Diagnostics { return m.r.evalVariable(c, v) }
}

func (r *run) evalVariable(c *config.Config, v *config.Variable) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, mi := range r.store.instancesOf(c.Path) {
		val, d := r.variableValue(c, mi, v)
		diags = append(diags, d...)
		r.store.set(r.store.vars, nameKey{mi, v.Name}, val)
		if !d.HasErrors() {
			diags = append(diags, r.checkValidations(mi, v)...)
		}
	}
	return diags
}

func (m planMaker) local(c *config.Config, l *config.Local) func(context.Context) hcl.Diagnostics {
	return func(context.Context) hcl.Diagnostics { return m.r.evalLocal(c, l) }
}

func (r *run) evalLocal(c *config.Config, l *config.Local) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, mi := range r.store.instancesOf(c.Path) {
		val, d := r.scope(mi, emptyIteration()).EvalExpr(l.Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
		r.store.set(r.store.locals, nameKey{mi, l.Name}, val)
	}
	return diags
}

func (m planMaker) output(c *config.Config, o *config.Output) func(context.Context) hcl.Diagnostics {
	return func(context.Context) hcl.Diagnostics { return m.r.evalOutput(c, o) }
}

func (r *run) evalOutput(c *config.Config, o *config.Output) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, mi := range r.store.instancesOf(c.Path) {
		sc := r.scope(mi, emptyIteration())
		diags = append(diags, checkRules(sc, o.Preconditions, "Precondition", "output."+o.Name)...)
		if o.Expr == nil {
			continue
		}
		val, d := sc.EvalExpr(o.Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if !o.Ephemeral {
			if ed := notEphemeral(val, "output "+o.Name, o.Expr.Range()); ed.HasErrors() {
				diags = append(diags, ed...)
				continue
			}
		}
		if o.Sensitive {
			val = val.Mark(marks.Sensitive)
		}
		r.store.set(r.store.outputs, nameKey{mi, o.Name}, val)
	}
	return diags
}

func (m planMaker) provider(addr config.ProviderConfigAddr, decl *config.ProviderConfig) func(context.Context) hcl.Diagnostics {
	return func(ctx context.Context) hcl.Diagnostics {
		diags := m.r.configureProvider(ctx, addr, decl)
		if !diags.HasErrors() && m.r.applying == nil {
			for _, a := range m.r.providerInstances(addr) {
				if inst, err := m.r.providers.get(ctx, a); err == nil {
					m.r.startRefreshes(ctx, a, inst)
				}
			}
		}
		return diags
	}
}

func (m planMaker) component(c *config.Config, comp *config.Component) func(context.Context) hcl.Diagnostics {
	return func(context.Context) hcl.Diagnostics { return m.r.evalComponent(c, comp) }
}

// evalComponent computes component.NAME: its properties and the attributes
// its realisation exposes.
func (r *run) evalComponent(c *config.Config, comp *config.Component) hcl.Diagnostics {
	var diags hcl.Diagnostics
	real := r.realisations[componentAddr(c.Path, comp.Name)]
	for _, mi := range r.store.instancesOf(c.Path) {
		sc := r.scope(mi, emptyIteration())
		attrs := map[string]cty.Value{}
		for _, name := range slices.Sorted(maps.Keys(comp.Properties)) {
			v, d := sc.EvalExpr(comp.Properties[name], cty.DynamicPseudoType)
			diags = append(diags, d...)
			attrs[name] = v
		}
		if real != nil {
			for _, name := range slices.Sorted(maps.Keys(real.Attributes)) {
				v, d := sc.EvalExpr(real.Attributes[name], cty.DynamicPseudoType)
				diags = append(diags, d...)
				attrs[name] = v
			}
			attrs["site"] = cty.StringVal(real.Site)
		}
		r.store.setObject(mi, config.ObjectRef{Kind: config.ComponentKind, Name: comp.Name}, cty.ObjectVal(attrs))
	}
	return diags
}

func (m planMaker) closeScope(c *config.Config) func(context.Context) hcl.Diagnostics {
	return func(context.Context) hcl.Diagnostics { m.r.setScopeObject(c); return nil }
}

// setScopeObject records deployment.NAME or storage.NAME for the module
// declaring it: the site(s) and the scope's outputs.
func (r *run) setScopeObject(c *config.Config) {
	if c.Parent == nil {
		return
	}
	_, step := c.Path.UnkeyedInstance().Parent()
	if step.Kind == config.ModuleStep {
		return
	}
	kind := config.DeploymentKind
	if step.Kind == config.StorageStep {
		kind = config.StorageKind
	}
	for _, mi := range r.store.instancesOf(c.Path) {
		parent, _ := mi.Parent()
		attrs := map[string]cty.Value{"name": cty.StringVal(step.Name)}
		outs := map[string]cty.Value{}
		for name := range c.Module.Outputs {
			v, ok := r.store.get(r.store.outputs, nameKey{mi, name})
			if !ok {
				v = cty.DynamicVal
			}
			outs[name] = v
		}
		attrs["outputs"] = cty.ObjectVal(outs)
		if kind == config.StorageKind {
			// Each copy's outputs are what its site's kind says of it.
			attrs["copies"] = cty.ObjectVal(outs)
		}
		var sites []cty.Value
		if pl := r.placements[placedAddr(c.Parent.Path, step)]; pl != nil {
			for _, s := range pl.sites {
				sites = append(sites, cty.StringVal(s))
			}
		}
		if len(sites) > 0 {
			attrs["site"] = sites[0]
			attrs["sites"] = cty.ListVal(sites)
		} else {
			attrs["site"] = cty.NullVal(cty.String)
			attrs["sites"] = cty.ListValEmpty(cty.String)
		}
		r.store.setObject(parent, config.ObjectRef{Kind: kind, Name: step.Name}, cty.ObjectVal(attrs))
	}
}

func (m planMaker) resource(c *config.Config, res *config.Resource, prov config.ProviderConfigAddr) func(context.Context) hcl.Diagnostics {
	return func(ctx context.Context) hcl.Diagnostics { return m.r.planResource(ctx, c, res, prov) }
}

func (m planMaker) orphan(p config.ModulePath, res config.ResourceAddr, prov config.ProviderConfigAddr) func(context.Context) hcl.Diagnostics {
	return func(ctx context.Context) hcl.Diagnostics {
		return m.r.planOrphans(ctx, p, res, prov, plan.ReasonNoResourceConfig, nil)
	}
}

func (m planMaker) destroy(config.ModulePath, config.ResourceAddr) func(context.Context) hcl.Diagnostics {
	return nil
}

// planResource plans every instance of a resource in every instance of its
// module.
func (r *run) planResource(ctx context.Context, c *config.Config, res *config.Resource, prov config.ProviderConfigAddr) hcl.Diagnostics {
	if res.Mode == config.EphemeralMode {
		return r.ephemeralResource(ctx, c, res, prov)
	}
	inst, err := r.schemaProvider(ctx, prov)
	resKey := keyResource(c.Path, res.Addr())
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: err.Error(), Subject: res.DeclRange.Ptr()}}
	}
	schema, ok := inst.resourceSchema(res.Mode, res.Type)
	if !ok {
		what := "resource type"
		if res.Mode == config.DataMode {
			what = "data source"
		}
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unsupported " + what,
			Detail:   fmt.Sprintf("Provider %s has no %s %q.", prov.Provider.ForDisplay(), what, res.Type),
			Subject:  res.TypeRange.Ptr(),
		}}
	}
	diags := r.evalDeferredImports(resKey)
	if diags.HasErrors() {
		return diags
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	live := map[config.ModuleInstance]bool{}
	for _, mi := range r.store.instancesOf(c.Path) {
		live[mi] = true
		abs := config.AbsResource{Module: mi, Resource: res.Addr()}
		ex, d := expandKeys(r.scope(mi, emptyIteration()), res.Count, res.ForEach, abs.String())
		// Instances of earlier module instances may be appending already.
		mu.Lock()
		diags = append(diags, d...)
		mu.Unlock()
		if d.HasErrors() {
			continue
		}
		r.store.ensureResource(abs, ex.each)
		want := map[config.InstanceKey]bool{}
		for i, key := range ex.keys {
			want[key] = true
			addr := abs.Instance(key)
			it := ex.iters[i]
			r.spawn(&wg, func() {
				iprov, iinst, d := r.resourceInstanceProvider(ctx, resKey, prov, inst, addr, it)
				if r.opts.Mode == plan.DestroyMode && !d.HasErrors() {
					// Destroyed by the instance that manages it.
					iprov, iinst, d = r.objectProvider(ctx, iprov, iinst, addr, r.prior.ResourceInstance(addr))
				} else if res.Mode == config.ManagedMode && !d.HasErrors() {
					d = r.checkSameInstance(res, resKey, iprov, addr, r.prior.ResourceInstance(addr))
				}
				if d.HasErrors() {
					mu.Lock()
					diags = append(diags, d...)
					mu.Unlock()
					return
				}
				if res.Mode == config.DataMode {
					d = r.planData(ctx, c, res, addr, it, ex.each, iprov, iinst, schema)
				} else {
					d = r.planManaged(ctx, c, res, addr, it, ex.each, iprov, iinst, schema)
					r.planDeposed(ctx, addr, prov, inst, schema)
				}
				mu.Lock()
				diags = append(diags, d...)
				mu.Unlock()
			})
		}
		// Instances the state has but the expansion no longer makes.
		if prior := r.prior.Resource(abs); prior != nil {
			for key := range prior.Instances {
				if want[key] {
					continue
				}
				reason := plan.ReasonCountIndex
				switch {
				case ex.each == state.EachMap && eachModeOfKey(key) == state.EachMap:
					reason = plan.ReasonEachKey
				case ex.each != eachModeOfKey(key):
					reason = plan.ReasonWrongRepetition
				}
				addr := abs.Instance(key)
				r.spawn(&wg, func() {
					iprov, iinst, d := r.objectProvider(ctx, prov, inst, addr, r.prior.ResourceInstance(addr))
					if !d.HasErrors() {
						d = r.planDelete(ctx, addr, iprov, iinst, schema, reason)
					}
					r.planDeposed(ctx, addr, prov, inst, schema)
					mu.Lock()
					diags = append(diags, d...)
					mu.Unlock()
				})
			}
		}
	}
	wg.Wait()
	// Instances of this resource in module instances that no longer exist.
	diags = append(diags, r.planOrphans(ctx, c.Path, res.Addr(), prov, plan.ReasonNoModule, live)...)
	return diags
}

func eachModeOfKey(k config.InstanceKey) state.EachMode {
	switch k.(type) {
	case config.IntKey:
		return state.EachList
	case config.StringKey:
		return state.EachMap
	}
	return state.NoEach
}

// planOrphans plans the deletion of every instance the state records for a
// resource of static path p, except in the module instances of keep.
func (r *run) planOrphans(ctx context.Context, p config.ModulePath, res config.ResourceAddr, prov config.ProviderConfigAddr, reason plan.Reason, keep map[config.ModuleInstance]bool) hcl.Diagnostics {
	var addrs []config.InstanceAddr
	for _, abs := range r.priorByStatic(p, res) {
		rs := r.prior.Resources[abs]
		if keep[abs.Module] {
			continue
		}
		for key := range rs.Instances {
			addrs = append(addrs, abs.Instance(key))
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	config.SortInstanceAddrs(addrs)
	inst, err := r.schemaProvider(ctx, prov)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: fmt.Sprintf("%s is recorded in state and must be destroyed, but its provider could not start: %s", addrs[0], err)}}
	}
	schema, ok := inst.resourceSchema(res.Mode, res.Type)
	if !ok {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unsupported resource type", Detail: fmt.Sprintf("%s is recorded in state, but provider %s no longer has resource type %q.", addrs[0], prov.Provider.ForDisplay(), res.Type)}}
	}
	if res.Mode == config.DataMode {
		// Data sources are only forgotten.
		for _, a := range addrs {
			r.recordChange(&plan.ResourceChange{Addr: a, PrevAddr: a, Provider: prov, Action: plan.Forget, Type: schema.Block.ImpliedType(), Before: cty.NullVal(schema.Block.ImpliedType()), After: cty.NullVal(schema.Block.ImpliedType())})
		}
		return nil
	}
	var diags hcl.Diagnostics
	for _, a := range addrs {
		iprov, iinst, d := r.objectProvider(ctx, prov, inst, a, r.prior.ResourceInstance(a))
		if !d.HasErrors() {
			d = r.planDelete(ctx, a, iprov, iinst, schema, reason)
		}
		diags = append(diags, d...)
		r.planDeposed(ctx, a, prov, inst, schema)
	}
	return diags
}

// priorValue decodes (and if needed upgrades) the recorded object of addr.
func (r *run) priorValue(ctx context.Context, addr config.InstanceAddr, obj *state.Object, inst *providerInstance, schema *plugin.ResourceSchema) (cty.Value, hcl.Diagnostics) {
	val, pvm, diags := r.priorDecoded(ctx, addr, obj, inst, schema)
	return markWith(val, pvm), diags
}

// priorDecoded is priorValue without its marks, and the marks.
func (r *run) priorDecoded(ctx context.Context, addr config.InstanceAddr, obj *state.Object, inst *providerInstance, schema *plugin.ResourceSchema) (cty.Value, []cty.PathValueMarks, hcl.Diagnostics) {
	ty := schema.Block.ImpliedType()
	if obj == nil {
		return cty.NullVal(ty), nil, nil
	}
	if cm := r.crossMoves[addr]; cm != nil {
		// Moved from another resource type: the provider converts it.
		resp := inst.p.MoveResourceState(ctx, plugin.MoveRequest{Addr: addr.String(), SourceProviderAddress: cm.provider.String(),
			SourceTypeName: cm.typeName, SourceSchemaVersion: obj.SchemaVersion, SourceStateJSON: obj.AttrsJSON, SourcePrivate: obj.Private,
			SourceIdentityJSON: obj.IdentityJSON, SourceIdentityVersion: obj.IdentitySchemaVersion,
			TargetTypeName: addr.Resource.Type})
		if resp.Diagnostics.HasErrors() {
			return cty.NullVal(ty), nil, append(toDiags(resp.Diagnostics, addr.String(), "MoveResourceState", nil), &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Cannot move to another resource type",
				Detail: fmt.Sprintf("A moved block moves the %s object of %s to %s, and provider %s cannot convert it (see above). Move it within its type, or remove the moved block and import the object as %s.",
					cm.typeName, cm.provider.ForDisplay(), addr, inst.addr.Provider.ForDisplay(), addr.Resource.Type), Subject: cm.decl.Ptr()})
		}
		r.mu.Lock()
		obj.Private = resp.TargetPrivate
		r.mu.Unlock()
		return resp.TargetState, remarks(resp.TargetState, schema.Block, nil), nil
	}
	var val cty.Value
	if obj.SchemaVersion != schema.Version {
		resp := inst.p.UpgradeResourceState(ctx, plugin.UpgradeRequest{Addr: addr.String(), TypeName: addr.Resource.Type, Version: obj.SchemaVersion, RawStateJSON: obj.AttrsJSON})
		if resp.Diagnostics.HasErrors() {
			return cty.NullVal(ty), nil, toDiags(resp.Diagnostics, addr.String(), "UpgradeResourceState", r.declRange(addr))
		}
		val = resp.UpgradedState
	} else {
		v, err := decodeAttrs(obj.AttrsJSON, ty)
		if err != nil {
			// A stored object that no longer fits the schema: let the
			// provider upgrade it, as Terraform does.
			resp := inst.p.UpgradeResourceState(ctx, plugin.UpgradeRequest{Addr: addr.String(), TypeName: addr.Resource.Type, Version: obj.SchemaVersion, RawStateJSON: obj.AttrsJSON})
			if resp.Diagnostics.HasErrors() {
				return cty.NullVal(ty), nil, toDiags(resp.Diagnostics, addr.String(), "UpgradeResourceState", r.declRange(addr))
			}
			v = resp.UpgradedState
		}
		val = v
	}
	var pvm []cty.PathValueMarks
	for _, p := range obj.SensitivePaths {
		pvm = append(pvm, cty.PathValueMarks{Path: p, Marks: sensitiveMarks})
	}
	return val, remarks(val, schema.Block, pvm), nil
}

// refresh reads the real state of an object, from the background refresh
// when one was started. A null result means it is gone.
func (r *run) refresh(ctx context.Context, addr config.InstanceAddr, prior cty.Value, private []byte, identity cty.Value, inst *providerInstance, schema *plugin.ResourceSchema) (cty.Value, []byte, cty.Value, hcl.Diagnostics) {
	if res, ok := r.refreshed(addr); ok && !r.opts.SkipRefresh && res.prior != cty.NilVal && valuesEqual(res.prior, prior) && res.fresh != cty.NilVal {
		return res.fresh, res.private, res.identity, res.diags
	}
	return r.readResource(ctx, addr, prior, private, identity, inst, schema)
}

// planManaged plans one instance of a managed resource.
func (r *run) planManaged(ctx context.Context, c *config.Config, res *config.Resource, addr config.InstanceAddr, it eval.Iteration, each state.EachMode, prov config.ProviderConfigAddr, inst *providerInstance, schema *plugin.ResourceSchema) hcl.Diagnostics {
	var diags hcl.Diagnostics
	ty := schema.Block.ImpliedType()
	if !r.speculative && r.opts.Mode == plan.NormalMode {
		if d := r.checkProvisioners(res, addr, it, ty); d.HasErrors() {
			return d
		}
	}
	obj := r.prior.ResourceInstance(addr)
	var prior, identity cty.Value
	pre, ok := r.refreshed(addr)
	if ok && pre.prior != cty.NilVal {
		if pre.fresh == cty.NilVal && pre.diags.HasErrors() {
			// The recorded object did not decode (or upgrade): that is
			// the error, not an object to create.
			return append(diags, pre.diags...)
		}
		// Decoded already by the background read.
		prior, identity = pre.prior, pre.priorIdentity
	} else {
		pre = nil
		var d hcl.Diagnostics
		prior, d = r.priorValue(ctx, addr, obj, inst, schema)
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
		identity, d = r.recordedIdentity(ctx, addr, obj, inst, schema)
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
	}
	var priorPrivate []byte
	if obj != nil {
		priorPrivate = obj.Private
	}
	imported := false
	var target importTarget
	if obj == nil && r.opts.Mode == plan.NormalMode && !r.speculative {
		if target = r.importFor(addr); !target.empty() {
			if d := r.checkImportProvider(addr, prov); d.HasErrors() {
				return append(diags, d...)
			}
			var d hcl.Diagnostics
			if target, d = target.checked(addr, inst, schema); d.HasErrors() {
				return append(diags, d...)
			}
			v, private, id, d := r.importObject(ctx, addr, target, inst, schema)
			diags = append(diags, d...)
			if d.HasErrors() {
				return diags
			}
			prior, priorPrivate, identity, imported = v, private, id, true
		}
	}
	// unmarkedPrior is prior without its marks, when known already.
	unmarkedPrior := cty.NilVal
	if !prior.IsNull() && !r.opts.SkipRefresh && !imported {
		var fresh, freshIdentity cty.Value
		var private []byte
		var d hcl.Diagnostics
		var same bool
		if pre != nil {
			// prior is what the background read started from: its
			// answer is the refresh (what refresh would find comparing
			// the two, value by value).
			fresh, private, freshIdentity, d = pre.fresh, pre.private, pre.identity, pre.diags
			same, unmarkedPrior = pre.same, pre.freshUnmarked
		} else {
			fresh, private, freshIdentity, d = r.refresh(ctx, addr, prior, priorPrivate, identity, inst, schema)
			same = !d.HasErrors() && valuesEqual(prior, fresh)
		}
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
		if !same {
			r.recordDrift(&plan.ResourceChange{Addr: addr, PrevAddr: r.prevAddr(addr), Provider: prov, Action: driftAction(prior, fresh), Reason: plan.ReasonRefreshDrift, Before: prior, After: fresh, Type: ty})
		}
		r.recordIdentity(addr, "", obj, fresh, freshIdentity, schema)
		prior, priorPrivate, identity = fresh, private, freshIdentity
	}
	if r.opts.Mode == plan.DestroyMode {
		if prior.IsNull() {
			return diags
		}
		return append(diags, r.recordDelete(addr, prov, prior, priorPrivate, schema, obj, plan.ReasonNone, res)...)
	}
	sc := r.scope(addr.Module, it)
	if r.opts.Mode == plan.RefreshOnlyMode {
		// As Terraform does, the configuration is not evaluated: a
		// refresh-only plan records what the refresh found, and what the
		// configuration refers to may be gone outside indigo. The
		// conditions are checked against the refreshed object, as
		// warnings.
		if !prior.IsNull() {
			r.store.setResource(addr, each, prior)
		}
		diags = append(diags, asWarnings(checkRules(sc, res.Preconditions, "Precondition", addr.String()), "")...)
		if !prior.IsNull() {
			self := sc.WithIteration(sc.Iteration)
			self.Self = prior
			diags = append(diags, asWarnings(checkRules(self, res.Postconditions, "Postcondition", addr.String()), "")...)
		}
		return diags
	}
	cfgVal, d := sc.EvalBlock(res.Config, schema.Block.DecoderSpec())
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}
	diags = append(diags, checkRules(sc, res.Preconditions, "Precondition", addr.String())...)
	if diags.HasErrors() {
		return diags
	}
	unmarkedCfg, cfgMarks := cfgVal, []cty.PathValueMarks(nil)
	if hasMarks(cfgVal) {
		unmarkedCfg, cfgMarks = cfgVal.UnmarkDeepWithPaths()
	}
	cfgMarks, ed := ephemeralUse(res, addr, schema.Block, cfgMarks)
	if diags = append(diags, ed...); ed.HasErrors() {
		return diags
	}
	// Validation does not change the plan: it runs beside it and its
	// problems are collected when the walk ends. The speculative pass
	// validates what it evaluates and keeps the answer for the real walk,
	// which reports it (once) when it evaluates the same configuration.
	validate := func(ctx context.Context) hcl.Diagnostics {
		if err := r.acquire(ctx); err != nil {
			return nil
		}
		defer r.release()
		vd := inst.p.ValidateResourceConfig(ctx, plugin.ValidateRequest{Addr: addr.String(), TypeName: res.Type, Config: unmarkedCfg})
		return toDiagsIn(vd, addr.String(), "ValidateResourceConfig", res.DeclRange.Ptr(), res.Config)
	}
	switch {
	case r.speculative:
		r.beside(ctx, func(ctx context.Context) hcl.Diagnostics {
			if ctx.Err() == nil {
				r.cache.putValidation(addr, unmarkedCfg, validate(ctx))
			}
			return nil
		})
	default:
		if vd, ok := r.cache.validated(addr, unmarkedCfg); ok {
			r.beside(ctx, func(context.Context) hcl.Diagnostics { return vd })
		} else {
			r.beside(ctx, validate)
		}
	}
	mr := res.Managed
	key := keyResource(c.Path, res.Addr())
	cbd := r.cbd[key]
	planCfg := ignoreChanges(prior, unmarkedCfg, mr.IgnoreChanges, mr.IgnoreAllChanges)
	if unmarkedPrior == cty.NilVal {
		unmarkedPrior, _ = prior.UnmarkDeep()
	}
	planned, plannedIdentity, requires, private, pd := r.planUnmarked(ctx, res, addr, inst, schema, unmarkedPrior, identity, planCfg, priorPrivate)
	diags = append(diags, pd...)
	if pd.HasErrors() {
		return diags
	}
	change := &plan.ResourceChange{
		Addr: addr, PrevAddr: r.prevAddr(addr), Provider: prov, Type: ty, SchemaVersion: schema.Version,
		Before: prior, RequiredReplace: requires, Private: private,
		BeforeIdentity: identity, AfterIdentity: plannedIdentity,
		CreateBeforeDestroy: cbd, Site: r.siteOf(c, res),
		Dependencies: r.deps[key],
	}
	switch {
	case prior.IsNull():
		change.Action = plan.Create
	case imported && valuesEqual(prior, planned):
		change.Action = plan.NoOp
	case imported:
		change.Action = plan.Update
	case obj != nil && obj.Status == state.Tainted:
		change.Action, change.Reason = plan.DeleteThenCreate, plan.ReasonTainted
	case r.replaceRequested(addr):
		change.Action, change.Reason = plan.DeleteThenCreate, plan.ReasonRequested
	case obj != nil && obj.Site != "" && change.Site != "" && obj.Site != change.Site:
		change.Action, change.Reason = plan.DeleteThenCreate, plan.ReasonPlacementMoved
	case len(requires) > 0 && !valuesEqual(prior, planned):
		change.Action, change.Reason = plan.DeleteThenCreate, plan.ReasonCannotUpdate
	case r.replaceTriggered(addr, res, sc):
		change.Action, change.Reason = plan.DeleteThenCreate, plan.ReasonReplaceTriggered
	case valuesEqual(prior, planned):
		change.Action = plan.NoOp
	default:
		change.Action = plan.Update
	}
	if change.Action.IsReplace() {
		if cbd {
			change.Action = plan.CreateThenDelete
		}
		// Plan the new object as a create.
		created, createdIdentity, _, cprivate, cd := r.planChange(ctx, res, addr, inst, schema, cty.NullVal(ty), cty.NilVal, planCfg, nil)
		diags = append(diags, cd...)
		if cd.HasErrors() {
			return diags
		}
		planned, change.Private, change.AfterIdentity = created, cprivate, createdIdentity
		if mr.PreventDestroy {
			return append(diags, preventDestroyDiag(addr, res))
		}
	}
	if imported {
		change.Importing = &plan.Importing{ID: target.id, Identity: target.identity}
		change.Before = prior
	}
	afterMarks := remarks(planned, schema.Block, cfgMarks)
	if change.Action == plan.NoOp && pre != nil && pre.same && sameMarks(afterMarks, pre.marks) {
		// Planned as refreshed, marks and all: that value, not a copy.
		change.After = pre.fresh
	} else {
		change.After = markWith(planned, afterMarks)
	}
	r.recordChange(change)
	r.store.setResource(addr, each, change.After)
	return diags
}

// planChange calls PlanResourceChange and checks the answer.
// The identity of a create is cty.NilVal; the planned identity comes back
// beside the planned value.
func (r *run) planChange(ctx context.Context, res *config.Resource, addr config.InstanceAddr, inst *providerInstance, schema *plugin.ResourceSchema, prior, identity, cfg cty.Value, private []byte) (cty.Value, cty.Value, []cty.Path, []byte, hcl.Diagnostics) {
	unmarkedPrior, _ := prior.UnmarkDeep()
	return r.planUnmarked(ctx, res, addr, inst, schema, unmarkedPrior, identity, cfg, private)
}

// planUnmarked is planChange of a prior value without marks.
func (r *run) planUnmarked(ctx context.Context, res *config.Resource, addr config.InstanceAddr, inst *providerInstance, schema *plugin.ResourceSchema, unmarkedPrior, identity, cfg cty.Value, private []byte) (cty.Value, cty.Value, []cty.Path, []byte, hcl.Diagnostics) {
	if unmarkedPrior.IsNull() {
		identity = cty.NilVal
	}
	key := cacheKey{addr: addr, create: unmarkedPrior.IsNull()}
	if !r.speculative {
		if e := r.cache.get(key, unmarkedPrior, identity, cfg, private); e != nil {
			return e.planned, e.plannedIdentity, e.requires, e.private, e.warnings
		}
	}
	proposed, isPrior := proposedNew(schema.Block, unmarkedPrior, cfg)
	if err := r.acquire(ctx); err != nil {
		return cty.NilVal, identity, nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: interruptedSummary, Detail: notStarted}}
	}
	start := time.Now()
	resp := inst.p.PlanResourceChange(ctx, plugin.PlanRequest{Addr: addr.String(), TypeName: addr.Resource.Type, PriorState: unmarkedPrior, PriorIdentity: identity, ProposedNewState: proposed, ProposedIsPrior: isPrior, Config: cfg, PriorPrivate: private})
	r.release()
	r.log.Trace("planned", "addr", addr.String(), "took", time.Since(start))
	diags := toDiagsIn(resp.Diagnostics, addr.String(), "PlanResourceChange", res.DeclRange.Ptr(), res.Config)
	if resp.Diagnostics.HasErrors() {
		return cty.NilVal, identity, nil, nil, diags
	}
	plannedIdentity, idd := nextIdentity(addr, inst, "PlanResourceChange", identity, resp.PlannedIdentity)
	if idd.HasErrors() {
		return cty.NilVal, identity, nil, nil, append(diags, idd...)
	}
	// Write-only values are in the configuration only: never in a plan.
	planned := schema.Block.NullWriteOnly(resp.PlannedState)
	if planned == cty.NilVal || planned.IsNull() {
		return cty.NilVal, identity, nil, nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Provider produced an invalid plan",
			Detail:   fmt.Sprintf("Provider %s planned a null object for %s, which is not a create, update or replace. This is a bug in the provider.", inst.addr.Provider.ForDisplay(), addr),
		})
	}
	if r.speculative && !diags.HasErrors() {
		r.cache.put(key, &cacheEntry{prior: unmarkedPrior, identity: identity, cfg: cfg, priorPrivate: private, planned: planned, plannedIdentity: plannedIdentity, requires: resp.RequiresReplace, private: resp.PlannedPrivate, warnings: diags})
	}
	return planned, plannedIdentity, resp.RequiresReplace, resp.PlannedPrivate, diags
}

func preventDestroyDiag(addr config.InstanceAddr, res *config.Resource) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Instance cannot be destroyed",
		Detail:   fmt.Sprintf("%s has lifecycle.prevent_destroy set, but the plan would destroy it. Remove prevent_destroy to allow it, or change the configuration so it is not destroyed.", addr),
		Subject:  res.DeclRange.Ptr(),
	}
}

// planDelete plans the deletion of a recorded object without configuration.
func (r *run) planDelete(ctx context.Context, addr config.InstanceAddr, prov config.ProviderConfigAddr, inst *providerInstance, schema *plugin.ResourceSchema, reason plan.Reason) hcl.Diagnostics {
	obj := r.prior.ResourceInstance(addr)
	if obj == nil {
		return nil
	}
	if rm := r.removedFor(addr); rm != nil && !rm.Destroy && r.opts.Mode != plan.RefreshOnlyMode {
		// removed { lifecycle { destroy = false } }: forgotten, not
		// destroyed (in a destroy too). The plan shows what it was.
		ty := schema.Block.ImpliedType()
		before, d := r.priorValue(ctx, addr, obj, inst, schema)
		if d.HasErrors() {
			before = cty.NullVal(ty)
		}
		r.planForget(addr, prov, ty, before)
		return nil
	}
	prior, diags := r.priorValue(ctx, addr, obj, inst, schema)
	if diags.HasErrors() {
		return diags
	}
	private := obj.Private
	identity, d := r.recordedIdentity(ctx, addr, obj, inst, schema)
	if diags = append(diags, d...); d.HasErrors() {
		return diags
	}
	if !r.opts.SkipRefresh {
		fresh, p, freshIdentity, d := r.refresh(ctx, addr, prior, private, identity, inst, schema)
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
		r.recordIdentity(addr, "", obj, fresh, freshIdentity, schema)
		if fresh.IsNull() {
			// Already gone: the apply only forgets it (a refresh-only
			// apply, from the drift).
			ty := schema.Block.ImpliedType()
			r.recordDrift(&plan.ResourceChange{Addr: addr, PrevAddr: addr, Provider: prov, Action: plan.Delete, Reason: plan.ReasonRefreshDrift, Before: prior, After: cty.NullVal(ty), Type: ty})
			r.recordChange(&plan.ResourceChange{Addr: addr, PrevAddr: addr, Provider: prov, Action: plan.Forget, Reason: plan.ReasonRefreshDrift, Type: ty, Before: cty.NullVal(ty), After: cty.NullVal(ty)})
			return diags
		}
		prior, private = fresh, p
	}
	if r.opts.Mode == plan.RefreshOnlyMode {
		return diags
	}
	return append(diags, r.recordDelete(addr, prov, prior, private, schema, obj, reason, nil)...)
}

// planDeposed plans the deletion of the deposed objects of addr: the old
// objects of create_before_destroy replacements whose deletion failed or
// was interrupted. Each is read first, unless refresh is off, with the
// provider instance that manages it: one that no longer exists is only
// forgotten. A refresh-only plan records what the reads found and deletes
// nothing. Nothing in the configuration can refer to a deposed object, so
// this runs beside the walk, off the path of the resource's dependents.
func (r *run) planDeposed(ctx context.Context, addr config.InstanceAddr, prov config.ProviderConfigAddr, inst *providerInstance, schema *plugin.ResourceSchema) {
	in := r.prior.Instance(addr)
	if in == nil || len(in.Deposed) == 0 || addr.Resource.Mode != config.ManagedMode {
		return
	}
	if rm := r.removedFor(addr); rm != nil && !rm.Destroy {
		return // the whole instance is forgotten
	}
	if r.speculative || r.prefetch.off {
		// Not a plan: a guess at one, or a run that only needs
		// providers (import, reconciliation).
		return
	}
	r.beside(ctx, func(ctx context.Context) hcl.Diagnostics {
		return r.planDeposedObjects(ctx, addr, in, prov, inst, schema)
	})
}

// planDeposedObjects is planDeposed's work, on the deposed objects of in,
// the instance at addr.
func (r *run) planDeposedObjects(ctx context.Context, addr config.InstanceAddr, in *state.Instance, prov config.ProviderConfigAddr, inst *providerInstance, schema *plugin.ResourceSchema) hcl.Diagnostics {
	var diags hcl.Diagnostics
	ty := schema.Block.ImpliedType()
	for _, key := range slices.Sorted(maps.Keys(in.Deposed)) {
		obj := in.Deposed[key]
		dprov, dinst, d := r.objectProvider(ctx, prov, inst, addr, obj)
		if diags = append(diags, d...); d.HasErrors() {
			continue
		}
		prior, d := r.priorValue(ctx, addr, obj, dinst, schema)
		if diags = append(diags, d...); d.HasErrors() {
			continue
		}
		private := obj.Private
		if !r.opts.SkipRefresh {
			identity, d := r.recordedIdentity(ctx, addr, obj, dinst, schema)
			if diags = append(diags, d...); d.HasErrors() {
				continue
			}
			fresh, p, freshIdentity, d := r.readResource(ctx, addr, prior, private, identity, dinst, schema)
			if diags = append(diags, d...); d.HasErrors() {
				continue
			}
			r.recordIdentity(addr, key, obj, fresh, freshIdentity, schema)
			if !valuesEqual(prior, fresh) {
				r.recordDrift(&plan.ResourceChange{Addr: addr, PrevAddr: r.prevAddr(addr), DeposedKey: key, Provider: dprov, Action: driftAction(prior, fresh), Reason: plan.ReasonRefreshDrift, Type: ty, SchemaVersion: schema.Version, Before: prior, After: fresh})
			}
			if fresh.IsNull() {
				// Gone already: the apply only drops it from the state.
				if r.opts.Mode != plan.RefreshOnlyMode {
					r.recordChange(&plan.ResourceChange{Addr: addr, PrevAddr: r.prevAddr(addr), DeposedKey: key, Provider: dprov, Action: plan.Forget, Reason: plan.ReasonRefreshDrift, Type: ty, SchemaVersion: schema.Version, Before: cty.NullVal(ty), After: cty.NullVal(ty)})
				}
				continue
			}
			prior, private = fresh, p
		}
		if r.opts.Mode == plan.RefreshOnlyMode {
			continue
		}
		// Ordered as an orphan is: with create_before_destroy in force
		// (recorded, or in the configuration, as it is when the resource
		// is replaced create-first) it goes after its dependents change
		// and after the instance's new object is made.
		r.recordChange(&plan.ResourceChange{
			Addr: addr, PrevAddr: r.prevAddr(addr), DeposedKey: key, Provider: dprov, Action: plan.Delete,
			Type: ty, SchemaVersion: schema.Version, Before: prior, After: cty.NullVal(ty), Private: private,
			Dependencies: obj.Dependencies, Site: obj.Site,
			CreateBeforeDestroy: obj.CreateBeforeDestroy || r.cbd[keyResource(addr.Module.Static(), addr.Resource)],
		})
	}
	return diags
}

func (r *run) recordDelete(addr config.InstanceAddr, prov config.ProviderConfigAddr, prior cty.Value, private []byte, schema *plugin.ResourceSchema, obj *state.Object, reason plan.Reason, res *config.Resource) hcl.Diagnostics {
	if res != nil && res.Managed != nil && res.Managed.PreventDestroy {
		return hcl.Diagnostics{preventDestroyDiag(addr, res)}
	}
	ty := schema.Block.ImpliedType()
	ch := &plan.ResourceChange{Addr: addr, PrevAddr: r.prevAddr(addr), Provider: prov, Action: plan.Delete, Reason: reason, Type: ty, SchemaVersion: schema.Version, Before: prior, After: cty.NullVal(ty), Private: private}
	if obj != nil {
		ch.Dependencies = obj.Dependencies
		ch.Site = obj.Site
		// The state's setting, or a dependent's in the configuration
		// (which may be new): the deletion waits for the dependents'
		// changes.
		ch.CreateBeforeDestroy = obj.CreateBeforeDestroy || r.cbd[keyResource(addr.Module.Static(), addr.Resource)]
	}
	r.recordChange(ch)
	return nil
}

func driftAction(before, after cty.Value) plan.Action {
	if after.IsNull() {
		return plan.Delete
	}
	return plan.Update
}

func (r *run) recordChange(ch *plan.ResourceChange) {
	if ch.Before != cty.NilVal && !ch.Before.IsNull() {
		ch.PriorDependencies = r.priorDependencies(ch)
	}
	r.mu.Lock()
	r.changes = append(r.changes, ch)
	r.mu.Unlock()
}

// priorDependencies are the dependencies the prior state records of the
// object a change starts from.
func (r *run) priorDependencies(ch *plan.ResourceChange) []config.AbsResource {
	for _, addr := range []config.InstanceAddr{ch.Addr, ch.PrevAddr} {
		var obj *state.Object
		if ch.DeposedKey != "" {
			obj = r.prior.DeposedObject(addr, ch.DeposedKey)
		} else {
			obj = r.prior.ResourceInstance(addr)
		}
		if obj != nil {
			return obj.Dependencies
		}
	}
	return nil
}

// recordIdentity notes, in a refresh-only plan, the identity a read found
// for the recorded object obj (deposed under deposed, or current) when obj
// does not record it: applying the plan records it, as a normal apply
// records the identity of an object it leaves unchanged.
func (r *run) recordIdentity(addr config.InstanceAddr, deposed string, obj *state.Object, fresh, identity cty.Value, schema *plugin.ResourceSchema) {
	if r.opts.Mode != plan.RefreshOnlyMode || obj == nil || fresh.IsNull() || !knownIdentity(identity) || !newIdentity(obj, identity, schema) {
		return
	}
	b, err := identityJSON(identity)
	if err != nil || b == nil {
		return
	}
	r.mu.Lock()
	r.identities = append(r.identities, &plan.IdentityUpdate{Addr: addr, DeposedKey: deposed, JSON: b, Version: schema.Identity.Version})
	r.mu.Unlock()
}

func (r *run) recordDrift(ch *plan.ResourceChange) {
	r.mu.Lock()
	r.drift = append(r.drift, ch)
	r.mu.Unlock()
}

// changeOf returns the planned change of an instance, or nil.
func (r *run) changeOf(addr config.InstanceAddr) *plan.ResourceChange {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range r.changes {
		if ch.Addr == addr && ch.DeposedKey == "" {
			return ch
		}
	}
	return nil
}

func (r *run) replaceRequested(addr config.InstanceAddr) bool {
	for _, a := range r.opts.Replace {
		if a == addr {
			return true
		}
	}
	return false
}

// replaceTriggered reports whether a resource named in replace_triggered_by
// is planned to change.
func (r *run) replaceTriggered(addr config.InstanceAddr, res *config.Resource, sc *eval.Scope) bool {
	if res.Managed == nil {
		return false
	}
	for _, e := range res.Managed.ReplaceTriggeredBy {
		for _, t := range e.Variables() {
			ref, d := config.ParseRef(t)
			if d.HasErrors() || ref == nil {
				continue
			}
			rr, ok := ref.Subject.(config.ResourceRef)
			if !ok {
				continue
			}
			r.mu.Lock()
			for _, ch := range r.changes {
				if ch.DeposedKey == "" && ch.Addr.Module == addr.Module && ch.Addr.Resource == rr.Resource && (!rr.Keyed || ch.Addr.Key == rr.Key || rr.Key == nil) {
					if ch.Action != plan.NoOp && ch.Action != plan.Read {
						r.mu.Unlock()
						return true
					}
				}
			}
			r.mu.Unlock()
		}
	}
	return false
}

// siteOf returns the site a resource of c is placed on, or "".
func (r *run) siteOf(c *config.Config, res *config.Resource) string {
	for cur := c; cur.Parent != nil; cur = cur.Parent {
		_, step := cur.Path.UnkeyedInstance().Parent()
		if step.Kind == config.ModuleStep {
			return ""
		}
		if own := r.componentPlacement(cur.Path, res); own != nil {
			return own.site()
		}
		if pl := r.placements[placedAddr(cur.Parent.Path, step)]; pl != nil {
			if step.Kind == config.StorageStep && res.ProviderRef != nil {
				// A storage copy: the site whose provider it uses.
				for _, s := range pl.sites {
					if site := cur.Parent.Module.Sites[s]; site != nil && site.Provider == *res.ProviderRef {
						return s
					}
				}
			}
			return pl.site()
		}
	}
	return ""
}

// planData plans a data source: read now when its configuration is known,
// else at apply.
func (r *run) planData(ctx context.Context, c *config.Config, res *config.Resource, addr config.InstanceAddr, it eval.Iteration, each state.EachMode, prov config.ProviderConfigAddr, inst *providerInstance, schema *plugin.ResourceSchema) hcl.Diagnostics {
	ty := schema.Block.ImpliedType()
	if r.opts.Mode == plan.DestroyMode || r.speculative {
		return nil
	}
	sc := r.scope(addr.Module, it)
	cfgVal, diags := sc.EvalBlock(res.Config, schema.Block.DecoderSpec())
	if diags.HasErrors() {
		return diags
	}
	diags = append(diags, checkRules(sc, res.Preconditions, "Precondition", addr.String())...)
	unmarked, cfgMarks := cfgVal.UnmarkDeepWithPaths()
	cfgMarks, ed := ephemeralUse(res, addr, schema.Block, cfgMarks)
	if diags = append(diags, ed...); ed.HasErrors() {
		return diags
	}
	if err := r.acquire(ctx); err != nil {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: interruptedSummary, Detail: notStarted})
	}
	vd := inst.p.ValidateDataResourceConfig(ctx, plugin.ValidateRequest{Addr: addr.String(), TypeName: res.Type, Config: unmarked})
	r.release()
	diags = append(diags, toDiagsIn(vd, addr.String(), "ValidateDataResourceConfig", res.DeclRange.Ptr(), res.Config)...)
	if vd.HasErrors() {
		return diags
	}
	pending := r.dependsOnPending(c, res)
	if !unmarked.IsWhollyKnown() || pending {
		reason := plan.ReasonReadConfigUnknown
		if pending {
			reason = plan.ReasonReadDependency
		}
		after := cty.UnknownVal(ty)
		r.recordChange(&plan.ResourceChange{Addr: addr, PrevAddr: addr, Provider: prov, Action: plan.Read, Reason: reason, Type: ty, SchemaVersion: schema.Version, Before: cty.NullVal(ty), After: after, Dependencies: r.deps[keyResource(c.Path, res.Addr())]})
		r.store.setResource(addr, each, after)
		return diags
	}
	val, d := r.readData(ctx, res, addr, inst, schema, unmarked)
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}
	val = remark(val, schema.Block, cfgMarks)
	r.recordChange(&plan.ResourceChange{Addr: addr, PrevAddr: addr, Provider: prov, Action: plan.NoOp, Type: ty, SchemaVersion: schema.Version, Before: val, After: val, Dependencies: r.deps[keyResource(c.Path, res.Addr())]})
	r.store.setResource(addr, each, val)
	self := sc.WithIteration(sc.Iteration)
	self.Self = val
	return append(diags, checkRules(self, res.Postconditions, "Postcondition", addr.String())...)
}

func (r *run) readData(ctx context.Context, res *config.Resource, addr config.InstanceAddr, inst *providerInstance, schema *plugin.ResourceSchema, cfg cty.Value) (cty.Value, hcl.Diagnostics) {
	if err := r.acquire(ctx); err != nil {
		return cty.NilVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: interruptedSummary, Detail: notStarted}}
	}
	defer r.release()
	start := time.Now()
	r.progress(Event{Kind: "start", Addr: addr.String(), Action: "Reading"})
	resp := inst.p.ReadDataSource(ctx, plugin.ReadDataRequest{Addr: addr.String(), TypeName: addr.Resource.Type, Config: cfg})
	diags := toDiagsIn(resp.Diagnostics, addr.String(), "ReadDataSource", res.DeclRange.Ptr(), res.Config)
	if resp.Diagnostics.HasErrors() {
		r.progress(Event{Kind: "error", Addr: addr.String(), Action: "Reading", Elapsed: time.Since(start)})
		return cty.NilVal, diags
	}
	r.progress(Event{Kind: "done", Addr: addr.String(), Action: "Reading", Elapsed: time.Since(start), Detail: objectID(resp.State)})
	return resp.State, diags
}

// dependsOnPending reports whether a data source depends (through
// depends_on or references) on a managed resource with a pending change:
// then it is read during apply, after that change.
func (r *run) dependsOnPending(c *config.Config, res *config.Resource) bool {
	deps := r.deps[keyResource(c.Path, res.Addr())]
	if len(deps) == 0 {
		return false
	}
	set := map[config.AbsResource]bool{}
	for _, d := range deps {
		set[config.AbsResource{Module: d.Module, Resource: d.Resource}] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range r.changes {
		if ch.Addr.Resource.Mode != config.ManagedMode || ch.Action == plan.NoOp || ch.DeposedKey != "" {
			continue
		}
		static := config.AbsResource{Module: ch.Addr.Module.Static().UnkeyedInstance(), Resource: ch.Addr.Resource}
		if set[static] {
			return true
		}
	}
	return false
}

// sortChanges orders changes by address, deposed objects after current.
func sortChanges(chs []*plan.ResourceChange) {
	sort.SliceStable(chs, func(i, j int) bool {
		a, b := chs[i], chs[j]
		if a.Addr != b.Addr {
			return a.Addr.Less(b.Addr)
		}
		return a.DeposedKey < b.DeposedKey
	})
}
