package eval

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/access"
	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/units"
)

// This file is the one evaluation of indigo's own blocks (site, placement,
// storage, group, ranking). validate, plan, rank and destroy all call these
// functions, so whatever one of them reports about these blocks, the others
// report too, at the same place. Values that are not known yet (validate
// leaves unset variables unknown) are skipped, never guessed.

// Site is a site block, evaluated.
type Site struct {
	Decl *config.Site
	// Kind is the site's kind; nil when the kind is not registered (an
	// error has been reported).
	Kind         *binding.Kind
	Location     string
	Capabilities []string
	// SLA holds the quotas the site promised, by resource, in base units.
	SLA map[string]float64
	// Availability is the promised availability, when HasAvailability.
	Availability    float64
	HasAvailability bool
	Shares          map[string]float64
	Cost            map[string]float64
	// Metrics is where observed figures come from; nil for none.
	Metrics *MetricsSource
	// Settings are the kind's settings (binding.Kind.DecodeSettings).
	Settings cty.Value
}

// MetricsSource is a site's metrics argument.
type MetricsSource struct {
	// Source is a file path (absolute, or relative to the module) or an
	// http(s) URL.
	Source string
	// Format is "", "json" or "prometheus".
	Format  string
	MaxAge  time.Duration
	Timeout time.Duration
}

// EvalSite evaluates a site block of module m.
func EvalSite(sc *Scope, m *config.Module, s *config.Site) (*Site, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := &Site{Decl: s, SLA: map[string]float64{}}
	if it, ok := siteIteration(s); ok {
		sc = sc.WithIteration(it)
	}
	if k, ok := binding.Lookup(s.Kind); ok {
		out.Kind = k
	} else if s.Kind != "" {
		diags = append(diags, binding.UnknownKind(s.Kind, s.KindRange))
	}
	if s.Location != nil {
		if v, ok := known(sc, s.Location, cty.String, &diags); ok {
			out.Location = v.AsString()
		}
	}
	out.Capabilities = evalStrings(sc, s.Capabilities, "capabilities", nil, &diags)
	for _, name := range slices.Sorted(maps.Keys(s.SLA)) {
		a := s.SLA[name]
		v, ok := known(sc, a.Expr, cty.DynamicPseudoType, &diags)
		if !ok {
			continue
		}
		if name == "availability" {
			f, isNum := number(v)
			if !isNum || f < 0 || f > 1 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid SLA availability", Detail: "availability is a fraction between 0 and 1, e.g. 0.995 for 99.5%.", Subject: a.Expr.Range().Ptr()})
				continue
			}
			out.Availability, out.HasAvailability = f, true
			continue
		}
		q, err := quantity(v)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid SLA value", Detail: fmt.Sprintf("SLA %s must be a number or a quantity such as \"1.5TiB\": %s.", name, err), Subject: a.Expr.Range().Ptr()})
			continue
		}
		out.SLA[name] = q
	}
	out.Shares = evalNumbers(sc, s.Shares, &diags)
	if s.Shares != nil {
		for _, g := range slices.Sorted(maps.Keys(out.Shares)) {
			if m.Groups[g] == nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Share for an undeclared group", Detail: undeclaredDetail(fmt.Sprintf("Site %q gives a share to %q, which is not a declared group.", s.Name, g), suggest(g, slices.Sorted(maps.Keys(m.Groups)), ""), "Declare it with a group block, or remove the share."), Subject: s.Shares.Range().Ptr()})
			}
			if f := out.Shares[g]; f < 0 || f > 1 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid share", Detail: "A share is a fraction of the site's SLA capacity between 0 and 1.", Subject: s.Shares.Range().Ptr()})
			}
		}
	}
	out.Cost = evalNumbers(sc, s.Cost, &diags)
	if s.Metrics != nil {
		out.Metrics = evalMetrics(sc, m, s.Metrics, &diags)
	}
	if out.Kind != nil {
		v, d := out.Kind.DecodeSettings(s.Settings, s.DeclRange, sc.EvalExpr)
		diags = append(diags, d...)
		out.Settings = v
		if s.Provider.LocalName == "" && out.Kind.Provider == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing site provider",
				Detail:  fmt.Sprintf("A %s site needs provider = NAME.ALIAS: the provider configuration indigo reaches it through.", s.Kind),
				Subject: s.DeclRange.Ptr()})
		}
	}
	return out, diags
}

// ProviderRef is the provider configuration a site's resources use: the
// one it names, or, for a kind that builds one from the site's settings,
// its default provider with the site's name as alias.
func (s *Site) ProviderRef() config.LocalProviderRef {
	if s.Decl.Provider.LocalName != "" || s.Kind == nil || s.Kind.Provider == nil {
		return s.Decl.Provider
	}
	return config.LocalProviderRef{LocalName: s.Kind.DefaultProvider.Type, Alias: SiteProviderAlias(s.Decl)}
}

