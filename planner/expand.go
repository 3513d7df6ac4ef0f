package planner

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/state"
)

func emptyIteration() eval.Iteration { return eval.Iteration{} }

// expansion is the result of evaluating count or for_each.
type expansion struct {
	each  state.EachMode
	keys  []config.InstanceKey
	iters []eval.Iteration
}

// expandKeys evaluates count and for_each in sc and returns the instance
// keys with the iteration of each. Values that are not known yet are an
// error: the set of instances must be known when planning. The keys are
// recorded (instance addresses in the plan and the state), so a count or
// for_each derived from an ephemeral value is an error too.
func expandKeys(sc *eval.Scope, count, forEach hcl.Expression, what string) (expansion, hcl.Diagnostics) {
	return expandKeysOf(sc, count, forEach, what, false)
}

// ephemeralKeys is expandKeys for an ephemeral resource, whose instances
// are recorded nowhere: its count and for_each may be ephemeral.
func ephemeralKeys(sc *eval.Scope, count, forEach hcl.Expression, what string) (expansion, hcl.Diagnostics) {
	return expandKeysOf(sc, count, forEach, what, true)
}

func expandKeysOf(sc *eval.Scope, count, forEach hcl.Expression, what string, ephemeralOK bool) (expansion, hcl.Diagnostics) {
	switch {
	case count != nil:
		v, diags := sc.EvalExpr(count, cty.Number)
		if diags.HasErrors() {
			return expansion{}, diags
		}
		if v.HasMark(marks.Sensitive) {
			return expansion{}, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid count argument", Detail: "count cannot be sensitive: the number of instances would reveal it.", Subject: count.Range().Ptr()})
		}
		if d := eval.CheckRecordedKeys(v, "count", count.Range()); !ephemeralOK && d.HasErrors() {
			return expansion{}, append(diags, d...)
		}
		v, _ = v.Unmark()
		if !v.IsKnown() {
			return expansion{}, append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid count argument",
				Detail:   fmt.Sprintf("The count of %s depends on values that are only known after apply, so indigo cannot tell how many instances to plan. Use a value known now (variables, locals), or apply the resources it depends on first with -target.", what),
				Subject:  count.Range().Ptr(),
			})
		}
		if v.IsNull() {
			return expansion{}, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid count argument", Detail: "count cannot be null.", Subject: count.Range().Ptr()})
		}
		bf := v.AsBigFloat()
		n, _ := bf.Int64()
		if !bf.IsInt() || n < 0 {
			return expansion{}, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid count argument", Detail: "count must be a whole number not less than zero.", Subject: count.Range().Ptr()})
		}
		ex := expansion{each: state.EachList}
		for i := 0; i < int(n); i++ {
			ex.keys = append(ex.keys, config.IntKey(i))
			ex.iters = append(ex.iters, eval.Iteration{Count: true, CountIndex: cty.NumberIntVal(int64(i))})
		}
		return ex, diags
	case forEach != nil:
		iters, diags := eval.ForEachIterations(sc, forEach, what, ephemeralOK)
		if diags.HasErrors() {
			return expansion{}, diags
		}
		ex := expansion{each: state.EachMap, iters: iters}
		for _, it := range iters {
			ex.keys = append(ex.keys, config.StringKey(it.EachKey.AsString()))
		}
		return ex, diags
	}
	return expansion{each: state.NoEach, keys: []config.InstanceKey{nil}, iters: []eval.Iteration{{}}}, nil
}

// expandModule computes the instances of module path c from its parent's.
func (r *run) expandModule(c *config.Config) hcl.Diagnostics {
	if c.Parent == nil {
		return nil
	}
	_, step := c.Path.UnkeyedInstance().Parent()
	var diags hcl.Diagnostics
	var insts []config.ModuleInstance
	for _, pi := range r.store.instancesOf(c.Parent.Path) {
		switch step.Kind {
		case config.ModuleStep:
			call := c.Parent.Module.ModuleCalls[step.Name]
			if call == nil {
				continue
			}
			ex, d := expandKeys(r.scope(pi, emptyIteration()), call.Count, call.ForEach, "module."+step.Name)
			diags = append(diags, d...)
			for i, k := range ex.keys {
				child := pi.Child(config.ModuleStep, step.Name, k)
				r.store.setIteration(child, ex.iters[i])
				insts = append(insts, child)
			}
		default:
			insts = append(insts, pi.Child(step.Kind, step.Name, nil))
		}
	}
	r.store.addInstances(c.Path, insts)
	return diags
}

