package state_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/statetest"
)

func journalRecords(epoch uint64, n int) []state.Record {
	var recs []state.Record
	for i := 0; i < n; i++ {
		addr := statetest.Instance("r", config.IntKey(i))
		id := fmt.Sprintf("intent-%d", i)
		recs = append(recs,
			state.Record{Epoch: epoch, Kind: state.RecordIntent, Intent: &state.Intent{ID: id, Op: state.OpCreate, Addr: addr,
				Provider: statetest.Provider, Planned: statetest.Object("", i), Started: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)}},
			state.Record{Epoch: epoch, Kind: state.RecordResult, IntentID: id, Addr: addr, Provider: statetest.Provider, Object: statetest.Object(fmt.Sprint("obj-", i), i)},
		)
	}
	return recs
}

func journalBytes(t *testing.T, h state.JournalHeader, recs []state.Record) ([]byte, []int) {
	t.Helper()
	buf := state.MarshalJournalHeader(h)
	var starts []int
	for _, r := range recs {
		starts = append(starts, len(buf))
		var err error
		if buf, err = state.AppendJournalLine(buf, r); err != nil {
			t.Fatal(err)
		}
	}
	return buf, starts
}

// TestJournalTornAtEveryOffset cuts the last record at every byte: the
// records before it are always read, the cut one never.
func TestJournalTornAtEveryOffset(t *testing.T) {
	h := state.JournalHeader{Lineage: "l", BaseSerial: 3}
	recs := journalRecords(3, 3)
	data, starts := journalBytes(t, h, recs)
	last := starts[len(starts)-1]
	for cut := last; cut < len(data); cut++ {
		jc, err := state.ParseJournal("j", data[:cut])
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if len(jc.Records) != len(recs)-1 {
			t.Fatalf("cut at %d: %d records, want %d", cut, len(jc.Records), len(recs)-1)
		}
		if jc.Torn != (cut > last) || len(jc.Skipped) != 0 {
			t.Fatalf("cut at %d: torn %v skipped %v", cut, jc.Torn, jc.Skipped)
		}
	}
	jc, err := state.ParseJournal("j", data)
	if err != nil || len(jc.Records) != len(recs) || jc.Torn {
		t.Fatalf("whole journal: %v records, torn %v, %v", len(jc.Records), jc.Torn, err)
	}
	// A complete last line whose bytes were not all written (zeros) is
	// torn too.
	garbled := append([]byte(nil), data...)
	for i := last + 5; i < last+25; i++ {
		garbled[i] = 0
	}
	if jc, err := state.ParseJournal("j", garbled); err != nil || !jc.Torn || len(jc.Records) != len(recs)-1 {
		t.Fatalf("zeroed last line: %+v, %v", jc, err)
	}
}

// TestJournalPadding reads a journal whose appends are each followed by
// an empty line, as the local backend writes them to confirm a sync: the
// empty lines are passed over, neither records nor damage.
func TestJournalPadding(t *testing.T) {
	h := state.JournalHeader{Lineage: "l"}
	recs := journalRecords(0, 3)
	data := state.MarshalJournalHeader(h)
	for _, r := range recs {
		var err error
		if data, err = state.AppendJournalLine(data, r); err != nil {
			t.Fatal(err)
		}
		data = append(data, '\n')
	}
	jc, err := state.ParseJournal("j", data)
	if err != nil || len(jc.Records) != len(recs) || jc.Torn || len(jc.Skipped) != 0 {
		t.Fatalf("padded journal: %+v, %v", jc, err)
	}
	// A record torn after a padding line is still torn, and the padding
	// before it still nothing.
	torn := data[:len(data)-20]
	jc, err = state.ParseJournal("j", torn)
	if err != nil || len(jc.Records) != len(recs)-1 || !jc.Torn || len(jc.Skipped) != 0 {
		t.Fatalf("padded journal torn in its last record: %+v, %v", jc, err)
	}
}

func TestJournalDamage(t *testing.T) {
	h := state.JournalHeader{Lineage: "l"}
	recs := journalRecords(0, 2)
	data, starts := journalBytes(t, h, recs)

	if got, want := state.MarshalJournalHeader(h), appendFramed(nil, `{"indigo_journal":1,"lineage":"l","base_serial":0}`); !bytes.Equal(got, want) {
		t.Fatalf("header line %q does not follow the documented framing %q", got, want)
	}

	middle := append([]byte(nil), data...)
	middle[starts[1]+10] ^= 0x20
	jc, err := state.ParseJournal("j", middle)
	if err != nil {
		t.Fatal(err)
	}
	if len(jc.Records) != len(recs)-1 || len(jc.Skipped) != 1 || jc.Skipped[0] != 3 || jc.Torn {
		t.Fatalf("damaged middle line: %d records, skipped %v, torn %v", len(jc.Records), jc.Skipped, jc.Torn)
	}

	header := append([]byte(nil), data...)
	header[5] ^= 0x20
	var ce *state.CorruptError
	if _, err := state.ParseJournal("dir/j", header); !errors.As(err, &ce) || !strings.Contains(err.Error(), "dir/j") {
		t.Fatalf("damaged header: %v", err)
	}
	if _, err := state.ParseJournal("j", nil); !errors.As(err, &ce) {
		t.Fatalf("empty journal: %v", err)
	}

	// A line with a good checksum that this indigo cannot read is an error,
	// never silently dropped.
	bad := append([]byte(nil), data[:starts[0]]...)
	bad = appendFramed(bad, `{"epoch":0,"kind":"teleport"}`)
	if _, err := state.ParseJournal("j", bad); err == nil || !strings.Contains(err.Error(), "teleport") {
		t.Fatalf("unknown record kind: %v", err)
	}
}

