package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/indigo-cloud/indigo/lang/config"
)

// FormatVersion is the version of the snapshot format this package writes.
// It reads this version and refuses newer ones.
const FormatVersion = 1

type wireState struct {
	FormatVersion int                   `json:"format_version"`
	IndigoVersion string                `json:"indigo_version,omitempty"`
	Lineage       string                `json:"lineage"`
	Serial        uint64                `json:"serial"`
	Resources     []wireResource        `json:"resources"`
	Outputs       map[string]wireOutput `json:"outputs"`
	Placements    []wirePlacement       `json:"placements"`
	Pending       []wireIntent          `json:"pending,omitempty"`
	// Checksum is only read; Encode writes it by hand after the body.
	Checksum string `json:"checksum,omitempty"`
}

type wireResource struct {
	Module    string         `json:"module,omitempty"`
	Mode      string         `json:"mode"`
	Type      string         `json:"type"`
	Name      string         `json:"name"`
	Provider  string         `json:"provider"`
	Each      string         `json:"each,omitempty"`
	Instances []wireInstance `json:"instances"`
}

type wireInstance struct {
	IndexKey json.RawMessage `json:"index_key,omitempty"`
	Deposed  string          `json:"deposed,omitempty"`
	wireObject
}

const (
	modeManaged = "managed"
	modeData    = "data"
	eachCount   = "count"
	eachForEach = "for_each"
)

// checksumMarker introduces the checksum member, always the last one of the
// document. The checksum is the SHA-256 of every byte before the marker's
// first space (the body, which ends with ",\n").
const checksumMarker = "  \"checksum\": \"sha256:"

// CorruptError reports a snapshot or journal that is damaged: truncated,
// not valid JSON, or whose checksum does not match. A damaged file is never
// loaded as truth.
type CorruptError struct {
	// Name is the file (or other location) that is damaged.
	Name string
	// Reason says what is wrong.
	Reason string
	Err    error
}

func (e *CorruptError) Error() string {
	s := e.Name + " is damaged: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Encode returns the snapshot document for s: deterministic, indented JSON
// ending with a checksum member.
func Encode(s *State) ([]byte, error) {
	w := wireState{
		FormatVersion: FormatVersion,
		IndigoVersion: s.IndigoVersion,
		Lineage:       s.Lineage,
		Serial:        s.Serial,
		Resources:     make([]wireResource, 0, len(s.Resources)),
		Outputs:       make(map[string]wireOutput, len(s.Outputs)),
		Placements:    make([]wirePlacement, 0, len(s.Placements)),
	}
	for _, r := range s.sortedResources() {
		wr, err := encodeResource(r)
		if err != nil {
			return nil, err
		}
		w.Resources = append(w.Resources, wr)
	}
	for name, o := range s.Outputs {
		w.Outputs[name] = encodeOutput(o)
	}
	for addr, p := range s.Placements {
		w.Placements = append(w.Placements, encodePlacement(addr, p))
	}
	sort.Slice(w.Placements, func(i, j int) bool { return w.Placements[i].Address < w.Placements[j].Address })
	for _, in := range s.InFlight() {
		wi, err := encodeIntent(&in)
		if err != nil {
			return nil, fmt.Errorf("pending intent %s: %w", in.ID, err)
		}
		w.Pending = append(w.Pending, wi)
	}
	body, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding state: %w", err)
	}
	// body ends with "\n}": replace that by ",\n", then the checksum member.
	body = body[:len(body)-2]
	body = append(body, ",\n"...)
	sum := sha256.Sum256(body)
	out := make([]byte, 0, len(body)+len(checksumMarker)+64+4)
	out = append(out, body...)
	out = append(out, checksumMarker...)
	out = hex.AppendEncode(out, sum[:])
	out = append(out, "\"\n}\n"...)
	return out, nil
}

func encodeResource(r *Resource) (wireResource, error) {
	wr := wireResource{
		Module:    string(r.Addr.Module),
		Mode:      modeManaged,
		Type:      r.Addr.Resource.Type,
		Name:      r.Addr.Resource.Name,
		Provider:  r.Provider.String(),
		Instances: make([]wireInstance, 0, len(r.Instances)),
	}
	if r.Addr.Resource.Mode == config.DataMode {
		wr.Mode = modeData
	}
	switch r.EachMode {
	case EachList:
		wr.Each = eachCount
	case EachMap:
		wr.Each = eachForEach
	}
	for _, k := range r.sortedKeys() {
		inst := r.Instances[k]
		key := encodeKey(k)
		if inst.Current != nil {
			wo, err := encodeObject(inst.Current)
			if err != nil {
				return wireResource{}, fmt.Errorf("%s: %w", r.Addr.Instance(k), err)
			}
			wr.Instances = append(wr.Instances, wireInstance{IndexKey: key, wireObject: *wo})
		}
		dks := make([]string, 0, len(inst.Deposed))
		for dk := range inst.Deposed {
			dks = append(dks, dk)
		}
		sort.Strings(dks)
		for _, dk := range dks {
			wo, err := encodeObject(inst.Deposed[dk])
			if err != nil {
				return wireResource{}, fmt.Errorf("%s (deposed %s): %w", r.Addr.Instance(k), dk, err)
			}
			wr.Instances = append(wr.Instances, wireInstance{IndexKey: key, Deposed: dk, wireObject: *wo})
		}
	}
	return wr, nil
}

