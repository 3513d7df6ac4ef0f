package eval

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/hashicorp/hcl/v2/hcldec"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/funcs"
	"github.com/indigo-cloud/indigo/lang/marks"
)

// ValidateOptions configure Validate.
type ValidateOptions struct {
	// Vars are values for root module variables (from variable files or
	// flags). Variables without a value and without a default are unknown.
	Vars map[string]cty.Value
	// VarRanges locates each value of Vars for diagnostics.
	VarRanges map[string]hcl.Range
	// Workspace is the value of terraform.workspace ("default" when empty).
	Workspace string
	// Catalogue, when set, says by site name why candidate sites cannot
	// take the compute components of a deployment (their catalogue has no
	// flavor or image for one); validate then reports a deployment no
	// candidate can take, as plan does. The matching is the ranking's
	// (planner.CatalogueUnfit), which this package cannot import.
	Catalogue CatalogueCheck
	// Schemas, when set, gives the schema of each resource's type (from
	// its provider, after init), so that validate checks resource bodies
	// as plan does: unknown resource types, unknown arguments and blocks,
	// missing required arguments, type errors.
	Schemas func(c *config.Config, r *config.Resource) ResourceSchema
	// ProviderSchemas, when set, gives the schema of each provider
	// block (Spec decodes its body, meta-arguments removed), so that
	// validate checks provider configurations as plan does: unknown
	// arguments, missing required ones, type errors.
	ProviderSchemas func(c *config.Config, pc *config.ProviderConfig) ResourceSchema
	// Functions, when set, gives the declarations of providers'
	// functions (from their schemas, after init), so that validate checks
	// calls of them as plan does: unknown functions, the number and types
	// of arguments.
	Functions ProviderFunctionDecls
	// Recorded, when set, gives the value the state records for a
	// resource of a module instance (indigo console reads the state), so
	// that what refers to it, module outputs too, has that value; ok is
	// false when the state has nothing for it.
	Recorded func(mod config.ModuleInstance, addr config.ResourceAddr) (v cty.Value, ok bool)
}

// ResourceSchema is what validate knows of a resource's type.
type ResourceSchema struct {
	// Known is false when the provider's schema is not available (not
	// installed yet): only the expressions are checked then.
	Known bool
	// Provider names the provider, for messages.
	Provider string
	// Types are the provider's types of the resource's mode, for a
	// did-you-mean when Spec is nil.
	Types []string
	// Spec decodes the resource body; nil when the provider has no such
	// type.
	Spec hcldec.Spec
	// Validate, when set, is the provider's own validation of the decoded
	// body (called when decoding found no errors).
	Validate func(val cty.Value) hcl.Diagnostics
}

// CatalogueCheck checks the compute components names of scope (all but
// those placed on their own when nil), given the deployment's inputs,
// against each candidate site's catalogue.
type CatalogueCheck func(scope *config.Module, inputs cty.Value, names []string, candidates []*Site) map[string]string

// Validate evaluates a whole configuration the way terraform validate does:
// every expression of every module once, with unknown values for what only
// a plan can know (resources, unset variables, instance keys), and reports
// every problem found: references to undeclared objects, type errors,
// failing function calls, invalid count and for_each values, module
// arguments that the module does not declare, failed variable validations,
// and cycles.
func Validate(cfg *config.Config, opts ValidateOptions) hcl.Diagnostics {
	v := newValidator(cfg, opts)
	// The search for cycles reads only the configuration: it runs beside
	// the evaluation.
	cycles := make(chan hcl.Diagnostics, 1)
	go func() { cycles <- Cycles(cfg) }()
	var diags hcl.Diagnostics
	cfg.Walk(func(c *config.Config) {
		diags = append(diags, v.validateModule(c)...)
	})
	diags = append(diags, <-cycles...)
	diags = append(diags, v.funcDiags...)
	_, rd := RemovedTargets(cfg)
	diags = append(diags, rd...)
	return dedupe(diags)
}

