package binding

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// localhost is the address components realised on a local site have.
func (b *binder) localhostAttrs() {
	lo := b.list(b.str("127.0.0.1"))
	b.r.Attributes["private_address"] = lo
	b.r.Attributes["public_address"] = lo
	b.r.Attributes["ip_address"] = b.str("127.0.0.1")
}

// localCompute: a Compute on a local site is a host directory under the
// provider's root; software "hosted" on it is configured on this machine.
func (b *binder) localCompute() {
	name := Name(b.c.Name)
	b.resource("indigo_directory", name, b.body(map[string]hcl.Expression{"path": b.str("hosts/" + name)}))
	b.localhostAttrs()
	b.r.Attributes["tosca_id"] = b.ref("indigo_directory", name, "id")
	b.r.Attributes["host_path"] = b.ref("indigo_directory", name, "path")
}

// localVolume: block and object storage are directories under the root.
func (b *binder) localVolume() {
	name := Name(b.c.Name)
	b.resource("indigo_directory", name, b.body(map[string]hcl.Expression{"path": b.str("volumes/" + name)}))
	b.r.Attributes["volume_id"] = b.ref("indigo_directory", name, "id")
	b.r.Attributes["path"] = b.ref("indigo_directory", name, "path")
}

// rootlessScript fetches the image once (skopeo, umoci --rootless) and runs
// the command inside its root file system with proot: no root, no daemon,
// as udocker did. The image and command come in as environment variables
// so no value is ever spliced into shell text.
const rootlessScript = `set -e
if [ ! -d bundle/rootfs ]; then
  skopeo copy "docker://$INDIGO_IMAGE" oci:image:latest
  umoci unpack --rootless --image image:latest bundle
fi
exec proot -r bundle/rootfs -b /dev -b /proc -b /sys -w / /bin/sh -c "$INDIGO_COMMAND"`

// image finds a container component's image: a Docker image artifact, or
// an image property.
func (b *binder) image() hcl.Expression {
	for _, name := range sortedKeys(b.c.Artifacts) {
		a := b.c.Artifacts[name]
		if strings.Contains(a.Type, "Image.Container") || strings.Contains(a.Type, "Docker") {
			return &hclsyntax.LiteralValueExpr{Val: cty.StringVal(a.File), SrcRange: a.Range}
		}
	}
	if e := b.prop("image"); e != nil {
		return e
	}
	b.errorf(b.rng, "Container without an image",
		"Component %s is a container (%s) but has neither a Docker image artifact (type tosca.artifacts.Deployment.Image.Container.Docker) nor an image property. Add one.", b.c.Name, b.c.Type)
	return nil
}

// localContainer: a container application on a local site runs its
// image's command as an unprivileged indigo_service (UC5, user containers
// without root).
func (b *binder) localContainer() {
	name := Name(b.c.Name)
	img := b.image()
	cmd := b.prop("command")
	if cmd == nil {
		b.errorf(b.rng, "Container without a command",
			"Component %s runs as a rootless local service, which needs the command to run inside the image (the command property): indigo does not read the image's entrypoint.", b.c.Name)
	}
	if img == nil || cmd == nil {
		return
	}
	dir := "containers/" + name
	b.resource("indigo_directory", name+"_root", b.body(map[string]hcl.Expression{"path": b.str(dir)}))
	fixed := &hclsyntax.ObjectConsExpr{SrcRange: b.rng, OpenRange: b.rng, Items: []hclsyntax.ObjectConsItem{
		{KeyExpr: b.key("INDIGO_IMAGE"), ValueExpr: asSyntax(img)},
		{KeyExpr: b.key("INDIGO_COMMAND"), ValueExpr: asSyntax(cmd)},
	}}
	env := hclsyntax.Expression(fixed)
	if e := b.prop("environment_variables"); e != nil {
		env = &hclsyntax.FunctionCallExpr{Name: "merge", Args: []hclsyntax.Expression{asSyntax(e), fixed}, NameRange: b.rng, OpenParenRange: b.rng, CloseParenRange: b.rng}
	}
	attrs := map[string]hcl.Expression{
		"command": b.list(b.str("/bin/sh"), b.str("-c"), b.str(rootlessScript)),
		"dir":     b.ref("indigo_directory", name+"_root", "path"),
		"env":     env,
	}
	var blocks []*hclsyntax.Block
	if p := b.port(); p != nil {
		attrs["port"] = p
		blocks = append(blocks, b.block("health_check", map[string]hcl.Expression{
			"tcp":     &hclsyntax.TemplateExpr{Parts: []hclsyntax.Expression{b.str("127.0.0.1:"), asSyntax(p)}, SrcRange: p.Range()},
			"timeout": b.str("5m"),
		}))
	}
	b.resource("indigo_service", name, b.body(attrs, blocks...))
	b.localhostAttrs()
	b.r.Attributes["pid"] = b.ref("indigo_service", name, "pid")
	b.r.Attributes["tosca_id"] = b.ref("indigo_service", name, "id")
}

