package planfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// FormatVersion is the version of the plan file format Write produces
// and the highest one Read accepts.
const FormatVersion = 1

const fileMagic = "indigo plan file\n"

// headerLen is the size of magic, version and length.
const headerLen = len(fileMagic) + 2 + 8

// ErrNotPlan is returned (wrapped) by Read when the input is not an
// indigo plan file at all.
var ErrNotPlan = errors.New("not an indigo plan file")

// ErrCorrupt is returned (wrapped) by Read when the input starts like a
// plan file but is truncated or damaged.
var ErrCorrupt = errors.New("the plan file is truncated or damaged")

// Write encodes p in the plan file format: what `indigo plan -out FILE`
// saves and `indigo apply FILE` reads back with Read.
func Write(w io.Writer, p *plan.Plan) error {
	if p == nil {
		return errors.New("writing plan file: no plan")
	}
	enc := newFileEncoder()
	fp, err := enc.plan(p)
	if err != nil {
		return fmt.Errorf("writing plan file: %w", err)
	}
	payload, err := msgpack.Marshal(fp)
	if err != nil {
		return fmt.Errorf("writing plan file: encoding: %w", err)
	}
	buf := make([]byte, 0, headerLen+len(payload)+sha256.Size)
	buf = append(buf, fileMagic...)
	buf = binary.BigEndian.AppendUint16(buf, FormatVersion)
	buf = binary.BigEndian.AppendUint64(buf, uint64(len(payload)))
	buf = append(buf, payload...)
	sum := sha256.Sum256(buf)
	buf = append(buf, sum[:]...)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("writing plan file: %w", err)
	}
	return nil
}

// Read decodes a plan file written by Write. A file that is not a plan
// file, was written by a newer indigo, or is truncated or damaged is an
// error; Read never returns part of a plan.
func Read(r io.Reader) (*plan.Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading plan file: %w", err)
	}
	payload, err := checkFrame(data)
	if err != nil {
		return nil, err
	}
	if err := checkMsgpack(payload); err != nil {
		return nil, fmt.Errorf("reading plan file: %w: %v", ErrCorrupt, err)
	}
	var fp filePlan
	dec := msgpack.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&fp); err != nil {
		return nil, fmt.Errorf("reading plan file: %w: decoding: %v", ErrCorrupt, err)
	}
	p, err := new(fileDecoder).plan(&fp)
	if err != nil {
		return nil, fmt.Errorf("reading plan file: %w: %v", ErrCorrupt, err)
	}
	return p, nil
}

// checkFrame verifies magic, version, length and checksum and returns the
// payload.
func checkFrame(data []byte) ([]byte, error) {
	if len(data) < len(fileMagic) || string(data[:len(fileMagic)]) != fileMagic {
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			return nil, fmt.Errorf("reading plan file: %w: it looks like a Terraform or OpenTofu plan (a zip archive); indigo applies only plans saved by indigo plan -out", ErrNotPlan)
		}
		if len(data) > 0 && len(data) < len(fileMagic) && fileMagic[:len(data)] == string(data) {
			return nil, fmt.Errorf("reading plan file: %w (%d bytes, shorter than the header)", ErrCorrupt, len(data))
		}
		return nil, fmt.Errorf("reading plan file: %w", ErrNotPlan)
	}
	if len(data) < headerLen {
		return nil, fmt.Errorf("reading plan file: %w (%d bytes, shorter than the header)", ErrCorrupt, len(data))
	}
	version := binary.BigEndian.Uint16(data[len(fileMagic):])
	if version == 0 {
		return nil, fmt.Errorf("reading plan file: %w (format version 0)", ErrCorrupt)
	}
	if version > FormatVersion {
		return nil, fmt.Errorf("reading plan file: it uses format version %d, written by a newer indigo; this indigo reads format %d: run indigo plan again with this version", version, FormatVersion)
	}
	length := binary.BigEndian.Uint64(data[len(fileMagic)+2:])
	rest := uint64(len(data) - headerLen)
	if rest < sha256.Size || length != rest-sha256.Size {
		return nil, fmt.Errorf("reading plan file: %w (the header announces %d bytes of plan, the file holds %d)", ErrCorrupt, length, max(int64(rest)-sha256.Size, 0))
	}
	end := headerLen + int(length)
	sum := sha256.Sum256(data[:end])
	if !bytes.Equal(sum[:], data[end:]) {
		return nil, fmt.Errorf("reading plan file: %w (checksum mismatch)", ErrCorrupt)
	}
	return data[headerLen:end], nil
}

