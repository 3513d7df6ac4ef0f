// Package mockprovider is an in-process provider for planner tests: a
// fake cloud whose resource types, and failures, a test chooses.
//
// A Mock is one fake cloud shared by every provider process the planner
// starts from it. Each process learns which part of the cloud it speaks
// for from the provider configuration's "name" attribute, so
//
//	provider "mock" {
//	  alias = "alpha"
//	  name  = "alpha"
//	}
//
// is the provider of site alpha, and FailCreate("alpha", "mock_vm", ...)
// makes every create of a mock_vm there fail. PlanResourceChange copies
// the configuration into the planned state and leaves computed attributes
// unknown (and asks for replacement when an attribute made with ForceNew
// changes); ApplyResourceChange stores the object under a new id and fills
// them. Every call is recorded (Calls) and what exists can be listed
// (Objects), so a test can compare the recorded state with what "the
// cloud" holds.
//
// It keeps the protocol's rules that the planner checks (a planned value
// conforms to the configuration, an applied value to the plan) and no
// more. It does not import the planner, which imports it in tests: a
// *Provider satisfies planner.Provider structurally, and
//
//	planner.ProvidersFunc(func(ctx context.Context, a config.Provider) (planner.Provider, error) {
//		return mock.Start(ctx, a)
//	})
//
// turns a Mock into planner.Providers. It is for tests only.
package mockprovider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// Type is the provider type a Mock answers to when none is given: resource
// types named mock_* belong to it.
const Type = "mock"

// Mock is a fake cloud and the provider processes that speak to it.
type Mock struct {
	// Type is the provider type Start accepts ("mock" when empty).
	Type string

	schema *plugin.Schema

	mu       sync.Mutex
	failures map[failKey]Failure
	// deleteFailures holds the error summaries deletes fail with.
	deleteFailures map[failKey]string
	// forceNew holds, by resource type, the attributes whose change
	// replaces the object.
	forceNew map[string]map[string]bool
	delays   map[string]time.Duration
	objects  map[string]map[string]Object // name → id → object
	// identities maps the object ids whose reads answer another identity
	// than their own to that identity's id (ChangeIdentity).
	identities map[string]string
	calls      []Call
	nextID     int
	started    int
	closed     int
}

type failKey struct{ name, typ string }

// Failure is how a create fails.
type Failure struct {
	// Message is the error summary the provider returns.
	Message string
	// Partial: the object is created before the error (a VM that never
	// became healthy), so it exists and the provider returns it with the
	// error; otherwise nothing is created.
	Partial bool
}

// Object is something that exists in the fake cloud.
type Object struct {
	Name  string // the provider configuration's name: which site holds it
	Type  string // resource type
	ID    string
	Value cty.Value
}

// Call is one call the planner made to a provider.
type Call struct {
	Name     string // the provider configuration's name ("" before ConfigureProvider)
	Method   string // "PlanResourceChange", "ApplyResourceChange", ...
	TypeName string
	Addr     string
	// Action is what an ApplyResourceChange did: "create", "update",
	// "delete", or "" for other calls.
	Action string
	// Identity is the identity the call carried (the prior identity of a
	// read or plan, the planned one of an apply, the one an import looks
	// for) as JSON, "" when none.
	Identity string
}

// WithIdentity gives the resource types typs an identity schema (version
// 1; see UpgradeResourceIdentity for 0): { id, site }, the object's id and the provider configuration's name
// that holds it. An import by identity gives the id; the site is optional
// for it, as a cloud's region often is, and the provider fills it in.
// Reads, plans and applies answer with both.
func (m *Mock) WithIdentity(typs ...string) *Mock {
	for _, typ := range typs {
		rs := m.schema.Resources[typ]
		rs.Identity = &plugin.IdentitySchema{Version: 1, Attributes: map[string]*plugin.IdentityAttribute{
			"id":   {Type: cty.String, RequiredForImport: true},
			"site": {Type: cty.String, OptionalForImport: true},
		}}
		m.schema.Resources[typ] = rs
	}
	return m
}

// ChangeIdentity makes reads of the object id answer the identity of
// another object, other: a provider bug the planner must catch.
func (m *Mock) ChangeIdentity(id, other string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.identities == nil {
		m.identities = map[string]string{}
	}
	m.identities[id] = other
}

