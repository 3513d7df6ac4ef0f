package binding

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/tosca"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

func loadApp(t *testing.T) map[string]*config.Component {
	t.Helper()
	m, diags := tosca.Load("testdata/app.yaml", tosca.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return m.Components
}

func realise(t *testing.T, comps map[string]*config.Component, name string, site Site) *Realisation {
	t.Helper()
	r, diags := Realise(comps[name], comps, site)
	if diags.HasErrors() {
		t.Fatalf("realise %s on %s: %s", name, site.Kind, diags.Error())
	}
	return r
}

func resource(t *testing.T, r *Realisation, typ, name string) *config.Resource {
	t.Helper()
	for _, res := range r.Resources {
		if res.Type == typ && res.Name == name {
			return res
		}
	}
	var have []string
	for _, res := range r.Resources {
		have = append(have, res.Type+"."+res.Name)
	}
	t.Fatalf("no %s.%s among %v", typ, name, have)
	return nil
}

var funcs = map[string]function.Function{
	"regex": stdlib.RegexFunc, "tonumber": stdlib.MakeToFunc(cty.Number), "ceil": stdlib.CeilFunc, "merge": stdlib.MergeFunc,
	"jsonencode": stdlib.JSONEncodeFunc, "tostring": stdlib.MakeToFunc(cty.String),
}

func attr(t *testing.T, body hcl.Body, path ...string) cty.Value {
	t.Helper()
	b := body.(*hclsyntax.Body)
	for _, blk := range path[:len(path)-1] {
		var next *hclsyntax.Body
		for _, bl := range b.Blocks {
			if bl.Type == blk {
				next = bl.Body
				break
			}
		}
		if next == nil {
			t.Fatalf("no block %s", blk)
		}
		b = next
	}
	a := b.Attributes[path[len(path)-1]]
	if a == nil {
		t.Fatalf("no attribute %s", strings.Join(path, "."))
	}
	ctx := &hcl.EvalContext{Functions: funcs, Variables: map[string]cty.Value{
		"var": cty.ObjectVal(map[string]cty.Value{"data_size": cty.StringVal("20 GB")}),
	}}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		return cty.UnknownVal(cty.DynamicPseudoType) // refers to other resources
	}
	return v
}

var local = Site{Name: "laptop", Kind: "local", ProviderLocalName: "indigo"}

func TestLocal(t *testing.T) {
	comps := loadApp(t)

	r := realise(t, comps, "server", local)
	dir := resource(t, r, "indigo_directory", "server")
	if got := attr(t, dir.Config, "path"); got.AsString() != "hosts/server" {
		t.Errorf("path = %#v", got)
	}
	if dir.Component != "server" || dir.Mode != config.ManagedMode || dir.ProviderRef.LocalName != "indigo" || !dir.Provider.IsBuiltin() {
		t.Errorf("resource = %+v", dir)
	}
	if len(dir.DependsOn) != 1 || dir.DependsOn[0].RootName() != "component" {
		t.Errorf("depends_on = %v (the attached volume)", dir.DependsOn)
	}
	v, _ := r.Attributes["private_address"].Value(nil)
	if !v.Equals(cty.TupleVal([]cty.Value{cty.StringVal("127.0.0.1")})).True() {
		t.Errorf("private_address = %#v", v)
	}

	r = realise(t, comps, "web", local)
	ctr := resource(t, r, "indigo_container", "web")
	if len(r.Resources) != 1 {
		t.Errorf("a local container made %d resources, want its indigo_container alone", len(r.Resources))
	}
	if port := attr(t, ctr.Config, "port"); !port.RawEquals(cty.NumberIntVal(8080)) {
		t.Errorf("port = %#v, from the runtime's published port", port)
	}
	if got := attr(t, ctr.Config, "name"); got.AsString() != "web" {
		t.Errorf("name = %#v", got)
	}
	if got := attr(t, ctr.Config, "image"); got.AsString() != "python:3.12-slim" {
		t.Errorf("image = %#v", got)
	}
	if env := attr(t, ctr.Config, "env"); env.GetAttr("GREETING").AsString() != "hello" {
		t.Errorf("env = %#v", env)
	}
	cmd := attr(t, ctr.Config, "command")
	if cmd.LengthInt() != 3 || cmd.Index(cty.NumberIntVal(0)).AsString() != "/bin/sh" || cmd.Index(cty.NumberIntVal(2)).AsString() != "python3 -m http.server 8080" {
		t.Errorf("command = %#v", cmd)
	}

	r = realise(t, comps, "tool", local)
	if len(r.Steps) != 2 || r.Steps[0].Operation != "configure" || r.Steps[1].Operation != "start" {
		t.Fatalf("steps = %+v", r.Steps)
	}
	st := r.Steps[0]
	if !st.Executed || st.Implementation != "configure.yml" || len(st.After) != 1 || st.After[0] != "server" ||
		len(st.Artifacts) != 1 || st.Artifacts[0].File != "indigo-dc.tool" || st.Inputs["ip"] == nil {
		t.Errorf("step = %+v", st)
	}
	// Each step is an indigo_step run in its host's directory, after the
	// step before it.
	conf, start := resource(t, r, "indigo_step", "tool_configure"), resource(t, r, "indigo_step", "tool_start")
	if impl := attr(t, conf.Config, "implementation").AsString(); !filepath.IsAbs(impl) || filepath.Base(impl) != "configure.yml" {
		t.Errorf("implementation = %q, want the template's configure.yml made absolute", impl)
	}
	if got := attr(t, conf.Config, "roles"); !got.RawEquals(cty.TupleVal([]cty.Value{cty.StringVal("indigo-dc.tool")})) {
		t.Errorf("roles = %#v", got)
	}
	if tgt := conf.Config.(*hclsyntax.Body).Attributes["target"]; tgt == nil || hcl.ExprAsKeyword(tgt.Expr) != "" ||
		config.RootName(tgt.Expr.Variables()[0]) != "indigo_directory" {
		t.Errorf("target = %#v, want the host's directory", tgt)
	}
	if n := len(start.DependsOn); n == 0 || start.DependsOn[n-1].RootName() != "indigo_step" {
		t.Errorf("start depends on %v, want the configure step last", start.DependsOn)
	}
	if conf.DeclRange.Start.Line != 36 && conf.DeclRange.Start.Line != 37 {
		t.Errorf("the step is located at %v, want its operation", conf.DeclRange)
	}
}

