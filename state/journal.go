package state

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/indigo-cloud/indigo/state/encrypt"

	"github.com/indigo-cloud/indigo/lang/config"
)

// Op is the kind of provider operation an intent announces.
type Op string

const (
	// OpCreate creates a new object.
	OpCreate Op = "create"
	// OpUpdate updates an existing object in place.
	OpUpdate Op = "update"
	// OpDelete destroys an object.
	OpDelete Op = "delete"
)

// Intent announces a provider operation before it starts. Journaled and
// synced before the provider is called, it is what lets the next run find an
// object that was created while indigo crashed.
type Intent struct {
	// ID identifies the intent; its Result names it. NewIntentID makes one.
	ID string
	Op Op
	// Addr is the resource instance operated on.
	Addr config.InstanceAddr
	// Deposed is the deposed key of the object operated on, or "" for the
	// current object.
	Deposed string
	// Provider is the provider configuration that performs the operation.
	Provider config.ProviderConfigAddr
	// Planned is the planned new object for a create or an update (unknown
	// values encoded as null), nil for a delete. After a crash it carries
	// what the planner needs to find the object again (an import id, a
	// deterministic name).
	Planned *Object
	// Started is when the intent was recorded.
	Started time.Time
}

// NewIntentID returns a random intent ID.
func NewIntentID() string { return randomHex(8) }

// DeepCopy returns a copy of in that shares nothing mutable with it.
func (in Intent) DeepCopy() Intent {
	in.Planned = in.Planned.DeepCopy()
	return in
}

// Equal reports whether in and o are the same intent.
func (in Intent) Equal(o Intent) bool {
	return in.ID == o.ID && in.Op == o.Op && in.Addr == o.Addr && in.Deposed == o.Deposed &&
		in.Provider == o.Provider && in.Started.Equal(o.Started) && in.Planned.Equal(o.Planned)
}

// Result records the outcome of the operation an intent announced.
type Result struct {
	// IntentID names the intent this is the outcome of.
	IntentID string
	// Object is the object as the provider returned it after the operation,
	// or nil when no object exists any more (deleted, or a create that
	// created nothing). A failed operation records whatever the provider
	// returned: the prior object, or a partial one marked Tainted.
	Object *Object
}

// RecordKind says what a journal record does.
type RecordKind string

const (
	// RecordIntent starts a provider operation (Record.Intent).
	RecordIntent RecordKind = "intent"
	// RecordResult ends one: Addr/Deposed/Provider now hold Object (nil
	// removes it) and the intent IntentID is no longer pending.
	RecordResult RecordKind = "result"
	// RecordSet stores Object at Addr/Deposed without a provider operation
	// (refresh, import, a data source read); nil removes it, and nil with
	// Whole removes the instance with all its objects (`state rm`).
	RecordSet RecordKind = "set"
	// RecordDepose moves the current object of Addr to the deposed key Deposed.
	RecordDepose RecordKind = "depose"
	// RecordMove moves the instance Addr to To, or the whole resource when
	// Whole is set.
	RecordMove RecordKind = "move"
	// RecordOutput sets (or with a nil Output removes) the root output Name.
	RecordOutput RecordKind = "output"
	// RecordPlacement sets (or with a nil Placement removes) the placement
	// of Object.
	RecordPlacement RecordKind = "placement"
)

// Record is one entry of the intent journal: one change to the state,
// applied in order on top of a snapshot.
type Record struct {
	// Epoch is the serial of the snapshot in force when the record was
	// appended. Replaying onto a snapshot of serial S applies the records
	// whose epoch is S or more; older ones are already in it.
	Epoch uint64
	Kind  RecordKind

	Intent   *Intent                   // RecordIntent
	IntentID string                    // RecordResult
	Addr     config.InstanceAddr       // result, set, depose, move (from)
	Deposed  string                    // result, set, depose
	Provider config.ProviderConfigAddr // result, set
	Object   *Object                   // result, set, move to another type
	To       config.InstanceAddr       // move
	Whole    bool                      // move: the whole resource; set: the whole instance
	Name     string                    // output
	Output   *Output                   // output
	Target   config.ObjectAddr         // placement
	Place    *Placement                // placement
}

