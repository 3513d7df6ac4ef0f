package planner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/units"
	"github.com/indigo-cloud/indigo/planner/metrics"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
	"github.com/indigo-cloud/indigo/state"
)

// MetricsReader reads the metrics sources of sites.
type MetricsReader interface {
	FetchAll(ctx context.Context, sources map[string]metrics.Source, now time.Time) map[string]*rank.Metrics
}

// placement is the decision for one placed component.
type placement struct {
	// addr is the component's address (deployment.web, storage.archive,
	// deployment.web.component.db).
	addr     config.ObjectAddr
	sites    []string
	previous []string
	ranking  rank.Ranking
	fallback bool
}

// placedAddr returns the address of the component whose scope is the
// child of p reached by step.
func placedAddr(p config.ModulePath, step config.Step) config.ObjectAddr {
	kind := config.DeploymentKind
	if step.Kind == config.StorageStep {
		kind = config.StorageKind
	}
	return config.ObjectAddr{Module: p.UnkeyedInstance(), Kind: kind, Name: step.Name}
}

// componentAddr is the address of component name of the deployment scope
// p: the key of its placement (when it has its own) and its realisation.
func componentAddr(p config.ModulePath, name string) config.ObjectAddr {
	return config.ObjectAddr{Module: p.UnkeyedInstance(), Kind: config.ComponentKind, Name: name}
}

// site returns the site the resources of a placed scope go to: the
// first (primary) of its sites.
func (p *placement) site() string {
	if len(p.sites) == 0 {
		return ""
	}
	return p.sites[0]
}

// componentPlacement returns the placement of the component a resource of
// scope realises, when that component is placed on its own.
func (r *run) componentPlacement(scope config.ModulePath, res *config.Resource) *placement {
	if res.Component == "" {
		return nil
	}
	return r.placements[componentAddr(scope, res.Component)]
}

// place decides where every placed component goes, realises components
// and storage for their sites, and records the decisions. It runs before
// the graph is built: placements may depend on variables and locals, not
// on resources.
func (r *run) place(ctx context.Context) hcl.Diagnostics {
	var diags hcl.Diagnostics
	static := eval.StaticData(r.cfg, eval.ValidateOptions{Vars: r.opts.Vars, VarRanges: r.opts.VarRanges, Workspace: r.opts.Workspace})
	r.cfg.Walk(func(c *config.Config) {
		if len(c.Module.Sites) == 0 && len(c.Module.Deployments) == 0 && len(c.Module.Storages) == 0 && len(c.Module.Groups) == 0 {
			return
		}
		if hasRepeatedStep(c) && (len(c.Module.Deployments) > 0 || len(c.Module.Storages) > 0) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Placed components in a repeated module",
				Detail:   "Deployments and storage cannot be declared in a module called with count or for_each yet. Declare them in a module called once.",
				Subject:  c.CallRange.Ptr(),
			})
			return
		}
		sc := &eval.Scope{Data: static, Module: c.Path.UnkeyedInstance(), Functions: r.functionsOf(c.Path.UnkeyedInstance())}
		// Sites with for_each become their instances in the planner's
		// copy of the module, before anything reads its sites.
		expanded, d := eval.ExpandSites(sc, c.Module, true)
		diags = append(diags, d...)
		c.Module.Sites, c.Module.SiteBlocks = expanded.Sites, expanded.SiteBlocks
		diags = append(diags, r.placeModule(ctx, c, sc)...)
	})
	return diags
}

func hasRepeatedStep(c *config.Config) bool {
	for cur := c; cur.Parent != nil; cur = cur.Parent {
		_, step := cur.Path.UnkeyedInstance().Parent()
		if step.Kind == config.ModuleStep {
			if call := cur.Parent.Module.ModuleCalls[step.Name]; call != nil && (call.Count != nil || call.ForEach != nil) {
				return true
			}
		}
	}
	return false
}

// ImplicitSite is the site indigo places components on when the root module
// declares deployments or storage but no site: this machine, through the
// built-in provider, under .indigo/sites/local.
const ImplicitSite = "local"

// addImplicitSite declares the implicit local site in module m (a copy the
// planner owns).
func (r *run) addImplicitSite(m *config.Module) {
	declareImplicitSite(m)
	r.addNote(plan.Note{Subject: "site." + ImplicitSite, Summary: "No site is declared: deployments and storage go to the implicit local site (this machine, under .indigo/sites/local)."})
}