// identityOf is the identity of the object with the id of v, for types
// with an identity; cty.NilVal otherwise.
func (p *Provider) identityOf(typ string, v cty.Value) cty.Value {
	rs := p.mock.schema.Resources[typ]
	if rs.Identity == nil {
		return cty.NilVal
	}
	ty := rs.Identity.ImpliedType()
	id := idOf(v)
	if id == "" {
		return cty.NullVal(ty)
	}
	p.mock.mu.Lock()
	if other, ok := p.mock.identities[id]; ok {
		id = other
	}
	p.mock.mu.Unlock()
	return cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal(id), "site": cty.StringVal(p.siteName())})
}

// identityJSON renders an identity a call carried for Call.Identity.
func identityJSON(v cty.Value) string {
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
		return ""
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// Attr makes attributes for New concisely.
type Attr struct {
	Type                         cty.Type
	Required, Optional, Computed bool
	Sensitive                    bool
	// ForceNew: a change of the attribute replaces the object.
	ForceNew bool
}

// New returns a fake cloud with the given resource types, each a map from
// attribute name to attribute. Every resource type gets a computed "id"
// when it has none. The same types are also offered as data sources,
// which echo their configuration and fill computed attributes.
func New(resources map[string]map[string]Attr) *Mock {
	s := &plugin.Schema{
		Provider: &plugin.Block{Attributes: map[string]*plugin.Attribute{
			"name": {Type: cty.String, Optional: true},
		}},
		Resources:   map[string]plugin.ResourceSchema{},
		DataSources: map[string]plugin.ResourceSchema{},
	}
	forceNew := map[string]map[string]bool{}
	for typ, attrs := range resources {
		for name, a := range attrs {
			if a.ForceNew {
				if forceNew[typ] == nil {
					forceNew[typ] = map[string]bool{}
				}
				forceNew[typ][name] = true
			}
		}
		block := func() *plugin.Block {
			b := &plugin.Block{Attributes: map[string]*plugin.Attribute{}}
			for name, a := range attrs {
				b.Attributes[name] = &plugin.Attribute{Type: a.Type, Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive}
			}
			if _, ok := b.Attributes["id"]; !ok {
				b.Attributes["id"] = &plugin.Attribute{Type: cty.String, Computed: true}
			}
			return b
		}
		s.Resources[typ] = plugin.ResourceSchema{Block: block()}
		s.DataSources[typ] = plugin.ResourceSchema{Block: block()}
	}
	return &Mock{schema: s, failures: map[failKey]Failure{}, forceNew: forceNew, delays: map[string]time.Duration{}, objects: map[string]map[string]Object{}}
}

// Delay makes every ApplyResourceChange of a typ resource wait d before it
// starts (and is recorded), so a test can tell ordered operations from
// concurrent ones.
func (m *Mock) Delay(typ string, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delays[typ] = d
}

// FailCreate makes every create of a typ resource on the provider
// configuration called name fail with f until ClearFailures.
func (m *Mock) FailCreate(name, typ string, f Failure) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failures[failKey{name, typ}] = f
}

// FailDelete makes every delete of a typ resource on the provider
// configuration called name fail with message, leaving the object, until
// ClearFailures.
func (m *Mock) FailDelete(name, typ, message string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.deleteFailures == nil {
		m.deleteFailures = map[failKey]string{}
	}
	m.deleteFailures[failKey{name, typ}] = message
}

// ClearFailures makes creates and deletes succeed again.
func (m *Mock) ClearFailures() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failures = map[failKey]Failure{}
	m.deleteFailures = nil
}

// Remove deletes the object id from the provider configuration called name
// behind the planner's back, as someone working in the cloud's console
// would. It reports whether the object existed.
func (m *Mock) Remove(name, id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.objects[name][id]
	delete(m.objects[name], id)
	return ok
}

// Calls returns the calls made so far, in order.
func (m *Mock) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Call(nil), m.calls...)
}

// Applies returns the ApplyResourceChange calls made so far, as
// "name action type" strings ("alpha create mock_vm"), in order.
func (m *Mock) Applies() []string {
	var out []string
	for _, c := range m.Calls() {
		if c.Method == "ApplyResourceChange" {
			out = append(out, c.Name+" "+c.Action+" "+c.TypeName)
		}
	}
	return out
}

