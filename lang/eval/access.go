package eval

import (
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/funcs"
)

// Access is what a configuration says about access, evaluated: every
// module's groups and policies, and for each storage and deployment the
// sites that could hold it. It is what the offline "who can" analysis
// reads; it knows nothing of what a plan would choose.
type Access struct {
	Groups   []*Group
	Policies []*Policy
	// Holders are, for each storage and deployment, the names of the
	// candidate sites of a kind that can hold it, sorted.
	Holders map[config.ObjectAddr][]string
}

// EvalAccess evaluates the groups and policies of every module of cfg
// with what is known before planning (variables from opts, their
// defaults, locals), through the same functions validate and plan use.
func EvalAccess(cfg *config.Config, opts ValidateOptions) (*Access, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := &Access{Holders: map[config.ObjectAddr][]string{}}
	static := StaticData(cfg, opts)
	fns := funcs.Table(funcs.Options{BaseDir: cfg.Module.SourceDir, PureOnly: true})
	cfg.Walk(func(c *config.Config) {
		m := c.Module
		if len(m.Groups) == 0 && len(m.Policies) == 0 && len(m.Storages) == 0 && len(m.Deployments) == 0 {
			return
		}
		mod := c.Path.UnkeyedInstance()
		sc := &Scope{Data: static, Module: mod, Functions: fns}
		m, d := ExpandSites(sc, m, false)
		diags = append(diags, d...)
		sites := map[string]*Site{}
		for _, name := range slices.Sorted(maps.Keys(m.Sites)) {
			s, d := EvalSite(sc, m, m.Sites[name])
			diags = append(diags, d...)
			sites[name] = s
		}
		groups := map[string]*Group{}
		for _, name := range slices.Sorted(maps.Keys(m.Groups)) {
			g, d := EvalGroupBlock(sc, mod, m.Groups[name])
			diags = append(diags, d...)
			groups[name] = g
			out.Groups = append(out.Groups, g)
		}
		var policies []*Policy
		for _, name := range slices.Sorted(maps.Keys(m.Policies)) {
			p, d := EvalPolicy(sc, m, mod, m.Policies[name])
			diags = append(diags, d...)
			policies = append(policies, p)
		}
		out.Policies = append(out.Policies, policies...)
		for _, name := range slices.Sorted(maps.Keys(m.Storages)) {
			addr := config.ObjectAddr{Module: mod, Kind: config.StorageKind, Name: name}
			st, pl, d := EvalStorage(sc, m, sites, m.Storages[name], addr)
			diags = append(diags, d...)
			cands := CandidateSites(pl, sites)
			unfit := StorageUnfit(st, cands, m)
			holders := []string{}
			for _, s := range cands {
				if _, bad := unfit[s.Decl.Name]; !bad && s.Kind != nil && s.Kind.Storage != nil {
					holders = append(holders, s.Decl.Name)
				}
			}
			if len(m.Sites) == 0 && len(m.SiteBlocks) == 0 {
				// The planner's implicit local site holds it.
				holders = append(holders, "local")
			}
			out.Holders[addr] = holders
		}
		for _, name := range slices.Sorted(maps.Keys(m.Deployments)) {
			addr := config.ObjectAddr{Module: mod, Kind: config.DeploymentKind, Name: name}
			dep := m.Deployments[name]
			p := dep.Placement
			if child := c.Children[config.Step{Kind: config.DeploymentStep, Name: name}]; p == nil && child != nil && child.Module.Template != nil {
				p = child.Module.Template.Placement
			}
			pl, d := EvalPlacement(sc, m, sites, p, 1)
			diags = append(diags, d...)
			holders := []string{}
			for _, s := range CandidateSites(pl, sites) {
				if s.Kind != nil {
					holders = append(holders, s.Decl.Name)
				}
			}
			if len(m.Sites) == 0 && len(m.SiteBlocks) == 0 {
				holders = append(holders, "local")
			}
			out.Holders[addr] = holders
		}
	})
	return out, dedupe(diags)
}
