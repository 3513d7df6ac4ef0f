package planner

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

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
func placedAddr(p config.ModulePath, step config.Step) string {
	kind := config.DeploymentKind
	if step.Kind == config.StorageStep {
		kind = config.StorageKind
	}
	return config.ObjectAddr{Module: p.UnkeyedInstance(), Kind: kind, Name: step.Name}.String()
}

// siteFor returns the site a resource of the placed scope goes to.
func (p *placement) siteFor(res *config.Resource) string {
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
	return r.placements[config.ObjectAddr{Module: scope.UnkeyedInstance(), Kind: config.ComponentKind, Name: res.Component}.String()]
}

// siteInfo is a site's evaluated block.
type siteInfo struct {
	decl *config.Site
	site rank.Site
	// value is what site.NAME evaluates to.
	value cty.Value
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
		sc := &eval.Scope{Data: static, Module: c.Path.UnkeyedInstance(), Functions: r.funcs}
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
	rng := hcl.Range{Filename: "(implicit local site)"}
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{
		"root": {Name: "root", Expr: &hclsyntax.LiteralValueExpr{Val: cty.StringVal(".indigo/sites/local"), SrcRange: rng}, SrcRange: rng, NameRange: rng},
	}, SrcRange: rng, EndRange: rng}
	m.ProviderConfigs = copyMap(m.ProviderConfigs)
	m.ProviderConfigs["indigo."+ImplicitSite] = &config.ProviderConfig{Name: "indigo", Alias: ImplicitSite, Config: body, DeclRange: rng}
	m.Sites = copyMap(m.Sites)
	m.Sites[ImplicitSite] = &config.Site{
		Name:      ImplicitSite,
		Provider:  config.LocalProviderRef{LocalName: "indigo", Alias: ImplicitSite},
		Kind:      binding.Local,
		Location:  &hclsyntax.LiteralValueExpr{Val: cty.StringVal("local"), SrcRange: rng},
		SLA:       map[string]*hcl.Attribute{},
		DeclRange: rng,
	}
	r.addNote(plan.Note{Subject: "site." + ImplicitSite, Summary: "No site is declared: deployments and storage go to the implicit local site (this machine, under .indigo/sites/local)."})
}

