package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Addresses are small immutable values. Every address type in this file is
// comparable, so it can be used directly as a map key, and prints the way a
// user writes it. Module paths are kept in their canonical string form for
// exactly that reason: a slice would make every address that contains one
// unusable as a map key.

// InstanceKey identifies one instance of something repeated with count
// (IntKey) or for_each (StringKey). A nil InstanceKey (NoKey) means the object
// is not repeated.
type InstanceKey interface {
	instanceKey()
	// String returns the key as written in an address: [0] or ["a"].
	String() string
	// Value returns the key as the value of count.index or each.key.
	Value() cty.Value
}

// NoKey is the key of an object that uses neither count nor for_each.
var NoKey InstanceKey

// IntKey is the key of one instance of an object that uses count.
type IntKey int

func (IntKey) instanceKey() {}

// String implements InstanceKey.
func (k IntKey) String() string { return "[" + strconv.Itoa(int(k)) + "]" }

// Value implements InstanceKey.
func (k IntKey) Value() cty.Value { return cty.NumberIntVal(int64(k)) }

// StringKey is the key of one instance of an object that uses for_each.
type StringKey string

func (StringKey) instanceKey() {}

// String implements InstanceKey.
func (k StringKey) String() string { return "[" + strconv.Quote(string(k)) + "]" }

// Value implements InstanceKey.
func (k StringKey) Value() cty.Value { return cty.StringVal(string(k)) }

// KeyString returns k.String(), or "" for NoKey.
func KeyString(k InstanceKey) string {
	if k == nil {
		return ""
	}
	return k.String()
}

// TraversalString renders an absolute traversal in address syntax:
// module.m["a"].aws_instance.web[0].
func TraversalString(t hcl.Traversal) string {
	var b strings.Builder
	for i, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case hcl.TraverseIndex:
			if k, err := ParseInstanceKey(s.Key); err == nil {
				b.WriteString(k.String())
			}
		}
	}
	return b.String()
}

// ParseInstanceKey converts the value of an index step into an InstanceKey.
func ParseInstanceKey(v cty.Value) (InstanceKey, error) {
	if v.IsNull() || !v.IsKnown() {
		return nil, fmt.Errorf("an instance key must be a known, non-null value")
	}
	switch v.Type() {
	case cty.String:
		return StringKey(v.AsString()), nil
	case cty.Number:
		bf := v.AsBigFloat()
		i, acc := bf.Int64()
		if acc != 0 || i < 0 {
			return nil, fmt.Errorf("a count index must be a whole number not less than zero")
		}
		return IntKey(int(i)), nil
	default:
		return nil, fmt.Errorf("an instance key must be a string or a number, not %s", v.Type().FriendlyName())
	}
}

// ResourceMode says whether a resource is managed (created, updated and
// destroyed by indigo) or a data source (only read).
type ResourceMode byte

const (
	// ManagedMode is a resource block.
	ManagedMode ResourceMode = 'M'
	// DataMode is a data block.
	DataMode ResourceMode = 'D'
	// EphemeralMode is an ephemeral block: opened during each run, never
	// recorded in a state or a plan.
	EphemeralMode ResourceMode = 'E'
)

// ResourceAddr is the address of a resource within its module:
// aws_instance.web or data.aws_ami.ubuntu.
type ResourceAddr struct {
	Mode ResourceMode
	Type string
	Name string
}

// String implements fmt.Stringer.
func (r ResourceAddr) String() string {
	switch r.Mode {
	case DataMode:
		return "data." + r.Type + "." + r.Name
	case EphemeralMode:
		return "ephemeral." + r.Type + "." + r.Name
	}
	return r.Type + "." + r.Name
}

// Instance returns the address of one instance of r in module m.
func (r ResourceAddr) Instance(m ModuleInstance, key InstanceKey) InstanceAddr {
	return InstanceAddr{Module: m, Resource: r, Key: key}
}

// ImpliedProvider returns the provider local name implied by the resource
// type: the part before the first underscore, as in Terraform.
func (r ResourceAddr) ImpliedProvider() string {
	if i := strings.IndexByte(r.Type, '_'); i > 0 {
		return r.Type[:i]
	}
	return r.Type
}

// StepKind says what kind of nested scope a module path step enters.
type StepKind byte

const (
	// ModuleStep enters a module call: module.NAME.
	ModuleStep StepKind = 'm'
	// DeploymentStep enters a deployment's own scope: deployment.NAME.
	DeploymentStep StepKind = 'd'
	// StorageStep enters the scope of the resources that realise a storage
	// block on its sites: storage.NAME.
	StorageStep StepKind = 's'
)

