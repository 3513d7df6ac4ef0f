package plugin

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// testBlock is a schema using every feature: attributes of each kind,
// nested attributes, blocks of each nesting mode.
func testBlock() *Block {
	return &Block{
		Attributes: map[string]*Attribute{
			"name":     {Type: cty.String, Required: true},
			"size":     {Type: cty.Number, Optional: true},
			"id":       {Type: cty.String, Computed: true},
			"password": {Type: cty.String, Optional: true, Sensitive: true},
			"anything": {Type: cty.DynamicPseudoType, Optional: true},
			"settings": {Optional: true, NestedType: &Object{Nesting: NestingSingle, Attributes: map[string]*Attribute{
				"mode":  {Type: cty.String, Required: true},
				"token": {Type: cty.String, Optional: true, Sensitive: true},
			}}},
			"disks": {Optional: true, NestedType: &Object{Nesting: NestingList, Attributes: map[string]*Attribute{
				"size": {Type: cty.Number, Required: true},
				"key":  {Type: cty.String, Optional: true, Sensitive: true},
			}}},
		},
		BlockTypes: map[string]*NestedBlock{
			"network": {Nesting: NestingList, MaxItems: 2, Block: Block{Attributes: map[string]*Attribute{
				"port":   {Type: cty.Number, Required: true},
				"secret": {Type: cty.String, Optional: true, Sensitive: true},
			}}},
			"tag": {Nesting: NestingSet, Block: Block{Attributes: map[string]*Attribute{
				"k": {Type: cty.String, Required: true},
			}}},
			"env": {Nesting: NestingMap, Block: Block{Attributes: map[string]*Attribute{
				"value": {Type: cty.String, Optional: true},
			}}},
			"timeouts": {Nesting: NestingSingle, Block: Block{Attributes: map[string]*Attribute{
				"create": {Type: cty.String, Optional: true},
			}}},
			"options": {Nesting: NestingGroup, Block: Block{Attributes: map[string]*Attribute{
				"debug": {Type: cty.Bool, Optional: true},
			}}},
			"dyn": {Nesting: NestingList, Block: Block{Attributes: map[string]*Attribute{
				"v": {Type: cty.DynamicPseudoType, Optional: true},
			}}},
		},
	}
}

func TestImpliedType(t *testing.T) {
	got := testBlock().ImpliedType()
	want := cty.Object(map[string]cty.Type{
		"name":     cty.String,
		"size":     cty.Number,
		"id":       cty.String,
		"password": cty.String,
		"anything": cty.DynamicPseudoType,
		"settings": cty.Object(map[string]cty.Type{"mode": cty.String, "token": cty.String}),
		"disks":    cty.List(cty.Object(map[string]cty.Type{"size": cty.Number, "key": cty.String})),
		"network":  cty.List(cty.Object(map[string]cty.Type{"port": cty.Number, "secret": cty.String})),
		"tag":      cty.Set(cty.Object(map[string]cty.Type{"k": cty.String})),
		"env":      cty.Map(cty.Object(map[string]cty.Type{"value": cty.String})),
		"timeouts": cty.Object(map[string]cty.Type{"create": cty.String}),
		"options":  cty.Object(map[string]cty.Type{"debug": cty.Bool}),
		// A list of blocks with dynamic contents cannot be a list.
		"dyn": cty.DynamicPseudoType,
	})
	if !got.Equals(want) {
		t.Errorf("ImpliedType:\n got %#v\nwant %#v", got, want)
	}
	if !(*Block)(nil).ImpliedType().Equals(cty.EmptyObject) {
		t.Errorf("nil block's type is not the empty object")
	}
}

