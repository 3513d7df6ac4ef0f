package jsonplan

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/plan/plantest"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// golden compares got with testdata/name (testsrv.Golden).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testsrv.Golden(t, filepath.Join("testdata", name), got)
}

func TestJSONViewGolden(t *testing.T) {
	out, err := Marshal(plantest.Sample())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("\n")) {
		t.Errorf("the view must be one line")
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, out, "", "  "); err != nil {
		t.Fatal(err)
	}
	indented.WriteByte('\n')
	golden(t, "plan.json", indented.Bytes())
}

func TestJSONViewHidesSecrets(t *testing.T) {
	out, err := Marshal(plantest.Sample())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte(plantest.Secret)) || bytes.Contains(out, []byte("2.25")) {
		t.Fatalf("a sensitive value appears in the JSON view:\n%s", out)
	}
}

// decode parses the view into generic JSON for assertions.
func decode(t *testing.T, p *plan.Plan) map[string]any {
	t.Helper()
	out, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("view is not JSON: %v\n%s", err, out)
	}
	return doc
}

func TestJSONViewShape(t *testing.T) {
	doc := decode(t, plantest.Sample())
	if doc["format_version"] != "1.2" || doc["complete"] != false || doc["applyable"] != true || doc["errored"] != false {
		t.Errorf("header fields: %v %v %v", doc["format_version"], doc["applyable"], doc["errored"])
	}
	changes := doc["resource_changes"].([]any)
	byAddr := map[string]map[string]any{}
	for _, c := range changes {
		m := c.(map[string]any)
		key := m["address"].(string)
		if d, ok := m["deposed"].(string); ok {
			key += " deposed " + d
		}
		byAddr[key] = m
	}
	tests := []struct {
		addr    string
		path    []any // into the resource change
		want    any
		comment string
	}{
		{`indigo_file.create["a \"quoted\" key"]`, []any{"index"}, `a "quoted" key`, "string index"},
		{`indigo_file.create["a \"quoted\" key"]`, []any{"change", "actions"}, []any{"create"}, ""},
		{`indigo_file.create["a \"quoted\" key"]`, []any{"change", "before"}, nil, "create has null before"},
		{`indigo_file.create["a \"quoted\" key"]`, []any{"change", "after_unknown"}, map[string]any{"id": true, "ports": []any{false, false}, "groups": []any{false, false}, "auth": map[string]any{}, "tags": map[string]any{}}, "unknown id only, containers mirrored as Terraform does"},
		{`indigo_file.create["a \"quoted\" key"]`, []any{"change", "after", "auth"}, map[string]any{"user": "admin", "password": nil}, "sensitive is null"},
		{`indigo_file.create["a \"quoted\" key"]`, []any{"change", "after_sensitive", "auth"}, map[string]any{"password": true}, ""},
		{`indigo_file.create["a \"quoted\" key"]`, []any{"change", "after", "mode"}, json.Number("420"), "numbers stay numbers"},
		{`indigo_file.create["a \"quoted\" key"]`, []any{"provider_name"}, "indigo.dev/builtin/indigo", ""},
		{"indigo_file.read[2]", []any{"change", "after_unknown"}, true, "wholly unknown"},
		{"indigo_file.read[2]", []any{"mode"}, "managed", ""},
		{"indigo_file.update[3]", []any{"previous_address"}, "indigo_file.old_name", ""},
		{"indigo_file.update[3]", []any{"change", "importing", "id"}, "imported-id", ""},
		{"deployment.web.indigo_file.delete-then-create[4]", []any{"change", "actions"}, []any{"delete", "create"}, ""},
		{"deployment.web.indigo_file.delete-then-create[4]", []any{"module_address"}, "deployment.web", ""},
		{"deployment.web.indigo_file.delete-then-create[4]", []any{"site"}, "cnaf", ""},
		{"deployment.web.indigo_file.delete-then-create[4]", []any{"action_reason"}, "replace_because_cannot_update", ""},
		{"deployment.web.indigo_file.delete-then-create[4]", []any{"change", "replace_paths"}, []any{[]any{"content"}, []any{"tags", "team"}, []any{"ports", json.Number("1")}}, ""},
		{"indigo_file.create-then-delete[5]", []any{"change", "actions"}, []any{"create", "delete"}, ""},
		{"indigo_file.create-then-delete[5]", []any{"action_reason"}, "replace_because_tainted", ""},
		{"indigo_file.delete[6] deposed 0a1b2c3d", []any{"change", "after"}, nil, ""},
		{"indigo_file.delete[6] deposed 0a1b2c3d", []any{"action_reason"}, "delete_because_no_resource_config", ""},
		{"indigo_file.forget[7]", []any{"change", "actions"}, []any{"forget"}, ""},
		{"other_thing.dyn", []any{"change", "after"}, map[string]any{"n": nil}, ""},
		{"other_thing.dyn", []any{"change", "before"}, map[string]any{"n": json.Number("1.5")}, ""},
		{"other_thing.dyn", []any{"provider_name"}, "registry.terraform.io/hashicorp/other", ""},
	}
	for _, tt := range tests {
		c, ok := byAddr[tt.addr]
		if !ok {
			t.Errorf("no resource change %s; have %v", tt.addr, slices.Sorted(maps.Keys(byAddr)))
			continue
		}
		got := dig(c, tt.path...)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %v (%s) = %#v, want %#v", tt.addr, tt.path, tt.comment, got, tt.want)
		}
	}
	outs := doc["output_changes"].(map[string]any)
	if got := dig(outs, "password", "after"); got != nil {
		t.Errorf("sensitive output after = %v", got)
	}
	if got := dig(outs, "password", "after_sensitive"); got != true {
		t.Errorf("sensitive output after_sensitive = %v", got)
	}
	if got := dig(outs, "later", "after_unknown"); got != true {
		t.Errorf("unknown output after_unknown = %v", got)
	}
	if got := dig(doc, "variables", "token"); !reflect.DeepEqual(got, map[string]any{"value": nil, "sensitive": true}) {
		t.Errorf("variable token = %v", got)
	}
	if got := dig(doc, "variables", "region"); !reflect.DeepEqual(got, map[string]any{"value": "eu"}) {
		t.Errorf("variable region = %v", got)
	}
	if got := dig(doc, "indigo", "prior_state"); !reflect.DeepEqual(got, map[string]any{"lineage": "1f0b4a8e-0000-4000-8000-000000000001", "serial": json.Number("42")}) {
		t.Errorf("prior_state = %v", got)
	}
	pl := dig(doc, "indigo", "placements", 0)
	if got := dig(pl, "ranking", "scored", 1, "reasons"); !reflect.DeepEqual(got, []any{"needs 16 cpus, 8 left under the SLA"}) {
		t.Errorf("rejected reasons = %v", got)
	}
	if got := dig(pl, "ranking", "scored", 0, "parts", 1); !reflect.DeepEqual(got, map[string]any{
		"criterion": "cost", "raw": json.Number("432.16"), "normalized": json.Number("0.5"),
		"weight": json.Number("1"), "contribution": json.Number("0.25"), "note": "432.16 a month",
	}) {
		t.Errorf("part = %v", got)
	}
	if got := dig(doc, "timestamp"); got != "2025-03-01T12:30:00.123456789Z" {
		t.Errorf("timestamp = %v", got)
	}
	if got := dig(doc, "resource_drift", 0, "action_reason"); got != nil {
		t.Errorf("drift action_reason = %v, want none (as Terraform writes drift)", got)
	}
	if got := dig(doc, "relevant_attributes"); got != nil {
		t.Errorf("relevant_attributes = %v, want none without the configuration", got)
	}
	// planned_values: what exists after apply, by module.
	planned := map[string]map[string]any{}
	var collect func(m any)
	collect = func(m any) {
		rs, _ := dig(m, "resources").([]any)
		for _, r := range rs {
			planned[dig(r, "address").(string)] = r.(map[string]any)
		}
		cs, _ := dig(m, "child_modules").([]any)
		for _, c := range cs {
			collect(c)
		}
	}
	collect(dig(doc, "planned_values", "root_module"))
	for addr := range planned {
		if strings.Contains(addr, "indigo_file.delete[") || strings.Contains(addr, "indigo_file.forget[") {
			t.Errorf("planned_values holds %s, which the plan deletes", addr)
		}
	}
	r := planned["deployment.web.indigo_file.delete-then-create[4]"]
	if r == nil {
		t.Fatalf("planned_values lacks the replaced instance: %v", slices.Sorted(maps.Keys(planned)))
	}
	if got := dig(r, "sensitive_values", "auth", "password"); got != true {
		t.Errorf("sensitive_values.auth.password = %v", got)
	}
	if got := dig(r, "values", "auth", "password"); got != nil {
		t.Errorf("values.auth.password = %v, want null", got)
	}
	if _, ok := dig(r, "values").(map[string]any)["id"]; ok {
		t.Errorf("an attribute unknown until apply (id) is in planned values: %v", dig(r, "values"))
	}
	if got := dig(doc, "planned_values", "outputs", "url"); !reflect.DeepEqual(got, map[string]any{"sensitive": false, "value": "https://x", "type": "string"}) {
		t.Errorf("planned output url = %v", got)
	}
	if got := dig(doc, "planned_values", "outputs", "password"); !reflect.DeepEqual(got, map[string]any{"sensitive": true, "type": "string"}) {
		t.Errorf("planned output password = %v", got)
	}
}

