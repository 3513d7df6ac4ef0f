package state_test

import (
	"os"
	"testing"

	"github.com/indigo-cloud/indigo/state"
)

// The parsers read files from disk and from users (`state push`): they must
// return an error, never panic, whatever the input.

func FuzzDecode(f *testing.F) {
	good, _ := state.Encode(richState())
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := state.Decode("fuzz", data)
		if err == nil {
			if _, err := state.Encode(s); err != nil {
				t.Fatalf("a decoded state does not encode: %v", err)
			}
		}
	})
}

func FuzzImport(f *testing.F) {
	for _, p := range []string{"testdata/terraform/handwritten.tfstate", "testdata/terraform/terraform-1.11.4.tfstate"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"format_version":1,"lineage":"x","resources":[{"mode":"managed","type":"a","name":"b","provider":"provider.a","instances":[{"index_key":"k","attributes":{}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := state.Import("fuzz", data)
		if err == nil {
			if _, err := state.Encode(s); err != nil {
				t.Fatalf("an imported state does not encode: %v", err)
			}
		}
	})
}

func FuzzParseJournal(f *testing.F) {
	h := state.JournalHeader{Lineage: "l", BaseSerial: 1}
	buf := state.MarshalJournalHeader(h)
	for _, r := range journalRecords(1, 2) {
		buf, _ = state.AppendJournalLine(buf, r)
	}
	f.Add(buf)
	f.Fuzz(func(t *testing.T, data []byte) {
		jc, err := state.ParseJournal("fuzz", data)
		if err == nil {
			s := state.New()
			s.Lineage, s.Serial = jc.Header.Lineage, jc.Header.BaseSerial
			_, _, _ = s.Replay(jc)
		}
	})
}
