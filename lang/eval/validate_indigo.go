package eval

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

// Vocabularies of indigo's own blocks. They are facts of the language,
// documented in docs/language.md.
var (
	storageMedia     = map[string]bool{"disk": true, "ssd": true, "nvme": true, "hdd": true, "tape": true}
	storageLatencies = map[string]bool{"online": true, "nearline": true, "offline": true}
	policyActions    = map[string]bool{"read": true, "list": true, "write": true, "delete": true, "deploy": true, "manage": true, "admin": true, "*": true}
	rankingCriteria  = map[string]bool{"preference": true, "availability": true, "latency": true, "free_capacity": true, "cost": true, "locality": true}
	qosAttributes    = map[string]bool{"copies": true, "media": true, "locations": true, "latency": true, "size": true, "redundancy": true}
	durationPattern  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(s|m|h|d|w|y)$`)
)

func (v *validator) validateIndigo(c *config.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	m := c.Module
	sc := v.scope(c, Iteration{})
	for _, name := range sortedKeys(m.Sites) {
		diags = append(diags, v.validateSite(sc, m, m.Sites[name])...)
	}
	for _, name := range sortedKeys(m.Deployments) {
		dep := m.Deployments[name]
		diags = append(diags, v.checkDependsOn(c, dep.DependsOn)...)
		diags = append(diags, v.validatePlacement(sc, m, dep.Placement, 1)...)
		diags = append(diags, v.validateInputs(c, dep)...)
	}
	for _, name := range sortedKeys(m.Storages) {
		diags = append(diags, v.validateStorage(sc, c, m.Storages[name])...)
	}
	for _, name := range sortedKeys(m.Policies) {
		p := m.Policies[name]
		diags = append(diags, stringList(sc, p.Actions, "actions", policyActions)...)
		if p.Condition != nil {
			_, d := sc.EvalExpr(p.Condition, cty.Bool)
			diags = append(diags, d...)
		}
	}
	for _, name := range sortedKeys(m.Groups) {
		g := m.Groups[name]
		diags = append(diags, stringList(sc, g.Members, "members", nil)...)
		for _, e := range []hcl.Expression{g.Issuer, g.Claim} {
			if e != nil {
				_, d := sc.EvalExpr(e, cty.String)
				diags = append(diags, d...)
			}
		}
	}
	for _, name := range sortedKeys(m.Components) {
		comp := m.Components[name]
		for _, pn := range sortedKeys(comp.Properties) {
			_, d := sc.EvalExpr(comp.Properties[pn], cty.DynamicPseudoType)
			diags = append(diags, d...)
		}
		for _, req := range comp.Requirements {
			if req.Target != "" && m.Components[req.Target] == nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Requirement names an undeclared component",
					Detail:   fmt.Sprintf("Requirement %q of component %q needs component %q, which is not declared in this deployment.%s", req.Name, comp.Name, req.Target, suggest(req.Target, sortedKeys(m.Components), "component.")),
					Subject:  req.Range.Ptr(),
				})
			}
		}
		diags = append(diags, v.checkDependsOn(c, comp.DependsOn)...)
		if comp.Placement != nil && c.Parent != nil {
			diags = append(diags, v.validatePlacement(v.scope(c.Parent, Iteration{}), c.Parent.Module, comp.Placement, 1)...)
		}
	}
	return diags
}

func (v *validator) validateSite(sc *Scope, m *config.Module, s *config.Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if s.Location != nil {
		_, d := sc.EvalExpr(s.Location, cty.String)
		diags = append(diags, d...)
	}
	diags = append(diags, stringList(sc, s.Capabilities, "capabilities", nil)...)
	for _, name := range sortedKeys(s.SLA) {
		a := s.SLA[name]
		val, d := sc.EvalExpr(a.Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if d.HasErrors() || !val.IsWhollyKnown() {
			continue
		}
		val, _ = val.UnmarkDeep()
		switch {
		case val.Type() == cty.Number:
			if name == "availability" {
				f, _ := val.AsBigFloat().Float64()
				if f < 0 || f > 1 {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid SLA availability", Detail: "availability is a fraction between 0 and 1, e.g. 0.995 for 99.5%.", Subject: a.Expr.Range().Ptr()})
				}
			}
		case val.Type() == cty.String:
			if name == "availability" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid SLA availability", Detail: "availability is a number between 0 and 1, e.g. 0.995.", Subject: a.Expr.Range().Ptr()})
			}
		default:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid SLA value", Detail: fmt.Sprintf("SLA %s must be a number or a quantity string such as \"1.5TiB\", not %s.", name, val.Type().FriendlyName()), Subject: a.Expr.Range().Ptr()})
		}
	}
	if s.Shares != nil {
		val, d := sc.EvalExpr(s.Shares, cty.Map(cty.Number))
		diags = append(diags, d...)
		if !d.HasErrors() && val.IsWhollyKnown() && !val.IsNull() {
			val, _ = val.UnmarkDeep()
			for it := val.ElementIterator(); it.Next(); {
				k, x := it.Element()
				if m.Groups[k.AsString()] == nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Share for an undeclared group", Detail: undeclaredDetail(fmt.Sprintf("Site %q gives a share to %q, which is not a declared group.", s.Name, k.AsString()), suggest(k.AsString(), sortedKeys(m.Groups), ""), "Declare it with a group block, or remove the share."), Subject: s.Shares.Range().Ptr()})
				}
				if f, _ := x.AsBigFloat().Float64(); f < 0 || f > 1 {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid share", Detail: "A share is a fraction of the site's SLA capacity between 0 and 1.", Subject: s.Shares.Range().Ptr()})
				}
			}
		}
	}
	if s.Cost != nil {
		_, d := sc.EvalExpr(s.Cost, cty.Map(cty.Number))
		diags = append(diags, d...)
	}
	if s.Metrics != nil {
		val, d := sc.EvalExpr(s.Metrics, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if !d.HasErrors() && val.IsKnown() && !val.IsNull() {
			ty := val.Type()
			if ty != cty.String && !ty.IsObjectType() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid metrics source", Detail: "metrics is a file path or URL, or an object { source = \"...\", max_age = \"5m\", timeout = \"2s\" }.", Subject: s.Metrics.Range().Ptr()})
			}
			if ty.IsObjectType() {
				for attr := range ty.AttributeTypes() {
					if attr != "source" && attr != "max_age" && attr != "timeout" && attr != "format" {
						diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid metrics source", Detail: fmt.Sprintf("%q is not a metrics setting: use source, format, max_age and timeout.", attr), Subject: s.Metrics.Range().Ptr()})
					}
				}
				if !ty.HasAttribute("source") {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Metrics source missing", Detail: "Set source to a JSON file path or a Prometheus endpoint URL.", Subject: s.Metrics.Range().Ptr()})
				}
			}
		}
	}
	return diags
}

// validatePlacement checks a placement's expressions; copies is how many
// distinct sites the component needs.
func (v *validator) validatePlacement(sc *Scope, m *config.Module, p *config.Placement, copies int) hcl.Diagnostics {
	if p == nil {
		return nil
	}
	var diags hcl.Diagnostics
	if p.Require != nil {
		val, d := sc.EvalExpr(p.Require, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if !d.HasErrors() && val.IsKnown() && !val.IsNull() && !val.Type().IsObjectType() && !val.Type().IsMapType() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid placement requirement", Detail: "require is an object of constraints, e.g. { cpus = 4, memory = \"8GiB\", location = \"IT\", capabilities = [\"gpu\"] }.", Subject: p.Require.Range().Ptr()})
		}
	}
	if p.Weights != nil {
		val, d := sc.EvalExpr(p.Weights, cty.Map(cty.Number))
		diags = append(diags, d...)
		if !d.HasErrors() && val.IsWhollyKnown() && !val.IsNull() {
			val, _ = val.UnmarkDeep()
			for it := val.ElementIterator(); it.Next(); {
				k, _ := it.Element()
				if !rankingCriteria[k.AsString()] {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown ranking criterion", Detail: fmt.Sprintf("%q is not a ranking criterion; the criteria are %s.", k.AsString(), strings.Join(sortedStrings(rankingCriteria), ", ")), Subject: p.Weights.Range().Ptr()})
				}
			}
		}
	}
	candidates := len(p.Sites)
	if candidates == 0 {
		candidates = len(m.Sites)
	}
	if copies > 1 && candidates < copies && len(m.Sites) > 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Not enough candidate sites",
			Detail:   fmt.Sprintf("%d copies are asked for, but only %d candidate site(s) are listed. Each copy goes to a different site: list more sites or lower copies.", copies, candidates),
			Subject:  p.DeclRange.Ptr(),
		})
	}
	return diags
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
	for _, name := range sortedStrings(given) {
		if _, ok := child.Module.Variables[name]; !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported deployment input",
				Detail:   fmt.Sprintf("Deployment %q has no input %q.%s Its inputs are: %s.", dep.Name, name, suggest(name, sortedKeys(child.Module.Variables), ""), joinNames(sortedKeys(child.Module.Variables))),
				Subject:  dep.Inputs.Range().Ptr(),
			})
		}
	}
	for _, name := range sortedKeys(child.Module.Variables) {
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

func (v *validator) validateStorage(sc *Scope, c *config.Config, s *config.Storage) hcl.Diagnostics {
	var diags hcl.Diagnostics
	diags = append(diags, v.checkDependsOn(c, s.DependsOn)...)
	copies := 1
	if q := s.QoS; q != nil {
		if q.Copies != nil {
			val, d := sc.EvalExpr(q.Copies, cty.Number)
			diags = append(diags, d...)
			if !d.HasErrors() && val.IsKnown() && !val.IsNull() {
				val, _ = val.Unmark()
				bf := val.AsBigFloat()
				n, _ := bf.Int64()
				if !bf.IsInt() || n < 1 {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid number of copies", Detail: "copies is a whole number of at least 1.", Subject: q.Copies.Range().Ptr()})
				} else {
					copies = int(n)
				}
			}
		}
		diags = append(diags, stringList(sc, q.Media, "media", storageMedia)...)
		diags = append(diags, stringList(sc, q.Locations, "locations", nil)...)
		if q.Latency != nil {
			diags = append(diags, oneOf(sc, q.Latency, "latency", storageLatencies)...)
		}
		for _, e := range []hcl.Expression{q.Size, q.Redundancy} {
			if e != nil {
				_, d := sc.EvalExpr(e, cty.DynamicPseudoType)
				diags = append(diags, d...)
			}
		}
	}
	for _, rule := range s.Lifecycle {
		if rule.After != nil {
			val, d := sc.EvalExpr(rule.After, cty.String)
			diags = append(diags, d...)
			if !d.HasErrors() && val.IsKnown() && !val.IsNull() {
				val, _ = val.Unmark()
				if !durationPattern.MatchString(val.AsString()) {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid lifecycle delay", Detail: fmt.Sprintf("%q is not a duration. Write a number and a unit: s, m, h, d (days), w (weeks) or y (years), e.g. \"30d\".", val.AsString()), Subject: rule.After.Range().Ptr()})
				}
			}
		}
		if rule.Transition != nil {
			val, d := sc.EvalExpr(rule.Transition, cty.DynamicPseudoType)
			diags = append(diags, d...)
			if !d.HasErrors() && val.IsKnown() && !val.IsNull() {
				if !val.Type().IsObjectType() {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid lifecycle transition", Detail: "transition is an object of QoS attributes, e.g. { media = [\"tape\"] }.", Subject: rule.Transition.Range().Ptr()})
				} else {
					for attr := range val.Type().AttributeTypes() {
						if !qosAttributes[attr] {
							diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid lifecycle transition", Detail: fmt.Sprintf("%q is not a QoS attribute; a transition may change %s.", attr, strings.Join(sortedStrings(qosAttributes), ", ")), Subject: rule.Transition.Range().Ptr()})
						}
					}
				}
			}
		}
		for _, e := range []hcl.Expression{rule.Expire} {
			if e != nil {
				_, d := sc.EvalExpr(e, cty.Bool)
				diags = append(diags, d...)
			}
		}
		if rule.Prefix != nil {
			_, d := sc.EvalExpr(rule.Prefix, cty.String)
			diags = append(diags, d...)
		}
	}
	diags = append(diags, v.validatePlacement(sc, c.Module, s.Placement, copies)...)
	if s.Placement == nil && copies > 1 && len(c.Module.Sites) > 0 && len(c.Module.Sites) < copies {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not enough sites", Detail: fmt.Sprintf("%d copies are asked for, but only %d site(s) are declared. Each copy goes to a different site.", copies, len(c.Module.Sites)), Subject: s.DeclRange.Ptr()})
	}
	return diags
}

// stringList checks that expr is a list of strings, each in allowed when
// allowed is not nil.
func stringList(sc *Scope, expr hcl.Expression, what string, allowed map[string]bool) hcl.Diagnostics {
	if expr == nil {
		return nil
	}
	val, diags := sc.EvalExpr(expr, cty.List(cty.String))
	if diags.HasErrors() || allowed == nil || !val.IsWhollyKnown() || val.IsNull() {
		return diags
	}
	val, _ = val.UnmarkDeep()
	for it := val.ElementIterator(); it.Next(); {
		_, s := it.Element()
		if !allowed[s.AsString()] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid " + what + " value",
				Detail:   fmt.Sprintf("%q is not a valid %s value; use one of %s.", s.AsString(), what, strings.Join(sortedStrings(allowed), ", ")),
				Subject:  expr.Range().Ptr(),
			})
		}
	}
	return diags
}

func oneOf(sc *Scope, expr hcl.Expression, what string, allowed map[string]bool) hcl.Diagnostics {
	val, diags := sc.EvalExpr(expr, cty.String)
	if diags.HasErrors() || !val.IsKnown() || val.IsNull() {
		return diags
	}
	val, _ = val.Unmark()
	if !allowed[val.AsString()] {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid " + what,
			Detail:   fmt.Sprintf("%q is not a valid %s; use one of %s.", val.AsString(), what, strings.Join(sortedStrings(allowed), ", ")),
			Subject:  expr.Range().Ptr(),
		})
	}
	return diags
}
