package planner

import (
	"bytes"
	"context"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/state"
)

// Speculative planning.
//
// Planning a resource needs the planned values of the resources it refers
// to, so a chain of N resources costs N provider round trips one after the
// other. Most plans change little: most resources end up planned exactly as
// they are recorded. So before the real walk, a speculative pass plans
// every resource at once (under the parallelism limit), evaluating each
// configuration with the recorded (refreshed) values of the resources it
// refers to, and keeps each answer with the prior state and configuration
// it was given. The real walk then evaluates every configuration with the
// real planned values, as always, and reuses a speculative answer only when
// the prior state, the configuration and the private data it would send are
// exactly those the answer was given: that is, when the provider would be
// asked the very same question. Where something upstream changed, the
// configuration differs and the provider is asked again. The result is the
// plan the sequential walk would make; only the number of round trips on
// the critical path changes.
//
// The one assumption is the protocol's own: PlanResourceChange is a
// function of its request (prior state, proposed state, configuration,
// private data) for a configured provider.

// cacheKey identifies a planning question: an instance, planned as an
// update of its prior object or as a create.
type cacheKey struct {
	addr   config.InstanceAddr
	create bool
}

type cacheEntry struct {
	prior, cfg   cty.Value
	identity     cty.Value
	priorPrivate []byte
	planned      cty.Value
	// plannedIdentity is the identity the plan answered.
	plannedIdentity cty.Value
	requires        []cty.Path
	private         []byte
	// warnings the provider gave with its answer, said again when the
	// answer is reused.
	warnings hcl.Diagnostics
}

// planCache holds the speculative pass's answers, and its validations:
// ValidateResourceConfig too is a function of the configuration it is
// given, so a validation of the configuration the real walk evaluates is
// not asked again.
type planCache struct {
	mu          sync.Mutex
	entries     map[cacheKey]*cacheEntry
	validations map[config.InstanceAddr]validation
	hits        int
}

type validation struct {
	cfg   cty.Value
	diags hcl.Diagnostics
}

func (c *planCache) putValidation(addr config.InstanceAddr, cfg cty.Value, diags hcl.Diagnostics) {
	c.mu.Lock()
	if c.validations == nil {
		c.validations = map[config.InstanceAddr]validation{}
	}
	c.validations[addr] = validation{cfg: cfg, diags: diags}
	c.mu.Unlock()
}

// validated returns the problems the speculative pass found validating
// exactly this configuration of addr; ok is false when it did not.
func (c *planCache) validated(addr config.InstanceAddr, cfg cty.Value) (hcl.Diagnostics, bool) {
	c.mu.Lock()
	v, ok := c.validations[addr]
	c.mu.Unlock()
	if !ok || !valuesEqual(v.cfg, cfg) {
		return nil, false
	}
	return v.diags, true
}

func (c *planCache) put(k cacheKey, e *cacheEntry) {
	c.mu.Lock()
	c.entries[k] = e
	c.mu.Unlock()
}

// get returns the answer to exactly this question, if the speculative pass
// asked it.
func (c *planCache) get(k cacheKey, prior, identity, cfg cty.Value, priorPrivate []byte) *cacheEntry {
	c.mu.Lock()
	e := c.entries[k]
	c.mu.Unlock()
	// An entry is not changed once put: compare it outside the lock.
	if e == nil || !valuesEqual(e.prior, prior) || !sameIdentity(e.identity, identity) || !valuesEqual(e.cfg, cfg) || !bytes.Equal(e.priorPrivate, priorPrivate) {
		return nil
	}
	c.mu.Lock()
	c.hits++
	c.mu.Unlock()
	return e
}