// Value is what site.NAME evaluates to.
func (s *Site) Value() cty.Value {
	caps := cty.ListValEmpty(cty.String)
	if len(s.Capabilities) > 0 {
		vals := make([]cty.Value, len(s.Capabilities))
		for i, c := range s.Capabilities {
			vals[i] = cty.StringVal(c)
		}
		caps = cty.ListVal(vals)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"name":         cty.StringVal(s.Decl.Name),
		"kind":         cty.StringVal(s.Decl.Kind),
		"location":     cty.StringVal(s.Location),
		"capabilities": caps,
	})
}

// Binding is the site as a binding sees it; m is the module that declares
// it (for the provider's source address).
func (s *Site) Binding(m *config.Module) binding.Site {
	ref := s.ProviderRef()
	return binding.Site{
		Name:              s.Decl.Name,
		Kind:              s.Decl.Kind,
		ProviderLocalName: ref.LocalName,
		ProviderAlias:     ref.Alias,
		Provider:          m.ProviderFor(ref.LocalName),
		Location:          s.Location,
		Settings:          s.Settings,
		Range:             s.Decl.DeclRange,
	}
}

func evalMetrics(sc *Scope, m *config.Module, e hcl.Expression, diags *hcl.Diagnostics) *MetricsSource {
	v, ok := known(sc, e, cty.DynamicPseudoType, diags)
	if !ok {
		return nil
	}
	bad := func(detail string) *MetricsSource {
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid metrics source", Detail: detail, Subject: e.Range().Ptr()})
		return nil
	}
	src := &MetricsSource{}
	switch {
	case v.Type() == cty.String:
		src.Source = v.AsString()
	case v.Type().IsObjectType():
		for _, attr := range slices.Sorted(maps.Keys(v.Type().AttributeTypes())) {
			if !slices.Contains(config.MetricsSettings, attr) {
				return bad(fmt.Sprintf("%q is not a metrics setting: use %s.", attr, strings.Join(config.MetricsSettings, ", ")))
			}
		}
		str := func(name string) (string, bool) {
			if !v.Type().HasAttribute(name) {
				return "", true
			}
			x, err := convert.Convert(v.GetAttr(name), cty.String)
			if err != nil || x.IsNull() {
				bad(fmt.Sprintf("%s must be a string.", name))
				return "", false
			}
			return x.AsString(), true
		}
		var ok bool
		if src.Source, ok = str("source"); !ok {
			return nil
		}
		if !v.Type().HasAttribute("source") {
			return bad("Set source to a JSON file path or a Prometheus endpoint URL.")
		}
		if src.Format, ok = str("format"); !ok {
			return nil
		}
		if src.Format != "" && !slices.Contains(config.MetricsFormats, src.Format) {
			return bad(fmt.Sprintf("format %q is not a metrics format: use %s (or leave it out to decide by the file name or Content-Type).", src.Format, strings.Join(config.MetricsFormats, " or ")))
		}
		for _, d := range []struct {
			name string
			dst  *time.Duration
		}{{"max_age", &src.MaxAge}, {"timeout", &src.Timeout}} {
			s, ok := str(d.name)
			if !ok {
				return nil
			}
			if s == "" {
				continue
			}
			dur, err := units.ParseDuration(s)
			if err != nil {
				return bad(fmt.Sprintf("%s: %s.", d.name, err))
			}
			*d.dst = dur
		}
	default:
		return bad("metrics is a file path or URL, or an object { source = \"...\", format = \"prometheus\", max_age = \"5m\", timeout = \"2s\" }.")
	}
	if src.Source == "" {
		return bad("The metrics source is empty: give a JSON file path or a Prometheus endpoint URL.")
	}
	if !strings.HasPrefix(src.Source, "http://") && !strings.HasPrefix(src.Source, "https://") && !filepath.IsAbs(src.Source) {
		src.Source = filepath.Join(m.SourceDir, src.Source)
	}
	return src
}

// Placement is a placement block, evaluated.
type Placement struct {
	// Candidates are the sites it may go to, by name; empty means every
	// site of the module.
	Candidates []string
	Prefer     []string
	// Demand is what it needs of a site, by resource, in base units.
	Demand       map[string]float64
	Locations    []string
	Capabilities []string
	// Weights override the module's ranking weights, by criterion.
	Weights  map[string]float64
	Fallback bool
	Group    string
	Near     []config.ObjectRef
}