// validator implements Data with unknown values for everything a plan would
// know, computing locals, module outputs and variables lazily and once.
type validator struct {
	// known makes variables take their given values (see StaticData)
	// instead of being unknown.
	known     bool
	root      *config.Config
	opts      ValidateOptions
	rootDir   string
	functions map[string]function.Function
	// modFuncs are the functions of modules that call provider-defined
	// functions (functions and stand-ins for those); funcDiags the
	// problems found building them.
	modFuncs  map[*config.Module]map[string]function.Function
	funcDiags hcl.Diagnostics
	memo      map[memoKey]cty.Value
	busy      map[memoKey]bool
	// missed is set in a frozen copy (see validateResources): it only
	// reads memo, and sets *missed instead of computing a value memo does
	// not hold yet.
	missed *bool
	// later, in a frozen copy, receives the schema's validation of the
	// resource it validates, for validateResources to run.
	later *laterValidation
}

// frozenMiss reports whether v is a frozen copy, noting that a value was
// missing: the caller returns an unknown value, and the copy's work is
// done again by the validator itself.
func (v *validator) frozenMiss() bool {
	if v.missed == nil {
		return false
	}
	*v.missed = true
	return true
}

type memoKey struct {
	path config.ModulePath
	kind byte // 'v' variable, 'l' local, 'o' output
	name string
}

func newValidator(cfg *config.Config, opts ValidateOptions) *validator {
	rootDir := cfg.Module.SourceDir
	v := &validator{
		root:      cfg,
		opts:      opts,
		rootDir:   rootDir,
		functions: funcs.Table(funcs.Options{BaseDir: rootDir, PureOnly: true}),
		modFuncs:  map[*config.Module]map[string]function.Function{},
		memo:      map[memoKey]cty.Value{},
		busy:      map[memoKey]bool{},
	}
	cfg.Walk(func(c *config.Config) {
		if len(c.Module.ProviderFunctionCalls) == 0 {
			return
		}
		fns, diags := ModuleFunctionsDeclared(v.functions, c.Module, nil, opts.Functions)
		v.modFuncs[c.Module] = fns
		v.funcDiags = append(v.funcDiags, diags...)
	})
	return v
}

// functionsOf returns the functions the expressions of module c can call.
func (v *validator) functionsOf(c *config.Config) map[string]function.Function {
	if fns, ok := v.modFuncs[c.Module]; ok {
		return fns
	}
	return v.functions
}

func (v *validator) node(mod config.ModuleInstance) *config.Config {
	return v.root.Descendant(mod.Static())
}

func (v *validator) scope(c *config.Config, it Iteration) *Scope {
	return &Scope{Data: v, Module: c.Path.UnkeyedInstance(), Functions: v.functionsOf(c), Iteration: it}
}

// unknownIteration is the iteration of a block repeated with count or
// for_each while validating: the keys are not known yet.
func unknownIteration(count, forEach hcl.Expression) Iteration {
	return Iteration{
		Count: count != nil, CountIndex: cty.UnknownVal(cty.Number),
		ForEach: forEach != nil, EachKey: cty.UnknownVal(cty.String), EachValue: cty.DynamicVal,
	}
}

// Variable implements Data.
func (v *validator) Variable(mod config.ModuleInstance, name string, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	c := v.node(mod)
	if c == nil {
		return cty.DynamicVal, nil
	}
	c = c.ScopeFor(config.VariableRef{Name: name})
	decl, ok := c.Module.Variables[name]
	if !ok {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Reference to undeclared input variable",
			Detail:   undeclaredDetail(fmt.Sprintf("No variable %q is declared in this module.", name), suggest(name, slices.Sorted(maps.Keys(c.Module.Variables)), "var."), fmt.Sprintf("Declare it with a variable %q block.", name)),
			Subject:  rng.Ptr(),
		}}
	}
	val, _ := v.variableValue(c, decl)
	return val, nil
}

