package planner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
)

// StateRecorder records what an apply does, journaling each provider
// operation before and after it. state.Manager implements it.
type StateRecorder interface {
	State() *state.State
	Intent(ctx context.Context, in state.Intent) (string, error)
	Result(ctx context.Context, r state.Result) error
	SetObject(ctx context.Context, addr config.InstanceAddr, deposed string, provider config.ProviderConfigAddr, obj *state.Object) error
	RemoveInstance(ctx context.Context, addr config.InstanceAddr) error
	Depose(ctx context.Context, addr config.InstanceAddr) (string, error)
	Move(ctx context.Context, from, to config.InstanceAddr) error
	// MoveReplacing moves an instance to another resource type with its
	// converted object, in one record.
	MoveReplacing(ctx context.Context, from, to config.InstanceAddr, provider config.ProviderConfigAddr, obj *state.Object) error
	SetOutput(ctx context.Context, name string, o *state.Output) error
	SetPlacement(ctx context.Context, addr config.ObjectAddr, p *state.Placement) error
}

// applyRun is the apply-specific part of a run.
type applyRun struct {
	p   *plan.Plan
	rec StateRecorder
	// opCtx is the context of provider operations: cancelled only when the
	// user abandons the run, so a first interrupt lets running operations
	// finish and be recorded.
	opCtx context.Context
	// byResource groups the plan's changes by static resource node.
	byResource map[string][]*plan.ResourceChange
	mu         sync.Mutex
	deposed    map[config.InstanceAddr]string
	// failed records, per placed component, the site where an operation
	// failed and why, for the fallback.
	failed map[config.ObjectAddr]failure
}

// failure is where and why a placed component failed on apply.
type failure struct {
	site, reason string
}

// Apply carries out plan p: it creates, updates and deletes each instance
// in dependency order, independent ones in parallel, and records every
// result through rec as it happens. A failure skips only what depends on
// it. Cancelling ctx stops starting new operations; opCtx (nil means
// context.Background) is the context of running operations, cancelled only
// to abandon them.
func Apply(ctx context.Context, cfg *config.Config, p *plan.Plan, rec StateRecorder, provs Providers, opts Options, opCtx context.Context) hcl.Diagnostics {
	res := applyPlan(ctx, cfg, p, rec, provs, opts, opCtx)
	return res.diags
}

type applyResult struct {
	diags  hcl.Diagnostics
	failed map[config.ObjectAddr]failure
}

func applyPlan(ctx context.Context, cfg *config.Config, p *plan.Plan, rec StateRecorder, provs Providers, opts Options, opCtx context.Context) applyResult {
	if p == nil || p.Errored {
		return applyResult{diags: hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Plan cannot be applied", Detail: "The plan was made with errors. Fix them and plan again."}}}
	}
	cur := rec.State()
	if opts.Saved && (cur.Lineage != p.PriorLineage || cur.Serial != p.PriorSerial) {
		if !(p.PriorSerial == 0 && cur.Serial == 0 && len(cur.Resources) == 0) {
			return applyResult{diags: hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Saved plan is stale",
				Detail:   fmt.Sprintf("The plan was made from state %s serial %d, but the state is now %s serial %d: something changed it since. Run indigo plan again.", p.PriorLineage, p.PriorSerial, cur.Lineage, cur.Serial),
			}}}
		}
	}
	if opCtx == nil {
		opCtx = context.Background()
	}
	opts.Mode = p.Mode
	if p.Variables != nil {
		// The plan's values, but ephemeral variables (never in a plan)
		// from this run's input.
		opts.Vars = ApplyVars(cfg, p.Variables, opts.Vars)
	}
	opts.Now = p.Timestamp
	r := newRun(cloneTree(cfg), cur.DeepCopy(), provs, opts)
	defer r.providers.closeAll()
	ar := &applyRun{p: p, rec: rec, opCtx: opCtx, byResource: map[string][]*plan.ResourceChange{}, deposed: map[config.InstanceAddr]string{}, failed: map[config.ObjectAddr]failure{}}
	r.applying = ar
	for _, ch := range p.Changes {
		k := keyResource(ch.Addr.Module.Static(), ch.Addr.Resource)
		ar.byResource[k] = append(ar.byResource[k], ch)
	}
	var diags hcl.Diagnostics
	// Record moves first: the objects already exist at their new address.
	// An instance moves once, with its current and deposed objects.
	moved := map[config.InstanceAddr]bool{}
	for _, ch := range p.Changes {
		if ch.PrevAddr != (config.InstanceAddr{}) && ch.PrevAddr != ch.Addr && !moved[ch.Addr] && !isCrossMove(ch) {
			moved[ch.Addr] = true
			if err := rec.Move(opCtx, ch.PrevAddr, ch.Addr); err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot record a move", Detail: fmt.Sprintf("Moving %s to %s in state: %s.", ch.PrevAddr, ch.Addr, err)})
			}
		}
	}
	if diags.HasErrors() {
		return applyResult{diags: diags}
	}
	r.prior = rec.State()
	for _, ch := range p.Changes {
		if isCrossMove(ch) {
			// Its provider converted it: the object of the old type is no
			// longer an orphan of the old provider's (applyChange records
			// the move with the converted object).
			r.prior.RemoveResourceInstance(ch.PrevAddr)
		}
	}
	if p.Mode == plan.RefreshOnlyMode {
		return applyResult{diags: append(diags, r.recordRefresh(opCtx, p)...)}
	}
	r.fixed = map[config.ObjectAddr]*plan.Placement{}
	for _, pl := range p.Placements {
		r.fixed[pl.Addr] = pl
	}
	r.prev = map[config.InstanceAddr]config.InstanceAddr{}
	r.imports = newImportSet()
	r.removed, _ = r.removedBlocks() // their problems stopped the plan
	diags = append(diags, r.place(ctx)...)
	if diags.HasErrors() {
		return applyResult{diags: diags}
	}
	g, d := r.buildGraph(applyMaker{planMaker{r}})
	diags = append(diags, d...)
	if d.HasErrors() {
		return applyResult{diags: diags}
	}
	diags = append(diags, r.wireDestroyEdges(g)...)
	if ctx.Err() == nil {
		go func() {
			<-ctx.Done()
			// First interrupt: ask providers to wrap up; running
			// operations finish and are recorded.
			r.providers.stopAll(context.Background())
		}()
	}
	diags = append(diags, g.walk(ctx)...)
	// Outputs and placements are recorded even after failures: what did
	// succeed is real.
	diags = append(diags, r.recordPlacements(opCtx)...)
	diags = append(diags, r.recordOutputs(opCtx)...)
	diags = append(diags, r.forgetDataAfterDestroy(opCtx)...)
	r.inspect()
	return applyResult{diags: diags, failed: ar.failed}
}

