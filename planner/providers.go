package planner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// providerSet owns the provider processes of one run: one per provider
// configuration, started on first use and closed when the run ends.
type providerSet struct {
	r     *run
	mu    sync.Mutex
	insts map[config.ProviderConfigAddr]*providerInstance
	// each holds what provider for_each needs (provider_each.go).
	each providerEach
}

type providerInstance struct {
	addr   config.ProviderConfigAddr
	once   sync.Once
	p      Provider
	schema *plugin.Schema
	err    error

	mu         sync.Mutex
	configured bool
}

func newProviderSet(r *run) *providerSet {
	return &providerSet{r: r, insts: map[config.ProviderConfigAddr]*providerInstance{}}
}

// get returns the running provider for addr, starting it on first use.
func (s *providerSet) get(ctx context.Context, addr config.ProviderConfigAddr) (*providerInstance, error) {
	s.mu.Lock()
	inst := s.insts[addr]
	if inst == nil {
		inst = &providerInstance{addr: addr}
		s.insts[addr] = inst
	}
	s.mu.Unlock()
	inst.once.Do(func() {
		// A provider that hangs while starting holds the run as long as
		// the start may take: go-plugin's minute, or the provider
		// timeout when that is shorter.
		sctx, cancel := ctx, context.CancelFunc(func() {})
		if t := s.r.opts.ProviderTimeout; t > 0 && t < time.Minute {
			sctx, cancel = context.WithTimeout(ctx, t)
		}
		var p Provider
		var err error
		if cp, ok := s.r.provs.(ConfigProviders); ok {
			p, err = cp.StartConfig(sctx, addr)
		} else {
			p, err = s.r.provs.Start(sctx, addr.Provider)
		}
		cancel()
		if err != nil {
			inst.err = fmt.Errorf("starting provider %s for %s: %w", addr.Provider.ForDisplay(), addr, err)
			return
		}
		p = withTimeout(p, addr.Provider, s.r.opts.ProviderTimeout)
		schema, err := p.Schema(ctx)
		if err != nil {
			p.Close()
			inst.err = fmt.Errorf("reading the schema of provider %s: %w", addr.Provider.ForDisplay(), err)
			return
		}
		inst.p, inst.schema = p, schema
	})
	return inst, inst.err
}

// stopAll asks every running provider to stop its operations.
func (s *providerSet) stopAll(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inst := range s.insts {
		if inst.p != nil {
			_ = inst.p.Stop(ctx)
		}
	}
}

// closeAll ends every provider process.
func (s *providerSet) closeAll() {
	s.r.closeEphemerals()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inst := range s.insts {
		if inst.p != nil {
			_ = inst.p.Close()
		}
	}
}

// resourceSchema returns the schema of a resource type.
func (inst *providerInstance) resourceSchema(mode config.ResourceMode, typ string) (*plugin.ResourceSchema, bool) {
	var m map[string]plugin.ResourceSchema
	switch mode {
	case config.DataMode:
		m = inst.schema.DataSources
	case config.EphemeralMode:
		m = inst.schema.EphemeralResources
	default:
		m = inst.schema.Resources
	}
	rs, ok := m[typ]
	return &rs, ok
}

// configureProvider evaluates the provider configuration addr and
// configures the provider with it, once; a configuration with for_each, each
// of its instances.
func (r *run) configureProvider(ctx context.Context, addr config.ProviderConfigAddr, decl *config.ProviderConfig) hcl.Diagnostics {
	if decl != nil && decl.ForEach != nil && addr.Key == config.NoKey {
		return r.configureEach(ctx, addr, decl)
	}
	return r.configureInstance(ctx, addr, decl, emptyIteration())
}

// configureInstance configures one provider instance with its
// configuration evaluated with iteration it (each.key and each.value of a
// configuration with for_each).
func (r *run) configureInstance(ctx context.Context, addr config.ProviderConfigAddr, decl *config.ProviderConfig, it eval.Iteration) hcl.Diagnostics {
	inst, err := r.providers.get(ctx, addr)
	if err != nil {
		var rng *hcl.Range
		if decl != nil {
			rng = decl.DeclRange.Ptr()
		}
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: err.Error() +
			"\n\nNo operation of this provider configuration was started in this run. Once the provider starts again, run indigo apply (or plan) again.", Subject: rng}}
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.configured {
		return nil
	}
	body := hcl.EmptyBody()
	var rng *hcl.Range
	if decl != nil {
		body = decl.Config
		rng = decl.DeclRange.Ptr()
	}
	sc := r.scope(addr.Module.UnkeyedInstance(), it)
	val, diags := sc.EvalBlock(body, inst.schema.Provider.DecoderSpec())
	if diags.HasErrors() {
		return diags
	}
	unmarked, _ := val.UnmarkDeep()
	if unmarked.IsNull() {
		unmarked = cty.NullVal(inst.schema.Provider.ImpliedType())
	}
	if marks.Contains(val, marks.Ephemeral) {
		// Nothing this provider answers may be kept: the answer
		// cache's keys would hash the ephemeral value.
		ctx = plugin.WithEphemeral(ctx)
	}
	prepared, pd := inst.p.ValidateProviderConfig(ctx, unmarked)
	diags = append(diags, toDiagsIn(pd, addr.String(), "ValidateProviderConfig", rng, body)...)
	if diags.HasErrors() {
		return diags
	}
	if prepared != cty.NilVal && !prepared.IsNull() {
		unmarked = prepared
	}
	cd := inst.p.ConfigureProvider(ctx, plugin.ConfigureRequest{Config: unmarked})
	diags = append(diags, toDiagsIn(cd, addr.String(), "ConfigureProvider", rng, body)...)
	if !diags.HasErrors() {
		inst.configured = true
	}
	return diags
}

