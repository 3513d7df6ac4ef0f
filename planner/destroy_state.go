package planner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/funcs"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/state"
)

// StateOnlyConfig is what destroy falls back on when the configuration no
// longer plans (a site removed, a template broken): the root module's
// provider configurations, the sites that still evaluate (a site whose
// kind builds its provider, an s3 site, is needed for that provider), the
// implicit local site when the state has objects on it, and the
// variables and the locals these may read; nothing else. Planned in
// destroy mode, every object the state records is then an orphan, deleted
// with the provider configuration the state records for it.
//
// The warnings say which sites no longer evaluate.
func StateOnlyConfig(cfg *config.Config, prior *state.State, opts Options) (*config.Config, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	src := cfg.Module
	m := config.NewModule(src.SourceDir)
	m.Files = src.Files
	m.Settings = src.Settings
	m.ProviderConfigs = maps.Clone(src.ProviderConfigs)
	m.Variables = maps.Clone(src.Variables)
	m.Locals = plainLocals(src.Locals)

	root := config.NewRoot(m)
	static := eval.StaticData(root, eval.ValidateOptions{Vars: opts.Vars, VarRanges: opts.VarRanges, Workspace: opts.Workspace})
	sc := &eval.Scope{Data: static, Module: config.RootModule, Functions: funcs.Table(funcs.Options{BaseDir: src.SourceDir, PureOnly: true})}
	expanded, ed := eval.ExpandSites(sc, src, false)
	for _, d := range ed {
		d.Severity = hcl.DiagWarning
	}
	diags = append(diags, ed...)
	m.SiteBlocks = expanded.SiteBlocks
	for _, name := range slices.Sorted(maps.Keys(expanded.Sites)) {
		s := expanded.Sites[name]
		if _, d := eval.EvalSite(sc, m, s); d.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Site left out of the destroy",
				Detail:  fmt.Sprintf("Site %s does not evaluate (%s); objects whose provider it builds cannot be destroyed.", name, firstLine(d.Errs()[0].Error())),
				Subject: s.DeclRange.Ptr()})
			continue
		}
		m.Sites[name] = s
	}
	if _, declared := m.ProviderConfigs["indigo."+ImplicitSite]; !declared && m.Sites[ImplicitSite] == nil && onImplicitSite(prior) {
		declareImplicitSite(m)
	}
	return root, diags
}

// plainLocals keeps the locals that read nothing but variables, other such
// locals and the module's path: the others may read what a state-only
// configuration no longer has.
func plainLocals(locals map[string]*config.Local) map[string]*config.Local {
	keep := maps.Clone(locals)
	for changed := true; changed; {
		changed = false
		for name, l := range keep {
			for _, tr := range l.Expr.Variables() {
				root := tr.RootName()
				ok := root == "var" || root == "path" || root == "terraform"
				if root == "local" && len(tr) > 1 {
					if a, isAttr := tr[1].(hcl.TraverseAttr); isAttr && keep[a.Name] != nil {
						ok = true
					}
				}
				if !ok {
					delete(keep, name)
					changed = true
					break
				}
			}
		}
	}
	return keep
}

// onImplicitSite reports whether the state records objects on the implicit
// local site.
func onImplicitSite(s *state.State) bool {
	if s == nil {
		return false
	}
	for _, r := range s.Resources {
		if r.Provider.Module.IsRoot() && r.Provider.Provider == config.BuiltinProvider && r.Provider.Alias == ImplicitSite {
			return true
		}
	}
	return false
}

// StateDestroy is a destroy planned from the state alone.
type StateDestroy struct {
	// Plan deletes every object whose provider configuration can be
	// used; nil when none can.
	Plan *plan.Plan
	// Config and Options are what the plan was made with, and must be
	// applied with.
	Config  *config.Config
	Options Options
	// Why holds the errors of the provider configurations that cannot
	// be used; Stuck names, by such configuration, the objects that
	// cannot be destroyed. Both are to report once the plan is carried
	// out.
	Why, Stuck hcl.Diagnostics
}

