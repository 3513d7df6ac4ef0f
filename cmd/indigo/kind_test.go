package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
)

// A kind registered here, by a test file, the way a kind's own file in
// lang/binding registers itself. TestToyKind proves that this is all a new
// kind needs: validate, plan, apply and destroy take it with no other
// change, and its settings are read against its schema.
func init() {
	binding.Register(&binding.Kind{
		Name:            "toy",
		Doc:             "A kind that exists only in this test.",
		DefaultProvider: config.BuiltinProvider,
		Settings: []binding.Setting{
			{Name: "label", Type: cty.String, Required: true, Doc: "what every object here is labelled"},
		},
		Rules: []binding.Rule{{
			Type: "tosca.nodes.Compute",
			Doc:  "indigo_noop",
			Realise: func(b *binding.Binder) {
				name := binding.Name(b.Component().Name)
				b.Resource("indigo_noop", name, map[string]hcl.Expression{
					"input": b.String(b.Site().Setting("label") + ":" + b.Component().Name),
				})
				b.SetAttribute("label", b.Ref("indigo_noop", name, "output"))
			},
		}},
		Storage: func(b *binding.StorageBinder) {
			b.Resource("indigo_noop", b.Name("toy"), map[string]hcl.Expression{
				"input": b.String(b.Site().Setting("label") + ":" + b.Storage().Addr.String()),
			})
		},
	})
}

func TestToyKind(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"main.hcl": `
provider "indigo" {
  root = "site"
}

site "playground" {
  provider = indigo
  kind     = "toy"
  settings {
    label = "blue"
  }
}

deployment "box" {
  template = "box.yaml"
}

storage "bag" {}

output "label" {
  value = deployment.box.outputs.label
}
`,
		"box.yaml": `tosca_definitions_version: tosca_simple_yaml_1_3
topology_template:
  node_templates:
    server:
      type: tosca.nodes.Compute
  outputs:
    label:
      value: { get_attribute: [server, label] }
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, code := runIn(t, dir, "validate"); code != 0 {
		t.Fatalf("validate: exit %d\n%s", code, out)
	}
	out, code := runIn(t, dir, "apply", "-auto-approve")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	for _, want := range []string{"site playground", "indigo_noop.server", "indigo_noop.toy_playground"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	st, code := runIn(t, dir, "show", "-json")
	if code != 0 {
		t.Fatalf("show: exit %d\n%s", code, st)
	}
	for _, want := range []string{`"blue:server"`, `"blue:storage.bag"`} {
		if !strings.Contains(st, want) {
			t.Errorf("the state lacks %s: the site's settings did not reach its resources\n%s", want, st)
		}
	}
	if out, code := runIn(t, dir, "plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("second plan: exit %d, want 0 (no changes)\n%s", code, out)
	}
	if out, code := runIn(t, dir, "destroy", "-auto-approve"); code != 0 {
		t.Fatalf("destroy: exit %d\n%s", code, out)
	}

	// Settings are read against the kind's schema.
	main := strings.Replace(files["main.hcl"], `label = "blue"`, `colour = "blue"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = runIn(t, dir, "validate")
	if code != 1 || !strings.Contains(out, `A toy site has no setting "colour"`) || !strings.Contains(out, `needs the setting "label"`) {
		t.Errorf("validate with a wrong setting: exit %d\n%s", code, out)
	}
}