// The wire structs. Field names are short and fixed: they are the format.

type filePlan struct {
	Mode         uint8           `msgpack:"mode"`
	Types        [][]byte        `msgpack:"types"`
	Changes      []fileChange    `msgpack:"changes"`
	Drift        []fileChange    `msgpack:"drift"`
	Outputs      []fileOutput    `msgpack:"outputs"`
	Placements   []filePlacement `msgpack:"placements"`
	Notes        []fileNote      `msgpack:"notes"`
	PriorLineage string          `msgpack:"prior_lineage"`
	PriorSerial  uint64          `msgpack:"prior_serial"`
	ConfigDigest string          `msgpack:"config_digest"`
	Variables    []fileVariable  `msgpack:"variables"`
	Targets      []string        `msgpack:"targets"`
	Replace      []string        `msgpack:"replace"`
	// Timestamp is seconds and nanoseconds since the Unix epoch, UTC;
	// absent for a zero time.
	Timestamp []int64 `msgpack:"timestamp"`
	Applyable bool    `msgpack:"applyable"`
	Errored   bool    `msgpack:"errored"`
}

type fileInstance struct {
	Module  string `msgpack:"module"`
	Mode    uint8  `msgpack:"mode"`
	Type    string `msgpack:"type"`
	Name    string `msgpack:"name"`
	KeyKind uint8  `msgpack:"key_kind"` // 0 none, 1 int, 2 string
	IntKey  int64  `msgpack:"int_key"`
	StrKey  string `msgpack:"str_key"`
}

type fileResource struct {
	Module string `msgpack:"module"`
	Mode   uint8  `msgpack:"mode"`
	Type   string `msgpack:"type"`
	Name   string `msgpack:"name"`
}

type fileProviderConfig struct {
	Module    string `msgpack:"module"`
	Hostname  string `msgpack:"hostname"`
	Namespace string `msgpack:"namespace"`
	Type      string `msgpack:"type"`
	Alias     string `msgpack:"alias"`
}

// fileStep is one step of a cty.Path: an attribute name (Kind 1) or an
// index (Kind 2) whose key is msgpack with cty.DynamicPseudoType, so it
// carries its own type.
type fileStep struct {
	Kind uint8  `msgpack:"k"`
	Name string `msgpack:"n,omitempty"`
	Key  []byte `msgpack:"i,omitempty"`
}

// fileValue is one cty value. Type indexes filePlan.Types (plus one; 0 means
// the value was encoded with cty.DynamicPseudoType and carries its type).
type fileValue struct {
	Nil       bool         `msgpack:"nil,omitempty"`
	Type      int          `msgpack:"type"`
	Data      []byte       `msgpack:"data"`
	Sensitive [][]fileStep `msgpack:"sensitive"`
}

type fileChange struct {
	Addr                fileInstance       `msgpack:"addr"`
	PrevAddr            fileInstance       `msgpack:"prev_addr"`
	DeposedKey          string             `msgpack:"deposed"`
	Provider            fileProviderConfig `msgpack:"provider"`
	Action              uint8              `msgpack:"action"`
	Reason              string             `msgpack:"reason"`
	Type                int                `msgpack:"type"`
	Before              fileValue          `msgpack:"before"`
	After               fileValue          `msgpack:"after"`
	SchemaVersion       int64              `msgpack:"schema_version"`
	RequiredReplace     [][]fileStep       `msgpack:"required_replace"`
	Private             []byte             `msgpack:"private"`
	Site                string             `msgpack:"site"`
	Importing           *fileImporting     `msgpack:"importing"`
	Dependencies        []fileResource     `msgpack:"dependencies"`
	CreateBeforeDestroy bool               `msgpack:"create_before_destroy"`
}

type fileImporting struct {
	ID string `msgpack:"id"`
}

type fileOutput struct {
	Name      string    `msgpack:"name"`
	Action    uint8     `msgpack:"action"`
	Before    fileValue `msgpack:"before"`
	After     fileValue `msgpack:"after"`
	Sensitive bool      `msgpack:"sensitive"`
}

type fileVariable struct {
	Name  string    `msgpack:"name"`
	Value fileValue `msgpack:"value"`
}

type fileNote struct {
	Subject string `msgpack:"subject"`
	Summary string `msgpack:"summary"`
	Detail  string `msgpack:"detail"`
}

type filePlacement struct {
	Module   string      `msgpack:"module"`
	Kind     uint8       `msgpack:"kind"`
	Name     string      `msgpack:"name"`
	Sites    []string    `msgpack:"sites"`
	Previous []string    `msgpack:"previous"`
	Ranking  fileRanking `msgpack:"ranking"`
	Fallback bool        `msgpack:"fallback"`
}