// JournalHeader identifies the snapshot a journal applies to.
type JournalHeader struct {
	// Lineage must match the snapshot's.
	Lineage string
	// BaseSerial is the oldest snapshot serial the journal can bring up to
	// date: it holds every record with an epoch of BaseSerial or more.
	BaseSerial uint64
}

// JournalContents is what a journal holds.
type JournalContents struct {
	Header  JournalHeader
	Records []Record
	// Torn is set when the last line was incomplete (a write interrupted by
	// a crash) and was ignored.
	Torn bool
	// Skipped lists the line numbers (1-based) of damaged records that were
	// not at the end and were skipped.
	Skipped []int

	// held are the records below the epoch a reader gave (ParseJournalAbove),
	// kept as written (opened, when sealed) and decoded only if asked
	// for (DecodeHeld): a snapshot of that serial already holds them, so
	// they matter only for recovering its backup and for carrying into
	// the next journal. Not in Records.
	held     []heldRecord
	heldFrom string // the journal's name, for errors
}

type heldRecord struct {
	epoch   uint64
	line    int // 1-based, for errors
	payload []byte
}

// Held is how many records were held back (ParseJournalAbove).
func (j *JournalContents) Held() int {
	if j == nil {
		return 0
	}
	return len(j.held)
}

// DecodeHeld decodes the held records of the given epoch, in order.
func (j *JournalContents) DecodeHeld(epoch uint64) ([]Record, error) {
	if j == nil {
		return nil, nil
	}
	cache := newAddrCache()
	var out []Record
	for _, h := range j.held {
		if h.epoch != epoch {
			continue
		}
		r, err := cache.unmarshalRecord(h.payload)
		if err != nil {
			return nil, fmt.Errorf("reading journal %s: line %d: %w", j.heldFrom, h.line, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// recordEpoch reads the epoch of a plain record from its first field, as
// MarshalRecord writes it; ok is false for anything else.
func recordEpoch(b []byte) (uint64, bool) {
	const prefix = `{"epoch":`
	rest, ok := bytes.CutPrefix(b, []byte(prefix))
	if !ok {
		return 0, false
	}
	var n uint64
	i := 0
	for ; i < len(rest) && i < 20 && rest[i] >= '0' && rest[i] <= '9'; i++ {
		n = n*10 + uint64(rest[i]-'0')
	}
	if i == 0 || i >= 20 || i >= len(rest) || rest[i] != ',' {
		return 0, false
	}
	return n, true
}

// covers reports whether the journal can bring a snapshot of the given
// lineage and serial up to date.
func (j *JournalContents) covers(lineage string, serial uint64) bool {
	return j != nil && j.Header.Lineage == lineage && j.Header.BaseSerial <= serial
}

type wireHeader struct {
	Journal    int    `json:"indigo_journal"`
	Lineage    string `json:"lineage"`
	BaseSerial uint64 `json:"base_serial"`
}

type wireRecord struct {
	Epoch     uint64         `json:"epoch"`
	Kind      RecordKind     `json:"kind"`
	Intent    *wireIntent    `json:"intent,omitempty"`
	IntentID  string         `json:"intent_id,omitempty"`
	Address   string         `json:"address,omitempty"`
	Deposed   string         `json:"deposed,omitempty"`
	Provider  string         `json:"provider,omitempty"`
	Object    *wireObject    `json:"object,omitempty"`
	To        string         `json:"to,omitempty"`
	Whole     bool           `json:"whole,omitempty"`
	Name      string         `json:"name,omitempty"`
	Output    *wireOutput    `json:"output,omitempty"`
	Placement *wirePlacement `json:"placement,omitempty"`
}

// journalVersion is the journal format version written in each header.
const journalVersion = 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalJournalHeader returns the first line of a journal file.
func MarshalJournalHeader(h JournalHeader) []byte {
	b, _ := json.Marshal(wireHeader{Journal: journalVersion, Lineage: h.Lineage, BaseSerial: h.BaseSerial})
	return frame(nil, b)
}

// MarshalRecordJSON returns the JSON of one record, without framing: what a
// backend that stores records as rows keeps.
func MarshalRecordJSON(r Record) ([]byte, error) {
	w := wireRecord{Epoch: r.Epoch, Kind: r.Kind}
	var err error
	switch r.Kind {
	case RecordIntent:
		if r.Intent == nil {
			return nil, fmt.Errorf("intent record without an intent")
		}
		wi, err := encodeIntent(r.Intent)
		if err != nil {
			return nil, err
		}
		w.Intent = &wi
	case RecordResult, RecordSet:
		w.IntentID = r.IntentID
		w.Address = r.Addr.String()
		w.Deposed = r.Deposed
		w.Whole = r.Whole
		if r.Provider != (config.ProviderConfigAddr{}) {
			w.Provider = r.Provider.String()
		}
		if w.Object, err = encodeObject(r.Object); err != nil {
			return nil, fmt.Errorf("%s: %w", r.Addr, err)
		}
	case RecordDepose:
		w.Address = r.Addr.String()
		w.Deposed = r.Deposed
	case RecordMove:
		w.Address = r.Addr.String()
		w.To = r.To.String()
		w.Whole = r.Whole
		if r.Object != nil {
			// A move to another resource type: the object there.
			w.Provider = r.Provider.String()
			if w.Object, err = encodeObject(r.Object); err != nil {
				return nil, fmt.Errorf("%s: %w", r.To, err)
			}
		}
	case RecordOutput:
		w.Name = r.Name
		if r.Output != nil {
			o := encodeOutput(r.Output)
			w.Output = &o
		}
	case RecordPlacement:
		w.Address = r.Target.String()
		if r.Place != nil {
			p := encodePlacement(r.Target, r.Place)
			w.Placement = &p
		}
	default:
		return nil, fmt.Errorf("unknown record kind %q", r.Kind)
	}
	return json.Marshal(w)
}

// AppendJournalLine appends r to buf as one journal line: its JSON, a tab,
// the CRC-32C of the JSON in eight hex digits and a newline.
func AppendJournalLine(buf []byte, r Record) ([]byte, error) {
	b, err := MarshalRecordJSON(r)
	if err != nil {
		return buf, err
	}
	return frame(buf, b), nil
}

func frame(buf, payload []byte) []byte {
	buf = append(buf, payload...)
	buf = append(buf, '\t')
	var sum [4]byte
	c := crc32.Checksum(payload, castagnoli)
	sum[0], sum[1], sum[2], sum[3] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
	buf = hex.AppendEncode(buf, sum[:])
	return append(buf, '\n')
}

// unframe checks one line (without its newline) and returns its payload.
func unframe(line []byte) ([]byte, bool) {
	i := bytes.LastIndexByte(line, '\t')
	if i < 0 || len(line)-i-1 != 8 {
		return nil, false
	}
	var sum [4]byte
	if _, err := hex.Decode(sum[:], line[i+1:]); err != nil {
		return nil, false
	}
	want := uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])
	payload := line[:i]
	return payload, crc32.Checksum(payload, castagnoli) == want
}

// UnmarshalRecordJSON decodes one record from its JSON.
func UnmarshalRecordJSON(b []byte) (Record, error) { return (*addrCache)(nil).unmarshalRecord(b) }

// unmarshalRecord is UnmarshalRecordJSON remembering the addresses it
// parses in c (which may be nil).
func (c *addrCache) unmarshalRecord(b []byte) (Record, error) {
	var w wireRecord
	if err := json.Unmarshal(b, &w); err != nil {
		return Record{}, err
	}
	r := Record{Epoch: w.Epoch, Kind: w.Kind, IntentID: w.IntentID, Deposed: w.Deposed, Whole: w.Whole, Name: w.Name}
	var err error
	instAddr := func(s string) (config.InstanceAddr, error) {
		if s == "" {
			return config.InstanceAddr{}, fmt.Errorf("%s record without an address", w.Kind)
		}
		return c.instance(s)
	}
	switch w.Kind {
	case RecordIntent:
		if w.Intent == nil {
			return Record{}, fmt.Errorf("intent record without an intent")
		}
		if r.Intent, err = c.decodeIntent(*w.Intent); err != nil {
			return Record{}, err
		}
	case RecordResult, RecordSet:
		if w.Kind == RecordResult && w.IntentID == "" {
			return Record{}, fmt.Errorf("result record without an intent_id")
		}
		if r.Addr, err = instAddr(w.Address); err != nil {
			return Record{}, err
		}
		if w.Provider != "" {
			if r.Provider, err = c.provider(w.Provider); err != nil {
				return Record{}, err
			}
		}
		if r.Object, err = c.decodeObject(w.Object); err != nil {
			return Record{}, fmt.Errorf("%s: %w", r.Addr, err)
		}
	case RecordDepose:
		if r.Addr, err = instAddr(w.Address); err != nil {
			return Record{}, err
		}
		if w.Deposed == "" {
			return Record{}, fmt.Errorf("depose record without a deposed key")
		}
	case RecordMove:
		if r.Addr, err = instAddr(w.Address); err != nil {
			return Record{}, err
		}
		if r.To, err = instAddr(w.To); err != nil {
			return Record{}, err
		}
		if w.Object != nil {
			if w.Provider == "" {
				return Record{}, fmt.Errorf("move record with an object but no provider")
			}
			if r.Provider, err = c.provider(w.Provider); err != nil {
				return Record{}, err
			}
			if r.Object, err = c.decodeObject(w.Object); err != nil {
				return Record{}, fmt.Errorf("%s: %w", r.To, err)
			}
		}
	case RecordOutput:
		if w.Name == "" {
			return Record{}, fmt.Errorf("output record without a name")
		}
		if w.Output != nil {
			if r.Output, err = decodeOutput(*w.Output); err != nil {
				return Record{}, fmt.Errorf("output %q: %w", w.Name, err)
			}
		}
	case RecordPlacement:
		if r.Target, err = parseObjectAddr(w.Address); err != nil {
			return Record{}, err
		}
		if w.Placement != nil {
			if _, r.Place, err = decodePlacement(*w.Placement); err != nil {
				return Record{}, err
			}
		}
	default:
		return Record{}, fmt.Errorf("unknown record kind %q", w.Kind)
	}
	return r, nil
}

// ParseJournal reads a journal file. A last line that is incomplete or
// fails its checksum is the trace of a write interrupted by a crash: it is
// ignored and Torn is set. A damaged line followed by good ones is skipped
// and listed in Skipped (each record is a self-contained fact, so the
// others remain true). An empty line is padding a writer appended to
// confirm that a sync reached the disk (see state/local) and is passed over.
// A damaged header yields a *CorruptError.
func ParseJournal(name string, data []byte) (*JournalContents, error) {
	return parseJournal(name, data, nil)
}

// ParseJournalAbove is ParseJournalSealed that decodes only the records of
// epoch floor or more: the others are held (JournalContents.DecodeHeld).
// Their checksums are verified and sealed ones opened all the same.
func ParseJournalAbove(name string, data []byte, t *encrypt.Target, floor uint64) (*JournalContents, error) {
	return parseJournalAbove(name, data, t, floor)
}

func parseJournal(name string, data []byte, t *encrypt.Target) (*JournalContents, error) {
	return parseJournalAbove(name, data, t, 0)
}

func parseJournalAbove(name string, data []byte, t *encrypt.Target, floor uint64) (*JournalContents, error) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, &CorruptError{Name: name, Reason: "it is empty (no header line)"}
	}
	hp, ok := unframe(bytes.TrimSuffix(lines[0], []byte("\n")))
	if !ok || !bytes.HasSuffix(lines[0], []byte("\n")) {
		return nil, &CorruptError{Name: name, Reason: "its header line is damaged"}
	}
	var h wireHeader
	if err := json.Unmarshal(hp, &h); err != nil || h.Lineage == "" {
		return nil, &CorruptError{Name: name, Reason: "its header line is not a journal header", Err: err}
	}
	if h.Journal != journalVersion {
		return nil, fmt.Errorf("reading journal %s: journal version %d is not supported (this indigo reads version %d)", name, h.Journal, journalVersion)
	}
	jc := &JournalContents{Header: JournalHeader{Lineage: h.Lineage, BaseSerial: h.BaseSerial}, heldFrom: name}
	jc.Records = make([]Record, 0, len(lines)-1)
	cache := newAddrCache()
	for i := 1; i < len(lines); i++ {
		last := i == len(lines)-1
		line := lines[i]
		if len(line) == 1 && line[0] == '\n' {
			continue // padding, not a record
		}
		complete := bytes.HasSuffix(line, []byte("\n"))
		payload, ok := unframe(bytes.TrimSuffix(line, []byte("\n")))
		if !complete || !ok {
			if last {
				jc.Torn = true
			} else {
				jc.Skipped = append(jc.Skipped, i+1)
			}
			continue
		}
		var rec Record
		var err error
		if floor > 0 {
			plain := payload
			if t != nil || encrypt.IsSealed(payload) {
				if plain, _, err = t.Open("journal record", payload); err != nil {
					return nil, fmt.Errorf("reading journal %s: line %d: %w", name, i+1, err)
				}
			}
			if epoch, ok := recordEpoch(plain); ok && epoch < floor {
				jc.held = append(jc.held, heldRecord{epoch: epoch, line: i + 1, payload: plain})
				continue
			}
			rec, err = cache.unmarshalRecord(plain)
		} else {
			rec, err = cache.unmarshalRecordSealed(payload, t)
		}
		if err != nil {
			// The checksum matched, so this is what was written: a record
			// this indigo cannot read is an error, not damage.
			return nil, fmt.Errorf("reading journal %s: line %d: %w", name, i+1, err)
		}
		jc.Records = append(jc.Records, rec)
	}
	return jc, nil
}

