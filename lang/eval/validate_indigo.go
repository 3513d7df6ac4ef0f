package eval

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
)

func (v *validator) validateIndigo(c *config.Config) hcl.Diagnostics {
	sc := v.scope(c, Iteration{})
	m, diags := ExpandSites(sc, c.Module, false)
	sites := map[string]*Site{}
	for _, name := range slices.Sorted(maps.Keys(m.Sites)) {
		s, d := EvalSite(sc, m, m.Sites[name])
		diags = append(diags, d...)
		sites[name] = s
	}
	_, d := EvalWeights(sc, m, v.root.Module)
	diags = append(diags, d...)
	for _, name := range slices.Sorted(maps.Keys(m.Deployments)) {
		dep := m.Deployments[name]
		diags = append(diags, v.checkDependsOn(c, dep.DependsOn)...)
		child := c.Children[config.Step{Kind: config.DeploymentStep, Name: name}]
		p := dep.Placement
		if p == nil && child != nil && child.Module.Template != nil {
			p = child.Module.Template.Placement
		}
		pl, d := EvalPlacement(sc, m, sites, p, 1)
		diags = append(diags, d...)
		diags = append(diags, v.validateInputs(c, dep)...)
		if child != nil && !d.HasErrors() {
			rd := realisationErrors(child.Module, m, nil, CandidateSites(pl, sites))
			diags = append(diags, rd...)
			if len(rd) == 0 {
				addr := config.ObjectAddr{Module: c.Path.UnkeyedInstance(), Kind: config.DeploymentKind, Name: name}
				diags = append(diags, v.catalogueErrors(addr.String(), dep.DeclRange, child.Module, v.inputs(c, dep), nil, CandidateSites(pl, sites))...)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Storages)) {
		st := m.Storages[name]
		diags = append(diags, v.checkDependsOn(c, st.DependsOn)...)
		addr := config.ObjectAddr{Module: c.Path.UnkeyedInstance(), Kind: config.StorageKind, Name: name}
		spec, pl, d := EvalStorage(sc, m, sites, st, addr)
		diags = append(diags, d...)
		if !d.HasErrors() {
			candidates := CandidateSites(pl, sites)
			if unmet := unmetQoS(spec, candidates, m); unmet != nil {
				diags = append(diags, unmet...)
			} else {
				diags = append(diags, storageRealisationErrors(spec, candidates, m)...)
			}
		}
	}
	mod := c.Path.UnkeyedInstance()
	groups := map[string]*Group{}
	for _, name := range slices.Sorted(maps.Keys(m.Groups)) {
		g, d := EvalGroupBlock(sc, mod, m.Groups[name])
		diags = append(diags, d...)
		groups[name] = g
	}
	var policies []*Policy
	for _, name := range slices.Sorted(maps.Keys(m.Policies)) {
		p, d := EvalPolicy(sc, m, mod, m.Policies[name])
		diags = append(diags, d...)
		policies = append(policies, p)
	}
	diags = append(diags, ShadowedPolicies(policies, groups)...)
	for _, name := range slices.Sorted(maps.Keys(sites)) {
		diags = append(diags, CheckAccounts(sites[name])...)
	}
	for _, name := range slices.Sorted(maps.Keys(m.Components)) {
		comp := m.Components[name]
		for _, pn := range slices.Sorted(maps.Keys(comp.Properties)) {
			_, d := sc.EvalExpr(comp.Properties[pn], cty.DynamicPseudoType)
			diags = append(diags, d...)
		}
		for _, req := range comp.Requirements {
			if req.Target != "" && m.Components[req.Target] == nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Requirement names an undeclared component",
					Detail:   fmt.Sprintf("Requirement %q of component %q needs component %q, which is not declared in this deployment.%s", req.Name, comp.Name, req.Target, suggest(req.Target, slices.Sorted(maps.Keys(m.Components)), "component.")),
					Subject:  req.Range.Ptr(),
				})
			}
		}
		diags = append(diags, v.checkDependsOn(c, comp.DependsOn)...)
		if comp.Placement != nil && c.Parent != nil {
			psc := v.scope(c.Parent, Iteration{})
			pm, _ := ExpandSites(psc, c.Parent.Module, false)
			sites := map[string]*Site{}
			for _, sn := range slices.Sorted(maps.Keys(pm.Sites)) {
				s, _ := EvalSite(psc, pm, pm.Sites[sn])
				sites[sn] = s
			}
			pl, d := EvalPlacement(psc, pm, sites, comp.Placement, 1)
			diags = append(diags, d...)
			if !d.HasErrors() {
				rd := realisationErrors(m, pm, []string{name}, CandidateSites(pl, sites))
				diags = append(diags, rd...)
				if len(rd) == 0 {
					_, step := c.Path.UnkeyedInstance().Parent()
					var inputs cty.Value
					if dep := c.Parent.Module.Deployments[step.Name]; dep != nil {
						inputs = v.inputs(c.Parent, dep)
					}
					addr := config.ObjectAddr{Module: c.Path.UnkeyedInstance(), Kind: config.ComponentKind, Name: name}
					diags = append(diags, v.catalogueErrors(addr.String(), comp.DeclRange, m, inputs, []string{name}, CandidateSites(pl, sites))...)
				}
			}
		}
	}
	return diags
}