// Decode reads a snapshot written by Encode. name is used in messages (the
// file's path, or a description of where the bytes came from). A snapshot
// whose checksum is missing or does not match, or that is not complete
// JSON, yields a *CorruptError; a snapshot from a newer format version or
// with invalid content yields another error.
func Decode(name string, data []byte) (*State, error) {
	body, sum, ok := splitChecksum(data)
	if !ok {
		return nil, corruptReason(name, data)
	}
	got := sha256.Sum256(body)
	if hex.EncodeToString(got[:]) != sum {
		return nil, &CorruptError{Name: name, Reason: "its checksum does not match its content (the file was damaged, or edited by hand: to adopt a hand-edited state use `indigo state push`)"}
	}
	return decodeIndigo(name, data)
}

// corruptReason explains why data has no valid checksum trailer.
func corruptReason(name string, data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &CorruptError{Name: name, Reason: "it is empty"}
	}
	if !json.Valid(data) {
		return &CorruptError{Name: name, Reason: "it is not complete JSON (truncated or overwritten)"}
	}
	return &CorruptError{Name: name, Reason: "it has no checksum (to adopt a state written by hand or by another tool use `indigo state push`)"}
}

// splitChecksum finds the checksum member at the end of data and returns the
// body it covers and the hex digest it states.
func splitChecksum(data []byte) (body []byte, sum string, ok bool) {
	const tail = "\"\n}\n"
	if !bytes.HasSuffix(data, []byte(tail)) {
		return nil, "", false
	}
	i := bytes.LastIndex(data, []byte("\n"+checksumMarker))
	if i < 0 {
		return nil, "", false
	}
	hexStart := i + 1 + len(checksumMarker)
	hexEnd := len(data) - len(tail)
	if hexEnd-hexStart != 2*sha256.Size {
		return nil, "", false
	}
	return data[:i+1], string(data[hexStart:hexEnd]), true
}

// Import reads a state a user hands to indigo (`indigo state push`): an
// indigo snapshot, whose checksum is verified when present and may be
// missing if the file was edited by hand, or a Terraform state file in
// format version 4.
func Import(name string, data []byte) (*State, error) {
	var probe struct {
		FormatVersion *int `json:"format_version"`
		Version       *int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("reading %s: not a state file: %w", name, err)
	}
	switch {
	case probe.FormatVersion != nil:
		if body, sum, ok := splitChecksum(data); ok {
			got := sha256.Sum256(body)
			if hex.EncodeToString(got[:]) != sum {
				return nil, &CorruptError{Name: name, Reason: "its checksum does not match its content; if you edited it on purpose, delete the \"checksum\" line"}
			}
		}
		return decodeIndigo(name, data)
	case probe.Version != nil:
		return decodeTerraform(name, data, *probe.Version)
	}
	return nil, fmt.Errorf("reading %s: neither an indigo state (format_version) nor a Terraform state (version)", name)
}

func decodeIndigo(name string, data []byte) (*State, error) {
	var w wireState
	if err := json.Unmarshal(data, &w); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, &CorruptError{Name: name, Reason: fmt.Sprintf("invalid JSON at byte %d", syn.Offset), Err: err}
		}
		return nil, fmt.Errorf("reading state %s: %w", name, err)
	}
	if w.FormatVersion > FormatVersion {
		return nil, fmt.Errorf("reading state %s: it has format_version %d, written by a newer indigo (%s); this indigo reads format_version %d: upgrade indigo", name, w.FormatVersion, w.IndigoVersion, FormatVersion)
	}
	if w.FormatVersion < 1 {
		return nil, fmt.Errorf("reading state %s: format_version %d is not valid", name, w.FormatVersion)
	}
	if w.Lineage == "" {
		return nil, fmt.Errorf("reading state %s: it has no lineage", name)
	}
	s := newWithLineage(w.Lineage)
	s.Serial = w.Serial
	s.IndigoVersion = w.IndigoVersion
	bad := func(format string, args ...any) error {
		return fmt.Errorf("reading state %s: %s", name, fmt.Sprintf(format, args...))
	}
	cache := newAddrCache()
	for i := range w.Resources {
		wr := &w.Resources[i]
		if err := s.addWireResource(cache, wr); err != nil {
			return nil, bad("resources[%d]: %v", i, err)
		}
	}
	for n, wo := range w.Outputs {
		o, err := decodeOutput(wo)
		if err != nil {
			return nil, bad("output %q: %v", n, err)
		}
		s.Outputs[n] = o
	}
	for i, wp := range w.Placements {
		addr, p, err := decodePlacement(wp)
		if err != nil {
			return nil, bad("placements[%d]: %v", i, err)
		}
		if _, dup := s.Placements[addr]; dup {
			return nil, bad("placement %s is recorded twice", addr)
		}
		s.Placements[addr] = p
	}
	for i, wi := range w.Pending {
		in, err := decodeIntent(wi)
		if err != nil {
			return nil, bad("pending[%d]: %v", i, err)
		}
		s.Pending[in.ID] = in
	}
	return s, nil
}

