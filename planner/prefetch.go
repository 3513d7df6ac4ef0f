package planner

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// Reading what exists (refresh) needs only the recorded object, not the
// configuration, so it need not wait for the graph walk to reach the
// resource: as soon as a provider is configured, every object it manages
// is read in the background, and a resource's plan picks up the result.
// On a chain of resources this takes one provider round trip per resource
// off the critical path. Likewise, validating a resource's configuration
// does not change its plan, so it runs beside the plan, and its problems
// are collected when the walk ends.

// refreshResult is the outcome of reading one recorded object.
type refreshResult struct {
	// claimed is set by the goroutine that does the read: a background
	// worker, or the walk when it needs the result first.
	claimed atomic.Bool
	// ctx, provider and inst are what the read needs, whoever does it.
	ctx      context.Context
	provider config.ProviderConfigAddr
	inst     *providerInstance
	done     chan struct{}
	prior    cty.Value
	fresh    cty.Value
	private  []byte
	diags    hcl.Diagnostics
	// priorIdentity is the identity the state records, identity the one
	// the read answered (see identity.go).
	priorIdentity, identity cty.Value
	// freshUnmarked is fresh without its marks, as the provider is asked
	// about it; same is whether fresh equals prior (no drift). Both
	// passes of a plan ask, and a value is unmarked and compared once.
	freshUnmarked cty.Value
	same          bool
	// marks are fresh's marks when same: the plan of an unchanged object
	// with the same marks is fresh itself.
	marks []cty.PathValueMarks
}

// prefetcher holds the background refreshes and validations of a run.
type prefetcher struct {
	// off disables background refreshes (runs that only configure
	// providers: reconciliation, import).
	off       bool
	running   sync.WaitGroup
	mu        sync.Mutex
	refreshes map[config.InstanceAddr]*refreshResult
	checks    sync.WaitGroup
	diags     hcl.Diagnostics
}

// startRefreshes decodes, and unless refresh is off reads, in the
// background, every recorded object that the provider configuration addr
// manages.
func (r *run) startRefreshes(ctx context.Context, addr config.ProviderConfigAddr, inst *providerInstance) {
	if r.prefetch.off {
		return
	}
	pf := r.prefetch
	pf.mu.Lock()
	if pf.refreshes == nil {
		pf.refreshes = map[config.InstanceAddr]*refreshResult{}
	}
	var todo []config.InstanceAddr
	for abs, rs := range r.prior.Resources {
		if rs.Provider != addr.Config() {
			continue
		}
		for key, in := range rs.Instances {
			if in.Current == nil || in.Current.ProviderKey != addr.Key {
				continue
			}
			a := abs.Instance(key)
			if _, ok := pf.refreshes[a]; ok {
				continue
			}
			pf.refreshes[a] = &refreshResult{done: make(chan struct{}), ctx: ctx, provider: addr, inst: inst}
			todo = append(todo, a)
		}
	}
	pf.mu.Unlock()
	// A few workers, not a goroutine per object: each read decodes a
	// recorded object (a deep stack) and then waits for a provider slot,
	// and ten thousand such goroutines cost more memory than the reads.
	work := make(chan config.InstanceAddr)
	workers := min(r.opts.parallelism(), len(todo))
	for range workers {
		pf.running.Add(1)
		go func() {
			defer pf.running.Done()
			for a := range work {
				r.runRefresh(ctx, addr, a, inst)
			}
		}()
	}
	go func() {
		defer close(work)
		for _, a := range todo {
			select {
			case work <- a:
			case <-ctx.Done():
				// Unclaimed reads are done by whoever asks for them.
				return
			}
		}
	}()
}

// runRefresh decodes and reads the recorded object a, unless another
// goroutine has claimed it already.
func (r *run) runRefresh(ctx context.Context, addr config.ProviderConfigAddr, a config.InstanceAddr, inst *providerInstance) {
	r.prefetch.mu.Lock()
	res := r.prefetch.refreshes[a]
	r.prefetch.mu.Unlock()
	if !res.claimed.CompareAndSwap(false, true) {
		return
	}
	defer close(res.done)
	schema, ok := inst.resourceSchema(a.Resource.Mode, a.Resource.Type)
	if !ok {
		res.diags = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unsupported resource type", Detail: "Provider " + addr.Provider.ForDisplay() + " has no resource type " + a.Resource.Type + ", which the state records for " + a.String() + "."}}
		return
	}
	obj := r.prior.ResourceInstance(a)
	val, pvm, d := r.priorDecoded(ctx, a, obj, inst, schema)
	prior := markWith(val, pvm)
	res.prior = prior
	if d.HasErrors() {
		res.diags = d
		return
	}
	priorIdentity, d := r.recordedIdentity(ctx, a, obj, inst, schema)
	res.priorIdentity, res.identity = priorIdentity, priorIdentity
	if d.HasErrors() {
		res.fresh, res.diags = cty.NilVal, d
		return
	}
	if r.opts.SkipRefresh || a.Resource.Mode == config.DataMode {
		res.fresh, res.freshUnmarked, res.private, res.same, res.marks = prior, val, obj.Private, true, pvm
		return
	}
	// Announced as Terraform announces it: "Refreshing state... [id=...]"
	// (nothing to work out when no one listens).
	announce := r.opts.Progress != nil
	if announce {
		r.progress(Event{Kind: "refresh", Addr: a.String(), Action: "Refreshing", Detail: objectID(val)})
	}
	fresh, unchanged, private, identity, d := r.readDecoded(ctx, a, val, obj.Private, priorIdentity, inst)
	res.diags, res.identity = d, identity
	if announce && !d.HasErrors() {
		r.progress(Event{Kind: "refreshed", Addr: a.String(), Action: "Refreshing", Detail: objectID(fresh)})
	}
	switch {
	case d.HasErrors():
		res.fresh, res.freshUnmarked, res.private = prior, val, obj.Private
	case unchanged || valuesEqual(val, fresh):
		// Unchanged: its marks are prior's (remark would find the same
		// paths in an equal value).
		res.fresh, res.freshUnmarked, res.private, res.same, res.marks = prior, val, private, true, pvm
	default:
		res.fresh, res.freshUnmarked, res.private = remark(fresh, schema.Block, pvm), fresh, private
	}
}