// forgetDataAfterDestroy removes data sources from the state once a
// destroy has left no managed object, as Terraform does: what they read is
// read again by the next plan, and a destroyed configuration leaves an
// empty state.
func (r *run) forgetDataAfterDestroy(ctx context.Context) hcl.Diagnostics {
	ar := r.applying
	if ar.p.Mode != plan.DestroyMode {
		return nil
	}
	all := ar.rec.State().AllInstances()
	for _, a := range all {
		if a.Resource.Mode == config.ManagedMode {
			return nil
		}
	}
	for _, a := range all {
		if err := ar.rec.RemoveInstance(ctx, a); err != nil {
			return hcl.Diagnostics{journalDiag(a, err)}
		}
	}
	return nil
}

// applyMaker makes the nodes of the apply walk: the same values as the plan
// walk, but resource nodes carry out the plan's changes.
type applyMaker struct{ planMaker }

func (m applyMaker) resource(c *config.Config, res *config.Resource, prov config.ProviderConfigAddr) func(context.Context) hcl.Diagnostics {
	return func(ctx context.Context) hcl.Diagnostics { return m.r.applyResource(ctx, c, res, prov) }
}

func (m applyMaker) orphan(config.ModulePath, config.ResourceAddr, config.ProviderConfigAddr) func(context.Context) hcl.Diagnostics {
	return nil
}

func (m applyMaker) destroy(p config.ModulePath, res config.ResourceAddr) func(context.Context) hcl.Diagnostics {
	return func(ctx context.Context) hcl.Diagnostics { return m.r.applyDestroys(ctx, p, res) }
}

// wireDestroyEdges orders deletions: an object is deleted after the
// objects that depend on it, after the updates that stop depending on it,
// and (for a replacement) its old object before or after its new one as
// create_before_destroy says.
func (r *run) wireDestroyEdges(g *dag) hcl.Diagnostics {
	ar := r.applying
	// Which resources depend on which, from configuration and state.
	dependents := map[string][]string{}
	note := func(dependent string, on config.AbsResource) {
		k := keyResource(on.Module.Static(), on.Resource)
		dependents[k] = append(dependents[k], dependent)
	}
	for key, deps := range r.deps {
		for _, d := range deps {
			note(key, d)
		}
	}
	for key, chs := range ar.byResource {
		for _, ch := range chs {
			for _, d := range ch.Dependencies {
				note(key, d)
			}
		}
	}
	configDeps := map[string]map[string]bool{}
	for key, deps := range r.deps {
		set := map[string]bool{}
		for _, d := range deps {
			set[keyResource(d.Module.Static(), d.Resource)] = true
		}
		configDeps[key] = set
	}
	for key, chs := range ar.byResource {
		dkey := "destroy " + strings.TrimPrefix(key, "resource ")
		if _, ok := g.nodes[dkey]; !ok {
			continue
		}
		cbd, dtc := false, false
		for _, ch := range chs {
			switch {
			case ch.Action == plan.CreateThenDelete:
				cbd = true
			case ch.Action == plan.DeleteThenCreate:
				dtc = true
			case ch.Action == plan.Delete && ch.CreateBeforeDestroy:
				// The state records create_before_destroy (its own or a
				// dependent's): as in a replacement, the old object goes
				// after its dependents have their new objects.
				cbd = true
			}
		}
		if dtc {
			// One deletion node per resource: its replacements go first.
			cbd = false
			g.dependOn(key, dkey)
		}
		if cbd {
			g.dependOn(dkey, key)
			// The module is done when its new objects are: what waits
			// for it (depends_on a module) is a dependent whose new
			// object the old ones outlive.
			if close := g.nodes[keyClose(chs[0].Addr.Module.Static())]; close != nil {
				delete(close.deps, dkey)
			}
		}
		for _, dep := range dependents[key] {
			ddep := "destroy " + strings.TrimPrefix(dep, "resource ")
			g.dependOn(dkey, ddep)
			// An update that stops depending on this resource goes first;
			// so do dependents of a create_before_destroy replacement.
			if cbd || !configDeps[dep][key] {
				g.dependOn(dkey, dep)
			}
		}
	}
	return g.cycles()
}

