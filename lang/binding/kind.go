package binding

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
)

// Kind is one kind of site: everything indigo knows about it, in one value.
// Each kind is declared in one file of this package (kind_local.go,
// kind_openstack.go, ...) and registered from that file's init; validate,
// plan, rank, destroy and the docs all read the registry, so adding a kind
// means adding that file (and its target's room under providers/indigo/).
type Kind struct {
	// Name is what a site's kind argument says.
	Name string
	// Doc is one sentence for the docs' table of kinds.
	Doc string
	// DefaultProvider is the provider a site of this kind uses when its
	// provider configuration names no source.
	DefaultProvider config.Provider
	// Settings are the arguments of a site's settings block for this
	// kind, in the order the docs list them.
	Settings []Setting
	// Rules say what a component becomes on a site of this kind, by TOSCA
	// type; the most specific type of a component's chain that has a rule
	// wins.
	Rules []Rule
	// Storage realises one copy of a storage on a site of this kind; nil
	// when storage cannot be placed on this kind.
	Storage func(b *StorageBinder)
	// Provider, when set, builds the configuration of the kind's default
	// provider for a site that names none, from the site's settings;
	// peers are the module's other sites of the same kind (S3 sites
	// replicate to each other). The planner declares it as
	// provider "TYPE" { alias = SITE }. Nil: a site must name its provider.
	Provider func(site Site, peers []Site) *hclsyntax.Body
	// Check checks a storage's QoS and lifecycle against what a site of
	// this kind offers (its settings); each problem is a reason the site
	// cannot hold a copy. Nil: every site of the kind can.
	Check func(st *Storage, site Site) []string
}

// Setting is one argument of a site's settings block.
type Setting struct {
	Name string
	// Type is what the value is converted to.
	Type     cty.Type
	Required bool
	// Sensitive values (credentials) stay marked wherever they go.
	Sensitive bool
	Doc       string
}

// Rule realises the components of one TOSCA type (and the types derived
// from it that have no rule of their own).
type Rule struct {
	Type    string
	Realise func(b *Binder)
	// Doc says in a few words what the component becomes, for the binding
	// table in docs/tosca.md.
	Doc string
}

var registry = struct {
	sync.RWMutex
	kinds map[string]*Kind
}{kinds: map[string]*Kind{}}

// Register adds a kind. It is called from the init function of the kind's
// file (or of a test); registering a name twice is a programming error and
// panics.
func Register(k *Kind) {
	registry.Lock()
	defer registry.Unlock()
	if k.Name == "" {
		panic("binding: a kind needs a name")
	}
	if _, dup := registry.kinds[k.Name]; dup {
		panic("binding: kind " + k.Name + " registered twice")
	}
	registry.kinds[k.Name] = k
}

// Lookup returns the kind with the given name.
func Lookup(name string) (*Kind, bool) {
	registry.RLock()
	defer registry.RUnlock()
	k, ok := registry.kinds[name]
	return k, ok
}

// Kinds returns every registered kind, by name.
func Kinds() []*Kind {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]*Kind, 0, len(registry.kinds))
	for _, k := range registry.kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// KindNames returns the names of the registered kinds, sorted.
func KindNames() []string {
	var out []string
	for _, k := range Kinds() {
		out = append(out, k.Name)
	}
	return out
}

// UnknownKind is the diagnostic for a kind nobody registered.
func UnknownKind(name string, at hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown site kind",
		Detail: fmt.Sprintf("indigo has no kind of site named %q. The kinds are %s. A site's kind says how components and storage are realised there.",
			name, strings.Join(KindNames(), ", ")),
		Subject: at.Ptr(),
	}
}