// realisationErrors are the errors of realising components on their
// candidate sites when no candidate can take them; none when one can.
func realisationErrors(scope, m *config.Module, names []string, candidates []*Site) hcl.Diagnostics {
	bad := UnrealisableSites(scope, m, names, candidates)
	var diags hcl.Diagnostics
	for _, s := range candidates {
		if s.Kind == nil {
			continue
		}
		d, failed := bad[s.Decl.Name]
		if !failed {
			return nil
		}
		diags = append(diags, d...)
	}
	return diags
}

// catalogueErrors reports a deployment (or a component placed on its own)
// that no candidate site's catalogue can take, with each site's reason,
// the way plan reports a placement with no site left.
func (v *validator) catalogueErrors(addr string, decl hcl.Range, scope *config.Module, inputs cty.Value, names []string, candidates []*Site) hcl.Diagnostics {
	if v.opts.Catalogue == nil {
		return nil
	}
	unfit := v.opts.Catalogue(scope, inputs, names, candidates)
	var lines []string
	for _, s := range candidates {
		if s.Kind == nil {
			continue
		}
		why, ok := unfit[s.Decl.Name]
		if !ok {
			return nil
		}
		lines = append(lines, fmt.Sprintf("  site %s: %s", s.Decl.Name, why))
	}
	if len(lines) == 0 {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "No site can take " + addr,
		Detail:   fmt.Sprintf("Every candidate site was ruled out for %s:\n%s\nRelax the placement's requirements, add sites, or free capacity.", addr, strings.Join(lines, "\n")),
		Subject:  decl.Ptr(),
	}}
}

// inputs is a deployment's inputs, unknown where not known.
func (v *validator) inputs(c *config.Config, dep *config.Deployment) cty.Value {
	if dep.Inputs == nil {
		return cty.NilVal
	}
	val, d := v.scope(c, Iteration{}).EvalExpr(dep.Inputs, cty.DynamicPseudoType)
	if d.HasErrors() {
		return cty.NilVal
	}
	val, _ = val.UnmarkDeep()
	return val
}

// validateInputs checks a deployment's inputs against the variables of its
// scope (a template's inputs).
func (v *validator) validateInputs(c *config.Config, dep *config.Deployment) hcl.Diagnostics {
	child := c.Children[config.Step{Kind: config.DeploymentStep, Name: dep.Name}]
	var diags hcl.Diagnostics
	given := map[string]bool{}
	if dep.Inputs != nil {
		val, d := v.scope(c, Iteration{}).EvalExpr(dep.Inputs, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if d.HasErrors() || !val.IsKnown() {
			return diags
		}
		if !val.IsNull() && !val.Type().IsObjectType() && !val.Type().IsMapType() {
			return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid deployment inputs", Detail: "inputs is an object: inputs = { name = value, ... }.", Subject: dep.Inputs.Range().Ptr()})
		}
		if val.Type().IsObjectType() {
			for name := range val.Type().AttributeTypes() {
				given[name] = true
			}
		}
	}
	if child == nil {
		return diags
	}
	for _, name := range slices.Sorted(maps.Keys(given)) {
		if _, ok := child.Module.Variables[name]; !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported deployment input",
				Detail:   fmt.Sprintf("Deployment %q has no input %q.%s Its inputs are: %s.", dep.Name, name, suggest(name, slices.Sorted(maps.Keys(child.Module.Variables)), ""), joinNames(slices.Sorted(maps.Keys(child.Module.Variables)))),
				Subject:  dep.Inputs.Range().Ptr(),
			})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(child.Module.Variables)) {
		if decl := child.Module.Variables[name]; decl.Required() && !given[name] && (dep.Inputs == nil || len(given) > 0) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing deployment input",
				Detail:   fmt.Sprintf("Deployment %q needs input %q (declared at %s), which has no default. Add it to inputs = { ... }.", dep.Name, name, decl.DeclRange),
				Subject:  dep.DeclRange.Ptr(),
			})
		}
	}
	return diags
}

// unmetQoS is the error of a storage no candidate site can hold, naming
// each site and why, as plan's ranking would.
func unmetQoS(st *binding.Storage, candidates []*Site, m *config.Module) hcl.Diagnostics {
	unfit := StorageUnfit(st, candidates, m)
	var lines []string
	for _, s := range candidates {
		if s.Kind == nil {
			return nil
		}
		why, bad := unfit[s.Decl.Name]
		if !bad {
			return nil
		}
		lines = append(lines, fmt.Sprintf("  site %s: %s", s.Decl.Name, why))
	}
	if len(lines) == 0 {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "No site can take " + st.Addr.String(),
		Detail:   fmt.Sprintf("Every candidate site was ruled out for %s:\n%s\nRelax the placement's requirements, add sites, or free capacity.", st.Addr, strings.Join(lines, "\n")),
		Subject:  st.Range.Ptr(),
	}}
}

// storageRealisationErrors are the errors of realising a copy of st when
// no candidate site can realise one; none when one can.
func storageRealisationErrors(st *binding.Storage, candidates []*Site, m *config.Module) hcl.Diagnostics {
	bad := UnrealisableStorage(st, candidates, m)
	var diags hcl.Diagnostics
	for _, s := range candidates {
		if s.Kind == nil || s.Kind.Storage == nil {
			continue
		}
		d, failed := bad[s.Decl.Name]
		if !failed {
			return nil
		}
		diags = append(diags, d...)
	}
	return diags
}