// refreshed returns the background refresh of addr, waiting for it; ok is
// false when none was started (refresh is off, or the object is new).
func (r *run) refreshed(addr config.InstanceAddr) (*refreshResult, bool) {
	r.prefetch.mu.Lock()
	res, ok := r.prefetch.refreshes[addr]
	r.prefetch.mu.Unlock()
	if !ok {
		return nil, false
	}
	// Not started yet: read it now rather than wait behind the others.
	r.runRefresh(res.ctx, res.provider, addr, res.inst)
	<-res.done
	return res, true
}

// beside runs fn beside the walk: work whose outcome no node reads (a
// resource's validation, the plan of its deposed objects). Its problems
// are collected when the walk ends.
func (r *run) beside(ctx context.Context, fn func(context.Context) hcl.Diagnostics) {
	pf := r.prefetch
	pf.checks.Add(1)
	workers.Go(func() {
		defer pf.checks.Done()
		d := fn(ctx)
		if len(d) > 0 {
			pf.mu.Lock()
			pf.diags = append(pf.diags, d...)
			pf.mu.Unlock()
		}
	})
}

// validationDiags waits for the background refreshes and the work run
// beside the walk (so none outlives the providers) and returns its
// problems.
func (r *run) validationDiags() hcl.Diagnostics {
	r.prefetch.running.Wait()
	r.prefetch.checks.Wait()
	r.prefetch.mu.Lock()
	defer r.prefetch.mu.Unlock()
	return r.prefetch.diags
}

// readResource calls ReadResource under the parallelism limit.
func (r *run) readResource(ctx context.Context, addr config.InstanceAddr, prior cty.Value, private []byte, identity cty.Value, inst *providerInstance, schema *plugin.ResourceSchema) (cty.Value, []byte, cty.Value, hcl.Diagnostics) {
	unmarked, pvm := prior.UnmarkDeepWithPaths()
	fresh, _, newPrivate, newIdentity, diags := r.readDecoded(ctx, addr, unmarked, private, identity, inst)
	if diags.HasErrors() {
		return prior, private, identity, diags
	}
	return remark(fresh, schema.Block, pvm), newPrivate, newIdentity, diags
}

// readDecoded calls ReadResource with prior without its marks, under the
// parallelism limit, and returns the answer, without marks (they do not
// cross the wire).
// The identity sent is the one known for the object; the one returned is
// the provider's answer (see nextIdentity). unchanged says the provider
// sent back the very state it was sent (plugin.ReadResponse.Unchanged).
func (r *run) readDecoded(ctx context.Context, addr config.InstanceAddr, unmarked cty.Value, private []byte, identity cty.Value, inst *providerInstance) (fresh cty.Value, unchanged bool, newPrivate []byte, newIdentity cty.Value, diags hcl.Diagnostics) {
	if err := r.acquire(ctx); err != nil {
		return cty.NilVal, false, nil, identity, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: interruptedSummary, Detail: notStarted}}
	}
	defer r.release()
	resp := inst.p.ReadResource(ctx, plugin.ReadRequest{Addr: addr.String(), TypeName: addr.Resource.Type, PriorState: unmarked, PriorIdentity: identity, Private: private})
	if resp.Diagnostics.HasErrors() {
		return cty.NilVal, false, nil, identity, toDiags(resp.Diagnostics, addr.String(), "ReadResource", r.declRange(addr))
	}
	if resp.NewState == cty.NilVal || resp.NewState.IsNull() {
		// Gone: whatever identity came with nothing names nothing.
		return resp.NewState, false, resp.Private, identity, toDiags(resp.Diagnostics, addr.String(), "", r.declRange(addr))
	}
	next, idd := nextIdentity(addr, inst, "ReadResource", identity, resp.NewIdentity)
	if idd.HasErrors() {
		return cty.NilVal, false, nil, identity, append(toDiags(resp.Diagnostics, addr.String(), "", r.declRange(addr)), idd...)
	}
	return resp.NewState, resp.Unchanged, resp.Private, next, toDiags(resp.Diagnostics, addr.String(), "", r.declRange(addr))
}
