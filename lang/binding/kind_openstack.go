package binding

import (
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/config"
)

func init() {
	Register(&Kind{
		Name:            "openstack",
		Doc:             "An OpenStack cloud, through terraform-provider-openstack: servers, volumes, networks and floating IPs.",
		DefaultProvider: config.Provider{Hostname: config.DefaultRegistry, Namespace: "terraform-provider-openstack", Type: "openstack"},
		Settings: []Setting{
			{Name: "images", Type: cty.List(ImageType), Doc: "the images servers boot from: [{ name = \"ubuntu-22.04\", type = \"linux\", distribution = \"ubuntu\", version = \"22.04\", id = \"...\" }]; a server gets the first, by name, whose operating system is the one its template asks (os capability type, distribution, version); id is the cloud's image id (default: the image is found by name)"},
			{Name: "flavors", Type: cty.List(FlavorType), Doc: "the sizes of server: [{ name = \"m1.large\", cpus = 4, memory = \"8GiB\", disk = \"80GiB\", gpus = 0 }]; a server gets the smallest that has what its template asks (host capability num_cpus, mem_size, disk_size, num_gpus), ties by name"},
			{Name: "network", Type: cty.String, Doc: "the network servers are attached to, by name; a template's tosca.nodes.network.Network whose network_name is this one is this network (its ports go on network_id)"},
			{Name: "network_id", Type: cty.String, Doc: "the id of the network servers are attached to (wins over network); a server with a public address gets a port on it, which its floating IP is associated with"},
			{Name: "floating_pool", Type: cty.String, Doc: "the pool public addresses come from (default \"public\")"},
		},
		Rules: []Rule{
			{Type: "tosca.nodes.Container.Runtime", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.Compute", Realise: (*Binder).osCompute, Doc: "openstack_compute_instance_v2 (count servers when scalable), a port with a floating IP and a security group for its endpoint ports when public, volume attachments"},
			{Type: "tosca.nodes.BlockStorage", Realise: (*Binder).osVolume, Doc: "openstack_blockstorage_volume_v3 (one per server when a scalable Compute attaches it)"},
			{Type: "tosca.nodes.indigo.OneDataStorage", Realise: (*Binder).steps, Doc: "configuration steps (mounted on its host)"},
			{Type: "tosca.nodes.indigo.GlusterFSVolume", Realise: (*Binder).steps, Doc: "configuration steps (mounted on its host)"},
			{Type: "tosca.nodes.network.Network", Realise: (*Binder).osNetwork, Doc: "openstack_networking_network_v2 (+ subnet with a cidr); none when it is the site's network (network_name the site's, or a network_id) or the public one (network_type public)"},
			{Type: "tosca.nodes.network.Port", Realise: (*Binder).osPort, Doc: "openstack_networking_port_v2 on its link's network (fixed_ip from ip_address), which its binding's server boots with in the order of the ports' order; a port on the public network is the server's floating IP"},
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

// ImageType is an entry of an openstack site's images setting.
var ImageType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"name":         cty.String,
	"type":         cty.String,
	"distribution": cty.String,
	"version":      cty.String,
	"id":           cty.String,
}, []string{"type", "distribution", "version", "id"})

// FlavorType is an entry of an openstack site's flavors setting; memory
// and disk are quantities ("8GiB", "80 GB").
var FlavorType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"name":   cty.String,
	"cpus":   cty.Number,
	"memory": cty.String,
	"disk":   cty.String,
	"gpus":   cty.Number,
}, []string{"disk", "gpus"})

// serverChoice returns the flavor and image expressions of a Compute: what
// its template names (host instance_type, os image), else what the
// planner chose from the site's catalogue. When realising on trial (no
// choice made: the ranking checks the catalogue) the values are unknown.
func (b *Binder) serverChoice() (flavor hcl.Expression, imgAttr string, img hcl.Expression, ok bool) {
	flavor = b.capProp("host", "instance_type")
	imgAttr = "image_name"
	img = b.capProp("os", "image")
	fit, chosen := b.site.Fits[b.c.Name]
	unknown := &hclsyntax.LiteralValueExpr{Val: cty.UnknownVal(cty.String), SrcRange: b.rng}
	if flavor == nil {
		switch {
		case chosen && fit.Flavor != "":
			flavor = b.str(fit.Flavor)
		case b.site.Fits == nil:
			flavor = unknown
		default:
			b.errorf(b.rng, "No flavor chosen", "Component %s names no flavor (host capability instance_type) and none of site %s's flavors was chosen for it. Declare the site's flavors: settings { flavors = [...] }.", b.c.Name, b.site.Name)
			return nil, "", nil, false
		}
	}
	if img == nil {
		switch {
		case chosen && fit.ImageID != "":
			imgAttr, img = "image_id", b.str(fit.ImageID)
		case chosen && fit.Image != "":
			img = b.str(fit.Image)
		case b.site.Fits == nil:
			img = unknown
		default:
			b.errorf(b.rng, "No image chosen", "Component %s names no image (os capability image) and none of site %s's images was chosen for it. Declare the site's images: settings { images = [...] }.", b.c.Name, b.site.Name)
			return nil, "", nil, false
		}
	}
	return flavor, imgAttr, img, true
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
	flavor, imgAttr, img, ok := b.serverChoice()
	if !ok {
		return
	}
	// A scalable Compute is count servers, each with its own port and
	// floating IP; the component's addresses are lists of them all.
	count := scaleCount(b.c)
	// own refers to this server's instance of a resource of the same count.
	ownOf := func(typ, rname, attr string) hclsyntax.Expression {
		if count == nil {
			return b.ref(typ, rname, attr)
		}
		return b.indexRef(typ, rname, attr)
	}
	own := func(typ, attr string) hclsyntax.Expression { return ownOf(typ, name, attr) }
	all := func(typ, attr string) hclsyntax.Expression {
		if count == nil {
			return b.list(b.ref(typ, name, attr))
		}
		return b.splat(typ, name, attr)
	}
	counted := func(r *config.Resource) {
		if count != nil {
			r.Count = count
		}
	}
	if count != nil {
		if lit, ok := srvName.(*hclsyntax.TemplateExpr); ok && lit.IsStringLiteral() || srvName == nil {
			srvName = b.indexedName(b.c.Name)
		} else if s, ok := b.literalString(srvName); ok {
			srvName = b.indexedName(s)
		}
	}
	public := false
	if nn, ok := b.literalString(b.capProp("endpoint", "network_name")); ok && strings.EqualFold(nn, "PUBLIC") {
		public = true
	}
	netID := b.site.Setting("network_id")
	netIDExpr := hcl.Expression(b.str(netID))
	if netID == "" && settingUnknown(b.site.Settings, "network_id") {
		// A variable not known yet (validate): the port is on a network
		// the plan will know.
		netID, netIDExpr = "(unknown)", &hclsyntax.LiteralValueExpr{Val: cty.UnknownVal(cty.String), SrcRange: b.rng}
	}
	// The template's ports, in their order, then the site's network.
	ports, publicPort := b.serverPorts()
	public = public || publicPort
	var blocks []*hclsyntax.Block
	for _, p := range ports {
		blocks = append(blocks, b.block("network", map[string]hcl.Expression{"port": ownOf("openstack_networking_port_v2", Name(p.Name), "id")}))
	}
	switch {
	case public && netID != "":
		// terraform-provider-openstack v3 associates a floating IP with a
		// port, so the server boots on a port of its own.
		portAttrs := map[string]hcl.Expression{"name": srvName, "network_id": netIDExpr}
		if b.osSecurityGroup(name) {
			portAttrs["security_group_ids"] = b.list(b.ref("openstack_networking_secgroup_v2", name, "id"))
		}
		counted(b.resource("openstack_networking_port_v2", name, b.body(portAttrs)))
		blocks = append(blocks, b.block("network", map[string]hcl.Expression{"port": own("openstack_networking_port_v2", "id")}))
	case public:
		b.errorf(b.rng, "No network for a public address", "Component %s asks for a public address (endpoint network_name PUBLIC); on OpenStack its floating IP is associated with a port on the site's network, and site %s gives no network_id. Add settings { network_id = \"...\" }.", b.c.Name, b.site.Name)
		return
	case len(ports) > 0:
	case netID != "":
		blocks = append(blocks, b.block("network", map[string]hcl.Expression{"uuid": netIDExpr}))
	case b.site.Setting("network") != "":
		blocks = append(blocks, b.block("network", map[string]hcl.Expression{"name": b.str(b.site.Setting("network"))}))
	}
	srvAttrs := map[string]hcl.Expression{"name": srvName, imgAttr: img, "flavor_name": flavor}
	if ud := b.osUserData(); ud != nil {
		srvAttrs["user_data"] = ud
	}
	counted(b.resource("openstack_compute_instance_v2", name, b.body(srvAttrs, blocks...)))
	private := all("openstack_compute_instance_v2", "access_ip_v4")
	b.r.Attributes["private_address"] = private
	b.r.Attributes["public_address"] = private
	b.r.Attributes["tosca_id"] = b.ref("openstack_compute_instance_v2", name, "id")
	if count != nil {
		b.r.Attributes["tosca_id"] = b.splat("openstack_compute_instance_v2", name, "id")
	}
	if public {
		pool := b.site.Setting("floating_pool")
		if pool == "" {
			pool = "public"
		}
		counted(b.resource("openstack_networking_floatingip_v2", name+"_fip", b.body(map[string]hcl.Expression{"pool": b.str(pool)})))
		fip := b.ref("openstack_networking_floatingip_v2", name+"_fip", "address")
		if count != nil {
			fip = b.indexRef("openstack_networking_floatingip_v2", name+"_fip", "address")
		}
		counted(b.resource("openstack_networking_floatingip_associate_v2", name+"_fip", b.body(map[string]hcl.Expression{
			"floating_ip": fip,
			"port_id":     own("openstack_networking_port_v2", "id"),
		})))
		if count != nil {
			b.r.Attributes["public_address"] = b.splat("openstack_networking_floatingip_v2", name+"_fip", "address")
		} else {
			b.r.Attributes["public_address"] = b.list(b.ref("openstack_networking_floatingip_v2", name+"_fip", "address"))
		}
	}
	for _, r := range b.c.Requirements {
		t := b.comps[r.Target]
		if t == nil || !hasType(t.TypeChain, "tosca.nodes.BlockStorage") || mountedByConfiguration(t) {
			continue
		}
		if host := b.volumeHost(t); count != nil && host != b.c {
			b.errorf(r.Range, "Volume attached to more than one server", "Volume %s is attached to scalable component %s and to %s; an OpenStack volume attaches to one server. Give each its own storage.", t.Name, b.c.Name, host.Name)
			continue
		}
		attrs := map[string]hcl.Expression{
			"instance_id": b.ref("openstack_compute_instance_v2", name, "id"),
			"volume_id":   b.ref("openstack_blockstorage_volume_v3", Name(t.Name), "id"),
		}
		if count != nil {
			// Server i gets volume i: the volume has the server's count.
			attrs["instance_id"] = b.indexRef("openstack_compute_instance_v2", name, "id")
			attrs["volume_id"] = b.indexRef("openstack_blockstorage_volume_v3", Name(t.Name), "id")
		}
		if rel := b.c.Capabilities["relationship:"+r.Name]; rel != nil && rel["device"] != nil {
			if v, ok := literal(rel["device"]); !ok || !v.IsNull() {
				attrs["device"] = rel["device"]
			}
		}
		counted(b.resource("openstack_compute_volume_attach_v2", name+"_"+Name(t.Name), b.body(attrs)))
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
	// A volume attached to a scalable server is one volume per server, as
	// INDIGO's orchestrator made them.
	var count hcl.Expression
	if host := b.volumeHost(b.c); host != nil {
		count = scaleCount(host)
	}
	if count == nil {
		b.resource("openstack_blockstorage_volume_v3", name, b.body(map[string]hcl.Expression{"name": b.str(b.c.Name), "size": size}))
		b.r.Attributes["volume_id"] = b.ref("openstack_blockstorage_volume_v3", name, "id")
		return
	}
	b.resource("openstack_blockstorage_volume_v3", name, b.body(map[string]hcl.Expression{"name": b.indexedName(b.c.Name), "size": size})).Count = count
	b.r.Attributes["volume_id"] = b.splat("openstack_blockstorage_volume_v3", name, "id")
}

func (b *Binder) osNetwork() {
	name := Name(b.c.Name)
	on, ok := b.osNetworkOf(b.c)
	switch {
	case !ok:
		return
	case on.public:
		// The floating pool: ports on it are public addresses.
		return
	case on.existing:
		b.r.Attributes["network_id"] = on.id
		return
	}
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

// settingUnknown reports whether a site setting is given but not known yet
// (a variable validate does not know).
func settingUnknown(settings cty.Value, name string) bool {
	if settings == cty.NilVal || !settings.IsKnown() {
		return settings != cty.NilVal
	}
	if settings.IsNull() || !settings.Type().IsObjectType() || !settings.Type().HasAttribute(name) {
		return false
	}
	v, _ := settings.GetAttr(name).Unmark()
	return !v.IsKnown()
}

// indexRef builds TYPE.NAME[count.index].ATTR: the instance of a counted
// resource that goes with the current one.
func (b *Binder) indexRef(typ, name, attr string) hclsyntax.Expression {
	coll := &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
		hcl.TraverseRoot{Name: typ, SrcRange: b.rng},
		hcl.TraverseAttr{Name: name, SrcRange: b.rng},
	}, SrcRange: b.rng}
	idx := &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
		hcl.TraverseRoot{Name: "count", SrcRange: b.rng},
		hcl.TraverseAttr{Name: "index", SrcRange: b.rng},
	}, SrcRange: b.rng}
	return &hclsyntax.RelativeTraversalExpr{
		Source:    &hclsyntax.IndexExpr{Collection: coll, Key: idx, SrcRange: b.rng, OpenRange: b.rng, BracketRange: b.rng},
		Traversal: hcl.Traversal{hcl.TraverseAttr{Name: attr, SrcRange: b.rng}},
		SrcRange:  b.rng,
	}
}

