package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/funcs"
)

// needsInput names the first input without a default, "" when every input
// has one (the template plans as it is).
func needsInput(m *config.Module) string {
	for _, name := range slices.Sorted(maps.Keys(m.Variables)) {
		if m.Variables[name].Required() {
			return name
		}
	}
	return ""
}

// corpusSite is a site of the kind for the corpus check: every string
// setting is given a placeholder (an image, a flavor, a network), so that
// what is checked is the template and the binding, not a site's settings.
func corpusSite(k *binding.Kind) binding.Site {
	vals := map[string]cty.Value{}
	for _, s := range k.Settings {
		if s.Type == cty.String {
			vals[s.Name] = cty.StringVal("corpus-" + s.Name)
		} else {
			vals[s.Name] = cty.NullVal(s.Type)
		}
	}
	return binding.Site{Name: k.Name, Kind: k.Name, ProviderLocalName: k.DefaultProvider.Type, Settings: cty.ObjectVal(vals)}
}

// plan does what the planner does with a loaded template placed on one
// site, short of calling a provider: it realises every component with the
// site kind's binding, checks the inputs' defaults against their
// constraints, evaluates each component's properties and attributes in
// dependency order (component.NAME as the planner builds it; a cycle is an
// error), the generated resources' arguments and the outputs, with the
// inputs' defaults and every resource attribute unknown.
func plan(m *config.Module, site binding.Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	reals := map[string]*binding.Realisation{}
	resources := map[string]*config.Resource{}
	for _, name := range slices.Sorted(maps.Keys(m.Components)) {
		r, d := binding.Realise(m.Components[name], m.Components, site)
		diags = append(diags, d...)
		if r == nil {
			continue
		}
		reals[name] = r
		for _, res := range r.Resources {
			resources[res.Type+"."+res.Name] = res
		}
	}
	if diags.HasErrors() {
		return diags
	}
	data := &planData{m: m, vars: map[string]cty.Value{}, comps: map[string]cty.Value{}, busy: map[string]bool{}, resources: resources}
	for name, v := range m.Variables {
		val, err := convert.Convert(v.Default, v.Type)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid default", Detail: fmt.Sprintf("The default of input %s: %v.", name, err), Subject: v.DeclRange.Ptr()})
			val = cty.DynamicVal
		}
		data.vars[name] = val
	}
	sc := &eval.Scope{Data: data, Functions: funcs.Table(funcs.Options{BaseDir: m.SourceDir, PureOnly: true})}
	for _, name := range slices.Sorted(maps.Keys(m.Variables)) {
		for _, rule := range m.Variables[name].Validations {
			ok, d := sc.EvalExpr(rule.Condition, cty.Bool)
			diags = append(diags, d...)
			if !d.HasErrors() && ok.IsKnown() && !ok.IsNull() && ok.False() {
				msg, _ := sc.EvalExpr(rule.ErrorMessage, cty.String)
				detail := "The default does not satisfy the input's constraints."
				if msg.IsKnown() && !msg.IsNull() {
					detail = msg.AsString()
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable", Detail: detail, Subject: rule.DeclRange.Ptr()})
			}
		}
	}
	// The planner's graph orders components by requirement and by
	// reference (a component's references to itself aside) and rejects a
	// cycle; so does this walk.
	var evalComp func(name string, from string)
	cycle := false
	evalComp = func(name string, from string) {
		if _, done := data.comps[name]; done {
			return
		}
		if data.busy[name] {
			if !cycle {
				cycle = true
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Dependency cycle",
					Detail: fmt.Sprintf("Component %s depends on %s, which depends on it (through requirements and references).", from, name), Subject: m.Components[from].DeclRange.Ptr()})
			}
			return
		}
		data.busy[name] = true
		comp := m.Components[name]
		real := reals[name]
		var exprs []hcl.Expression
		for _, k := range slices.Sorted(maps.Keys(comp.Properties)) {
			exprs = append(exprs, comp.Properties[k])
		}
		for _, k := range slices.Sorted(maps.Keys(real.Attributes)) {
			exprs = append(exprs, real.Attributes[k])
		}
		// What it reads first, as the planner's graph orders it.
		for _, req := range comp.Requirements {
			if m.Components[req.Target] != nil && req.Target != name {
				evalComp(req.Target, name)
			}
		}
		for _, e := range exprs {
			for _, t := range e.Variables() {
				if t.RootName() == "component" && len(t) > 1 {
					if a, ok := t[1].(hcl.TraverseAttr); ok && m.Components[a.Name] != nil && a.Name != name {
						evalComp(a.Name, name)
					}
				}
			}
		}
		attrs := map[string]cty.Value{}
		for _, k := range slices.Sorted(maps.Keys(comp.Properties)) {
			v, d := sc.EvalExpr(comp.Properties[k], cty.DynamicPseudoType)
			diags = append(diags, d...)
			attrs[k] = v
		}
		for _, k := range slices.Sorted(maps.Keys(real.Attributes)) {
			v, d := sc.EvalExpr(real.Attributes[k], cty.DynamicPseudoType)
			diags = append(diags, d...)
			attrs[k] = v
		}
		attrs["site"] = cty.StringVal(site.Name)
		data.comps[name] = cty.ObjectVal(attrs)
		delete(data.busy, name)
	}
	for _, name := range slices.Sorted(maps.Keys(m.Components)) {
		evalComp(name, "")
	}
	for _, key := range slices.Sorted(maps.Keys(resources)) {
		res, rsc := resources[key], sc
		if res.Count != nil {
			// A counted resource (a scalable server): its count, and its
			// body for an index not known yet, as validate does.
			_, d := sc.EvalExpr(res.Count, cty.Number)
			diags = append(diags, d...)
			rsc = sc.WithIteration(eval.Iteration{Count: true, CountIndex: cty.UnknownVal(cty.Number)})
		}
		if body, ok := res.Config.(*hclsyntax.Body); ok {
			diags = append(diags, evalBody(rsc, body)...)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Outputs)) {
		_, d := sc.EvalExpr(m.Outputs[name].Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
	}
	return diags
}