// applyResource carries out the creates, updates, reads and the create half
// of replacements of one resource, in every instance of its module.
func (r *run) applyResource(ctx context.Context, c *config.Config, res *config.Resource, prov config.ProviderConfigAddr) hcl.Diagnostics {
	if res.Mode == config.EphemeralMode {
		return r.ephemeralResource(ctx, c, res, prov)
	}
	ar := r.applying
	chs := ar.byResource[keyResource(c.Path, res.Addr())]
	var diags hcl.Diagnostics
	inst, err := r.schemaProvider(ctx, prov)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: err.Error(), Subject: res.DeclRange.Ptr()}}
	}
	schema, ok := inst.resourceSchema(res.Mode, res.Type)
	if !ok {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unsupported resource type", Detail: fmt.Sprintf("Provider %s has no %q.", prov.Provider.ForDisplay(), res.Type), Subject: res.TypeRange.Ptr()}}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, mi := range r.store.instancesOf(c.Path) {
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
		iters := map[config.InstanceKey]eval.Iteration{}
		for i, k := range ex.keys {
			iters[k] = ex.iters[i]
		}
		for _, ch := range chs {
			if ch.Addr.Module != mi || ch.DeposedKey != "" {
				continue
			}
			it, ok := iters[ch.Addr.Key]
			if !ok {
				if ch.Action == plan.Delete || ch.Action == plan.Forget {
					continue
				}
				mu.Lock()
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Instance no longer in the configuration", Detail: fmt.Sprintf("The plan has a change for %s, but count or for_each no longer produce it. Plan again.", ch.Addr), Subject: res.DeclRange.Ptr()})
				mu.Unlock()
				continue
			}
			ch := ch
			r.spawn(&wg, func() {
				// The instance of a provider with for_each the plan chose.
				iinst, err := r.configuredProvider(ctx, ch.Provider, inst)
				if err != nil {
					mu.Lock()
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: fmt.Sprintf("%s: %s. Plan again.", ch.Addr, err), Subject: res.DeclRange.Ptr()})
					mu.Unlock()
					return
				}
				d := r.applyChange(ctx, c, res, ch, it, ex.each, iinst, schema)
				mu.Lock()
				diags = append(diags, d...)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return diags
}

// applyChange carries out one instance's planned change (not deletions).
func (r *run) applyChange(ctx context.Context, c *config.Config, res *config.Resource, ch *plan.ResourceChange, it eval.Iteration, each state.EachMode, inst *providerInstance, schema *plugin.ResourceSchema) hcl.Diagnostics {
	ar := r.applying
	addr := ch.Addr
	if isCrossMove(ch) && ch.DeposedKey == "" && ch.Action != plan.Delete && ch.Action != plan.Forget {
		// Moved to another resource type: the object converted by the
		// plan replaces the old one, in one journal record.
		moved, _ := ch.Before.UnmarkDeep()
		if !moved.IsNull() {
			private := ch.Private
			if err := ar.rec.MoveReplacing(ar.opCtx, ch.PrevAddr, addr, ch.Provider, r.stateObject(moved, private, schema, ch, nil)); err != nil {
				return hcl.Diagnostics{journalDiag(addr, err)}
			}
		}
	}
	switch ch.Action {
	case plan.Delete, plan.Forget:
		return nil
	case plan.NoOp:
		// Nothing to do, but the value is needed downstream, a data source
		// read during planning is recorded, and so is an import that needs
		// no change.
		r.store.setResource(addr, each, ch.After)
		if res.Mode == config.DataMode {
			return r.recordData(addr, ch, schema)
		}
		if ch.Importing != nil && r.prior.ResourceInstance(addr) == nil {
			obj, private, identity, d := r.importObject(ar.opCtx, addr, importTarget{id: ch.Importing.ID, identity: ch.Importing.Identity}, inst, schema)
			if d.HasErrors() {
				return d
			}
			if err := ar.rec.SetObject(ar.opCtx, addr, "", ch.Provider, withIdentity(r.stateObject(obj, private, schema, ch, nil), identity, schema)); err != nil {
				return append(d, journalDiag(addr, err))
			}
			return d
		}
		if obj := r.prior.ResourceInstance(addr); obj != nil && (obj.ProviderKey != ch.Provider.Key || obj.CreateBeforeDestroy != ch.CreateBeforeDestroy || newIdentity(obj, ch.BeforeIdentity, schema)) {
			// An object recorded before its provider had for_each, now
			// chosen by one of its instances: record which one. Or one
			// whose create_before_destroy changed (a dependent's lifecycle
			// forces it now): record it, a later deletion is ordered by it.
			// Or one whose identity the refresh filled in: record it.
			adopted := *obj
			adopted.CreateBeforeDestroy = ch.CreateBeforeDestroy
			withIdentity(&adopted, ch.BeforeIdentity, schema)
			if err := ar.rec.SetObject(ar.opCtx, addr, "", ch.Provider, &adopted); err != nil {
				return hcl.Diagnostics{journalDiag(addr, err)}
			}
		}
		return nil
	}
	sc := r.scope(addr.Module, it)
	cfgVal, diags := sc.EvalBlock(res.Config, schema.Block.DecoderSpec())
	if diags.HasErrors() {
		return diags
	}
	unmarkedCfg, cfgMarks := cfgVal.UnmarkDeepWithPaths()
	cfgMarks, ed := ephemeralUse(res, addr, schema.Block, cfgMarks)
	if diags = append(diags, ed...); ed.HasErrors() {
		return diags
	}
	if res.Mode == config.DataMode {
		val, d := r.readData(ar.opCtx, res, addr, inst, schema, unmarkedCfg)
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
		val = remark(val, schema.Block, cfgMarks)
		r.store.setResource(addr, each, val)
		ch2 := *ch
		ch2.After = val
		return append(diags, r.recordData(addr, &ch2, schema)...)
	}
	// The prior object now: after a delete-then-create, nothing.
	ty := schema.Block.ImpliedType()
	prior := cty.NullVal(ty)
	var priorPrivate []byte
	var priorIdentity cty.Value
	if ch.Action == plan.Update {
		prior, priorPrivate, priorIdentity = ch.Before, nil, ch.BeforeIdentity
		// r.prior is the state when the apply started: this instance's
		// object is changed only by this very operation. (Reading the
		// recorder's state would copy all of it, once per resource.) Its
		// private data is the provider's; its attributes are used only
		// when the plan has none. The plan's Before is what the refresh
		// found: a drift the plan repairs (a rule removed by hand) must be
		// repaired from there, not from what the state said before it.
		if obj := r.prior.ResourceInstance(addr); obj != nil {
			priorPrivate = obj.Private
			if prior == cty.NilVal || prior.IsNull() {
				if v, err := decodeAttrs(obj.AttrsJSON, ty); err == nil {
					prior = v
				}
			}
			if !knownIdentity(priorIdentity) {
				id, d := r.recordedIdentity(ar.opCtx, addr, obj, inst, schema)
				if d.HasErrors() {
					return append(diags, d...)
				}
				priorIdentity = id
			}
		}
	}
	// Before anything is recorded (a replaced object deposed): a refused
	// value leaves the state as it was.
	if d := r.validateFinal(ar.opCtx, res, addr, inst, unmarkedCfg); d.HasErrors() {
		return append(diags, d...)
	}
	// After Ctrl-C nothing new starts: a change that has not begun to touch
	// the state or the provider is left for the next run.
	if ctx.Err() != nil {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: interruptedSummary, Detail: notStarted})
	}
	if ch.Action == plan.CreateThenDelete {
		key, err := ar.rec.Depose(ar.opCtx, addr)
		if err != nil {
			return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot record the replacement", Detail: fmt.Sprintf("Deposing the old object of %s: %s.", addr, err)})
		}
		ar.mu.Lock()
		ar.deposed[addr] = key
		ar.mu.Unlock()
	}
	mr := res.Managed
	planCfg := ignoreChanges(prior, unmarkedCfg, mr.IgnoreChanges, mr.IgnoreAllChanges)
	var imported bool
	if ch.Importing != nil && prior.IsNull() {
		obj, private, identity, d := r.importObject(ar.opCtx, addr, importTarget{id: ch.Importing.ID, identity: ch.Importing.Identity}, inst, schema)
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
		prior, priorPrivate, priorIdentity, imported = obj, private, identity, true
		if err := ar.rec.SetObject(ar.opCtx, addr, "", ch.Provider, withIdentity(r.stateObject(obj, private, schema, ch, nil), identity, schema)); err != nil {
			return append(diags, journalDiag(addr, err))
		}
	}
	final, finalIdentity, _, private, pd := r.planChange(ar.opCtx, res, addr, inst, schema, prior, priorIdentity, planCfg, priorPrivate)
	diags = append(diags, pd...)
	if pd.HasErrors() {
		return diags
	}
	if bad := nonConforming(ch.After, final); bad != "" && !imported {
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Provider produced an inconsistent final plan",
			Detail:   fmt.Sprintf("When applying %s, provider %s planned %s differently from the saved plan. This is a bug in the provider; plan again to continue.", addr, inst.addr.Provider.ForDisplay(), bad),
			Subject:  res.DeclRange.Ptr(),
		})
	}
	if valuesEqual(prior, final) && !prior.IsNull() {
		r.store.setResource(addr, each, remark(final, schema.Block, cfgMarks))
		return diags
	}
	op := state.OpUpdate
	verb := "Modifying"
	if prior.IsNull() {
		op, verb = state.OpCreate, "Creating"
	}
	planned := r.stateObject(final, private, schema, ch, cfgMarks)
	id, err := ar.rec.Intent(ar.opCtx, state.Intent{ID: state.NewIntentID(), Op: op, Addr: addr, Provider: ch.Provider, Planned: planned, Started: time.Now()})
	if err != nil {
		return append(diags, intentDiag(addr, strings.ToLower(verb), err))
	}
	resp := r.applyWithProgress(ar.opCtx, addr, "", verb, inst, plugin.ApplyRequest{
		Addr: addr.String(), TypeName: res.Type, PriorState: prior, PlannedState: final, Config: planCfg, PlannedPrivate: private,
		PlannedIdentity: finalIdentity,
	})
	diags = append(diags, toDiagsIn(resp.Diagnostics, addr.String(), "ApplyResourceChange", res.DeclRange.Ptr(), res.Config)...)
	if unanswered(resp.Diagnostics) {
		r.noteFailure(ch, diags)
		return append(diags, unknownOutcomeDiag(addr, strings.ToLower(verb), inst))
	}
	newVal := resp.NewState
	var obj *state.Object
	if newVal != cty.NilVal && !newVal.IsNull() {
		identity, idd := nextIdentity(addr, inst, "ApplyResourceChange", priorIdentity, resp.NewIdentity)
		diags = append(diags, idd...)
		obj = withIdentity(r.stateObject(newVal, resp.Private, schema, ch, cfgMarks), identity, schema)
		if resp.Diagnostics.HasErrors() {
			// Something exists but the operation failed: it must be
			// replaced next time.
			obj.Status = state.Tainted
		}
	} else if op == state.OpUpdate && resp.Diagnostics.HasErrors() {
		// A failed update that returned nothing: keep the prior object.
		obj = withIdentity(r.stateObject(prior, priorPrivate, schema, ch, cfgMarks), priorIdentity, schema)
	}
	if err := ar.rec.Result(ar.opCtx, state.Result{IntentID: id, Object: obj}); err != nil {
		diags = append(diags, journalDiag(addr, err))
	}
	if resp.Diagnostics.HasErrors() {
		r.noteFailure(ch, diags)
		return diags
	}
	if newVal == cty.NilVal || newVal.IsNull() {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provider returned no object", Detail: fmt.Sprintf("Provider %s returned a null object after %s %s without an error. This is a bug in the provider.", inst.addr.Provider.ForDisplay(), strings.ToLower(verb), addr)})
	}
	after := remark(newVal, schema.Block, cfgMarks)
	r.store.setResource(addr, each, after)
	if op == state.OpCreate && hasProvisioners(res, "create") {
		pd := r.runProvisioners(ar.opCtx, res, addr, sc, after, "create")
		diags = append(diags, pd...)
		if pd.HasErrors() {
			if err := ar.rec.SetObject(ar.opCtx, addr, "", ch.Provider, taint(obj)); err != nil {
				diags = append(diags, journalDiag(addr, err))
			}
			r.noteFailure(ch, diags)
			return diags
		}
	}
	self := sc.WithIteration(sc.Iteration)
	self.Self = after
	return append(diags, checkRules(self, res.Postconditions, "Postcondition", addr.String())...)
}

