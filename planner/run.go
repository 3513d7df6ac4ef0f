package planner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/funcs"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
)

// Options tune a plan.
type Options struct {
	// Mode is a normal, destroy or refresh-only plan.
	Mode plan.Mode
	// Vars are root module variable values (from -var, -var-file, auto
	// files and the environment), by name; VarRanges locate them.
	Vars      map[string]cty.Value
	VarRanges map[string]hcl.Range
	// Targets limits the plan to these resources or modules and what they
	// depend on (-target), written as addresses.
	Targets []string
	// Excludes leaves these resources or modules, and what depends on
	// them, out of the plan (-exclude); a destroy also keeps what they
	// depend on.
	Excludes []string
	// Replace forces these instances to be replaced (-replace).
	Replace []config.InstanceAddr
	// SkipRefresh skips reading the real state of each object (-refresh=false).
	SkipRefresh bool
	// Parallelism bounds the provider operations running at once (default 10).
	Parallelism int
	// Workspace is the value of terraform.workspace ("default").
	Workspace string
	// Replan lets placed components move when a better site is available;
	// without it a component stays where it is unless its site can no
	// longer take it.
	Replan bool
	// LeaveProviders are provider configurations whose recorded objects
	// the run leaves alone: a destroy from the state alone whose
	// provider cannot be configured (PlanDestroyFromState).
	LeaveProviders map[config.ProviderConfigAddr]bool
	// ExcludeSites lists, by component address, the sites a component must
	// not be placed on, each with the reason (apply's fallback after a
	// failure there).
	ExcludeSites map[config.ObjectAddr]map[string]string
	// Now is the time the plan is made; zero means time.Now().
	Now time.Time
	// Metrics reads site metrics; nil means the default fetcher.
	Metrics MetricsReader
	// Logger receives debug logs; nil means silent.
	Logger hclog.Logger
	// Progress, when set, is told about long operations.
	Progress func(Event)
	// Inspect, when set, is called when a plan's walk or an apply's is
	// done, with what the root module's expressions read (its variables,
	// locals, resources, data sources and module calls, as the walk
	// computed them) and its outputs: indigo test evaluates its assertions
	// with them.
	Inspect func(d eval.Data, outputs map[string]cty.Value)
	// Saved marks an apply of a plan saved earlier (indigo apply FILE):
	// it is refused when the state changed since the plan was made. A plan
	// made in the same run, with the state's lock held all along, needs no
	// such check (and the state's own periodic snapshots would trip it).
	Saved bool
	// ProviderTimeout bounds each provider call: one that takes longer is
	// cancelled and reported, naming the provider, the operation and the
	// resource. Zero means DefaultProviderTimeout; below zero, no limit.
	ProviderTimeout time.Duration
}

// Event reports progress of a walk to the user interface.
type Event struct {
	// Kind is "start", "done", "error" or "still" (a long operation still
	// running); "refresh" and "refreshed" as a plan reads a recorded
	// object (Detail its "id=ID"); for a provisioner (Action is its type) "provision_start",
	// "provision_progress" (Detail is a line of output),
	// "provision_complete" or "provision_errored".
	Kind string
	// Addr is the instance or object concerned.
	Addr string
	// Deposed is the key of the deposed object of Addr concerned, or ""
	// for its current object.
	Deposed string
	// Action says what is being done ("Creating", "Reading", ...).
	Action string
	// Elapsed is the time spent so far.
	Elapsed time.Duration
	// Detail adds context: "id=ID" of the object being changed or
	// destroyed (start, still) or of the one made (done), an error.
	Detail string
}

func (o *Options) parallelism() int {
	if o.Parallelism <= 0 {
		return 10
	}
	return o.Parallelism
}

