package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// The JSON shapes shared by the snapshot, the journal and the Terraform
// reader. docs/state-format.md documents them; a change here is a change of
// the file format.

type wireObject struct {
	Status              string          `json:"status,omitempty"`
	SchemaVersion       int64           `json:"schema_version"`
	Attributes          json.RawMessage `json:"attributes"`
	SensitiveAttributes []wirePath      `json:"sensitive_attributes,omitempty"`
	// Identity and IdentitySchemaVersion: as Terraform 1.12 writes them.
	Identity              json.RawMessage `json:"identity,omitempty"`
	IdentitySchemaVersion int64           `json:"identity_schema_version,omitempty"`
	Private               []byte          `json:"private,omitempty"`
	Dependencies          []string        `json:"dependencies,omitempty"`
	CreateBeforeDestroy   bool            `json:"create_before_destroy,omitempty"`
	Site                  string          `json:"site,omitempty"`
	ProviderKey           json.RawMessage `json:"provider_key,omitempty"`
}

// wirePath is a cty.Path: a list of steps.
type wirePath []wireStep

// wireStep is {"type":"get_attr","value":"name"} or
// {"type":"index","value":{"value":0,"type":"number"}}, as Terraform writes
// sensitive_attributes.
type wireStep struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

type wireOutput struct {
	Value     json.RawMessage `json:"value"`
	Type      json.RawMessage `json:"type"`
	Sensitive bool            `json:"sensitive,omitempty"`
}

type wirePlacement struct {
	Address  string          `json:"address"`
	Sites    []string        `json:"sites"`
	PlacedAt time.Time       `json:"placed_at"`
	Scores   []wireSiteScore `json:"scores,omitempty"`
}

type wireSiteScore struct {
	Site    string  `json:"site"`
	Score   float64 `json:"score"`
	Summary string  `json:"summary,omitempty"`
}

type wireIntent struct {
	ID       string      `json:"id"`
	Op       string      `json:"op"`
	Address  string      `json:"address"`
	Deposed  string      `json:"deposed,omitempty"`
	Provider string      `json:"provider"`
	Planned  *wireObject `json:"planned,omitempty"`
	Started  time.Time   `json:"started"`
}

const (
	statusTainted = "tainted"
	stepGetAttr   = "get_attr"
	stepIndex     = "index"
)

func encodeObject(o *Object) (*wireObject, error) {
	if o == nil {
		return nil, nil
	}
	w := &wireObject{
		SchemaVersion:         o.SchemaVersion,
		Attributes:            o.AttrsJSON,
		Identity:              o.IdentityJSON,
		IdentitySchemaVersion: o.IdentitySchemaVersion,
		Private:               o.Private,
		CreateBeforeDestroy:   o.CreateBeforeDestroy,
		Site:                  o.Site,
		ProviderKey:           encodeKey(o.ProviderKey),
	}
	if len(w.Attributes) == 0 {
		w.Attributes = json.RawMessage("null")
	}
	if o.Status == Tainted {
		w.Status = statusTainted
	}
	for _, p := range o.SensitivePaths {
		wp, err := encodePath(p)
		if err != nil {
			return nil, err
		}
		w.SensitiveAttributes = append(w.SensitiveAttributes, wp)
	}
	for _, d := range o.Dependencies {
		w.Dependencies = append(w.Dependencies, d.String())
	}
	return w, nil
}

// addrCache remembers the addresses already parsed while decoding one
// document: the same provider and dependency addresses repeat on every
// instance, and parsing one is far dearer than a map lookup.
type addrCache struct {
	resources map[string]config.AbsResource
	providers map[string]config.ProviderConfigAddr
	// instances: a journal names each instance in its intent and in its
	// result.
	instances map[string]config.InstanceAddr
}

func newAddrCache() *addrCache {
	return &addrCache{resources: map[string]config.AbsResource{}, providers: map[string]config.ProviderConfigAddr{}, instances: map[string]config.InstanceAddr{}}
}

func (c *addrCache) instance(s string) (config.InstanceAddr, error) {
	if c == nil {
		return parseInstanceAddr(s)
	}
	return cachedAddr(c.instances, s, parseInstanceAddr)
}

func (c *addrCache) resource(s string) (config.AbsResource, error) {
	if c == nil {
		return parseResourceAddr(s)
	}
	return cachedAddr(c.resources, s, parseResourceAddr)
}

func (c *addrCache) provider(s string) (config.ProviderConfigAddr, error) {
	if c == nil {
		return parseProviderConfigAddr(s)
	}
	return cachedAddr(c.providers, s, parseProviderConfigAddr)
}

// cachedAddr is parse(s), remembered in seen.
func cachedAddr[A any](seen map[string]A, s string, parse func(string) (A, error)) (A, error) {
	if a, ok := seen[s]; ok {
		return a, nil
	}
	a, err := parse(s)
	if err == nil {
		seen[s] = a
	}
	return a, err
}

func decodeObject(w *wireObject) (*Object, error) { return (*addrCache)(nil).decodeObject(w) }