// nonConforming checks that every value the saved plan knew is what the
// final plan says; it returns a description of the first difference.
func nonConforming(saved, final cty.Value) string {
	saved, _ = saved.UnmarkDeep()
	final, _ = final.UnmarkDeep()
	if saved == cty.NilVal || saved.IsNull() || !saved.IsKnown() {
		return ""
	}
	var bad string
	_ = cty.Walk(saved, func(p cty.Path, v cty.Value) (bool, error) {
		if bad != "" || !v.IsKnown() {
			return false, nil
		}
		if v.Type().IsPrimitiveType() || v.IsNull() {
			fv, err := p.Apply(final)
			if err != nil || (fv.IsKnown() && !fv.RawEquals(v)) {
				if fv.IsKnown() && !(v.IsNull() && fv.IsNull()) {
					bad = "attribute " + pathString(p)
				}
			}
			return false, nil
		}
		return true, nil
	})
	return bad
}

// applyDestroys deletes the objects of one resource that the plan deletes:
// plain deletions, the old object of a delete-then-create, and the deposed
// object of a create-then-delete.
func (r *run) applyDestroys(ctx context.Context, p config.ModulePath, res config.ResourceAddr) hcl.Diagnostics {
	ar := r.applying
	chs := ar.byResource[keyResource(p, res)]
	var diags hcl.Diagnostics
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, ch := range chs {
		ch := ch
		switch ch.Action {
		case plan.Delete, plan.DeleteThenCreate, plan.CreateThenDelete, plan.Forget:
		default:
			continue
		}
		r.spawn(&wg, func() {
			d := r.destroyOne(ctx, ch)
			mu.Lock()
			diags = append(diags, d...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return diags
}

func (r *run) destroyOne(ctx context.Context, ch *plan.ResourceChange) hcl.Diagnostics {
	ar := r.applying
	addr := ch.Addr
	if ch.Action == plan.Forget {
		var err error
		if ch.DeposedKey != "" {
			// A deposed object found gone: the instance keeps the rest.
			err = ar.rec.SetObject(ar.opCtx, addr, ch.DeposedKey, ch.Provider, nil)
		} else {
			err = ar.rec.RemoveInstance(ar.opCtx, addr)
		}
		if err != nil {
			return hcl.Diagnostics{journalDiag(addr, err)}
		}
		return nil
	}
	deposed := ch.DeposedKey
	if ch.Action == plan.CreateThenDelete {
		ar.mu.Lock()
		deposed = ar.deposed[addr]
		ar.mu.Unlock()
		if deposed == "" {
			// The new object was not created; keep the old one.
			return nil
		}
	}
	inst, err := r.configuredProvider(ctx, ch.Provider, nil)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: err.Error()}}
	}
	schema, ok := inst.resourceSchema(addr.Resource.Mode, addr.Resource.Type)
	if !ok {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unsupported resource type", Detail: fmt.Sprintf("Provider %s has no %q to destroy %s with.", ch.Provider.Provider.ForDisplay(), addr.Resource.Type, addr)}}
	}
	// The object to delete as it was when the apply started: a deposed one
	// from the plan, the old current object of a create-then-delete (deposed
	// during this apply), or the current one.
	var obj *state.Object
	switch {
	case ch.DeposedKey != "":
		obj = r.prior.DeposedObject(addr, ch.DeposedKey)
	default:
		obj = r.prior.ResourceInstance(addr)
	}
	if obj == nil {
		return nil
	}
	ty := schema.Block.ImpliedType()
	prior, err := decodeAttrs(obj.AttrsJSON, ty)
	if err != nil {
		prior, _ = ch.Before.UnmarkDeep()
	}
	var diags hcl.Diagnostics
	if c := r.cfg.Descendant(addr.Module.Static()); deposed == "" && obj.Status != state.Tainted && c != nil {
		res := c.Module.Resource(addr.Resource)
		if res == nil {
			// Gone from the configuration: a removed block's provisioners.
			res = removedResource(r.removedFor(addr), addr)
		}
		if hasProvisioners(res, "destroy") {
			self := remark(prior, schema.Block, nil)
			diags = r.runProvisioners(ar.opCtx, res, addr, r.scope(addr.Module, keyIteration(addr.Key)), self, "destroy")
			if diags.HasErrors() {
				r.noteFailure(ch, diags)
				return diags
			}
		}
	}
	id, err := ar.rec.Intent(ar.opCtx, state.Intent{ID: state.NewIntentID(), Op: state.OpDelete, Addr: addr, Deposed: deposed, Provider: ch.Provider, Started: time.Now()})
	if err != nil {
		return append(diags, intentDiag(addr, "destroying", err))
	}
	resp := r.applyWithProgress(ar.opCtx, addr, ch.DeposedKey, "Destroying", inst, plugin.ApplyRequest{
		Addr: addr.String(), TypeName: addr.Resource.Type, PriorState: prior, PlannedState: cty.NullVal(ty), Config: cty.NullVal(ty), PlannedPrivate: obj.Private,
	})
	diags = append(diags, toDiags(resp.Diagnostics, addr.String(), "ApplyResourceChange (destroy)", r.declRange(addr))...)
	if unanswered(resp.Diagnostics) {
		r.noteFailure(ch, diags)
		return append(diags, unknownOutcomeDiag(addr, "destroying", inst))
	}
	var left *state.Object
	if resp.Diagnostics.HasErrors() {
		left = obj // still there
		r.noteFailure(ch, diags)
	}
	if err := ar.rec.Result(ar.opCtx, state.Result{IntentID: id, Object: left}); err != nil {
		diags = append(diags, journalDiag(addr, err))
	}
	return diags
}

// applyWithProgress calls ApplyResourceChange under the parallelism limit,
// reporting progress every 10 seconds. deposed is the key of the deposed
// object operated on, or "" (the current object, or the old object of a
// replacement, which the user knows by the instance's address).
func (r *run) applyWithProgress(ctx context.Context, addr config.InstanceAddr, deposed, verb string, inst *providerInstance, req plugin.ApplyRequest) plugin.ApplyResponse {
	if err := r.acquire(ctx); err != nil {
		return plugin.ApplyResponse{Diagnostics: plugin.Diagnostics{{Severity: plugin.Error, Summary: "Interrupted", Detail: err.Error()}}}
	}
	defer r.release()
	start := time.Now()
	// An object that exists is named by its id as the operation starts
	// and runs, as Terraform names it: "Destroying... [id=...]".
	var priorID string
	if verb == "Modifying" || verb == "Destroying" {
		priorID = objectID(req.PriorState)
	}
	r.progress(Event{Kind: "start", Addr: addr.String(), Deposed: deposed, Action: verb, Detail: priorID})
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.progress(Event{Kind: "still", Addr: addr.String(), Deposed: deposed, Action: verb, Elapsed: time.Since(start), Detail: priorID})
			}
		}
	}()
	resp := inst.p.ApplyResourceChange(ctx, req)
	close(done)
	ev := Event{Kind: "done", Addr: addr.String(), Deposed: deposed, Action: verb, Elapsed: time.Since(start)}
	if resp.Diagnostics.HasErrors() {
		ev.Kind = "error"
	} else {
		ev.Detail = objectID(resp.NewState)
	}
	r.progress(ev)
	return resp
}