func TestDecoderSpec(t *testing.T) {
	cases := []struct {
		name    string
		src     string
		check   func(t *testing.T, v cty.Value)
		wantErr string
	}{
		{
			name: "minimal",
			src:  `name = "a"`,
			check: func(t *testing.T, v cty.Value) {
				eq(t, v.GetAttr("name"), cty.StringVal("a"))
				eq(t, v.GetAttr("size"), cty.NullVal(cty.Number))
				// Absent blocks: empty collections, a null single block, a
				// group block of nulls.
				if v.GetAttr("network").LengthInt() != 0 || v.GetAttr("tag").LengthInt() != 0 || v.GetAttr("env").LengthInt() != 0 {
					t.Errorf("absent blocks not empty: %#v", v)
				}
				eq(t, v.GetAttr("timeouts"), cty.NullVal(cty.Object(map[string]cty.Type{"create": cty.String})))
				eq(t, v.GetAttr("options"), cty.ObjectVal(map[string]cty.Value{"debug": cty.NullVal(cty.Bool)}))
				eq(t, v.GetAttr("dyn"), cty.EmptyTupleVal)
			},
		},
		{
			name: "everything",
			src: `
name = "a"
size = "3"           # converted to the attribute's type
anything = [1, "x"]
settings = { mode = "fast" }          # token left out: optional
disks = [{ size = 10 }, { size = 20, key = "k" }]
network { port = 80 }
network { port = 443 }
tag { k = "x" }
env "prod" { value = "1" }
timeouts { create = "5m" }
options { debug = true }
dyn { v = 1 }
dyn { v = "two" }
`,
			check: func(t *testing.T, v cty.Value) {
				eq(t, v.GetAttr("size"), cty.NumberIntVal(3))
				eq(t, v.GetAttr("settings"), cty.ObjectVal(map[string]cty.Value{"mode": cty.StringVal("fast"), "token": cty.NullVal(cty.String)}))
				eq(t, v.GetAttr("disks").Index(cty.NumberIntVal(0)).GetAttr("key"), cty.NullVal(cty.String))
				eq(t, v.GetAttr("network").Index(cty.NumberIntVal(1)).GetAttr("port"), cty.NumberIntVal(443))
				eq(t, v.GetAttr("env").Index(cty.StringVal("prod")).GetAttr("value"), cty.StringVal("1"))
				eq(t, v.GetAttr("options").GetAttr("debug"), cty.True)
				eq(t, v.GetAttr("dyn").Index(cty.NumberIntVal(1)).GetAttr("v"), cty.StringVal("two"))
				// Everything but the dynamic list has the implied type.
				if !v.Type().AttributeType("dyn").IsTupleType() || !v.Type().AttributeType("disks").Equals(testBlock().ImpliedType().AttributeType("disks")) {
					t.Errorf("decoded type %#v", v.Type())
				}
			},
		},
		{name: "missing required attribute", src: `size = 1`, wantErr: `The argument "name" is required`},
		{name: "missing required nested attribute", src: "name = \"a\"\nsettings = { token = \"t\" }", wantErr: `attribute "mode" is required`},
		{name: "too many blocks", src: "name = \"a\"\nnetwork { port = 1 }\nnetwork { port = 2 }\nnetwork { port = 3 }", wantErr: "Too many network blocks"},
		{name: "unknown argument", src: "name = \"a\"\nnope = 1", wantErr: `An argument named "nope" is not expected here`},
		{name: "wrong type", src: `name = ["a"]`, wantErr: "Incorrect attribute value type"},
	}
	spec := testBlock().DecoderSpec()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, diags := hclsyntax.ParseConfig([]byte(tc.src), "test.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			v, diags := hcldec.Decode(f.Body, spec, nil)
			if tc.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.wantErr) {
					t.Fatalf("diags = %v, want %q", diags, tc.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			tc.check(t, v)
		})
	}
}