func (c *addrCache) decodeObject(w *wireObject) (*Object, error) {
	if w == nil {
		return nil, nil
	}
	if len(w.Identity) > 0 {
		id, err := compactObject(w.Identity)
		if err != nil {
			return nil, fmt.Errorf("identity: %w", err)
		}
		w.Identity = id
	}
	o := &Object{
		SchemaVersion:         w.SchemaVersion,
		IdentityJSON:          w.Identity,
		IdentitySchemaVersion: w.IdentitySchemaVersion,
		Private:               w.Private,
		CreateBeforeDestroy:   w.CreateBeforeDestroy,
		Site:                  w.Site,
	}
	if len(w.ProviderKey) > 0 {
		k, err := decodeKey(w.ProviderKey)
		if err != nil {
			return nil, fmt.Errorf("provider_key: %w", err)
		}
		o.ProviderKey = k
	}
	attrs := bytes.TrimSpace(w.Attributes)
	switch {
	case len(attrs) == 0 || bytes.Equal(attrs, []byte("null")):
		// An object without attributes: kept as nil.
	case attrs[0] != '{':
		return nil, fmt.Errorf("attributes must be a JSON object")
	case isCompactJSON(attrs):
		// As written (indigo writes compact JSON): the decoder's copy.
		o.AttrsJSON = attrs
	default:
		var buf bytes.Buffer
		buf.Grow(len(attrs))
		if err := json.Compact(&buf, attrs); err != nil {
			return nil, fmt.Errorf("attributes: %w", err)
		}
		o.AttrsJSON = buf.Bytes()
	}
	switch w.Status {
	case "", "ready":
	case statusTainted:
		o.Status = Tainted
	default:
		return nil, fmt.Errorf("unknown status %q (expected \"tainted\" or none)", w.Status)
	}
	for i, wp := range w.SensitiveAttributes {
		p, err := decodePath(wp)
		if err != nil {
			return nil, fmt.Errorf("sensitive_attributes[%d]: %w", i, err)
		}
		o.SensitivePaths = append(o.SensitivePaths, p)
	}
	for _, d := range w.Dependencies {
		a, err := c.resource(d)
		if err != nil {
			return nil, fmt.Errorf("dependencies: %w", err)
		}
		o.Dependencies = append(o.Dependencies, a)
	}
	return o, nil
}

// compactObject checks that b is a JSON object, or null (nil then), and
// compacts it.
func compactObject(b []byte) (json.RawMessage, error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		return nil, nil
	case b[0] != '{':
		return nil, fmt.Errorf("must be a JSON object")
	case isCompactJSON(b):
		return b, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// isCompactJSON reports whether b, JSON that encoding/json has already
// checked, has no white space outside its strings: json.Compact would
// give it back as it is.
func isCompactJSON(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++ // the escaped byte
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return !inString
}

func encodePath(p cty.Path) (wirePath, error) {
	wp := make(wirePath, 0, len(p))
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			v, _ := json.Marshal(s.Name)
			wp = append(wp, wireStep{Type: stepGetAttr, Value: v})
		case cty.IndexStep:
			if v, ok := fastIndexJSON(s.Key); ok {
				wp = append(wp, wireStep{Type: stepIndex, Value: v})
				continue
			}
			v, err := json.Marshal(ctyjson.SimpleJSONValue{Value: s.Key})
			if err != nil {
				return nil, fmt.Errorf("encoding sensitive path index %#v: %w", s.Key, err)
			}
			wp = append(wp, wireStep{Type: stepIndex, Value: v})
		default:
			return nil, fmt.Errorf("unsupported path step %T", s)
		}
	}
	return wp, nil
}

func decodePath(wp wirePath) (cty.Path, error) {
	p := make(cty.Path, 0, len(wp))
	for _, s := range wp {
		switch s.Type {
		case stepGetAttr:
			var name string
			if err := json.Unmarshal(s.Value, &name); err != nil {
				return nil, fmt.Errorf("get_attr step: the value must be a string")
			}
			p = append(p, cty.GetAttrStep{Name: name})
		case stepIndex:
			if k, ok := fastIndexValue(s.Value); ok {
				p = append(p, cty.IndexStep{Key: k})
				continue
			}
			var v ctyjson.SimpleJSONValue
			if err := json.Unmarshal(s.Value, &v); err != nil {
				return nil, fmt.Errorf("index step: %w", err)
			}
			p = append(p, cty.IndexStep{Key: v.Value})
		default:
			return nil, fmt.Errorf("unknown path step type %q", s.Type)
		}
	}
	return p, nil
}

// fastIndexJSON encodes the common index keys (known strings and whole
// numbers) without going through cty's reflection-based JSON encoder.
func fastIndexJSON(k cty.Value) (json.RawMessage, bool) {
	if !k.IsKnown() || k.IsNull() {
		return nil, false
	}
	switch k.Type() {
	case cty.String:
		b, _ := json.Marshal(k.AsString())
		out := append([]byte(`{"value":`), b...)
		return append(out, `,"type":"string"}`...), true
	case cty.Number:
		if i, acc := k.AsBigFloat().Int64(); acc == 0 {
			out := append([]byte(`{"value":`), strconv.FormatInt(i, 10)...)
			return append(out, `,"type":"number"}`...), true
		}
	}
	return nil, false
}