// objectID is "id=ID" for an object with a known string id that is not
// sensitive, else "".
func objectID(v cty.Value) string {
	if v == cty.NilVal || !v.IsKnown() || v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute("id") {
		return ""
	}
	id := v.GetAttr("id")
	if id.IsMarked() || !id.IsKnown() || id.IsNull() || id.Type() != cty.String {
		return ""
	}
	return "id=" + id.AsString()
}

// progressInterval is how often a long operation reports it is still
// running.
var progressInterval = 10 * time.Second

// stateObject converts a provider value into a state object.
func (r *run) stateObject(v cty.Value, private []byte, schema *plugin.ResourceSchema, ch *plan.ResourceChange, cfgMarks []cty.PathValueMarks) *state.Object {
	// Write-only values are in the configuration only: never in a state.
	v = schema.Block.NullWriteOnly(v)
	marked := remark(v, schema.Block, cfgMarks)
	unmarked, _ := v.UnmarkDeep()
	// Unknown values (a planned object) are stored as null.
	if !unmarked.IsWhollyKnown() {
		unmarked, _ = cty.Transform(unmarked, func(p cty.Path, x cty.Value) (cty.Value, error) {
			if !x.IsKnown() {
				return cty.NullVal(x.Type()), nil
			}
			return x, nil
		})
	}
	// Encode with the schema's type so dynamically-typed attributes keep
	// their type, as the protocol's state JSON does.
	raw, err := ctyjson.Marshal(unmarked, schema.Block.ImpliedType())
	if err != nil {
		raw, _ = ctyJSON(unmarked)
	}
	return &state.Object{
		SchemaVersion:       schema.Version,
		AttrsJSON:           json.RawMessage(raw),
		SensitivePaths:      sensitivePaths(marked),
		Private:             private,
		Status:              state.Ready,
		Dependencies:        ch.Dependencies,
		CreateBeforeDestroy: ch.CreateBeforeDestroy,
		Site:                ch.Site,
	}
}