// declareImplicitSite declares the implicit local site and its provider
// configuration in module m (a copy the planner owns).
func declareImplicitSite(m *config.Module) {
	rng := hcl.Range{Filename: "(implicit local site)"}
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{
		"root": {Name: "root", Expr: &hclsyntax.LiteralValueExpr{Val: cty.StringVal(".indigo/sites/local"), SrcRange: rng}, SrcRange: rng, NameRange: rng},
	}, SrcRange: rng, EndRange: rng}
	m.ProviderConfigs = maps.Clone(m.ProviderConfigs)
	m.ProviderConfigs["indigo."+ImplicitSite] = &config.ProviderConfig{Name: "indigo", Alias: ImplicitSite, Config: body, DeclRange: rng}
	m.Sites = maps.Clone(m.Sites)
	m.Sites[ImplicitSite] = &config.Site{
		Name:      ImplicitSite,
		Provider:  config.LocalProviderRef{LocalName: "indigo", Alias: ImplicitSite},
		Kind:      "local",
		Location:  &hclsyntax.LiteralValueExpr{Val: cty.StringVal("local"), SrcRange: rng},
		SLA:       map[string]*hcl.Attribute{},
		DeclRange: rng,
	}
}

func (r *run) placeModule(ctx context.Context, c *config.Config, sc *eval.Scope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	m := c.Module
	if c.Parent == nil && len(m.Sites) == 0 && len(m.SiteBlocks) == 0 && (len(m.Deployments) > 0 || len(m.Storages) > 0) {
		r.addImplicitSite(m)
	}
	mod := c.Path.UnkeyedInstance()
	sites := map[string]*eval.Site{}
	sources := map[string]metrics.Source{}
	for _, name := range slices.Sorted(maps.Keys(m.Sites)) {
		s, d := eval.EvalSite(sc, m, m.Sites[name])
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		sites[name] = s
		if s.Metrics != nil {
			src := metrics.ParseSource(s.Metrics.Source)
			src.Format = metrics.Format(s.Metrics.Format)
			if s.Metrics.MaxAge > 0 {
				src.MaxAge = s.Metrics.MaxAge
			}
			if s.Metrics.Timeout > 0 {
				src.Timeout = s.Metrics.Timeout
			}
			sources[name] = src
		}
		r.store.setObject(mod, config.ObjectRef{Kind: config.SiteKind, Name: name}, s.Value())
	}
	for _, block := range slices.Sorted(maps.Keys(m.SiteBlocks)) {
		// site.os is the object of its instances by key.
		insts := map[string]cty.Value{}
		for _, s := range sites {
			if s.Decl.Block == block {
				insts[string(s.Decl.Key.(config.StringKey))] = s.Value()
			}
		}
		r.store.setObject(mod, config.ObjectRef{Kind: config.SiteKind, Name: block}, cty.ObjectVal(insts))
	}
	var groups []*eval.Group
	for _, name := range slices.Sorted(maps.Keys(m.Groups)) {
		g, d := eval.EvalGroupBlock(sc, mod, m.Groups[name])
		diags = append(diags, d...)
		groups = append(groups, g)
		list := cty.ListValEmpty(cty.String)
		if len(g.Members) > 0 {
			vals := make([]cty.Value, len(g.Members))
			for i, mbr := range g.Members {
				vals[i] = cty.StringVal(mbr.String())
			}
			list = cty.ListVal(vals)
		}
		r.store.setObject(mod, config.ObjectRef{Kind: config.GroupKind, Name: name}, cty.ObjectVal(map[string]cty.Value{
			"name":    cty.StringVal(name),
			"members": list,
		}))
	}
	r.addKindProviders(m, sites)
	observed := map[string]*rank.Metrics{}
	if len(sources) > 0 {
		reader := r.opts.Metrics
		if reader == nil {
			reader = &metrics.Fetcher{}
		}
		observed = reader.FetchAll(ctx, sources, r.now)
	}
	var policies []*eval.Policy
	for _, name := range slices.Sorted(maps.Keys(m.Policies)) {
		p, d := eval.EvalPolicy(sc, m, mod, m.Policies[name])
		diags = append(diags, d...)
		policies = append(policies, p)
	}
	if len(m.Deployments) == 0 && len(m.Storages) == 0 {
		return diags
	}
	var rankSites []rank.Site
	for _, name := range slices.Sorted(maps.Keys(sites)) {
		rs := rankSite(sites[name], observed[name])
		cat, d := siteCatalogue(sites[name])
		diags = append(diags, d...)
		rs.Catalogue = cat
		rankSites = append(rankSites, rs)
	}
	over, wd := eval.EvalWeights(sc, m, r.cfg.Module)
	diags = append(diags, wd...)
	weights, err := rank.DefaultWeights().With(over)
	if err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid ranking weights", Detail: err.Error()})
	}

	// Gather the components to place.
	type request struct {
		addr     config.ObjectAddr
		comp     rank.Component
		fallback bool
		decl     hcl.Range
		// unrealisable holds, by site, why the component cannot be
		// realised there.
		unrealisable map[string]hcl.Diagnostics
		storage      *binding.Storage
	}
	var reqs []request
	var usage rank.Usage
	addReq := func(addr config.ObjectAddr, pl *eval.Placement, copies int, demandHint map[string]float64, declRange hcl.Range) *request {
		rc := rank.Component{Addr: addr.String(), Copies: copies,
			Candidates: pl.Candidates, Prefer: pl.Prefer, Group: pl.Group,
			Demand: pl.Demand, Locations: pl.Locations, Capabilities: pl.Capabilities}
		if len(pl.Weights) > 0 {
			if w, err := weights.With(pl.Weights); err == nil {
				rc.Weights = &w
			}
		}
		for _, n := range pl.Near {
			if prev := r.prior.Placements[config.ObjectAddr{Module: mod, Kind: config.StorageKind, Name: n.Name}]; prev != nil {
				rc.Near = append(rc.Near, prev.Sites...)
			}
		}
		if len(rc.Demand) == 0 && len(demandHint) > 0 {
			rc.Demand = demandHint
		}
		excluded := r.opts.ExcludeSites[addr]
		if len(excluded) > 0 {
			rc.Excluded = maps.Clone(excluded)
		}
		if prev := r.prior.Placements[addr]; prev != nil && len(prev.Sites) > 0 {
			if copies > 1 {
				rc.CurrentCopies = prev.Sites
			} else {
				rc.Current = prev.Sites[0]
			}
			for _, s := range prev.Sites {
				usage.Record(s, rc.Group, rc.Demand)
			}
			if r.opts.Replan || len(excluded) > 0 {
				rc.Current, rc.CurrentCopies = "", nil
			}
		}
		reqs = append(reqs, request{addr: addr, comp: rc, fallback: pl.Fallback, decl: declRange})
		return &reqs[len(reqs)-1]
	}
	// exclude rules out the sites where a request cannot be realised.
	exclude := func(req *request, bad map[string]hcl.Diagnostics) {
		if len(bad) == 0 {
			return
		}
		req.unrealisable = bad
		if req.comp.Excluded == nil {
			req.comp.Excluded = map[string]string{}
		}
		for site, d := range bad {
			if _, already := req.comp.Excluded[site]; !already {
				req.comp.Excluded[site] = "cannot realise it: " + d[0].Summary + ": " + firstLine(d[0].Detail)
			}
		}
	}
	// inputs are the deployments' inputs, as far as they are known now.
	inputs := map[string]cty.Value{}
	for _, name := range slices.Sorted(maps.Keys(m.Deployments)) {
		dep := m.Deployments[name]
		addr := config.ObjectAddr{Module: mod, Kind: config.DeploymentKind, Name: name}
		inputs[name] = cty.NilVal
		if dep.Inputs != nil {
			if v, d := sc.EvalExpr(dep.Inputs, cty.DynamicPseudoType); !d.HasErrors() {
				inputs[name], _ = v.UnmarkDeep()
			}
		}
		scope := c.Children[config.Step{Kind: config.DeploymentStep, Name: name}]
		p := dep.Placement
		if p == nil && scope != nil && scope.Module.Template != nil {
			p = scope.Module.Template.Placement
		}
		var hint map[string]float64
		if scope != nil {
			hint = demandOfComponents(scope.Module)
		}
		pl, d := eval.EvalPlacement(sc, m, sites, p, 1)
		diags = append(diags, d...)
		req := addReq(addr, pl, 1, hint, dep.DeclRange)
		if scope == nil {
			continue
		}
		req.comp.Hosts = hosts(scope.Module, inputs[name], nil)
		exclude(req, eval.UnrealisableSites(scope.Module, m, nil, eval.CandidateSites(pl, sites)))
		// Components with a placement of their own (a TOSCA placement
		// policy that targets them) are placed on their own.
		for _, cname := range slices.Sorted(maps.Keys(scope.Module.Components)) {
			comp := scope.Module.Components[cname]
			if comp.Placement == nil {
				continue
			}
			cpl, d := eval.EvalPlacement(sc, m, sites, comp.Placement, 1)
			diags = append(diags, d...)
			creq := addReq(componentAddr(scope.Path, cname), cpl, 1, demandOfComponents(&config.Module{Components: map[string]*config.Component{cname: comp}}), comp.DeclRange)
			creq.comp.Hosts = hosts(scope.Module, inputs[name], []string{cname})
			exclude(creq, eval.UnrealisableSites(scope.Module, m, []string{cname}, eval.CandidateSites(cpl, sites)))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Storages)) {
		addr := config.ObjectAddr{Module: mod, Kind: config.StorageKind, Name: name}
		st, pl, d := eval.EvalStorage(sc, m, sites, m.Storages[name], addr)
		diags = append(diags, d...)
		req := addReq(addr, pl, st.QoS.Copies, nil, st.Range)
		req.storage = st
		candidates := eval.CandidateSites(pl, sites)
		for site, why := range eval.StorageUnfit(st, candidates, m) {
			if req.comp.Excluded == nil {
				req.comp.Excluded = map[string]string{}
			}
			req.comp.Excluded[site] = why
		}
		exclude(req, eval.UnrealisableStorage(st, candidates, m))
	}
	if diags.HasErrors() {
		return diags
	}
	if len(rankSites) == 0 {
		detail := "The configuration declares deployments or storage, but no site block. Declare at least one site (site \"local\" { provider = indigo, kind = \"local\" } runs things on this machine)."
		if len(m.SiteBlocks) > 0 {
			detail = fmt.Sprintf("The configuration declares deployments or storage, but its site blocks make no site: the for_each of %s is empty. Give it a key, or declare another site.", strings.Join(slices.Sorted(maps.Keys(m.SiteBlocks)), ", "))
		}
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No sites to place on",
			Detail:   detail,
			Subject:  reqs[0].decl.Ptr(),
		})
	}
	comps := make([]rank.Component, len(reqs))
	for i := range reqs {
		comps[i] = reqs[i].comp
	}
	var rankings []rank.Ranking
	if r.fixed != nil {
		// Applying a plan: keep the sites it chose.
		for _, req := range reqs {
			fp := r.fixed[req.addr]
			if fp == nil {
				rankings = append(rankings, rank.Rank(req.comp, rankSites, usage, weights, r.now))
				continue
			}
			rk := fp.Ranking
			rk.Copies = fp.Sites
			if len(fp.Sites) > 0 {
				rk.Chosen = fp.Sites[0]
			}
			rankings = append(rankings, rk)
		}
	} else {
		rankings = rank.PlaceAll(comps, rankSites, usage, weights, r.now)
	}
	var storages []*binding.Storage
	for i, rk := range rankings {
		req := reqs[i]
		if rk.Chosen == "" {
			diags = append(diags, noSiteDiags(req.addr, rk, req.decl, req.unrealisable)...)
			continue
		}
		sitesChosen := rk.Copies
		if len(sitesChosen) == 0 {
			sitesChosen = []string{rk.Chosen}
		}
		pl := &placement{addr: req.addr, sites: sitesChosen, ranking: rk, fallback: req.fallback}
		if prev := r.prior.Placements[req.addr]; prev != nil {
			pl.previous = prev.Sites
		}
		r.placements[req.addr] = pl
		if rk.Outcome == rank.OutcomePartial {
			// The number of copies is the QoS itself: fewer is a broken
			// promise, not a degraded success.
			var lines []string
			for _, s := range rk.Scored {
				if s.Rejected {
					lines = append(lines, fmt.Sprintf("  site %s: %s", s.Site, strings.Join(s.Reasons, "; ")))
				}
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Fewer sites than copies",
				Detail: fmt.Sprintf("%s asks for %d copies, one per site, but only %d site(s) can take one (%s). The others were ruled out:\n%s\nLower copies, relax the QoS, or add sites.",
					req.addr, req.comp.Copies, len(sitesChosen), strings.Join(sitesChosen, ", "), strings.Join(lines, "\n")),
				Subject: req.decl.Ptr(),
			})
			continue
		}
		if req.storage != nil {
			for _, s := range sitesChosen {
				req.storage.Copies = append(req.storage.Copies, sites[s].Binding(m))
			}
			diags = append(diags, r.realiseStorage(c, req.storage)...)
			storages = append(storages, req.storage)
		}
	}
	if diags.HasErrors() {
		return diags
	}
	for _, name := range slices.Sorted(maps.Keys(m.Deployments)) {
		diags = append(diags, r.realiseDeployment(c, name, sites, inputs[name])...)
	}
	if diags.HasErrors() {
		return diags
	}
	return append(diags, r.realiseAccess(c, sites, groups, policies, storages)...)
}