// variableValue computes a variable's value once: a given value, else the
// caller's argument, else the default, else unknown.
func (v *validator) variableValue(c *config.Config, decl *config.Variable) (cty.Value, hcl.Diagnostics) {
	key := memoKey{c.Path, 'v', decl.Name}
	if val, ok := v.memo[key]; ok {
		return val, nil
	}
	if v.frozenMiss() {
		return cty.DynamicVal, nil
	}
	// As in terraform validate, every variable is unknown: its value may
	// come from a variables file, the command line or a caller, and the
	// configuration must be valid for any value of its type. Values that are
	// known here are still checked against the type.
	var diags hcl.Diagnostics
	var given cty.Value
	rng := decl.DeclRange
	if c.Parent == nil {
		if val, ok := v.opts.Vars[decl.Name]; ok {
			given = val
			if r, ok := v.opts.VarRanges[decl.Name]; ok {
				rng = r
			}
		}
	} else {
		given, rng = v.argumentValue(c, decl)
	}
	if given != cty.NilVal && given.IsWhollyKnown() {
		val := given
		if decl.Defaults != nil {
			val = decl.Defaults.Apply(val)
		}
		if _, err := convert.Convert(val, decl.Type); err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("The value given for var.%s does not match its type %s: %s.", decl.Name, typeexpr.TypeString(decl.Type), err),
				Subject:  rng.Ptr(),
			})
		}
	}
	val := cty.UnknownVal(decl.Type)
	if v.known {
		switch {
		case given != cty.NilVal:
			val = given
		case decl.Default != cty.NilVal:
			val = decl.Default
		}
		if decl.Defaults != nil && val.IsKnown() {
			val = decl.Defaults.Apply(val)
		}
		if conv, err := convert.Convert(val, decl.Type); err == nil {
			val = conv
		} else {
			val = cty.UnknownVal(decl.Type)
		}
	}
	if decl.Sensitive {
		val = val.Mark(marks.Sensitive)
	}
	if decl.Ephemeral {
		val = val.Mark(marks.Ephemeral)
	}
	v.memo[key] = val
	return val, diags
}

// StaticData returns a Data that knows what can be known before anything is
// planned: root variables (from opts.Vars, else their defaults), the
// arguments callers pass to modules, locals and paths. Resources, module
// outputs and indigo's objects are unknown. The planner uses it to evaluate
// sites and placements, which must not depend on resources.
func StaticData(cfg *config.Config, opts ValidateOptions) Data {
	v := newValidator(cfg, opts)
	v.known = true
	return v
}

// argumentValue evaluates the caller's argument for a child module variable
// (or a deployment's input), without reporting problems in the expression:
// the caller's validation reports them once. It returns cty.NilVal when the
// caller sets no value.
func (v *validator) argumentValue(c *config.Config, decl *config.Variable) (cty.Value, hcl.Range) {
	parent := c.Parent
	_, step := c.Path.UnkeyedInstance().Parent()
	switch step.Kind {
	case config.ModuleStep:
		call := parent.Module.ModuleCalls[step.Name]
		if call == nil {
			return cty.NilVal, decl.DeclRange
		}
		attrs, _ := call.Config.JustAttributes()
		if a, ok := attrs[decl.Name]; ok {
			val, _ := v.scope(parent, unknownIteration(call.Count, call.ForEach)).EvalExpr(a.Expr, cty.DynamicPseudoType)
			return val, a.Expr.Range()
		}
	case config.DeploymentStep:
		dep := parent.Module.Deployments[step.Name]
		if dep != nil && dep.Inputs != nil {
			inputs, _ := v.scope(parent, Iteration{}).EvalExpr(dep.Inputs, cty.DynamicPseudoType)
			if inputs.IsKnown() && !inputs.IsNull() && inputs.Type().IsObjectType() && inputs.Type().HasAttribute(decl.Name) {
				return inputs.GetAttr(decl.Name), dep.Inputs.Range()
			}
		}
	}
	return cty.NilVal, decl.DeclRange
}

// Local implements Data.
func (v *validator) Local(mod config.ModuleInstance, name string, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	c := v.node(mod)
	if c == nil {
		return cty.DynamicVal, nil
	}
	c = c.ScopeFor(config.LocalRef{Name: name})
	decl, ok := c.Module.Locals[name]
	if !ok {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Reference to undeclared local value",
			Detail:   undeclaredDetail(fmt.Sprintf("No local value %q is declared in this module.", name), suggest(name, slices.Sorted(maps.Keys(c.Module.Locals)), "local."), "Declare it in a locals block."),
			Subject:  rng.Ptr(),
		}}
	}
	val, _ := v.localValue(c, decl)
	return val, nil
}