func (b *binder) key(k string) hclsyntax.Expression {
	return &hclsyntax.ObjectConsKeyExpr{Wrapped: b.str(k), ForceNonLiteral: true}
}

func asSyntax(e hcl.Expression) hclsyntax.Expression {
	if se, ok := e.(hclsyntax.Expression); ok {
		return se
	}
	return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: e.Range()}
}

// siteDefault returns a template value, or the site's default, or reports
// that neither exists.
func (b *binder) orDefault(e hcl.Expression, key, what string) hcl.Expression {
	if e != nil {
		return e
	}
	if v, ok := b.site.Defaults[key]; ok && v != "" {
		return b.str(v)
	}
	b.errorf(b.rng, "Missing "+what,
		"Component %s names no %s, and site %s has no default %q. Set it in the template or give the site a default.", b.c.Name, what, b.site.Name, key)
	return nil
}

// osCompute: a Compute on OpenStack is a server, a floating IP when its
// endpoint is public, and a volume attachment per attached BlockStorage.
func (b *binder) osCompute() {
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
	if n := b.site.Defaults["network"]; n != "" {
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
		pool := b.site.Defaults["floating_pool"]
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
		if t == nil || !hasType(t.TypeChain, "tosca.nodes.BlockStorage") {
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

func hasType(chain []string, t string) bool {
	for _, c := range chain {
		if c == t {
			return true
		}
	}
	return false
}

// size converts a scalar-unit.size property into whole gigabytes: at load
// time for literals, with an expression reading the number for values that
// come from inputs (read as GB).
func (b *binder) sizeExpr(e hcl.Expression) hcl.Expression {
	if e == nil {
		b.errorf(b.rng, "Volume without a size", "Component %s is a volume with no size property. Add size, e.g. 10 GB.", b.c.Name)
		return nil
	}
	if s, ok := b.literalString(e); ok {
		gb, ok := sizeGB(s)
		if !ok {
			b.errorf(e.Range(), "Invalid size", "The size %q of %s is not a scalar-unit.size such as 10 GB.", s, b.c.Name)
			return nil
		}
		return &hclsyntax.LiteralValueExpr{Val: cty.NumberIntVal(gb), SrcRange: e.Range()}
	}
	r := e.Range()
	re := &hclsyntax.FunctionCallExpr{Name: "regex", Args: []hclsyntax.Expression{&hclsyntax.LiteralValueExpr{Val: cty.StringVal(`^[0-9.]+`), SrcRange: r}, asSyntax(e)}, NameRange: r, OpenParenRange: r, CloseParenRange: r}
	num := &hclsyntax.FunctionCallExpr{Name: "tonumber", Args: []hclsyntax.Expression{re}, NameRange: r, OpenParenRange: r, CloseParenRange: r}
	return &hclsyntax.FunctionCallExpr{Name: "ceil", Args: []hclsyntax.Expression{num}, NameRange: r, OpenParenRange: r, CloseParenRange: r}
}

func (b *binder) osVolume() {
	name := Name(b.c.Name)
	size := b.sizeExpr(b.prop("size"))
	if size == nil {
		return
	}
	b.resource("openstack_blockstorage_volume_v3", name, b.body(map[string]hcl.Expression{"name": b.str(b.c.Name), "size": size}))
	b.r.Attributes["volume_id"] = b.ref("openstack_blockstorage_volume_v3", name, "id")
}

func (b *binder) osNetwork() {
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

// k8sContainer: a container application on Kubernetes is a Deployment,
// and a Service when it declares a port.
func (b *binder) k8sContainer() {
	name := Name(b.c.Name)
	img := b.image()
	if img == nil {
		return
	}
	kname := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	labels := &hclsyntax.ObjectConsExpr{SrcRange: b.rng, OpenRange: b.rng, Items: []hclsyntax.ObjectConsItem{{KeyExpr: b.key("app"), ValueExpr: b.str(kname)}}}
	meta := func() *hclsyntax.Block {
		attrs := map[string]hcl.Expression{"name": b.str(kname)}
		if ns := b.site.Defaults["namespace"]; ns != "" {
			attrs["namespace"] = b.str(ns)
		}
		return b.block("metadata", attrs)
	}
	container := map[string]hcl.Expression{"name": b.str(kname), "image": img}
	if cmd := b.prop("command"); cmd != nil {
		container["command"] = b.list(b.str("/bin/sh"), b.str("-c"), asSyntax(cmd))
	}
	var cblocks []*hclsyntax.Block
	if env := b.prop("environment_variables"); env != nil {
		v, ok := literal(env)
		if !ok || !v.CanIterateElements() {
			b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Environment not passed",
				Detail:  fmt.Sprintf("The environment_variables of %s are not known before apply; a Kubernetes container's env entries are generated only from literal maps.", b.c.Name),
				Subject: env.Range().Ptr()})
		} else {
			for it := v.ElementIterator(); it.Next(); {
				k, val := it.Element()
				if k.Type() == cty.String && val.Type() == cty.String {
					cblocks = append(cblocks, b.block("env", map[string]hcl.Expression{"name": b.str(k.AsString()), "value": b.str(val.AsString())}))
				}
			}
		}
	}
	port := b.port()
	if port != nil {
		cblocks = append(cblocks, b.block("port", map[string]hcl.Expression{"container_port": port}))
	}
	replicas := b.capProp("scalable", "count")
	if replicas == nil {
		replicas = b.num(1)
	}
	b.resource("kubernetes_deployment_v1", name, b.body(nil, meta(), b.block("spec", map[string]hcl.Expression{"replicas": replicas},
		b.block("selector", map[string]hcl.Expression{"match_labels": labels}),
		b.block("template", nil,
			b.block("metadata", map[string]hcl.Expression{"labels": labels}),
			b.block("spec", nil, b.block("container", container, cblocks...)),
		),
	)))
	b.r.Attributes["tosca_id"] = b.ref("kubernetes_deployment_v1", name, "id")
	if port != nil {
		b.resource("kubernetes_service_v1", name, b.body(nil, meta(), b.block("spec", map[string]hcl.Expression{"selector": labels},
			b.block("port", map[string]hcl.Expression{"port": port, "target_port": port}))))
		ip := &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
			hcl.TraverseRoot{Name: "kubernetes_service_v1", SrcRange: b.rng},
			hcl.TraverseAttr{Name: name, SrcRange: b.rng},
			hcl.TraverseAttr{Name: "spec", SrcRange: b.rng},
			hcl.TraverseIndex{Key: cty.NumberIntVal(0), SrcRange: b.rng},
			hcl.TraverseAttr{Name: "cluster_ip", SrcRange: b.rng},
		}, SrcRange: b.rng}
		b.r.Attributes["private_address"] = b.list(ip)
		b.r.Attributes["ip_address"] = ip
	}
}

