package jsonplan

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// jsonConfiguration is Terraform's configuration representation: the
// configuration as written, expressions as constants or the references
// they make.
type jsonConfiguration struct {
	ProviderConfig map[string]jsonProviderConfig `json:"provider_config,omitempty"`
	RootModule     jsonConfigModule              `json:"root_module"`
}

type jsonProviderConfig struct {
	Name              string         `json:"name"`
	FullName          string         `json:"full_name,omitempty"`
	Alias             string         `json:"alias,omitempty"`
	VersionConstraint string         `json:"version_constraint,omitempty"`
	ModuleAddress     string         `json:"module_address,omitempty"`
	Expressions       map[string]any `json:"expressions,omitempty"`
}

type jsonConfigModule struct {
	Outputs     map[string]jsonConfigOutput   `json:"outputs,omitempty"`
	Resources   []jsonConfigResource          `json:"resources,omitempty"`
	ModuleCalls map[string]jsonModuleCall     `json:"module_calls,omitempty"`
	Variables   map[string]jsonConfigVariable `json:"variables,omitempty"`
	// Deployments is indigo's: the scopes of the deployments declared in
	// the module (deployment.NAME), each holding the resources generated
	// for it, in the same form as a module call's module.
	Deployments map[string]jsonModuleCall `json:"indigo_deployments,omitempty"`
}

type jsonConfigOutput struct {
	Sensitive   bool           `json:"sensitive,omitempty"`
	Expression  jsonExpression `json:"expression"`
	DependsOn   []string       `json:"depends_on,omitempty"`
	Description string         `json:"description,omitempty"`
}

type jsonConfigVariable struct {
	Default     any    `json:"default,omitempty"`
	Description string `json:"description,omitempty"`
	Sensitive   bool   `json:"sensitive,omitempty"`
}

type jsonModuleCall struct {
	Source            string           `json:"source"`
	Expressions       map[string]any   `json:"expressions,omitempty"`
	CountExpression   *jsonExpression  `json:"count_expression,omitempty"`
	ForEachExpression *jsonExpression  `json:"for_each_expression,omitempty"`
	Module            jsonConfigModule `json:"module"`
	VersionConstraint string           `json:"version_constraint,omitempty"`
	DependsOn         []string         `json:"depends_on,omitempty"`
}

type jsonConfigResource struct {
	Address           string          `json:"address"`
	Mode              string          `json:"mode"`
	Type              string          `json:"type"`
	Name              string          `json:"name"`
	ProviderConfigKey string          `json:"provider_config_key"`
	Expressions       map[string]any  `json:"expressions,omitempty"`
	SchemaVersion     int64           `json:"schema_version"`
	CountExpression   *jsonExpression `json:"count_expression,omitempty"`
	ForEachExpression *jsonExpression `json:"for_each_expression,omitempty"`
	DependsOn         []string        `json:"depends_on,omitempty"`
}

// jsonExpression is one expression: a constant_value when it refers to
// nothing, else the references it makes. Neither is given for a value that
// may be a secret.
type jsonExpression struct {
	ConstantValue any      `json:"constant_value,omitempty"`
	References    []string `json:"references,omitempty"`
}

// configFacts is what the configuration view takes from the plan: which
// attributes of each resource are sensitive (so their constants are not
// printed) and each resource's schema version.
type configFacts struct {
	sensitive     map[string]map[string]bool // static resource address -> attribute
	schemaVersion map[string]int64
}

func factsOf(p *plan.Plan) configFacts {
	f := configFacts{sensitive: map[string]map[string]bool{}, schemaVersion: map[string]int64{}}
	for _, c := range p.Changes {
		if c == nil {
			continue
		}
		key := staticAddr(c.Addr.Module.Static(), c.Addr.Resource)
		f.schemaVersion[key] = c.SchemaVersion
		for _, v := range []cty.Value{c.Before, c.After} {
			s, ok := walkValue(v).sensitive.(map[string]any)
			if !ok {
				continue
			}
			for attr, mirror := range s {
				if !containsTrue(mirror) {
					continue
				}
				if f.sensitive[key] == nil {
					f.sensitive[key] = map[string]bool{}
				}
				f.sensitive[key][attr] = true
			}
		}
	}
	return f
}