// recordData stores a data source's value in state.
func (r *run) recordData(addr config.InstanceAddr, ch *plan.ResourceChange, schema *plugin.ResourceSchema) hcl.Diagnostics {
	ar := r.applying
	if ch.After == cty.NilVal || ch.After.IsNull() || !ch.After.IsWhollyKnown() {
		return nil
	}
	obj := r.stateObject(ch.After, nil, schema, ch, nil)
	if err := ar.rec.SetObject(ar.opCtx, addr, "", ch.Provider, obj); err != nil {
		return hcl.Diagnostics{journalDiag(addr, err)}
	}
	return nil
}

// unanswered reports whether an ApplyResourceChange failed as a call: the
// provider crashed, was killed, hung past its timeout or the call was
// abandoned, so nobody knows what it did. Its intent then stays in flight:
// recording a result (nothing created, the prior object kept) could leave
// an object that exists unrecorded; the next run reconciles the intent with
// the provider instead.
func unanswered(diags plugin.Diagnostics) bool {
	var ce *plugin.CallError
	return errors.As(diags.Err(), &ce)
}

func unknownOutcomeDiag(addr config.InstanceAddr, doing string, inst *providerInstance) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Outcome unknown: left in flight",
		Detail: fmt.Sprintf("Provider %s did not answer while %s %s, so indigo cannot tell what it did. The operation stays recorded as in flight in the state journal: "+
			"the next run reconciles it with the provider (reads the object, or finds it by its planned identity) before planning, so nothing it made is lost or made twice. "+
			"Run indigo apply again once the provider works.", inst.addr.Provider.ForDisplay(), doing, addr),
	}
}

// intentDiag reports an operation that was not started because its intent
// could not be made durable: a provider is never called before.
func intentDiag(addr config.InstanceAddr, doing string, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Cannot record to state: nothing done",
		Detail: fmt.Sprintf("%s was not started: its intent could not be recorded in the state journal (%s), and indigo never calls a provider before the intent is durable. "+
			"Nothing was changed for %s. Make the state storage writable again and run indigo apply.", upperFirst(doing)+" "+addr.String(), err, addr),
	}
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func journalDiag(addr config.InstanceAddr, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Cannot record to state",
		Detail:   fmt.Sprintf("Recording %s failed: %s. The operation's outcome may be missing from the state journal, but its intent is there: the next run (indigo apply, once the state storage works) reconciles it with the provider. If the state cannot be written at the end of the run either, indigo saves what it knows to a recovery file and says how to push it back.", addr, err),
	}
}