func (v *validator) localValue(c *config.Config, decl *config.Local) (cty.Value, hcl.Diagnostics) {
	key := memoKey{c.Path, 'l', decl.Name}
	if val, ok := v.memo[key]; ok {
		return val, nil
	}
	if v.frozenMiss() {
		return cty.DynamicVal, nil
	}
	if v.busy[key] {
		// A cycle: Cycles reports it with every member; stop here.
		return cty.DynamicVal, nil
	}
	v.busy[key] = true
	val, diags := v.scope(c, Iteration{}).EvalExpr(decl.Expr, cty.DynamicPseudoType)
	delete(v.busy, key)
	v.memo[key] = val
	return val, diags
}

// Resource implements Data.
func (v *validator) Resource(mod config.ModuleInstance, addr config.ResourceAddr, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	c := v.node(mod)
	if c == nil {
		return cty.DynamicVal, nil
	}
	c = c.ScopeFor(config.ResourceRef{Resource: addr})
	if c.Module.Resource(addr) != nil {
		if v.opts.Recorded != nil && addr.Mode != config.EphemeralMode {
			if val, ok := v.opts.Recorded(mod, addr); ok {
				return val, nil
			}
		}
		if addr.Mode == config.EphemeralMode {
			// Where it may go is checked as plan checks it.
			return cty.DynamicVal.Mark(marks.Ephemeral), nil
		}
		return cty.DynamicVal, nil
	}
	var names []string
	pool := c.Module.ManagedResources
	what := "resource"
	switch addr.Mode {
	case config.DataMode:
		pool, what = c.Module.DataResources, "data source"
	case config.EphemeralMode:
		pool, what = c.Module.EphemeralResources, "ephemeral resource"
	}
	for k := range pool {
		names = append(names, k)
	}
	sort.Strings(names)
	prefix := ""
	switch addr.Mode {
	case config.DataMode:
		prefix = "data."
	case config.EphemeralMode:
		prefix = "ephemeral."
	}
	detail := fmt.Sprintf("A %s %q %q has not been declared in this module.", what, addr.Type, addr.Name)
	if s := suggest(addr.Type+"."+addr.Name, names, prefix); s != "" {
		detail += s
	} else if addr.Mode == config.ManagedMode && len(addr.Type) > 0 {
		detail += fmt.Sprintf(" If you meant an object of another kind, a reference starts with var., local., module., data., site., deployment. or storage.")
	}
	return cty.DynamicVal, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared " + what,
		Detail:   detail,
		Subject:  rng.Ptr(),
	}}
}

// ModuleCall implements Data.
func (v *validator) ModuleCall(mod config.ModuleInstance, ref config.ModuleCallRef, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	c := v.node(mod)
	if c == nil {
		return cty.DynamicVal, nil
	}
	c = c.ScopeFor(ref)
	call, ok := c.Module.ModuleCalls[ref.Name]
	if !ok {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Reference to undeclared module",
			Detail:   fmt.Sprintf("No module call named %q is declared in this module.%s", ref.Name, suggest(ref.Name, slices.Sorted(maps.Keys(c.Module.ModuleCalls)), "module.")),
			Subject:  rng.Ptr(),
		}}
	}
	child := c.Children[config.Step{Kind: config.ModuleStep, Name: ref.Name}]
	if child == nil {
		// The module did not load; its own error has been reported.
		return cty.DynamicVal, nil
	}
	var diags hcl.Diagnostics
	if ref.Output != "" {
		if _, ok := child.Module.Outputs[ref.Output]; !ok {
			repeated := call.Count != nil || call.ForEach != nil
			if !(repeated && !ref.Keyed) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Reference to undeclared output value",
					Detail:   fmt.Sprintf("Module %q (%s) has no output %q.%s", ref.Name, call.SourceAddr, ref.Output, suggest(ref.Output, slices.Sorted(maps.Keys(child.Module.Outputs)), "")),
					Subject:  rng.Ptr(),
				})
			}
		}
	}
	if call.Count != nil || call.ForEach != nil {
		return cty.DynamicVal, diags
	}
	return v.outputsObject(child), diags
}

func (v *validator) outputsObject(c *config.Config) cty.Value {
	attrs := make(map[string]cty.Value, len(c.Module.Outputs))
	for name, o := range c.Module.Outputs {
		attrs[name] = v.outputValue(c, o)
	}
	return cty.ObjectVal(attrs)
}