func TestNoBinding(t *testing.T) {
	comps := loadApp(t)
	for _, tc := range []struct {
		comp, kind string
	}{{"dataset", "local"}, {"web", "openstack"}, {"dataset", "kubernetes"}} {
		_, diags := Realise(comps[tc.comp], comps, Site{Name: "s", Kind: tc.kind})
		if !diags.HasErrors() {
			t.Errorf("%s on %s: no error", tc.comp, tc.kind)
			continue
		}
		d := diags[0]
		if d.Subject == nil || d.Subject.Filename != "testdata/app.yaml" || d.Subject.Start.Line == 0 ||
			!strings.Contains(d.Detail, comps[tc.comp].Type) || !strings.Contains(d.Detail, tc.kind+" sites") {
			t.Errorf("%s on %s: %s (at %v)", tc.comp, tc.kind, d.Detail, d.Subject)
		}
	}
}

func TestOpenStack(t *testing.T) {
	comps := loadApp(t)
	site := Site{Name: "cnaf", Kind: "openstack", ProviderLocalName: "openstack", ProviderAlias: "cnaf", Settings: cty.ObjectVal(map[string]cty.Value{"network": cty.StringVal("private"), "network_id": cty.StringVal("net-1")})}

	r := realise(t, comps, "server", site)
	srv := resource(t, r, "openstack_compute_instance_v2", "server")
	if attr(t, srv.Config, "image_name").AsString() != "ubuntu-22.04" || attr(t, srv.Config, "flavor_name").AsString() != "m1.large" ||
		!hasNetworkPort(srv.Config) {
		t.Error("server body does not carry the template's image, flavor and its own port")
	}
	if srv.ProviderRef.String() != "openstack.cnaf" || srv.Provider.Namespace != "terraform-provider-openstack" {
		t.Errorf("provider = %v %v", srv.ProviderRef, srv.Provider)
	}
	resource(t, r, "openstack_networking_floatingip_v2", "server_fip")
	if v := attr(t, resource(t, r, "openstack_networking_port_v2", "server").Config, "network_id"); v.AsString() != "net-1" {
		t.Errorf("the public server's port is on network %#v, want the site's network_id", v)
	}
	resource(t, r, "openstack_networking_floatingip_associate_v2", "server_fip")
	att := resource(t, r, "openstack_compute_volume_attach_v2", "server_data")
	if attr(t, att.Config, "device").AsString() != "/dev/vdb" {
		t.Error("attachment lacks the relationship's device")
	}
	vid := att.Config.(*hclsyntax.Body).Attributes["volume_id"].Expr.(*hclsyntax.ScopeTraversalExpr)
	if vid.Traversal.RootName() != "openstack_blockstorage_volume_v3" {
		t.Errorf("volume_id refers to %s", vid.Traversal.RootName())
	}
	pub := r.Attributes["public_address"].(*hclsyntax.TupleConsExpr).Exprs[0].(*hclsyntax.ScopeTraversalExpr)
	if pub.Traversal.RootName() != "openstack_networking_floatingip_v2" {
		t.Errorf("public_address comes from %s", pub.Traversal.RootName())
	}

	r = realise(t, comps, "data", site)
	if size := attr(t, resource(t, r, "openstack_blockstorage_volume_v3", "data").Config, "size"); !size.RawEquals(cty.NumberIntVal(10)) {
		t.Errorf("size = %#v", size)
	}
	r = realise(t, comps, "scratch", site)
	if size := attr(t, resource(t, r, "openstack_blockstorage_volume_v3", "scratch").Config, "size"); !size.RawEquals(cty.NumberIntVal(20)) {
		t.Errorf("size from input = %#v", size)
	}

	// A template that names neither: the planner's choice from the
	// site's catalogue, the image by id when the site gives one.
	bare := *comps["server"]
	bare.Capabilities = map[string]map[string]hcl.Expression{}
	chosen := site
	chosen.Fits = map[string]ServerFit{"server": {Flavor: "m1.xlarge", Image: "ubuntu-22.04", ImageID: "img-42"}}
	r, diags := Realise(&bare, comps, chosen)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	srv = resource(t, r, "openstack_compute_instance_v2", "server")
	if attr(t, srv.Config, "image_id").AsString() != "img-42" || attr(t, srv.Config, "flavor_name").AsString() != "m1.xlarge" {
		t.Error("server body does not carry the chosen flavor and image id")
	}

	// On trial (no choice made), unknown values: the ranking checks the
	// catalogue, not the realisation.
	r, diags = Realise(&bare, comps, site)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if v := attr(t, resource(t, r, "openstack_compute_instance_v2", "server").Config, "flavor_name"); v.IsKnown() {
		t.Errorf("trial flavor = %#v", v)
	}

	// Choices made, none for this server: a located error naming what to set.
	none := site
	none.Fits = map[string]ServerFit{}
	_, diags = Realise(&bare, comps, none)
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "flavors") || diags[0].Subject == nil {
		t.Errorf("no choice: %v", diags)
	}
}

