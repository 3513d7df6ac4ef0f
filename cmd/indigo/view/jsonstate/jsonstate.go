// Package jsonstate is the JSON state view: what `indigo show -json`
// prints without a plan file. It is the recorded state shaped like
// Terraform's JSON state representation (values.root_module with resources
// and child_modules, values.outputs) with indigo's placements and in-flight
// operations added, documented in docs/json-state.md and versioned by
// FormatVersion. Sensitive values are null and marked in sensitive_values;
// no provider schema is needed because the state records each object's
// attributes as JSON and its sensitive paths.
//
// It is a view for tools, not the state file: the state's own encoding is
// package state's business and may change between versions; this view is
// the stable interface.
package jsonstate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
)

// FormatVersion is the format_version of the JSON state view.
const FormatVersion = "1.0"

type jsonState struct {
	FormatVersion string `json:"format_version"`
	// TerraformVersion is the Terraform release whose state format the
	// view follows (the one indigo implements), for tools that check it.
	TerraformVersion string           `json:"terraform_version"`
	Lineage          string           `json:"lineage"`
	Serial           uint64           `json:"serial"`
	IndigoVersion    string           `json:"indigo_version,omitempty"`
	Values           jsonStateValues  `json:"values"`
	Placements       []jsonStatePlace `json:"placements,omitempty"`
	Pending          []jsonPending    `json:"pending,omitempty"`
}

type jsonStateValues struct {
	Outputs    map[string]jsonStateOutput `json:"outputs,omitempty"`
	RootModule jsonModule                 `json:"root_module"`
}

type jsonStateOutput struct {
	Sensitive bool            `json:"sensitive"`
	Value     any             `json:"value"`
	Type      json.RawMessage `json:"type,omitempty"`
}

type jsonModule struct {
	Address      string              `json:"address,omitempty"`
	Resources    []jsonStateResource `json:"resources,omitempty"`
	ChildModules []*jsonModule       `json:"child_modules,omitempty"`
}

type jsonStateResource struct {
	Address         string   `json:"address"`
	Mode            string   `json:"mode"`
	Type            string   `json:"type"`
	Name            string   `json:"name"`
	Index           any      `json:"index,omitempty"`
	ProviderName    string   `json:"provider_name"`
	SchemaVersion   int64    `json:"schema_version"`
	Values          any      `json:"values"`
	SensitiveValues any      `json:"sensitive_values"`
	DependsOn       []string `json:"depends_on,omitempty"`
	Tainted         bool     `json:"tainted,omitempty"`
	DeposedKey      string   `json:"deposed_key,omitempty"`
	Site            string   `json:"site,omitempty"`
	// Identity is the object's resource identity, with the version of the
	// identity schema it was recorded under, when it has one.
	IdentitySchemaVersion *int64          `json:"identity_schema_version,omitempty"`
	Identity              json.RawMessage `json:"identity,omitempty"`
}

type jsonStatePlace struct {
	Address  string           `json:"address"`
	Sites    []string         `json:"sites"`
	PlacedAt string           `json:"placed_at,omitempty"`
	Scores   []jsonStateScore `json:"scores,omitempty"`
}

type jsonStateScore struct {
	Site    string    `json:"site"`
	Score   jsonFloat `json:"score"`
	Summary string    `json:"summary,omitempty"`
}

type jsonPending struct {
	ID           string `json:"id"`
	Op           string `json:"op"`
	Address      string `json:"address"`
	Deposed      string `json:"deposed,omitempty"`
	ProviderName string `json:"provider_name,omitempty"`
	Started      string `json:"started,omitempty"`
}