func (r *run) placeModule(ctx context.Context, c *config.Config, sc *eval.Scope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	m := c.Module
	if c.Parent == nil && len(m.Sites) == 0 && (len(m.Deployments) > 0 || len(m.Storages) > 0) {
		r.addImplicitSite(m)
	}
	mod := c.Path.UnkeyedInstance()
	sites := map[string]*siteInfo{}
	sources := map[string]metrics.Source{}
	for _, name := range sortedKeys(m.Sites) {
		si, src, d := r.evalSite(sc, m.Sites[name])
		diags = append(diags, d...)
		if si == nil {
			continue
		}
		sites[name] = si
		if src != nil {
			sources[name] = *src
		}
		r.store.setObject(mod, config.ObjectRef{Kind: config.SiteKind, Name: name}, si.value)
	}
	for _, name := range sortedKeys(m.Groups) {
		g := m.Groups[name]
		members, _ := sc.EvalExpr(g.Members, cty.List(cty.String))
		r.store.setObject(mod, config.ObjectRef{Kind: config.GroupKind, Name: name}, cty.ObjectVal(map[string]cty.Value{
			"name":    cty.StringVal(name),
			"members": members,
		}))
	}
	if len(sources) > 0 {
		reader := r.opts.Metrics
		if reader == nil {
			reader = &metrics.Fetcher{}
		}
		got := reader.FetchAll(ctx, sources, r.now)
		for name, mt := range got {
			if si := sites[name]; si != nil {
				si.site.Metrics = mt
			}
		}
	}
	if len(m.Deployments) == 0 && len(m.Storages) == 0 {
		return diags
	}
	var rankSites []rank.Site
	for _, name := range sortedKeys(sites) {
		rankSites = append(rankSites, sites[name].site)
	}
	weights, wd := r.evalWeights(sc, m)
	diags = append(diags, wd...)

	// Gather the components to place.
	type request struct {
		addr     config.ObjectAddr
		comp     rank.Component
		fallback bool
		decl     hcl.Range
	}
	var reqs []request
	var usage rank.Usage
	addReq := func(addr config.ObjectAddr, p *config.Placement, copies int, demandHint map[string]float64, declRange hcl.Range) {
		rc := rank.Component{Addr: addr.String(), Copies: copies}
		fallback := false
		if p != nil {
			fallback = p.Fallback
			for _, s := range p.Sites {
				rc.Candidates = append(rc.Candidates, r.siteRefNames(s, sites)...)
			}
			for _, s := range p.Prefer {
				rc.Prefer = append(rc.Prefer, r.siteRefNames(s, sites)...)
			}
			if p.Group != nil {
				rc.Group = p.Group.Name
			}
			req, d := r.evalRequire(sc, p)
			diags = append(diags, d...)
			rc.Demand, rc.Locations, rc.Capabilities = req.demand, req.locations, req.capabilities
			if p.Weights != nil {
				val, d := sc.EvalExpr(p.Weights, cty.Map(cty.Number))
				diags = append(diags, d...)
				if !d.HasErrors() && val.IsWhollyKnown() && !val.IsNull() {
					over := map[string]float64{}
					for k, v := range val.AsValueMap() {
						f, _ := v.AsBigFloat().Float64()
						over[k] = f
					}
					if w, err := weights.With(over); err == nil {
						rc.Weights = &w
					}
				}
			}
			for _, n := range p.Near {
				if prev := r.prior.Placements[config.ObjectAddr{Module: mod, Kind: config.StorageKind, Name: n.Name}]; prev != nil {
					rc.Near = append(rc.Near, prev.Sites...)
				}
			}
		}
		if len(rc.Demand) == 0 && len(demandHint) > 0 {
			rc.Demand = demandHint
		}
		if excluded := r.opts.ExcludeSites[addr.String()]; len(excluded) > 0 {
			rc.Candidates = withoutSites(candidatesOrAll(rc.Candidates, sites), excluded)
			if len(rc.Candidates) == 0 {
				rc.Candidates = []string{"(none left)"}
			}
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
			if r.opts.Replan || len(r.opts.ExcludeSites[addr.String()]) > 0 {
				rc.Current, rc.CurrentCopies = "", nil
			}
		}
		reqs = append(reqs, request{addr: addr, comp: rc, fallback: fallback, decl: declRange})
	}
	for _, name := range sortedKeys(m.Deployments) {
		dep := m.Deployments[name]
		addr := config.ObjectAddr{Module: mod, Kind: config.DeploymentKind, Name: name}
		scope := c.Children[config.Step{Kind: config.DeploymentStep, Name: name}]
		p := dep.Placement
		if p == nil && scope != nil && scope.Module.Template != nil {
			p = scope.Module.Template.Placement
		}
		var hint map[string]float64
		if scope != nil {
			hint = demandOfComponents(scope.Module)
		}
		addReq(addr, p, 1, hint, dep.DeclRange)
		// Components with a placement of their own (a TOSCA placement
		// policy that targets them) are placed on their own.
		if scope != nil {
			for _, cname := range sortedKeys(scope.Module.Components) {
				comp := scope.Module.Components[cname]
				if comp.Placement == nil {
					continue
				}
				caddr := config.ObjectAddr{Module: scope.Path.UnkeyedInstance(), Kind: config.ComponentKind, Name: cname}
				addReq(caddr, comp.Placement, 1, demandOfComponents(&config.Module{Components: map[string]*config.Component{cname: comp}}), comp.DeclRange)
			}
		}
	}
	for _, name := range sortedKeys(m.Storages) {
		st := m.Storages[name]
		addr := config.ObjectAddr{Module: mod, Kind: config.StorageKind, Name: name}
		copies := 1
		var hint map[string]float64
		if st.QoS != nil {
			if st.QoS.Copies != nil {
				v, d := sc.EvalExpr(st.QoS.Copies, cty.Number)
				diags = append(diags, d...)
				if !d.HasErrors() && v.IsKnown() && !v.IsNull() {
					n, _ := v.AsBigFloat().Int64()
					copies = int(n)
				}
			}
			if st.QoS.Size != nil {
				v, d := sc.EvalExpr(st.QoS.Size, cty.DynamicPseudoType)
				diags = append(diags, d...)
				if q, ok := quantityOf(v); ok {
					hint = map[string]float64{"storage": q}
				}
			}
			if st.QoS.Locations != nil {
				// Copies must go to these locations: a hard constraint.
				v, d := sc.EvalExpr(st.QoS.Locations, cty.List(cty.String))
				diags = append(diags, d...)
				_ = v
			}
		}
		addReq(addr, st.Placement, copies, hint, st.DeclRange)
		if st.QoS != nil && st.QoS.Locations != nil {
			v, _ := sc.EvalExpr(st.QoS.Locations, cty.List(cty.String))
			if v.IsWhollyKnown() && !v.IsNull() {
				last := &reqs[len(reqs)-1].comp
				for _, l := range v.AsValueSlice() {
					last.Locations = append(last.Locations, l.AsString())
				}
			}
		}
	}
	if diags.HasErrors() {
		return diags
	}
	if len(rankSites) == 0 {
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No sites to place on",
			Detail:   "The configuration declares deployments or storage, but no site block. Declare at least one site (site \"local\" { provider = indigo, kind = \"local\" } runs things on this machine).",
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
			fp := r.fixed[req.addr.String()]
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
	for i, rk := range rankings {
		req := reqs[i]
		if rk.Chosen == "" {
			diags = append(diags, noSiteDiag(req.addr.String(), rk, req.decl))
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
		r.placements[req.addr.String()] = pl
		if rk.Outcome == rank.OutcomePartial {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Fewer copies than asked for",
				Detail:   fmt.Sprintf("%s asks for %d copies but only %d site(s) can take one: %s.", req.addr, req.comp.Copies, len(sitesChosen), rk.Reason),
				Subject:  req.decl.Ptr(),
			})
		}
	}
	if diags.HasErrors() {
		return diags
	}
	for _, name := range sortedKeys(m.Deployments) {
		diags = append(diags, r.realiseDeployment(c, name, sites)...)
	}
	for _, name := range sortedKeys(m.Storages) {
		diags = append(diags, r.realiseStorage(c, name, sites)...)
	}
	return diags
}

