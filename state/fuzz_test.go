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
		// Reading above an epoch holds the records below it back: what
		// it decodes are the same records, and so are the held ones
		// once decoded.
		const floor = 2
		above, aerr := state.ParseJournalAbove("fuzz", data, nil, floor)
		if err != nil {
			return
		}
		if aerr != nil {
			t.Fatalf("the journal parses whole but not above epoch %d: %v", floor, aerr)
		}
		var want, got []state.Record
		for _, r := range jc.Records {
			if r.Epoch >= floor {
				want = append(want, r)
			}
		}
		got = append(got, above.Records...)
		if len(want) != len(got) || above.Held()+len(above.Records) != len(jc.Records) {
			t.Fatalf("above epoch %d: %d decoded and %d held, of %d records (%d at or above)", floor, len(got), above.Held(), len(jc.Records), len(want))
		}
		for e := uint64(0); e < floor; e++ {
			held, herr := above.DecodeHeld(e)
			if herr != nil {
				t.Fatalf("held records of epoch %d do not decode: %v", e, herr)
			}
			n := 0
			for _, r := range jc.Records {
				if r.Epoch == e {
					if n >= len(held) || held[n].Epoch != e || held[n].Addr != r.Addr || held[n].Kind != r.Kind {
						t.Fatalf("held record %d of epoch %d differs from the whole parse's", n, e)
					}
					n++
				}
			}
			if n != len(held) {
				t.Fatalf("epoch %d: %d held records decoded, the whole parse has %d", e, len(held), n)
			}
		}
	})
}
