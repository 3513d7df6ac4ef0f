package state

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/zclconf/go-cty/cty"
)

// State is the recorded state of one workspace: every object indigo manages,
// the root module's outputs and where each placed component went.
//
// A State is not safe for concurrent mutation; during a run the Manager owns
// it and hands out copies.
type State struct {
	// Lineage is a random identifier chosen when the state is created. Two
	// snapshots with different lineages describe different infrastructure and
	// one must never overwrite the other.
	Lineage string
	// Serial is incremented by one for every snapshot written.
	Serial uint64
	// IndigoVersion is the version of indigo that wrote the snapshot. It is
	// informative only and ignored by Equal.
	IndigoVersion string

	Resources  map[config.AbsResource]*Resource
	Outputs    map[string]*Output
	Placements map[config.ObjectAddr]*Placement
	// Pending holds the provider operations that were started (their intent
	// was journaled) but whose outcome is not recorded yet, by intent ID.
	// After a crash these are the objects that may exist without being
	// recorded; the planner reconciles them with the provider.
	Pending map[string]*Intent
}

// EachMode says how a resource repeats: not at all, with count or with
// for_each.
type EachMode byte

const (
	// NoEach is a resource without count or for_each.
	NoEach EachMode = 0
	// EachList is a resource with count; its instance keys are IntKey.
	EachList EachMode = 'L'
	// EachMap is a resource with for_each; its instance keys are StringKey.
	EachMap EachMode = 'M'
)

// eachModeOf returns the each mode implied by an instance key.
func eachModeOf(k config.InstanceKey) EachMode {
	switch k.(type) {
	case config.IntKey:
		return EachList
	case config.StringKey:
		return EachMap
	}
	return NoEach
}

// Resource is the recorded state of one resource: all of its instances and
// the provider configuration that manages them.
type Resource struct {
	Addr      config.AbsResource
	Provider  config.ProviderConfigAddr
	EachMode  EachMode
	Instances map[config.InstanceKey]*Instance
}

// ObjectProvider returns the provider configuration, or the instance of
// one with for_each, that manages obj, an object of r.
func (r *Resource) ObjectProvider(obj *Object) config.ProviderConfigAddr {
	if obj == nil {
		return r.Provider
	}
	return r.Provider.Instance(obj.ProviderKey)
}

// Instance is one instance of a resource: its current object and the
// objects deposed by create_before_destroy replacements that are not yet
// destroyed.
type Instance struct {
	Current *Object
	// Deposed maps a deposed key (eight hex digits) to the deposed object.
	Deposed map[string]*Object
}

func (i *Instance) empty() bool { return i.Current == nil && len(i.Deposed) == 0 }

// ObjectStatus says whether an object is usable.
type ObjectStatus byte

const (
	// Ready is an object that was created or updated successfully.
	Ready ObjectStatus = 0
	// Tainted is an object that must be replaced: its creation failed part
	// way or a user asked for its replacement.
	Tainted ObjectStatus = 'T'
)

// Object is one remote object as the provider last described it.
type Object struct {
	// SchemaVersion is the version of the resource type's schema the
	// attributes were written with; the provider upgrades older ones.
	SchemaVersion int64
	// AttrsJSON holds the attributes as a JSON object. The planner decodes
	// it with the resource type's schema.
	AttrsJSON json.RawMessage
	// SensitivePaths are the attribute paths whose values are sensitive.
	SensitivePaths []cty.Path
	// IdentityJSON is the object's resource identity (providers of
	// protocol 5.9/6.9 declare one per resource type) as a JSON object, or
	// nil when none is known; IdentitySchemaVersion is the version of the
	// identity schema it was recorded under.
	IdentityJSON          json.RawMessage
	IdentitySchemaVersion int64
	// Private is opaque provider data, returned to the provider unchanged.
	Private []byte
	Status  ObjectStatus
	// Dependencies are the resources this object directly depended on when
	// it was last applied (not the transitive closure: the planner derives
	// that from the graph, and storing it would make state size quadratic).
	Dependencies []config.AbsResource
	// CreateBeforeDestroy records the create_before_destroy in force when
	// the object was applied, its own or forced by a dependent's, so an
	// orphan is deleted in the same order (after its dependents change).
	CreateBeforeDestroy bool
	// Site is the name of the site the object was placed on, or "" when the
	// object is not part of a placed component.
	Site string
	// ProviderKey is the instance of the resource's provider configuration
	// that manages the object when that configuration has for_each
	// (OpenTofu 1.9); NoKey otherwise. Deleting the object needs that
	// instance, even once the configuration no longer chooses it.
	ProviderKey config.InstanceKey
}