// k8sVolume: storage on Kubernetes is a persistent volume claim.
func (b *binder) k8sVolume() {
	name := Name(b.c.Name)
	size := b.sizeExpr(b.prop("size"))
	if size == nil {
		return
	}
	storage := &hclsyntax.TemplateExpr{Parts: []hclsyntax.Expression{asSyntax(size), b.str("G")}, SrcRange: size.Range()}
	requests := &hclsyntax.ObjectConsExpr{SrcRange: b.rng, OpenRange: b.rng, Items: []hclsyntax.ObjectConsItem{{KeyExpr: b.key("storage"), ValueExpr: storage}}}
	kname := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	b.resource("kubernetes_persistent_volume_claim_v1", name, b.body(nil,
		b.block("metadata", map[string]hcl.Expression{"name": b.str(kname)}),
		b.block("spec", map[string]hcl.Expression{"access_modes": b.list(b.str("ReadWriteOnce"))},
			b.block("resources", map[string]hcl.Expression{"requests": requests}))))
	b.r.Attributes["volume_id"] = b.ref("kubernetes_persistent_volume_claim_v1", name, "id")
}

// port is the port a container listens on: its port property, or the
// target of the first port its host capability publishes (as INDIGO's
// Docker types write it).
func (b *binder) port() hcl.Expression {
	if p := b.prop("port"); p != nil {
		return p
	}
	caps := []map[string]hcl.Expression{b.c.Capabilities["host"]}
	for _, r := range b.c.Requirements {
		if r.Name == "host" && b.comps[r.Target] != nil {
			caps = append(caps, b.comps[r.Target].Capabilities["host"])
		}
	}
	for _, key := range []string{"publish_ports", "expose_ports"} {
		for _, m := range caps {
			e := m[key]
			v, ok := literal(e)
			if !ok || !v.CanIterateElements() || v.LengthInt() == 0 {
				continue
			}
			first := v.Index(cty.NumberIntVal(0))
			if first.Type().IsObjectType() && first.Type().HasAttribute("target") {
				if t := first.GetAttr("target"); !t.IsNull() && t.Type() == cty.Number {
					return &hclsyntax.LiteralValueExpr{Val: t, SrcRange: e.Range()}
				}
			}
		}
	}
	return nil
}