// Keyword returns the word a user writes for the step kind.
func (k StepKind) Keyword() string {
	switch k {
	case DeploymentStep:
		return "deployment"
	case StorageStep:
		return "storage"
	}
	return "module"
}

// Step is one step in a module instance path.
type Step struct {
	Kind StepKind
	Name string
	Key  InstanceKey
}

// String implements fmt.Stringer.
func (s Step) String() string { return s.Kind.Keyword() + "." + s.Name + KeyString(s.Key) }

// ModuleInstance is the path from the root module to one instance of a
// nested scope (a module call instance or a deployment), in its canonical
// written form, e.g. `module.net["a"].deployment.galaxy`. The empty string
// is the root module.
type ModuleInstance string

// RootModule is the address of the root module.
const RootModule ModuleInstance = ""

// IsRoot reports whether m is the root module.
func (m ModuleInstance) IsRoot() bool { return m == "" }

// String implements fmt.Stringer.
func (m ModuleInstance) String() string { return string(m) }

// Child returns the address of a step nested in m.
func (m ModuleInstance) Child(kind StepKind, name string, key InstanceKey) ModuleInstance {
	s := Step{Kind: kind, Name: name, Key: key}.String()
	if m == "" {
		return ModuleInstance(s)
	}
	return ModuleInstance(string(m) + "." + s)
}

// Steps parses m into its steps. The canonical form is produced by Child, so
// parsing cannot fail for addresses built with it; an invalid string yields
// the steps that could be read.
func (m ModuleInstance) Steps() []Step {
	if m == "" {
		return nil
	}
	trav, diags := hclsyntax.ParseTraversalAbs([]byte(m), "", hcl.InitialPos)
	if diags.HasErrors() {
		return nil
	}
	steps, _ := stepsFromTraversal(trav)
	return steps
}

// Parent returns the module instance containing m and the last step of m.
// It returns the root and a zero Step for the root.
func (m ModuleInstance) Parent() (ModuleInstance, Step) {
	steps := m.Steps()
	if len(steps) == 0 {
		return RootModule, Step{}
	}
	parent := RootModule
	for _, s := range steps[:len(steps)-1] {
		parent = parent.Child(s.Kind, s.Name, s.Key)
	}
	return parent, steps[len(steps)-1]
}

// Static returns the module path of m without instance keys.
func (m ModuleInstance) Static() ModulePath {
	var p ModulePath
	for _, s := range m.Steps() {
		p = p.Child(s.Kind, s.Name)
	}
	return p
}

// ModulePath is the static path of a module in the configuration tree, before
// count and for_each expansion: `module.net.deployment.galaxy`. The empty
// string is the root module.
type ModulePath string

// RootPath is the path of the root module.
const RootPath ModulePath = ""

// IsRoot reports whether p is the root module.
func (p ModulePath) IsRoot() bool { return p == "" }

// String implements fmt.Stringer.
func (p ModulePath) String() string { return string(p) }

// Child returns the path of a step nested in p.
func (p ModulePath) Child(kind StepKind, name string) ModulePath {
	s := kind.Keyword() + "." + name
	if p == "" {
		return ModulePath(s)
	}
	return ModulePath(string(p) + "." + s)
}

// UnkeyedInstance returns p as a module instance, valid when no step of p
// uses count or for_each.
func (p ModulePath) UnkeyedInstance() ModuleInstance { return ModuleInstance(p) }

// InstanceAddr is the absolute address of one resource instance:
// module.net["a"].aws_subnet.private[0].
type InstanceAddr struct {
	Module   ModuleInstance
	Resource ResourceAddr
	Key      InstanceKey
}

// String implements fmt.Stringer.
func (a InstanceAddr) String() string {
	s := a.Resource.String() + KeyString(a.Key)
	if a.Module == "" {
		return s
	}
	return string(a.Module) + "." + s
}

// ContainingResource returns the address of the resource a belongs to.
func (a InstanceAddr) ContainingResource() AbsResource {
	return AbsResource{Module: a.Module, Resource: a.Resource}
}

// Less orders instance addresses the way they are listed to users: by
// module, then resource, then key (numbers before strings).
func (a InstanceAddr) Less(b InstanceAddr) bool {
	if a.Module != b.Module {
		return a.Module < b.Module
	}
	if a.Resource != b.Resource {
		if a.Resource.Mode != b.Resource.Mode {
			return modeOrder(a.Resource.Mode) < modeOrder(b.Resource.Mode)
		}
		if a.Resource.Type != b.Resource.Type {
			return a.Resource.Type < b.Resource.Type
		}
		return a.Resource.Name < b.Resource.Name
	}
	return keyLess(a.Key, b.Key)
}

