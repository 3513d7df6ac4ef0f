package config

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
)

// Config is one node of the configuration tree: a module (the root module, a
// called module or a deployment's own scope) with its children.
type Config struct {
	// Root is the root of the tree; Root == this node for the root.
	Root *Config
	// Parent is nil for the root.
	Parent *Config
	// Path is the static path of this module from the root.
	Path ModulePath
	// Children are the modules called from this one and the scopes of the
	// deployments declared in it.
	Children map[Step]*Config
	// Module is this node's content.
	Module *Module
	// CallRange is the module or deployment block that created this node
	// (zero for the root).
	CallRange hcl.Range
	// SourceAddr is the module source as written (for modules), or the
	// template path (for template deployments).
	SourceAddr string
}

// NewRoot returns a configuration tree with m as its root module.
func NewRoot(m *Module) *Config {
	c := &Config{Module: m, Children: map[Step]*Config{}}
	c.Root = c
	return c
}

// AddChild attaches m as the child of c reached by step (Key must be nil:
// the tree is static) and returns the new node.
func (c *Config) AddChild(step Step, m *Module, callRange hcl.Range, source string) *Config {
	step.Key = nil
	child := &Config{
		Root:       c.Root,
		Parent:     c,
		Path:       c.Path.Child(step.Kind, step.Name),
		Children:   map[Step]*Config{},
		Module:     m,
		CallRange:  callRange,
		SourceAddr: source,
	}
	c.Children[step] = child
	return child
}

