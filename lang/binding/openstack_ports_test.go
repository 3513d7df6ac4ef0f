package binding

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/tosca"
)

// networkPorts lists what a server's network blocks attach, in order: the
// port resource each names (PORT for TYPE.PORT.id and TYPE.PORT[i].id).
func networkPorts(t *testing.T, body hcl.Body) []string {
	t.Helper()
	var out []string
	for _, bl := range body.(*hclsyntax.Body).Blocks {
		if bl.Type != "network" {
			continue
		}
		a := bl.Body.Attributes["port"]
		if a == nil {
			out = append(out, "(not a port)")
			continue
		}
		var name string
		for _, tr := range a.Expr.Variables() {
			if tr.RootName() != "count" {
				name = tr[1].(hcl.TraverseAttr).Name
			}
		}
		out = append(out, name)
	}
	return out
}

// netsTemplate is shaped as grycap-im's tosca_nets: a front end on a
// private network and the public one, scalable workers on the private one.
const netsTemplate = `tosca_definitions_version: tosca_simple_yaml_1_0
imports:
  - indigo_custom_types: https://raw.githubusercontent.com/indigo-dc/tosca-types/master/custom_types.yaml
topology_template:
  node_templates:
    pub_network:
      type: tosca.nodes.network.Network
      properties: { network_type: public }
    network1:
      type: tosca.nodes.network.Network
      properties: { cidr: 192.168.10.0/24, network_type: private }
    server_pub_port:
      type: tosca.nodes.network.Port
      properties: { order: 1 }
      requirements:
        - binding: lrms_server
        - link: pub_network
    server_port:
      type: tosca.nodes.network.Port
      properties: { order: 0 }
      requirements:
        - binding: lrms_server
        - link: network1
    wn_port:
      type: tosca.nodes.network.Port
      requirements:
        - binding: lrms_wn
        - link: network1
    lrms_server:
      type: tosca.nodes.indigo.Compute
      capabilities:
        host:
          properties: { instance_type: m1.small }
        os:
          properties: { image: ubuntu-22.04 }
    lrms_wn:
      type: tosca.nodes.indigo.Compute
      capabilities:
        scalable:
          properties: { count: 2 }
        host:
          properties: { instance_type: m1.small }
        os:
          properties: { image: ubuntu-22.04 }
`

// TestOpenStackTemplatePorts: the front end boots on its private port
// (order 0) then on the public port its floating IP is associated with
// (its port on the public network, order 1); the private network is made
// with its subnet, the public one is not; the scalable workers' port is one
// per worker, and each worker boots on its own.
func TestOpenStackTemplatePorts(t *testing.T) {
	m, diags := tosca.LoadBytes("nets.yaml", []byte(netsTemplate), tosca.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	comps := m.Components
	site := Site{Name: "cloud", Kind: "openstack", ProviderLocalName: "openstack", Settings: cty.ObjectVal(map[string]cty.Value{"network_id": cty.StringVal("net-1")})}
	srv := realise(t, comps, "lrms_server", site)
	if got := strings.Join(networkPorts(t, resource(t, srv, "openstack_compute_instance_v2", "lrms_server").Config), " "); got != "server_port lrms_server" {
		t.Errorf("the front end boots on %q, want its private port then its public one", got)
	}
	resource(t, srv, "openstack_networking_floatingip_associate_v2", "lrms_server_fip")

	port := resource(t, realise(t, comps, "server_port", site), "openstack_networking_port_v2", "server_port")
	if v := port.Config.(*hclsyntax.Body).Attributes["network_id"].Expr.Variables(); len(v) != 1 || v[0].RootName() != "openstack_networking_network_v2" {
		t.Errorf("server_port's network_id reads %v, want network1's network", v)
	}
	var after []string
	for _, d := range port.DependsOn {
		after = append(after, d.RootName()+"."+d[1].(hcl.TraverseAttr).Name)
	}
	if got := strings.Join(after, " "); got != "component.network1 openstack_networking_subnet_v2.network1" {
		t.Errorf("server_port depends on %q: want its network and subnet, not its server (which boots with it)", got)
	}
	net := realise(t, comps, "network1", site)
	resource(t, net, "openstack_networking_subnet_v2", "network1")
	if pub := realise(t, comps, "pub_network", site); len(pub.Resources) != 0 {
		t.Errorf("the public network makes %d resources, want none", len(pub.Resources))
	}
	if res := realise(t, comps, "server_pub_port", site); len(res.Resources) != 0 {
		t.Errorf("the port on the public network makes %d resources, want none (it is the floating IP)", len(res.Resources))
	}
	if wn := resource(t, realise(t, comps, "wn_port", site), "openstack_networking_port_v2", "wn_port"); wn.Count == nil {
		t.Error("the port of the scalable workers has no count")
	}
	wn := resource(t, realise(t, comps, "lrms_wn", site), "openstack_compute_instance_v2", "lrms_wn").Config
	if got := networkPorts(t, wn); len(got) != 1 || got[0] != "wn_port" {
		t.Errorf("a worker boots on %v, want its wn_port", got)
	}
}

// TestOpenStackPortErrors: a port the binding cannot make says why, at the
// template.
func TestOpenStackPortErrors(t *testing.T) {
	const tmpl = `tosca_definitions_version: tosca_simple_yaml_1_0
imports:
  - indigo_custom_types: https://raw.githubusercontent.com/indigo-dc/tosca-types/master/custom_types.yaml
topology_template:
  node_templates:
    site_net:
      type: tosca.nodes.network.Network
      properties: { network_name: private }
    node:
      type: tosca.nodes.indigo.Compute
      capabilities:
        scalable:
          properties: { count: 2 }
    fixed:
      type: tosca.nodes.network.Port
      properties: { ip_address: 10.0.0.5 }
      requirements:
        - binding: node
        - link: site_net
    loose:
      type: tosca.nodes.network.Port
      requirements:
        - link: site_net
`
	m, diags := tosca.LoadBytes("ports.yaml", []byte(tmpl), tosca.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	named := Site{Name: "cloud", Kind: "openstack", ProviderLocalName: "openstack", Settings: cty.ObjectVal(map[string]cty.Value{"network": cty.StringVal("private"), "network_id": cty.NullVal(cty.String)})}
	withID := Site{Name: "cloud", Kind: "openstack", ProviderLocalName: "openstack", Settings: cty.ObjectVal(map[string]cty.Value{"network": cty.StringVal("private"), "network_id": cty.StringVal("net-1")})}
	for _, c := range []struct {
		comp string
		site Site
		want string
	}{
		{"fixed", named, "The site's network has no id"},
		{"fixed", withID, "Fixed address on a scalable server"},
		{"loose", withID, "Port without a server"},
	} {
		_, diags := Realise(m.Components[c.comp], m.Components, c.site)
		if !diags.HasErrors() || diags[0].Summary != c.want || diags[0].Subject == nil || diags[0].Subject.Filename != "ports.yaml" {
			t.Errorf("%s: %v, want %q at ports.yaml", c.comp, diags, c.want)
		}
	}
}