func (o *Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// run holds everything one plan or apply shares.
type run struct {
	cfg   *config.Config
	prior *state.State
	opts  Options
	log   hclog.Logger
	now   time.Time

	provs     Providers
	providers *providerSet
	funcs     map[string]function.Function
	// modFuncs are the functions of the modules that call
	// provider-defined functions, by module path (provider_funcs.go),
	// made on first use (modFuncsOnce): they start the providers whose
	// functions are called, to read their declarations.
	modFuncs     map[config.ModulePath]map[string]function.Function
	modFuncsOnce sync.Once
	// sem bounds concurrent provider operations.
	sem chan struct{}
	// work bounds the instance goroutines at work at once (spawn).
	work chan struct{}

	store *store

	// placements are the placement decisions, by component address.
	placements map[config.ObjectAddr]*placement

	mu      sync.Mutex
	changes []*plan.ResourceChange
	drift   []*plan.ResourceChange
	// identities are the identities a refresh-only plan's reads found
	// that the state does not record (recordIdentity).
	identities []*plan.IdentityUpdate
	notes      []plan.Note
	// applying is set for the apply walk.
	applying *applyRun

	// prev maps instances moved by moved blocks to their previous address.
	prev map[config.InstanceAddr]config.InstanceAddr
	// removed are the configuration's removed blocks (removed.go).
	removed []eval.RemovedTarget
	// crossMoves are the instances a moved block gave another resource
	// type, by their new address (moves.go).
	crossMoves map[config.InstanceAddr]*crossMove
	// imports is what the import blocks import (plan only).
	imports *importSet
	// deps are, by resource node key, the resources each resource depends
	// on.
	deps map[string][]config.AbsResource
	// cbd holds, by resource node key, the resources replaced
	// create-before-destroy: set in their lifecycle or forced by a
	// dependent's (see effectiveCBD).
	cbd map[string]bool
	// realisations say how each component was realised, by its address.
	realisations realisations
	// fixed, during an apply, holds the plan's placements, which the apply
	// keeps rather than ranking again.
	fixed map[config.ObjectAddr]*plan.Placement
	// prefetch holds background refreshes and validations, shared with the
	// speculative pass.
	prefetch *prefetcher
	// cache holds the speculative pass's plans, by instance.
	cache *planCache
	// speculative is set for the speculative pass (see speculate.go).
	speculative bool
	// ephemeral holds the ephemeral resources the run opened.
	ephemeral *ephemerals

	byStaticOnce sync.Once
	byStatic     map[staticResource][]config.AbsResource
}

// staticResource is a resource of the configuration tree, before module
// expansion.
type staticResource struct {
	path config.ModulePath
	res  config.ResourceAddr
}

// priorByStatic returns the recorded resources of static path p and
// resource res, in every module instance, from an index built once (a scan
// of the state per resource would make planning quadratic).
func (r *run) priorByStatic(p config.ModulePath, res config.ResourceAddr) []config.AbsResource {
	r.byStaticOnce.Do(func() {
		r.byStatic = map[staticResource][]config.AbsResource{}
		for abs := range r.prior.Resources {
			k := staticResource{abs.Module.Static(), abs.Resource}
			r.byStatic[k] = append(r.byStatic[k], abs)
		}
	})
	return r.byStatic[staticResource{p, res}]
}

func newRun(cfg *config.Config, prior *state.State, provs Providers, opts Options) *run {
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	now := opts.now()
	if prior == nil {
		prior = state.New()
	}
	r := &run{
		cfg:          cfg,
		prior:        prior,
		opts:         opts,
		log:          log,
		now:          now,
		provs:        provs,
		funcs:        funcs.Table(funcs.Options{BaseDir: cfg.Module.SourceDir, PureOnly: true, PlanTimestamp: now}),
		sem:          make(chan struct{}, opts.parallelism()),
		work:         make(chan struct{}, opts.workers()),
		store:        newStore(),
		placements:   map[config.ObjectAddr]*placement{},
		prev:         map[config.InstanceAddr]config.InstanceAddr{},
		imports:      newImportSet(),
		realisations: realisations{},
		prefetch:     &prefetcher{},
		cache:        &planCache{entries: map[cacheKey]*cacheEntry{}},
	}
	r.providers = newProviderSet(r)
	return r
}

// workers is how many nodes of a walk, and how many instances of the
// resources being walked, are worked on at once: enough to keep every
// provider slot busy and every CPU too.
func (o *Options) workers() int {
	return o.parallelism() + runtime.GOMAXPROCS(0)
}

// spawn runs fn in a goroutine counted by wg once one of the run's work
// slots is free. fn must not spawn (it would wait for a slot it holds).
func (r *run) spawn(wg *sync.WaitGroup, fn func()) {
	r.work <- struct{}{}
	wg.Add(1)
	workers.Go(func() {
		defer wg.Done()
		defer func() { <-r.work }()
		fn()
	})
}

// acquire takes a provider-operation slot; release gives it back.
func (r *run) acquire(ctx context.Context) error {
	select {
	case r.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *run) release() { <-r.sem }

func (r *run) progress(e Event) {
	if r.opts.Progress != nil {
		r.opts.Progress(e)
	}
}

func planNote(subject, summary string) plan.Note {
	return plan.Note{Subject: subject, Summary: summary}
}

func (r *run) addNote(n plan.Note) {
	r.mu.Lock()
	r.notes = append(r.notes, n)
	r.mu.Unlock()
}

// scope returns an evaluation scope for module instance mod.
func (r *run) scope(mod config.ModuleInstance, it eval.Iteration) *eval.Scope {
	return &eval.Scope{Data: &walkData{r: r}, Module: mod, Functions: r.functionsOf(mod), Iteration: it}
}

// inspect calls Options.Inspect with the root module's values.
func (r *run) inspect() {
	if r.opts.Inspect == nil {
		return
	}
	outs := map[string]cty.Value{}
	r.store.mu.RLock()
	for k, v := range r.store.outputs {
		if k.mod == config.RootModule {
			outs[k.name] = v
		}
	}
	r.store.mu.RUnlock()
	r.opts.Inspect(&walkData{r: r}, outs)
}

// nameKey identifies a named value in one module instance.
type nameKey struct {
	mod  config.ModuleInstance
	name string
}

// store holds the values the walk computed, for the expressions evaluated
// after them. Graph edges guarantee a value is stored before it is read.
type store struct {
	mu sync.RWMutex
	// instances are the expanded instances of each static module path.
	instances map[config.ModulePath][]config.ModuleInstance
	// iterations are the count/for_each values of each module call
	// instance, for evaluating its arguments.
	iterations map[config.ModuleInstance]eval.Iteration
	vars       map[nameKey]cty.Value
	locals     map[nameKey]cty.Value
	outputs    map[nameKey]cty.Value
	resources  map[config.AbsResource]*resourceValues
	objects    map[objectKey]cty.Value
}

type objectKey struct {
	mod config.ModuleInstance
	ref config.ObjectRef
}

// resourceValues are the instance values of one resource in one module
// instance.
type resourceValues struct {
	each   state.EachMode
	values map[config.InstanceKey]cty.Value
}

func newStore() *store {
	return &store{
		instances:  map[config.ModulePath][]config.ModuleInstance{config.RootPath: {config.RootModule}},
		iterations: map[config.ModuleInstance]eval.Iteration{},
		vars:       map[nameKey]cty.Value{},
		locals:     map[nameKey]cty.Value{},
		outputs:    map[nameKey]cty.Value{},
		resources:  map[config.AbsResource]*resourceValues{},
		objects:    map[objectKey]cty.Value{},
	}
}

func (s *store) instancesOf(p config.ModulePath) []config.ModuleInstance {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.instances[p]
}

func (s *store) addInstances(p config.ModulePath, insts []config.ModuleInstance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.instances[p] = append(s.instances[p], insts...)
}

func (s *store) setIteration(m config.ModuleInstance, it eval.Iteration) {
	s.mu.Lock()
	s.iterations[m] = it
	s.mu.Unlock()
}

func (s *store) iteration(m config.ModuleInstance) eval.Iteration {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.iterations[m]
}

func (s *store) set(m map[nameKey]cty.Value, k nameKey, v cty.Value) {
	s.mu.Lock()
	m[k] = v
	s.mu.Unlock()
}

func (s *store) get(m map[nameKey]cty.Value, k nameKey) (cty.Value, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := m[k]
	return v, ok
}

// setResource records the value of one resource instance.
func (s *store) setResource(addr config.InstanceAddr, each state.EachMode, v cty.Value) {
	s.mu.Lock()
	defer s.mu.Unlock()
	abs := addr.ContainingResource()
	rv := s.resources[abs]
	if rv == nil {
		rv = &resourceValues{each: each, values: map[config.InstanceKey]cty.Value{}}
		s.resources[abs] = rv
	}
	rv.each = each
	rv.values[addr.Key] = v
}

// ensureResource records that a resource was expanded (possibly to zero
// instances), so references see an empty collection rather than nothing.
func (s *store) ensureResource(abs config.AbsResource, each state.EachMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resources[abs] == nil {
		s.resources[abs] = &resourceValues{each: each, values: map[config.InstanceKey]cty.Value{}}
	}
}

// resourceValue returns the value of a whole resource.
func (s *store) resourceValue(abs config.AbsResource) (cty.Value, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rv := s.resources[abs]
	if rv == nil {
		return cty.DynamicVal, false
	}
	switch rv.each {
	case state.EachList:
		n := 0
		for k := range rv.values {
			if ik, ok := k.(config.IntKey); ok && int(ik)+1 > n {
				n = int(ik) + 1
			}
		}
		if n == 0 {
			return cty.EmptyTupleVal, true
		}
		vals := make([]cty.Value, n)
		for i := range vals {
			v, ok := rv.values[config.IntKey(i)]
			if !ok {
				v = cty.DynamicVal
			}
			vals[i] = v
		}
		return cty.TupleVal(vals), true
	case state.EachMap:
		if len(rv.values) == 0 {
			return cty.EmptyObjectVal, true
		}
		attrs := make(map[string]cty.Value, len(rv.values))
		for k, v := range rv.values {
			if sk, ok := k.(config.StringKey); ok {
				attrs[string(sk)] = v
			}
		}
		return cty.ObjectVal(attrs), true
	}
	v, ok := rv.values[nil]
	if !ok {
		return cty.DynamicVal, true
	}
	return v, true
}

func (s *store) setObject(mod config.ModuleInstance, ref config.ObjectRef, v cty.Value) {
	s.mu.Lock()
	s.objects[objectKey{mod, ref}] = v
	s.mu.Unlock()
}

func (s *store) object(mod config.ModuleInstance, ref config.ObjectRef) (cty.Value, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.objects[objectKey{mod, ref}]
	return v, ok
}

// walkData implements eval.Data over the store.
type walkData struct {
	r *run
}

func (d *walkData) node(mod config.ModuleInstance) *config.Config {
	return d.r.cfg.Descendant(mod.Static())
}

func undeclared(kind, name string, rng hcl.Range) hcl.Diagnostics {
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared " + kind,
		Detail:   fmt.Sprintf("No %s named %q is declared here.", kind, name),
		Subject:  rng.Ptr(),
	}}
}