func candidatesOrAll(c []string, sites map[string]*siteInfo) []string {
	if len(c) > 0 {
		return c
	}
	return sortedKeys(sites)
}

func withoutSites(list, drop []string) []string {
	var out []string
	for _, s := range list {
		skip := false
		for _, d := range drop {
			if s == d {
				skip = true
			}
		}
		if !skip {
			out = append(out, s)
		}
	}
	return out
}

func noSiteDiag(addr string, rk rank.Ranking, decl hcl.Range) *hcl.Diagnostic {
	var lines []string
	for _, s := range rk.Scored {
		if s.Rejected {
			lines = append(lines, fmt.Sprintf("  site %s: %s", s.Site, strings.Join(s.Reasons, "; ")))
		}
	}
	detail := fmt.Sprintf("Every candidate site was ruled out for %s:\n%s", addr, strings.Join(lines, "\n"))
	if len(lines) == 0 {
		detail = fmt.Sprintf("No candidate site is left for %s. %s", addr, rk.Reason)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "No site can take " + addr,
		Detail:   detail + "\nRelax the placement's requirements, add sites, or free capacity.",
		Subject:  decl.Ptr(),
	}
}

// siteRefNames resolves a placement's site reference: by name, or every
// site that signed the SLA.
func (r *run) siteRefNames(ref config.SiteRef, sites map[string]*siteInfo) []string {
	if ref.Name != "" {
		return []string{ref.Name}
	}
	var out []string
	for _, name := range sortedKeys(sites) {
		if ref.SLA != "" && sites[name].site.SLAID == ref.SLA {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		out = []string{"(no site with SLA " + ref.SLA + ")"}
	}
	return out
}

// evalSite evaluates a site block.
func (r *run) evalSite(sc *eval.Scope, s *config.Site) (*siteInfo, *metrics.Source, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	rs := rank.Site{Name: s.Name, Kind: s.Kind, SLAID: s.SLAID, SLA: map[string]float64{}}
	str := func(e hcl.Expression) string {
		if e == nil {
			return ""
		}
		v, d := sc.EvalExpr(e, cty.String)
		diags = append(diags, d...)
		if d.HasErrors() || !v.IsKnown() || v.IsNull() {
			return ""
		}
		v, _ = v.Unmark()
		return v.AsString()
	}
	rs.Location = str(s.Location)
	if s.Capabilities != nil {
		v, d := sc.EvalExpr(s.Capabilities, cty.List(cty.String))
		diags = append(diags, d...)
		if !d.HasErrors() && v.IsWhollyKnown() && !v.IsNull() {
			for _, x := range v.AsValueSlice() {
				rs.Capabilities = append(rs.Capabilities, x.AsString())
			}
		}
	}
	for _, name := range sortedKeys(s.SLA) {
		a := s.SLA[name]
		v, d := sc.EvalExpr(a.Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
		q, ok := quantityOf(v)
		if !ok {
			if !d.HasErrors() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid SLA value", Detail: fmt.Sprintf("SLA %s must be a known number or quantity such as \"1.5TiB\".", name), Subject: a.Expr.Range().Ptr()})
			}
			continue
		}
		if name == "availability" {
			rs.Availability = q
			continue
		}
		rs.SLA[name] = q
	}
	numMap := func(e hcl.Expression) map[string]float64 {
		if e == nil {
			return nil
		}
		v, d := sc.EvalExpr(e, cty.Map(cty.Number))
		diags = append(diags, d...)
		if d.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
			return nil
		}
		out := map[string]float64{}
		for k, x := range v.AsValueMap() {
			f, _ := x.AsBigFloat().Float64()
			out[k] = f
		}
		return out
	}
	rs.Shares = numMap(s.Shares)
	rs.Cost = numMap(s.Cost)
	var src *metrics.Source
	if s.Metrics != nil {
		v, d := sc.EvalExpr(s.Metrics, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if !d.HasErrors() && v.IsWhollyKnown() && !v.IsNull() {
			src = metricsSource(v, r.cfg.Module.SourceDir)
		}
	}
	caps := make([]cty.Value, 0, len(rs.Capabilities))
	for _, x := range rs.Capabilities {
		caps = append(caps, cty.StringVal(x))
	}
	capsVal := cty.ListValEmpty(cty.String)
	if len(caps) > 0 {
		capsVal = cty.ListVal(caps)
	}
	value := cty.ObjectVal(map[string]cty.Value{
		"name":         cty.StringVal(s.Name),
		"kind":         cty.StringVal(s.Kind),
		"location":     cty.StringVal(rs.Location),
		"capabilities": capsVal,
	})
	return &siteInfo{decl: s, site: rs, value: value}, src, diags
}