// addKindProviders declares the provider configuration of each site whose
// kind builds one from its settings (an s3 site names no provider): the
// kind's provider with the site's name as alias. Module m is the planner's
// copy.
func (r *run) addKindProviders(m *config.Module, sites map[string]*eval.Site) {
	for _, name := range slices.Sorted(maps.Keys(sites)) {
		s := sites[name]
		if s.Decl.Provider.LocalName != "" || s.Kind == nil || s.Kind.Provider == nil {
			continue
		}
		var peers []binding.Site
		for _, other := range slices.Sorted(maps.Keys(sites)) {
			if o := sites[other]; other != name && o.Kind == s.Kind {
				peers = append(peers, o.Binding(m))
			}
		}
		ref := s.ProviderRef()
		m.ProviderConfigs = maps.Clone(m.ProviderConfigs)
		m.ProviderConfigs[ref.String()] = &config.ProviderConfig{Name: ref.LocalName, Alias: ref.Alias, Config: s.Kind.Provider(s.Binding(m), peers), DeclRange: s.Decl.DeclRange}
		decl := *s.Decl
		decl.Provider = ref
		m.Sites = maps.Clone(m.Sites)
		m.Sites[name] = &decl
	}
}

// rankSite is what the ranking needs of an evaluated site.
func rankSite(s *eval.Site, observed *rank.Metrics) rank.Site {
	rs := rank.Site{Name: s.Decl.Name, Kind: s.Decl.Kind, SLAID: s.Decl.SLAID, Location: s.Location,
		Capabilities: s.Capabilities, SLA: s.SLA, Shares: s.Shares, Cost: s.Cost, Metrics: observed}
	if s.HasAvailability {
		rs.Availability = s.Availability
	}
	return rs
}

