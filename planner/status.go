package planner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/status"
	"github.com/indigo-cloud/indigo/state"
)

// targetingSummary is the summary of the warning a targeted plan adds;
// Status targets the storages it reports on by design, so the warning says
// nothing to its user.
const targetingSummary = "Resource targeting is in effect"

// Status reports whether each storage of cfg holds its quality of service
// (only those of only, when it is not empty): it makes a normal plan of
// the storages' scopes, which refreshes every object they hold from the
// real systems, and reads from it what each copy holds and what would
// change. Like Plan it changes nothing: the plan is neither applied nor
// returned, and prior is not modified.
func Status(ctx context.Context, cfg *config.Config, prior *state.State, provs Providers, only []config.ObjectAddr, opts Options) (*status.Report, hcl.Diagnostics) {
	diags := eval.Validate(cfg, eval.ValidateOptions{Vars: opts.Vars, VarRanges: opts.VarRanges, Workspace: opts.Workspace, Catalogue: CatalogueUnfit})
	if diags.HasErrors() {
		return nil, diags
	}
	if prior == nil {
		prior = state.New()
	}
	all := storageAddrs(cfg)
	addrs := all
	if len(only) > 0 {
		addrs = nil
		for _, a := range only {
			if !slices.Contains(all, a) {
				names := make([]string, len(all))
				for i, x := range all {
					names[i] = x.String()
				}
				detail := fmt.Sprintf("%s is not a storage of the configuration.", a)
				if len(names) > 0 {
					detail += " Its storages are: " + strings.Join(names, ", ") + "."
				} else {
					detail += " It declares no storage."
				}
				return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No such storage", Detail: detail})
			}
			addrs = append(addrs, a)
		}
	}
	rep := &status.Report{}
	if len(addrs) == 0 {
		return rep, diags
	}
	opts.Mode = plan.NormalMode
	opts.SkipRefresh = false
	opts.Targets = nil
	opts.Excludes = nil
	for _, a := range addrs {
		opts.Targets = append(opts.Targets, a.String())
	}
	r := newRun(cloneTree(cfg), prior.DeepCopy(), provs, opts)
	defer r.providers.closeAll()
	p, d := r.plan(ctx)
	for _, x := range d {
		if x.Severity == hcl.DiagWarning && x.Summary == targetingSummary {
			continue
		}
		diags = append(diags, x)
	}
	if p == nil || diags.HasErrors() {
		return nil, diags
	}
	specs, d := r.storageSpecs(addrs)
	if d.HasErrors() {
		// Placement evaluated the same storages without errors; this
		// cannot happen, but must not go unseen. Its warnings were
		// reported by placement already.
		return nil, append(diags, d...)
	}
	recorded := map[config.ObjectAddr][]string{}
	for _, a := range addrs {
		if pl := r.prior.Placements[a]; pl != nil {
			recorded[a] = pl.Sites
		}
	}
	return status.Build(specs, p, recorded), diags
}

// storageAddrs lists the storages of every module of cfg.
func storageAddrs(cfg *config.Config) []config.ObjectAddr {
	var out []config.ObjectAddr
	cfg.Walk(func(c *config.Config) {
		for _, name := range slices.Sorted(maps.Keys(c.Module.Storages)) {
			out = append(out, config.ObjectAddr{Module: c.Path.UnkeyedInstance(), Kind: config.StorageKind, Name: name})
		}
	})
	return out
}

// storageSpecs evaluates what the storages addrs ask for, as placement
// did (after it: the run's configuration has its implicit site).
func (r *run) storageSpecs(addrs []config.ObjectAddr) ([]status.Spec, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var specs []status.Spec
	static := eval.StaticData(r.cfg, eval.ValidateOptions{Vars: r.opts.Vars, VarRanges: r.opts.VarRanges, Workspace: r.opts.Workspace})
	r.cfg.Walk(func(c *config.Config) {
		m := c.Module
		if len(m.Storages) == 0 {
			return
		}
		mod := c.Path.UnkeyedInstance()
		sc := &eval.Scope{Data: static, Module: mod, Functions: r.functionsOf(mod)}
		m, d := eval.ExpandSites(sc, m, false)
		diags = append(diags, d...)
		sites := map[string]*eval.Site{}
		info := map[string]status.Site{}
		for _, name := range slices.Sorted(maps.Keys(m.Sites)) {
			s, d := eval.EvalSite(sc, m, m.Sites[name])
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			sites[name] = s
			info[name] = status.Site{Kind: s.Decl.Kind, Location: s.Location}
		}
		for _, name := range slices.Sorted(maps.Keys(m.Storages)) {
			addr := config.ObjectAddr{Module: mod, Kind: config.StorageKind, Name: name}
			if !slices.Contains(addrs, addr) {
				continue
			}
			st, _, d := eval.EvalStorage(sc, m, sites, m.Storages[name], addr)
			diags = append(diags, d...)
			specs = append(specs, status.Spec{Addr: addr, QoS: st.QoS, Lifecycle: st.Lifecycle, Sites: info})
		}
	})
	return specs, diags
}