// EvalPlacement evaluates a placement block (nil gives an empty placement)
// in module m, whose sites are sites (evaluated, by name; a site that did
// not evaluate is absent). copies is how many distinct sites it needs.
func EvalPlacement(sc *Scope, m *config.Module, sites map[string]*Site, p *config.Placement, copies int) (*Placement, hcl.Diagnostics) {
	out := &Placement{}
	if p == nil {
		return out, nil
	}
	var diags hcl.Diagnostics
	out.Fallback = p.Fallback
	if p.Group != nil {
		out.Group = p.Group.Name
	}
	out.Near = p.Near
	resolve := func(refs []config.SiteRef) []string {
		var names []string
		for _, ref := range refs {
			if ref.Name != "" {
				if sel, ok := resolveSiteRef(m, ref, &diags); ok {
					for _, n := range sel {
						if !slices.Contains(names, n) {
							names = append(names, n)
						}
					}
				}
				continue
			}
			var matched []string
			for _, name := range slices.Sorted(maps.Keys(sites)) {
				if id := sites[name].Decl.SLAID; id != "" && id == ref.SLA {
					matched = append(matched, name)
				}
			}
			if len(matched) == 0 {
				var ids []string
				for _, name := range slices.Sorted(maps.Keys(sites)) {
					if id := sites[name].Decl.SLAID; id != "" {
						ids = append(ids, fmt.Sprintf("%q (site %s)", id, name))
					}
				}
				detail := fmt.Sprintf("No site signed the SLA %q, so the placement has no site for it.", ref.SLA)
				if len(ids) > 0 {
					detail += " The SLAs signed are " + strings.Join(ids, ", ") + "."
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No site with this SLA", Detail: detail + " Give a site this sla { id = ... }, or place on named sites.", Subject: ref.Range.Ptr()})
			}
			names = append(names, matched...)
		}
		return names
	}
	out.Candidates = resolve(p.Sites)
	out.Prefer = resolve(p.Prefer)
	if p.Require != nil {
		diags = append(diags, evalRequire(sc, p.Require, out)...)
	}
	if p.Weights != nil {
		w, d := evalWeightMap(sc, p.Weights)
		diags = append(diags, d...)
		out.Weights = w
	}
	candidates := max(len(p.Sites), len(out.Candidates))
	if candidates == 0 {
		candidates = len(m.Sites)
	}
	if copies > 1 && candidates < copies && len(m.Sites) > 0 && !sitesUnknown(m, p.Sites) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Not enough candidate sites",
			Detail:   fmt.Sprintf("%d copies are asked for, but only %d candidate site(s) are listed. Each copy goes to a different site: list more sites or lower copies.", copies, candidates),
			Subject:  p.DeclRange.Ptr(),
		})
	}
	return out, diags
}

// evalRequire reads a placement's require object: numbers and quantities
// are demands; location(s) and capabilities are constraints.
func evalRequire(sc *Scope, e hcl.Expression, out *Placement) hcl.Diagnostics {
	for _, t := range e.Variables() {
		switch t.RootName() {
		case "var", "local", "path", "terraform", "count", "each", "site", "group":
			continue
		}
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Placement requirements must be known", Detail: fmt.Sprintf("require is decided before anything is created, so it cannot depend on %s. Use variables and locals.", t.RootName()), Subject: t.SourceRange().Ptr()}}
	}
	v, diags := sc.EvalExpr(e, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return diags
	}
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return diags
	}
	if v.IsNull() {
		return diags
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid placement requirement", Detail: "require is an object of constraints, e.g. { cpus = 4, memory = \"8GiB\", location = \"IT\", capabilities = [\"gpu\"] }.", Subject: e.Range().Ptr()})
	}
	m := v.AsValueMap()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		x := m[k]
		switch k {
		case "location", "locations":
			if l, err := convert.Convert(x, cty.List(cty.String)); err == nil && !l.IsNull() {
				for _, s := range l.AsValueSlice() {
					out.Locations = append(out.Locations, s.AsString())
				}
			} else if s, err := convert.Convert(x, cty.String); err == nil && !s.IsNull() {
				out.Locations = append(out.Locations, s.AsString())
			} else {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid placement requirement", Detail: k + " is a location name or a list of them, e.g. [\"IT\", \"DE\"].", Subject: e.Range().Ptr()})
			}
		case "capabilities":
			l, err := convert.Convert(x, cty.List(cty.String))
			if err != nil || l.IsNull() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid placement requirement", Detail: "capabilities is a list of names, e.g. [\"gpu\"].", Subject: e.Range().Ptr()})
				continue
			}
			for _, s := range l.AsValueSlice() {
				out.Capabilities = append(out.Capabilities, s.AsString())
			}
		default:
			q, err := quantity(x)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid placement requirement", Detail: fmt.Sprintf("%s must be a number or a quantity such as \"8GiB\" (location and capabilities take names): %s.", k, err), Subject: e.Range().Ptr()})
				continue
			}
			if out.Demand == nil {
				out.Demand = map[string]float64{}
			}
			out.Demand[k] = q
		}
	}
	slices.Sort(out.Locations)
	return diags
}