// fastIndexValue decodes what fastIndexJSON encodes; anything else is left
// to cty's decoder.
func fastIndexValue(raw json.RawMessage) (cty.Value, bool) {
	var v struct {
		Value json.RawMessage `json:"value"`
		Type  json.RawMessage `json:"type"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return cty.NilVal, false
	}
	switch string(v.Type) {
	case `"string"`:
		var s string
		if json.Unmarshal(v.Value, &s) == nil {
			return cty.StringVal(s), true
		}
	case `"number"`:
		if i, err := strconv.ParseInt(string(v.Value), 10, 64); err == nil {
			return cty.NumberIntVal(i), true
		}
	}
	return cty.NilVal, false
}

// encodeKey returns the JSON of an instance key: a number, a string, or
// nothing for NoKey.
func encodeKey(k config.InstanceKey) json.RawMessage {
	switch k := k.(type) {
	case config.IntKey:
		return json.RawMessage(strconv.Itoa(int(k)))
	case config.StringKey:
		b, _ := json.Marshal(string(k))
		return b
	}
	return nil
}

func decodeKey(raw json.RawMessage) (config.InstanceKey, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return config.NoKey, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("index_key: %w", err)
		}
		return config.StringKey(s), nil
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 0 {
		return nil, fmt.Errorf("index_key %s must be a whole number not less than zero or a string", raw)
	}
	return config.IntKey(n), nil
}

func encodeOutput(o *Output) wireOutput {
	w := wireOutput{Value: o.Value, Type: o.Type, Sensitive: o.Sensitive}
	if len(w.Value) == 0 {
		w.Value = json.RawMessage("null")
	}
	if len(w.Type) == 0 {
		w.Type = json.RawMessage(`"dynamic"`)
	}
	return w
}

func decodeOutput(w wireOutput) (*Output, error) {
	if len(bytes.TrimSpace(w.Type)) == 0 {
		return nil, fmt.Errorf("the output has no type")
	}
	if _, err := ctyjson.UnmarshalType(w.Type); err != nil {
		return nil, fmt.Errorf("type: %w", err)
	}
	return &Output{Value: compactJSON(w.Value), Type: compactJSON(w.Type), Sensitive: w.Sensitive}, nil
}

func compactJSON(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return cloneBytes(b)
	}
	return buf.Bytes()
}

func encodePlacement(addr config.ObjectAddr, p *Placement) wirePlacement {
	w := wirePlacement{Address: addr.String(), Sites: p.Sites, PlacedAt: p.PlacedAt.UTC()}
	if w.Sites == nil {
		w.Sites = []string{}
	}
	for _, s := range p.Scores {
		w.Scores = append(w.Scores, wireSiteScore(s))
	}
	return w
}

func decodePlacement(w wirePlacement) (config.ObjectAddr, *Placement, error) {
	addr, err := parseObjectAddr(w.Address)
	if err != nil {
		return config.ObjectAddr{}, nil, err
	}
	p := &Placement{Sites: w.Sites, PlacedAt: w.PlacedAt}
	for _, s := range w.Scores {
		p.Scores = append(p.Scores, SiteScore(s))
	}
	return addr, p, nil
}

func encodeIntent(in *Intent) (wireIntent, error) {
	planned, err := encodeObject(in.Planned)
	if err != nil {
		return wireIntent{}, err
	}
	return wireIntent{
		ID:       in.ID,
		Op:       string(in.Op),
		Address:  in.Addr.String(),
		Deposed:  in.Deposed,
		Provider: in.Provider.String(),
		Planned:  planned,
		Started:  in.Started.UTC(),
	}, nil
}

func decodeIntent(w wireIntent) (*Intent, error) { return (*addrCache)(nil).decodeIntent(w) }

func (c *addrCache) decodeIntent(w wireIntent) (*Intent, error) {
	if w.ID == "" {
		return nil, fmt.Errorf("the intent has no id")
	}
	op := Op(w.Op)
	switch op {
	case OpCreate, OpUpdate, OpDelete:
	default:
		return nil, fmt.Errorf("intent %s: unknown op %q", w.ID, w.Op)
	}
	addr, err := c.instance(w.Address)
	if err != nil {
		return nil, fmt.Errorf("intent %s: %w", w.ID, err)
	}
	prov, err := c.provider(w.Provider)
	if err != nil {
		return nil, fmt.Errorf("intent %s: %w", w.ID, err)
	}
	planned, err := c.decodeObject(w.Planned)
	if err != nil {
		return nil, fmt.Errorf("intent %s: planned object: %w", w.ID, err)
	}
	return &Intent{ID: w.ID, Op: op, Addr: addr, Deposed: w.Deposed, Provider: prov, Planned: planned, Started: w.Started}, nil
}
