package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
)

// Ephemeral resources.
//
// An ephemeral "TYPE" "NAME" block is opened in every run, plan and apply
// alike, when something in the graph refers to it; its value is marked
// ephemeral (marks.Ephemeral) and lives in the run's store only: no change
// is recorded for it, so it never reaches a plan file or a state. A
// configuration that is not known yet (during plan) is not opened: its
// value is unknown, as in Terraform. An opened resource is renewed before
// the time the provider gave, and closed by a node of the graph that runs
// once everything that depends on it, directly or not, is done (and, when
// a failure skipped that node, when the run ends).
//
// Where an ephemeral value may go is checked where it arrives: write-only
// arguments, provider blocks, provisioner and connection blocks, locals,
// ephemeral variables and ephemeral outputs take it; any other resource
// argument, data source argument, output or module variable is an error at
// the expression.

// EphemeralProvider is what the planner needs of a provider that offers
// ephemeral resources. plugin.Provider implements it; a Provider that does
// not cannot be used for an ephemeral block.
type EphemeralProvider interface {
	ValidateEphemeralResourceConfig(ctx context.Context, req plugin.ValidateRequest) plugin.Diagnostics
	OpenEphemeralResource(ctx context.Context, req plugin.OpenEphemeralRequest) plugin.OpenEphemeralResponse
	RenewEphemeralResource(ctx context.Context, ref plugin.EphemeralRef) plugin.RenewEphemeralResponse
	CloseEphemeralResource(ctx context.Context, ref plugin.EphemeralRef) plugin.Diagnostics
}

// The timeout wrapper passes the ephemeral calls on under its limit.

func (t *timeoutProvider) ephemeral() (EphemeralProvider, bool) {
	ep, ok := t.Provider.(EphemeralProvider)
	return ep, ok
}

func (t *timeoutProvider) ValidateEphemeralResourceConfig(ctx context.Context, req plugin.ValidateRequest) plugin.Diagnostics {
	ep, _ := t.ephemeral()
	return t.call(ctx, "ValidateEphemeralResourceConfig", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		return ep.ValidateEphemeralResourceConfig(ctx, req)
	})
}

func (t *timeoutProvider) OpenEphemeralResource(ctx context.Context, req plugin.OpenEphemeralRequest) plugin.OpenEphemeralResponse {
	ep, _ := t.ephemeral()
	var resp plugin.OpenEphemeralResponse
	resp.Diagnostics = t.call(ctx, "OpenEphemeralResource", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		resp = ep.OpenEphemeralResource(ctx, req)
		return resp.Diagnostics
	})
	return resp
}

func (t *timeoutProvider) RenewEphemeralResource(ctx context.Context, ref plugin.EphemeralRef) plugin.RenewEphemeralResponse {
	ep, _ := t.ephemeral()
	var resp plugin.RenewEphemeralResponse
	resp.Diagnostics = t.call(ctx, "RenewEphemeralResource", ref.Addr, func(ctx context.Context) plugin.Diagnostics {
		resp = ep.RenewEphemeralResource(ctx, ref)
		return resp.Diagnostics
	})
	return resp
}

func (t *timeoutProvider) CloseEphemeralResource(ctx context.Context, ref plugin.EphemeralRef) plugin.Diagnostics {
	ep, _ := t.ephemeral()
	return t.call(ctx, "CloseEphemeralResource", ref.Addr, func(ctx context.Context) plugin.Diagnostics {
		return ep.CloseEphemeralResource(ctx, ref)
	})
}

// ephemeralProvider returns inst's provider as an EphemeralProvider.
func (inst *providerInstance) ephemeralProvider() (EphemeralProvider, bool) {
	if t, ok := inst.p.(*timeoutProvider); ok {
		if _, ok := t.ephemeral(); !ok {
			return nil, false
		}
		return t, true
	}
	ep, ok := inst.p.(EphemeralProvider)
	return ep, ok
}

func keyCloseEphemeral(p config.ModulePath, r config.ResourceAddr) string {
	return "close-ephemeral " + string(p) + "|" + r.String()
}

// ephemerals are the ephemeral resource instances a run opened.
type ephemerals struct {
	mu   sync.Mutex
	open map[config.InstanceAddr]*openEphemeral
	// needed are the ephemeral resource nodes something depends on; the
	// others are not opened.
	needed map[string]bool
	closed bool
}

