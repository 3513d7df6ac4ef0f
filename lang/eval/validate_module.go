package eval

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
)

// validateModule checks every expression of one module.
func (v *validator) validateModule(c *config.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	m := c.Module
	plain := v.scope(c, Iteration{})

	for _, name := range slices.Sorted(maps.Keys(m.Variables)) {
		decl := m.Variables[name]
		val, d := v.variableValue(c, decl)
		diags = append(diags, d...)
		diags = append(diags, v.checkValidations(c, decl, val)...)
	}
	if c.Parent == nil {
		for name, rng := range v.opts.VarRanges {
			if _, ok := m.Variables[name]; !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "Value for undeclared variable",
					Detail:   fmt.Sprintf("A value is given for %q, but the configuration declares no such variable; it is ignored.%s", name, suggest(name, slices.Sorted(maps.Keys(m.Variables)), "")),
					Subject:  rng.Ptr(),
				})
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Locals)) {
		_, d := v.localValue(c, m.Locals[name])
		diags = append(diags, d...)
	}
	for _, name := range slices.Sorted(maps.Keys(m.Outputs)) {
		o := m.Outputs[name]
		if o.Expr != nil {
			val, d := plain.EvalExpr(o.Expr, cty.DynamicPseudoType)
			diags = append(diags, d...)
			if !o.Ephemeral && !d.HasErrors() && marks.Contains(val, marks.Ephemeral) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Ephemeral value not allowed",
					Detail:   fmt.Sprintf("This value is ephemeral (it comes from an ephemeral resource or variable), but output %s is not: it would be recorded. Declare it with ephemeral = true, or wrap the value in ephemeralasnull().", name),
					Subject:  o.Expr.Range().Ptr(),
				})
			}
			if c.Parent == nil && !o.Sensitive && !d.HasErrors() && containsSensitive(val) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Output refers to sensitive values",
					Detail:   fmt.Sprintf("Output %q would show a sensitive value. Add sensitive = true to the output if showing it is intended to be hidden, or wrap the value in nonsensitive() if it is safe to show.", name),
					Subject:  o.DeclRange.Ptr(),
				})
			}
		}
		diags = append(diags, v.checkDependsOn(c, o.DependsOn)...)
		for _, rule := range o.Preconditions {
			diags = append(diags, v.checkRule(plain, rule, "precondition")...)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(m.ProviderConfigs)) {
		diags = append(diags, v.validateProviderConfig(c, m.ProviderConfigs[key])...)
	}
	for _, name := range slices.Sorted(maps.Keys(m.ModuleCalls)) {
		diags = append(diags, v.validateModuleCall(c, m.ModuleCalls[name])...)
	}
	diags = append(diags, v.validateResources(c, m.SortedResources())...)
	for _, name := range slices.Sorted(maps.Keys(m.Checks)) {
		chk := m.Checks[name]
		if chk.DataResource != nil {
			diags = append(diags, v.validateResource(c, chk.DataResource)...)
		}
		for _, a := range chk.Asserts {
			diags = append(diags, v.checkRule(plain, a, "assert")...)
		}
	}
	for _, mv := range m.Moved {
		diags = append(diags, checkMoveEndpoint(mv.From)...)
		diags = append(diags, checkMoveEndpoint(mv.To)...)
	}
	diags = append(diags, v.validateImports(c)...)
	diags = append(diags, v.validateIndigo(c)...)
	return diags
}

// validateProviderConfig checks a provider block's body against its
// provider's schema, when that is known, as plan decodes it: each instance
// of a provider with for_each has each.key and each.value, unknown here.
func (v *validator) validateProviderConfig(c *config.Config, pc *config.ProviderConfig) hcl.Diagnostics {
	if v.opts.ProviderSchemas == nil || pc.Config == nil {
		return nil
	}
	schema := v.opts.ProviderSchemas(c, pc)
	if !schema.Known || schema.Spec == nil {
		return nil
	}
	sc := v.scope(c, unknownIteration(nil, pc.ForEach))
	_, diags := sc.evalBlockOnce(pc.Config, schema.Spec, plainBody(pc.Config))
	return diags
}