// EvalWeights evaluates the ranking weights of module m: its own
// indigo { ranking {} } block, or the root module's. Only the weights
// written are returned; the ranking's defaults fill the rest.
func EvalWeights(sc *Scope, m, root *config.Module) (map[string]float64, hcl.Diagnostics) {
	r := m.Settings.Ranking
	if r == nil {
		r = root.Settings.Ranking
	}
	if r == nil {
		return nil, nil
	}
	var diags hcl.Diagnostics
	out := map[string]float64{}
	for _, name := range slices.Sorted(maps.Keys(r.Weights)) {
		e := r.Weights[name]
		if !slices.Contains(config.RankingCriteria, name) {
			diags = append(diags, unknownCriterion(name, e.Range()))
			continue
		}
		v, ok := known(sc, e, cty.Number, &diags)
		if !ok {
			continue
		}
		f, _ := v.AsBigFloat().Float64()
		if d := checkWeight(name, f, e.Range()); d != nil {
			diags = append(diags, d)
			continue
		}
		out[name] = f
	}
	return out, diags
}

func evalWeightMap(sc *Scope, e hcl.Expression) (map[string]float64, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	v, ok := known(sc, e, cty.Map(cty.Number), &diags)
	if !ok {
		return nil, diags
	}
	out := map[string]float64{}
	vm := v.AsValueMap()
	for _, k := range slices.Sorted(maps.Keys(vm)) {
		if !slices.Contains(config.RankingCriteria, k) {
			diags = append(diags, unknownCriterion(k, e.Range()))
			continue
		}
		if vm[k].IsNull() {
			continue
		}
		f, _ := vm[k].AsBigFloat().Float64()
		if d := checkWeight(k, f, e.Range()); d != nil {
			diags = append(diags, d)
			continue
		}
		out[k] = f
	}
	return out, diags
}

func unknownCriterion(name string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown ranking criterion",
		Detail:  fmt.Sprintf("%q is not a ranking criterion; the criteria are %s.%s", name, strings.Join(config.RankingCriteria, ", "), suggest(name, config.RankingCriteria, "")),
		Subject: rng.Ptr()}
}

func checkWeight(name string, f float64, rng hcl.Range) *hcl.Diagnostic {
	if f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid ranking weight",
			Detail: fmt.Sprintf("The weight of %s is %v: a weight is a finite number, 0 or more (0 turns the criterion off).", name, f), Subject: rng.Ptr()}
	}
	return nil
}

// Group is a group block, evaluated.
type Group struct {
	Decl *config.Group
	Addr config.ObjectAddr
	// Members are the explicit members, users and OIDC subjects.
	Members []access.Identity
	// Issuer and Claim are the OIDC issuer and the value of its groups
	// claim that makes someone a member; "" when unset.
	Issuer, Claim string
}

// EvalGroupBlock evaluates a group block of module mod: its members as
// identities, its issuer and claim. A group with neither members nor a
// claim has nobody in it, which is a warning.
func EvalGroupBlock(sc *Scope, mod config.ModuleInstance, g *config.Group) (*Group, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := &Group{Decl: g, Addr: config.ObjectAddr{Module: mod, Kind: config.GroupKind, Name: g.Name}}
	for _, mbr := range evalStrings(sc, g.Members, "members", nil, &diags) {
		id, err := access.ParseIdentity(mbr)
		switch {
		case err != nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid group member", Detail: err.Error() + ".", Subject: g.Members.Range().Ptr()})
		case id.Kind == access.Group:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid group member", Detail: fmt.Sprintf("%q is a group: a group's members are users (\"user:alice\") and OIDC subjects (\"sub:1234\"). Name the group itself in the policy instead.", mbr), Subject: g.Members.Range().Ptr()})
		case !slices.Contains(out.Members, id):
			out.Members = append(out.Members, id)
		}
	}
	if g.Issuer != nil {
		if v, ok := known(sc, g.Issuer, cty.String, &diags); ok {
			out.Issuer = v.AsString()
		}
	}
	if g.Claim != nil {
		if v, ok := known(sc, g.Claim, cty.String, &diags); ok {
			out.Claim = v.AsString()
			if out.Claim == "" || strings.ContainsAny(out.Claim, ", \t\n") {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid group claim", Detail: "claim is the value of the groups claim that makes someone a member, such as \"cms\": not empty, without commas or white space (MinIO names the group's policy after it).", Subject: g.Claim.Range().Ptr()})
			}
		}
	}
	if g.Issuer != nil && g.Claim == nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Group issuer without a claim", Detail: "issuer says which OIDC provider vouches for the group; add claim, the value of its groups claim that makes someone a member.", Subject: g.Issuer.Range().Ptr()})
	}
	if g.Claim == nil && (g.Members == nil || (len(out.Members) == 0 && isKnownEmpty(sc, g.Members))) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Group without members", Detail: fmt.Sprintf("Group %q has neither members nor an OIDC claim, so nobody is in it and policies naming it give nothing. Add members = [\"user:NAME\"] or issuer and claim.", g.Name), Subject: g.DeclRange.Ptr()})
	}
	return out, diags
}