// noSiteDiags says why no site can take a component. When every candidate
// was ruled out because the component cannot be realised there, the
// realisation errors themselves are reported, at the components, as
// validate reports them.
func noSiteDiags(addr config.ObjectAddr, rk rank.Ranking, decl hcl.Range, unrealisable map[string]hcl.Diagnostics) hcl.Diagnostics {
	var lines []string
	onlyRealisation := len(rk.Scored) > 0
	for _, s := range rk.Scored {
		if !s.Rejected {
			continue
		}
		lines = append(lines, fmt.Sprintf("  site %s: %s", s.Site, strings.Join(s.Reasons, "; ")))
		if _, ok := unrealisable[s.Site]; !ok || len(s.Reasons) > 1 {
			onlyRealisation = false
		}
	}
	if onlyRealisation {
		var diags hcl.Diagnostics
		for _, s := range rk.Scored {
			diags = append(diags, unrealisable[s.Site]...)
		}
		return diags
	}
	detail := fmt.Sprintf("Every candidate site was ruled out for %s:\n%s", addr, strings.Join(lines, "\n"))
	if len(lines) == 0 {
		detail = fmt.Sprintf("No candidate site is left for %s. %s", addr, rk.Reason)
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "No site can take " + addr.String(),
		Detail:   detail + "\nRelax the placement's requirements, add sites, or free capacity.",
		Subject:  decl.Ptr(),
	}}
}