// modeOrder lists data sources first, then ephemeral, then managed
// resources.
func modeOrder(m ResourceMode) int {
	switch m {
	case DataMode:
		return 0
	case EphemeralMode:
		return 1
	}
	return 2
}

func keyLess(a, b InstanceKey) bool {
	switch a := a.(type) {
	case nil:
		return b != nil
	case IntKey:
		switch b := b.(type) {
		case IntKey:
			return a < b
		case StringKey:
			return true
		}
	case StringKey:
		if b, ok := b.(StringKey); ok {
			return a < b
		}
	}
	return false
}

// SortInstanceAddrs sorts addrs in place with InstanceAddr.Less.
func SortInstanceAddrs(addrs []InstanceAddr) {
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
}

// AbsResource is the absolute address of a resource, all of its instances:
// module.net["a"].aws_subnet.private.
type AbsResource struct {
	Module   ModuleInstance
	Resource ResourceAddr
}

// String implements fmt.Stringer.
func (a AbsResource) String() string {
	if a.Module == "" {
		return a.Resource.String()
	}
	return string(a.Module) + "." + a.Resource.String()
}

// Instance returns the address of one instance of a.
func (a AbsResource) Instance(key InstanceKey) InstanceAddr {
	return InstanceAddr{Module: a.Module, Resource: a.Resource, Key: key}
}

// ParseInstanceAddr parses an absolute resource instance address as a user
// writes it on the command line or in state: `module.a[0].aws_instance.b["x"]`.
func ParseInstanceAddr(s string) (InstanceAddr, hcl.Diagnostics) {
	trav, diags := hclsyntax.ParseTraversalAbs([]byte(s), "", hcl.InitialPos)
	if diags.HasErrors() {
		return InstanceAddr{}, addrDiags(s, "is not a valid resource address")
	}
	return InstanceAddrFromTraversal(trav)
}

// InstanceAddrFromTraversal is ParseInstanceAddr for an already parsed
// traversal, e.g. the `to` of an import block.
func InstanceAddrFromTraversal(trav hcl.Traversal) (InstanceAddr, hcl.Diagnostics) {
	steps, rest := stepsFromTraversal(trav)
	var mod ModuleInstance
	for _, s := range steps {
		mod = mod.Child(s.Kind, s.Name, s.Key)
	}
	addr := InstanceAddr{Module: mod}
	bad := func(msg string) (InstanceAddr, hcl.Diagnostics) {
		rng := trav.SourceRange()
		return InstanceAddr{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid resource address",
			Detail:   msg + " A resource address looks like aws_instance.web, aws_instance.web[0], data.aws_ami.x or module.net.aws_subnet.a[\"x\"].",
			Subject:  &rng,
		}}
	}
	mode := ManagedMode
	if len(rest) > 0 && rootName(rest[0]) == "data" {
		mode = DataMode
		rest = rest[1:]
	}
	if len(rest) < 2 {
		return bad("The address does not name a resource type and a resource name.")
	}
	typ, ok1 := nameOf(rest[0])
	name, ok2 := nameOf(rest[1])
	if !ok1 || !ok2 {
		return bad("The resource type and name must be plain identifiers.")
	}
	addr.Resource = ResourceAddr{Mode: mode, Type: typ, Name: name}
	rest = rest[2:]
	if len(rest) > 0 {
		idx, ok := rest[0].(hcl.TraverseIndex)
		if !ok {
			return bad("Only an instance key may follow the resource name.")
		}
		k, err := ParseInstanceKey(idx.Key)
		if err != nil {
			return bad("The instance key is invalid: " + err.Error() + ".")
		}
		addr.Key = k
		rest = rest[1:]
	}
	if len(rest) > 0 {
		return bad("Unexpected extra parts after the instance key.")
	}
	return addr, nil
}

// ParseAbsResource parses a resource address without an instance key.
func ParseAbsResource(s string) (AbsResource, hcl.Diagnostics) {
	a, diags := ParseInstanceAddr(s)
	if diags.HasErrors() {
		return AbsResource{}, diags
	}
	if a.Key != nil {
		return AbsResource{}, addrDiags(s, "names one instance; a whole resource was expected here")
	}
	return a.ContainingResource(), nil
}