// containsTrue reports whether a sensitivity mirror marks anything.
func containsTrue(mirror any) bool {
	switch m := mirror.(type) {
	case bool:
		return m
	case map[string]any:
		for _, e := range m {
			if containsTrue(e) {
				return true
			}
		}
	case []any:
		for _, e := range m {
			if containsTrue(e) {
				return true
			}
		}
	}
	return false
}

func staticAddr(m config.ModulePath, r config.ResourceAddr) string {
	if m.IsRoot() {
		return r.String()
	}
	return m.String() + "." + r.String()
}

// configurationOf builds the configuration representation of c.
func configurationOf(c *config.Config, facts configFacts) *jsonConfiguration {
	out := &jsonConfiguration{ProviderConfig: map[string]jsonProviderConfig{}}
	out.RootModule = configModule(c, facts, out.ProviderConfig)
	if len(out.ProviderConfig) == 0 {
		out.ProviderConfig = nil
	}
	return out
}

// providerKey is the provider_config key of a provider configuration in
// the module at path: "aws" or "aws.east" at the root, "module.net:aws"
// below it.
func providerKey(path config.ModulePath, ref string) string {
	if path.IsRoot() {
		return ref
	}
	return path.String() + ":" + ref
}

func configModule(c *config.Config, facts configFacts, providers map[string]jsonProviderConfig) jsonConfigModule {
	m := c.Module
	out := jsonConfigModule{}
	for _, key := range sortedKeys(m.ProviderConfigs) {
		pc := m.ProviderConfigs[key]
		jp := jsonProviderConfig{
			Name:          pc.Name,
			FullName:      m.ProviderFor(pc.Name).String(),
			Alias:         pc.Alias,
			ModuleAddress: c.Path.String(),
			// A provider block's arguments are credentials as often as not,
			// and there is no schema here to tell: only references.
			Expressions: withoutMeta(bodyExpressions(pc.Config, nil, true), providerMeta),
		}
		if rp := m.Settings.RequiredProviders[pc.Name]; rp != nil {
			jp.VersionConstraint = constraintString(rp)
		}
		providers[providerKey(c.Path, key)] = jp
	}
	// Providers used without a provider block still get an entry, as in
	// Terraform, so every provider_config_key resolves.
	// Managed resources, then data sources, each by address, as Terraform
	// lists them.
	resources := m.SortedResources()
	sort.SliceStable(resources, func(i, j int) bool {
		return resources[i].Mode != config.DataMode && resources[j].Mode == config.DataMode
	})
	for _, r := range resources {
		if r.Mode == config.EphemeralMode {
			// Terraform leaves ephemeral resources out; references to
			// them still show in the expressions that make them.
			continue
		}
		ref := config.LocalProviderRef{LocalName: r.ProviderLocalName()}
		if r.ProviderRef != nil {
			ref = *r.ProviderRef
		}
		// A module without a provider block of its own uses the one it
		// inherits from the root.
		key := ref.String()
		if m.ProviderConfigs[key] != nil {
			key = providerKey(c.Path, key)
		}
		if _, ok := providers[key]; !ok {
			jp := jsonProviderConfig{Name: ref.LocalName, FullName: r.Provider.String(), Alias: ref.Alias}
			if rp := m.Settings.RequiredProviders[ref.LocalName]; rp != nil {
				jp.VersionConstraint = constraintString(rp)
			}
			providers[key] = jp
		}
		addr := r.Addr()
		static := staticAddr(c.Path, addr)
		jr := jsonConfigResource{
			Address:           addr.String(),
			Mode:              "managed",
			Type:              r.Type,
			Name:              r.Name,
			ProviderConfigKey: key,
			Expressions:       withoutMeta(bodyExpressions(r.Config, facts.sensitive[static], false), resourceMeta),
			SchemaVersion:     facts.schemaVersion[static],
			CountExpression:   optionalExpression(r.Count),
			ForEachExpression: optionalExpression(r.ForEach),
			DependsOn:         traversalStrings(r.DependsOn),
		}
		if r.Mode == config.DataMode {
			jr.Mode = "data"
		}
		out.Resources = append(out.Resources, jr)
	}
	for _, name := range sortedKeys(m.Outputs) {
		o := m.Outputs[name]
		jo := jsonConfigOutput{Sensitive: o.Sensitive, Description: o.Description, DependsOn: traversalStrings(o.DependsOn)}
		jo.Expression = expressionOf(o.Expr, o.Sensitive)
		if out.Outputs == nil {
			out.Outputs = map[string]jsonConfigOutput{}
		}
		out.Outputs[name] = jo
	}
	for _, name := range sortedKeys(m.Variables) {
		v := m.Variables[name]
		jv := jsonConfigVariable{Description: v.Description, Sensitive: v.Sensitive}
		if v.Default != cty.NilVal && !v.Sensitive && !v.Ephemeral {
			jv.Default = walkValue(v.Default).value
		}
		if out.Variables == nil {
			out.Variables = map[string]jsonConfigVariable{}
		}
		out.Variables[name] = jv
	}
	for _, name := range sortedKeys(m.ModuleCalls) {
		mc := m.ModuleCalls[name]
		call := jsonModuleCall{
			Source:            mc.SourceAddr,
			Expressions:       withoutMeta(bodyExpressions(mc.Config, nil, false), moduleMeta),
			CountExpression:   optionalExpression(mc.Count),
			ForEachExpression: optionalExpression(mc.ForEach),
			DependsOn:         traversalStrings(mc.DependsOn),
			VersionConstraint: mc.Version.Required,
		}
		if child := c.Children[config.Step{Kind: config.ModuleStep, Name: name}]; child != nil {
			call.Module = configModule(child, facts, providers)
		}
		if out.ModuleCalls == nil {
			out.ModuleCalls = map[string]jsonModuleCall{}
		}
		out.ModuleCalls[name] = call
	}
	for step, child := range c.Children {
		if step.Kind == config.ModuleStep {
			continue
		}
		if out.Deployments == nil {
			out.Deployments = map[string]jsonModuleCall{}
		}
		out.Deployments[step.String()] = jsonModuleCall{Source: child.SourceAddr, Module: configModule(child, facts, providers)}
	}
	return out
}