type fileRanking struct {
	Component string       `msgpack:"component"`
	Scored    []fileScored `msgpack:"scored"`
	Chosen    string       `msgpack:"chosen"`
	Copies    []string     `msgpack:"copies"`
	Outcome   string       `msgpack:"outcome"`
	Reason    string       `msgpack:"reason"`
}

type fileScored struct {
	Site     string     `msgpack:"site"`
	Location string     `msgpack:"location"`
	Score    float64    `msgpack:"score"`
	Parts    []filePart `msgpack:"parts"`
	Rejected bool       `msgpack:"rejected"`
	Reasons  []string   `msgpack:"reasons"`
	Notes    []string   `msgpack:"notes"`
}

type filePart struct {
	Criterion    string  `msgpack:"criterion"`
	Raw          float64 `msgpack:"raw"`
	Normalized   float64 `msgpack:"normalized"`
	Weight       float64 `msgpack:"weight"`
	Contribution float64 `msgpack:"contribution"`
	Note         string  `msgpack:"note"`
}

// fileEncoder converts a Plan to its wire form, collecting the distinct
// types into one table.
type fileEncoder struct {
	types   [][]byte
	typeIdx map[string]int
	// seen remembers types already in the table, so that the common case
	// (many changes of one resource type) compares types instead of
	// encoding them to JSON again.
	seen []seenType
}

type seenType struct {
	ty  cty.Type
	ref int
}

func newFileEncoder() *fileEncoder { return &fileEncoder{typeIdx: map[string]int{}} }

// typeRef returns the 1-based index of ty in the type table.
func (e *fileEncoder) typeRef(ty cty.Type) (int, error) {
	if ty == cty.NilType {
		return 0, nil
	}
	for i := len(e.seen) - 1; i >= 0; i-- {
		if e.seen[i].ty.Equals(ty) {
			return e.seen[i].ref, nil
		}
	}
	b, err := ctyjson.MarshalType(ty)
	if err != nil {
		return 0, err
	}
	ref, ok := e.typeIdx[string(b)]
	if !ok {
		e.types = append(e.types, b)
		ref = len(e.types)
		e.typeIdx[string(b)] = ref
	}
	e.seen = append(e.seen, seenType{ty, ref})
	return ref, nil
}

func (e *fileEncoder) plan(p *plan.Plan) (*filePlan, error) {
	fp := &filePlan{
		Mode:         uint8(p.Mode),
		PriorLineage: p.PriorLineage,
		PriorSerial:  p.PriorSerial,
		ConfigDigest: p.ConfigDigest,
		Targets:      p.Targets,
		Replace:      p.Replace,
		Applyable:    p.Applyable,
		Errored:      p.Errored,
	}
	if !p.Timestamp.IsZero() {
		fp.Timestamp = []int64{p.Timestamp.Unix(), int64(p.Timestamp.Nanosecond())}
	}
	var err error
	if fp.Changes, err = e.changes(p.Changes); err != nil {
		return nil, err
	}
	if fp.Drift, err = e.changes(p.Drift); err != nil {
		return nil, err
	}
	for _, o := range p.Outputs {
		if o == nil {
			continue
		}
		fo := fileOutput{Name: o.Name, Action: uint8(o.Action), Sensitive: o.Sensitive}
		if fo.Before, err = e.value(o.Before, valueType(o.Before)); err != nil {
			return nil, fmt.Errorf("output %s: before: %w", o.Name, err)
		}
		if fo.After, err = e.value(o.After, valueType(o.After)); err != nil {
			return nil, fmt.Errorf("output %s: after: %w", o.Name, err)
		}
		fp.Outputs = append(fp.Outputs, fo)
	}
	names := make([]string, 0, len(p.Variables))
	for n := range p.Variables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := p.Variables[n]
		fv, err := e.value(v, valueType(v))
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", n, err)
		}
		fp.Variables = append(fp.Variables, fileVariable{Name: n, Value: fv})
	}
	for _, pl := range p.Placements {
		if pl == nil {
			continue
		}
		fp.Placements = append(fp.Placements, filePlacement{
			Module: string(pl.Addr.Module), Kind: uint8(pl.Addr.Kind), Name: pl.Addr.Name,
			Sites: pl.Sites, Previous: pl.Previous, Fallback: pl.Fallback,
			Ranking: encodeRanking(pl.Ranking),
		})
	}
	for _, n := range p.Notes {
		fp.Notes = append(fp.Notes, fileNote(n))
	}
	fp.Types = e.types
	return fp, nil
}