// Objects returns what exists on the provider configuration called name,
// ordered by type and id; every object when name is "".
func (m *Mock) Objects(name string) []Object {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Object
	for n, objs := range m.objects {
		if name != "" && n != name {
			continue
		}
		for _, o := range objs {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Running returns how many provider processes are started and not closed.
func (m *Mock) Running() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.started - m.closed
}

// Start starts a provider process for the planner; addr must be of the
// Mock's type.
func (m *Mock) Start(_ context.Context, addr config.Provider) (*Provider, error) {
	typ := m.Type
	if typ == "" {
		typ = Type
	}
	if addr.Type != typ {
		return nil, fmt.Errorf("mockprovider: no provider %s here (only %s)", addr.ForDisplay(), typ)
	}
	m.mu.Lock()
	m.started++
	m.mu.Unlock()
	return &Provider{mock: m}, nil
}

// Provider is one provider process of a Mock. It implements
// planner.Provider.
type Provider struct {
	mock *Mock

	mu     sync.Mutex
	name   string
	closed bool
}

func (p *Provider) record(c Call) {
	p.mu.Lock()
	c.Name = p.name
	p.mu.Unlock()
	p.mock.mu.Lock()
	p.mock.calls = append(p.mock.calls, c)
	p.mock.mu.Unlock()
}

func (p *Provider) siteName() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.name
}

func errorf(format string, args ...any) plugin.Diagnostics {
	return plugin.Diagnostics{{Severity: plugin.Error, Summary: fmt.Sprintf(format, args...)}}
}

// Schema implements planner.Provider.
func (p *Provider) Schema(context.Context) (*plugin.Schema, error) {
	p.record(Call{Method: "Schema"})
	return p.mock.schema, nil
}

// ValidateProviderConfig implements planner.Provider.
func (p *Provider) ValidateProviderConfig(_ context.Context, cfg cty.Value) (cty.Value, plugin.Diagnostics) {
	p.record(Call{Method: "ValidateProviderConfig"})
	return cfg, nil
}

// ConfigureProvider implements planner.Provider: the configuration's name
// says which part of the fake cloud this process speaks for.
func (p *Provider) ConfigureProvider(_ context.Context, req plugin.ConfigureRequest) plugin.Diagnostics {
	name := ""
	if v := req.Config; !v.IsNull() && v.IsKnown() && v.Type().IsObjectType() && v.Type().HasAttribute("name") {
		if n := v.GetAttr("name"); !n.IsNull() && n.IsKnown() {
			name = n.AsString()
		}
	}
	p.mu.Lock()
	p.name = name
	p.mu.Unlock()
	p.record(Call{Method: "ConfigureProvider"})
	return nil
}

func (p *Provider) resource(typ string) (*plugin.Block, plugin.Diagnostics) {
	rs, ok := p.mock.schema.Resources[typ]
	if !ok {
		return nil, errorf("mockprovider: no resource type %s", typ)
	}
	return rs.Block, nil
}

// ValidateResourceConfig implements planner.Provider.
func (p *Provider) ValidateResourceConfig(_ context.Context, req plugin.ValidateRequest) plugin.Diagnostics {
	p.record(Call{Method: "ValidateResourceConfig", TypeName: req.TypeName, Addr: req.Addr})
	_, d := p.resource(req.TypeName)
	return d
}

// ValidateDataResourceConfig implements planner.Provider.
func (p *Provider) ValidateDataResourceConfig(_ context.Context, req plugin.ValidateRequest) plugin.Diagnostics {
	p.record(Call{Method: "ValidateDataResourceConfig", TypeName: req.TypeName, Addr: req.Addr})
	if _, ok := p.mock.schema.DataSources[req.TypeName]; !ok {
		return errorf("mockprovider: no data source %s", req.TypeName)
	}
	return nil
}

// UpgradeResourceState implements planner.Provider: the schema never
// changes, so upgrading is decoding.
func (p *Provider) UpgradeResourceState(_ context.Context, req plugin.UpgradeRequest) plugin.UpgradeResponse {
	p.record(Call{Method: "UpgradeResourceState", TypeName: req.TypeName, Addr: req.Addr})
	b, d := p.resource(req.TypeName)
	if d != nil {
		return plugin.UpgradeResponse{Diagnostics: d}
	}
	v, err := ctyjson.Unmarshal(req.RawStateJSON, b.ImpliedType())
	if err != nil {
		return plugin.UpgradeResponse{Diagnostics: errorf("mockprovider: decoding the state of %s: %v", req.Addr, err)}
	}
	return plugin.UpgradeResponse{UpgradedState: v}
}

// UpgradeResourceIdentity implements planner.Provider: an identity of
// version 0 was { id } alone, and gets the site; version 1 is current.
func (p *Provider) UpgradeResourceIdentity(_ context.Context, req plugin.UpgradeIdentityRequest) plugin.UpgradeIdentityResponse {
	p.record(Call{Method: "UpgradeResourceIdentity", TypeName: req.TypeName, Addr: req.Addr})
	rs := p.mock.schema.Resources[req.TypeName]
	if rs.Identity == nil {
		return plugin.UpgradeIdentityResponse{}
	}
	switch req.Version {
	case 0:
		old, err := ctyjson.Unmarshal(req.RawIdentityJSON, cty.Object(map[string]cty.Type{"id": cty.String}))
		if err != nil {
			return plugin.UpgradeIdentityResponse{Diagnostics: errorf("mockprovider: decoding the version 0 identity of %s: %v", req.Addr, err)}
		}
		return plugin.UpgradeIdentityResponse{UpgradedIdentity: cty.ObjectVal(map[string]cty.Value{"id": old.GetAttr("id"), "site": cty.StringVal(p.siteName())})}
	case rs.Identity.Version:
	default:
		return plugin.UpgradeIdentityResponse{Diagnostics: errorf("mockprovider: no identity version %d", req.Version)}
	}
	v, err := ctyjson.Unmarshal(req.RawIdentityJSON, rs.Identity.ImpliedType())
	if err != nil {
		return plugin.UpgradeIdentityResponse{Diagnostics: errorf("mockprovider: decoding the identity of %s: %v", req.Addr, err)}
	}
	return plugin.UpgradeIdentityResponse{UpgradedIdentity: v}
}

// ReadResource implements planner.Provider: it returns what the fake
// cloud holds, null when the object is gone.
func (p *Provider) ReadResource(_ context.Context, req plugin.ReadRequest) plugin.ReadResponse {
	p.record(Call{Method: "ReadResource", TypeName: req.TypeName, Addr: req.Addr, Identity: identityJSON(req.PriorIdentity)})
	b, d := p.resource(req.TypeName)
	if d != nil {
		return plugin.ReadResponse{Diagnostics: d}
	}
	if req.PriorState.IsNull() {
		return plugin.ReadResponse{NewState: req.PriorState, Private: req.Private}
	}
	obj, ok := p.mock.lookup(p.siteName(), idOf(req.PriorState))
	if !ok {
		return plugin.ReadResponse{NewState: cty.NullVal(b.ImpliedType())}
	}
	return plugin.ReadResponse{NewState: obj.Value, NewIdentity: p.identityOf(req.TypeName, obj.Value), Private: req.Private}
}

func idOf(v cty.Value) string {
	if v.IsNull() || !v.IsKnown() || !v.Type().HasAttribute("id") {
		return ""
	}
	id := v.GetAttr("id")
	if id.IsNull() || !id.IsKnown() {
		return ""
	}
	return id.AsString()
}

func (m *Mock) lookup(name, id string) (Object, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objects[name][id]
	return o, ok
}

// PlanResourceChange implements planner.Provider: the planned state is the
// proposed one, with computed attributes the configuration leaves null
// unknown on create and kept from the prior state on update.
func (p *Provider) PlanResourceChange(_ context.Context, req plugin.PlanRequest) plugin.PlanResponse {
	p.record(Call{Method: "PlanResourceChange", TypeName: req.TypeName, Addr: req.Addr, Identity: identityJSON(req.PriorIdentity)})
	b, d := p.resource(req.TypeName)
	if d != nil {
		return plugin.PlanResponse{Diagnostics: d}
	}
	if req.ProposedNewState.IsNull() {
		return plugin.PlanResponse{PlannedState: req.ProposedNewState, PlannedPrivate: req.PriorPrivate}
	}
	attrs := map[string]cty.Value{}
	var replace []cty.Path
	for name, a := range b.Attributes {
		v := req.ProposedNewState.GetAttr(name)
		if p.mock.forceNew[req.TypeName][name] && !req.PriorState.IsNull() {
			if eq := v.Equals(req.PriorState.GetAttr(name)); !eq.IsKnown() || eq.False() {
				replace = append(replace, cty.GetAttrPath(name))
			}
		}
		if a.Computed && configNull(req.Config, name) {
			switch {
			case !req.PriorState.IsNull():
				v = req.PriorState.GetAttr(name)
			default:
				v = cty.UnknownVal(a.Type)
			}
		}
		attrs[name] = v
	}
	planned := cty.ObjectVal(attrs)
	return plugin.PlanResponse{PlannedState: planned, PlannedIdentity: p.identityOf(req.TypeName, planned), RequiresReplace: replace, PlannedPrivate: req.PriorPrivate}
}

func configNull(cfg cty.Value, name string) bool {
	return cfg.IsNull() || !cfg.Type().HasAttribute(name) || cfg.GetAttr(name).IsNull()
}

// ApplyResourceChange implements planner.Provider: it creates, updates or
// deletes the object in the fake cloud, or fails as FailCreate asked.
func (p *Provider) ApplyResourceChange(_ context.Context, req plugin.ApplyRequest) plugin.ApplyResponse {
	action := "update"
	switch {
	case req.PlannedState.IsNull():
		action = "delete"
	case req.PriorState.IsNull():
		action = "create"
	}
	p.mock.mu.Lock()
	delay := p.mock.delays[req.TypeName]
	p.mock.mu.Unlock()
	time.Sleep(delay)
	p.record(Call{Method: "ApplyResourceChange", TypeName: req.TypeName, Addr: req.Addr, Action: action, Identity: identityJSON(req.PlannedIdentity)})
	b, d := p.resource(req.TypeName)
	if d != nil {
		return plugin.ApplyResponse{Diagnostics: d}
	}
	name := p.siteName()
	m := p.mock
	m.mu.Lock()
	defer m.mu.Unlock()
	switch action {
	case "delete":
		if msg, ok := m.deleteFailures[failKey{name, req.TypeName}]; ok {
			return plugin.ApplyResponse{NewState: req.PriorState, Diagnostics: errorf("%s", msg)}
		}
		delete(m.objects[name], idOf(req.PriorState))
		return plugin.ApplyResponse{NewState: req.PlannedState}
	case "update":
		id := idOf(req.PriorState)
		if _, ok := m.objects[name][id]; !ok {
			return plugin.ApplyResponse{NewState: req.PriorState, Diagnostics: errorf("mockprovider: %s %s does not exist on %s", req.TypeName, id, name)}
		}
		v := fill(b, req.PlannedState, id)
		m.objects[name][id] = Object{Name: name, Type: req.TypeName, ID: id, Value: v}
		return plugin.ApplyResponse{NewState: v, NewIdentity: m.identity(req.TypeName, name, id), Private: req.PlannedPrivate}
	}
	f, failing := m.failures[failKey{name, req.TypeName}]
	if failing && !f.Partial {
		return plugin.ApplyResponse{NewState: cty.NullVal(b.ImpliedType()), Diagnostics: errorf("%s", f.Message)}
	}
	m.nextID++
	id := fmt.Sprintf("%s-%s-%d", name, strings.TrimPrefix(req.TypeName, Type+"_"), m.nextID)
	v := fill(b, req.PlannedState, id)
	if m.objects[name] == nil {
		m.objects[name] = map[string]Object{}
	}
	m.objects[name][id] = Object{Name: name, Type: req.TypeName, ID: id, Value: v}
	resp := plugin.ApplyResponse{NewState: v, NewIdentity: m.identity(req.TypeName, name, id), Private: req.PlannedPrivate}
	if failing {
		resp.Diagnostics = errorf("%s", f.Message)
	}
	return resp
}

// identity is the identity of the object id of type typ on the provider
// configuration called name; cty.NilVal for a type without one. m.mu is
// held.
func (m *Mock) identity(typ, name, id string) cty.Value {
	if m.schema.Resources[typ].Identity == nil {
		return cty.NilVal
	}
	return cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal(id), "site": cty.StringVal(name)})
}

