package planfile

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/plan/plantest"
)

func encode(t testing.TB, p *plan.Plan) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, p); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestFileRoundTrip(t *testing.T) {
	want := plantest.Sample()
	data := encode(t, want)
	got, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	comparePlans(t, want, got)

	// The secret is stored (a plan file must hold what apply needs) but the
	// sensitive mark came back with it.
	v := got.Variables["token"]
	if !v.HasMark(marks.Sensitive) {
		t.Errorf("variable token lost its sensitive mark")
	}
	pw, err := cty.GetAttrPath("auth").GetAttr("password").Apply(got.Change(got.Changes[3].Addr).After)
	if err != nil {
		t.Fatal(err)
	}
	if !pw.HasMark(marks.Sensitive) {
		t.Errorf("nested auth.password lost its sensitive mark")
	}
	if got.Changes[2].After.IsKnown() {
		t.Errorf("an unknown after value came back known")
	}

	// Encoding is deterministic: the same plan gives the same bytes.
	if again := encode(t, got); !bytes.Equal(again, data) {
		t.Errorf("re-encoding a decoded plan gives different bytes")
	}
}

func TestFileRoundTripEmpty(t *testing.T) {
	got, err := Read(bytes.NewReader(encode(t, &plan.Plan{})))
	if err != nil {
		t.Fatal(err)
	}
	comparePlans(t, &plan.Plan{}, got)
}

// comparePlans compares every field; cty values with RawEquals, which also
// compares marks.
func comparePlans(t *testing.T, want, got *plan.Plan) {
	t.Helper()
	eqVal := func(what string, a, b cty.Value) {
		t.Helper()
		if a == cty.NilVal || b == cty.NilVal {
			if a != b {
				t.Errorf("%s: got %#v, want %#v", what, b, a)
			}
			return
		}
		if !a.RawEquals(b) {
			t.Errorf("%s:\n got %#v\nwant %#v", what, b, a)
		}
	}
	cmpChanges := func(what string, ws, gs []*plan.ResourceChange) {
		t.Helper()
		if len(ws) != len(gs) {
			t.Fatalf("%s: %d changes, want %d", what, len(gs), len(ws))
		}
		for i := range ws {
			w, g := *ws[i], *gs[i]
			name := fmt.Sprintf("%s[%d] %s", what, i, w.Addr)
			eqVal(name+" before", w.Before, g.Before)
			eqVal(name+" after", w.After, g.After)
			if !w.Type.Equals(g.Type) && (w.Type != cty.NilType || g.Type != cty.NilType) {
				t.Errorf("%s: type %#v, want %#v", name, g.Type, w.Type)
			}
			if len(w.RequiredReplace) != len(g.RequiredReplace) {
				t.Errorf("%s: %d required replace paths, want %d", name, len(g.RequiredReplace), len(w.RequiredReplace))
			} else {
				for j := range w.RequiredReplace {
					if !w.RequiredReplace[j].Equals(g.RequiredReplace[j]) {
						t.Errorf("%s: required replace %d = %#v, want %#v", name, j, g.RequiredReplace[j], w.RequiredReplace[j])
					}
				}
			}
			w.Before, w.After, g.Before, g.After = cty.NilVal, cty.NilVal, cty.NilVal, cty.NilVal
			w.Type, g.Type = cty.NilType, cty.NilType
			w.RequiredReplace, g.RequiredReplace = nil, nil
			if !reflect.DeepEqual(w, g) {
				t.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
			}
		}
	}
	cmpChanges("changes", want.Changes, got.Changes)
	cmpChanges("drift", want.Drift, got.Drift)
	if len(want.Outputs) != len(got.Outputs) {
		t.Fatalf("%d outputs, want %d", len(got.Outputs), len(want.Outputs))
	}
	for i, w := range want.Outputs {
		g := got.Outputs[i]
		eqVal("output "+w.Name+" before", w.Before, g.Before)
		eqVal("output "+w.Name+" after", w.After, g.After)
		if w.Name != g.Name || w.Action != g.Action || w.Sensitive != g.Sensitive {
			t.Errorf("output %d: got %+v, want %+v", i, g, w)
		}
	}
	if len(want.Variables) != len(got.Variables) {
		t.Errorf("%d variables, want %d", len(got.Variables), len(want.Variables))
	}
	for n, w := range want.Variables {
		eqVal("variable "+n, w, got.Variables[n])
	}
	if !want.Timestamp.Equal(got.Timestamp) {
		t.Errorf("timestamp %v, want %v", got.Timestamp, want.Timestamp)
	}
	rest := func(p *plan.Plan) plan.Plan {
		c := *p
		c.Changes, c.Drift, c.Outputs, c.Variables = nil, nil, nil, nil
		c.Timestamp = time.Time{}
		return c
	}
	w, g := rest(want), rest(got)
	if !reflect.DeepEqual(w, g) {
		t.Errorf("plan:\n got %+v\nwant %+v", g, w)
	}
}