func (e *fileEncoder) changes(cs []*plan.ResourceChange) ([]fileChange, error) {
	out := make([]fileChange, 0, len(cs))
	for _, c := range cs {
		if c == nil {
			continue
		}
		fc := fileChange{
			Addr: encodeInstance(c.Addr), PrevAddr: encodeInstance(c.PrevAddr), DeposedKey: c.DeposedKey,
			Provider: fileProviderConfig{
				Module: string(c.Provider.Module), Hostname: c.Provider.Provider.Hostname,
				Namespace: c.Provider.Provider.Namespace, Type: c.Provider.Provider.Type, Alias: c.Provider.Alias,
			},
			Action: uint8(c.Action), Reason: string(c.Reason), SchemaVersion: c.SchemaVersion,
			Private: c.Private, Site: c.Site, CreateBeforeDestroy: c.CreateBeforeDestroy,
		}
		var err error
		if fc.Type, err = e.typeRef(c.Type); err != nil {
			return nil, fmt.Errorf("%s: type: %w", c.Addr, err)
		}
		if fc.Before, err = e.value(c.Before, c.Type); err != nil {
			return nil, fmt.Errorf("%s: before: %w", c.Addr, err)
		}
		if fc.After, err = e.value(c.After, c.Type); err != nil {
			return nil, fmt.Errorf("%s: after: %w", c.Addr, err)
		}
		for _, p := range c.RequiredReplace {
			fsteps, err := encodePath(p)
			if err != nil {
				return nil, fmt.Errorf("%s: required replace path: %w", c.Addr, err)
			}
			fc.RequiredReplace = append(fc.RequiredReplace, fsteps)
		}
		if c.Importing != nil {
			fc.Importing = &fileImporting{ID: c.Importing.ID}
		}
		for _, d := range c.Dependencies {
			fc.Dependencies = append(fc.Dependencies, fileResource{
				Module: string(d.Module), Mode: uint8(d.Resource.Mode), Type: d.Resource.Type, Name: d.Resource.Name,
			})
		}
		out = append(out, fc)
	}
	return out, nil
}

// valueType is the type to encode a value that has no schema type with: its
// own type, or none for cty.NilVal.
func valueType(v cty.Value) cty.Type {
	if v == cty.NilVal {
		return cty.NilType
	}
	return v.Type()
}

// value encodes v with ty, falling back to the dynamic encoding (which
// carries the value's own type) when ty is unset or v does not conform to it,
// so that a value is never refused for a type mismatch the planner let pass.
func (e *fileEncoder) value(v cty.Value, ty cty.Type) (fileValue, error) {
	if v == cty.NilVal {
		return fileValue{Nil: true}, nil
	}
	unmarked, pvms := v.UnmarkDeepWithPaths()
	var fv fileValue
	for _, pvm := range pvms {
		if _, ok := pvm.Marks[marks.Sensitive]; !ok {
			continue
		}
		steps, err := encodePath(pvm.Path)
		if err != nil {
			return fileValue{}, fmt.Errorf("sensitive path: %w", err)
		}
		fv.Sensitive = append(fv.Sensitive, steps)
	}
	// Marshal drops object attributes the type does not have, so check
	// conformance first rather than trust it to fail.
	if ty != cty.NilType && unmarked.Type().TestConformance(ty) == nil {
		if data, err := ctymsgpack.Marshal(unmarked, ty); err == nil {
			ref, err := e.typeRef(ty)
			if err != nil {
				return fileValue{}, err
			}
			fv.Type, fv.Data = ref, data
			return fv, nil
		}
	}
	data, err := ctymsgpack.Marshal(unmarked, cty.DynamicPseudoType)
	if err != nil {
		return fileValue{}, err
	}
	fv.Data = data
	return fv, nil
}

func encodePath(p cty.Path) ([]fileStep, error) {
	steps := make([]fileStep, 0, len(p))
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			steps = append(steps, fileStep{Kind: 1, Name: s.Name})
		case cty.IndexStep:
			key, _ := s.Key.UnmarkDeep()
			b, err := ctymsgpack.Marshal(key, cty.DynamicPseudoType)
			if err != nil {
				return nil, fmt.Errorf("index key: %w", err)
			}
			steps = append(steps, fileStep{Kind: 2, Key: b})
		default:
			return nil, fmt.Errorf("unsupported path step %T", s)
		}
	}
	return steps, nil
}