// noteFailure remembers the site where a placed component failed, and the
// first error met there.
func (r *run) noteFailure(ch *plan.ResourceChange, diags hcl.Diagnostics) {
	if ch.Site == "" {
		return
	}
	comp, ok := placedComponentOf(ch.Addr.Module)
	if !ok {
		return
	}
	reason := "creating it failed"
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			reason = "failed on apply: " + addressedSummary(d)
			if line := firstLine(d.Detail); line != "" {
				reason += ": " + line
			}
			break
		}
	}
	ar := r.applying
	ar.mu.Lock()
	if _, ok := ar.failed[comp]; !ok {
		ar.failed[comp] = failure{site: ch.Site, reason: reason}
	}
	ar.mu.Unlock()
}

// firstLine is the first line of s that is not blank.
func firstLine(s string) string {
	s = strings.TrimLeft(s, " \t\r\n")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return strings.TrimSpace(s)
}

// placedComponentOf returns the address of the deployment or storage whose
// scope mod is in.
func placedComponentOf(mod config.ModuleInstance) (config.ObjectAddr, bool) {
	steps := mod.Steps()
	var base config.ModuleInstance
	for _, s := range steps {
		if s.Kind == config.DeploymentStep {
			return config.ObjectAddr{Module: base, Kind: config.DeploymentKind, Name: s.Name}, true
		}
		if s.Kind == config.StorageStep {
			return config.ObjectAddr{Module: base, Kind: config.StorageKind, Name: s.Name}, true
		}
		base = base.Child(s.Kind, s.Name, s.Key)
	}
	return config.ObjectAddr{}, false
}

// recordPlacements stores the placements the plan decided.
func (r *run) recordPlacements(ctx context.Context) hcl.Diagnostics {
	var diags hcl.Diagnostics
	ar := r.applying
	cur := ar.rec.State()
	for _, pl := range ar.p.Placements {
		if _, failed := ar.failed[pl.Addr]; failed {
			continue
		}
		prev := cur.Placements[pl.Addr]
		if prev != nil && sameStrings(prev.Sites, pl.Sites) {
			continue
		}
		if ar.p.Mode == plan.DestroyMode {
			continue
		}
		rec := placementRecord(&placement{addr: pl.Addr, sites: pl.Sites, ranking: pl.Ranking}, r.now)
		if err := ar.rec.SetPlacement(ctx, pl.Addr, rec); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot record placement", Detail: err.Error()})
		}
	}
	// Placements of components that are gone (or destroyed) are forgotten.
	cur = ar.rec.State()
	for addr := range cur.Placements {
		keep := false
		if ar.p.Mode != plan.DestroyMode {
			for _, pl := range ar.p.Placements {
				if pl.Addr == addr {
					keep = true
				}
			}
		}
		if !keep && !r.scopeHasObjects(cur, addr) {
			_ = ar.rec.SetPlacement(ctx, addr, nil)
		}
	}
	return diags
}

// scopeHasObjects reports whether state still records objects in the scope
// of a placed component.
func (r *run) scopeHasObjects(s *state.State, addr config.ObjectAddr) bool {
	for abs := range s.Resources {
		if c, ok := placedComponentOf(abs.Module); ok && c == addr {
			return true
		}
	}
	return false
}

// recordOutputs stores the root module's outputs.
func (r *run) recordOutputs(ctx context.Context) hcl.Diagnostics {
	ar := r.applying
	var diags hcl.Diagnostics
	for name, decl := range r.cfg.Module.Outputs {
		v, ok := r.store.get(r.store.outputs, nameKey{config.RootModule, name})
		if ar.p.Mode == plan.DestroyMode {
			ok, v = false, cty.NilVal
		}
		if decl.Ephemeral {
			// Never stored (an older state may hold it: drop it).
			if ar.rec.State().Outputs[name] != nil {
				_ = ar.rec.SetOutput(ctx, name, nil)
			}
			continue
		}
		if !ok || !v.IsWhollyKnown() {
			if ar.p.Mode == plan.DestroyMode {
				_ = ar.rec.SetOutput(ctx, name, nil)
			}
			continue
		}
		if isNullOutput(v) {
			// A null output is not recorded, as Terraform does not record
			// it: `output NAME` says there is none, and a state read by
			// terraform_remote_state lacks it.
			if ar.rec.State().Outputs[name] != nil {
				_ = ar.rec.SetOutput(ctx, name, nil)
			}
			continue
		}
		o, err := encodeOutput(v, decl.Sensitive || marks.Contains(v, marks.Sensitive))
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot record output", Detail: fmt.Sprintf("output %s: %s", name, err)})
			continue
		}
		if err := ar.rec.SetOutput(ctx, name, o); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot record output", Detail: err.Error()})
		}
	}
	for name := range ar.rec.State().Outputs {
		if r.cfg.Module.Outputs[name] == nil {
			_ = ar.rec.SetOutput(ctx, name, nil)
		}
	}
	return diags
}