func isKnownEmpty(sc *Scope, e hcl.Expression) bool {
	v, d := sc.EvalExpr(e, cty.DynamicPseudoType)
	if d.HasErrors() || !v.IsWhollyKnown() {
		return false
	}
	v, _ = v.UnmarkDeep()
	return v.IsNull() || (v.CanIterateElements() && v.LengthInt() == 0)
}

// Policy is a policy block, evaluated.
type Policy struct {
	Decl *config.Policy
	Addr config.ObjectAddr
	Deny bool
	// Principals are the identities the policy names; a group identity
	// names a group of the policy's module. PrincipalRanges parallels it.
	Principals      []access.Identity
	PrincipalRanges []hcl.Range
	// Actions are as written, in config.PolicyActions.
	Actions []string
	// Resources are the objects the policy names, in the policy's module.
	Resources []config.ObjectAddr
	// Condition is nil when the policy always applies.
	Condition *access.Condition
}

// EvalPolicy evaluates a policy block of module m (instance mod): its
// principals, actions, resources and condition. Actions that mean nothing
// for any of the policy's resources are errors, those that mean nothing
// for some of them warnings; a condition that no enforcement point can
// express is an error at the condition.
func EvalPolicy(sc *Scope, m *config.Module, mod config.ModuleInstance, p *config.Policy) (*Policy, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := &Policy{Decl: p, Addr: config.ObjectAddr{Module: mod, Kind: config.PolicyKind, Name: p.Name}, Deny: p.Effect == "deny"}
	for _, pr := range p.Principals {
		id := access.Identity{Kind: access.Group, Name: pr.Group}
		if pr.Group == "" {
			var err error
			if id, err = access.ParseIdentity(pr.Identity); err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid principal", Detail: err.Error() + ".", Subject: pr.Range.Ptr()})
				continue
			}
			if id.Kind == access.Group && m.Groups[id.Name] == nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference to undeclared group", Detail: undeclaredDetail(fmt.Sprintf("Policy %q names %q, which is not a declared group.", p.Name, pr.Identity), suggest(id.Name, slices.Sorted(maps.Keys(m.Groups)), "group:"), "Declare it with a group block, or write group.NAME."), Subject: pr.Range.Ptr()})
				continue
			}
		}
		out.Principals = append(out.Principals, id)
		out.PrincipalRanges = append(out.PrincipalRanges, pr.Range)
	}
	kinds := map[config.ObjectKind]bool{}
	for _, r := range p.Resources {
		out.Resources = append(out.Resources, config.ObjectAddr{Module: mod, Kind: r.Kind, Name: r.Name})
		kinds[r.Kind] = true
	}
	out.Actions = evalStrings(sc, p.Actions, "actions", config.PolicyActions, &diags)
	for _, a := range out.Actions {
		var means, not []string
		for _, k := range []config.ObjectKind{config.StorageKind, config.DeploymentKind, config.SiteKind, config.GroupKind} {
			if !kinds[k] {
				continue
			}
			if access.Meaningful(k, a) {
				means = append(means, k.Keyword())
			} else {
				not = append(not, k.Keyword())
			}
		}
		if len(not) == 0 {
			continue
		}
		sev, summary := hcl.DiagWarning, "Action means nothing for some resources"
		if len(means) == 0 {
			sev, summary = hcl.DiagError, "Action means nothing for the resources"
		}
		var hints []string
		for _, k := range not {
			kind, _ := config.ObjectKindFor(k)
			hints = append(hints, fmt.Sprintf("%s takes %s", k, strings.Join(access.Actions(kind), ", ")))
		}
		diags = append(diags, &hcl.Diagnostic{Severity: sev, Summary: summary,
			Detail:  fmt.Sprintf("Policy %q grants %q on %s, where it means nothing: %s.", p.Name, a, strings.Join(not, " and "), strings.Join(hints, "; ")),
			Subject: p.Actions.Range().Ptr()})
	}
	if p.Condition != nil {
		if v, ok := known(sc, p.Condition, cty.DynamicPseudoType, &diags); ok {
			c, err := access.ParseCondition(v)
			switch {
			case err != nil:
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Condition cannot be enforced", Detail: err.Error() + ".", Subject: p.Condition.Range().Ptr()})
			case c != nil && len(c.Prefixes) > 0 && (kinds[config.DeploymentKind] || kinds[config.SiteKind] || kinds[config.GroupKind]):
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Condition cannot be enforced", Detail: "prefix narrows a policy to object keys, which only storage has: put storage and the other resources in separate policies.", Subject: p.Condition.Range().Ptr()})
			case c != nil && len(c.Prefixes) > 0 && (slices.Contains(out.Actions, access.Admin) || slices.Contains(out.Actions, access.All)):
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Condition cannot be enforced", Detail: "admin and \"*\" act on the whole storage (its configuration as well as its objects), so a prefix cannot narrow them: grant read, list, write and delete under the prefix instead.", Subject: p.Condition.Range().Ptr()})
			default:
				out.Condition = c
			}
		}
	}
	return out, diags
}

