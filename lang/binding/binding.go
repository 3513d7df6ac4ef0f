package binding

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/units"
	"github.com/zclconf/go-cty/cty"
)

// Site is what a binding needs to know about the site a component is
// placed on.
type Site struct {
	// Name is the site's name, for messages.
	Name string
	// Kind names the site's kind in the registry (local, openstack, ...).
	Kind string
	// ProviderLocalName and ProviderAlias name the provider configuration
	// the generated resources use.
	ProviderLocalName string
	ProviderAlias     string
	// Provider is the provider's source address; zero means the kind's
	// default.
	Provider config.Provider
	// Location is where the site is (a country, a data centre).
	Location string
	// Settings is the site's settings block, decoded against its kind's
	// schema (Kind.DecodeSettings): an object with every setting, null
	// where unset.
	Settings cty.Value
	// Range is the site's declaration, for diagnostics.
	Range hcl.Range
	// Fits are the flavor and image the planner chose from the site's
	// catalogue, by component name. Nil when realising on trial (to
	// learn whether a site can take a component): servers then get
	// unknown flavors and images, the ranking having checked the
	// catalogue.
	Fits map[string]ServerFit
}

// ServerFit is the flavor and image chosen for one server.
type ServerFit struct {
	Flavor string
	// Image is the image's name; ImageID, when the site gives it, its
	// id in the cloud, which the server then boots from.
	Image   string
	ImageID string
}

// Setting returns a string setting of the site, "" when unset.
func (s Site) Setting(name string) string { return settingString(s.Settings, name) }

// Realisation is how one component is realised on one site.
type Realisation struct {
	Component string
	Site      string
	// Resources are managed resources with synthesized bodies.
	Resources []*config.Resource
	// Attributes say how component.NAME.ATTR is computed from Resources.
	Attributes map[string]hcl.Expression
	// Steps are the configuration steps of the component, in order.
	Steps []*ConfigStep
}

// ConfigStep is one configuration operation (an Ansible playbook or role,
// a script) kept with its artifacts and the components it must follow.
type ConfigStep struct {
	Component      string
	Interface      string
	Operation      string
	Implementation string
	Artifacts      []*config.Artifact
	Inputs         map[string]hcl.Expression
	// After lists the components whose steps must run first (the
	// component's requirement targets).
	After []string
	// Undo is the teardown operation run when the step is destroyed
	// (stop for start, delete for the first step), nil when none.
	Undo *config.Operation
	// Executed is true when the site's kind runs the step (an error
	// says so when it cannot).
	Executed bool
	Range    hcl.Range
}

// Binder builds one component's realisation on one site. A kind's rules
// call its methods.
type Binder struct {
	c     *config.Component
	comps map[string]*config.Component
	site  Site
	r     *Realisation
	diags hcl.Diagnostics
	rng   hcl.Range
}

// Component is the component being realised.
func (b *Binder) Component() *config.Component { return b.c }

// Site is the site it is realised on.
func (b *Binder) Site() Site { return b.site }

// SetAttribute says how component.NAME.attr is computed.
func (b *Binder) SetAttribute(attr string, e hcl.Expression) { b.r.Attributes[attr] = e }

// Resource adds a managed resource of the site's provider with the given
// arguments; nil arguments are left out.
func (b *Binder) Resource(typ, name string, attrs map[string]hcl.Expression) *config.Resource {
	return b.resource(typ, name, b.body(attrs))
}

// String is a string literal located at the component.
func (b *Binder) String(s string) hclsyntax.Expression { return b.str(s) }

// Ref is the expression TYPE.NAME.ATTR, located at the component.
func (b *Binder) Ref(typ, name, attr string) hclsyntax.Expression { return b.ref(typ, name, attr) }

// Realise realises component c (one of comps, the deployment's components
// by name) on site. A type with no binding for the site's kind is an
// error at the component naming both.
func Realise(c *config.Component, comps map[string]*config.Component, site Site) (*Realisation, hcl.Diagnostics) {
	kind, ok := Lookup(site.Kind)
	if !ok {
		return nil, hcl.Diagnostics{UnknownKind(site.Kind, site.Range)}
	}
	b := &Binder{c: c, comps: comps, site: site, rng: c.DeclRange,
		r: &Realisation{Component: c.Name, Site: site.Name, Attributes: map[string]hcl.Expression{}}}
	if b.site.Provider.IsZero() {
		b.site.Provider = kind.DefaultProvider
	}
	chain := c.TypeChain
	if len(chain) == 0 {
		chain = []string{c.Type}
	}
	for _, t := range chain {
		for _, r := range kind.Rules {
			if r.Type == t {
				r.Realise(b)
				b.steps()
				b.exposeAttributes()
				return b.r, b.diags
			}
		}
	}
	var kinds []string
	for _, k := range Kinds() {
		for _, r := range k.Rules {
			if slices.Contains(chain, r.Type) {
				kinds = append(kinds, k.Name)
				break
			}
		}
	}
	hint := "No kind of site has a binding for it."
	if len(kinds) > 0 {
		hint = "It can be placed on " + strings.Join(kinds, ", ") + " sites."
	}
	return nil, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "No binding for this component on the site",
		Detail: fmt.Sprintf("Component %s is a %s, which has no binding for %s sites (site %s). %s Place it on another site, or change its type.",
			c.Name, c.Type, site.Kind, site.Name, hint),
		Subject: c.DeclRange.Ptr(),
	}}
}