// Output is a recorded root module output value.
type Output struct {
	// Value is the value in cty's JSON encoding for Type.
	Value json.RawMessage
	// Type is the value's type in cty's JSON type encoding.
	Type      json.RawMessage
	Sensitive bool
}

// Placement records where a placed component (a deployment, a storage or a
// component) was put and why.
type Placement struct {
	// Sites are the names of the chosen sites: one for a deployment, one or
	// more for a storage with several copies.
	Sites []string
	// PlacedAt is when the placement was decided.
	PlacedAt time.Time
	// Scores summarises the ranking: the candidate sites, best first.
	Scores []SiteScore
}

// SiteScore is one candidate site's total score and a short reason.
type SiteScore struct {
	Site    string
	Score   float64
	Summary string
}

// New returns an empty state with a fresh random lineage and serial 0.
func New() *State {
	return newWithLineage(NewLineage())
}

func newWithLineage(lineage string) *State {
	return &State{
		Lineage:    lineage,
		Resources:  map[config.AbsResource]*Resource{},
		Outputs:    map[string]*Output{},
		Placements: map[config.ObjectAddr]*Placement{},
		Pending:    map[string]*Intent{},
	}
}

// NewLineage returns a random lineage in the form of a version 4 UUID.
func NewLineage() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// NewDeposedKey returns a random key for a deposed object: eight hex digits.
func NewDeposedKey() string { return randomHex(4) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}

// init makes sure every map of s exists, so a decoded or hand-built state can
// be used without nil checks.
func (s *State) init() {
	if s.Resources == nil {
		s.Resources = map[config.AbsResource]*Resource{}
	}
	if s.Outputs == nil {
		s.Outputs = map[string]*Output{}
	}
	if s.Placements == nil {
		s.Placements = map[config.ObjectAddr]*Placement{}
	}
	if s.Pending == nil {
		s.Pending = map[string]*Intent{}
	}
}

// Resource returns the recorded resource at addr, or nil.
func (s *State) Resource(addr config.AbsResource) *Resource {
	return s.Resources[addr]
}

// Instance returns the recorded instance at addr, or nil.
func (s *State) Instance(addr config.InstanceAddr) *Instance {
	r := s.Resources[addr.ContainingResource()]
	if r == nil {
		return nil
	}
	return r.Instances[addr.Key]
}

// ResourceInstance returns the current object of the instance at addr, or nil
// when there is none.
func (s *State) ResourceInstance(addr config.InstanceAddr) *Object {
	if i := s.Instance(addr); i != nil {
		return i.Current
	}
	return nil
}

// DeposedObject returns the deposed object of the instance at addr with the
// given deposed key, or nil.
func (s *State) DeposedObject(addr config.InstanceAddr, key string) *Object {
	if i := s.Instance(addr); i != nil {
		return i.Deposed[key]
	}
	return nil
}

// SetResourceInstance records obj as the current object of the instance at
// addr, managed by provider. A nil obj removes the current object.
func (s *State) SetResourceInstance(addr config.InstanceAddr, provider config.ProviderConfigAddr, obj *Object) {
	s.setObject(addr, "", provider, obj)
}

// SetDeposed records obj as the deposed object with the given key of the
// instance at addr. A nil obj removes it.
func (s *State) SetDeposed(addr config.InstanceAddr, key string, provider config.ProviderConfigAddr, obj *Object) {
	s.setObject(addr, key, provider, obj)
}

// RemoveResourceInstance forgets the instance at addr, its current and deposed
// objects alike.
func (s *State) RemoveResourceInstance(addr config.InstanceAddr) {
	ra := addr.ContainingResource()
	r := s.Resources[ra]
	if r == nil {
		return
	}
	delete(r.Instances, addr.Key)
	if len(r.Instances) == 0 {
		delete(s.Resources, ra)
	}
}

