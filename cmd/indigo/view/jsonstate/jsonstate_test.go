package jsonstate

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan/plantest"
	"github.com/indigo-cloud/indigo/state"
)

// sampleState has root and nested resources, a deposed and a tainted
// object, sensitive attributes at several depths, sensitive and plain
// outputs, a placement and an in-flight operation.
func sampleState() *state.State {
	s := state.New()
	s.Lineage = "1f0b4a8e-0000-4000-8000-000000000001"
	s.Serial = 7
	prov := config.ProviderConfigAddr{Provider: config.BuiltinProvider}
	web := config.ModuleInstance("").Child(config.DeploymentStep, "web", nil)
	deep := web.Child(config.ModuleStep, "db", config.StringKey("a"))
	s.SetResourceInstance(plantest.Inst("indigo_file", "a", nil), prov, &state.Object{
		SchemaVersion: 1,
		AttrsJSON:     []byte(`{"id":"f1","content":"` + plantest.Secret + `","nested":{"list":[1,"` + plantest.Secret + `",3],"map":{"k":"` + plantest.Secret + `","x":"y"}},"big":12345678901234567890}`),
		SensitivePaths: []cty.Path{
			cty.GetAttrPath("content"),
			cty.GetAttrPath("nested").GetAttr("list").Index(cty.NumberIntVal(1)),
			cty.GetAttrPath("nested").GetAttr("map").Index(cty.StringVal("k")),
			cty.GetAttrPath("missing").GetAttr("x"),
		},
		Dependencies: []config.AbsResource{{Resource: config.ResourceAddr{Mode: config.DataMode, Type: "indigo_site", Name: "s"}}},
	})
	s.SetResourceInstance(config.InstanceAddr{Module: web, Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "indigo_service", Name: "app"}, Key: config.IntKey(0)}, prov, &state.Object{
		AttrsJSON: []byte(`{"id":"svc","tags":["` + plantest.Secret + `"]}`),
		// A set element: no position in JSON, so the whole set is hidden.
		SensitivePaths: []cty.Path{cty.GetAttrPath("tags").Index(cty.StringVal(plantest.Secret))},
		Status:         state.Tainted,
		Site:           "cnaf",
	})
	s.SetDeposed(config.InstanceAddr{Module: web, Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "indigo_service", Name: "app"}, Key: config.IntKey(0)}, "0a1b2c3d", prov, &state.Object{
		AttrsJSON: []byte(`{"id":"old-svc"}`),
	})
	s.SetResourceInstance(config.InstanceAddr{Module: deep, Resource: config.ResourceAddr{Mode: config.DataMode, Type: "indigo_site", Name: "d"}}, prov, &state.Object{
		AttrsJSON: []byte(`{"id":"d"}`),
	})
	s.SetOutput("url", &state.Output{Value: []byte(`"https://x"`), Type: []byte(`"string"`)})
	s.SetOutput("password", &state.Output{Value: []byte(`"` + plantest.Secret + `"`), Type: []byte(`"string"`), Sensitive: true})
	s.SetPlacement(config.ObjectAddr{Kind: config.DeploymentKind, Name: "web"}, &state.Placement{
		Sites: []string{"cnaf"}, PlacedAt: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Scores: []state.SiteScore{{Site: "cnaf", Score: 0.666, Summary: "best score"}, {Site: "bari", Score: 0.345}},
	})
	s.Pending["abc"] = &state.Intent{ID: "abc", Op: state.OpCreate, Addr: plantest.Inst("indigo_file", "b", nil), Provider: prov, Started: time.Date(2025, 3, 1, 12, 1, 0, 0, time.UTC)}
	return s
}

func TestStateJSONGolden(t *testing.T) {
	out, err := Marshal(sampleState())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte(plantest.Secret)) {
		t.Fatalf("a sensitive value appears in the state view:\n%s", out)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, out, "", "  "); err != nil {
		t.Fatal(err)
	}
	indented.WriteByte('\n')
	golden(t, "state.json", indented.Bytes())
}