// parallelResources is the number of resources from which a module's are
// validated several at once.
const parallelResources = 64

// validateResources validates a module's resources in order, and returns
// their problems in that order. Once the module's variables, locals and
// module calls have been computed, a resource's validation only reads what
// the validator remembers (memo): on a large module the resources are
// validated on every processor, each by a frozen copy of the validator.
// A copy that needs a value the validator has not computed yet gives up
// (missed), and that resource is validated again by the validator itself,
// after the others, before its problems take their place. The schema's
// Validate (a provider's validation) is called here, one resource after
// the other: the result, and the order of those calls, are those of one
// resource after the other.
func (v *validator) validateResources(c *config.Config, rs []*config.Resource) hcl.Diagnostics {
	// The outputs of the module's calls, which resources often refer to,
	// are computed first, in the order of the calls' names, however the
	// resources are then validated.
	if v.missed == nil {
		for _, name := range slices.Sorted(maps.Keys(c.Module.ModuleCalls)) {
			call := c.Module.ModuleCalls[name]
			if child := c.Children[config.Step{Kind: config.ModuleStep, Name: name}]; child != nil && call.Count == nil && call.ForEach == nil {
				v.outputsObject(child)
			}
		}
	}
	procs := runtime.GOMAXPROCS(0)
	if len(rs) < parallelResources || procs == 1 || v.missed != nil {
		var diags hcl.Diagnostics
		for _, r := range rs {
			diags = append(diags, v.validateResource(c, r)...)
		}
		return diags
	}
	found := make([]hcl.Diagnostics, len(rs))
	later := make([]laterValidation, len(rs))
	again := make([]bool, len(rs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var missed bool
			frozen := *v
			frozen.missed = &missed
			for {
				i := int(next.Add(1)) - 1
				if i >= len(rs) {
					return
				}
				missed = false
				frozen.later = &later[i]
				d := frozen.validateResource(c, rs[i])
				if missed {
					again[i], later[i] = true, laterValidation{}
					continue
				}
				found[i] = d
			}
		}()
	}
	wg.Wait()
	var diags hcl.Diagnostics
	for i, r := range rs {
		d := found[i]
		switch {
		case again[i]:
			d = v.validateResource(c, r)
		case later[i].run != nil:
			d = slices.Insert(d, later[i].at, later[i].run()...)
		}
		diags = append(diags, d...)
	}
	return diags
}

// laterValidation is a schema's validation of one resource, left by a
// frozen copy of the validator: its problems go at index at of the
// resource's.
type laterValidation struct {
	at  int
	run func() hcl.Diagnostics
}

// validateImports checks the import blocks with what validate knows:
// root variables given or defaulted and the locals computed from them
// (as plan will), skipping what only a plan knows.
func (v *validator) validateImports(c *config.Config) hcl.Diagnostics {
	if len(c.Module.Imports) == 0 {
		return nil
	}
	if c.Parent != nil {
		var diags hcl.Diagnostics
		for _, im := range c.Module.Imports {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import block in a child module", Detail: fmt.Sprintf("Import blocks belong to the root module: move this one there, with the module's address in to (to = %s.…).", c.Path), Subject: im.DeclRange.Ptr()})
		}
		return diags
	}
	static := StaticData(c, v.opts)
	_, diags := ExpandImports(c, c.Module.Imports, func(it Iteration) *Scope {
		return &Scope{Data: static, Module: config.RootModule, Functions: v.functionsOf(c), Iteration: it}
	}, false)
	return diags
}

// plainBody reports whether body is native syntax without dynamic blocks,
// at any depth: decoding it with a schema that accepts it evaluates every
// expression it holds.
func plainBody(body hcl.Body) bool {
	syn, ok := body.(*hclsyntax.Body)
	if !ok {
		return false
	}
	for _, blk := range syn.Blocks {
		if blk.Type == "dynamic" || !plainBody(blk.Body) {
			return false
		}
	}
	return true
}