// importObject imports an existing object by id or identity and reads it;
// the object's identity comes back beside it.
func (r *run) importObject(ctx context.Context, addr config.InstanceAddr, target importTarget, inst *providerInstance, schema *plugin.ResourceSchema) (cty.Value, []byte, cty.Value, hcl.Diagnostics) {
	req := plugin.ImportRequest{Addr: addr.String(), TypeName: addr.Resource.Type, ID: target.id}
	if target.identity != cty.NilVal {
		req.ID, req.Identity = "", target.identity
	}
	resp := inst.p.ImportResourceState(ctx, req)
	diags := toDiags(resp.Diagnostics, addr.String(), "ImportResourceState", r.declRange(addr))
	if resp.Diagnostics.HasErrors() {
		return cty.NilVal, nil, cty.NilVal, diags
	}
	for _, im := range resp.Imported {
		if im.TypeName != addr.Resource.Type {
			continue
		}
		identity := im.Identity
		if !knownIdentity(identity) && target.identity != cty.NilVal {
			identity = target.identity
		}
		read := inst.p.ReadResource(ctx, plugin.ReadRequest{Addr: addr.String(), TypeName: im.TypeName, PriorState: im.State, PriorIdentity: identity, Private: im.Private})
		diags = append(diags, toDiags(read.Diagnostics, addr.String(), "ReadResource", r.declRange(addr))...)
		if read.Diagnostics.HasErrors() {
			return cty.NilVal, nil, cty.NilVal, diags
		}
		if read.NewState == cty.NilVal || read.NewState.IsNull() {
			return cty.NilVal, nil, cty.NilVal, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot import non-existent object", Detail: fmt.Sprintf("Provider %s found no %s with %s to import into %s.", inst.addr.Provider.ForDisplay(), addr.Resource.Type, target, addr)})
		}
		next, idd := nextIdentity(addr, inst, "ReadResource", identity, read.NewIdentity)
		if idd.HasErrors() {
			return cty.NilVal, nil, cty.NilVal, append(diags, idd...)
		}
		return read.NewState, read.Private, next, diags
	}
	return cty.NilVal, nil, cty.NilVal, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import found nothing", Detail: fmt.Sprintf("Provider %s returned no %s for %s.", inst.addr.Provider.ForDisplay(), addr.Resource.Type, target)})
}

// recordRefresh records what a refresh-only plan found: each object as it
// exists now, or its removal when it is gone, and the identities the reads
// found that the state did not record. Nothing else changes.
func (r *run) recordRefresh(ctx context.Context, p *plan.Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	rec := r.applying.rec
	type objectKey struct {
		addr    config.InstanceAddr
		deposed string
	}
	identities := map[objectKey]*plan.IdentityUpdate{}
	for _, id := range p.Identities {
		identities[objectKey{id.Addr, id.DeposedKey}] = id
	}
	priorObject := func(addr config.InstanceAddr, deposed string) *state.Object {
		if deposed != "" {
			return r.prior.DeposedObject(addr, deposed)
		}
		return r.prior.ResourceInstance(addr)
	}
	withFound := func(obj *state.Object, addr config.InstanceAddr, deposed string) {
		if id := identities[objectKey{addr, deposed}]; id != nil {
			obj.IdentityJSON, obj.IdentitySchemaVersion = id.JSON, id.Version
			delete(identities, objectKey{addr, deposed})
		}
	}
	for _, ch := range p.Drift {
		if ch.After == cty.NilVal || ch.After.IsNull() {
			var err error
			if ch.DeposedKey != "" {
				err = rec.SetObject(ctx, ch.Addr, ch.DeposedKey, ch.Provider, nil)
			} else {
				err = rec.RemoveInstance(ctx, ch.Addr)
			}
			if err != nil {
				diags = append(diags, journalDiag(ch.Addr, err))
			}
			continue
		}
		old := priorObject(ch.Addr, ch.DeposedKey)
		if old == nil {
			continue
		}
		unmarked, _ := ch.After.UnmarkDeep()
		raw, err := ctyjson.Marshal(unmarked, ch.Type)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot record a refreshed object", Detail: fmt.Sprintf("%s: %s", ch.Addr, err)})
			continue
		}
		obj := *old
		obj.AttrsJSON = json.RawMessage(raw)
		obj.SensitivePaths = sensitivePaths(ch.After)
		withFound(&obj, ch.Addr, ch.DeposedKey)
		if err := rec.SetObject(ctx, ch.Addr, ch.DeposedKey, ch.Provider, &obj); err != nil {
			diags = append(diags, journalDiag(ch.Addr, err))
		}
	}
	// The objects whose value did not change, in the plan's order.
	for _, id := range p.Identities {
		if identities[objectKey{id.Addr, id.DeposedKey}] == nil {
			continue // recorded with its drift
		}
		old := priorObject(id.Addr, id.DeposedKey)
		rs := r.prior.Resource(id.Addr.ContainingResource())
		if old == nil || rs == nil {
			continue
		}
		obj := *old
		withFound(&obj, id.Addr, id.DeposedKey)
		if err := rec.SetObject(ctx, id.Addr, id.DeposedKey, rs.Provider, &obj); err != nil {
			diags = append(diags, journalDiag(id.Addr, err))
		}
	}
	return diags
}

// validateFinal asks the provider to validate the configuration apply is
// about to carry out, as Terraform does: the plan validated it too, but
// values unknown then (another resource's id) could not be checked, and a
// value the provider refuses must stop the change before it is made. A
// configuration the plan already validated whole is answered by the
// provider answer cache, without a call; one with values that were unknown
// is asked, and its answer kept, so the next plan finds it. Only errors
// are reported: the plan showed the warnings of what it could validate.
func (r *run) validateFinal(ctx context.Context, res *config.Resource, addr config.InstanceAddr, inst *providerInstance, cfg cty.Value) hcl.Diagnostics {
	if err := r.acquire(ctx); err != nil {
		return nil // the change itself reports the interruption
	}
	vd := inst.p.ValidateResourceConfig(ctx, plugin.ValidateRequest{Addr: addr.String(), TypeName: res.Type, Config: cfg})
	r.release()
	if !vd.HasErrors() {
		return nil
	}
	var errs hcl.Diagnostics
	for _, d := range toDiagsIn(vd, addr.String(), "ValidateResourceConfig", res.DeclRange.Ptr(), res.Config) {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	return errs
}
