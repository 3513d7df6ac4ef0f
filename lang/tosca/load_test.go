package tosca

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

func loadOK(t *testing.T, path string, opts Options) *config.Module {
	t.Helper()
	m, diags := Load(path, opts)
	checkRanges(t, diags)
	if diags.HasErrors() {
		t.Fatalf("load %s:\n%s", path, renderDiags(diags))
	}
	return m
}

// evalCtx evaluates expressions the way the planner will: var.* and
// component.* as objects, with the functions the converted TOSCA functions
// call.
func evalCtx(vars map[string]cty.Value, comps map[string]cty.Value) *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars), "component": cty.ObjectVal(comps)},
		Functions: map[string]function.Function{
			"join": stdlib.JoinFunc, "split": stdlib.SplitFunc, "element": stdlib.ElementFunc,
			"replace": stdlib.ReplaceFunc, "contains": stdlib.ContainsFunc, "length": stdlib.LengthFunc,
			"can": tryfunc.CanFunc, "regex": stdlib.RegexFunc,
		},
	}
}

func traversalOf(t *testing.T, e hcl.Expression) string {
	t.Helper()
	st, ok := e.(*hclsyntax.ScopeTraversalExpr)
	if !ok {
		t.Fatalf("expression is a %T, not a traversal", e)
	}
	var b strings.Builder
	for _, step := range st.Traversal {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String {
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			} else {
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			}
		}
	}
	return b.String()
}