func metricsSource(v cty.Value, baseDir string) *metrics.Source {
	v, _ = v.UnmarkDeep()
	var src metrics.Source
	if v.Type() == cty.String {
		src = metrics.ParseSource(v.AsString())
	} else if v.Type().IsObjectType() && v.Type().HasAttribute("source") {
		src = metrics.ParseSource(v.GetAttr("source").AsString())
		if v.Type().HasAttribute("max_age") {
			if d, err := time.ParseDuration(v.GetAttr("max_age").AsString()); err == nil {
				src.MaxAge = d
			}
		}
		if v.Type().HasAttribute("timeout") {
			if d, err := time.ParseDuration(v.GetAttr("timeout").AsString()); err == nil {
				src.Timeout = d
			}
		}
		if v.Type().HasAttribute("format") {
			src.Format = metrics.Format(v.GetAttr("format").AsString())
		}
	} else {
		return nil
	}
	if src.Path != "" && !filepath.IsAbs(src.Path) {
		src.Path = filepath.Join(baseDir, src.Path)
	}
	return &src
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

type requirement struct {
	demand       map[string]float64
	locations    []string
	capabilities []string
}

// evalRequire reads a placement's require object: numbers are demands;
// location(s) and capabilities are constraints.
func (r *run) evalRequire(sc *eval.Scope, p *config.Placement) (requirement, hcl.Diagnostics) {
	var req requirement
	if p.Require == nil {
		return req, nil
	}
	v, diags := sc.EvalExpr(p.Require, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return req, diags
	}
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return req, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Placement requirements must be known", Detail: "require is decided before anything is created, so it cannot depend on resources. Use variables and locals.", Subject: p.Require.Range().Ptr()})
	}
	if v.IsNull() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		return req, diags
	}
	for k, x := range v.AsValueMap() {
		switch k {
		case "location", "locations":
			if l, err := convert.Convert(x, cty.List(cty.String)); err == nil {
				for _, s := range l.AsValueSlice() {
					req.locations = append(req.locations, s.AsString())
				}
			} else if s, err := convert.Convert(x, cty.String); err == nil {
				req.locations = append(req.locations, s.AsString())
			}
		case "capabilities":
			if l, err := convert.Convert(x, cty.List(cty.String)); err == nil {
				for _, s := range l.AsValueSlice() {
					req.capabilities = append(req.capabilities, s.AsString())
				}
			}
		default:
			q, ok := quantityOf(x)
			if !ok {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid placement requirement", Detail: fmt.Sprintf("%s must be a number or a quantity such as \"8GiB\" (location and capabilities take names).", k), Subject: p.Require.Range().Ptr()})
				continue
			}
			if req.demand == nil {
				req.demand = map[string]float64{}
			}
			req.demand[k] = q
		}
	}
	sort.Strings(req.locations)
	return req, diags
}

