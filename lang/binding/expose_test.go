package binding

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/tosca"
)

// TestCapabilitiesExposed checks what component.NODE.capabilities holds
// for templates that read capability attributes: an endpoint's address and
// credential, and the target of a published port.
func TestCapabilitiesExposed(t *testing.T) {
	m, diags := tosca.LoadBytes("expose.yaml", []byte(`tosca_definitions_version: tosca_simple_yaml_1_0
imports:
  - indigo_custom_types: https://raw.githubusercontent.com/indigo-dc/tosca-types/master/custom_types.yaml
topology_template:
  node_templates:
    server:
      type: tosca.nodes.indigo.Compute
      capabilities:
        endpoint:
          properties: { network_name: PUBLIC }
    runtime:
      type: tosca.nodes.indigo.Container.Runtime.Docker
      capabilities:
        host:
          properties:
            publish_ports: [ { protocol: tcp, source: 5000 } ]
`), tosca.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	caps := func(kind, name string) cty.Value {
		t.Helper()
		r := realise(t, m.Components, name, Site{Name: "s", Kind: kind, Settings: cty.ObjectVal(map[string]cty.Value{
			"image": cty.StringVal("img"), "flavor": cty.StringVal("f"),
		})})
		e := r.Attributes["capabilities"]
		if e == nil {
			t.Fatalf("%s on %s: no capabilities attribute", name, kind)
		}
		v, d := e.Value(nil)
		if d.HasErrors() && kind == "local" {
			t.Fatalf("%s on %s: %s", name, kind, d.Error())
		}
		return v
	}
	ep := caps("local", "server").GetAttr("endpoint")
	if got := ep.GetAttr("ip_address"); !got.RawEquals(cty.StringVal("127.0.0.1")) {
		t.Errorf("local endpoint ip_address = %#v, want 127.0.0.1", got)
	}
	if got := ep.GetAttr("network_name"); !got.RawEquals(cty.StringVal("PUBLIC")) {
		t.Errorf("endpoint network_name = %#v, want the given PUBLIC", got)
	}
	cred := ep.GetAttr("credential")
	if cred.IsKnown() || !cred.Type().IsListType() || !cred.Type().ElementType().HasAttribute("token") {
		t.Errorf("endpoint credential = %#v, want an unknown list of credentials", cred)
	}
	port := caps("local", "runtime").GetAttr("host").GetAttr("publish_ports").Index(cty.NumberIntVal(0))
	if got := port.GetAttr("target"); !got.RawEquals(cty.NumberIntVal(5000)) {
		t.Errorf("local publish_ports[0].target = %#v, want the source 5000 (no port mapping)", got)
	}
	k8s := realise(t, m.Components, "runtime", Site{Name: "k", Kind: "kubernetes", Settings: cty.ObjectVal(map[string]cty.Value{"namespace": cty.NullVal(cty.String)})})
	v, _ := k8s.Attributes["capabilities"].Value(nil)
	if got := v.GetAttr("host").GetAttr("publish_ports").Index(cty.NumberIntVal(0)).GetAttr("target"); got.IsKnown() {
		t.Errorf("kubernetes publish_ports[0].target = %#v, want unknown until apply", got)
	}
}