// providerFor resolves the provider configuration a resource of module
// path c uses: its provider argument or implied provider, looked up in the
// module and, through passed or inherited configurations, its ancestors. In
// a deployment's or storage's scope, resources without a provider argument
// use the provider of the site the component was placed on.
//
// When the configuration found has for_each, or the reference chooses an
// instance of one, kref says where the instance key comes from (see
// provider_each.go); it is nil otherwise.
func (r *run) providerFor(c *config.Config, res *config.Resource) (addr config.ProviderConfigAddr, kref *providerKeyRef, diags hcl.Diagnostics) {
	ref := config.LocalProviderRef{LocalName: res.ProviderLocalName()}
	explicit := res.ProviderRef != nil
	if explicit {
		ref = *res.ProviderRef
		if res.ProviderKey != nil {
			kref = &providerKeyRef{expr: res.ProviderKey, cfg: c, own: true}
		}
	}
	defer func() {
		if !diags.HasErrors() {
			kref, diags = r.checkProviderKeyRef(res, addr, ref, kref)
		}
	}()
	cur := c
	steps := 0
	// Placed scopes take the site's provider, or resolve an explicit one
	// in the module that declares the deployment.
	for cur.Parent != nil {
		_, step := cur.Path.UnkeyedInstance().Parent()
		if step.Kind == config.ModuleStep {
			break
		}
		p := r.placements[placedAddr(cur.Parent.Path, step)]
		if own := r.componentPlacement(cur.Path, res); own != nil {
			p = own
		}
		var site *config.Site
		if p != nil && len(p.sites) > 0 {
			site = cur.Parent.Module.Sites[p.site()]
		}
		if site != nil && site.ProviderKey != nil && (!explicit || site.Provider == ref && res.ProviderKey == nil) {
			// The site's instance of a provider with for_each; also for
			// what a site's kind generates naming the site's provider.
			kref = &providerKeyRef{expr: site.ProviderKey, cfg: cur.Parent, up: steps + 1, iterAt: -1}
		}
		if !explicit && site != nil {
			want := cur.Parent.Module.ProviderFor(site.Provider.LocalName)
			ref = site.Provider
			return config.ProviderConfigAddr{Module: cur.Parent.Path, Provider: want, Alias: site.Provider.Alias}, kref, nil
		}
		cur = cur.Parent
		steps++
	}
	source := c.Module.ProviderFor(ref.LocalName)
	if res.Provider != (config.Provider{}) && !explicit {
		source = res.Provider
	}
	for {
		if _, ok := cur.Module.ProviderConfigs[ref.String()]; ok {
			return config.ProviderConfigAddr{Module: cur.Path, Provider: cur.Module.ProviderFor(ref.LocalName), Alias: ref.Alias}, kref, nil
		}
		if cur.Parent == nil {
			break
		}
		_, step := cur.Path.UnkeyedInstance().Parent()
		if step.Kind == config.ModuleStep {
			call := cur.Parent.Module.ModuleCalls[step.Name]
			passed := false
			if call != nil {
				for _, pp := range call.Providers {
					if pp.InChild == ref {
						ref = pp.InParent
						passed = true
						if pp.InParentKey != nil {
							kref = &providerKeyRef{expr: pp.InParentKey, cfg: cur.Parent, up: steps + 1, iterAt: steps}
						}
						break
					}
				}
			}
			if !passed && ref.Alias != "" {
				break
			}
		}
		cur = cur.Parent
		steps++
	}
	if ref.Alias != "" {
		return config.ProviderConfigAddr{}, nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Provider configuration not present",
			Detail:   fmt.Sprintf("%s uses provider %s, which is not configured in its module or passed to it. Add a provider %q block with alias = %q.", res.Addr(), ref, ref.LocalName, ref.Alias),
			Subject:  res.DeclRange.Ptr(),
		}}
	}
	// An implied, empty configuration at the root.
	return config.ProviderConfigAddr{Module: config.RootPath, Provider: source}, kref, nil
}

// providerDecl returns the provider block of addr, or nil for an implied
// empty configuration.
func (r *run) providerDecl(addr config.ProviderConfigAddr) *config.ProviderConfig {
	c := r.cfg.Descendant(addr.Module)
	if c == nil {
		return nil
	}
	for _, pc := range c.Module.ProviderConfigs {
		if pc.Alias == addr.Alias && c.Module.ProviderFor(pc.Name) == addr.Provider {
			return pc
		}
	}
	return nil
}