// setObject stores obj at addr (deposed == "" for the current object);
// nil removes. Empty instances and resources are dropped so that a state
// never records an instance that has no object.
func (s *State) setObject(addr config.InstanceAddr, deposed string, provider config.ProviderConfigAddr, obj *Object) {
	s.init()
	ra := addr.ContainingResource()
	r := s.Resources[ra]
	if obj == nil {
		if r == nil {
			return
		}
		inst := r.Instances[addr.Key]
		if inst == nil {
			return
		}
		if deposed == "" {
			inst.Current = nil
		} else {
			delete(inst.Deposed, deposed)
		}
		if inst.empty() {
			delete(r.Instances, addr.Key)
		}
		if len(r.Instances) == 0 {
			delete(s.Resources, ra)
		}
		return
	}
	if r == nil {
		r = &Resource{Addr: ra, Instances: map[config.InstanceKey]*Instance{}}
		s.Resources[ra] = r
	}
	if provider != (config.ProviderConfigAddr{}) {
		// The resource records the configuration; each object, the
		// instance of it (for_each) that manages it.
		r.Provider = provider.Config()
		obj.ProviderKey = provider.Key
	}
	r.EachMode = eachModeOf(addr.Key)
	inst := r.Instances[addr.Key]
	if inst == nil {
		inst = &Instance{}
		r.Instances[addr.Key] = inst
	}
	if deposed == "" {
		inst.Current = obj
		return
	}
	if inst.Deposed == nil {
		inst.Deposed = map[string]*Object{}
	}
	inst.Deposed[deposed] = obj
}

// Depose moves the current object of the instance at addr to its deposed
// objects under key, as create_before_destroy does before creating the
// replacement. It reports whether there was a current object to depose.
func (s *State) Depose(addr config.InstanceAddr, key string) bool {
	inst := s.Instance(addr)
	if inst == nil || inst.Current == nil {
		return false
	}
	if inst.Deposed == nil {
		inst.Deposed = map[string]*Object{}
	}
	inst.Deposed[key] = inst.Current
	inst.Current = nil
	return true
}

// Move moves the instance at from (current and deposed objects) to to, as a
// moved block or `indigo state mv` does. The resource's provider moves with
// it. It fails when from does not exist or to already does.
func (s *State) Move(from, to config.InstanceAddr) error {
	inst := s.Instance(from)
	if inst == nil {
		return fmt.Errorf("moving %s to %s: there is no %s in the state", from, to, from)
	}
	if s.Instance(to) != nil {
		return fmt.Errorf("moving %s to %s: %s already exists in the state", from, to, to)
	}
	provider := s.Resources[from.ContainingResource()].Provider
	s.RemoveResourceInstance(from)
	s.init()
	ra := to.ContainingResource()
	r := s.Resources[ra]
	if r == nil {
		r = &Resource{Addr: ra, Provider: provider, Instances: map[config.InstanceKey]*Instance{}}
		s.Resources[ra] = r
	}
	r.EachMode = eachModeOf(to.Key)
	r.Instances[to.Key] = inst
	return nil
}

// MoveResource moves every instance of the resource at from to to, keeping
// their keys. It fails when from does not exist or to already does.
func (s *State) MoveResource(from, to config.AbsResource) error {
	r := s.Resources[from]
	if r == nil {
		return fmt.Errorf("moving %s to %s: there is no %s in the state", from, to, from)
	}
	if s.Resources[to] != nil {
		return fmt.Errorf("moving %s to %s: %s already exists in the state", from, to, to)
	}
	if from.Resource.Mode != to.Resource.Mode {
		return fmt.Errorf("moving %s to %s: a managed resource and a data source cannot be moved into each other", from, to)
	}
	delete(s.Resources, from)
	r.Addr = to
	s.Resources[to] = r
	return nil
}

// SetOutput records a root output value; nil removes it.
func (s *State) SetOutput(name string, o *Output) {
	s.init()
	if o == nil {
		delete(s.Outputs, name)
		return
	}
	s.Outputs[name] = o
}

// SetPlacement records where a placed component went; nil removes it.
func (s *State) SetPlacement(addr config.ObjectAddr, p *Placement) {
	s.init()
	if p == nil {
		delete(s.Placements, addr)
		return
	}
	s.Placements[addr] = p
}