func TestKubernetes(t *testing.T) {
	comps := loadApp(t)
	site := Site{Name: "k8s", Kind: "kubernetes", ProviderLocalName: "indigo", Settings: cty.ObjectVal(map[string]cty.Value{
		"namespace": cty.StringVal("science"), "kubeconfig": cty.NullVal(cty.String), "context": cty.NullVal(cty.String)})}
	manifest := func(r *Realisation, name string) map[string]any {
		t.Helper()
		v := attr(t, resource(t, r, "indigo_kubernetes_object", name).Config, "manifest")
		if !v.IsKnown() || v.Type() != cty.String {
			t.Fatalf("the manifest of %s is %#v", name, v)
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(v.AsString()), &obj); err != nil {
			t.Fatalf("the manifest of %s is not JSON: %v", name, err)
		}
		return obj
	}
	r := realise(t, comps, "web", site)
	dep := manifest(r, "web")
	if dep["kind"] != "Deployment" || dep["apiVersion"] != "apps/v1" {
		t.Errorf("web is %v %v", dep["apiVersion"], dep["kind"])
	}
	spec := dep["spec"].(map[string]any)
	container := spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	if container["image"] != "python:3.12-slim" {
		t.Errorf("image = %v", container["image"])
	}
	if spec["replicas"] != 1.0 {
		t.Errorf("replicas = %v", spec["replicas"])
	}
	svc := manifest(r, "web_service")
	port := svc["spec"].(map[string]any)["ports"].([]any)[0].(map[string]any)
	if svc["kind"] != "Service" || port["port"] != 8080.0 {
		t.Errorf("service = %v", svc)
	}
	r = realise(t, comps, "data", site)
	pvc := manifest(r, "data")
	if st := pvc["spec"].(map[string]any)["resources"].(map[string]any)["requests"].(map[string]any)["storage"]; st != "10G" {
		t.Errorf("storage = %v", st)
	}
	// A Compute is a pod of its os image that sleeps, with the claims of
	// its volumes mounted (configuration steps do not run on kubernetes
	// sites: this one has none).
	bare := *comps["server"]
	bare.Interfaces = nil
	comps["server"] = &bare
	r = realise(t, comps, "server", site)
	host := manifest(r, "server")
	pod := host["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	c := pod["containers"].([]any)[0].(map[string]any)
	if c["image"] != "ubuntu:22.04" || fmt.Sprint(c["command"]) != "[sleep infinity]" {
		t.Errorf("the server's container: %v", c)
	}
	if m := fmt.Sprint(c["volumeMounts"]); !strings.Contains(m, "mountPath:/mnt/data") || !strings.Contains(fmt.Sprint(pod["volumes"]), "claimName:data") {
		t.Errorf("the server's volumes: %v, %v", c["volumeMounts"], pod["volumes"])
	}
	cfg := kubeProvider(site, nil)
	if len(cfg.Blocks) != 1 || cfg.Blocks[0].Type != "kubernetes" || len(cfg.Blocks[0].Body.Attributes) != 1 || cfg.Blocks[0].Body.Attributes["namespace"] == nil {
		t.Errorf("provider configuration: %#v", cfg.Blocks)
	}
}

func TestName(t *testing.T) {
	for in, want := range map[string]string{"web": "web", "web-1": "web-1", "1st": "c_1st", "a.b c": "a_b_c", "": "component", "-x": "_x"} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
		if _, diags := hclsyntax.ParseTraversalAbs([]byte("x."+Name(in)), "", hcl.InitialPos); diags.HasErrors() {
			t.Errorf("Name(%q) = %q is not an identifier", in, Name(in))
		}
	}
}

