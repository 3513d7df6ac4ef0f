package planner

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// maxFallbacks bounds how many times one apply moves components to other
// sites.
const maxFallbacks = 16

// Outcome is what an apply with fallback did.
type Outcome struct {
	// Applied is the last plan applied (the one given, or a re-plan after
	// a fallback).
	Applied *plan.Plan
	// Moves lists the fallbacks, in order.
	Moves []Fallback
}

// Fallback is one move of a placed component away from a site where
// creating it failed.
type Fallback struct {
	Component config.ObjectAddr
	From      string
	// To is the site it went to next, "" when none was left.
	To     string
	Reason string
}

// ApplyWithFallback applies p like Apply. When creating a placed component
// fails on its site and the component's placement allows fallback, what
// was created for it there is destroyed (every step journaled), the
// component is planned again without that site and applied, until it
// succeeds or no candidate is left; then every error met on the way is
// returned.
func ApplyWithFallback(ctx context.Context, cfg *config.Config, p *plan.Plan, rec StateRecorder, provs Providers, opts Options, opCtx context.Context) (Outcome, hcl.Diagnostics) {
	out := Outcome{Applied: p}
	res := applyPlan(ctx, cfg, p, rec, provs, opts, opCtx)
	// The plans made below come from this run, with the lock held.
	opts.Saved = false
	diags := res.diags
	excluded := map[config.ObjectAddr]map[string]string{}
	for k, v := range opts.ExcludeSites {
		excluded[k] = maps.Clone(v)
	}
	for attempt := 0; attempt < maxFallbacks && ctx.Err() == nil; attempt++ {
		moving := fallbackCandidates(out.Applied, res.failed)
		if len(moving) == 0 {
			break
		}
		var reasons []string
		// The clean-up plans the failed components where they are: it
		// must not exclude the sites they just failed on, or, once no
		// site is left, it could not be planned and what the attempt
		// created would stay behind.
		before := map[config.ObjectAddr]map[string]string{}
		for k, v := range excluded {
			before[k] = maps.Clone(v)
		}
		for _, comp := range moving {
			f := res.failed[comp]
			if excluded[comp] == nil {
				excluded[comp] = map[string]string{}
			}
			excluded[comp][f.site] = f.reason
			reasons = append(reasons, fmt.Sprintf("%s failed on site %s", comp, f.site))
		}
		// Clean up what the failed attempts created.
		cleanOpts := opts
		cleanOpts.Mode = plan.DestroyMode
		cleanOpts.Targets = nil
		cleanOpts.Excludes = nil
		for _, comp := range moving {
			cleanOpts.Targets = append(cleanOpts.Targets, comp.String())
		}
		cleanOpts.ExcludeSites = before
		cleanOpts.Progress = opts.Progress
		clean, d := Plan(ctx, cfg, rec.State(), provs, cleanOpts)
		diags = append(diags, onlyErrors(d)...)
		if d.HasErrors() || clean == nil {
			break
		}
		cleanRes := applyPlan(ctx, cfg, clean, rec, provs, cleanOpts, opCtx)
		diags = append(diags, cleanRes.diags...)
		if cleanRes.diags.HasErrors() {
			break
		}
		// Plan again without the failed sites.
		next := opts
		next.ExcludeSites = excluded
		np, d := Plan(ctx, cfg, rec.State(), provs, next)
		if d.HasErrors() || np == nil {
			// No site is left: the plan's "No site can take" lists each
			// site's error, so the errors of the attempts are not said
			// again.
			diags = withoutErrorsOf(diags, moving)
			for _, comp := range moving {
				out.Moves = append(out.Moves, Fallback{Component: comp, From: res.failed[comp].site, Reason: strings.Join(reasons, "; ")})
			}
			diags = append(diags, d...)
			break
		}
		for _, comp := range moving {
			fb := Fallback{Component: comp, From: res.failed[comp].site, Reason: strings.Join(reasons, "; ")}
			for _, pl := range np.Placements {
				if pl.Addr == comp && len(pl.Sites) > 0 {
					fb.To = pl.Sites[0]
				}
			}
			out.Moves = append(out.Moves, fb)
			if opts.Progress != nil {
				opts.Progress(Event{Kind: "fallback", Addr: comp.String(), Action: "Falling back", Detail: fmt.Sprintf("from site %s to site %s", fb.From, fb.To)})
			}
		}
		out.Applied = np
		res = applyPlan(ctx, cfg, np, rec, provs, next, opCtx)
		diags = append(diags, res.diags...)
		if !res.diags.HasErrors() {
			// The earlier failures were overcome: report them as
			// warnings so the user still learns what happened.
			return out, downgrade(diags)
		}
	}
	return out, diags
}

// fallbackCandidates returns the components that failed and may move, in
// the plan's order.
func fallbackCandidates(p *plan.Plan, failed map[config.ObjectAddr]failure) []config.ObjectAddr {
	var out []config.ObjectAddr
	for _, pl := range p.Placements {
		if _, ok := failed[pl.Addr]; ok && pl.Fallback {
			out = append(out, pl.Addr)
		}
	}
	return out
}

func onlyErrors(d hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, x := range d {
		if x.Severity == hcl.DiagError {
			out = append(out, x)
		}
	}
	return out
}

// downgrade turns the errors of attempts that a fallback overcame into
// warnings.
func downgrade(d hcl.Diagnostics) hcl.Diagnostics {
	return asWarnings(d, "Fell back after: ")
}

// asWarnings is d with its errors made warnings, their summaries after
// prefix: what a fallback overcame, what refresh-only mode reports
// without failing (a condition that does not hold).
func asWarnings(d hcl.Diagnostics, prefix string) hcl.Diagnostics {
	out := make(hcl.Diagnostics, 0, len(d))
	for _, x := range d {
		c := *x
		if c.Severity == hcl.DiagError {
			c.Severity = hcl.DiagWarning
			c.Summary = prefix + c.Summary
		}
		out = append(out, &c)
	}
	return out
}

// withoutErrorsOf drops the errors about the resources of the given
// components (their summaries start with the resource's address).
func withoutErrorsOf(diags hcl.Diagnostics, comps []config.ObjectAddr) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		drop := false
		for _, c := range comps {
			if d.Severity == hcl.DiagError && strings.HasPrefix(addressedSummary(d), c.String()+".") {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, d)
		}
	}
	return out
}