// Name returns the resource name used for a component: a valid identifier,
// the same for the same component name.
func Name(component string) string {
	var b strings.Builder
	for i, r := range component {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r >= '0' && r <= '9' && i > 0, r == '-' && i > 0:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteString("c_")
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "component"
	}
	return b.String()
}

// resource adds a managed resource with the given body.
func (b *Binder) resource(typ, name string, body *hclsyntax.Body) *config.Resource {
	ref := config.LocalProviderRef{LocalName: b.site.ProviderLocalName, Alias: b.site.ProviderAlias}
	if ref.LocalName == "" {
		ref.LocalName = b.site.Provider.Type
	}
	res := &config.Resource{
		Mode:        config.ManagedMode,
		Type:        typ,
		Name:        name,
		Config:      body,
		ProviderRef: &ref,
		Provider:    b.site.Provider,
		Managed:     &config.ManagedResource{},
		Component:   b.c.Name,
		DeclRange:   b.rng,
		TypeRange:   b.rng,
	}
	for _, r := range b.c.Requirements {
		if r.Target != "" {
			res.DependsOn = append(res.DependsOn, hcl.Traversal{
				hcl.TraverseRoot{Name: "component", SrcRange: r.Range},
				hcl.TraverseAttr{Name: r.Target, SrcRange: r.Range},
			})
		}
	}
	b.r.Resources = append(b.r.Resources, res)
	return res
}

// body builds a synthesized body; attrs with nil expressions are skipped.
func (b *Binder) body(attrs map[string]hcl.Expression, blocks ...*hclsyntax.Block) *hclsyntax.Body {
	out := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: b.rng, EndRange: b.rng}
	for name, e := range attrs {
		if e == nil {
			continue
		}
		se, ok := e.(hclsyntax.Expression)
		if !ok {
			se = &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: e.Range()}
		}
		out.Attributes[name] = &hclsyntax.Attribute{Name: name, Expr: se, SrcRange: e.Range(), NameRange: e.Range()}
	}
	out.Blocks = append(out.Blocks, blocks...)
	return out
}

func (b *Binder) block(typ string, attrs map[string]hcl.Expression, blocks ...*hclsyntax.Block) *hclsyntax.Block {
	return &hclsyntax.Block{Type: typ, Body: b.body(attrs, blocks...), TypeRange: b.rng, OpenBraceRange: b.rng, CloseBraceRange: b.rng}
}

func (b *Binder) str(s string) hclsyntax.Expression { return strLit(b.rng, s) }

func (b *Binder) num(n int64) hclsyntax.Expression {
	return &hclsyntax.LiteralValueExpr{Val: cty.NumberIntVal(n), SrcRange: b.rng}
}

// ref builds TYPE.NAME.ATTR.
func (b *Binder) ref(typ, name, attr string) hclsyntax.Expression {
	return refExpr(b.rng, typ, name, attr)
}

func (b *Binder) list(es ...hclsyntax.Expression) hclsyntax.Expression {
	return &hclsyntax.TupleConsExpr{Exprs: es, SrcRange: b.rng, OpenRange: b.rng}
}

// prop returns a component property, or a capability property.
func (b *Binder) prop(name string) hcl.Expression { return b.c.Properties[name] }

func (b *Binder) capProp(capability, name string) hcl.Expression {
	if m := b.c.Capabilities[capability]; m != nil {
		return m[name]
	}
	return nil
}

// literal returns the value of an expression when it needs no context.
func literal(e hcl.Expression) (cty.Value, bool) {
	if e == nil || len(e.Variables()) > 0 {
		return cty.NilVal, false
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
		return cty.NilVal, false
	}
	return v, true
}

func (b *Binder) literalString(e hcl.Expression) (string, bool) {
	v, ok := literal(e)
	if !ok || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

func (b *Binder) errorf(at hcl.Range, summary, format string, args ...any) {
	b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: at.Ptr()})
}

// sizeGB reads a scalar-unit.size literal in whole gigabytes (rounded up).
func sizeGB(s string) (int64, bool) {
	b, err := units.ParseScalar(units.Size, s)
	if err != nil {
		return 0, false
	}
	return int64(math.Ceil(b / 1e9)), true
}