// variableValue computes a variable of one module instance: given on the
// command line (root), passed by the caller (modules, deployments), or its
// default.
func (r *run) variableValue(c *config.Config, mi config.ModuleInstance, v *config.Variable) (cty.Value, hcl.Diagnostics) {
	var val cty.Value
	var rng = v.DeclRange
	var diags hcl.Diagnostics
	if c.Parent == nil {
		if given, ok := r.opts.Vars[v.Name]; ok {
			val = given
			if vr, ok := r.opts.VarRanges[v.Name]; ok {
				rng = vr
			}
		}
	} else {
		parent, step := mi.Parent()
		switch step.Kind {
		case config.ModuleStep:
			call := c.Parent.Module.ModuleCalls[step.Name]
			attrs, _ := call.Config.JustAttributes()
			if a, ok := attrs[v.Name]; ok {
				var d hcl.Diagnostics
				val, d = r.scope(parent, r.store.iteration(mi)).EvalExpr(a.Expr, cty.DynamicPseudoType)
				diags = append(diags, d...)
				rng = a.Expr.Range()
			}
		case config.DeploymentStep:
			dep := c.Parent.Module.Deployments[step.Name]
			if dep != nil && dep.Inputs != nil {
				inputs, d := r.scope(parent, emptyIteration()).EvalExpr(dep.Inputs, cty.DynamicPseudoType)
				diags = append(diags, d...)
				if !d.HasErrors() && inputs.IsKnown() && !inputs.IsNull() {
					inputs, imarks := inputs.Unmark()
					if inputs.Type().IsObjectType() && inputs.Type().HasAttribute(v.Name) {
						val = inputs.GetAttr(v.Name).WithMarks(imarks)
						rng = dep.Inputs.Range()
					}
				}
			}
		}
	}
	if diags.HasErrors() {
		return cty.UnknownVal(v.Type), diags
	}
	if val == cty.NilVal || (val.IsNull() && !v.Nullable) {
		if v.Default != cty.NilVal {
			val = v.Default
		} else if val == cty.NilVal {
			how := "Set it with -var '" + v.Name + "=...', in a .tfvars file, or with the INDIGO_VAR_" + v.Name + " environment variable."
			if c.Parent != nil {
				how = "Pass it from the calling block."
			}
			return cty.UnknownVal(v.Type), append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No value for required variable",
				Detail:   fmt.Sprintf("Variable %q has no default, so it needs a value. %s", v.Name, how),
				Subject:  v.DeclRange.Ptr(),
			})
		}
	}
	if v.Defaults != nil && val.IsKnown() {
		val = v.Defaults.Apply(val)
	}
	conv, err := convert.Convert(val, v.Type)
	if err != nil {
		return cty.UnknownVal(v.Type), append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The value for var.%s does not match its type %s: %s.", v.Name, typeexpr.TypeString(v.Type), err),
			Subject:  rng.Ptr(),
		})
	}
	if conv.IsNull() && !v.Nullable {
		return cty.UnknownVal(v.Type), append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable", Detail: fmt.Sprintf("var.%s is not nullable, but its value is null.", v.Name), Subject: rng.Ptr()})
	}
	if v.Sensitive {
		conv = conv.Mark(marks.Sensitive)
	}
	if v.Ephemeral {
		conv = conv.Mark(marks.Ephemeral)
	} else if c.Parent != nil {
		if d := notEphemeral(conv, "variable "+v.Name, rng); d.HasErrors() {
			return cty.UnknownVal(v.Type), append(diags, d...)
		}
	}
	return conv, diags
}

// checkValidations runs a variable's validation rules with its value.
func (r *run) checkValidations(mi config.ModuleInstance, v *config.Variable) hcl.Diagnostics {
	return failedRules(r.scope(mi, emptyIteration()), v.Validations, "The value is not valid.", func(rule *config.CheckRule, msg string) *hcl.Diagnostic {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("%s\n\nThis was checked by the validation rule at %s.", msg, rule.DeclRange),
			Subject:  v.DeclRange.Ptr(),
		}
	})
}

// checkRules evaluates preconditions or postconditions; a false one is an
// error with its message.
func checkRules(sc *eval.Scope, rules []*config.CheckRule, what, addr string) hcl.Diagnostics {
	return failedRules(sc, rules, "The condition is false.", func(rule *config.CheckRule, msg string) *hcl.Diagnostic {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("%s failed for %s", what, addr),
			Detail:   msg,
			Subject:  rule.Condition.Range().Ptr(),
		}
	})
}

// failedRules evaluates each rule's condition and reports, through report,
// those that are known to be false, with their error message (or fallback).
func failedRules(sc *eval.Scope, rules []*config.CheckRule, fallback string, report func(*config.CheckRule, string) *hcl.Diagnostic) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, rule := range rules {
		cond, d := sc.EvalExpr(rule.Condition, cty.Bool)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		cond, _ = cond.UnmarkDeep()
		if !cond.IsKnown() || cond.IsNull() || cond.True() {
			continue
		}
		msg := fallback
		if rule.ErrorMessage != nil {
			if m, d := sc.EvalExpr(rule.ErrorMessage, cty.String); !d.HasErrors() && m.IsKnown() && !m.IsNull() {
				msg = marks.ErrorMessageText(m)
			}
		}
		diags = append(diags, report(rule, msg))
	}
	return diags
}
