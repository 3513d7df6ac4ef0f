package jsonplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/load"
	"github.com/indigo-cloud/indigo/planner/plan/plantest"
)

// extensions are the keys indigo adds to Terraform's format, where it
// adds them: tools ignore keys they do not know.
var extensions = map[string]bool{
	"indigo":             true, // top level: placements, notes, ...
	"site":               true, // resource changes and values resources
	"indigo_deployments": true, // configuration modules
}

// checkShape compares a JSON document with the documented format
// (testdata/terraform-format.json): every key is documented (or one of
// indigo's extensions) and holds the documented type.
func checkShape(path string, got, want any, defs map[string]any, errs *[]string) {
	if s, ok := want.(string); ok && strings.HasPrefix(s, "$") {
		want = defs[s]
	}
	fail := func(format string, a ...any) { *errs = append(*errs, path+": "+fmt.Sprintf(format, a...)) }
	switch w := want.(type) {
	case string:
		ok := true
		switch w {
		case "string":
			_, ok = got.(string)
		case "bool":
			_, ok = got.(bool)
		case "number":
			_, ok = got.(json.Number)
		case "any":
		default:
			fail("bad schema type %q", w)
		}
		if !ok {
			fail("want %s, got %T", w, got)
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			fail("want an array, got %T", got)
			return
		}
		for i, e := range g {
			checkShape(fmt.Sprintf("%s[%d]", path, i), e, w[0], defs, errs)
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			fail("want an object, got %T", got)
			return
		}
		if star, ok := w["*"]; ok {
			for k, e := range g {
				checkShape(path+"."+k, e, star, defs, errs)
			}
			return
		}
		for k, e := range g {
			// indigo marks a sensitive variable (whose value it hides).
			if extensions[k] || k == "sensitive" && strings.HasPrefix(path, "$.variables.") {
				continue
			}
			sub, ok := w[k]
			if !ok {
				fail("key %q is not in Terraform's documented format", k)
				continue
			}
			checkShape(path+"."+k, e, sub, defs, errs)
		}
	}
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return doc
}

// sampleConfig loads a configuration that declares what the sample plan's
// root resources come from, with a module call, a provider block, a
// sensitive variable and nested blocks.
func sampleConfig(t *testing.T) *config.Config {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"main.tf": `
variable "region" {
  type    = string
  default = "eu"
}
variable "token" {
  type      = string
  default   = "` + plantest.Secret + `"
  sensitive = true
}
provider "indigo" {
  root = "site-` + plantest.Secret + `"
}
locals {
  via = module.net.id
}
resource "indigo_file" "update" {
  count   = 4
  path    = "a.txt"
  content = "new-${indigo_file.b[1].path}-${local.via}"
  auth = {
    user     = "admin"
    password = "` + plantest.Secret + `"
  }
}
resource "indigo_file" "b" {
  count   = 2
  path    = "b-${count.index}.txt"
  content = var.region
}
module "net" {
  source = "./net"
  region = var.region
}
output "url" {
  value = "https://x"
}
output "password" {
  value     = var.token
  sensitive = true
}
`,
		"net/main.tf": `
variable "region" {
  type = string
}
resource "indigo_noop" "n" {
  input = var.region
}
output "id" {
  value = indigo_noop.n.id
}
`,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, diags := load.Path(dir, load.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return res.Config
}

// TestJSONViewFollowsTerraformFormat compares the view's shape (keys and
// types, recursively) with Terraform's documented JSON plan format, and
// checks that every top-level key the format always has is there.
func TestJSONViewFollowsTerraformFormat(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "terraform-format.json"))
	if err != nil {
		t.Fatal(err)
	}
	format := decodeJSON(t, b)
	defs, _ := format["$defs"].(map[string]any)
	delete(format, "$defs")
	out, err := MarshalOptions(plantest.Sample(), Options{Config: sampleConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte(plantest.Secret)) {
		t.Fatalf("a sensitive value appears in the view:\n%s", out)
	}
	doc := decodeJSON(t, out)
	var errs []string
	checkShape("$", doc, format, defs, &errs)
	for _, k := range []string{"format_version", "terraform_version", "variables", "planned_values", "resource_drift",
		"resource_changes", "output_changes", "prior_state", "configuration", "relevant_attributes", "timestamp",
		"applyable", "complete", "errored"} {
		if _, ok := doc[k]; !ok {
			errs = append(errs, "$: missing "+k)
		}
	}
	sort.Strings(errs)
	if len(errs) > 0 {
		t.Fatalf("the view departs from Terraform's format:\n%s", strings.Join(errs, "\n"))
	}
	if doc["format_version"] != "1.2" {
		t.Errorf("format_version = %v", doc["format_version"])
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, out, "", "  "); err != nil {
		t.Fatal(err)
	}
	indented.WriteByte('\n')
	golden(t, "plan-with-config.json", indented.Bytes())
}