// demandOfComponents sums what the compute components of a template ask of
// their host (TOSCA host capability num_cpus and mem_size), when they say
// it as constants.
func demandOfComponents(m *config.Module) map[string]float64 {
	out := map[string]float64{}
	for _, c := range m.Components {
		host := c.Capabilities["host"]
		if host == nil {
			continue
		}
		for prop, res := range map[string]string{"num_cpus": "cpus", "mem_size": "memory", "num_gpus": "gpus"} {
			if e := host[prop]; e != nil {
				if v, d := e.Value(nil); !d.HasErrors() {
					if q, ok := quantityOf(v); ok {
						out[res] += q
					}
				}
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// quantityOf reads a number or a quantity string ("4GiB").
func quantityOf(v cty.Value) (float64, bool) {
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() || v.IsNull() {
		return 0, false
	}
	switch v.Type() {
	case cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f, true
	case cty.String:
		q, err := units.ParseQuantity(v.AsString())
		return q, err == nil
	}
	return 0, false
}

// realiseDeployment binds a deployment's components to the chosen site and
// adds the resources they become to its scope; servers get the flavor and
// image chosen from the site's catalogue.
func (r *run) realiseDeployment(c *config.Config, name string, sites map[string]*eval.Site, inputs cty.Value) hcl.Diagnostics {
	addr := config.ObjectAddr{Module: c.Path.UnkeyedInstance(), Kind: config.DeploymentKind, Name: name}
	pl := r.placements[addr]
	scope := c.Children[config.Step{Kind: config.DeploymentStep, Name: name}]
	if pl == nil || scope == nil {
		return nil
	}
	var diags hcl.Diagnostics
	for _, cname := range slices.Sorted(maps.Keys(scope.Module.Components)) {
		comp := scope.Module.Components[cname]
		siteName := pl.sites[0]
		if own := r.placements[componentAddr(scope.Path, cname)]; own != nil && len(own.sites) > 0 {
			siteName = own.sites[0]
		}
		site := sites[siteName]
		if site == nil {
			continue
		}
		bs := site.Binding(c.Module)
		bs.Fits = r.serverFits(scope, inputs, []string{cname}, site)
		real, d := binding.Realise(comp, scope.Module.Components, bs)
		diags = append(diags, d...)
		if real == nil {
			continue
		}
		r.realisations[componentAddr(scope.Path, cname)] = real
		for _, res := range real.Resources {
			key := res.Type + "." + res.Name
			if prev, clash := scope.Module.ManagedResources[key]; clash && prev.Component != res.Component {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Generated resource name clash", Detail: fmt.Sprintf("Component %s generates %s, which the deployment already declares. Rename one of them.", cname, key), Subject: comp.DeclRange.Ptr()})
				continue
			}
			scope.Module.ManagedResources[key] = res
		}
	}
	return diags
}

// realiseStorage creates the scope of the resources that hold a storage's
// copies, each realised by its site's kind.
func (r *run) realiseStorage(c *config.Config, st *binding.Storage) hcl.Diagnostics {
	var diags hcl.Diagnostics
	mod := config.NewModule(c.Module.SourceDir)
	for i := range st.Copies {
		real, d := binding.RealiseStorage(st, i)
		diags = append(diags, d...)
		if real == nil {
			continue
		}
		for _, res := range real.Resources {
			mod.ManagedResources[res.Type+"."+res.Name] = res
		}
		// storage.NAME.copies[SITE] is what the copy's kind says of it
		// (its bucket, its path).
		obj := &hclsyntax.ObjectConsExpr{SrcRange: st.Range, OpenRange: st.Range}
		for _, k := range slices.Sorted(maps.Keys(real.Attributes)) {
			e, ok := real.Attributes[k].(hclsyntax.Expression)
			if !ok {
				continue
			}
			obj.Items = append(obj.Items, hclsyntax.ObjectConsItem{
				KeyExpr:   &hclsyntax.ObjectConsKeyExpr{Wrapped: &hclsyntax.LiteralValueExpr{Val: cty.StringVal(k), SrcRange: st.Range}, ForceNonLiteral: true},
				ValueExpr: e,
			})
		}
		site := st.Copies[i].Name
		mod.Outputs[site] = &config.Output{Name: site, Expr: obj, DeclRange: st.Range}
	}
	c.AddChild(config.Step{Kind: config.StorageStep, Name: st.Addr.Name}, mod, st.Range, "")
	return diags
}

// placementRecord converts a placement into what state records.
func placementRecord(p *placement, now time.Time) *state.Placement {
	rec := &state.Placement{Sites: append([]string(nil), p.sites...), PlacedAt: now}
	for _, s := range p.ranking.Scored {
		summary := ""
		if s.Rejected {
			summary = "rejected: " + strings.Join(s.Reasons, "; ")
		}
		rec.Scores = append(rec.Scores, state.SiteScore{Site: s.Site, Score: s.Score, Summary: summary})
	}
	return rec
}