// speculate runs the speculative pass when it is safe: no provider is
// configured from a resource's value (it would be configured with a guess).
func (r *run) speculate(ctx context.Context, real *dag) {
	if r.opts.Mode != 0 || len(r.prior.Resources) == 0 {
		return
	}
	for k, n := range real.nodes {
		if strings.HasPrefix(k, "provider ") && dependsOnResource(real, n) {
			return
		}
	}
	if !resourceWaitsOnResource(real) {
		// Every resource is planned as soon as its provider is ready:
		// there are no round trips to take off the critical path, and
		// the pass would only plan everything twice.
		return
	}
	s := r.sibling()
	g, diags := s.buildGraph(planMaker{s})
	if diags.HasErrors() {
		return
	}
	// Nothing waits for a resource: references read recorded values. Every
	// node waits for the providers, which start the background reads.
	var providers []string
	for k := range g.nodes {
		if strings.HasPrefix(k, "provider ") {
			providers = append(providers, k)
		}
	}
	for _, n := range g.nodes {
		for dep := range n.deps {
			if isResourceKey(dep) {
				delete(n.deps, dep)
			}
		}
	}
	// What the providers need comes before them; everything else after.
	before := map[string]bool{}
	var visit func(string)
	visit = func(k string) {
		if before[k] {
			return
		}
		before[k] = true
		for dep := range g.nodes[k].deps {
			visit(dep)
		}
	}
	for _, p := range providers {
		visit(p)
	}
	for k := range g.nodes {
		if !before[k] {
			for _, p := range providers {
				g.dependOn(k, p)
			}
		}
	}
	if d := g.walk(ctx); d.HasErrors() { // they come again, where they belong, in the real walk
		r.log.Debug("speculative pass", "problems", d.Error())
	}
	// Its validations too, so that the real walk finds them.
	r.prefetch.checks.Wait()
	r.log.Debug("speculative pass done", "answers", len(r.cache.entries))
}

// resourceWaitsOnResource reports whether some resource node depends on
// another resource node, directly or through other nodes.
func resourceWaitsOnResource(g *dag) bool {
	reaches := map[string]bool{} // whether a node depends on a resource node
	var visit func(k string) bool
	visit = func(k string) bool {
		if r, ok := reaches[k]; ok {
			return r
		}
		reaches[k] = false // a cycle is the walk's to report
		n := g.nodes[k]
		if n == nil {
			return false
		}
		for dep := range n.deps {
			if isResourceKey(dep) || visit(dep) {
				reaches[k] = true
				return true
			}
		}
		return false
	}
	for k := range g.nodes {
		if isResourceKey(k) && visit(k) {
			return true
		}
	}
	return false
}

// dependsOnResource reports whether a node depends on a resource node,
// directly or not.
func dependsOnResource(g *dag, n *dagNode) bool {
	seen := map[string]bool{}
	var visit func(*dagNode) bool
	visit = func(x *dagNode) bool {
		for dep := range x.deps {
			if isResourceKey(dep) {
				return true
			}
			if seen[dep] {
				continue
			}
			seen[dep] = true
			if m := g.nodes[dep]; m != nil && visit(m) {
				return true
			}
		}
		return false
	}
	return visit(n)
}

// sibling returns a run for the speculative pass: the same configuration
// (with its placements realised), prior state, options, providers,
// background reads and answer cache, but its own values and records.
func (r *run) sibling() *run {
	s := newRun(r.cfg, r.prior, r.provs, r.opts)
	s.providers = r.providers
	s.placements = r.placements
	s.realisations = r.realisations
	s.prev = r.prev
	s.prefetch = r.prefetch
	s.cache = r.cache
	s.speculative = true
	// The same function tables: its own would start providers of its own.
	r.modFuncsOnce.Do(func() { r.modFuncs = r.moduleFunctions() })
	s.modFuncsOnce.Do(func() { s.modFuncs = r.modFuncs })
	return s
}

// priorResourceValue is what a reference to a resource reads in the
// speculative pass: its recorded objects, as refreshed.
func (r *run) priorResourceValue(abs config.AbsResource) cty.Value {
	rs := r.prior.Resource(abs)
	if rs == nil {
		return cty.DynamicVal
	}
	vals := map[config.InstanceKey]cty.Value{}
	each := state.NoEach
	for key := range rs.Instances {
		each = eachModeOfKey(key)
		addr := abs.Instance(key)
		v := cty.DynamicVal
		if res, ok := r.refreshed(addr); ok && len(res.diags) == 0 && res.fresh != cty.NilVal && !res.fresh.IsNull() {
			v = res.fresh
		}
		vals[key] = v
	}
	st := newStore()
	for key, v := range vals {
		st.setResource(abs.Instance(key), each, v)
	}
	out, _ := st.resourceValue(abs)
	return out
}