// stepsFromTraversal reads leading module.NAME[KEY] and deployment.NAME steps
// and returns the rest of the traversal.
func stepsFromTraversal(trav hcl.Traversal) ([]Step, hcl.Traversal) {
	var steps []Step
	rest := trav
	for len(rest) >= 2 {
		kw := rootName(rest[0])
		var kind StepKind
		switch kw {
		case "module":
			kind = ModuleStep
		case "deployment":
			kind = DeploymentStep
		case "storage":
			kind = StorageStep
		default:
			return steps, rest
		}
		name, ok := nameOf(rest[1])
		if !ok {
			return steps, rest
		}
		step := Step{Kind: kind, Name: name}
		rest = rest[2:]
		if len(rest) > 0 {
			if idx, ok := rest[0].(hcl.TraverseIndex); ok {
				if k, err := ParseInstanceKey(idx.Key); err == nil {
					step.Key = k
					rest = rest[1:]
				}
			}
		}
		steps = append(steps, step)
	}
	return steps, rest
}

func rootName(t hcl.Traverser) string {
	switch t := t.(type) {
	case hcl.TraverseRoot:
		return t.Name
	case hcl.TraverseAttr:
		return t.Name
	}
	return ""
}

func nameOf(t hcl.Traverser) (string, bool) {
	n := rootName(t)
	return n, n != ""
}

func addrDiags(s, what string) hcl.Diagnostics {
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid address",
		Detail:   fmt.Sprintf("%q %s.", s, what),
	}}
}

// ObjectKind is the kind of one of indigo's own top-level objects.
type ObjectKind byte

const (
	// SiteKind is a site block: a place things can run or be stored.
	SiteKind ObjectKind = 's'
	// DeploymentKind is a deployment block: a placed component.
	DeploymentKind ObjectKind = 'd'
	// StorageKind is a storage block: storage with quality of service.
	StorageKind ObjectKind = 'S'
	// PolicyKind is a policy block: one access rule.
	PolicyKind ObjectKind = 'p'
	// GroupKind is a group block: a set of principals.
	GroupKind ObjectKind = 'g'
	// ComponentKind is a component inside a deployment (a TOSCA node template
	// or an HCL component block).
	ComponentKind ObjectKind = 'c'
)

// Keyword returns the block type name a user writes for the kind.
func (k ObjectKind) Keyword() string {
	switch k {
	case SiteKind:
		return "site"
	case DeploymentKind:
		return "deployment"
	case StorageKind:
		return "storage"
	case PolicyKind:
		return "policy"
	case GroupKind:
		return "group"
	case ComponentKind:
		return "component"
	}
	return "unknown"
}

// ObjectKindFor returns the kind named by a block type keyword.
func ObjectKindFor(keyword string) (ObjectKind, bool) {
	for _, k := range []ObjectKind{SiteKind, DeploymentKind, StorageKind, PolicyKind, GroupKind, ComponentKind} {
		if k.Keyword() == keyword {
			return k, true
		}
	}
	return 0, false
}

// ObjectAddr is the absolute address of one of indigo's own objects:
// site.cnaf, deployment.galaxy, storage.archive, policy.cms_read, group.cms,
// deployment.galaxy.component.web.
type ObjectAddr struct {
	Module ModuleInstance
	Kind   ObjectKind
	Name   string
}

// String implements fmt.Stringer.
func (a ObjectAddr) String() string {
	s := a.Kind.Keyword() + "." + a.Name
	if a.Module == "" {
		return s
	}
	return string(a.Module) + "." + s
}

// Scope returns the module instance of a deployment's own scope, where its
// resources and components live. It is only meaningful for deployments.
func (a ObjectAddr) Scope() ModuleInstance {
	return a.Module.Child(DeploymentStep, a.Name, NoKey)
}

// Provider is a provider's source address: HOSTNAME/NAMESPACE/TYPE.
type Provider struct {
	Hostname  string
	Namespace string
	Type      string
}

// DefaultRegistry is the hostname implied by a source address that has none.
const DefaultRegistry = "registry.terraform.io"

// BuiltinHostname is the hostname of providers that ship inside indigo.
const BuiltinHostname = "indigo.dev"

// BuiltinProvider is indigo's own provider, started from the indigo binary.
var BuiltinProvider = Provider{Hostname: BuiltinHostname, Namespace: "builtin", Type: "indigo"}

// String implements fmt.Stringer.
func (p Provider) String() string { return p.Hostname + "/" + p.Namespace + "/" + p.Type }

// ForDisplay returns the short form users usually write (omits the default
// registry hostname).
func (p Provider) ForDisplay() string {
	if p.Hostname == DefaultRegistry {
		return p.Namespace + "/" + p.Type
	}
	return p.String()
}

// IsZero reports whether p is unset.
func (p Provider) IsZero() bool { return p == Provider{} }