// openEphemeral is one opened instance. Its renewal goroutine owns private
// until stop is closed; done is closed when that goroutine has ended.
type openEphemeral struct {
	addr     config.InstanceAddr
	typeName string
	ep       EphemeralProvider
	log      func(msg string, args ...any)

	mu      sync.Mutex
	private []byte
	stop    chan struct{}
	done    chan struct{}
}

// wireEphemeralCloses adds, for each ephemeral resource that something
// depends on, a node that closes its instances once every node depending
// on it (directly or not) is done.
func (b *graphBuilder) wireEphemeralCloses() {
	r := b.r
	if r.ephemeral == nil {
		r.ephemeral = &ephemerals{open: map[config.InstanceAddr]*openEphemeral{}}
	}
	r.ephemeral.needed = map[string]bool{}
	var keys []string
	for key, abs := range b.resourceAddrs {
		if abs.Resource.Mode == config.EphemeralMode {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return
	}
	sort.Strings(keys)
	dependents := map[string][]string{}
	for k, n := range b.g.nodes {
		for dep := range n.deps {
			dependents[dep] = append(dependents[dep], k)
		}
	}
	for _, key := range keys {
		abs := b.resourceAddrs[key]
		seen := map[string]bool{}
		queue := []string{key}
		for len(queue) > 0 {
			k := queue[0]
			queue = queue[1:]
			for _, d := range dependents[k] {
				if !seen[d] {
					seen[d] = true
					queue = append(queue, d)
				}
			}
		}
		// A module's close node depends on everything in it; that is not
		// a use of the value.
		use := false
		for k := range seen {
			if !strings.HasPrefix(k, "close ") {
				use = true
				break
			}
		}
		if !use {
			continue
		}
		r.ephemeral.needed[key] = true
		p, res := abs.Module.Static(), abs.Resource
		ckey := keyCloseEphemeral(p, res)
		b.g.add(ckey, hcl.Range{}, func(context.Context) hcl.Diagnostics {
			return r.closeEphemeralsOf(p, res)
		})
		b.g.dependOn(ckey, key)
		// A module's close node waits for everything in the module: waiting
		// for it would hold the value to the end of the walk. The nodes
		// beyond it that use the value are waited for themselves.
		for k := range seen {
			if !strings.HasPrefix(k, "close-ephemeral ") && !strings.HasPrefix(k, "close ") {
				b.g.dependOn(ckey, k)
			}
		}
	}
}

// ephemeralResource opens every instance of an ephemeral resource in every
// instance of its module.
func (r *run) ephemeralResource(ctx context.Context, c *config.Config, res *config.Resource, prov config.ProviderConfigAddr) hcl.Diagnostics {
	if r.speculative || r.ephemeral == nil {
		return nil
	}
	inst, err := r.schemaProvider(ctx, prov)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: err.Error(), Subject: res.DeclRange.Ptr()}}
	}
	schema, ok := inst.resourceSchema(res.Mode, res.Type)
	_, epOK := inst.ephemeralProvider()
	if !ok || !epOK {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unsupported ephemeral resource type",
			Detail:   fmt.Sprintf("Provider %s has no ephemeral resource type %q. Check the type name, or use a provider version that offers it.", prov.Provider.ForDisplay(), res.Type),
			Subject:  res.TypeRange.Ptr(),
		}}
	}
	resKey := keyResource(c.Path, res.Addr())
	if !r.ephemeral.needed[resKey] {
		// Nothing uses it: not opened.
		return nil
	}
	var diags hcl.Diagnostics
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, mi := range r.store.instancesOf(c.Path) {
		abs := config.AbsResource{Module: mi, Resource: res.Addr()}
		ex, d := ephemeralKeys(r.scope(mi, emptyIteration()), res.Count, res.ForEach, abs.String())
		mu.Lock()
		diags = append(diags, d...)
		mu.Unlock()
		if d.HasErrors() {
			continue
		}
		r.store.ensureResource(abs, ex.each)
		for i, key := range ex.keys {
			addr := abs.Instance(key)
			it := ex.iters[i]
			r.spawn(&wg, func() {
				// A provider configuration with for_each: the instance
				// the provider argument's key names.
				_, iinst, d := r.resourceInstanceProvider(ctx, resKey, prov, inst, addr, it)
				if !d.HasErrors() {
					if ep, ok := iinst.ephemeralProvider(); ok {
						d = r.openEphemeral(ctx, res, addr, it, ex.each, ep, schema)
					}
				}
				mu.Lock()
				diags = append(diags, d...)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return diags
}

// openEphemeral opens one instance and stores its value, marked ephemeral.
func (r *run) openEphemeral(ctx context.Context, res *config.Resource, addr config.InstanceAddr, it eval.Iteration, each state.EachMode, ep EphemeralProvider, schema *plugin.ResourceSchema) hcl.Diagnostics {
	ty := schema.Block.ImpliedType()
	sc := r.scope(addr.Module, it)
	cfgVal, diags := sc.EvalBlock(res.Config, schema.Block.DecoderSpec())
	if diags.HasErrors() {
		return diags
	}
	diags = append(diags, checkRules(sc, res.Preconditions, "Precondition", addr.String())...)
	if diags.HasErrors() {
		return diags
	}
	unmarked, cfgMarks := cfgVal.UnmarkDeepWithPaths()
	if err := r.acquire(ctx); err != nil {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: interruptedSummary, Detail: notStarted})
	}
	vd := ep.ValidateEphemeralResourceConfig(ctx, plugin.ValidateRequest{Addr: addr.String(), TypeName: res.Type, Config: unmarked})
	r.release()
	diags = append(diags, toDiagsIn(vd, addr.String(), "ValidateEphemeralResourceConfig", res.DeclRange.Ptr(), res.Config)...)
	if vd.HasErrors() {
		return diags
	}
	if !unmarked.IsWhollyKnown() {
		// Known only once the apply has made what it depends on: opened
		// then. Until then everything derived from it is unknown.
		r.store.setResource(addr, each, cty.UnknownVal(ty).Mark(marks.Ephemeral))
		return diags
	}
	if err := r.acquire(ctx); err != nil {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: interruptedSummary, Detail: notStarted})
	}
	resp := ep.OpenEphemeralResource(ctx, plugin.OpenEphemeralRequest{Addr: addr.String(), TypeName: res.Type, Config: unmarked})
	r.release()
	diags = append(diags, toDiagsIn(resp.Diagnostics, addr.String(), "OpenEphemeralResource", res.DeclRange.Ptr(), res.Config)...)
	if resp.Diagnostics.HasErrors() {
		return diags
	}
	r.log.Debug("opened ephemeral resource", "addr", addr.String())
	oe := &openEphemeral{addr: addr, typeName: res.Type, ep: ep, private: resp.Private, stop: make(chan struct{}), done: make(chan struct{}), log: r.log.Debug}
	if !r.ephemeral.add(oe) {
		// The run is over already (interrupted): close at once.
		close(oe.done)
		oe.close()
		return diags
	}
	go oe.renew(resp.RenewAt)
	val := remark(resp.Result, schema.Block, cfgMarks).Mark(marks.Ephemeral)
	r.store.setResource(addr, each, val)
	self := sc.WithIteration(sc.Iteration)
	self.Self = val
	return append(diags, checkRules(self, res.Postconditions, "Postcondition", addr.String())...)
}