// PlanDestroyFromState plans the destruction of every object the state
// records, from what cfg, a configuration that no longer plans, still
// gives (StateOnlyConfig). A provider configuration that cannot be used
// (it does not evaluate, or the provider refuses it) does not stop the
// others: its objects are left alone and named in Stuck.
func PlanDestroyFromState(ctx context.Context, cfg *config.Config, prior *state.State, provs Providers, opts Options) (*StateDestroy, hcl.Diagnostics) {
	opts.Mode = plan.DestroyMode
	opts.Targets = nil
	opts.Excludes = nil
	opts.LeaveProviders = map[config.ProviderConfigAddr]bool{}
	stateCfg, diags := StateOnlyConfig(cfg, prior, opts)
	out := &StateDestroy{Config: stateCfg}
	m := stateCfg.Module
	var why hcl.Diagnostics
	for range 4 {
		p, d := Plan(ctx, stateCfg, prior, provs, opts)
		if !d.HasErrors() {
			out.Plan, out.Options = p, opts
			diags = append(diags, d...)
			break
		}
		// Leave alone the provider configurations the errors are in, or
		// those whose objects the plan could not delete.
		left := 0
		for key, pc := range m.ProviderConfigs {
			rng := pc.DeclRange
			if b, ok := pc.Config.(*hclsyntax.Body); ok {
				rng = hcl.RangeOver(rng, b.SrcRange)
			}
			for _, hd := range d {
				if hd.Severity == hcl.DiagError && hd.Subject != nil && hd.Subject.Filename == rng.Filename && rng.Overlaps(*hd.Subject) {
					addr := config.ProviderConfigAddr{Module: config.RootPath, Provider: m.ProviderFor(pc.Name), Alias: pc.Alias}
					opts.LeaveProviders[addr] = true
					delete(m.ProviderConfigs, key)
					left++
					break
				}
			}
		}
		if p != nil {
			deleted := map[config.InstanceAddr]bool{}
			for _, ch := range p.Changes {
				deleted[ch.Addr] = true
			}
			for _, addr := range prior.AllInstances() {
				prov := prior.Resources[config.AbsResource{Module: addr.Module, Resource: addr.Resource}].Provider
				if !deleted[addr] && !opts.LeaveProviders[prov] {
					opts.LeaveProviders[prov] = true
					left++
				}
			}
		}
		for _, x := range d {
			if x.Severity == hcl.DiagError {
				why = append(why, x)
			}
		}
		if left == 0 {
			return nil, append(diags, d...)
		}
	}
	if out.Plan == nil {
		return nil, append(diags, why...)
	}
	byProvider := map[config.ProviderConfigAddr][]string{}
	for _, addr := range prior.AllInstances() {
		if prov := prior.Resources[config.AbsResource{Module: addr.Module, Resource: addr.Resource}].Provider; opts.LeaveProviders[prov] {
			byProvider[prov] = append(byProvider[prov], "  "+addr.String())
		}
	}
	out.Why = dedupeDiags(why)
	for _, prov := range slices.SortedFunc(maps.Keys(byProvider), func(a, b config.ProviderConfigAddr) int { return strings.Compare(a.String(), b.String()) }) {
		out.Stuck = append(out.Stuck, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Objects that cannot be destroyed",
			Detail: fmt.Sprintf("The provider configuration %s cannot be used (see the errors above), so these objects stay, recorded in the state:\n%s\nFix or restore its provider block (or the site that builds it) and run destroy again.", prov, strings.Join(byProvider[prov], "\n"))})
	}
	return out, diags
}

// dedupeDiags drops repeated diagnostics (the same error met by each
// attempt).
func dedupeDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[string]bool{}
	var out hcl.Diagnostics
	for _, d := range diags {
		k := d.Summary + "\x00" + d.Detail
		if d.Subject != nil {
			k += "\x00" + d.Subject.String()
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	return out
}