// Setting returns the setting with the given name.
func (k *Kind) Setting(name string) (Setting, bool) {
	for _, s := range k.Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// SettingsType is the object type of the kind's settings.
func (k *Kind) SettingsType() cty.Type {
	attrs := map[string]cty.Type{}
	for _, s := range k.Settings {
		attrs[s.Name] = s.Type
	}
	return cty.Object(attrs)
}

// EvalFunc evaluates an expression to a value of the wanted type, with
// located diagnostics.
type EvalFunc func(e hcl.Expression, want cty.Type) (cty.Value, hcl.Diagnostics)

// DecodeSettings reads a site's settings block (nil when the site has none)
// against the kind's schema: every argument must be one the kind declares,
// required ones must be there, and each value converts to its type. The
// result is an object with every setting, null where unset; sensitive
// settings are marked. rng is the site's declaration, for a missing block.
func (k *Kind) DecodeSettings(body hcl.Body, rng hcl.Range, eval EvalFunc) (cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	vals := map[string]cty.Value{}
	for _, s := range k.Settings {
		vals[s.Name] = cty.NullVal(s.Type)
	}
	var attrs hcl.Attributes
	if body != nil {
		var d hcl.Diagnostics
		attrs, d = body.JustAttributes()
		diags = append(diags, d...)
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		a := attrs[n]
		s, ok := k.Setting(n)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported site setting",
				Detail:   fmt.Sprintf("A %s site has no setting %q.%s", k.Name, n, k.settingsHint(n)),
				Subject:  a.NameRange.Ptr(),
			})
			continue
		}
		v, d := eval(a.Expr, s.Type)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if s.Sensitive {
			v = v.Mark(marks.Sensitive)
		}
		vals[n] = v
	}
	for _, s := range k.Settings {
		if s.Required && (attrs == nil || attrs[s.Name] == nil) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing site setting",
				Detail:   fmt.Sprintf("A %s site needs the setting %q (%s). Add it to the site's settings block.", k.Name, s.Name, s.Doc),
				Subject:  rng.Ptr(),
			})
		}
	}
	return cty.ObjectVal(vals), diags
}

func (k *Kind) settingsHint(given string) string {
	if len(k.Settings) == 0 {
		return fmt.Sprintf(" %s sites take no settings: remove the block.", k.Name)
	}
	var names []string
	for _, s := range k.Settings {
		names = append(names, s.Name)
	}
	for _, n := range names {
		if strings.EqualFold(n, given) || levenshtein(n, given) <= 2 {
			return fmt.Sprintf(" Did you mean %q?", n)
		}
	}
	return " Its settings are " + strings.Join(names, ", ") + "."
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// settingString returns a string setting, "" when unset or unknown.
func settingString(settings cty.Value, name string) string {
	if settings == cty.NilVal || settings.IsNull() || !settings.Type().IsObjectType() || !settings.Type().HasAttribute(name) {
		return ""
	}
	v, _ := settings.GetAttr(name).Unmark()
	if v.IsNull() || !v.IsKnown() {
		return ""
	}
	v, err := convert.Convert(v, cty.String)
	if err != nil {
		return ""
	}
	return v.AsString()
}

// Storage is a storage block as its copies are realised: the QoS asked for,
// evaluated, and where each copy goes.
type Storage struct {
	// Addr is the storage's address (storage.archive).
	Addr config.ObjectAddr
	QoS  QoS
	// Lifecycle rules, in the order written.
	Lifecycle []LifecycleRule
	// ForceDestroy lets destroy remove copies that still hold data.
	ForceDestroy bool
	// Copies are the sites holding a copy, the primary first.
	Copies []Site
	// Sites are every site of the module declaring the storage, by name
	// (a tier of one site is another site).
	Sites map[string]Site
	Range hcl.Range
}

// QoS is what a storage asks of the sites holding it. Zero values mean
// "not asked".
type QoS struct {
	Copies     int
	Media      []string
	Locations  []string
	Latency    string
	Size       float64 // bytes
	Redundancy string
}

// LifecycleRule is one lifecycle rule of a storage.
type LifecycleRule struct {
	After time.Duration
	// Transition holds the QoS the data moves to (media, latency, ...).
	Transition map[string]cty.Value
	Expire     bool
	Prefix     string
	// Noncurrent applies the rule to non-current versions only.
	Noncurrent bool
	Range      hcl.Range
}