// Marshal returns the JSON state view of s: one compact JSON
// document, format FormatVersion, with every sensitive value
// replaced by null.
func Marshal(s *state.State) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("JSON state view: no state")
	}
	doc := jsonState{
		FormatVersion:    FormatVersion,
		TerraformVersion: plugin.DefaultTerraformVersion,
		Lineage:          s.Lineage,
		Serial:           s.Serial,
		IndigoVersion:    s.IndigoVersion,
	}
	if len(s.Outputs) > 0 {
		doc.Values.Outputs = make(map[string]jsonStateOutput, len(s.Outputs))
		for name, o := range s.Outputs {
			if o == nil {
				continue
			}
			jo := jsonStateOutput{Sensitive: o.Sensitive, Type: o.Type}
			if !o.Sensitive && len(o.Value) > 0 {
				v, err := decodeJSON(o.Value)
				if err != nil {
					return nil, fmt.Errorf("JSON state view: output %s: %w", name, err)
				}
				jo.Value = v
			}
			doc.Values.Outputs[name] = jo
		}
	}
	modules := map[config.ModuleInstance]*jsonModule{"": &doc.Values.RootModule}
	for _, addr := range s.AllInstances() {
		r := s.Resource(addr.ContainingResource())
		inst := s.Instance(addr)
		if r == nil || inst == nil {
			continue
		}
		m := moduleNode(modules, addr.Module)
		if inst.Current != nil {
			jr, err := jsonStateResourceOf(addr, r, inst.Current, "")
			if err != nil {
				return nil, err
			}
			m.Resources = append(m.Resources, jr)
		}
		for _, k := range slices.Sorted(maps.Keys(inst.Deposed)) {
			jr, err := jsonStateResourceOf(addr, r, inst.Deposed[k], k)
			if err != nil {
				return nil, err
			}
			m.Resources = append(m.Resources, jr)
		}
	}
	sortModules(&doc.Values.RootModule)

	placeAddrs := slices.SortedFunc(maps.Keys(s.Placements), func(a, b config.ObjectAddr) int {
		return strings.Compare(a.String(), b.String())
	})
	for _, a := range placeAddrs {
		p := s.Placements[a]
		if p == nil {
			continue
		}
		jp := jsonStatePlace{Address: a.String(), Sites: nonNil(p.Sites)}
		if !p.PlacedAt.IsZero() {
			jp.PlacedAt = p.PlacedAt.UTC().Format(time.RFC3339Nano)
		}
		for _, sc := range p.Scores {
			jp.Scores = append(jp.Scores, jsonStateScore{Site: sc.Site, Score: jsonFloat(sc.Score), Summary: sc.Summary})
		}
		doc.Placements = append(doc.Placements, jp)
	}
	for _, in := range s.InFlight() {
		jp := jsonPending{ID: in.ID, Op: string(in.Op), Address: in.Addr.String(), Deposed: in.Deposed}
		if !in.Provider.Provider.IsZero() {
			jp.ProviderName = in.Provider.Provider.String()
		}
		if !in.Started.IsZero() {
			jp.Started = in.Started.UTC().Format(time.RFC3339Nano)
		}
		doc.Pending = append(doc.Pending, jp)
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("JSON state view: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func jsonStateResourceOf(addr config.InstanceAddr, r *state.Resource, obj *state.Object, deposed string) (jsonStateResource, error) {
	jr := jsonStateResource{
		Address:       addr.String(),
		Mode:          "managed",
		Type:          addr.Resource.Type,
		Name:          addr.Resource.Name,
		SchemaVersion: obj.SchemaVersion,
		Tainted:       obj.Status == state.Tainted,
		DeposedKey:    deposed,
		Site:          obj.Site,
	}
	if addr.Resource.Mode == config.DataMode {
		jr.Mode = "data"
	}
	if !r.Provider.Provider.IsZero() {
		jr.ProviderName = r.Provider.Provider.String()
	}
	switch k := addr.Key.(type) {
	case config.IntKey:
		jr.Index = int(k)
	case config.StringKey:
		jr.Index = string(k)
	}
	for _, d := range obj.Dependencies {
		jr.DependsOn = append(jr.DependsOn, d.String())
	}
	var values any = map[string]any{}
	if len(obj.AttrsJSON) > 0 {
		v, err := decodeJSON(obj.AttrsJSON)
		if err != nil {
			return jr, fmt.Errorf("JSON state view: %s: attributes: %w", addr, err)
		}
		values = UnwrapDynamic(v)
	}
	var mirror any = map[string]any{}
	for _, p := range obj.SensitivePaths {
		values, mirror = Redact(values, mirror, p)
	}
	jr.Values, jr.SensitiveValues = values, mirror
	if len(obj.IdentityJSON) > 0 {
		version := obj.IdentitySchemaVersion
		jr.Identity, jr.IdentitySchemaVersion = obj.IdentityJSON, &version
	}
	return jr, nil
}

// UnwrapDynamic replaces, in decoded recorded attributes, each value of an
// attribute of dynamic type by the value itself: state keeps such values
// as {"value": V, "type": T} (their type is not in the schema), and
// views, like Terraform's, show V. A wrapper is an object of exactly those
// two keys whose type is a type's JSON form; what is inside it is left as
// it is.
func UnwrapDynamic(v any) any {
	switch vv := v.(type) {
	case map[string]any:
		if len(vv) == 2 && isTypeJSON(vv["type"]) {
			if inner, ok := vv["value"]; ok {
				return inner
			}
		}
		for k, e := range vv {
			vv[k] = UnwrapDynamic(e)
		}
	case []any:
		for i, e := range vv {
			vv[i] = UnwrapDynamic(e)
		}
	}
	return v
}

// isTypeJSON reports whether t has the shape of a type in JSON: a
// primitive's name, or ["list"|"set"|"map"|"object"|"tuple", ...].
func isTypeJSON(t any) bool {
	switch tt := t.(type) {
	case string:
		return tt == "string" || tt == "number" || tt == "bool" || tt == "dynamic"
	case []any:
		if len(tt) != 2 {
			return false
		}
		switch tt[0] {
		case "list", "set", "map":
			return isTypeJSON(tt[1])
		case "object":
			_, ok := tt[1].(map[string]any)
			return ok
		case "tuple":
			_, ok := tt[1].([]any)
			return ok
		}
	}
	return false
}

// moduleNode returns the node of module m, creating it and its ancestors.
func moduleNode(nodes map[config.ModuleInstance]*jsonModule, m config.ModuleInstance) *jsonModule {
	if n, ok := nodes[m]; ok {
		return n
	}
	parent, _ := m.Parent()
	pn := moduleNode(nodes, parent)
	n := &jsonModule{Address: string(m)}
	pn.ChildModules = append(pn.ChildModules, n)
	nodes[m] = n
	return n
}

func sortModules(m *jsonModule) {
	slices.SortFunc(m.ChildModules, func(a, b *jsonModule) int { return strings.Compare(a.Address, b.Address) })
	for _, c := range m.ChildModules {
		sortModules(c)
	}
}

// decodeJSON decodes a JSON document keeping numbers exactly as written.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Redact replaces the value at path inside v, a decoded JSON document
// (objects as map[string]any, arrays as []any), with null and records true
// at the same place in mirror, which has the shape of Terraform's
// sensitive_values: objects hold only what is sensitive, arrays one entry
// per element. A path to something the document does not have (an absent
// attribute, an index past the end, anything below a null) hides nothing.
// A path that cannot be followed into what is there (a set element, which
// has no position in JSON, or a key of the wrong kind) hides the whole
// value it reaches: a view must rather hide too much than show a secret.
// It returns the new v and mirror; the maps and slices inside v are
// modified in place.
func Redact(v, mirror any, path cty.Path) (any, any) {
	if len(path) == 0 {
		return nil, true
	}
	if b, ok := mirror.(bool); ok && b {
		return v, mirror // already hidden as a whole
	}
	switch vv := v.(type) {
	case nil:
		return nil, mirror
	case map[string]any:
		key, ok := stepString(path[0])
		if !ok {
			break
		}
		if _, exists := vv[key]; !exists {
			return v, mirror
		}
		mm, _ := mirror.(map[string]any)
		if mm == nil {
			mm = map[string]any{}
		}
		nv, nm := Redact(vv[key], mm[key], path[1:])
		vv[key] = nv
		if nm != nil && nm != false {
			mm[key] = nm
		}
		return vv, mm
	case []any:
		i, ok := stepIndex(path[0])
		if !ok {
			break
		}
		if i < 0 || i >= len(vv) {
			return v, mirror
		}
		ms, _ := mirror.([]any)
		if len(ms) != len(vv) {
			ms = make([]any, len(vv))
			for j := range ms {
				ms[j] = false
			}
		}
		nv, nm := Redact(vv[i], ms[i], path[1:])
		vv[i] = nv
		if nm == nil {
			nm = false
		}
		ms[i] = nm
		return vv, ms
	}
	return nil, true
}

// stepString returns the name or string key a step selects.
func stepString(s cty.PathStep) (string, bool) {
	switch s := s.(type) {
	case cty.GetAttrStep:
		return s.Name, true
	case cty.IndexStep:
		k, _ := s.Key.Unmark()
		if k.IsKnown() && !k.IsNull() && k.Type() == cty.String {
			return k.AsString(), true
		}
	}
	return "", false
}

// stepIndex returns the list position a step selects.
func stepIndex(s cty.PathStep) (int, bool) {
	is, ok := s.(cty.IndexStep)
	if !ok {
		return 0, false
	}
	k, _ := is.Key.Unmark()
	if !k.IsKnown() || k.IsNull() || k.Type() != cty.Number {
		return 0, false
	}
	i, acc := k.AsBigFloat().Int64()
	if acc != 0 {
		return 0, false
	}
	return int(i), true
}

// jsonFloat writes NaN and infinities, which JSON cannot hold, as null.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