func TestJSONViewEdgeCases(t *testing.T) {
	// Non-finite scores, an empty plan, a nil value and a sensitive value
	// that contains unknowns.
	p := &plan.Plan{
		Placements: []*plan.Placement{{Ranking: rank.Ranking{Scored: []rank.Scored{{Site: "x", Score: math.NaN(), Parts: []rank.Part{{Criterion: rank.Cost, Raw: math.Inf(1)}}}}}}},
		Changes: []*plan.ResourceChange{{Addr: plantest.Inst("a", "b", nil), Action: plan.Create, After: cty.ObjectVal(map[string]cty.Value{
			"s": cty.ObjectVal(map[string]cty.Value{"k": cty.UnknownVal(cty.String)}).Mark(marks.Sensitive),
		})}},
	}
	doc := decode(t, p)
	if got := dig(doc, "indigo", "placements", 0, "ranking", "scored", 0, "score"); got != nil {
		t.Errorf("NaN score = %v, want null", got)
	}
	ch := dig(doc, "resource_changes", 0, "change")
	if got := dig(ch, "after_unknown"); !reflect.DeepEqual(got, map[string]any{"s": true}) {
		t.Errorf("after_unknown = %v", got)
	}
	if got := dig(ch, "after_sensitive"); !reflect.DeepEqual(got, map[string]any{"s": true}) {
		t.Errorf("after_sensitive = %v", got)
	}
	if got := dig(ch, "before"); got != nil {
		t.Errorf("nil before = %v", got)
	}
	empty := decode(t, &plan.Plan{})
	if got := empty["resource_changes"]; !reflect.DeepEqual(got, []any{}) {
		t.Errorf("empty plan resource_changes = %#v, want []", got)
	}
	if got := dig(empty, "prior_state", "values", "root_module"); !reflect.DeepEqual(got, map[string]any{}) {
		t.Errorf("empty plan prior_state root_module = %v, want {}", got)
	}
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

func BenchmarkMarshal(b *testing.B) {
	p := plantest.Big(1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(p); err != nil {
			b.Fatal(err)
		}
	}
}

// TestJSONViewAnyValue converts values of many shapes: no error, no panic,
// no secret.
func TestJSONViewAnyValue(t *testing.T) {
	s := cty.StringVal(plantest.Secret).Mark(marks.Sensitive)
	corpus := []cty.Value{
		cty.NilVal, cty.NullVal(cty.String), cty.UnknownVal(cty.String), cty.DynamicVal, cty.StringVal("a"),
		cty.NumberFloatVal(1.5), cty.True, s,
		cty.ListValEmpty(cty.String), cty.ListVal([]cty.Value{cty.StringVal("a"), s}),
		cty.SetVal([]cty.Value{cty.StringVal("a"), cty.UnknownVal(cty.String)}),
		cty.SetVal([]cty.Value{cty.StringVal(plantest.Secret)}).Mark(marks.Sensitive),
		cty.MapVal(map[string]cty.Value{"k": s}), cty.MapValEmpty(cty.String),
		cty.ObjectVal(map[string]cty.Value{"a": s, "b": cty.NullVal(cty.Number)}),
		cty.UnknownVal(cty.Object(map[string]cty.Type{"a": cty.String})),
		cty.TupleVal([]cty.Value{cty.True, s}),
		cty.StringVal("x").Mark("other"),
		cty.ListVal([]cty.Value{cty.StringVal("x").Mark("other")}).Mark("other"),
	}
	for i, v := range corpus {
		p := &plan.Plan{
			Changes:   []*plan.ResourceChange{{Addr: plantest.Inst("x", "y", nil), Action: plan.Update, Before: v, After: v, RequiredReplace: []cty.Path{cty.GetAttrPath("a").Index(cty.StringVal("k"))}}},
			Outputs:   []*plan.OutputChange{{Name: "o", Before: v, After: v}},
			Variables: map[string]cty.Value{"v": v},
		}
		out, err := Marshal(p)
		if err != nil {
			t.Errorf("value %d: %v", i, err)
			continue
		}
		if bytes.Contains(out, []byte(plantest.Secret)) {
			t.Errorf("value %d: secret in %s", i, out)
		}
		if !json.Valid(out) {
			t.Errorf("value %d: invalid JSON %s", i, out)
		}
	}
}

func TestMarshalPlacement(t *testing.T) {
	pl := plantest.Sample().Placements[0]
	b, err := MarshalPlacement(pl)
	if err != nil {
		t.Fatal(err)
	}
	// The same object the plan view holds in its placements array.
	doc := decode(t, plantest.Sample())
	want, _ := json.Marshal(dig(doc, "indigo", "placements", 0))
	var got any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	gotb, _ := json.Marshal(got)
	if !bytes.Equal(gotb, want) {
		t.Errorf("placement JSON\n got %s\nwant %s", gotb, want)
	}
}

// TestJSONViewIdentity: a change's resource identities and an import by
// identity show as Terraform's JSON plan has them; an import by id keeps
// its id alone.
func TestJSONViewIdentity(t *testing.T) {
	ty := cty.Object(map[string]cty.Type{"path": cty.String})
	v := cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal("old.txt")})
	p := &plan.Plan{Changes: []*plan.ResourceChange{
		{Addr: plantest.Inst("indigo_file", "old", nil), Action: plan.NoOp, Type: ty, Before: v, After: v,
			BeforeIdentity: v, AfterIdentity: v, Importing: &plan.Importing{Identity: v}},
		{Addr: plantest.Inst("indigo_file", "byid", nil), Action: plan.NoOp, Type: ty, Before: v, After: v,
			Importing: &plan.Importing{ID: "old.txt"}},
	}}
	out, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	byIdentity, _ := json.Marshal(dig(doc, "resource_changes", 1, "change"))
	for _, want := range []string{`"importing":{"identity":{"path":"old.txt"}}`, `"before_identity":{"path":"old.txt"}`, `"after_identity":{"path":"old.txt"}`} {
		if !strings.Contains(string(byIdentity), want) {
			t.Errorf("change of indigo_file.old lacks %s: %s", want, byIdentity)
		}
	}
	byID, _ := json.Marshal(dig(doc, "resource_changes", 0, "change"))
	if !strings.Contains(string(byID), `"importing":{"id":"old.txt"}`) || strings.Contains(string(byID), "identity") {
		t.Errorf("change of indigo_file.byid: %s", byID)
	}
}