func encodeInstance(a config.InstanceAddr) fileInstance {
	fi := fileInstance{Module: string(a.Module), Mode: uint8(a.Resource.Mode), Type: a.Resource.Type, Name: a.Resource.Name}
	switch k := a.Key.(type) {
	case config.IntKey:
		fi.KeyKind, fi.IntKey = 1, int64(k)
	case config.StringKey:
		fi.KeyKind, fi.StrKey = 2, string(k)
	}
	return fi
}

func encodeRanking(r rank.Ranking) fileRanking {
	fr := fileRanking{Component: r.Component, Chosen: r.Chosen, Copies: r.Copies, Outcome: string(r.Outcome), Reason: r.Reason}
	for _, s := range r.Scored {
		fs := fileScored{Site: s.Site, Location: s.Location, Score: s.Score, Rejected: s.Rejected, Reasons: s.Reasons, Notes: s.Notes}
		for _, p := range s.Parts {
			fs.Parts = append(fs.Parts, filePart{
				Criterion: p.Criterion.String(), Raw: p.Raw, Normalized: p.Normalized,
				Weight: p.Weight, Contribution: p.Contribution, Note: p.Note,
			})
		}
		fr.Scored = append(fr.Scored, fs)
	}
	return fr
}

// fileDecoder converts the wire form back, decoding each distinct type once.
type fileDecoder struct {
	types []cty.Type
}

// typeAt returns the type with 1-based index ref; 0 is cty.NilType.
func (d *fileDecoder) typeAt(ref int) (cty.Type, error) {
	if ref == 0 {
		return cty.NilType, nil
	}
	if ref < 0 || ref > len(d.types) {
		return cty.NilType, fmt.Errorf("type reference %d out of range", ref)
	}
	return d.types[ref-1], nil
}

func (d *fileDecoder) plan(fp *filePlan) (*plan.Plan, error) {
	d.types = make([]cty.Type, len(fp.Types))
	for i, raw := range fp.Types {
		ty, err := ctyjson.UnmarshalType(raw)
		if err != nil {
			return nil, fmt.Errorf("type %d: %w", i+1, err)
		}
		d.types[i] = ty
	}
	if fp.Mode > uint8(plan.RefreshOnlyMode) {
		return nil, fmt.Errorf("unknown plan mode %d", fp.Mode)
	}
	p := &plan.Plan{
		Mode:         plan.Mode(fp.Mode),
		PriorLineage: fp.PriorLineage,
		PriorSerial:  fp.PriorSerial,
		ConfigDigest: fp.ConfigDigest,
		Targets:      fp.Targets,
		Replace:      fp.Replace,
		Applyable:    fp.Applyable,
		Errored:      fp.Errored,
	}
	switch len(fp.Timestamp) {
	case 0:
	case 2:
		p.Timestamp = time.Unix(fp.Timestamp[0], fp.Timestamp[1]).UTC()
	default:
		return nil, errors.New("malformed timestamp")
	}
	var err error
	if p.Changes, err = d.changes(fp.Changes); err != nil {
		return nil, err
	}
	if p.Drift, err = d.changes(fp.Drift); err != nil {
		return nil, err
	}
	for _, fo := range fp.Outputs {
		if fo.Action > uint8(plan.Forget) {
			return nil, fmt.Errorf("output %s: unknown action %d", fo.Name, fo.Action)
		}
		o := &plan.OutputChange{Name: fo.Name, Action: plan.Action(fo.Action), Sensitive: fo.Sensitive}
		if o.Before, err = d.value(fo.Before); err != nil {
			return nil, fmt.Errorf("output %s: before: %w", fo.Name, err)
		}
		if o.After, err = d.value(fo.After); err != nil {
			return nil, fmt.Errorf("output %s: after: %w", fo.Name, err)
		}
		p.Outputs = append(p.Outputs, o)
	}
	if len(fp.Variables) > 0 {
		p.Variables = make(map[string]cty.Value, len(fp.Variables))
		for _, fv := range fp.Variables {
			v, err := d.value(fv.Value)
			if err != nil {
				return nil, fmt.Errorf("variable %s: %w", fv.Name, err)
			}
			p.Variables[fv.Name] = v
		}
	}
	for _, fpl := range fp.Placements {
		kind := config.ObjectKind(fpl.Kind)
		if kind.Keyword() == "unknown" {
			return nil, fmt.Errorf("placement %s: unknown object kind %d", fpl.Name, fpl.Kind)
		}
		r, err := decodeRanking(fpl.Ranking)
		if err != nil {
			return nil, fmt.Errorf("placement %s: %w", fpl.Name, err)
		}
		p.Placements = append(p.Placements, &plan.Placement{
			Addr:  config.ObjectAddr{Module: config.ModuleInstance(fpl.Module), Kind: kind, Name: fpl.Name},
			Sites: fpl.Sites, Previous: fpl.Previous, Ranking: r, Fallback: fpl.Fallback,
		})
	}
	for _, n := range fp.Notes {
		p.Notes = append(p.Notes, plan.Note(n))
	}
	return p, nil
}