func (v *validator) outputValue(c *config.Config, o *config.Output) cty.Value {
	key := memoKey{c.Path, 'o', o.Name}
	if val, ok := v.memo[key]; ok {
		return val
	}
	if v.frozenMiss() {
		return cty.DynamicVal
	}
	if v.busy[key] || o.Expr == nil {
		return cty.DynamicVal
	}
	v.busy[key] = true
	val, _ := v.scope(c, Iteration{}).EvalExpr(o.Expr, cty.DynamicPseudoType)
	delete(v.busy, key)
	if o.Sensitive {
		val = val.Mark(marks.Sensitive)
	}
	v.memo[key] = val
	return val
}

// undeclaredDetail says what is missing and either the likely typo or how
// to declare it.
func undeclaredDetail(what, suggestion, declare string) string {
	if suggestion != "" {
		return what + suggestion
	}
	return what + " " + declare
}

// SiteForEach implements SiteEachData.
func (v *validator) SiteForEach(mod config.ModuleInstance, name string) bool {
	c := v.node(mod)
	return c != nil && c.SiteForEach(name)
}

// Object implements Data.
func (v *validator) Object(mod config.ModuleInstance, ref config.ObjectRef, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	c := v.node(mod)
	if c == nil {
		return cty.DynamicVal, nil
	}
	// Sites, groups and storage are declared next to deployments, so code in
	// a deployment's scope sees the enclosing module's objects too.
	for scope := c; scope != nil; scope = scope.Parent {
		if scope.Module.Object(ref.Kind, ref.Name) != nil {
			return cty.DynamicVal, nil
		}
		if scope.Path.IsRoot() || ref.Kind == config.ComponentKind {
			break
		}
		_, step := scope.Path.UnkeyedInstance().Parent()
		if step.Kind != config.DeploymentStep {
			break
		}
	}
	kw := ref.Kind.Keyword()
	var names []string
	switch ref.Kind {
	case config.SiteKind:
		names = slices.Sorted(maps.Keys(c.Module.Sites))
	case config.DeploymentKind:
		names = slices.Sorted(maps.Keys(c.Module.Deployments))
	case config.StorageKind:
		names = slices.Sorted(maps.Keys(c.Module.Storages))
	case config.GroupKind:
		names = slices.Sorted(maps.Keys(c.Module.Groups))
	case config.PolicyKind:
		names = slices.Sorted(maps.Keys(c.Module.Policies))
	case config.ComponentKind:
		names = slices.Sorted(maps.Keys(c.Module.Components))
	}
	return cty.DynamicVal, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared " + kw,
		Detail:   fmt.Sprintf("No %s named %q is declared here.%s", kw, ref.Name, suggest(ref.Name, names, kw+".")),
		Subject:  rng.Ptr(),
	}}
}

// Path implements Data, with Terraform's meaning: paths relative to the
// directory indigo runs in (the root module's directory).
func (v *validator) Path(mod config.ModuleInstance, name string) cty.Value {
	return PathValue(v.root, mod, name)
}

// PathValue returns path.module, path.root or path.cwd for a module of the
// tree rooted at root.
func PathValue(root *config.Config, mod config.ModuleInstance, name string) cty.Value {
	switch name {
	case "root":
		return cty.StringVal(".")
	case "cwd":
		abs, err := filepath.Abs(root.Module.SourceDir)
		if err != nil {
			wd, _ := os.Getwd()
			return cty.StringVal(filepath.ToSlash(wd))
		}
		return cty.StringVal(filepath.ToSlash(abs))
	}
	c := root.Descendant(mod.Static())
	if c == nil {
		return cty.UnknownVal(cty.String)
	}
	rel, err := filepath.Rel(root.Module.SourceDir, c.Module.SourceDir)
	if err != nil {
		return cty.StringVal(filepath.ToSlash(c.Module.SourceDir))
	}
	return cty.StringVal(filepath.ToSlash(rel))
}

// Workspace implements Data.
func (v *validator) Workspace() cty.Value {
	if v.opts.Workspace == "" {
		return cty.StringVal("default")
	}
	return cty.StringVal(v.opts.Workspace)
}

// dedupe drops diagnostics repeated at the same place with the same text:
// a value computed lazily from several places reports once.
func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	type key struct {
		summary, detail string
		rng             hcl.Range
	}
	seen := map[key]bool{}
	out := diags[:0]
	for _, d := range diags {
		k := key{summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.rng = *d.Subject
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}