// apply applies one journal record to s. Records are facts: apply never
// fails half way; a record that cannot apply (a move whose source is gone)
// changes nothing and is reported.
func (s *State) apply(r Record) error {
	s.init()
	switch r.Kind {
	case RecordIntent:
		in := r.Intent.DeepCopy()
		s.Pending[in.ID] = &in
	case RecordResult:
		delete(s.Pending, r.IntentID)
		s.setObject(r.Addr, r.Deposed, r.Provider, r.Object.DeepCopy())
	case RecordSet:
		if r.Whole && r.Object == nil {
			s.RemoveResourceInstance(r.Addr)
			return nil
		}
		s.setObject(r.Addr, r.Deposed, r.Provider, r.Object.DeepCopy())
	case RecordDepose:
		s.Depose(r.Addr, r.Deposed)
	case RecordMove:
		if r.Whole {
			return s.MoveResource(r.Addr.ContainingResource(), r.To.ContainingResource())
		}
		if err := s.Move(r.Addr, r.To); err != nil {
			return err
		}
		if r.Object != nil {
			s.setObject(r.To, "", r.Provider, r.Object.DeepCopy())
		}
		return nil
	case RecordOutput:
		s.SetOutput(r.Name, r.Output.DeepCopy())
	case RecordPlacement:
		s.SetPlacement(r.Target, r.Place.DeepCopy())
	default:
		return fmt.Errorf("unknown record kind %q", r.Kind)
	}
	return nil
}

// Replay applies to s, in order, every record of j that s does not contain
// yet (those whose epoch is s.Serial or more). It fails when j is for
// another lineage or cannot bring s up to date. It returns how many records
// were applied and the problems of records that could not apply.
func (s *State) Replay(j *JournalContents) (applied int, problems []error, err error) {
	if j == nil {
		return 0, nil, nil
	}
	if j.Header.Lineage != s.Lineage {
		return 0, nil, fmt.Errorf("the journal belongs to lineage %s, the state to %s", j.Header.Lineage, s.Lineage)
	}
	if j.Header.BaseSerial > s.Serial {
		return 0, nil, fmt.Errorf("the journal starts after serial %d of the state (it applies to serial %d or later)", s.Serial, j.Header.BaseSerial)
	}
	for _, r := range j.Records {
		if r.Epoch < s.Serial {
			continue
		}
		if err := s.apply(r); err != nil {
			problems = append(problems, err)
		}
		applied++
	}
	return applied, problems, nil
}