// TerraformProvider is the provider Terraform builds in (terraform_data,
// terraform_remote_state), which indigo builds in too.
var TerraformProvider = Provider{Hostname: "terraform.io", Namespace: "builtin", Type: "terraform"}

// IsBuiltin reports whether p ships inside the indigo binary: indigo's own
// providers and terraform.io/builtin/terraform.
func (p Provider) IsBuiltin() bool {
	return p.Hostname == BuiltinHostname && p.Namespace == "builtin" || p == TerraformProvider
}

// ImpliedProvider returns the source address Terraform and indigo assume for
// a provider local name with no required_providers entry.
func ImpliedProvider(localName string) Provider {
	switch localName {
	case BuiltinProvider.Type:
		return BuiltinProvider
	case TerraformProvider.Type:
		return TerraformProvider
	}
	return Provider{Hostname: DefaultRegistry, Namespace: "hashicorp", Type: localName}
}

// ParseProviderSource parses a source address as written in
// required_providers: TYPE, NAMESPACE/TYPE or HOSTNAME/NAMESPACE/TYPE.
func ParseProviderSource(s string) (Provider, error) {
	parts := strings.Split(s, "/")
	for _, p := range parts {
		if p == "" {
			return Provider{}, fmt.Errorf("source address %q has an empty part; write NAMESPACE/TYPE (e.g. hashicorp/aws) or HOSTNAME/NAMESPACE/TYPE", s)
		}
	}
	var p Provider
	switch len(parts) {
	case 1:
		p = ImpliedProvider(strings.ToLower(parts[0]))
	case 2:
		p = Provider{Hostname: DefaultRegistry, Namespace: strings.ToLower(parts[0]), Type: strings.ToLower(parts[1])}
	case 3:
		p = Provider{Hostname: strings.ToLower(parts[0]), Namespace: strings.ToLower(parts[1]), Type: strings.ToLower(parts[2])}
	default:
		return Provider{}, fmt.Errorf("source address %q must have the form [HOSTNAME/]NAMESPACE/TYPE", s)
	}
	if !validProviderPart(p.Type) || !validProviderPart(p.Namespace) {
		return Provider{}, fmt.Errorf("source address %q: namespace and type may use only letters, digits and dashes", s)
	}
	if strings.HasPrefix(p.Type, "terraform-provider-") {
		return Provider{}, fmt.Errorf("source address %q: the type must not include the terraform-provider- prefix", s)
	}
	return p, nil
}

func validProviderPart(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ProviderConfigAddr is the address of one provider configuration in a
// module: provider "aws" { alias = "west" } in module.net is
// module.net.provider["registry.terraform.io/hashicorp/aws"].west in state.
//
// A provider block with for_each (OpenTofu 1.9) is one configuration with
// an instance per key: Key is NoKey for the configuration as a whole (the
// graph's node, a resource's configuration address) and the key of one
// instance otherwise, printed after the alias:
// provider["registry.terraform.io/hashicorp/aws"].by_region["eu"].
type ProviderConfigAddr struct {
	Module   ModulePath
	Provider Provider
	Alias    string
	Key      InstanceKey
}

// Config returns the address of the whole configuration a, without an
// instance key.
func (a ProviderConfigAddr) Config() ProviderConfigAddr {
	a.Key = NoKey
	return a
}

// Instance returns the address of the configuration's instance key.
func (a ProviderConfigAddr) Instance(key InstanceKey) ProviderConfigAddr {
	a.Key = key
	return a
}

// String implements fmt.Stringer, in the form state files use.
func (a ProviderConfigAddr) String() string {
	s := "provider[" + strconv.Quote(a.Provider.String()) + "]"
	if a.Alias != "" {
		s += "." + a.Alias
	}
	s += KeyString(a.Key)
	if a.Module == "" {
		return s
	}
	return string(a.Module) + "." + s
}

// LocalProviderRef is a reference to a provider configuration by local name
// and optional alias, as written in a provider meta-argument: aws.west. The
// instance key of a configuration with for_each (aws.by_region[each.key]) is
// an expression kept beside it, where the reference is written.
type LocalProviderRef struct {
	LocalName string
	Alias     string
}

// String implements fmt.Stringer.
func (r LocalProviderRef) String() string {
	if r.Alias == "" {
		return r.LocalName
	}
	return r.LocalName + "." + r.Alias
}

// OutputAddr is the absolute address of an output value.
type OutputAddr struct {
	Module ModuleInstance
	Name   string
}

// String implements fmt.Stringer.
func (a OutputAddr) String() string {
	if a.Module == "" {
		return "output." + a.Name
	}
	return string(a.Module) + ".output." + a.Name
}