// resolve moves a reference made in an inline scope to the enclosing
// module instance that declares its subject.
func (d *walkData) resolve(mod config.ModuleInstance, ref config.Referenceable) config.ModuleInstance {
	c := d.node(mod)
	if c == nil {
		return mod
	}
	if t := c.ScopeFor(ref); t != c {
		return config.AncestorInstance(mod, t.Path)
	}
	return mod
}

// Variable implements eval.Data.
func (d *walkData) Variable(mod config.ModuleInstance, name string, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	mod = d.resolve(mod, config.VariableRef{Name: name})
	if v, ok := d.r.store.get(d.r.store.vars, nameKey{mod, name}); ok {
		return v, nil
	}
	if c := d.node(mod); c == nil || c.Module.Variables[name] == nil {
		return cty.DynamicVal, undeclared("input variable", name, rng)
	}
	return cty.DynamicVal, nil
}

// Local implements eval.Data.
func (d *walkData) Local(mod config.ModuleInstance, name string, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	mod = d.resolve(mod, config.LocalRef{Name: name})
	if v, ok := d.r.store.get(d.r.store.locals, nameKey{mod, name}); ok {
		return v, nil
	}
	if c := d.node(mod); c == nil || c.Module.Locals[name] == nil {
		return cty.DynamicVal, undeclared("local value", name, rng)
	}
	return cty.DynamicVal, nil
}