func (r *run) evalWeights(sc *eval.Scope, m *config.Module) (rank.Weights, hcl.Diagnostics) {
	w := rank.DefaultWeights()
	if m.Settings.Ranking == nil {
		if r.cfg.Module.Settings.Ranking == nil {
			return w, nil
		}
		m = r.cfg.Module
	}
	over := map[string]float64{}
	var diags hcl.Diagnostics
	for name, e := range m.Settings.Ranking.Weights {
		v, d := sc.EvalExpr(e, cty.Number)
		diags = append(diags, d...)
		if !d.HasErrors() && v.IsKnown() && !v.IsNull() {
			f, _ := v.AsBigFloat().Float64()
			over[name] = f
		}
	}
	out, err := w.With(over)
	if err != nil {
		return w, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid ranking weights", Detail: err.Error(), Subject: m.Settings.Ranking.DeclRange.Ptr()})
	}
	return out, diags
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

// realiseDeployment binds a deployment's components to the chosen site and
// adds the resources they become to its scope.
func (r *run) realiseDeployment(c *config.Config, name string, sites map[string]*siteInfo) hcl.Diagnostics {
	addr := config.ObjectAddr{Module: c.Path.UnkeyedInstance(), Kind: config.DeploymentKind, Name: name}
	pl := r.placements[addr.String()]
	scope := c.Children[config.Step{Kind: config.DeploymentStep, Name: name}]
	if pl == nil || scope == nil {
		return nil
	}
	var diags hcl.Diagnostics
	bindingSite := func(name string) (binding.Site, bool) {
		si := sites[name]
		if si == nil {
			return binding.Site{}, false
		}
		return binding.Site{
			Name:              si.decl.Name,
			Kind:              si.decl.Kind,
			ProviderLocalName: si.decl.Provider.LocalName,
			ProviderAlias:     si.decl.Provider.Alias,
			Provider:          c.Module.ProviderFor(si.decl.Provider.LocalName),
			Range:             si.decl.DeclRange,
		}, true
	}
	for _, cname := range sortedKeys(scope.Module.Components) {
		comp := scope.Module.Components[cname]
		siteName := pl.sites[0]
		if own := r.placements[config.ObjectAddr{Module: scope.Path.UnkeyedInstance(), Kind: config.ComponentKind, Name: cname}.String()]; own != nil && len(own.sites) > 0 {
			siteName = own.sites[0]
		}
		bs, ok := bindingSite(siteName)
		if !ok {
			continue
		}
		real, d := binding.Realise(comp, scope.Module.Components, bs)
		diags = append(diags, d...)
		if real == nil {
			continue
		}
		r.realisations[string(scope.Path)+"|"+cname] = real
		for _, res := range real.Resources {
			key := res.Type + "." + res.Name
			if prev, clash := scope.Module.ManagedResources[key]; clash && prev.Component != res.Component {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Generated resource name clash", Detail: fmt.Sprintf("Component %s generates %s, which the deployment already declares. Rename one of them.", cname, key), Subject: comp.DeclRange.Ptr()})
				continue
			}
			scope.Module.ManagedResources[key] = res
		}
		for _, step := range real.Steps {
			if step.Executed {
				continue
			}
			subject := scope.Path.String() + ".component." + cname
			r.addNote(plan.Note{
				Subject: subject,
				Summary: fmt.Sprintf("%s %s.%s: %s", subject, step.Interface, step.Operation, binding.NotExecuted),
				Detail:  fmt.Sprintf("implementation %s; kept in the plan so the order of configuration steps is visible.", step.Implementation),
			})
		}
	}
	return diags
}

// realiseStorage creates the scope of the resources that hold a storage's
// copies on the chosen sites.
func (r *run) realiseStorage(c *config.Config, name string, sites map[string]*siteInfo) hcl.Diagnostics {
	addr := config.ObjectAddr{Module: c.Path.UnkeyedInstance(), Kind: config.StorageKind, Name: name}
	pl := r.placements[addr.String()]
	st := c.Module.Storages[name]
	if pl == nil || st == nil {
		return nil
	}
	var diags hcl.Diagnostics
	mod := config.NewModule(c.Module.SourceDir)
	rng := st.DeclRange
	lit := func(v cty.Value) hclsyntax.Expression { return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: rng} }
	qos := storageQoSJSON(r, c, st)
	for _, siteName := range pl.sites {
		si := sites[siteName]
		if si == nil {
			continue
		}
		if si.decl.Kind != binding.Local {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Storage not supported on this kind of site yet",
				Detail:   fmt.Sprintf("Storage %s was placed on site %s, a %s site; indigo realises storage on local sites today. Restrict its placement to local sites.", name, siteName, si.decl.Kind),
				Subject:  st.DeclRange.Ptr(),
			})
			continue
		}
		ref := &config.LocalProviderRef{LocalName: si.decl.Provider.LocalName, Alias: si.decl.Provider.Alias}
		dirName := binding.Name("copy_" + siteName)
		dir := "storage/" + name
		body := func(attrs map[string]hclsyntax.Expression) *hclsyntax.Body {
			b := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
			for k, e := range attrs {
				b.Attributes[k] = &hclsyntax.Attribute{Name: k, Expr: e, SrcRange: rng, NameRange: rng}
			}
			return b
		}
		prov := c.Module.ProviderFor(ref.LocalName)
		mod.ManagedResources["indigo_directory."+dirName] = &config.Resource{
			Mode: config.ManagedMode, Type: "indigo_directory", Name: dirName,
			Config:      body(map[string]hclsyntax.Expression{"path": lit(cty.StringVal(dir))}),
			ProviderRef: ref, Provider: prov, Managed: &config.ManagedResource{},
			DeclRange: rng, TypeRange: rng,
		}
		manifest := binding.Name("qos_" + siteName)
		mod.ManagedResources["indigo_file."+manifest] = &config.Resource{
			Mode: config.ManagedMode, Type: "indigo_file", Name: manifest,
			Config: body(map[string]hclsyntax.Expression{
				"path": &hclsyntax.TemplateExpr{Parts: []hclsyntax.Expression{
					&hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
						hcl.TraverseRoot{Name: "indigo_directory", SrcRange: rng},
						hcl.TraverseAttr{Name: dirName, SrcRange: rng},
						hcl.TraverseAttr{Name: "path", SrcRange: rng},
					}, SrcRange: rng},
					lit(cty.StringVal("/.indigo-qos.json")),
				}, SrcRange: rng},
				"content": lit(cty.StringVal(qos)),
			}),
			ProviderRef: ref, Provider: prov, Managed: &config.ManagedResource{},
			DeclRange: rng, TypeRange: rng,
		}
	}
	c.AddChild(config.Step{Kind: config.StorageStep, Name: name}, mod, st.DeclRange, "")
	return diags
}