// add registers an opened instance; false when the run already closed
// everything.
func (e *ephemerals) add(oe *openEphemeral) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.open[oe.addr] = oe
	return true
}

// renew calls RenewEphemeralResource before each time the provider gives,
// until the instance is closed. A failed renewal is logged: the value may
// stop working, which the operation using it will report.
func (oe *openEphemeral) renew(at time.Time) {
	defer close(oe.done)
	for !at.IsZero() {
		// Renew a little early: the provider's time is a deadline.
		wait := time.Until(at) - time.Until(at)/10
		timer := time.NewTimer(max(wait, 0))
		select {
		case <-oe.stop:
			timer.Stop()
			return
		case <-timer.C:
		}
		oe.mu.Lock()
		resp := oe.ep.RenewEphemeralResource(context.Background(), plugin.EphemeralRef{Addr: oe.addr.String(), TypeName: oe.typeName, Private: oe.private})
		if !resp.Diagnostics.HasErrors() {
			oe.private = resp.Private
		}
		oe.mu.Unlock()
		if resp.Diagnostics.HasErrors() {
			oe.log("renewing ephemeral resource failed", "addr", oe.addr.String(), "error", resp.Diagnostics.Err())
			return
		}
		at = resp.RenewAt
	}
}

// close stops the renewals and closes the instance.
func (oe *openEphemeral) close() plugin.Diagnostics {
	close(oe.stop)
	<-oe.done
	oe.log("closing ephemeral resource", "addr", oe.addr.String())
	return oe.ep.CloseEphemeralResource(context.Background(), plugin.EphemeralRef{Addr: oe.addr.String(), TypeName: oe.typeName, Private: oe.private})
}