// Resource implements eval.Data.
func (d *walkData) Resource(mod config.ModuleInstance, addr config.ResourceAddr, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	mod = d.resolve(mod, config.ResourceRef{Resource: addr})
	c := d.node(mod)
	if c == nil || c.Module.Resource(addr) == nil {
		return cty.DynamicVal, undeclared("resource", addr.String(), rng)
	}
	if d.r.speculative {
		if addr.Mode == config.EphemeralMode {
			return cty.DynamicVal.Mark(marks.Ephemeral), nil
		}
		return d.r.priorResourceValue(config.AbsResource{Module: mod, Resource: addr}), nil
	}
	v, _ := d.r.store.resourceValue(config.AbsResource{Module: mod, Resource: addr})
	return v, nil
}

// ModuleCall implements eval.Data.
func (d *walkData) ModuleCall(mod config.ModuleInstance, ref config.ModuleCallRef, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	mod = d.resolve(mod, ref)
	c := d.node(mod)
	if c == nil {
		return cty.DynamicVal, nil
	}
	call := c.Module.ModuleCalls[ref.Name]
	child := c.Children[config.Step{Kind: config.ModuleStep, Name: ref.Name}]
	if call == nil || child == nil {
		return cty.DynamicVal, undeclared("module", ref.Name, rng)
	}
	var mine []config.ModuleInstance
	for _, inst := range d.r.store.instancesOf(child.Path) {
		if parent, _ := inst.Parent(); parent == mod {
			mine = append(mine, inst)
		}
	}
	outputs := func(inst config.ModuleInstance) cty.Value {
		attrs := make(map[string]cty.Value, len(child.Module.Outputs))
		for name := range child.Module.Outputs {
			v, ok := d.r.store.get(d.r.store.outputs, nameKey{inst, name})
			if !ok {
				v = cty.DynamicVal
			}
			attrs[name] = v
		}
		return cty.ObjectVal(attrs)
	}
	switch {
	case call.Count != nil:
		vals := make([]cty.Value, len(mine))
		for _, inst := range mine {
			_, step := inst.Parent()
			if k, ok := step.Key.(config.IntKey); ok && int(k) < len(vals) {
				vals[k] = outputs(inst)
			}
		}
		for i := range vals {
			if vals[i] == cty.NilVal {
				vals[i] = cty.DynamicVal
			}
		}
		if len(vals) == 0 {
			return cty.EmptyTupleVal, nil
		}
		return cty.TupleVal(vals), nil
	case call.ForEach != nil:
		attrs := map[string]cty.Value{}
		for _, inst := range mine {
			_, step := inst.Parent()
			if k, ok := step.Key.(config.StringKey); ok {
				attrs[string(k)] = outputs(inst)
			}
		}
		return cty.ObjectVal(attrs), nil
	}
	return outputs(mod.Child(config.ModuleStep, ref.Name, nil)), nil
}