func evalBody(sc *eval.Scope, body *hclsyntax.Body) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range slices.Sorted(maps.Keys(body.Attributes)) {
		_, d := sc.EvalExpr(body.Attributes[name].Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
	}
	for _, b := range body.Blocks {
		diags = append(diags, evalBody(sc, b.Body)...)
	}
	return diags
}

// planData answers references as the planner does at plan time: inputs
// are their defaults, components what their realisation computes, every
// resource attribute unknown.
type planData struct {
	m         *config.Module
	vars      map[string]cty.Value
	comps     map[string]cty.Value
	busy      map[string]bool
	resources map[string]*config.Resource
}

func undeclared(what, name string, rng hcl.Range) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Reference to undeclared " + what, Detail: fmt.Sprintf("No %s named %q.", what, name), Subject: rng.Ptr()}}
}

func (d *planData) Variable(_ config.ModuleInstance, name string, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	if v, ok := d.vars[name]; ok {
		return v, nil
	}
	return cty.DynamicVal, undeclared("input variable", name, rng)
}

func (d *planData) Local(_ config.ModuleInstance, name string, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	return cty.DynamicVal, undeclared("local value", name, rng)
}

func (d *planData) Resource(_ config.ModuleInstance, addr config.ResourceAddr, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	if d.resources[addr.Type+"."+addr.Name] == nil {
		return cty.DynamicVal, undeclared("resource", addr.Type+"."+addr.Name, rng)
	}
	return cty.DynamicVal, nil
}

func (d *planData) ModuleCall(_ config.ModuleInstance, ref config.ModuleCallRef, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	return cty.DynamicVal, undeclared("module", ref.Name, rng)
}

func (d *planData) Object(_ config.ModuleInstance, ref config.ObjectRef, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	if ref.Kind != config.ComponentKind {
		return cty.DynamicVal, nil
	}
	if v, ok := d.comps[ref.Name]; ok {
		return v, nil
	}
	if d.m.Components[ref.Name] == nil {
		return cty.DynamicVal, undeclared("component", ref.Name, rng)
	}
	// a reference cycle: the planner would report it; unknown here
	return cty.DynamicVal, nil
}

func (d *planData) Path(config.ModuleInstance, string) cty.Value { return cty.StringVal(d.m.SourceDir) }

func (d *planData) Workspace() cty.Value { return cty.StringVal("default") }