// closeEphemeralsOf closes the open instances of one ephemeral resource.
func (r *run) closeEphemeralsOf(p config.ModulePath, res config.ResourceAddr) hcl.Diagnostics {
	e := r.ephemeral
	e.mu.Lock()
	var mine []*openEphemeral
	for addr, oe := range e.open {
		if addr.Resource == res && addr.Module.Static() == p {
			mine = append(mine, oe)
			delete(e.open, addr)
		}
	}
	e.mu.Unlock()
	var diags hcl.Diagnostics
	for _, oe := range mine {
		diags = append(diags, toDiags(oe.close(), oe.addr.String(), "CloseEphemeralResource", nil)...)
	}
	return diags
}

// closeEphemerals closes whatever is still open when the run ends; later
// opens are closed at once.
func (r *run) closeEphemerals() {
	e := r.ephemeral
	if e == nil {
		return
	}
	e.mu.Lock()
	e.closed = true
	rest := e.open
	e.open = map[config.InstanceAddr]*openEphemeral{}
	e.mu.Unlock()
	for _, oe := range rest {
		if d := oe.close(); d.HasErrors() {
			r.log.Warn("closing ephemeral resource failed", "addr", oe.addr.String(), "error", d.Err())
		}
	}
}

// ephemeralUse checks where the ephemeral parts of a resource's or data
// source's configuration went: only into write-only arguments of a managed
// resource. It returns the marks without the ephemeral ones (what is kept
// of the configuration is not ephemeral: write-only values are nulled).
func ephemeralUse(res *config.Resource, addr any, b *plugin.Block, cfgMarks []cty.PathValueMarks) ([]cty.PathValueMarks, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := cfgMarks[:0:0]
	for _, pvm := range cfgMarks {
		if _, ok := pvm.Marks[marks.Ephemeral]; !ok {
			out = append(out, pvm)
			continue
		}
		if res.Mode == config.ManagedMode && writeOnlyPath(b, pvm.Path) {
			rest := cty.ValueMarks{}
			for m := range pvm.Marks {
				if m != marks.Ephemeral {
					rest[m] = struct{}{}
				}
			}
			if len(rest) > 0 {
				out = append(out, cty.PathValueMarks{Path: pvm.Path, Marks: rest})
			}
			continue
		}
		what := "a resource argument that is not write-only"
		if res.Mode == config.DataMode {
			what = "a data source argument"
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid use of an ephemeral value",
			Detail: fmt.Sprintf("%s of %s is %s, which is recorded in the plan and the state, and its value is ephemeral (from an ephemeral resource or variable). "+
				"Use it in a write-only argument (such as indigo_file's content_wo), a provider block, a provisioner or connection block, an ephemeral output or a local, "+
				"or wrap it in ephemeralasnull() to store null instead.", argName(pvm.Path), fmt.Sprint(addr), what),
			Subject: pathRange(res.Config, pvm.Path, res.DeclRange.Ptr()),
		})
	}
	return out, diags
}

// writeOnlyPath reports whether path leads into a write-only attribute of
// b.
func writeOnlyPath(b *plugin.Block, path cty.Path) bool {
	for b != nil && len(path) > 0 {
		step, ok := path[0].(cty.GetAttrStep)
		if !ok {
			return false
		}
		path = path[1:]
		if a := b.Attributes[step.Name]; a != nil {
			return a.WriteOnly
		}
		nb := b.BlockTypes[step.Name]
		if nb == nil {
			return false
		}
		if len(path) > 0 {
			if _, ok := path[0].(cty.IndexStep); ok {
				path = path[1:]
			}
		}
		b = &nb.Block
	}
	return false
}

// argName names the argument a path leads to, for messages.
func argName(p cty.Path) string {
	if len(p) == 0 {
		return "The configuration"
	}
	return "Argument " + pathString(p)
}

// notEphemeral reports an ephemeral value arriving where it would be kept:
// an output or a module variable that is not declared ephemeral.
func notEphemeral(v cty.Value, what string, rng hcl.Range) hcl.Diagnostics {
	if !marks.Contains(v, marks.Ephemeral) {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Ephemeral value not allowed",
		Detail:   fmt.Sprintf("This value is ephemeral (it comes from an ephemeral resource or variable), but %s is not: it would be recorded. Declare it with ephemeral = true, or wrap the value in ephemeralasnull().", what),
		Subject:  rng.Ptr(),
	}}
}