// ShadowedPolicies warns about allow policies that give nothing because
// unconditional deny policies of the same module override every grant
// they make (same principal, or a group the principal is an explicit
// member of; an action that covers theirs; the same resource).
func ShadowedPolicies(policies []*Policy, groups map[string]*Group) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range policies {
		if a.Deny || len(a.Principals) == 0 || len(a.Resources) == 0 || len(a.Actions) == 0 {
			continue
		}
		by := map[string]bool{}
		shadowed := true
		for _, pr := range a.Principals {
			for _, r := range a.Resources {
				for _, act := range a.Actions {
					for _, req := range access.RequestActions(r.Kind) {
						if !access.Covers(r.Kind, act, req) {
							continue
						}
						d := denier(policies, groups, pr, req, r)
						if d == nil {
							shadowed = false
						} else {
							by[d.Decl.Name] = true
						}
					}
				}
			}
		}
		if shadowed && len(by) > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Policy gives nothing",
				Detail:  fmt.Sprintf("Every grant of policy %q is overridden by deny policy %s, so it gives nothing: remove it, or narrow the deny.", a.Decl.Name, joinNames(slices.Sorted(maps.Keys(by)))),
				Subject: a.Decl.DeclRange.Ptr()})
		}
	}
	return diags
}

func denier(policies []*Policy, groups map[string]*Group, pr access.Identity, req string, r config.ObjectAddr) *Policy {
	for _, d := range policies {
		if !d.Deny || d.Condition != nil || !slices.Contains(d.Resources, r) {
			continue
		}
		hit := false
		for _, dp := range d.Principals {
			hit = hit || dp == pr || (dp.Kind == access.Group && pr.Kind != access.Group && groups[dp.Name] != nil && slices.Contains(groups[dp.Name].Members, pr))
		}
		if !hit {
			continue
		}
		for _, act := range d.Actions {
			if access.Covers(r.Kind, act, req) {
				return d
			}
		}
	}
	return nil
}