// splat builds TYPE.NAME[*].ATTR: the attribute of every instance.
func (b *Binder) splat(typ, name, attr string) hclsyntax.Expression {
	item := &hclsyntax.AnonSymbolExpr{SrcRange: b.rng}
	return &hclsyntax.SplatExpr{
		Source: &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
			hcl.TraverseRoot{Name: typ, SrcRange: b.rng},
			hcl.TraverseAttr{Name: name, SrcRange: b.rng},
		}, SrcRange: b.rng},
		Each:        &hclsyntax.RelativeTraversalExpr{Source: item, Traversal: hcl.Traversal{hcl.TraverseAttr{Name: attr, SrcRange: b.rng}}, SrcRange: b.rng},
		Item:        item,
		SrcRange:    b.rng,
		MarkerRange: b.rng,
	}
}

// indexedName builds "PREFIX-${count.index}", a name per instance.
func (b *Binder) indexedName(prefix string) hclsyntax.Expression {
	return &hclsyntax.TemplateExpr{Parts: []hclsyntax.Expression{
		b.str(prefix + "-"),
		&hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
			hcl.TraverseRoot{Name: "count", SrcRange: b.rng},
			hcl.TraverseAttr{Name: "index", SrcRange: b.rng},
		}, SrcRange: b.rng},
	}, SrcRange: b.rng}
}