// fill replaces the unknown attributes of planned with values: the id,
// and "<id>/<attribute>" (or 1, or true) for the others.
func fill(b *plugin.Block, planned cty.Value, id string) cty.Value {
	attrs := map[string]cty.Value{}
	for name, a := range b.Attributes {
		v := planned.GetAttr(name)
		if !v.IsKnown() {
			switch {
			case name == "id":
				v = cty.StringVal(id)
			case a.Type == cty.String:
				v = cty.StringVal(id + "/" + name)
			case a.Type == cty.Number:
				v = cty.NumberIntVal(1)
			case a.Type == cty.Bool:
				v = cty.True
			default:
				v = cty.NullVal(a.Type)
			}
		}
		attrs[name] = v
	}
	return cty.ObjectVal(attrs)
}

// ImportResourceState implements planner.Provider: it imports an object
// that exists on this provider's part of the cloud.
func (p *Provider) ImportResourceState(_ context.Context, req plugin.ImportRequest) plugin.ImportResponse {
	p.record(Call{Method: "ImportResourceState", TypeName: req.TypeName, Addr: req.Addr, Identity: identityJSON(req.Identity)})
	id := req.ID
	if req.Identity != cty.NilVal {
		if p.mock.schema.Resources[req.TypeName].Identity == nil {
			return plugin.ImportResponse{Diagnostics: errorf("mockprovider: %s has no identity", req.TypeName)}
		}
		id = req.Identity.GetAttr("id").AsString()
	}
	obj, ok := p.mock.lookup(p.siteName(), id)
	if !ok || obj.Type != req.TypeName {
		return plugin.ImportResponse{Diagnostics: errorf("mockprovider: no %s %q on %s", req.TypeName, id, p.siteName())}
	}
	identity := p.identityOf(req.TypeName, obj.Value)
	if req.Identity != cty.NilVal {
		// As the block gave it, without the site: the read fills it in.
		identity = req.Identity
	}
	return plugin.ImportResponse{Imported: []plugin.ImportedResource{{TypeName: req.TypeName, State: obj.Value, Identity: identity}}}
}