// EvalStorage evaluates a storage block of module m: its QoS, lifecycle
// rules and placement. The result's Copies are left for the planner.
func EvalStorage(sc *Scope, m *config.Module, sites map[string]*Site, st *config.Storage, addr config.ObjectAddr) (*binding.Storage, *Placement, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := &binding.Storage{Addr: addr, Range: st.DeclRange, QoS: binding.QoS{Copies: 1}, Sites: map[string]binding.Site{}}
	for name, s := range sites {
		out.Sites[name] = s.Binding(m)
	}
	if st.ForceDestroy != nil {
		if v, ok := known(sc, st.ForceDestroy, cty.Bool, &diags); ok {
			out.ForceDestroy = v.True()
		}
	}
	if q := st.QoS; q != nil {
		if q.Copies != nil {
			if v, ok := known(sc, q.Copies, cty.Number, &diags); ok {
				bf := v.AsBigFloat()
				n, _ := bf.Int64()
				if !bf.IsInt() || n < 1 || n > 1000 {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid number of copies", Detail: "copies is a whole number of at least 1.", Subject: q.Copies.Range().Ptr()})
				} else {
					out.QoS.Copies = int(n)
				}
			}
		}
		out.QoS.Media = evalStrings(sc, q.Media, "media", config.StorageMedia, &diags)
		out.QoS.Locations = evalStrings(sc, q.Locations, "locations", nil, &diags)
		if q.Latency != nil {
			if v, ok := known(sc, q.Latency, cty.String, &diags); ok {
				if !slices.Contains(config.StorageLatencies, v.AsString()) {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid latency", Detail: fmt.Sprintf("%q is not a valid latency; use one of %s.", v.AsString(), strings.Join(config.StorageLatencies, ", ")), Subject: q.Latency.Range().Ptr()})
				} else {
					out.QoS.Latency = v.AsString()
				}
			}
		}
		if q.Size != nil {
			if v, ok := known(sc, q.Size, cty.DynamicPseudoType, &diags); ok {
				if b, err := quantity(v); err != nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid storage size", Detail: fmt.Sprintf("size is a number of bytes or a quantity such as \"10TiB\": %s.", err), Subject: q.Size.Range().Ptr()})
				} else {
					out.QoS.Size = b
				}
			}
		}
		if q.Redundancy != nil {
			if v, ok := known(sc, q.Redundancy, cty.String, &diags); ok {
				out.QoS.Redundancy = v.AsString()
			}
		}
	}
	for _, rule := range st.Lifecycle {
		lr := binding.LifecycleRule{Range: rule.DeclRange}
		if rule.After != nil {
			if v, ok := known(sc, rule.After, cty.String, &diags); ok {
				d, err := units.ParseDuration(v.AsString())
				if err != nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid lifecycle delay", Detail: err.Error() + ".", Subject: rule.After.Range().Ptr()})
				}
				lr.After = d
			}
		}
		if rule.Transition != nil {
			if v, ok := known(sc, rule.Transition, cty.DynamicPseudoType, &diags); ok {
				if !v.Type().IsObjectType() && !v.Type().IsMapType() {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid lifecycle transition", Detail: "transition is an object of QoS attributes, e.g. { media = [\"tape\"] }.", Subject: rule.Transition.Range().Ptr()})
				} else {
					lr.Transition = map[string]cty.Value{}
					for attr, x := range v.AsValueMap() {
						if !slices.Contains(config.QoSAttributes, attr) {
							diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid lifecycle transition", Detail: fmt.Sprintf("%q is not a QoS attribute; a transition may change %s.", attr, strings.Join(config.QoSAttributes, ", ")), Subject: rule.Transition.Range().Ptr()})
							continue
						}
						lr.Transition[attr] = x
					}
				}
			}
		}
		if rule.Expire != nil {
			if v, ok := known(sc, rule.Expire, cty.Bool, &diags); ok {
				lr.Expire = v.True()
			}
		}
		if rule.Prefix != nil {
			if v, ok := known(sc, rule.Prefix, cty.String, &diags); ok {
				lr.Prefix = v.AsString()
			}
		}
		if rule.Noncurrent != nil {
			if v, ok := known(sc, rule.Noncurrent, cty.Bool, &diags); ok {
				lr.Noncurrent = v.True()
			}
		}
		out.Lifecycle = append(out.Lifecycle, lr)
	}
	p, d := EvalPlacement(sc, m, sites, st.Placement, out.QoS.Copies)
	diags = append(diags, d...)
	if st.Placement == nil && out.QoS.Copies > 1 && len(m.Sites) > 0 && len(m.Sites) < out.QoS.Copies && !sitesUnknown(m, nil) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not enough sites", Detail: fmt.Sprintf("%d copies are asked for, but only %d site(s) are declared. Each copy goes to a different site.", out.QoS.Copies, len(m.Sites)), Subject: st.DeclRange.Ptr()})
	}
	// Copies must go to the qos locations: a hard constraint.
	p.Locations = append(p.Locations, out.QoS.Locations...)
	slices.Sort(p.Locations)
	p.Locations = slices.Compact(p.Locations)
	if out.QoS.Size > 0 {
		if p.Demand == nil {
			p.Demand = map[string]float64{}
		}
		if _, set := p.Demand["storage"]; !set {
			p.Demand["storage"] = out.QoS.Size
		}
	}
	return out, p, diags
}

// known evaluates e to want; ok is false when it failed (diagnostics are
// added), or is null or not known yet. The value is unmarked.
func known(sc *Scope, e hcl.Expression, want cty.Type, diags *hcl.Diagnostics) (cty.Value, bool) {
	v, d := sc.EvalExpr(e, want)
	*diags = append(*diags, d...)
	if d.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
		return cty.NilVal, false
	}
	v, _ = v.UnmarkDeep()
	return v, true
}

// evalStrings evaluates a list of strings, each in allowed when allowed is
// not nil.
func evalStrings(sc *Scope, e hcl.Expression, what string, allowed []string, diags *hcl.Diagnostics) []string {
	if e == nil {
		return nil
	}
	v, ok := known(sc, e, cty.List(cty.String), diags)
	if !ok {
		return nil
	}
	var out []string
	for _, x := range v.AsValueSlice() {
		if x.IsNull() {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + what + " value", Detail: "A " + what + " list cannot hold null.", Subject: e.Range().Ptr()})
			continue
		}
		s := x.AsString()
		if allowed != nil && !slices.Contains(allowed, s) {
			*diags = append(*diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid " + what + " value",
				Detail:   fmt.Sprintf("%q is not a valid %s value; use one of %s.", s, what, strings.Join(allowed, ", ")),
				Subject:  e.Range().Ptr(),
			})
			continue
		}
		out = append(out, s)
	}
	return out
}

func evalNumbers(sc *Scope, e hcl.Expression, diags *hcl.Diagnostics) map[string]float64 {
	if e == nil {
		return nil
	}
	v, ok := known(sc, e, cty.Map(cty.Number), diags)
	if !ok {
		return nil
	}
	out := map[string]float64{}
	for k, x := range v.AsValueMap() {
		if x.IsNull() {
			continue
		}
		f, _ := x.AsBigFloat().Float64()
		out[k] = f
	}
	return out
}