func containsSensitive(val cty.Value) bool {
	return marks.Contains(val, marks.Sensitive)
}

func checkMoveEndpoint(trav hcl.Traversal) hcl.Diagnostics {
	if len(trav) == 0 {
		return nil
	}
	// module.x and module.x[0] name whole modules; anything else must be a
	// resource address.
	if config.RootName(trav) == "module" && (len(trav) == 2 || (len(trav) == 3 && isIndex(trav[2]))) {
		return nil
	}
	_, diags := config.InstanceAddrFromTraversal(trav)
	return diags
}

func isIndex(t hcl.Traverser) bool {
	_, ok := t.(hcl.TraverseIndex)
	return ok
}

func (v *validator) checkValidations(c *config.Config, decl *config.Variable, val cty.Value) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, rule := range decl.Validations {
		sc := v.scope(c, Iteration{})
		cond, d := sc.EvalExpr(rule.Condition, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		ok, err := asBool(cond)
		if err != "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid validation condition", Detail: err, Subject: rule.Condition.Range().Ptr()})
			continue
		}
		if ok != nil && !*ok {
			msg := v.ruleMessage(sc, rule)
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   msg + fmt.Sprintf("\n\nThis was checked by the validation rule at %s.", rule.DeclRange),
				Subject:  decl.DeclRange.Ptr(),
			})
		}
	}
	return diags
}

// checkRule evaluates a precondition, postcondition or assert when it can be
// known, and reports a failure.
func (v *validator) checkRule(sc *Scope, rule *config.CheckRule, what string) hcl.Diagnostics {
	cond, diags := sc.EvalExpr(rule.Condition, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return diags
	}
	ok, err := asBool(cond)
	if err != "" {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + what + " condition", Detail: err, Subject: rule.Condition.Range().Ptr()})
	}
	if rule.ErrorMessage != nil {
		_, d := sc.EvalExpr(rule.ErrorMessage, cty.DynamicPseudoType)
		diags = append(diags, d...)
	}
	if ok != nil && !*ok {
		sev := hcl.DiagError
		if what == "assert" {
			sev = hcl.DiagWarning
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: sev,
			Summary:  strings.ToUpper(what[:1]) + what[1:] + " failed",
			Detail:   v.ruleMessage(sc, rule),
			Subject:  rule.Condition.Range().Ptr(),
		})
	}
	return diags
}

func (v *validator) ruleMessage(sc *Scope, rule *config.CheckRule) string {
	if rule.ErrorMessage == nil {
		return "The condition is false."
	}
	msg, d := sc.EvalExpr(rule.ErrorMessage, cty.String)
	if d.HasErrors() || !msg.IsKnown() || msg.IsNull() {
		return "The condition is false."
	}
	msg, _ = msg.Unmark()
	return msg.AsString()
}

// asBool reads a condition result: nil when unknown, an error text when it
// is not a boolean.
func asBool(v cty.Value) (*bool, string) {
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() {
		return nil, ""
	}
	if v.IsNull() {
		return nil, "The condition is null; it must be true or false."
	}
	b, err := convertBool(v)
	if err != nil {
		return nil, fmt.Sprintf("The condition must be a boolean, not %s.", v.Type().FriendlyName())
	}
	return &b, ""
}

func convertBool(v cty.Value) (bool, error) {
	if v.Type() != cty.Bool {
		return false, fmt.Errorf("not a bool")
	}
	return v.True(), nil
}