// appendFramed frames payload the way the format documents: payload, tab,
// CRC-32C (Castagnoli) in eight hex digits, newline.
func appendFramed(buf []byte, payload string) []byte {
	sum := crc32.Checksum([]byte(payload), crc32.MakeTable(crc32.Castagnoli))
	return fmt.Appendf(buf, "%s\t%08x\n", payload, sum)
}

func TestRecordJSONRoundTrip(t *testing.T) {
	withIdentity := statetest.Object("f", 0)
	withIdentity.IdentityJSON, withIdentity.IdentitySchemaVersion = []byte(`{"path":"/tmp/f"}`), 1
	recs := journalRecords(5, 1)
	recs = append(recs,
		state.Record{Epoch: 5, Kind: state.RecordSet, Addr: statetest.Instance("d", nil), Deposed: "abcd0123", Provider: statetest.Provider},
		state.Record{Epoch: 5, Kind: state.RecordSet, Addr: statetest.Instance("d", nil), Whole: true},
		state.Record{Epoch: 5, Kind: state.RecordDepose, Addr: statetest.Instance("d", nil), Deposed: "abcd0123"},
		state.Record{Epoch: 5, Kind: state.RecordMove, Addr: statetest.Instance("d", config.IntKey(1)), To: statetest.Instance("e", config.StringKey("k"))},
		state.Record{Epoch: 5, Kind: state.RecordOutput, Name: "gone"},
		state.Record{Epoch: 5, Kind: state.RecordPlacement, Target: galaxy},
		state.Record{Epoch: 5, Kind: state.RecordResult, IntentID: "with-identity", Addr: statetest.Instance("f", nil), Provider: statetest.Provider, Object: withIdentity},
	)
	for _, r := range recs {
		b, err := state.MarshalRecordJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := state.UnmarshalRecordJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		b2, _ := state.MarshalRecordJSON(back)
		if !bytes.Equal(b, b2) {
			t.Fatalf("record does not round-trip:\n%s\n%s", b, b2)
		}
		if r.Object != nil && !back.Object.Equal(r.Object) {
			t.Errorf("%s: object read back differs", b)
		}
	}
}

// TestReplayRules checks which records apply to which snapshot.
func TestReplayRules(t *testing.T) {
	set := func(epoch uint64, name string) state.Record {
		return state.Record{Epoch: epoch, Kind: state.RecordSet, Addr: statetest.Instance(name, nil), Provider: statetest.Provider, Object: statetest.Object(name, 0)}
	}
	cases := []struct {
		name    string
		serial  uint64
		lineage string
		base    uint64
		recs    []state.Record
		applied []string
		err     string
	}{
		{"all current", 4, "L", 4, []state.Record{set(4, "a"), set(4, "b")}, []string{"a", "b"}, ""},
		{"older epochs skipped", 4, "L", 3, []state.Record{set(3, "old"), set(4, "new")}, []string{"new"}, ""},
		{"stale journal", 5, "L", 3, []state.Record{set(3, "a"), set(4, "b")}, nil, ""},
		{"backup brought up to date", 3, "L", 3, []state.Record{set(3, "a"), set(4, "b")}, []string{"a", "b"}, ""},
		{"journal ahead of snapshot", 2, "L", 3, []state.Record{set(3, "a")}, nil, "starts after serial 2"},
		{"other lineage", 4, "M", 4, []state.Record{set(4, "a")}, nil, "lineage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := state.New()
			s.Lineage, s.Serial = c.lineage, c.serial
			n, problems, err := s.Replay(&state.JournalContents{Header: state.JournalHeader{Lineage: "L", BaseSerial: c.base}, Records: c.recs})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || len(problems) != 0 {
				t.Fatalf("Replay: %v %v", err, problems)
			}
			if n != len(c.applied) || len(s.AllInstances()) != len(c.applied) {
				t.Fatalf("applied %d records, state has %v; want %v", n, s.AllInstances(), c.applied)
			}
			for _, name := range c.applied {
				if s.ResourceInstance(statetest.Instance(name, nil)) == nil {
					t.Errorf("%s not applied", name)
				}
			}
		})
	}
}

func TestReplayMoveProblem(t *testing.T) {
	s := state.New()
	recs := []state.Record{
		{Kind: state.RecordMove, Addr: statetest.Instance("missing", nil), To: statetest.Instance("x", nil)},
		{Kind: state.RecordOutput, Name: "o", Output: &state.Output{Value: json.RawMessage(`1`), Type: json.RawMessage(`"number"`)}},
	}
	n, problems, err := s.Replay(&state.JournalContents{Header: state.JournalHeader{Lineage: s.Lineage}, Records: recs})
	if err != nil || n != 2 || len(problems) != 1 || s.Outputs["o"] == nil {
		t.Fatalf("Replay = %d, %v, %v; outputs %v", n, problems, err, s.Outputs)
	}
}