// SiteForEach implements eval.SiteEachData.
func (d *walkData) SiteForEach(mod config.ModuleInstance, name string) bool {
	c := d.node(mod)
	return c != nil && c.SiteForEach(name)
}

// Object implements eval.Data.
func (d *walkData) Object(mod config.ModuleInstance, ref config.ObjectRef, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	// Sites, groups and storage of the enclosing module are visible in a
	// deployment's scope.
	for cur := mod; ; {
		if v, ok := d.r.store.object(cur, ref); ok {
			return v, nil
		}
		if cur.IsRoot() || ref.Kind == config.ComponentKind {
			break
		}
		parent, step := cur.Parent()
		if step.Kind == config.ModuleStep {
			break
		}
		cur = parent
	}
	c := d.node(mod)
	if c != nil && c.Module.Object(ref.Kind, ref.Name) == nil && !declaredAbove(c, ref) {
		return cty.DynamicVal, undeclared(ref.Kind.Keyword(), ref.Name, rng)
	}
	return cty.DynamicVal, nil
}

func declaredAbove(c *config.Config, ref config.ObjectRef) bool {
	for cur := c.Parent; cur != nil; cur = cur.Parent {
		if cur.Module.Object(ref.Kind, ref.Name) != nil {
			return true
		}
	}
	return false
}