func constraintString(rp *config.RequiredProvider) string {
	return rp.Requirement.Required
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// bodyExpressions returns a body's attributes as expressions and its
// nested blocks as arrays of such maps, as Terraform writes them. Constants
// of the attributes in sensitive, or of every attribute when refsOnly is
// set, are left out.
func bodyExpressions(body hcl.Body, sensitive map[string]bool, refsOnly bool) map[string]any {
	if body == nil {
		return nil
	}
	out := map[string]any{}
	if sb, ok := body.(*hclsyntax.Body); ok {
		for name, attr := range sb.Attributes {
			out[name] = expressionOf(attr.Expr, refsOnly || sensitive[name])
		}
		for _, b := range sb.Blocks {
			// A nested block's attributes are hidden when the block as a
			// whole is sensitive.
			inner := bodyExpressions(b.Body, nil, refsOnly || sensitive[b.Type])
			if inner == nil {
				inner = map[string]any{}
			}
			list, _ := out[b.Type].([]any)
			out[b.Type] = append(list, inner)
		}
	} else if attrs, diags := body.JustAttributes(); !diags.HasErrors() {
		for name, attr := range attrs {
			out[name] = expressionOf(attr.Expr, refsOnly || sensitive[name])
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// The meta-arguments, which the configuration view gives elsewhere or not
// at all, never among a block's expressions.
var (
	resourceMeta = []string{"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}
	moduleMeta   = []string{"source", "version", "count", "for_each", "providers", "depends_on"}
	providerMeta = []string{"alias", "version"}
)

func withoutMeta(exprs map[string]any, meta []string) map[string]any {
	for _, k := range meta {
		delete(exprs, k)
	}
	if len(exprs) == 0 {
		return nil
	}
	return exprs
}

func optionalExpression(e hcl.Expression) *jsonExpression {
	if e == nil {
		return nil
	}
	if se, ok := e.(*hclsyntax.LiteralValueExpr); ok && se.Val.IsNull() {
		return nil
	}
	x := expressionOf(e, false)
	return &x
}

// expressionOf is an expression's form: its references, or, when it makes
// none and hidden is false, its constant value.
func expressionOf(e hcl.Expression, hidden bool) jsonExpression {
	var x jsonExpression
	if e == nil {
		return x
	}
	for _, t := range e.Variables() {
		x.References = appendRefs(x.References, t)
	}
	if len(x.References) > 0 || hidden {
		return x
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return x
	}
	if _, m := v.Unmark(); len(m) > 0 {
		return x
	}
	x.ConstantValue = walkValue(v).value
	return x
}

// appendRefs adds the references a traversal makes, as Terraform lists
// them: the whole traversal, then each shorter one down to the object it
// names (its subject: var.a, aws_instance.web["k"], module.net.vpc_id),
// then what holds that object (the resource of an instance; the module
// call of an output), each once.
func appendRefs(refs []string, t hcl.Traversal) []string {
	add := func(steps hcl.Traversal) {
		if s := traversalRef(steps); s != "" && !slices.Contains(refs, s) {
			refs = append(refs, s)
		}
	}
	subject, holders := subjectOf(t)
	for n := len(t); n >= subject && n > 0; n-- {
		add(t[:n])
	}
	for _, h := range holders {
		add(t[:h])
	}
	return refs
}

// subjectOf is how many steps of t name the object it refers to, and the
// lengths of the prefixes that name what holds that object.
func subjectOf(t hcl.Traversal) (subject int, holders []int) {
	indexed := func(n int) bool {
		if len(t) <= n {
			return false
		}
		_, ok := t[n].(hcl.TraverseIndex)
		return ok
	}
	switch t.RootName() {
	case "count", "each", "path", "terraform", "self", "var", "local":
		return min(2, len(t)), nil
	case "module":
		// module.NAME[KEY].OUTPUT: the output, then the call's instance
		// and the call.
		call := 2
		if indexed(2) {
			call = 3
		}
		if len(t) > call {
			return call + 1, []int{call, 2}
		}
		return min(call, len(t)), []int{2}
	case "data", "ephemeral":
		if indexed(3) {
			return 4, []int{3}
		}
		return min(3, len(t)), nil
	}
	if indexed(2) {
		return 3, []int{2}
	}
	return min(2, len(t)), nil
}

// traversalRef writes a traversal as a reference: attribute steps as
// .NAME, index steps as [KEY] (a string key quoted), stopping at a step
// of another kind.
func traversalRef(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			k := s.Key
			switch {
			case !k.IsKnown() || k.IsNull() || k.IsMarked():
				return b.String()
			case k.Type() == cty.String:
				b.WriteString("[" + strconv.Quote(k.AsString()) + "]")
			case k.Type() == cty.Number:
				b.WriteString("[" + k.AsBigFloat().Text('f', -1) + "]")
			default:
				return b.String()
			}
		default:
			return b.String()
		}
	}
	return b.String()
}

// traversalString writes a traversal's root and attribute steps, stopping
// at the first index step.
func traversalString(t hcl.Traversal) string {
	for i, step := range t {
		if _, ok := step.(hcl.TraverseIndex); ok {
			return traversalRef(t[:i])
		}
	}
	return traversalRef(t)
}

func traversalStrings(ts []hcl.Traversal) []string {
	var out []string
	for _, t := range ts {
		if s := traversalString(t); s != "" {
			out = append(out, s)
		}
	}
	return out
}