func (v *validator) checkDependsOn(c *config.Config, deps []hcl.Traversal) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, trav := range deps {
		ref, d := config.ParseRef(trav)
		diags = append(diags, d...)
		if ref == nil {
			continue
		}
		mod := c.Path.UnkeyedInstance()
		switch sub := ref.Subject.(type) {
		case config.ResourceRef:
			_, d := v.Resource(mod, sub.Resource, ref.Range)
			diags = append(diags, d...)
		case config.ModuleCallRef:
			_, d := v.ModuleCall(mod, sub, ref.Range)
			diags = append(diags, d...)
		case config.VariableRef, config.LocalRef:
			// Terraform accepts a variable or local in depends_on (modules
			// pass dependencies in this way); the reference orders nothing
			// more than the value already does.
			if sub, ok := sub.(config.VariableRef); ok {
				_, d := v.Variable(mod, sub.Name, ref.Range)
				diags = append(diags, d...)
			}
			if sub, ok := sub.(config.LocalRef); ok {
				_, d := v.Local(mod, sub.Name, ref.Range)
				diags = append(diags, d...)
			}
		case config.ObjectRef:
			if sub.Kind == config.DeploymentKind || sub.Kind == config.StorageKind || sub.Kind == config.ComponentKind {
				_, d := v.Object(mod, sub, ref.Range)
				diags = append(diags, d...)
				continue
			}
			diags = append(diags, badDependsOn(ref))
		default:
			diags = append(diags, badDependsOn(ref))
		}
	}
	return diags
}

func badDependsOn(ref *config.Reference) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid depends_on reference",
		Detail:   fmt.Sprintf("depends_on lists resources, data sources, modules, deployments, storage or components; %s is none of these. Values are ordered by their references already.", ref.Subject),
		Subject:  ref.Range.Ptr(),
	}
}

func (v *validator) validateModuleCall(c *config.Config, call *config.ModuleCall) hcl.Diagnostics {
	var diags hcl.Diagnostics
	plain := v.scope(c, Iteration{})
	diags = append(diags, v.checkRepetition(plain, call.Count, call.ForEach, true)...)
	diags = append(diags, v.checkDependsOn(c, call.DependsOn)...)
	child := c.Children[config.Step{Kind: config.ModuleStep, Name: call.Name}]
	attrs, ad := call.Config.JustAttributes()
	diags = append(diags, ad...)
	sc := v.scope(c, unknownIteration(call.Count, call.ForEach))
	for _, name := range sortedAttrNames(attrs) {
		a := attrs[name]
		_, d := sc.EvalExpr(a.Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if child != nil {
			if _, ok := child.Module.Variables[name]; !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unsupported argument",
					Detail:   fmt.Sprintf("Module %q (%s) declares no variable %q.%s", call.Name, call.SourceAddr, name, suggest(name, slices.Sorted(maps.Keys(child.Module.Variables)), "")),
					Subject:  a.NameRange.Ptr(),
				})
			}
		}
	}
	if child != nil {
		for _, name := range slices.Sorted(maps.Keys(child.Module.Variables)) {
			decl := child.Module.Variables[name]
			if _, ok := attrs[name]; !ok && decl.Required() {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Missing required argument",
					Detail:   fmt.Sprintf("Module %q needs a value for %q (declared at %s), which has no default. Add %s = ... to the module block.", call.Name, name, decl.DeclRange, name),
					Subject:  call.DeclRange.Ptr(),
				})
			}
		}
		for _, pp := range call.Providers {
			if pp.InParent.Alias != "" && c.Module.ProviderConfigs[pp.InParent.String()] == nil && !declaresAlias(c.Module, pp.InParent) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Reference to undeclared provider configuration",
					Detail:   fmt.Sprintf("Module %q is passed provider %s, which this module does not configure. Add a provider %q block with alias = %q.", call.Name, pp.InParent, pp.InParent.LocalName, pp.InParent.Alias),
					Subject:  pp.Range.Ptr(),
				})
			}
		}
	}
	return diags
}

func declaresAlias(m *config.Module, ref config.LocalProviderRef) bool {
	rp, ok := m.Settings.RequiredProviders[ref.LocalName]
	if !ok {
		return false
	}
	for _, a := range rp.ConfigurationAliases {
		if a == ref {
			return true
		}
	}
	return false
}

