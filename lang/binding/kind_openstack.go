package binding

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

func init() {
	Register(&Kind{
		Name:            "openstack",
		Doc:             "An OpenStack cloud, through terraform-provider-openstack: servers, volumes, networks and floating IPs.",
		DefaultProvider: config.Provider{Hostname: config.DefaultRegistry, Namespace: "terraform-provider-openstack", Type: "openstack"},
		Settings: []Setting{
			{Name: "image", Type: cty.String, Doc: "the image of servers whose template names none (os capability image)"},
			{Name: "flavor", Type: cty.String, Doc: "the flavor of servers whose template names no instance_type"},
			{Name: "network", Type: cty.String, Doc: "the network servers are attached to"},
			{Name: "floating_pool", Type: cty.String, Doc: "the pool public addresses come from (default \"public\")"},
		},
		Rules: []Rule{
			{Type: "tosca.nodes.Container.Runtime", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.Compute", Realise: (*Binder).osCompute, Doc: "openstack_compute_instance_v2, a floating IP when public, volume attachments"},
			{Type: "tosca.nodes.BlockStorage", Realise: (*Binder).osVolume, Doc: "openstack_blockstorage_volume_v3"},
			{Type: "tosca.nodes.indigo.OneDataStorage", Realise: (*Binder).steps, Doc: "configuration steps (mounted on its host)"},
			{Type: "tosca.nodes.indigo.GlusterFSVolume", Realise: (*Binder).steps, Doc: "configuration steps (mounted on its host)"},
			{Type: "tosca.nodes.network.Network", Realise: (*Binder).osNetwork, Doc: "openstack_networking_network_v2 (+ subnet)"},
			{Type: "tosca.nodes.network.Port", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.SoftwareComponent", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.WebApplication", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.Database", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.KubernetesObject", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.Kubernetes.HelmChart", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.eosc.Dataset", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.eosc.DatasetList", Realise: (*Binder).steps, Doc: "configuration steps"},
		},
	})
}

// orDefault returns a template value, or the site's setting key, or reports
// that neither exists.
func (b *Binder) orDefault(e hcl.Expression, key, what string) hcl.Expression {
	if e != nil {
		return e
	}
	if v := b.site.Setting(key); v != "" {
		return b.str(v)
	}
	b.errorf(b.rng, "Missing "+what,
		"Component %s names no %s, and site %s has no %s setting. Set it in the template, or give the site one: settings { %s = \"...\" }.", b.c.Name, what, b.site.Name, key, key)
	return nil
}

// osCompute: a Compute on OpenStack is a server, a floating IP when its
// endpoint is public, and a volume attachment per attached BlockStorage.
func (b *Binder) osCompute() {
	name := Name(b.c.Name)
	srvName := hcl.Expression(b.str(b.c.Name))
	if e := b.prop("instance_name"); e != nil {
		if s, ok := b.literalString(e); !ok || s != "" {
			srvName = e
		}
	}
	img := b.orDefault(b.capProp("os", "image"), "image", "image (os capability image)")
	flavor := b.orDefault(b.capProp("host", "instance_type"), "flavor", "flavor (host capability instance_type)")
	if img == nil || flavor == nil {
		return
	}
	var blocks []*hclsyntax.Block
	if n := b.site.Setting("network"); n != "" {
		blocks = append(blocks, b.block("network", map[string]hcl.Expression{"name": b.str(n)}))
	}
	b.resource("openstack_compute_instance_v2", name, b.body(map[string]hcl.Expression{
		"name": srvName, "image_name": img, "flavor_name": flavor,
	}, blocks...))
	private := b.list(b.ref("openstack_compute_instance_v2", name, "access_ip_v4"))
	b.r.Attributes["private_address"] = private
	b.r.Attributes["public_address"] = private
	b.r.Attributes["tosca_id"] = b.ref("openstack_compute_instance_v2", name, "id")
	if nn, ok := b.literalString(b.capProp("endpoint", "network_name")); ok && strings.EqualFold(nn, "PUBLIC") {
		pool := b.site.Setting("floating_pool")
		if pool == "" {
			pool = "public"
		}
		b.resource("openstack_networking_floatingip_v2", name+"_fip", b.body(map[string]hcl.Expression{"pool": b.str(pool)}))
		b.resource("openstack_compute_floatingip_associate_v2", name+"_fip", b.body(map[string]hcl.Expression{
			"floating_ip": b.ref("openstack_networking_floatingip_v2", name+"_fip", "address"),
			"instance_id": b.ref("openstack_compute_instance_v2", name, "id"),
		}))
		b.r.Attributes["public_address"] = b.list(b.ref("openstack_networking_floatingip_v2", name+"_fip", "address"))
	}
	for _, r := range b.c.Requirements {
		t := b.comps[r.Target]
		if t == nil || !hasType(t.TypeChain, "tosca.nodes.BlockStorage") || mountedByConfiguration(t) {
			continue
		}
		attrs := map[string]hcl.Expression{
			"instance_id": b.ref("openstack_compute_instance_v2", name, "id"),
			"volume_id":   b.ref("openstack_blockstorage_volume_v3", Name(t.Name), "id"),
		}
		if rel := b.c.Capabilities["relationship:"+r.Name]; rel != nil && rel["device"] != nil {
			if v, ok := literal(rel["device"]); !ok || !v.IsNull() {
				attrs["device"] = rel["device"]
			}
		}
		b.resource("openstack_compute_volume_attach_v2", name+"_"+Name(t.Name), b.body(attrs))
	}
}

// mountedByConfiguration reports whether a BlockStorage is a shared file
// system its host mounts (a Onedata space, a GlusterFS volume) rather than
// a volume of the cloud: it is configuration steps, not a volume to attach.
func mountedByConfiguration(c *config.Component) bool {
	return hasType(c.TypeChain, "tosca.nodes.indigo.OneDataStorage") || hasType(c.TypeChain, "tosca.nodes.indigo.GlusterFSVolume")
}

func (b *Binder) osVolume() {
	name := Name(b.c.Name)
	size := b.sizeExpr(b.prop("size"))
	if size == nil {
		return
	}
	b.resource("openstack_blockstorage_volume_v3", name, b.body(map[string]hcl.Expression{"name": b.str(b.c.Name), "size": size}))
	b.r.Attributes["volume_id"] = b.ref("openstack_blockstorage_volume_v3", name, "id")
}

func (b *Binder) osNetwork() {
	name := Name(b.c.Name)
	netName := hcl.Expression(b.str(b.c.Name))
	if e := b.prop("network_name"); e != nil {
		if v, ok := literal(e); !ok || !v.IsNull() {
			netName = e
		}
	}
	b.resource("openstack_networking_network_v2", name, b.body(map[string]hcl.Expression{"name": netName}))
	if cidr := b.prop("cidr"); cidr != nil {
		if v, ok := literal(cidr); !ok || !v.IsNull() {
			b.resource("openstack_networking_subnet_v2", name, b.body(map[string]hcl.Expression{
				"network_id": b.ref("openstack_networking_network_v2", name, "id"),
				"cidr":       cidr,
				"ip_version": b.prop("ip_version"),
			}))
		}
	}
	b.r.Attributes["network_id"] = b.ref("openstack_networking_network_v2", name, "id")
}