func TestSensitivePaths(t *testing.T) {
	b := testBlock()
	netObj := func(port int64, secret string) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(port), "secret": cty.StringVal(secret)})
	}
	disk := func(key cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"size": cty.NumberIntVal(1), "key": key})
	}
	full := objectOf(b, map[string]cty.Value{
		"name":     cty.StringVal("a"),
		"settings": cty.ObjectVal(map[string]cty.Value{"mode": cty.StringVal("m"), "token": cty.StringVal("t")}),
		"disks":    cty.ListVal([]cty.Value{disk(cty.StringVal("k1")), disk(cty.NullVal(cty.String))}),
		"network":  cty.ListVal([]cty.Value{netObj(1, "s1"), netObj(2, "s2")}),
	})
	cases := []struct {
		name string
		v    cty.Value
		want []cty.Path
	}{
		{
			name: "everything set",
			v:    full,
			want: []cty.Path{
				cty.GetAttrPath("password"),
				cty.GetAttrPath("settings").GetAttr("token"),
				cty.GetAttrPath("disks").IndexInt(0).GetAttr("key"),
				cty.GetAttrPath("disks").IndexInt(1).GetAttr("key"),
				cty.GetAttrPath("network").IndexInt(0).GetAttr("secret"),
				cty.GetAttrPath("network").IndexInt(1).GetAttr("secret"),
			},
		},
		{
			name: "nested values null or unknown",
			v: objectOf(b, map[string]cty.Value{
				"disks":   cty.UnknownVal(cty.List(cty.Object(map[string]cty.Type{"size": cty.Number, "key": cty.String}))),
				"network": cty.ListValEmpty(cty.Object(map[string]cty.Type{"port": cty.Number, "secret": cty.String})),
			}),
			want: []cty.Path{cty.GetAttrPath("password")},
		},
		{name: "null object", v: cty.NullVal(b.ImpliedType()), want: nil},
		{name: "unknown object", v: cty.UnknownVal(b.ImpliedType()), want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := b.SensitivePaths(tc.v)
			if len(got) != len(tc.want) {
				t.Errorf("got %d paths %#v, want %#v", len(got), got, tc.want)
			}
			for _, w := range tc.want {
				if !containsPath(got, w) {
					t.Errorf("missing %s in %#v", FormatPath(w), got)
				}
			}
			// The paths mark the value as the caller will do it.
			marked := tc.v.MarkWithPaths(pathMarks(got))
			for _, p := range got {
				v, err := p.Apply(marked)
				if err != nil || !v.HasMark("sensitive") {
					t.Errorf("%s not marked after MarkWithPaths: %v", FormatPath(p), err)
				}
			}
		})
	}
}

func pathMarks(paths []cty.Path) []cty.PathValueMarks {
	var pvm []cty.PathValueMarks
	for _, p := range paths {
		pvm = append(pvm, cty.PathValueMarks{Path: p, Marks: cty.NewValueMarks("sensitive")})
	}
	return pvm
}

func TestFormatPath(t *testing.T) {
	cases := []struct {
		path cty.Path
		want string
	}{
		{nil, ""},
		{cty.GetAttrPath("a"), "a"},
		{cty.GetAttrPath("rule").IndexInt(1).GetAttr("port"), "rule[1].port"},
		{cty.GetAttrPath("tags").IndexString("env"), `tags["env"]`},
		{cty.Path{cty.IndexStep{Key: cty.UnknownVal(cty.String)}}, "[?]"},
	}
	for _, tc := range cases {
		if got := FormatPath(tc.path); got != tc.want {
			t.Errorf("FormatPath(%#v) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestDiagnosticsErr(t *testing.T) {
	if err := (Diagnostics{{Severity: Warning, Summary: "w"}}).Err(); err != nil {
		t.Errorf("warnings only: Err() = %v", err)
	}
	ds := Diagnostics{
		{Severity: Warning, Summary: "just a warning"},
		{Severity: Error, Summary: "Invalid port", Detail: "Ports are not negative.", Attribute: cty.GetAttrPath("rule").IndexInt(0).GetAttr("port")},
		{Severity: Error, Summary: "Provider crashed", Err: &CallError{Provider: "p", Operation: "PlanResourceChange", Err: ErrProviderExited}},
	}
	err := ds.Err()
	if !strings.Contains(err.Error(), "rule[0].port: Invalid port: Ports are not negative.") || strings.Contains(err.Error(), "just a warning") {
		t.Errorf("Err() = %q", err)
	}
	if !errors.Is(err, ErrProviderExited) {
		t.Errorf("Err() does not reach the CallError's cause")
	}
}

func eq(t *testing.T, got, want cty.Value) {
	t.Helper()
	if !got.RawEquals(want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}