// checkRepetition type-checks count and for_each.
func (v *validator) checkRepetition(sc *Scope, count, forEach hcl.Expression, recorded bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if count != nil {
		val, d := sc.EvalExpr(count, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if recorded && !d.HasErrors() {
			diags = append(diags, CheckRecordedKeys(val, "count", count.Range())...)
		}
		val, _ = val.Unmark()
		if !d.HasErrors() && val.IsKnown() && val.Type() != cty.DynamicPseudoType {
			n, err := convertNumber(val)
			if err != "" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid count argument", Detail: err, Subject: count.Range().Ptr()})
			} else if n != nil && *n < 0 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid count argument", Detail: "count cannot be negative.", Subject: count.Range().Ptr()})
			}
		}
	}
	if forEach != nil {
		val, d := sc.EvalExpr(forEach, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if !d.HasErrors() {
			diags = append(diags, CheckForEach(val, forEach.Range())...)
			if recorded {
				diags = append(diags, CheckRecordedKeys(val, "for_each", forEach.Range())...)
			}
		}
	}
	return diags
}

// CheckRecordedKeys reports a count or for_each (arg, "count" or
// "for_each") derived from an ephemeral value where the instances it makes
// are recorded in the plan and the state: a resource, a data source, a
// module or a provider configuration; not an ephemeral resource. Only v's
// own mark counts: a key derived from an ephemeral value marks the whole
// map or set, while ephemeral values under plain keys reach only
// each.value, which is checked where it goes.
func CheckRecordedKeys(v cty.Value, arg string, rng hcl.Range) hcl.Diagnostics {
	if !v.HasMark(marks.Ephemeral) {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + arg + " argument",
		Detail:   "This " + arg + " is derived from an ephemeral value (from an ephemeral resource or variable), but instance keys are recorded in the plan and the state. Use a value that is not ephemeral.",
		Subject:  rng.Ptr(),
	}}
}

// CheckForEach reports a for_each value that is not a map, an object or a
// set of strings.
func CheckForEach(val cty.Value, rng hcl.Range) hcl.Diagnostics {
	if val.HasMark(marks.Sensitive) {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid for_each argument", Detail: "Sensitive values cannot be used in for_each: the instance keys would reveal them. Use nonsensitive() if the keys are safe to show.", Subject: rng.Ptr()}}
	}
	val, _ = val.UnmarkDeep()
	ty := val.Type()
	switch {
	case ty == cty.DynamicPseudoType:
		return nil
	case ty.IsMapType() || ty.IsObjectType():
		return nil
	case ty.IsSetType():
		if ety := ty.ElementType(); ety != cty.String && ety != cty.DynamicPseudoType {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid for_each set argument", Detail: fmt.Sprintf("for_each takes a set of strings; this is a set of %s. Convert the elements with tostring(), or build a map.", ety.FriendlyName()), Subject: rng.Ptr()}}
		}
		return nil
	case ty.IsListType() || ty.IsTupleType():
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid for_each argument", Detail: "for_each takes a map or a set of strings, not a list: a list's order would decide the instance keys. Convert it with toset(...) or build a map with a for expression.", Subject: rng.Ptr()}}
	}
	if !val.IsKnown() {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid for_each argument", Detail: fmt.Sprintf("for_each takes a map or a set of strings, not %s.", ty.FriendlyName()), Subject: rng.Ptr()}}
}

func convertNumber(v cty.Value) (*int64, string) {
	if v.IsNull() {
		return nil, "count cannot be null."
	}
	if v.Type() != cty.Number {
		if v.Type() == cty.String {
			return nil, "count must be a whole number, not a string. Convert it with tonumber()."
		}
		return nil, fmt.Sprintf("count must be a whole number, not %s.", v.Type().FriendlyName())
	}
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return nil, "count must be a whole number."
	}
	i, _ := bf.Int64()
	return &i, ""
}