func (d *fileDecoder) changes(fcs []fileChange) ([]*plan.ResourceChange, error) {
	if len(fcs) == 0 {
		return nil, nil
	}
	out := make([]*plan.ResourceChange, 0, len(fcs))
	for i := range fcs {
		fc := &fcs[i]
		addr, err := decodeInstance(fc.Addr)
		if err != nil {
			return nil, err
		}
		prev, err := decodeInstance(fc.PrevAddr)
		if err != nil {
			return nil, fmt.Errorf("%s: previous address: %w", addr, err)
		}
		if fc.Action > uint8(plan.Forget) {
			return nil, fmt.Errorf("%s: unknown action %d", addr, fc.Action)
		}
		c := &plan.ResourceChange{
			Addr: addr, PrevAddr: prev, DeposedKey: fc.DeposedKey,
			Provider: config.ProviderConfigAddr{
				Module:   config.ModulePath(fc.Provider.Module),
				Provider: config.Provider{Hostname: fc.Provider.Hostname, Namespace: fc.Provider.Namespace, Type: fc.Provider.Type},
				Alias:    fc.Provider.Alias,
			},
			Action: plan.Action(fc.Action), Reason: plan.Reason(fc.Reason), SchemaVersion: fc.SchemaVersion,
			Private: fc.Private, Site: fc.Site, CreateBeforeDestroy: fc.CreateBeforeDestroy,
		}
		if c.Type, err = d.typeAt(fc.Type); err != nil {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		if c.Before, err = d.value(fc.Before); err != nil {
			return nil, fmt.Errorf("%s: before: %w", addr, err)
		}
		if c.After, err = d.value(fc.After); err != nil {
			return nil, fmt.Errorf("%s: after: %w", addr, err)
		}
		for _, fsteps := range fc.RequiredReplace {
			path, err := decodePath(fsteps)
			if err != nil {
				return nil, fmt.Errorf("%s: required replace path: %w", addr, err)
			}
			c.RequiredReplace = append(c.RequiredReplace, path)
		}
		if fc.Importing != nil {
			c.Importing = &plan.Importing{ID: fc.Importing.ID}
		}
		for _, fr := range fc.Dependencies {
			mode := config.ResourceMode(fr.Mode)
			if mode != config.ManagedMode && mode != config.DataMode {
				return nil, fmt.Errorf("%s: dependency %s.%s: unknown resource mode %d", addr, fr.Type, fr.Name, fr.Mode)
			}
			c.Dependencies = append(c.Dependencies, config.AbsResource{
				Module:   config.ModuleInstance(fr.Module),
				Resource: config.ResourceAddr{Mode: mode, Type: fr.Type, Name: fr.Name},
			})
		}
		out = append(out, c)
	}
	return out, nil
}

// value decodes a value encoded by fileEncoder.value. The type comes from
// the table reference the value carries, never from the caller.
func (d *fileDecoder) value(fv fileValue) (cty.Value, error) {
	if fv.Nil {
		return cty.NilVal, nil
	}
	if err := checkMsgpack(fv.Data); err != nil {
		return cty.NilVal, err
	}
	ty := cty.DynamicPseudoType
	if fv.Type != 0 {
		t, err := d.typeAt(fv.Type)
		if err != nil {
			return cty.NilVal, err
		}
		ty = t
	}
	v, err := ctymsgpack.Unmarshal(fv.Data, ty)
	if err != nil {
		return cty.NilVal, err
	}
	if len(fv.Sensitive) == 0 {
		return v, nil
	}
	for _, fsteps := range fv.Sensitive {
		path, err := decodePath(fsteps)
		if err != nil {
			return cty.NilVal, fmt.Errorf("sensitive path: %w", err)
		}
		if !pathExists(v, path) {
			return cty.NilVal, fmt.Errorf("sensitive path %s does not exist in the value", plan.FormatPath(path))
		}
		v = markAt(v, path)
	}
	return v, nil
}

// markAt marks the value at path inside v as sensitive, rebuilding only the
// containers along the path (cty's MarkWithPaths walks the whole value for
// every call, which dominated reading a large plan). A path into a set, or
// below an unknown or null value, marks that value as a whole, as cty does.
func markAt(v cty.Value, path cty.Path) cty.Value {
	if len(path) == 0 {
		return v.Mark(marks.Sensitive)
	}
	u, m := v.Unmark()
	if !u.IsKnown() || u.IsNull() {
		return v.Mark(marks.Sensitive)
	}
	ty := u.Type()
	switch step := path[0].(type) {
	case cty.GetAttrStep:
		if !ty.IsObjectType() || !ty.HasAttribute(step.Name) {
			return v
		}
		attrs := u.AsValueMap()
		attrs[step.Name] = markAt(attrs[step.Name], path[1:])
		return cty.ObjectVal(attrs).WithMarks(m)
	case cty.IndexStep:
		switch {
		case ty.IsListType() || ty.IsTupleType():
			i, ok := stepIndex(step)
			if !ok || i < 0 || i >= u.LengthInt() {
				return v
			}
			elems := u.AsValueSlice()
			elems[i] = markAt(elems[i], path[1:])
			if ty.IsListType() {
				return cty.ListVal(elems).WithMarks(m)
			}
			return cty.TupleVal(elems).WithMarks(m)
		case ty.IsMapType():
			k, ok := stepString(step)
			if !ok || !u.HasIndex(cty.StringVal(k)).True() {
				return v
			}
			elems := u.AsValueMap()
			elems[k] = markAt(elems[k], path[1:])
			return cty.MapVal(elems).WithMarks(m)
		case ty.IsSetType():
			return v.Mark(marks.Sensitive)
		}
	}
	return v
}

// pathExists reports whether path leads to a value inside v, so that marks
// are never applied to a path that is not there (which cty would ignore,
// silently losing the sensitivity).
func pathExists(v cty.Value, path cty.Path) bool {
	_, err := path.Apply(v)
	if err == nil {
		return true
	}
	// Path.Apply cannot step into sets; a mark on a set element is hoisted
	// to the set by cty, so a path ending inside a set is still honoured by
	// marking the set. Accept a path whose known prefix exists and ends in
	// a set or an unknown value.
	for i := len(path); i > 0; i-- {
		pv, err := path[:i].Apply(v)
		if err != nil {
			continue
		}
		return !pv.IsKnown() || pv.Type().IsSetType()
	}
	return false
}

func decodePath(fsteps []fileStep) (cty.Path, error) {
	path := make(cty.Path, 0, len(fsteps))
	for _, s := range fsteps {
		switch s.Kind {
		case 1:
			path = append(path, cty.GetAttrStep{Name: s.Name})
		case 2:
			if err := checkMsgpack(s.Key); err != nil {
				return nil, fmt.Errorf("index key: %w", err)
			}
			key, err := ctymsgpack.Unmarshal(s.Key, cty.DynamicPseudoType)
			if err != nil {
				return nil, fmt.Errorf("index key: %w", err)
			}
			path = append(path, cty.IndexStep{Key: key})
		default:
			return nil, fmt.Errorf("unknown path step kind %d", s.Kind)
		}
	}
	return path, nil
}

func decodeInstance(fi fileInstance) (config.InstanceAddr, error) {
	if fi == (fileInstance{}) {
		return config.InstanceAddr{}, nil // an unset address (PrevAddr of a hand-built change)
	}
	mode := config.ResourceMode(fi.Mode)
	if mode != config.ManagedMode && mode != config.DataMode {
		return config.InstanceAddr{}, fmt.Errorf("resource %s.%s: unknown resource mode %d", fi.Type, fi.Name, fi.Mode)
	}
	a := config.InstanceAddr{
		Module:   config.ModuleInstance(fi.Module),
		Resource: config.ResourceAddr{Mode: mode, Type: fi.Type, Name: fi.Name},
	}
	switch fi.KeyKind {
	case 0:
	case 1:
		a.Key = config.IntKey(fi.IntKey)
	case 2:
		a.Key = config.StringKey(fi.StrKey)
	default:
		return config.InstanceAddr{}, fmt.Errorf("resource %s: unknown instance key kind %d", a, fi.KeyKind)
	}
	return a, nil
}

func decodeRanking(fr fileRanking) (rank.Ranking, error) {
	r := rank.Ranking{Component: fr.Component, Chosen: fr.Chosen, Copies: fr.Copies, Outcome: rank.Outcome(fr.Outcome), Reason: fr.Reason}
	for _, fs := range fr.Scored {
		s := rank.Scored{Site: fs.Site, Location: fs.Location, Score: fs.Score, Rejected: fs.Rejected, Reasons: fs.Reasons, Notes: fs.Notes}
		for _, fpt := range fs.Parts {
			c, ok := rank.ParseCriterion(fpt.Criterion)
			if !ok {
				return rank.Ranking{}, fmt.Errorf("site %s: unknown ranking criterion %q", fs.Site, fpt.Criterion)
			}
			s.Parts = append(s.Parts, rank.Part{
				Criterion: c, Raw: fpt.Raw, Normalized: fpt.Normalized,
				Weight: fpt.Weight, Contribution: fpt.Contribution, Note: fpt.Note,
			})
		}
		r.Scored = append(r.Scored, s)
	}
	return r, nil
}

// maxMsgpackDepth bounds how deeply msgpack containers may nest; cty's
// decoder recurses once per level.
const maxMsgpackDepth = 512

// checkMsgpack walks b as exactly one msgpack item and checks that every
// length it declares fits in the bytes that are left. The msgpack decoders
// (vmihailenco/msgpack and cty's) allocate what a length announces before
// reading the elements, so without this check a few forged bytes could ask
// for gigabytes. After it, every declared element is backed by at least one
// byte of input.
func checkMsgpack(b []byte) error {
	pos := 0
	need := func(n uint64) ([]byte, error) {
		if n > uint64(len(b)-pos) {
			return nil, fmt.Errorf("msgpack: %d bytes announced at offset %d, %d left", n, pos, len(b)-pos)
		}
		s := b[pos : pos+int(n)]
		pos += int(n)
		return s, nil
	}
	readUint := func(size int) (uint64, error) {
		s, err := need(uint64(size))
		if err != nil {
			return 0, err
		}
		var v uint64
		for _, c := range s {
			v = v<<8 | uint64(c)
		}
		return v, nil
	}
	// stack holds, for each open container, how many items it still owes.
	stack := []uint64{1}
	for len(stack) > 0 {
		if stack[len(stack)-1] == 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		stack[len(stack)-1]--
		if pos >= len(b) {
			return fmt.Errorf("msgpack: truncated at offset %d", pos)
		}
		c := b[pos]
		pos++
		var (
			items uint64 // elements of a container (map entries count twice)
			skip  uint64 // bytes of a scalar's body
			err   error
			n     uint64
		)
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		case c >= 0x80 && c <= 0x8f:
			items = uint64(c&0x0f) * 2
		case c >= 0x90 && c <= 0x9f:
			items = uint64(c & 0x0f)
		case c >= 0xa0 && c <= 0xbf:
			skip = uint64(c & 0x1f)
		case c == 0xc4 || c == 0xd9:
			skip, err = readUint(1)
		case c == 0xc5 || c == 0xda:
			skip, err = readUint(2)
		case c == 0xc6 || c == 0xdb:
			skip, err = readUint(4)
		case c == 0xc7:
			n, err = readUint(1)
			skip = n + 1
		case c == 0xc8:
			n, err = readUint(2)
			skip = n + 1
		case c == 0xc9:
			n, err = readUint(4)
			skip = n + 1
		case c == 0xca || c == 0xce || c == 0xd2:
			skip = 4
		case c == 0xcb || c == 0xcf || c == 0xd3:
			skip = 8
		case c == 0xcc || c == 0xd0:
			skip = 1
		case c == 0xcd || c == 0xd1:
			skip = 2
		case c >= 0xd4 && c <= 0xd8:
			skip = 1 + 1<<(c-0xd4)
		case c == 0xdc:
			items, err = readUint(2)
		case c == 0xdd:
			items, err = readUint(4)
		case c == 0xde:
			n, err = readUint(2)
			items = n * 2
		case c == 0xdf:
			n, err = readUint(4)
			items = n * 2
		default:
			return fmt.Errorf("msgpack: invalid byte %#x at offset %d", c, pos-1)
		}
		if err != nil {
			return err
		}
		if _, err := need(skip); err != nil {
			return err
		}
		if items > 0 {
			if items > uint64(len(b)-pos) {
				return fmt.Errorf("msgpack: %d elements announced at offset %d, %d bytes left", items, pos, len(b)-pos)
			}
			if len(stack) >= maxMsgpackDepth {
				return fmt.Errorf("msgpack: nested more than %d deep", maxMsgpackDepth)
			}
			stack = append(stack, items)
		}
	}
	if pos != len(b) {
		return fmt.Errorf("msgpack: %d unexpected bytes after the value", len(b)-pos)
	}
	return nil
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