// addWireResource decodes one resource of an indigo or Terraform state.
func (s *State) addWireResource(cache *addrCache, wr *wireResource) error {
	var mode config.ResourceMode
	switch wr.Mode {
	case modeManaged:
		mode = config.ManagedMode
	case modeData:
		mode = config.DataMode
	default:
		return fmt.Errorf("mode %q must be \"managed\" or \"data\"", wr.Mode)
	}
	if wr.Type == "" || wr.Name == "" {
		return fmt.Errorf("a resource needs a type and a name")
	}
	addr := config.AbsResource{Resource: config.ResourceAddr{Mode: mode, Type: wr.Type, Name: wr.Name}}
	if wr.Module != "" {
		m, err := parseModuleInstance(wr.Module)
		if err != nil {
			return fmt.Errorf("%s.%s: module: %w", wr.Type, wr.Name, err)
		}
		addr.Module = m
	}
	if _, dup := s.Resources[addr]; dup {
		return fmt.Errorf("%s is recorded twice", addr)
	}
	prov, err := cache.provider(wr.Provider)
	if err != nil {
		return fmt.Errorf("%s: provider: %w", addr, err)
	}
	r := &Resource{Addr: addr, Provider: prov.Config(), Instances: make(map[config.InstanceKey]*Instance, len(wr.Instances))}
	switch wr.Each {
	case "":
	case eachCount, "list":
		r.EachMode = EachList
	case eachForEach, "map":
		r.EachMode = EachMap
	default:
		return fmt.Errorf("%s: each %q must be \"count\" or \"for_each\"", addr, wr.Each)
	}
	for j := range wr.Instances {
		wi := &wr.Instances[j]
		key, err := decodeKey(wi.IndexKey)
		if err != nil {
			return fmt.Errorf("%s: instances[%d]: %w", addr, j, err)
		}
		ia := addr.Instance(key)
		obj, err := cache.decodeObject(&wi.wireObject)
		if err != nil {
			return fmt.Errorf("%s: %w", ia, err)
		}
		if obj != nil && prov.Key != config.NoKey && obj.ProviderKey == config.NoKey {
			// A resource-wide provider instance (OpenTofu may write one
			// when every object has the same): kept per object.
			obj.ProviderKey = prov.Key
		}
		inst := r.Instances[key]
		if inst == nil {
			inst = &Instance{}
			r.Instances[key] = inst
		}
		if wi.Deposed == "" {
			if inst.Current != nil {
				return fmt.Errorf("%s is recorded twice", ia)
			}
			inst.Current = obj
			continue
		}
		if inst.Deposed == nil {
			inst.Deposed = map[string]*Object{}
		}
		if _, dup := inst.Deposed[wi.Deposed]; dup {
			return fmt.Errorf("%s deposed object %s is recorded twice", ia, wi.Deposed)
		}
		inst.Deposed[wi.Deposed] = obj
	}
	if r.EachMode == NoEach {
		// Older Terraform states do not say; the keys do.
		for k := range r.Instances {
			r.EachMode = eachModeOf(k)
			break
		}
	}
	if len(r.Instances) > 0 {
		s.Resources[addr] = r
	}
	return nil
}

// Verify checks a snapshot's checksum and returns its lineage and serial
// without decoding the rest: what a backend needs for its compare-and-swap.
func Verify(name string, data []byte) (lineage string, serial uint64, err error) {
	body, sum, ok := splitChecksum(data)
	if !ok {
		return "", 0, corruptReason(name, data)
	}
	got := sha256.Sum256(body)
	if hex.EncodeToString(got[:]) != sum {
		return "", 0, &CorruptError{Name: name, Reason: "its checksum does not match its content"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", 0, &CorruptError{Name: name, Reason: "it is not a JSON object"}
	}
	haveLineage, haveSerial := false, false
	for dec.More() && !(haveLineage && haveSerial) {
		t, err := dec.Token()
		if err != nil {
			return "", 0, &CorruptError{Name: name, Reason: "invalid JSON", Err: err}
		}
		switch t {
		case "lineage":
			err = dec.Decode(&lineage)
			haveLineage = true
		case "serial":
			err = dec.Decode(&serial)
			haveSerial = true
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return "", 0, fmt.Errorf("reading state %s: %v: %w", name, t, err)
		}
	}
	if lineage == "" {
		return "", 0, fmt.Errorf("reading state %s: it has no lineage", name)
	}
	return lineage, serial, nil
}