// quantity reads a number or a quantity string ("4GiB").
func quantity(v cty.Value) (float64, error) {
	if f, ok := number(v); ok {
		if f < 0 {
			return 0, fmt.Errorf("%v is negative", f)
		}
		return f, nil
	}
	if v.Type() == cty.String {
		return units.ParseQuantity(v.AsString())
	}
	return 0, fmt.Errorf("a %s is neither", v.Type().FriendlyName())
}

func number(v cty.Value) (float64, bool) {
	if v.Type() != cty.Number {
		return 0, false
	}
	f, _ := v.AsBigFloat().Float64()
	return f, true
}

// UnrealisableSites realises the components of a deployment's scope (those
// in names, or all but those placed on their own when names is nil) on
// each candidate site, keeping nothing, and returns by site name the
// errors of each site that cannot take them. m is the module declaring the
// sites. Placement rejects these sites with the errors as reasons; when no
// candidate is left, validate and plan both report the errors themselves,
// at the components.
func UnrealisableSites(scope, m *config.Module, names []string, candidates []*Site) map[string]hcl.Diagnostics {
	if names == nil {
		for _, n := range slices.Sorted(maps.Keys(scope.Components)) {
			if scope.Components[n].Placement == nil {
				names = append(names, n)
			}
		}
	}
	out := map[string]hcl.Diagnostics{}
	for _, s := range candidates {
		if s.Kind == nil {
			continue
		}
		bs := s.Binding(m)
		for _, n := range names {
			if _, d := binding.Realise(scope.Components[n], scope.Components, bs); d.HasErrors() {
				for _, x := range d {
					if x.Severity == hcl.DiagError {
						out[s.Decl.Name] = append(out[s.Decl.Name], x)
					}
				}
			}
		}
	}
	return out
}

// CandidateSites returns the evaluated sites a placement may use: its
// candidates, or every site.
func CandidateSites(p *Placement, sites map[string]*Site) []*Site {
	var out []*Site
	if p != nil && len(p.Candidates) > 0 {
		for _, n := range p.Candidates {
			if s := sites[n]; s != nil && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	for _, n := range slices.Sorted(maps.Keys(sites)) {
		out = append(out, sites[n])
	}
	return out
}

// StorageUnfit says, for each candidate site that cannot hold a copy of
// st, why: its kind holds no storage, or it does not offer what the QoS or
// a lifecycle rule asks (the kind's Check).
func StorageUnfit(st *binding.Storage, candidates []*Site, m *config.Module) map[string]string {
	out := map[string]string{}
	for _, s := range candidates {
		switch {
		case s.Kind == nil:
		case s.Kind.Storage == nil:
			out[s.Decl.Name] = s.Decl.Kind + " sites cannot hold storage"
		case s.Kind.Check != nil:
			if why := s.Kind.Check(st, s.Binding(m)); len(why) > 0 {
				out[s.Decl.Name] = strings.Join(why, "; ")
			}
		}
	}
	return out
}

// UnrealisableStorage realises one copy of st on each candidate site,
// keeping nothing, and returns by site name the errors of the sites where
// a copy cannot be realised (a lifecycle delay S3 cannot count, say).
func UnrealisableStorage(st *binding.Storage, candidates []*Site, m *config.Module) map[string]hcl.Diagnostics {
	out := map[string]hcl.Diagnostics{}
	for _, s := range candidates {
		if s.Kind == nil || s.Kind.Storage == nil {
			continue
		}
		trial := *st
		trial.Copies = []binding.Site{s.Binding(m)}
		if _, d := binding.RealiseStorage(&trial, 0); d.HasErrors() {
			for _, x := range d {
				if x.Severity == hcl.DiagError {
					out[s.Decl.Name] = append(out[s.Decl.Name], x)
				}
			}
		}
	}
	return out
}

// Accounts returns a site's accounts setting (local sites map identities
// to local accounts), nil when it has none or it is not known.
func (s *Site) Accounts() map[access.Identity]string {
	m, _ := s.accounts()
	return m
}

func (s *Site) accounts() (map[access.Identity]string, error) {
	if s.Settings == cty.NilVal || s.Settings.IsNull() || !s.Settings.Type().IsObjectType() || !s.Settings.Type().HasAttribute("accounts") {
		return nil, nil
	}
	v, _ := s.Settings.GetAttr("accounts").UnmarkDeep()
	if v.IsNull() || !v.IsWhollyKnown() {
		return nil, nil
	}
	raw := map[string]string{}
	for k, x := range v.AsValueMap() {
		if !x.IsNull() {
			raw[k] = x.AsString()
		}
	}
	return access.ParseAccounts(raw)
}

// CheckAccounts reports a site's accounts setting that does not read.
func CheckAccounts(s *Site) hcl.Diagnostics {
	if _, err := s.accounts(); err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid site accounts", Detail: err.Error() + ".", Subject: s.Decl.DeclRange.Ptr()}}
	}
	return nil
}