func TestLoadCluster(t *testing.T) {
	m := loadOK(t, "testdata/good/cluster.yaml", Options{})

	if m.Template == nil || m.Template.Description != "A small portal on one virtual machine, with a data volume." {
		t.Fatalf("template info: %+v", m.Template)
	}
	if got := len(m.Files); got != 2 {
		t.Errorf("files = %v, want the template and its local import", m.Files)
	}

	// inputs become variables with cty types and defaults
	for name, want := range map[string]cty.Type{"num_cpus": cty.Number, "mem_size": cty.String, "debug": cty.Bool, "os_version": cty.String, "admin_email": cty.String} {
		v := m.Variables[name]
		if v == nil || !v.Type.Equals(want) {
			t.Errorf("variable %s = %+v, want type %s", name, v, want.FriendlyName())
		}
	}
	if d := m.Variables["debug"].Default; !d.RawEquals(cty.True) {
		t.Errorf("debug default = %#v, want true (YAML 1.1 yes)", d)
	}
	if d := m.Variables["os_version"].Default; !d.RawEquals(cty.StringVal("16.04")) {
		t.Errorf("os_version default = %#v, want \"16.04\" kept as written", d)
	}
	if m.Variables["admin_email"].Required() {
		t.Error("admin_email is required: no, so it must not be required")
	}

	// constraints become validations over var.NAME
	checkRule := func(name string, val cty.Value, wantOK bool) {
		t.Helper()
		v := m.Variables[name]
		if len(v.Validations) != 1 {
			t.Fatalf("%s has %d validations, want 1", name, len(v.Validations))
		}
		rule := v.Validations[0]
		got, diags := rule.Condition.Value(evalCtx(map[string]cty.Value{name: val}, nil))
		if diags.HasErrors() {
			t.Fatalf("%s condition: %s", name, diags.Error())
		}
		if got.True() != wantOK {
			t.Errorf("%s = %#v: condition %v, want %v", name, val, got.True(), wantOK)
		}
		if rule.DeclRange.Filename == "" || rule.DeclRange.Start.Byte == 0 {
			t.Errorf("%s rule range %v lacks a file or byte offset", name, rule.DeclRange)
		}
	}
	checkRule("num_cpus", cty.NumberIntVal(4), true)
	checkRule("num_cpus", cty.NumberIntVal(3), false)
	checkRule("replicas", cty.NumberIntVal(10), true)
	checkRule("replicas", cty.NumberIntVal(11), false)

	portal := m.Components["portal"]
	if portal == nil {
		t.Fatal("no component portal")
	}
	if portal.Type != "example.nodes.Portal" || len(portal.TypeChain) < 4 || portal.TypeChain[1] != "tosca.nodes.WebServer" || portal.TypeChain[len(portal.TypeChain)-1] != "tosca.nodes.Root" {
		t.Errorf("portal type chain = %v", portal.TypeChain)
	}
	if len(portal.Requirements) != 1 || portal.Requirements[0].Target != "server" || portal.Requirements[0].Relationship != "tosca.relationships.HostedOn" {
		t.Errorf("portal requirements = %+v", portal.Requirements[0])
	}
	if len(portal.DependsOn) != 1 || portal.DependsOn[0].RootName() != "component" {
		t.Errorf("portal depends_on = %v", portal.DependsOn)
	}
	if got := traversalOf(t, portal.Properties["admin"]); got != "var.admin_email" {
		t.Errorf("admin = %s, want var.admin_email", got)
	}
	verbose, _ := portal.Properties["verbose"].Value(nil)
	if !verbose.RawEquals(cty.False) {
		t.Errorf("verbose: no = %#v, want false", verbose)
	}

	// concat with get_attribute on HOST, evaluated against component values
	comps := map[string]cty.Value{"server": cty.ObjectVal(map[string]cty.Value{
		"public_address": cty.ListVal([]cty.Value{cty.StringVal("192.0.2.7")}),
		"capabilities":   cty.ObjectVal(map[string]cty.Value{"host": cty.ObjectVal(map[string]cty.Value{"num_cpus": cty.NumberIntVal(2)})}),
	})}
	url, diags := portal.Properties["public_url"].Value(evalCtx(nil, comps))
	if diags.HasErrors() || url.AsString() != "https://192.0.2.7:8443" {
		t.Errorf("public_url = %#v %s", url, diags.Error())
	}
	tok, diags := portal.Properties["first_dns"].Value(evalCtx(nil, nil))
	if diags.HasErrors() || tok.AsString() != "b" {
		t.Errorf("token = %#v %s, want \"b\" (split on . and :)", tok, diags.Error())
	}
	// an unknown attribute stays unknown at plan
	planComps := map[string]cty.Value{"server": cty.UnknownVal(cty.DynamicPseudoType)}
	if v, _ := portal.Properties["public_url"].Value(evalCtx(nil, planComps)); v.IsKnown() {
		t.Errorf("public_url is known before apply: %#v", v)
	}

	op := portal.Interfaces["Standard"]["configure"]
	if op == nil || op.Implementation != "https://example.org/portal/configure.yml" {
		t.Fatalf("configure operation = %+v", op)
	}
	if role, _ := op.Inputs["role"].Value(nil); role.AsString() != "indigo-dc.portal" {
		t.Errorf("get_artifact = %#v", role)
	}
	if got := traversalOf(t, op.Inputs["cpus"]); got != "component.server.capabilities.host.num_cpus" {
		t.Errorf("get_property [HOST, host, num_cpus] = %s", got)
	}
	if a := portal.Artifacts["portal_role"]; a == nil || a.Type != "tosca.artifacts.AnsibleGalaxy.role" {
		t.Errorf("artifact = %+v", a)
	}

	server := m.Components["server"]
	if got := traversalOf(t, server.Capabilities["host"]["num_cpus"]); got != "var.num_cpus" {
		t.Errorf("server host num_cpus = %s", got)
	}
	if loc, _ := server.Capabilities["relationship:local_storage"]["location"].Value(nil); loc.AsString() != "/mnt/data" {
		t.Errorf("relationship property location = %#v", loc)
	}

	// placement: a policy without targets places the whole topology, one
	// with targets places its targets
	if p := m.Template.Placement; p == nil || len(p.Sites) != 1 || p.Sites[0].SLA != "sla-cnaf-1" {
		t.Errorf("topology placement = %+v", p)
	}
	if p := m.Components["data"].Placement; p == nil || len(p.Sites) != 1 || p.Sites[0].Name != "bari-openstack" {
		t.Errorf("data placement = %+v", p)
	}
	if m.Components["server"].Placement != nil {
		t.Error("server has a placement of its own")
	}

	if got := traversalOf(t, m.Outputs["server_ip"].Expr); got != "component.server.public_address[0]" {
		t.Errorf("server_ip = %s", got)
	}
	joined, diags := m.Outputs["joined"].Expr.Value(evalCtx(nil, nil))
	if diags.HasErrors() || joined.AsString() != "a,b" {
		t.Errorf("join = %#v %s", joined, diags.Error())
	}
	if m.Outputs["portal_url"].Description != "where the portal answers" {
		t.Errorf("output description = %q", m.Outputs["portal_url"].Description)
	}
}