func (v *validator) validateResource(c *config.Config, r *config.Resource) hcl.Diagnostics {
	var diags hcl.Diagnostics
	plain := v.scope(c, Iteration{})
	diags = append(diags, v.checkRepetition(plain, r.Count, r.ForEach, r.Mode != config.EphemeralMode)...)
	diags = append(diags, v.checkDependsOn(c, r.DependsOn)...)
	sc := v.scope(c, unknownIteration(r.Count, r.ForEach))
	var schema ResourceSchema
	if v.opts.Schemas != nil {
		schema = v.opts.Schemas(c, r)
	}
	if schema.Known && schema.Spec == nil {
		what := "resource type"
		switch r.Mode {
		case config.DataMode:
			what = "data source"
		case config.EphemeralMode:
			what = "ephemeral resource type"
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported " + what,
			Detail:   fmt.Sprintf("Provider %s has no %s %q.%s", schema.Provider, what, r.Type, suggest(r.Type, schema.Types, "")),
			Subject:  r.TypeRange.Ptr(),
		})
	}
	if r.Config != nil {
		// The expression checks, then the schema's (which repeat some:
		// Validate drops the duplicates). When decoding with the schema
		// finds nothing and the body has no dynamic blocks, it has
		// evaluated every argument the expression checks would, so they
		// are skipped: they could find nothing more.
		if schema.Spec == nil {
			diags = append(diags, sc.EvalBody(r.Config)...)
		} else {
			plain := plainBody(r.Config)
			val, d := sc.evalBlockOnce(r.Config, schema.Spec, plain)
			if len(d) > 0 || !plain {
				diags = append(diags, sc.EvalBody(r.Config)...)
			}
			diags = append(diags, d...)
			if !d.HasErrors() && schema.Validate != nil {
				if v.later != nil {
					// A frozen copy leaves the provider's validation to
					// validateResources, which asks in order, once.
					*v.later = laterValidation{at: len(diags), run: func() hcl.Diagnostics { return schema.Validate(val) }}
				} else {
					diags = append(diags, schema.Validate(val)...)
				}
			}
		}
	}
	for _, rule := range r.Preconditions {
		diags = append(diags, v.checkRule(sc, rule, "precondition")...)
	}
	self := sc.WithIteration(sc.Iteration)
	self.Self = cty.DynamicVal
	for _, rule := range r.Postconditions {
		diags = append(diags, v.checkRule(self, rule, "postcondition")...)
	}
	if r.ProviderRef != nil && r.ProviderRef.Alias != "" {
		if c.Module.ProviderConfigs[r.ProviderRef.String()] == nil && !declaresAlias(c.Module, *r.ProviderRef) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Reference to undeclared provider configuration",
				Detail:   fmt.Sprintf("%s uses provider %s, which is not configured in this module. Add a provider %q block with alias = %q, or list it in configuration_aliases if the caller passes it.", r.Addr(), r.ProviderRef, r.ProviderRef.LocalName, r.ProviderRef.Alias),
				Subject:  r.DeclRange.Ptr(),
			})
		}
	}
	if mr := r.Managed; mr != nil {
		for _, e := range mr.ReplaceTriggeredBy {
			for _, trav := range variables(e) {
				ref, d := config.ParseRef(trav)
				diags = append(diags, d...)
				if ref == nil {
					continue
				}
				switch sub := ref.Subject.(type) {
				case config.ResourceRef:
					_, d := v.Resource(c.Path.UnkeyedInstance(), sub.Resource, ref.Range)
					diags = append(diags, d...)
				case config.CountRef, config.EachRef:
				default:
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid replace_triggered_by reference", Detail: "replace_triggered_by lists managed resources or their attributes, e.g. [aws_instance.db.id].", Subject: ref.Range.Ptr()})
				}
			}
		}
		for _, p := range mr.Provisioners {
			diags = append(diags, self.EvalBody(p.Config)...)
			if p.Connection != nil {
				diags = append(diags, self.EvalBody(p.Connection)...)
			}
		}
		if mr.Connection != nil {
			diags = append(diags, self.EvalBody(mr.Connection)...)
		}
	}
	return diags
}