// storageQoSJSON renders the QoS a storage asked for, recorded beside each
// copy so that tools (and people) on the site can see it.
func storageQoSJSON(r *run, c *config.Config, st *config.Storage) string {
	static := eval.StaticData(r.cfg, eval.ValidateOptions{Vars: r.opts.Vars, Workspace: r.opts.Workspace})
	sc := &eval.Scope{Data: static, Module: c.Path.UnkeyedInstance(), Functions: r.funcs}
	attrs := map[string]cty.Value{"storage": cty.StringVal(st.Name)}
	if q := st.QoS; q != nil {
		for name, e := range map[string]hcl.Expression{"copies": q.Copies, "media": q.Media, "locations": q.Locations, "latency": q.Latency, "size": q.Size, "redundancy": q.Redundancy} {
			if e == nil {
				continue
			}
			if v, d := sc.EvalExpr(e, cty.DynamicPseudoType); !d.HasErrors() && v.IsWhollyKnown() {
				v, _ = v.UnmarkDeep()
				attrs[name] = v
			}
		}
	}
	var rules []cty.Value
	for _, lr := range st.Lifecycle {
		rule := map[string]cty.Value{}
		for name, e := range map[string]hcl.Expression{"after": lr.After, "transition": lr.Transition, "expire": lr.Expire, "prefix": lr.Prefix} {
			if e == nil {
				continue
			}
			if v, d := sc.EvalExpr(e, cty.DynamicPseudoType); !d.HasErrors() && v.IsWhollyKnown() {
				v, _ = v.UnmarkDeep()
				rule[name] = v
			}
		}
		rules = append(rules, cty.ObjectVal(rule))
	}
	if len(rules) > 0 {
		attrs["lifecycle"] = cty.TupleVal(rules)
	}
	b, err := ctyJSON(cty.ObjectVal(attrs))
	if err != nil {
		return "{}"
	}
	return string(b) + "\n"
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