// AllInstances returns the address of every recorded resource instance,
// sorted the way they are listed to users.
func (s *State) AllInstances() []config.InstanceAddr {
	n := 0
	for _, r := range s.Resources {
		n += len(r.Instances)
	}
	addrs := make([]config.InstanceAddr, 0, n)
	for ra, r := range s.Resources {
		for k := range r.Instances {
			addrs = append(addrs, ra.Instance(k))
		}
	}
	config.SortInstanceAddrs(addrs)
	return addrs
}

// sortedResources returns the resources ordered by address.
func (s *State) sortedResources() []*Resource {
	rs := make([]*Resource, 0, len(s.Resources))
	for _, r := range s.Resources {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return resourceLess(rs[i].Addr, rs[j].Addr) })
	return rs
}

func resourceLess(a, b config.AbsResource) bool {
	return a.Instance(config.NoKey).Less(b.Instance(config.NoKey))
}

// sortedKeys returns the instance keys of r in listing order.
func (r *Resource) sortedKeys() []config.InstanceKey {
	keys := make([]config.InstanceKey, 0, len(r.Instances))
	for k := range r.Instances {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return r.Addr.Instance(keys[i]).Less(r.Addr.Instance(keys[j]))
	})
	return keys
}

// InFlight returns the pending intents sorted by address, then ID.
func (s *State) InFlight() []Intent {
	out := make([]Intent, 0, len(s.Pending))
	for _, in := range s.Pending {
		out = append(out, in.DeepCopy())
	}
	sortIntents(out)
	return out
}

func sortIntents(in []Intent) {
	sort.Slice(in, func(i, j int) bool {
		if in[i].Addr != in[j].Addr {
			return in[i].Addr.Less(in[j].Addr)
		}
		return in[i].ID < in[j].ID
	})
}

// DeepCopy returns a copy of s that shares nothing mutable with it.
func (s *State) DeepCopy() *State {
	if s == nil {
		return nil
	}
	c := &State{
		Lineage:       s.Lineage,
		Serial:        s.Serial,
		IndigoVersion: s.IndigoVersion,
		Resources:     make(map[config.AbsResource]*Resource, len(s.Resources)),
		Outputs:       make(map[string]*Output, len(s.Outputs)),
		Placements:    make(map[config.ObjectAddr]*Placement, len(s.Placements)),
		Pending:       make(map[string]*Intent, len(s.Pending)),
	}
	for a, r := range s.Resources {
		c.Resources[a] = r.DeepCopy()
	}
	for n, o := range s.Outputs {
		c.Outputs[n] = o.DeepCopy()
	}
	for a, p := range s.Placements {
		c.Placements[a] = p.DeepCopy()
	}
	for id, in := range s.Pending {
		cp := in.DeepCopy()
		c.Pending[id] = &cp
	}
	return c
}

// DeepCopy returns a copy of r that shares nothing mutable with it.
func (r *Resource) DeepCopy() *Resource {
	if r == nil {
		return nil
	}
	c := *r
	c.Instances = make(map[config.InstanceKey]*Instance, len(r.Instances))
	for k, i := range r.Instances {
		c.Instances[k] = i.DeepCopy()
	}
	return &c
}

// DeepCopy returns a copy of i that shares nothing mutable with it.
func (i *Instance) DeepCopy() *Instance {
	if i == nil {
		return nil
	}
	c := &Instance{Current: i.Current.DeepCopy()}
	if i.Deposed != nil {
		c.Deposed = make(map[string]*Object, len(i.Deposed))
		for k, o := range i.Deposed {
			c.Deposed[k] = o.DeepCopy()
		}
	}
	return c
}

// DeepCopy returns a copy of o that shares nothing mutable with it.
func (o *Object) DeepCopy() *Object {
	if o == nil {
		return nil
	}
	c := *o
	c.AttrsJSON = cloneBytes(o.AttrsJSON)
	c.IdentityJSON = cloneBytes(o.IdentityJSON)
	c.Private = cloneBytes(o.Private)
	if o.SensitivePaths != nil {
		c.SensitivePaths = make([]cty.Path, len(o.SensitivePaths))
		for i, p := range o.SensitivePaths {
			c.SensitivePaths[i] = p.Copy()
		}
	}
	if o.Dependencies != nil {
		c.Dependencies = append([]config.AbsResource(nil), o.Dependencies...)
	}
	return &c
}

// DeepCopy returns a copy of o that shares nothing mutable with it.
func (o *Output) DeepCopy() *Output {
	if o == nil {
		return nil
	}
	return &Output{Value: cloneBytes(o.Value), Type: cloneBytes(o.Type), Sensitive: o.Sensitive}
}