func TestSizeGB(t *testing.T) {
	for in, want := range map[string]int64{"10 GB": 10, "1 TB": 1000, "512 MB": 1, "2 GiB": 3, "20GB": 20} {
		if got, ok := sizeGB(in); !ok || got != want {
			t.Errorf("sizeGB(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	if _, ok := sizeGB("ten"); ok {
		t.Error("sizeGB(ten) succeeded")
	}
}

// hasNetworkPort reports whether a server body boots on a port (network
// block with a port argument).
func hasNetworkPort(body hcl.Body) bool {
	for _, bl := range body.(*hclsyntax.Body).Blocks {
		if bl.Type == "network" && bl.Body.Attributes["port"] != nil {
			return true
		}
	}
	return false
}

// TestOpenStackScaledPublic: a scalable public server is count servers,
// ports, floating IPs and associations, each instance referring to its
// own; its endpoint ports become one security group on the ports; a volume
// attached to a scalable server is one volume per server.
func TestOpenStackScaledPublic(t *testing.T) {
	m, diags := tosca.Load("testdata/scaled.yaml", tosca.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	site := Site{Name: "cnaf", Kind: "openstack", ProviderLocalName: "openstack", Settings: cty.ObjectVal(map[string]cty.Value{"network_id": cty.StringVal("net-1")})}
	r := realise(t, m.Components, "web", site)
	for _, typ := range []string{"openstack_compute_instance_v2", "openstack_networking_port_v2", "openstack_networking_floatingip_v2", "openstack_networking_floatingip_associate_v2"} {
		name := "web"
		if strings.Contains(typ, "floatingip") {
			name = "web_fip"
		}
		if res := resource(t, r, typ, name); res.Count == nil {
			t.Errorf("%s.%s has no count", typ, name)
		}
	}
	assoc := resource(t, r, "openstack_networking_floatingip_associate_v2", "web_fip").Config.(*hclsyntax.Body)
	if _, ok := assoc.Attributes["port_id"].Expr.(*hclsyntax.RelativeTraversalExpr); !ok {
		t.Errorf("the association's port_id is %T, want PORT[count.index].id", assoc.Attributes["port_id"].Expr)
	}
	if _, ok := r.Attributes["private_address"].(*hclsyntax.SplatExpr); !ok {
		t.Errorf("private_address is %T, want a splat of every server", r.Attributes["private_address"])
	}
	if res := resource(t, r, "openstack_networking_secgroup_v2", "web"); res.Count != nil {
		t.Error("the security group is per component, not per server")
	}
	if v := attr(t, resource(t, r, "openstack_networking_secgroup_rule_v2", "web_ssh").Config, "remote_ip_prefix"); v.AsString() != "192.0.2.0/24" {
		t.Errorf("ssh rule from %#v", v)
	}
	if v := attr(t, resource(t, r, "openstack_networking_secgroup_rule_v2", "web_http").Config, "port_range_min"); !v.RawEquals(cty.NumberIntVal(80)) {
		t.Errorf("http rule port %#v", v)
	}
	if port := resource(t, r, "openstack_networking_port_v2", "web").Config.(*hclsyntax.Body); port.Attributes["security_group_ids"] == nil {
		t.Error("the port carries no security group")
	}

	r = realise(t, m.Components, "attached", site)
	att := resource(t, r, "openstack_compute_volume_attach_v2", "attached_data")
	if att.Count == nil {
		t.Error("the attachments of a scalable server have no count")
	}
	if _, ok := att.Config.(*hclsyntax.Body).Attributes["volume_id"].Expr.(*hclsyntax.RelativeTraversalExpr); !ok {
		t.Error("attachment i does not take volume i")
	}
	vol := resource(t, realise(t, m.Components, "data", site), "openstack_blockstorage_volume_v3", "data")
	if v, _ := vol.Count.Value(nil); !v.RawEquals(cty.NumberIntVal(2)) {
		t.Errorf("the volume of a server of count 2 has count %#v", v)
	}
}