// Path implements eval.Data.
func (d *walkData) Path(mod config.ModuleInstance, name string) cty.Value {
	return eval.PathValue(d.r.cfg, mod, name)
}

// Workspace implements eval.Data.
func (d *walkData) Workspace() cty.Value {
	if d.r.opts.Workspace == "" {
		return cty.StringVal("default")
	}
	return cty.StringVal(d.r.opts.Workspace)
}

// relPath shortens a path for messages.
func relPath(base, p string) string {
	if rel, err := filepath.Rel(base, p); err == nil {
		return rel
	}
	return p
}

// declRange is the range of the block that declares addr's resource, which
// a provider's problem with one of its objects points at, as Terraform's
// "with ADDR, on FILE line N" does; nil when the configuration no longer
// declares it.
func (r *run) declRange(addr config.InstanceAddr) *hcl.Range {
	if r.cfg == nil {
		return nil
	}
	c := r.cfg.Descendant(addr.Module.Static())
	if c == nil {
		return nil
	}
	if res := c.Module.Resource(addr.Resource); res != nil {
		return res.DeclRange.Ptr()
	}
	return nil
}

// toDiags converts provider diagnostics, attaching them to rng (the
// configuration they are about) and naming the resource and operation.
func toDiags(pd plugin.Diagnostics, addr, op string, rng *hcl.Range) hcl.Diagnostics {
	return toDiagsIn(pd, addr, op, rng, nil)
}

// toDiagsIn is toDiags for a call about a configuration body: a
// diagnostic with an attribute path points at that attribute in body (see
// pathRange), else at rng.
func toDiagsIn(pd plugin.Diagnostics, addr, op string, rng *hcl.Range, body hcl.Body) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range pd {
		sev := hcl.DiagError
		if d.Severity == plugin.Warning {
			sev = hcl.DiagWarning
		}
		detail := d.Detail
		subject := rng
		if len(d.Attribute) > 0 {
			if body != nil {
				subject = pathRange(body, d.Attribute, rng)
			}
			detail = fmt.Sprintf("%s\n\n(about the attribute %s)", detail, pathString(d.Attribute))
		}
		// The address goes with the diagnostic ("with ADDR," above its
		// source, and "address" in JSON, as Terraform writes them); in
		// the summary too when there is no source to show it with.
		summary := d.Summary
		if addr != "" && subject == nil {
			summary = fmt.Sprintf("%s: %s", addr, d.Summary)
		}
		var ce *plugin.CallError
		switch {
		case errors.As(d.Err, &ce):
			detail = fmt.Sprintf("%s\n\nNo answer came back, so nothing of this call is recorded as done. Run indigo apply (or plan) again once the provider works: an operation it was carrying out stays in flight in the state journal and is reconciled first.", detail)
		case d.Err != nil:
			// Already says what happened (a timeout).
		case op != "" && sev == hcl.DiagError:
			detail = fmt.Sprintf("%s\n\nThe provider reported this during %s.", detail, op)
		}
		hd := &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: detail, Subject: subject}
		if addr != "" {
			hd.Extra = instanceAddress(addr)
		}
		out = append(out, hd)
	}
	return out
}

// instanceAddress is the Extra of a diagnostic about one resource
// instance: the view shows it as Terraform does.
type instanceAddress string

// DiagnosticAddress returns the address.
func (a instanceAddress) DiagnosticAddress() string { return string(a) }

// addressedSummary is d's summary led by the resource instance it is
// about ("ADDR: summary"), as messages that quote it on one line need it.
func addressedSummary(d *hcl.Diagnostic) string {
	a, ok := d.Extra.(instanceAddress)
	if !ok || strings.HasPrefix(d.Summary, string(a)+": ") {
		return d.Summary
	}
	return string(a) + ": " + d.Summary
}