// DeepCopy returns a copy of p that shares nothing mutable with it.
func (p *Placement) DeepCopy() *Placement {
	if p == nil {
		return nil
	}
	c := *p
	c.Sites = append([]string(nil), p.Sites...)
	c.Scores = append([]SiteScore(nil), p.Scores...)
	return &c
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// Equal reports whether s and o record the same thing: same lineage, serial,
// resources, outputs, placements and pending intents. JSON values are
// compared ignoring insignificant white space.
func (s *State) Equal(o *State) bool {
	if s == nil || o == nil {
		return s == o
	}
	if s.Lineage != o.Lineage || s.Serial != o.Serial || !s.sameContent(o) {
		return false
	}
	return true
}

// sameContent is Equal without lineage and serial.
func (s *State) sameContent(o *State) bool {
	if len(s.Resources) != len(o.Resources) || len(s.Outputs) != len(o.Outputs) ||
		len(s.Placements) != len(o.Placements) || len(s.Pending) != len(o.Pending) {
		return false
	}
	for a, r := range s.Resources {
		if !r.Equal(o.Resources[a]) {
			return false
		}
	}
	for n, out := range s.Outputs {
		if !out.Equal(o.Outputs[n]) {
			return false
		}
	}
	for a, p := range s.Placements {
		if !p.Equal(o.Placements[a]) {
			return false
		}
	}
	for id, in := range s.Pending {
		other := o.Pending[id]
		if other == nil || !in.Equal(*other) {
			return false
		}
	}
	return true
}

// Equal reports whether r and o record the same resource.
func (r *Resource) Equal(o *Resource) bool {
	if r == nil || o == nil {
		return r == o
	}
	if r.Addr != o.Addr || r.Provider != o.Provider || r.EachMode != o.EachMode || len(r.Instances) != len(o.Instances) {
		return false
	}
	for k, i := range r.Instances {
		oi := o.Instances[k]
		if oi == nil || !i.Current.Equal(oi.Current) || len(i.Deposed) != len(oi.Deposed) {
			return false
		}
		for dk, d := range i.Deposed {
			if !d.Equal(oi.Deposed[dk]) {
				return false
			}
		}
	}
	return true
}

// Equal reports whether o and p record the same object.
func (o *Object) Equal(p *Object) bool {
	if o == nil || p == nil {
		return o == p
	}
	if o.SchemaVersion != p.SchemaVersion || o.Status != p.Status || o.CreateBeforeDestroy != p.CreateBeforeDestroy ||
		o.Site != p.Site || !bytes.Equal(o.Private, p.Private) || !jsonEqual(o.AttrsJSON, p.AttrsJSON) ||
		o.IdentitySchemaVersion != p.IdentitySchemaVersion || !jsonEqual(o.IdentityJSON, p.IdentityJSON) ||
		len(o.SensitivePaths) != len(p.SensitivePaths) || len(o.Dependencies) != len(p.Dependencies) {
		return false
	}
	for i := range o.SensitivePaths {
		if !o.SensitivePaths[i].Equals(p.SensitivePaths[i]) {
			return false
		}
	}
	for i := range o.Dependencies {
		if o.Dependencies[i] != p.Dependencies[i] {
			return false
		}
	}
	return true
}

// Equal reports whether o and p record the same output.
func (o *Output) Equal(p *Output) bool {
	if o == nil || p == nil {
		return o == p
	}
	return o.Sensitive == p.Sensitive && jsonEqual(o.Value, p.Value) && jsonEqual(o.Type, p.Type)
}

// Equal reports whether p and q record the same placement.
func (p *Placement) Equal(q *Placement) bool {
	if p == nil || q == nil {
		return p == q
	}
	if !p.PlacedAt.Equal(q.PlacedAt) || len(p.Sites) != len(q.Sites) || len(p.Scores) != len(q.Scores) {
		return false
	}
	for i := range p.Sites {
		if p.Sites[i] != q.Sites[i] {
			return false
		}
	}
	for i := range p.Scores {
		if p.Scores[i] != q.Scores[i] {
			return false
		}
	}
	return true
}

// jsonEqual compares two JSON documents ignoring insignificant white space.
func jsonEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return false
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}