func TestStateJSONShape(t *testing.T) {
	out, err := Marshal(sampleState())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	root := dig(doc, "values", "root_module")
	checks := []struct {
		path []any
		want any
	}{
		{[]any{"format_version"}, "1.0"},
		{[]any{"serial"}, json.Number("7")},
		{[]any{"resources", 0, "address"}, "indigo_file.a"},
		{[]any{"resources", 0, "values", "content"}, nil},
		{[]any{"resources", 0, "values", "id"}, "f1"},
		{[]any{"resources", 0, "values", "big"}, json.Number("12345678901234567890")},
		{[]any{"resources", 0, "values", "nested", "list"}, []any{json.Number("1"), nil, json.Number("3")}},
		{[]any{"resources", 0, "values", "nested", "map"}, map[string]any{"k": nil, "x": "y"}},
		{[]any{"resources", 0, "sensitive_values"}, map[string]any{
			"content": true,
			"nested":  map[string]any{"list": []any{false, true, false}, "map": map[string]any{"k": true}},
		}},
		{[]any{"resources", 0, "depends_on"}, []any{"data.indigo_site.s"}},
		{[]any{"child_modules", 0, "address"}, "deployment.web"},
		{[]any{"child_modules", 0, "resources", 0, "index"}, json.Number("0")},
		{[]any{"child_modules", 0, "resources", 0, "tainted"}, true},
		{[]any{"child_modules", 0, "resources", 0, "site"}, "cnaf"},
		{[]any{"child_modules", 0, "resources", 0, "values", "tags"}, nil},
		{[]any{"child_modules", 0, "resources", 0, "sensitive_values"}, map[string]any{"tags": true}},
		{[]any{"child_modules", 0, "resources", 1, "deposed_key"}, "0a1b2c3d"},
		{[]any{"child_modules", 0, "child_modules", 0, "address"}, `deployment.web.module.db["a"]`},
		{[]any{"child_modules", 0, "child_modules", 0, "resources", 0, "mode"}, "data"},
	}
	for _, c := range checks {
		var got any
		if c.path[0] == "format_version" || c.path[0] == "serial" {
			got = dig(doc, c.path...)
		} else {
			got = dig(root, c.path...)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v = %#v, want %#v", c.path, got, c.want)
		}
	}
	if got := dig(doc, "values", "outputs", "password"); !reflect.DeepEqual(got, map[string]any{"sensitive": true, "value": nil, "type": "string"}) {
		t.Errorf("sensitive output = %#v", got)
	}
	if got := dig(doc, "pending", 0, "op"); got != "create" {
		t.Errorf("pending op = %#v", got)
	}
}

// TestUnwrapDynamic: values of dynamically-typed attributes are shown
// without the {"value", "type"} wrapper state keeps them in; an object that
// only looks like one is left alone.
func TestUnwrapDynamic(t *testing.T) {
	tests := []struct{ doc, want string }{
		{`{"input":{"value":{"a":"x"},"type":["object",{"a":"string"}]},"id":"i"}`, `{"id":"i","input":{"a":"x"}}`},
		{`{"l":[{"value":1,"type":"number"}]}`, `{"l":[1]}`},
		{`{"t":{"value":"x","type":"weird"}}`, `{"t":{"type":"weird","value":"x"}}`},
		{`{"t":{"value":"x","type":"string","more":1}}`, `{"t":{"more":1,"type":"string","value":"x"}}`},
		{`{"w":{"value":{"value":"in","type":"string"},"type":["object",{"value":"string","type":"string"}]}}`, `{"w":{"type":"string","value":"in"}}`},
	}
	for _, tc := range tests {
		var doc any
		if err := json.Unmarshal([]byte(tc.doc), &doc); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(UnwrapDynamic(doc))
		if string(got) != tc.want {
			t.Errorf("UnwrapDynamic(%s) = %s, want %s", tc.doc, got, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name       string
		doc        string
		path       cty.Path
		wantV      string
		wantMirror string
	}{
		{"attr", `{"a":1,"b":2}`, cty.GetAttrPath("a"), `{"a":null,"b":2}`, `{"a":true}`},
		{"whole", `{"a":1}`, nil, `null`, `true`},
		{"list", `{"l":[1,2]}`, cty.GetAttrPath("l").Index(cty.NumberIntVal(1)), `{"l":[1,null]}`, `{"l":[false,true]}`},
		{"out of range", `{"l":[1,2]}`, cty.GetAttrPath("l").Index(cty.NumberIntVal(5)), `{"l":[1,2]}`, `{}`},
		{"below null", `{"n":null}`, cty.GetAttrPath("n").GetAttr("x"), `{"n":null}`, `{}`},
		{"wrong key kind", `{"l":[1]}`, cty.GetAttrPath("l").GetAttr("x"), `{"l":null}`, `{"l":true}`},
		{"set element", `{"s":["x"]}`, cty.GetAttrPath("s").Index(cty.StringVal("x")), `{"s":null}`, `{"s":true}`},
		{"missing attr", `{"a":1}`, cty.GetAttrPath("zz"), `{"a":1}`, `{}`},
		{"map key", `{"m":{"k":"v"}}`, cty.GetAttrPath("m").Index(cty.StringVal("k")), `{"m":{"k":null}}`, `{"m":{"k":true}}`},
	}
	for _, tt := range tests {
		v, err := decodeJSON([]byte(tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		gv, gm := Redact(v, map[string]any{}, tt.path)
		bv, _ := json.Marshal(gv)
		bm, _ := json.Marshal(gm)
		if string(bv) != tt.wantV || string(bm) != tt.wantMirror {
			t.Errorf("%s: got %s %s, want %s %s", tt.name, bv, bm, tt.wantV, tt.wantMirror)
		}
	}
}

// golden compares got with testdata/name (testsrv.Golden).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testsrv.Golden(t, filepath.Join("testdata", name), got)
}

// dig follows keys (strings) and indexes (ints) into decoded JSON.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return "<not an object>"
			}
			v = m[p]
		case int:
			s, ok := v.([]any)
			if !ok || p >= len(s) {
				return "<no such element>"
			}
			v = s[p]
		}
	}
	return v
}