func TestExpressionRangesPointAtYAML(t *testing.T) {
	src, err := os.ReadFile("testdata/good/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := loadOK(t, "testdata/good/cluster.yaml", Options{})
	r := m.Components["portal"].Properties["admin"].Range()
	if got := string(src[r.Start.Byte:r.End.Byte]); got != "{ get_input: admin_email }" {
		t.Errorf("admin expression range covers %q", got)
	}
	r = m.Components["server"].DeclRange
	if got := string(src[r.Start.Byte:r.End.Byte]); got != "server" {
		t.Errorf("component range covers %q", got)
	}
	checkPos(t, r.Filename, r.Start)
}

func TestInputsOption(t *testing.T) {
	m := loadOK(t, "testdata/good/cluster.yaml", Options{Inputs: map[string]cty.Value{"num_cpus": cty.NumberIntVal(4), "sla": cty.StringVal("sla-bari")}})
	if d := m.Variables["num_cpus"].Default; !d.RawEquals(cty.NumberIntVal(4)) {
		t.Errorf("num_cpus = %#v, want the given 4", d)
	}
	if p := m.Template.Placement; p == nil || p.Sites[0].SLA != "sla-bari" {
		t.Errorf("placement follows the given sla input: %+v", p)
	}

	_, diags := Load("testdata/good/cluster.yaml", Options{Inputs: map[string]cty.Value{"num_cpus": cty.NumberIntVal(3), "nope": cty.True}})
	checkRanges(t, diags)
	got := renderDiags(diags)
	for _, want := range []string{"Constraint not met", "The value given for input num_cpus: 3 is not one of 1, 2, 4", "Unknown input", `"nope"`} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
}

func TestComposeParents(t *testing.T) {
	m := loadOK(t, "testdata/compose/child.yaml", Options{})
	if m.Components["front"] == nil || m.Components["tool"] == nil {
		t.Fatalf("components = %v, want the parent's front and the child's tool", slices.Sorted(maps.Keys(m.Components)))
	}
	if d := m.Variables["front_cpus"].Default; !d.RawEquals(cty.NumberIntVal(4)) {
		t.Errorf("front_cpus = %#v: the child's input must override the parent's", d)
	}
	if m.Outputs["front_ip"] == nil {
		t.Error("the parent's output is missing")
	}
	if tool := m.Components["tool"]; tool.Requirements[0].Target != "front" {
		t.Errorf("tool host = %q", tool.Requirements[0].Target)
	}
	if len(m.Files) != 2 || filepath.Base(m.Files[1]) != "parent.yaml" {
		t.Errorf("files = %v", m.Files)
	}
}

func TestTemplateLoader(t *testing.T) {
	var load config.TemplateLoader = TemplateLoader(Options{})
	m, diags := load("testdata/good/cluster.yaml")
	if diags.HasErrors() || m.Components["portal"] == nil {
		t.Fatalf("loader: %s", diags.Error())
	}
}

func TestYAML11Booleans(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
		ok   bool
	}{{"yes", true, true}, {"No", false, true}, {"on", true, true}, {"OFF", false, true}, {"true", true, true}, {"y", true, true}, {"maybe", false, false}, {"1", false, false}} {
		got, ok := parseBool(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseBool(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestScalarUnits(t *testing.T) {
	for _, tc := range []struct {
		typ, in string
		want    float64
		err     bool
	}{
		{"scalar-unit.size", "4 GB", 4e9, false},
		{"scalar-unit.size", "2GiB", 2 << 30, false},
		{"scalar-unit.size", "512 kB", 512e3, false},
		{"scalar-unit.time", "30 s", 30, false},
		{"scalar-unit.time", "2 h", 7200, false},
		{"scalar-unit.frequency", "2.4 GHz", 2.4e9, false},
		{"scalar-unit.size", "4", 0, true},
		{"scalar-unit.size", "4 parsecs", 0, true},
	} {
		got, err := parseScalarUnit(tc.typ, tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("parseScalarUnit(%s, %q) = %v, %v", tc.typ, tc.in, got, err)
		}
	}
}

func TestVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"1.2", "1.10", -1}, {"16.04", "16.04", 0}, {"2", "1.9.9", 1}, {"1.0.0.beta-2", "1.0", 0}} {
		a, err1 := parseVersion(tc.a)
		b, err2 := parseVersion(tc.b)
		if err1 != nil || err2 != nil {
			t.Fatalf("%v %v", err1, err2)
		}
		if got := compareVersions(a, b); got != tc.want {
			t.Errorf("compare(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if _, err := parseVersion("one"); err == nil {
		t.Error("\"one\" parsed as a version")
	}
}

func TestLoadBytesImportsThroughReadFile(t *testing.T) {
	files := map[string]string{
		"dir/types.yaml": "tosca_definitions_version: tosca_simple_yaml_1_0\nnode_types:\n  my.App:\n    derived_from: tosca.nodes.Root\n    properties:\n      port: {type: integer, default: 80}\n",
	}
	opts := Options{ReadFile: func(p string) ([]byte, error) {
		if s, ok := files[filepath.ToSlash(p)]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	}}
	src := "tosca_definitions_version: tosca_simple_yaml_1_0\nimports: [ types.yaml ]\ntopology_template:\n  node_templates:\n    app: { type: my.App }\n"
	m, diags := LoadBytes("dir/main.yaml", []byte(src), opts)
	if diags.HasErrors() {
		t.Fatal(renderDiags(diags))
	}
	port, _ := m.Components["app"].Properties["port"].Value(nil)
	if !port.RawEquals(cty.NumberIntVal(80)) {
		t.Errorf("default port = %#v", port)
	}
}

// TestConcurrentLoads loads templates from several goroutines at once, as
// indigo serve will: the embedded catalogues are shared, read-only. Run
// with -race.
func TestConcurrentLoads(t *testing.T) {
	done := make(chan string)
	for i := 0; i < 8; i++ {
		go func(i int) {
			path := "testdata/good/cluster.yaml"
			if i%2 == 1 {
				path = "testdata/compose/child.yaml"
			}
			m, diags := Load(path, Options{})
			switch {
			case diags.HasErrors():
				done <- diags.Error()
			case len(m.Components) == 0:
				done <- "no components"
			default:
				done <- ""
			}
		}(i)
	}
	for i := 0; i < 8; i++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("tosca_definitions_version: tosca_simple_yaml_1_0\ndsl_definitions:\n  l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "  l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("topology_template:\n  outputs:\n    big: { value: *l8 }\n")
	_, diags := LoadBytes("bomb.yaml", []byte(b.String()), Options{})
	if !strings.Contains(renderDiags(diags), "Template too large") {
		t.Fatalf("diagnostics: %s", renderDiags(diags))
	}
}