// MoveResourceState implements planner.Provider: the mock converts no
// other type's objects.
func (p *Provider) MoveResourceState(_ context.Context, req plugin.MoveRequest) plugin.MoveResponse {
	p.record(Call{Method: "MoveResourceState", TypeName: req.TargetTypeName, Addr: req.Addr})
	return plugin.MoveResponse{Diagnostics: errorf("mockprovider: cannot move %s objects to %s", req.SourceTypeName, req.TargetTypeName)}
}

// CallFunction implements planner.Provider: the mock declares no
// functions.
func (p *Provider) CallFunction(_ context.Context, name string, _ []cty.Value) (cty.Value, error) {
	p.record(Call{Method: "CallFunction", TypeName: name})
	return cty.NilVal, fmt.Errorf("mockprovider: no function %s", name)
}

// ReadDataSource implements planner.Provider: it echoes the configuration
// with computed attributes filled.
func (p *Provider) ReadDataSource(_ context.Context, req plugin.ReadDataRequest) plugin.ReadDataResponse {
	p.record(Call{Method: "ReadDataSource", TypeName: req.TypeName, Addr: req.Addr})
	ds, ok := p.mock.schema.DataSources[req.TypeName]
	if !ok {
		return plugin.ReadDataResponse{Diagnostics: errorf("mockprovider: no data source %s", req.TypeName)}
	}
	attrs := map[string]cty.Value{}
	for name, a := range ds.Block.Attributes {
		v := cty.NullVal(a.Type)
		if !configNull(req.Config, name) {
			v = req.Config.GetAttr(name)
		} else if a.Computed {
			v = cty.UnknownVal(a.Type)
		}
		attrs[name] = v
	}
	return plugin.ReadDataResponse{State: fill(ds.Block, cty.ObjectVal(attrs), "data-"+req.TypeName)}
}

// Stop implements planner.Provider.
func (p *Provider) Stop(context.Context) error {
	p.record(Call{Method: "Stop"})
	return nil
}

// Close implements planner.Provider.
func (p *Provider) Close() error {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.mu.Unlock()
	if already {
		return nil
	}
	p.record(Call{Method: "Close"})
	p.mock.mu.Lock()
	p.mock.closed++
	p.mock.mu.Unlock()
	return nil
}