// TestConfigurationView checks what the configuration object says of the
// sample configuration: constants, references, nested modules, provider
// keys, and no secret in any form.
func TestConfigurationView(t *testing.T) {
	doc := decodeJSON(t, mustMarshal(t, Options{Config: sampleConfig(t)}))
	root := dig(doc, "configuration", "root_module").(map[string]any)
	res := map[string]map[string]any{}
	for _, r := range root["resources"].([]any) {
		m := r.(map[string]any)
		res[m["address"].(string)] = m
	}
	if got := dig(res["indigo_file.b"], "expressions", "content", "references"); !slices.Equal(toStrings(got), []string{"var.region"}) {
		t.Errorf("indigo_file.b content references = %v", got)
	}
	if got := dig(res["indigo_file.update"], "expressions", "path", "constant_value"); got != "a.txt" {
		t.Errorf("indigo_file.update path constant = %v", got)
	}
	// auth holds a value the sample plan marks sensitive (auth.password):
	// its constant is not shown.
	if got := dig(res["indigo_file.update"], "expressions", "auth"); len(got.(map[string]any)) != 0 {
		t.Errorf("indigo_file.update auth (sensitive inside) = %v, want {}", got)
	}
	if got := dig(res["indigo_file.update"], "schema_version"); got != json.Number("2") {
		t.Errorf("schema_version = %v", got)
	}
	if _, ok := dig(res["indigo_file.b"], "expressions").(map[string]any)["count"]; ok {
		t.Errorf("the count meta-argument is among the expressions")
	}
	if got := dig(res["indigo_file.b"], "count_expression", "constant_value"); got != json.Number("2") {
		t.Errorf("count_expression = %v", got)
	}
	if got := res["indigo_file.update"]["provider_config_key"]; got != "indigo" {
		t.Errorf("provider_config_key = %v", got)
	}
	if got := dig(doc, "configuration", "provider_config", "indigo", "full_name"); got != config.BuiltinProvider.String() {
		t.Errorf("provider full_name = %v", got)
	}
	child := dig(root, "module_calls", "net", "module", "resources").([]any)
	if len(child) != 1 || dig(child[0], "address") != "indigo_noop.n" {
		t.Errorf("module net resources = %v", child)
	}
	if got := dig(root, "variables", "region", "default"); got != "eu" {
		t.Errorf("variable default = %v", got)
	}
	if _, ok := dig(root, "variables", "token").(map[string]any)["default"]; ok {
		t.Errorf("a sensitive variable's default is shown")
	}
	if got := dig(doc, "indigo", "configuration"); got != "plan" {
		t.Errorf("indigo.configuration = %v", got)
	}
	// Without the configuration the object is there, empty, and the
	// indigo object says why.
	bare := decodeJSON(t, mustMarshal(t, Options{}))
	if got := dig(bare, "indigo", "configuration"); got != "missing" {
		t.Errorf("indigo.configuration without config = %v", got)
	}
}

func mustMarshal(t *testing.T, opts Options) []byte {
	t.Helper()
	out, err := MarshalOptions(plantest.Sample(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func toStrings(v any) []string {
	a, _ := v.([]any)
	var out []string
	for _, e := range a {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

// TestReferencesAsTerraform: an expression's references are listed as
// Terraform lists them (checked against terraform and tofu show -json):
// the whole reference, each shorter one down to the object referred to,
// then the resource of an instance and the module call of an output.
func TestReferencesAsTerraform(t *testing.T) {
	for src, want := range map[string][]string{
		`local_file.f["a"].id`:                      {`local_file.f["a"].id`, `local_file.f["a"]`, `local_file.f`},
		`data.local_file.read.content`:              {"data.local_file.read.content", "data.local_file.read"},
		`module.m.x`:                                {"module.m.x", "module.m"},
		`module.m["k"].x.y`:                         {`module.m["k"].x.y`, `module.m["k"].x`, `module.m["k"]`, "module.m"},
		`var.a.b[0]`:                                {"var.a.b[0]", "var.a.b", "var.a"},
		`count.index`:                               {"count.index"},
		`aws_instance.web.network_interface[0].id`:  {"aws_instance.web.network_interface[0].id", "aws_instance.web.network_interface[0]", "aws_instance.web.network_interface", "aws_instance.web"},
		`aws_instance.web[1]`:                       {"aws_instance.web[1]", "aws_instance.web"},
		`"${path.module}/${each.key}-${local.x.y}"`: {"path.module", "each.key", "local.x.y", "local.x"},
	} {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "t.tf", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if got := expressionOf(expr, false).References; !slices.Equal(got, want) {
			t.Errorf("references of %s = %q, want %q", src, got, want)
		}
	}
}

// TestJSONViewRelevantAttributes: relevant_attributes lists, as Terraform's
// does, the attributes the configuration of each changed resource refers
// to, directly (indigo_file.b[1].path) or through a local and a module's
// output (module.net.indigo_noop.n.id), and nothing for unchanged ones.
func TestJSONViewRelevantAttributes(t *testing.T) {
	out, err := MarshalOptions(plantest.Sample(), Options{Config: sampleConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	got := dig(decodeJSON(t, out), "relevant_attributes")
	want := []any{
		map[string]any{"resource": "indigo_file.b[1]", "attribute": []any{"path"}},
		map[string]any{"resource": "module.net.indigo_noop.n", "attribute": []any{"id"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("relevant_attributes = %v, want %v", got, want)
	}
}