func TestFileSensitiveMarksNotOthers(t *testing.T) {
	// Marks other than sensitive are dropped; sensitive ones everywhere in
	// a structure come back at the same paths.
	v := cty.ObjectVal(map[string]cty.Value{
		"a": cty.StringVal("x").Mark("other"),
		"b": cty.MapVal(map[string]cty.Value{"k": cty.StringVal(plantest.Secret).Mark(marks.Sensitive)}),
		"c": cty.ListVal([]cty.Value{cty.UnknownVal(cty.String).Mark(marks.Sensitive)}),
		"d": cty.SetVal([]cty.Value{cty.StringVal(plantest.Secret)}).Mark(marks.Sensitive),
	})
	p := &plan.Plan{Variables: map[string]cty.Value{"v": v}}
	got, err := Read(bytes.NewReader(encode(t, p)))
	if err != nil {
		t.Fatal(err)
	}
	_, pvms := got.Variables["v"].UnmarkDeepWithPaths()
	var paths []string
	for _, pvm := range pvms {
		if _, ok := pvm.Marks[marks.Sensitive]; !ok || len(pvm.Marks) != 1 {
			t.Errorf("path %s has marks %v, want only sensitive", plan.FormatPath(pvm.Path), pvm.Marks)
		}
		paths = append(paths, plan.FormatPath(pvm.Path))
	}
	slices.Sort(paths)
	if want := []string{`b["k"]`, "c[0]", "d"}; !slices.Equal(paths, want) {
		t.Errorf("sensitive paths %q, want %q", paths, want)
	}
}

func TestFileTypeMismatchFallsBack(t *testing.T) {
	// A value that does not conform to the change's type is kept with its
	// own type rather than refused.
	c := &plan.ResourceChange{Addr: plantest.Inst("x", "y", nil), Action: plan.Update, Type: cty.Object(map[string]cty.Type{"a": cty.String}),
		Before: cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("1")}),
		After:  cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("1"), "extra": cty.True}),
	}
	got, err := Read(bytes.NewReader(encode(t, &plan.Plan{Changes: []*plan.ResourceChange{c}})))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Changes[0].After.RawEquals(c.After) {
		t.Errorf("after = %#v, want %#v", got.Changes[0].After, c.After)
	}
}

func TestFileCorruption(t *testing.T) {
	small := &plan.Plan{
		Changes: []*plan.ResourceChange{{
			Addr: plantest.Inst("indigo_file", "a", nil), Action: plan.Create, Type: cty.Object(map[string]cty.Type{"s": cty.String}),
			Before: cty.NullVal(cty.Object(map[string]cty.Type{"s": cty.String})),
			After:  cty.ObjectVal(map[string]cty.Value{"s": cty.StringVal(plantest.Secret).Mark(marks.Sensitive)}),
		}},
		PriorSerial: 3,
	}
	data := encode(t, small)
	for n := 0; n < len(data); n++ {
		_, err := Read(bytes.NewReader(data[:n]))
		if err == nil {
			t.Fatalf("truncated at %d of %d bytes: no error", n, len(data))
		}
		if n >= 4 && !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated at %d: %v, want ErrCorrupt", n, err)
		}
	}
	for i := 0; i < len(data); i++ {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(data)
			bad[i] ^= bit
			if _, err := Read(bytes.NewReader(bad)); err == nil {
				t.Fatalf("byte %d flipped (bit %#x): no error", i, bit)
			}
		}
	}
	if _, err := Read(bytes.NewReader(append(bytes.Clone(data), 0))); !errors.Is(err, ErrCorrupt) {
		t.Errorf("trailing byte: %v, want ErrCorrupt", err)
	}
}