// Descendant returns the node at path p, or nil.
func (c *Config) Descendant(p ModulePath) *Config {
	cur := c.Root
	for _, s := range p.UnkeyedInstance().Steps() {
		s.Key = nil
		next := cur.Children[s]
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// Walk calls fn for c and every descendant, parents before children and
// children in a stable order.
func (c *Config) Walk(fn func(*Config)) {
	fn(c)
	steps := make([]Step, 0, len(c.Children))
	for s := range c.Children {
		steps = append(steps, s)
	}
	sort.Slice(steps, func(i, j int) bool {
		if steps[i].Kind != steps[j].Kind {
			return steps[i].Kind > steps[j].Kind // modules before deployments
		}
		return steps[i].Name < steps[j].Name
	})
	for _, s := range steps {
		c.Children[s].Walk(fn)
	}
}

// Module is the content of one module: every block declared in its files.
// Expressions are kept as hcl.Expression and bodies as hcl.Body: they are
// evaluated later, when the values they refer to are known.
type Module struct {
	// SourceDir is the directory the module was loaded from (path.module).
	SourceDir string
	// Files lists the files the module was loaded from, in load order.
	Files []string
	// Template is set when the module was produced from a TOSCA template.
	Template *TemplateInfo
	// ProviderFunctionCalls are the provider-defined functions the
	// module's expressions call, by full name
	// (provider::NAME::FUNCTION), each with the range of its first call;
	// nil when there are none. The evaluator registers exactly these.
	ProviderFunctionCalls map[string]hcl.Range
	// ProviderFunctionsInJSON are the names of ProviderFunctionCalls
	// found only in the strings of JSON files, which may mention a
	// function without calling it.
	ProviderFunctionsInJSON map[string]bool

	Settings         *Settings
	ProviderConfigs  map[string]*ProviderConfig // by "name" or "name.alias"
	Variables        map[string]*Variable
	Locals           map[string]*Local
	Outputs          map[string]*Output
	ModuleCalls      map[string]*ModuleCall
	ManagedResources map[string]*Resource // by "type.name"
	DataResources    map[string]*Resource // by "type.name"
	Moved            []*Moved
	Imports          []*Import
	Removed          []*Removed
	Checks           map[string]*Check
	// EphemeralResources are the ephemeral blocks, by "type.name".
	EphemeralResources map[string]*Resource

	Sites map[string]*Site
	// SiteBlocks are the site blocks with for_each that eval.ExpandSites
	// replaced in Sites by their instances, by label; nil before.
	SiteBlocks  map[string]*Site
	Deployments map[string]*Deployment
	Storages    map[string]*Storage
	Policies    map[string]*Policy
	Groups      map[string]*Group
	// Components are the abstract parts of a deployment: TOSCA node
	// templates, or component blocks inside an HCL deployment.
	Components map[string]*Component
}

// NewModule returns an empty module rooted at dir.
func NewModule(dir string) *Module {
	return &Module{
		SourceDir:        dir,
		Settings:         &Settings{RequiredProviders: map[string]*RequiredProvider{}},
		ProviderConfigs:  map[string]*ProviderConfig{},
		Variables:        map[string]*Variable{},
		Locals:           map[string]*Local{},
		Outputs:          map[string]*Output{},
		ModuleCalls:      map[string]*ModuleCall{},
		ManagedResources: map[string]*Resource{},
		DataResources:    map[string]*Resource{},
		Checks:           map[string]*Check{},
		Sites:            map[string]*Site{},
		Deployments:      map[string]*Deployment{},
		Storages:         map[string]*Storage{},
		Policies:         map[string]*Policy{},
		Groups:           map[string]*Group{},
		Components:       map[string]*Component{},

		EphemeralResources: map[string]*Resource{},
	}
}

// Resource returns the resource with address addr, or nil.
func (m *Module) Resource(addr ResourceAddr) *Resource {
	key := addr.Type + "." + addr.Name
	switch addr.Mode {
	case DataMode:
		return m.DataResources[key]
	case EphemeralMode:
		return m.EphemeralResources[key]
	}
	return m.ManagedResources[key]
}

// Object returns one of indigo's own objects by kind and name as an
// ObjectBlock, or nil.
func (m *Module) Object(kind ObjectKind, name string) ObjectBlock {
	var o ObjectBlock
	switch kind {
	case SiteKind:
		if v := m.Sites[name]; v != nil {
			o = v
		} else if v := m.SiteBlocks[name]; v != nil {
			o = v
		}
	case DeploymentKind:
		if v := m.Deployments[name]; v != nil {
			o = v
		}
	case StorageKind:
		if v := m.Storages[name]; v != nil {
			o = v
		}
	case PolicyKind:
		if v := m.Policies[name]; v != nil {
			o = v
		}
	case GroupKind:
		if v := m.Groups[name]; v != nil {
			o = v
		}
	case ComponentKind:
		if v := m.Components[name]; v != nil {
			o = v
		}
	}
	return o
}

// ProviderFor returns the source address a local provider name means in
// this module: its required_providers entry, else the implied provider.
func (m *Module) ProviderFor(localName string) Provider {
	if rp, ok := m.Settings.RequiredProviders[localName]; ok && !rp.Provider.IsZero() {
		return rp.Provider
	}
	return ImpliedProvider(localName)
}

// ParseProviderFunction splits the name of a provider-defined function,
// provider::NAME::FUNCTION, into the provider's local name and the
// function's name; ok is false for any other name.
func ParseProviderFunction(name string) (localName, function string, ok bool) {
	rest, found := strings.CutPrefix(name, "provider::")
	if !found {
		return "", "", false
	}
	localName, function, found = strings.Cut(rest, "::")
	if !found || localName == "" || function == "" || strings.Contains(function, "::") {
		return "", "", false
	}
	return localName, function, true
}

// SortedResources returns the managed, data and ephemeral resources
// ordered by address.
func (m *Module) SortedResources() []*Resource {
	out := make([]*Resource, 0, len(m.ManagedResources)+len(m.DataResources)+len(m.EphemeralResources))
	for _, r := range m.ManagedResources {
		out = append(out, r)
	}
	for _, r := range m.DataResources {
		out = append(out, r)
	}
	for _, r := range m.EphemeralResources {
		out = append(out, r)
	}
	slices.SortFunc(out, CompareResources)
	return out
}

// CompareResources orders the resources of one module as InstanceAddr.Less
// orders unkeyed addresses: by mode, type, name.
func CompareResources(a, b *Resource) int {
	if c := cmp.Compare(modeOrder(a.Mode), modeOrder(b.Mode)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// TemplateInfo records where a module produced from a TOSCA template came
// from.
type TemplateInfo struct {
	// Path is the template file.
	Path string
	// DefinitionsVersion is its tosca_definitions_version.
	DefinitionsVersion string
	// Description is the template's description.
	Description string
	// Placement comes from the template's placement policies that target
	// the whole topology; nil when it has none. An HCL placement block on
	// the deployment takes precedence.
	Placement *Placement
}

// TemplateLoader loads a deployment template file into a module. The HCL
// front end calls it for deployment "x" { template = "..." }; the TOSCA
// front end provides it. Diagnostics must carry file:line:col ranges.
type TemplateLoader func(path string) (*Module, hcl.Diagnostics)

// Settings is the merged content of the indigo {} (or terraform {}) blocks.
type Settings struct {
	// RequiredVersion are the indigo versions the module works with, from
	// indigo blocks.
	RequiredVersion []VersionConstraint
	// TerraformRequiredVersion are the Terraform versions a terraform
	// block says the module was written for: recorded, not checked, since
	// indigo is not Terraform.
	TerraformRequiredVersion []VersionConstraint
	RequiredProviders        map[string]*RequiredProvider
	Backend                  *Backend
	// Encryption is the encryption block (state and plan encryption at
	// rest, OpenTofu's format); package state/encrypt decodes it.
	Encryption *Encryption
	// Ranking holds the weights of the soft placement criteria.
	Ranking *Ranking
	// Experiments, cloud and other Terraform-only settings are recorded so
	// that a Terraform configuration loads, and otherwise ignored with a
	// warning.
	DeclRanges []hcl.Range
}

// VersionConstraint is a version constraint string with its location.
type VersionConstraint struct {
	Required string
	Range    hcl.Range
}

// RequiredProvider is one required_providers entry.
type RequiredProvider struct {
	Name     string
	Source   string
	Provider Provider
	// Requirement is the version constraint ("" means any).
	Requirement          VersionConstraint
	ConfigurationAliases []LocalProviderRef
	DeclRange            hcl.Range
}

// Backend is the backend block: where state is stored.
type Backend struct {
	Type      string
	Config    hcl.Body
	TypeRange hcl.Range
	DeclRange hcl.Range
}

// Encryption is the encryption block of the terraform (or indigo) block.
type Encryption struct {
	Config    hcl.Body
	DeclRange hcl.Range
}

// Ranking is the ranking block inside indigo {}: the weights of the soft
// placement criteria, by criterion name.
type Ranking struct {
	Weights   map[string]hcl.Expression
	DeclRange hcl.Range
}

// ProviderConfig is a provider block.
type ProviderConfig struct {
	Name       string
	NameRange  hcl.Range
	Alias      string
	AliasRange *hcl.Range
	// Version is the legacy version argument inside a provider block.
	Version VersionConstraint
	// ForEach repeats the configuration (OpenTofu 1.9): one provider
	// instance per key, each configured with its each.key and each.value.
	// It must be known when planning (variables and locals only), and a
	// configuration with it must have an alias. Nil when absent.
	ForEach   hcl.Expression
	Config    hcl.Body
	DeclRange hcl.Range
}

// Key returns the key of the provider configuration in
// Module.ProviderConfigs: "name" or "name.alias".
func (p *ProviderConfig) Key() string {
	return LocalProviderRef{LocalName: p.Name, Alias: p.Alias}.String()
}

// Variable is a variable block.
type Variable struct {
	Name        string
	Description string
	// Default is cty.NilVal when no default was given.
	Default cty.Value
	// Type is the type constraint (cty.DynamicPseudoType when none).
	Type cty.Type
	// Defaults holds the optional() attribute defaults of Type.
	Defaults    *typeexpr.Defaults
	Validations []*CheckRule
	Sensitive   bool
	Ephemeral   bool
	// Nullable is true unless the variable says nullable = false.
	Nullable  bool
	DeclRange hcl.Range
}

// Required reports whether the variable has no default and must be set.
func (v *Variable) Required() bool { return v.Default == cty.NilVal }

// Local is one entry of a locals block.
type Local struct {
	Name      string
	Expr      hcl.Expression
	DeclRange hcl.Range
}

// Output is an output block.
type Output struct {
	Name          string
	Description   string
	Expr          hcl.Expression
	DependsOn     []hcl.Traversal
	Sensitive     bool
	Ephemeral     bool
	Preconditions []*CheckRule
	DeclRange     hcl.Range
}

// ModuleCall is a module block.
type ModuleCall struct {
	Name        string
	SourceAddr  string
	SourceRange hcl.Range
	// SourceLocal is true for ./ and ../ sources, the only ones loaded today.
	SourceLocal bool
	Version     VersionConstraint
	// Config is the body minus the meta-arguments: the module's inputs.
	Config    hcl.Body
	Count     hcl.Expression
	ForEach   hcl.Expression
	Providers []PassedProvider
	DependsOn []hcl.Traversal
	DeclRange hcl.Range
}

// PassedProvider is one entry of a module call's providers map.
type PassedProvider struct {
	InChild  LocalProviderRef
	InParent LocalProviderRef
	// InParentKey selects an instance of a parent configuration with
	// for_each (aws = aws.by_region[each.key]), evaluated in the calling
	// module with the call's count or for_each; nil when absent.
	InParentKey hcl.Expression
	Range       hcl.Range
}

// Resource is a resource or data block.
type Resource struct {
	Mode ResourceMode
	Type string
	Name string
	// Config is the body minus meta-arguments, decoded later against the
	// provider's schema.
	Config  hcl.Body
	Count   hcl.Expression
	ForEach hcl.Expression
	// ProviderRef is the provider meta-argument, nil when absent (the
	// default configuration of the implied provider is used).
	ProviderRef *LocalProviderRef
	// ProviderKey selects the instance of a provider configuration with
	// for_each (provider = aws.by_region[each.key]), evaluated for each
	// instance of the resource; nil when absent.
	ProviderKey hcl.Expression
	// ProviderRange is the range of the provider argument's value.
	ProviderRange hcl.Range
	// Provider is the provider's source address.
	Provider       Provider
	DependsOn      []hcl.Traversal
	Preconditions  []*CheckRule
	Postconditions []*CheckRule
	// Managed holds what only managed resources have; nil for data.
	Managed *ManagedResource
	// Component is set for resources a deployment generated from one of its
	// components.
	Component string
	// Generate marks a resource the configuration has no block for, added
	// for an import block into it by plan -generate-config-out: its Config
	// is empty until the block generated from the imported object is
	// written and the configuration loaded again.
	Generate  bool
	DeclRange hcl.Range
	TypeRange hcl.Range
}

// Addr returns the resource's address in its module.
func (r *Resource) Addr() ResourceAddr { return ResourceAddr{Mode: r.Mode, Type: r.Type, Name: r.Name} }

// ProviderLocalName returns the local provider name the resource uses.
func (r *Resource) ProviderLocalName() string {
	if r.ProviderRef != nil {
		return r.ProviderRef.LocalName
	}
	return r.Addr().ImpliedProvider()
}

// ManagedResource is the lifecycle and provisioning part of a resource.
type ManagedResource struct {
	CreateBeforeDestroy bool
	PreventDestroy      bool
	IgnoreChanges       []hcl.Traversal
	IgnoreAllChanges    bool
	ReplaceTriggeredBy  []hcl.Expression
	Provisioners        []*Provisioner
	Connection          hcl.Body
}

// Provisioner is a provisioner block, run by the apply after the object
// is created (or before it is destroyed, When "destroy"): local-exec,
// file and remote-exec (planner/provision).
type Provisioner struct {
	Type       string
	Config     hcl.Body
	Connection hcl.Body
	When       string // "create" or "destroy"
	OnFailure  string // "fail" or "continue"
	DeclRange  hcl.Range
}

// CheckRule is a precondition, postcondition, validation or assert.
type CheckRule struct {
	Condition    hcl.Expression
	ErrorMessage hcl.Expression
	DeclRange    hcl.Range
}

// Moved is a moved block.
type Moved struct {
	From, To  hcl.Traversal
	DeclRange hcl.Range
}

// Import is an import block.
type Import struct {
	// To is the instance to import into. With for_each, its instance keys
	// may be expressions of each.key and each.value.
	To ImportTarget
	// ID is the import id; Identity, an object of the resource type's
	// identity attributes, is the other way to find the object. Exactly
	// one of the two is set.
	ID       hcl.Expression
	Identity hcl.Expression
	ForEach  hcl.Expression
	// ProviderRef is the provider configuration the import is done by; it
	// must be the one the resource uses. ProviderKey chooses an instance
	// of a configuration with for_each (aws.by_region[each.key]).
	ProviderRef   *LocalProviderRef
	ProviderKey   hcl.Expression
	ProviderRange hcl.Range
	DeclRange     hcl.Range
}

// Traversals returns the references of the import's computed values:
// its for_each, the instance keys of to, its id or identity and its
// provider key.
func (im *Import) Traversals() []hcl.Traversal {
	var out []hcl.Traversal
	exprs := append([]hcl.Expression{im.ForEach, im.ID, im.Identity, im.ProviderKey}, im.To.Keys...)
	for _, e := range exprs {
		if e != nil {
			out = append(out, e.Variables()...)
		}
	}
	return out
}

// ImportTarget is the address an import block's to names: a resource
// instance address whose index steps may be expressions, evaluated once
// per element of the block's for_each (aws_s3_bucket.b[each.key],
// module.m[each.key].aws_x.y).
type ImportTarget struct {
	// Steps is the address; an index step computed by an expression has
	// a null key here and its expression in Keys.
	Steps hcl.Traversal
	// Keys holds, for each step computed by an expression, that
	// expression (nil for the other steps).
	Keys  []hcl.Expression
	Range hcl.Range
}

// Static reports whether no key of t is an expression.
func (t ImportTarget) Static() bool {
	for _, k := range t.Keys {
		if k != nil {
			return false
		}
	}
	return true
}

// Resolve builds the instance address with the keys key computes. known
// is false, with no error, when a key is not known yet.
func (t ImportTarget) Resolve(key func(hcl.Expression) (cty.Value, hcl.Diagnostics)) (addr InstanceAddr, known bool, diags hcl.Diagnostics) {
	trav := make(hcl.Traversal, len(t.Steps))
	copy(trav, t.Steps)
	for i, e := range t.Keys {
		if e == nil {
			continue
		}
		v, d := key(e)
		diags = append(diags, d...)
		if d.HasErrors() {
			return InstanceAddr{}, false, diags
		}
		v, _ = v.Unmark()
		if !v.IsKnown() {
			return InstanceAddr{}, false, diags
		}
		if _, err := ParseInstanceKey(v); err != nil {
			return InstanceAddr{}, false, append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid import address key",
				Detail:   fmt.Sprintf("An instance key is a string (for_each) or a whole number (count): %s.", err),
				Subject:  e.Range().Ptr(),
			})
		}
		trav[i] = hcl.TraverseIndex{Key: v, SrcRange: e.Range()}
	}
	addr, d := InstanceAddrFromTraversal(trav)
	return addr, !d.HasErrors(), append(diags, d...)
}

// Resource returns the resource t names, its instance keys left out.
func (t ImportTarget) Resource() (ModulePath, ResourceAddr, hcl.Diagnostics) {
	var trav hcl.Traversal
	for _, s := range t.Steps {
		if _, ok := s.(hcl.TraverseIndex); !ok {
			trav = append(trav, s)
		}
	}
	addr, diags := InstanceAddrFromTraversal(trav)
	return addr.Module.Static(), addr.Resource, diags
}

// Removed is a removed block: forget a resource without destroying it.
type Removed struct {
	From    hcl.Traversal
	Destroy bool
	// Provisioners are its destroy-time provisioners (Terraform 1.9), run
	// before the objects are destroyed; Connection is their default
	// connection block.
	Provisioners []*Provisioner
	Connection   hcl.Body
	DeclRange    hcl.Range
}

// Check is a check block.
type Check struct {
	Name string
	// DataResource is the optional scoped data source.
	DataResource *Resource
	Asserts      []*CheckRule
	DeclRange    hcl.Range
}

// ObjectBlock is implemented by indigo's own blocks.
type ObjectBlock interface {
	// ObjectKind returns the kind of block.
	ObjectKind() ObjectKind
	// ObjectName returns the block's name label.
	ObjectName() string
	// Range returns the block's declaration range.
	Range() hcl.Range
}

// Site is a site block: a place things can run or be stored, that is one
// provider configuration plus what the ranker needs to know about it.
type Site struct {
	// Name is the site's name: the block's label, or for an instance of a
	// site with for_each the label and its key, os["cnaf"].
	Name string
	// ForEach, when set, makes one site per key of a map or set of
	// strings known when planning; each.key and each.value may be used
	// in every argument. eval.ExpandSites makes the instances.
	ForEach hcl.Expression
	// Block and Key are set on an instance of a site with for_each: the
	// block's label and the instance's key. EachValue is its each.value.
	Block     string
	Key       InstanceKey
	EachValue cty.Value
	// Provider is the provider configuration resources placed here use.
	Provider      LocalProviderRef
	ProviderRange hcl.Range
	// ProviderKey selects the instance of a provider configuration with
	// for_each (provider = openstack.by_region["cnaf"]); nil when absent.
	ProviderKey hcl.Expression
	// Kind says what the site is (local, openstack, kubernetes, s3, slurm,
	// ...): it selects how abstract components are realised there.
	Kind         string
	KindRange    hcl.Range
	Location     hcl.Expression
	Capabilities hcl.Expression
	// SLA holds the quotas the site promised, by name (cpus, memory, gpus,
	// storage, availability, or any other number).
	SLA      map[string]*hcl.Attribute
	SLARange hcl.Range
	// SLAID is the identifier of the SLA (sla { id = "..." }), matched by
	// TOSCA SlaPlacement policies.
	SLAID   string
	Shares  hcl.Expression
	Cost    hcl.Expression
	Metrics hcl.Expression
	// Settings is the site's settings block, read against its kind's
	// schema (lang/binding); nil when the site has none.
	Settings      hcl.Body
	SettingsRange hcl.Range
	DeclRange     hcl.Range
}

// Placement says where a deployment or storage may go.
type Placement struct {
	// Sites are the candidate sites; empty means every site in the module.
	Sites []SiteRef
	// Prefer are sites the user prefers (a weight, never a hard rule).
	Prefer []SiteRef
	// Require holds hard constraints: numeric demands checked against what is
	// left of each site's SLA, location and capabilities.
	Require hcl.Expression
	// Fallback allows apply to try the next-ranked site when creation fails.
	Fallback bool
	// Group is the group whose share of each site's SLA the component uses.
	Group *ObjectRef
	// Near lists storage the component reads (data locality).
	Near      []ObjectRef
	NearRange hcl.Range
	// Weights override the module's ranking weights for this component.
	Weights   hcl.Expression
	DeclRange hcl.Range
}

// SiteRef selects a site in a placement: by name (site.cnaf in HCL, a
// cloud_id in a TOSCA placement policy) or by the id of the SLA it signed
// (a TOSCA SlaPlacement policy's sla_id).
type SiteRef struct {
	Name string
	// Key is the instance of a site with for_each it names
	// (site.os["cnaf"]) when Keyed; site.os names all of its instances.
	Key   string
	Keyed bool
	SLA   string
	Range hcl.Range
}

// String prints the reference as written: site.os["cnaf"].
func (r SiteRef) String() string {
	if r.Name == "" {
		return "sla " + r.SLA
	}
	s := "site." + r.Name
	if r.Keyed {
		s += StringKey(r.Key).String()
	}
	return s
}

// SiteInstanceName is the name of the instance with key key of the site
// block named block: os["cnaf"].
func SiteInstanceName(block string, key InstanceKey) string {
	return block + KeyString(key)
}

// SiteForEach reports whether module c, or the module whose deployment
// scope c is, declares a site block named name with for_each.
func (c *Config) SiteForEach(name string) bool {
	for cur := c; cur != nil; cur = cur.Parent {
		m := cur.Module
		if m.SiteBlocks[name] != nil {
			return true
		}
		if s := m.Sites[name]; s != nil {
			return s.ForEach != nil && s.Block == ""
		}
		if cur.Parent == nil {
			break
		}
		if _, step := cur.Path.UnkeyedInstance().Parent(); step.Kind == ModuleStep {
			break
		}
	}
	return false
}

// BlockName is the label of the site block s comes from: its name, or for
// an instance of a site with for_each the name without the key.
func (s *Site) BlockName() string {
	if s.Block != "" {
		return s.Block
	}
	return s.Name
}

// Deployment is a deployment block: a placed component, either a TOSCA
// template or an inline set of resources and components. Its content is a
// nested scope, the child Config reached by Step{DeploymentStep, Name}.
type Deployment struct {
	Name string
	// Template is the TOSCA template path ("" for an inline deployment).
	Template      string
	TemplateRange hcl.Range
	// Inputs sets the deployment's variables (template inputs).
	Inputs hcl.Expression
	// Body is the inline content of the block (resources, components,
	// locals, outputs, variables), which the loader decodes into the
	// deployment's child scope.
	Body      hcl.Body
	Placement *Placement
	DependsOn []hcl.Traversal
	DeclRange hcl.Range
}

// Storage is a storage block: storage with quality of service, converging
// like a data-management rule.
type Storage struct {
	Name string
	// ForceDestroy lets destroy remove copies that still hold data.
	ForceDestroy hcl.Expression
	QoS          *QoS
	Lifecycle    []*LifecycleRule
	Placement    *Placement
	DependsOn    []hcl.Traversal
	DeclRange    hcl.Range
}

// QoS is the quality of service a storage asks for.
type QoS struct {
	// Copies is how many sites hold a copy (default 1).
	Copies hcl.Expression
	// Media lists the media kinds (disk, ssd, tape) copies may use.
	Media hcl.Expression
	// Locations restricts copies to these locations.
	Locations hcl.Expression
	// Latency is the access class: online, nearline or offline.
	Latency hcl.Expression
	// Size is the capacity to reserve, e.g. "10TiB".
	Size hcl.Expression
	// Redundancy is the storage class within one site.
	Redundancy hcl.Expression
	DeclRange  hcl.Range
}

// LifecycleRule is one lifecycle block of a storage: after some time, move
// data to another QoS or expire it.
type LifecycleRule struct {
	After hcl.Expression
	// Transition holds QoS attributes that change after the delay.
	Transition hcl.Expression
	Expire     hcl.Expression
	Prefix     hcl.Expression
	// Noncurrent applies the rule to the versions an object no longer
	// has as its current one (on storage that keeps versions).
	Noncurrent hcl.Expression
	DeclRange  hcl.Range
}

// Policy is a policy block: one access rule, compiled later for each
// enforcement point.
type Policy struct {
	Name       string
	Effect     string // "allow" (default) or "deny"
	Principals []PrincipalRef
	Actions    hcl.Expression
	Resources  []ObjectRef
	// ResourceRanges parallels Resources.
	ResourceRanges []hcl.Range
	Condition      hcl.Expression
	DeclRange      hcl.Range
}

// PrincipalRef is a principal of a policy: a group reference, or a literal
// user or service identity string ("user:alice", "sub:1234@iam").
type PrincipalRef struct {
	Group    string
	Identity string
	Range    hcl.Range
}

// Group is a group block: a set of principals.
type Group struct {
	Name string
	// Members are identities ("alice", "sub:1234").
	Members hcl.Expression
	// Issuer and Claim map the group to an OIDC claim value.
	Issuer    hcl.Expression
	Claim     hcl.Expression
	DeclRange hcl.Range
}

// Component is an abstract part of a deployment, realised on the chosen
// site as concrete resources by a binding for the site's kind. TOSCA node
// templates become components; HCL deployments may declare them directly.
type Component struct {
	Name string
	// Type is the component type, e.g. tosca.nodes.indigo.Compute.
	Type string
	// TypeChain is Type followed by the types it derives from, most specific
	// first, so a binding can match on an ancestor.
	TypeChain    []string
	Properties   map[string]hcl.Expression
	Attributes   map[string]hcl.Expression
	Capabilities map[string]map[string]hcl.Expression
	Requirements []*Requirement
	Artifacts    map[string]*Artifact
	Interfaces   map[string]map[string]*Operation
	DependsOn    []hcl.Traversal
	// Placement, when set, places this component on its own (a TOSCA
	// placement policy that targets it), overriding the deployment's.
	Placement *Placement
	DeclRange hcl.Range
}

// Requirement is a dependency of a component on another one.
type Requirement struct {
	Name string
	// Target is the name of the component that satisfies it.
	Target       string
	Capability   string
	Relationship string
	Range        hcl.Range
}

// Artifact is a file a component needs: an image, a script, a role.
type Artifact struct {
	Name string
	Type string
	File string
	// FileExpr is the file when the template computes it (a TOSCA
	// get_input or concat); File is then empty.
	FileExpr   hcl.Expression
	Repository string
	DeployPath string
	Range      hcl.Range
}

// Operation is one lifecycle operation of a component's interface.
type Operation struct {
	Name           string
	Implementation string
	Dependencies   []string
	Inputs         map[string]hcl.Expression
	Range          hcl.Range
}

func (s *Site) ObjectKind() ObjectKind       { return SiteKind }
func (s *Site) ObjectName() string           { return s.Name }
func (s *Site) Range() hcl.Range             { return s.DeclRange }
func (d *Deployment) ObjectKind() ObjectKind { return DeploymentKind }
func (d *Deployment) ObjectName() string     { return d.Name }
func (d *Deployment) Range() hcl.Range       { return d.DeclRange }
func (s *Storage) ObjectKind() ObjectKind    { return StorageKind }
func (s *Storage) ObjectName() string        { return s.Name }
func (s *Storage) Range() hcl.Range          { return s.DeclRange }
func (p *Policy) ObjectKind() ObjectKind     { return PolicyKind }
func (p *Policy) ObjectName() string         { return p.Name }
func (p *Policy) Range() hcl.Range           { return p.DeclRange }
func (g *Group) ObjectKind() ObjectKind      { return GroupKind }
func (g *Group) ObjectName() string          { return g.Name }
func (g *Group) Range() hcl.Range            { return g.DeclRange }
func (c *Component) ObjectKind() ObjectKind  { return ComponentKind }
func (c *Component) ObjectName() string      { return c.Name }
func (c *Component) Range() hcl.Range        { return c.DeclRange }

// IsInlineScope reports whether c is the scope of an inline deployment (one
// without a template) or of a storage's copies. Code in such a scope also
// sees the variables, locals, resources and module calls of the module that
// declares it, as a user reading the nested block expects.
func (c *Config) IsInlineScope() bool {
	if c.Parent == nil {
		return false
	}
	_, step := c.Path.UnkeyedInstance().Parent()
	switch step.Kind {
	case StorageStep:
		return true
	case DeploymentStep:
		d := c.Parent.Module.Deployments[step.Name]
		return d != nil && d.Template == ""
	}
	return false
}

// ScopeFor returns the node of the tree that declares what ref names, seen
// from c: c itself, or for an inline scope the nearest enclosing module that
// declares it. When nothing declares it, c is returned, so problems are
// reported where the reference is.
func (c *Config) ScopeFor(ref Referenceable) *Config {
	for cur := c; cur != nil; cur = cur.Parent {
		if cur.declares(ref) {
			return cur
		}
		if !cur.IsInlineScope() {
			break
		}
	}
	return c
}

func (c *Config) declares(ref Referenceable) bool {
	m := c.Module
	switch r := ref.(type) {
	case VariableRef:
		return m.Variables[r.Name] != nil
	case LocalRef:
		return m.Locals[r.Name] != nil
	case ResourceRef:
		return m.Resource(r.Resource) != nil
	case ModuleCallRef:
		return m.ModuleCalls[r.Name] != nil
	}
	return true
}

// AncestorInstance returns the instance of module path p that contains mod
// (mod itself when its path is p).
func AncestorInstance(mod ModuleInstance, p ModulePath) ModuleInstance {
	for cur := mod; ; {
		if cur.Static() == p {
			return cur
		}
		if cur.IsRoot() {
			return cur
		}
		cur, _ = cur.Parent()
	}
}