// osSecurityGroup makes the security group of a public server when its
// endpoint capability lists ports ({ http = { protocol = "tcp", source =
// 80 } }): one ingress rule per port, from anywhere. It reports whether it
// made one. Ports given by inputs the binding cannot read yet make none.
func (b *Binder) osSecurityGroup(name string) bool {
	v, ok := literal(b.capProp("endpoint", "ports"))
	if !ok || !v.CanIterateElements() || v.LengthInt() == 0 {
		return false
	}
	made := false
	for it := v.ElementIterator(); it.Next(); {
		k, p := it.Element()
		if !p.Type().IsObjectType() && !p.Type().IsMapType() {
			continue
		}
		get := func(attr string) cty.Value {
			if p.Type().IsObjectType() && !p.Type().HasAttribute(attr) {
				return cty.NilVal
			}
			if p.Type().IsMapType() && !p.HasIndex(cty.StringVal(attr)).True() {
				return cty.NilVal
			}
			if p.Type().IsMapType() {
				return p.Index(cty.StringVal(attr))
			}
			return p.GetAttr(attr)
		}
		src := get("source")
		if src == cty.NilVal || src.IsNull() {
			continue
		}
		portNum, err := convert.Convert(src, cty.Number)
		if err != nil {
			continue
		}
		proto := "tcp"
		if pr := get("protocol"); pr != cty.NilVal && !pr.IsNull() && pr.Type() == cty.String {
			proto = strings.ToLower(pr.AsString())
		}
		cidr := "0.0.0.0/0"
		if r := get("remote_cidr"); r != cty.NilVal && !r.IsNull() && r.Type() == cty.String {
			cidr = r.AsString()
		}
		key := name
		if k.Type() == cty.String {
			key += "_" + Name(k.AsString())
		} else {
			key += "_" + portNum.AsBigFloat().String()
		}
		portExpr := &hclsyntax.LiteralValueExpr{Val: portNum, SrcRange: b.rng}
		b.resource("openstack_networking_secgroup_rule_v2", key, b.body(map[string]hcl.Expression{
			"security_group_id": b.ref("openstack_networking_secgroup_v2", name, "id"),
			"direction":         b.str("ingress"),
			"ethertype":         b.str("IPv4"),
			"protocol":          b.str(proto),
			"port_range_min":    portExpr,
			"port_range_max":    portExpr,
			"remote_ip_prefix":  b.str(cidr),
		}))
		made = true
	}
	if made {
		b.resource("openstack_networking_secgroup_v2", name, b.body(map[string]hcl.Expression{
			"name":        b.str(b.c.Name),
			"description": b.str("the ports " + b.c.Name + " publishes"),
		}))
	}
	return made
}

// scaleCount is how many servers a Compute is: its scalable count, nil
// for one (the type's default 1, a literal 1, or none).
func scaleCount(c *config.Component) hcl.Expression {
	count := c.Capabilities["scalable"]["count"]
	if v, ok := literal(count); count == nil || ok && (v.IsNull() || v.RawEquals(cty.NumberIntVal(1))) {
		return nil
	}
	return count
}

// volumeHost is the first Compute, by name, that attaches a cloud volume
// (nil when none does).
func (b *Binder) volumeHost(vol *config.Component) *config.Component {
	for _, n := range slices.Sorted(maps.Keys(b.comps)) {
		c := b.comps[n]
		if !hasType(c.TypeChain, "tosca.nodes.Compute") {
			continue
		}
		for _, r := range c.Requirements {
			if r.Target == vol.Name {
				return c
			}
		}
	}
	return nil
}