func TestFileNotAPlan(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "not an indigo plan file"},
		{"text", "hello world, this is not a plan", "not an indigo plan file"},
		{"terraform plan", "PK\x03\x04rest of a zip", "Terraform or OpenTofu plan"},
		{"newer", fileMagic + "\x00\x09" + strings.Repeat("\x00", 40), "format version 9"},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestFileDecodedGarbageIsRefused(t *testing.T) {
	// A well-framed file whose payload makes no sense (valid checksum, so
	// only the decoder can catch it) is an error, not half a plan.
	for _, payload := range [][]byte{
		{0xc1},                                 // never-used msgpack byte
		{0x81, 0xa4, 'm', 'o', 'd', 'e', 0x09}, // mode 9
		{0x81, 0xa7, 'c', 'h', 'a', 'n', 'g', 'e', 's', 0x91, 0x81, 0xa6, 'a', 'c', 't', 'i', 'o', 'n', 0x63},
		{0x81, 0xa5, 't', 'y', 'p', 'e', 's', 0x91, 0xc4, 0x03, 'b', 'a', 'd'},
	} {
		if _, err := Read(bytes.NewReader(frame(payload))); !errors.Is(err, ErrCorrupt) {
			t.Errorf("payload %x: %v, want ErrCorrupt", payload, err)
		}
	}
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// frame wraps a payload in a valid header and checksum.
func frame(payload []byte) []byte {
	var buf bytes.Buffer
	buf.WriteString(fileMagic)
	buf.Write([]byte{0, FormatVersion})
	var l [8]byte
	for i := 0; i < 8; i++ {
		l[7-i] = byte(uint64(len(payload)) >> (8 * i))
	}
	buf.Write(l[:])
	buf.Write(payload)
	sum := sha256Sum(buf.Bytes())
	buf.Write(sum)
	return buf.Bytes()
}

func FuzzReadFile(f *testing.F) {
	// The seed corpus in testdata/fuzz/FuzzReadFile holds a full sample
	// plan and a small one; regenerate with INDIGO_UPDATE=1.
	f.Add(encode(f, &plan.Plan{PriorSerial: 1}))
	f.Add([]byte(fileMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(bytes.NewReader(data))
		if err != nil {
			if p != nil {
				t.Fatalf("error %v with a non-nil plan", err)
			}
			return
		}
		// Whatever decodes must encode again and decode to the same bytes.
		var buf bytes.Buffer
		if err := Write(&buf, p); err != nil {
			t.Fatalf("re-encoding a decoded plan: %v", err)
		}
		if _, err := Read(&buf); err != nil {
			t.Fatalf("reading a re-encoded plan: %v", err)
		}
	})
}

// FuzzReadFilePayload fuzzes what lies behind the checksum, which
// FuzzReadFile's mutations almost never get past: the input is framed with
// a valid header and checksum before it is read.
func FuzzReadFilePayload(f *testing.F) {
	f.Add(encode(f, &plan.Plan{PriorSerial: 1})[headerLen : len(encode(f, &plan.Plan{PriorSerial: 1}))-sha256.Size])
	f.Fuzz(func(t *testing.T, payload []byte) {
		p, err := Read(bytes.NewReader(frame(payload)))
		if err != nil {
			if p != nil {
				t.Fatalf("error %v with a non-nil plan", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, p); err != nil {
			t.Fatalf("re-encoding a decoded plan: %v", err)
		}
		if _, err := Read(&buf); err != nil {
			t.Fatalf("reading a re-encoded plan: %v", err)
		}
	})
}

// TestFuzzSeedCorpus keeps the checked-in seed corpus in step with the
// format: it must decode, and INDIGO_UPDATE=1 rewrites it.
func TestFuzzSeedCorpus(t *testing.T) {
	files := map[string][]byte{
		"sample": encode(t, plantest.Sample()),
		"empty":  encode(t, &plan.Plan{}),
	}
	payloads := map[string][]byte{}
	for name, data := range files {
		payloads[name] = data[headerLen : len(data)-sha256.Size]
	}
	for target, seeds := range map[string]map[string][]byte{"FuzzReadFile": files, "FuzzReadFilePayload": payloads} {
		dir := filepath.Join("testdata", "fuzz", target)
		if testsrv.Updating() {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, data := range seeds {
				body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name := range seeds {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("seed corpus entry %s/%s missing (run with INDIGO_UPDATE=1): %v", target, name, err)
			}
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	p := plantest.Big(1000)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(&buf, p); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/file")
}

func BenchmarkRead(b *testing.B) {
	data := encode(b, plantest.Big(1000))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCheckMsgpack(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"fixint", []byte{0x05}, true},
		{"nil", []byte{0xc0}, true},
		{"fixarray", []byte{0x92, 0x01, 0x02}, true},
		{"fixmap", []byte{0x81, 0xa1, 'a', 0xc3}, true},
		{"str8", []byte{0xd9, 0x02, 'h', 'i'}, true},
		{"float64", []byte{0xcb, 0, 0, 0, 0, 0, 0, 0, 0}, true},
		{"fixext4", []byte{0xd6, 0x01, 1, 2, 3, 4}, true},
		{"ext8", []byte{0xc7, 0x02, 0x0c, 1, 2}, true},
		{"empty", nil, false},
		{"never used byte", []byte{0xc1}, false},
		{"trailing", []byte{0x01, 0x02}, false},
		{"array32 too long", []byte{0xdd, 0xff, 0xff, 0xff, 0xff, 0x01}, false},
		{"map32 too long", []byte{0xdf, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x01}, false},
		{"bin32 too long", []byte{0xc6, 0x7f, 0xff, 0xff, 0xff}, false},
		{"ext32 too long", []byte{0xc9, 0x7f, 0xff, 0xff, 0xff, 0x01}, false},
		{"truncated array", []byte{0x93, 0x01, 0x02}, false},
		{"truncated uint64", []byte{0xcf, 0x01}, false},
		{"too deep", bytes.Repeat([]byte{0x91}, maxMsgpackDepth+1), false},
	}
	for _, tt := range tests {
		err := checkMsgpack(tt.data)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// TestFileIdentities: the resource identities of a change and of its
// import come back; a change without them (a type without identity) stays
// without.
func TestFileIdentities(t *testing.T) {
	ty := cty.Object(map[string]cty.Type{"path": cty.String})
	before := cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal("/srv/a")})
	c := &plan.ResourceChange{Addr: plantest.Inst("indigo_file", "a", nil), Action: plan.Update, Type: ty,
		Before: before, After: before, BeforeIdentity: before, AfterIdentity: cty.NullVal(ty),
		Importing: &plan.Importing{Identity: before}}
	plain := &plan.ResourceChange{Addr: plantest.Inst("indigo_file", "b", nil), Action: plan.NoOp, Type: ty, Before: before, After: before}
	got, err := Read(bytes.NewReader(encode(t, &plan.Plan{Changes: []*plan.ResourceChange{c, plain}})))
	if err != nil {
		t.Fatal(err)
	}
	g := got.Changes[0]
	if !g.BeforeIdentity.RawEquals(before) || !g.AfterIdentity.RawEquals(cty.NullVal(ty)) || g.Importing == nil || !g.Importing.Identity.RawEquals(before) {
		t.Errorf("identities read back: before %#v after %#v importing %+v", g.BeforeIdentity, g.AfterIdentity, g.Importing)
	}
	if p := got.Changes[1]; p.BeforeIdentity != cty.NilVal || p.AfterIdentity != cty.NilVal {
		t.Errorf("a change without identities read back with %#v, %#v", p.BeforeIdentity, p.AfterIdentity)
	}
}
