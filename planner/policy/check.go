package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/access"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
)

// Check looks for grants that give nothing and for conflicts, from the
// configuration alone:
//
//   - errors: a policy on a storage or deployment no candidate site can
//     hold, and an allow that denies override entirely;
//   - warnings: a deny that overrides part of an allow (naming who and
//     what), a policy on a site or a group (no enforcement point holds
//     them yet), and identities that no group of the module has as a
//     member (typos in "user:NAME" show up here).
//
// Actions that mean nothing for a resource kind are reported by
// eval.EvalPolicy, which the caller has already run.
func (az *Authorizer) Check() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, p := range az.in.Policies {
		for i, r := range p.Resources {
			rng := p.Decl.DeclRange
			if i < len(p.Decl.ResourceRanges) {
				rng = p.Decl.ResourceRanges[i]
			}
			switch r.Kind {
			case config.SiteKind, config.GroupKind:
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "No enforcement point for this resource",
					Detail:  fmt.Sprintf("Policy %q names %s; policies on %ss are answered by indigo can but enforced nowhere yet (the orchestrator's API will).", p.Decl.Name, r, r.Kind.Keyword()),
					Subject: rng.Ptr()})
			case config.StorageKind, config.DeploymentKind:
				if holders, ok := az.in.Holders[r]; ok && len(holders) == 0 {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Grant on something no site holds",
						Detail:  fmt.Sprintf("Policy %q names %s, which no candidate site can hold, so nothing enforces it. Fix the placement, or remove the policy.", p.Decl.Name, r),
						Subject: rng.Ptr()})
				}
			}
		}
		for i, pr := range p.Principals {
			if pr.Kind == access.Group || az.inSomeGroup(p.Addr.Module, pr) {
				continue
			}
			rng := p.Decl.DeclRange
			if i < len(p.PrincipalRanges) {
				rng = p.PrincipalRanges[i]
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Principal no group defines",
				Detail:  fmt.Sprintf("Policy %q names %s, who is a member of no group of this configuration. If that is a typo, fix it; otherwise add them to a group's members.", p.Decl.Name, pr),
				Subject: rng.Ptr()})
		}
	}
	for _, p := range az.in.Policies {
		if !p.Deny {
			diags = append(diags, az.conflicts(p)...)
		}
	}
	return diags
}

func (az *Authorizer) inSomeGroup(mod config.ModuleInstance, id access.Identity) bool {
	for _, g := range az.in.Groups {
		if g.Addr.Module == mod && slices.Contains(g.Members, id) {
			return true
		}
	}
	return false
}

// conflicts asks Cedar about every request an allow covers, for its
// principals and the named members of its groups, with no context (so
// only unconditional denies count), and reports the denies that win.
func (az *Authorizer) conflicts(p *eval.Policy) hcl.Diagnostics {
	type hit struct{ who, act, res string }
	by := map[string][]hit{}
	total, denied := 0, 0
	for _, pr := range p.Principals {
		who := []access.Identity{pr}
		if pr.Kind == access.Group {
			for _, g := range az.in.Groups {
				if g.Addr == (config.ObjectAddr{Module: p.Addr.Module, Kind: config.GroupKind, Name: pr.Name}) {
					who = append(who, g.Members...)
				}
			}
		}
		for wi, w := range who {
			for _, r := range p.Resources {
				for _, req := range access.RequestActions(r.Kind) {
					if !slices.ContainsFunc(p.Actions, func(a string) bool { return access.Covers(r.Kind, a, req) }) {
						continue
					}
					if wi == 0 {
						total++
					}
					ans := az.ask(p.Addr.Module, w, req, r)
					if ans.Effect != Deny {
						continue
					}
					if wi == 0 {
						denied++
					}
					for _, d := range ans.Deciding {
						by[d] = append(by[d], hit{w.String(), req, r.String()})
					}
				}
			}
		}
	}
	var diags hcl.Diagnostics
	if total > 0 && denied == total {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Policy gives nothing",
			Detail:  fmt.Sprintf("Every grant of policy %q is overridden by %s: it gives nothing. Remove it, or narrow the deny.", p.Decl.Name, strings.Join(slices.Sorted(maps.Keys(by)), " and ")),
			Subject: p.Decl.DeclRange.Ptr()}}
	}
	for _, d := range slices.Sorted(maps.Keys(by)) {
		var parts []string
		for _, h := range by[d] {
			parts = append(parts, fmt.Sprintf("%s %s %s", h.who, h.act, h.res))
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Deny overrides part of an allow",
			Detail:  fmt.Sprintf("%s overrides policy %q for: %s.", d, p.Decl.Name, strings.Join(parts, "; ")),
			Subject: p.Decl.DeclRange.Ptr()})
	}
	return diags
}

// ask is Can for a principal of a given module.
func (az *Authorizer) ask(mod config.ModuleInstance, who access.Identity, act string, r config.ObjectAddr) Answer {
	// Can resolves group principals in the root module; other modules'
	// groups are asked about by address.
	if who.Kind == access.Group && mod != config.RootModule {
		return az.can(principalUID(mod, who), act, r, Context{})
	}
	return az.Can(Request{Principal: who, Action: act, Resource: r})
}
