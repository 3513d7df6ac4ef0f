package binding

import (
	"cmp"
	"maps"
	"math/big"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

// TOSCA networks on OpenStack. A tosca.nodes.network.Network is a network
// (and subnet) of its own, the site's existing network (its network_name
// is the site's network, or it gives a network_id), or the pool public
// addresses come from (network_type public). A tosca.nodes.network.Port
// binds a Compute to a Network: it is a port on that network, which the
// server boots with, in the order of the ports' order property.

const (
	networkType = "tosca.nodes.network.Network"
	portType    = "tosca.nodes.network.Port"
)

// osNet says what a Network component is on an OpenStack site.
type osNet struct {
	// id is the expression of the network's id; nil for a public one.
	id hcl.Expression
	// existing: the network is the site's (or one given by id), not made.
	existing bool
	// public: the network is the floating pool; a port on it gives the
	// server a public address.
	public bool
}

// osNetworkOf says what Network component net is on the binder's site,
// with an error (at the network) when the site's network has no id.
func (b *Binder) osNetworkOf(net *config.Component) (osNet, bool) {
	lit := func(prop string) (string, bool) {
		e := net.Properties[prop]
		if e == nil {
			return "", false
		}
		s, ok := b.literalString(e)
		return s, ok && s != ""
	}
	if t, ok := lit("network_type"); ok && strings.EqualFold(t, "public") {
		return osNet{public: true}, true
	}
	if e := net.Properties["network_id"]; e != nil {
		if v, ok := literal(e); !ok || !v.IsNull() {
			return osNet{id: e, existing: true}, true
		}
	}
	if name, ok := lit("network_name"); ok && name == b.site.Setting("network") {
		if id := b.site.Setting("network_id"); id != "" {
			return osNet{id: b.str(id), existing: true}, true
		}
		if settingUnknown(b.site.Settings, "network_id") {
			// A variable validate does not know yet.
			return osNet{id: &hclsyntax.LiteralValueExpr{Val: cty.UnknownVal(cty.String), SrcRange: b.rng}, existing: true}, true
		}
		b.errorf(net.DeclRange, "The site's network has no id", "Network %s is site %s's network %q, which the site names without its id; a port on it needs the id. Add settings { network_id = \"...\" } to the site.", net.Name, b.site.Name, name)
		return osNet{}, false
	}
	return osNet{id: b.ref("openstack_networking_network_v2", Name(net.Name), "id")}, true
}

// requirement returns the component a requirement of c names, nil when
// none.
func (b *Binder) requirement(c *config.Component, name string) *config.Component {
	for _, r := range c.Requirements {
		if r.Name == name && r.Target != "" {
			return b.comps[r.Target]
		}
	}
	return nil
}

// osPort: a Port is a port on its link's network, booted with by its
// binding's server (see osCompute); one per server of a scalable Compute.
func (b *Binder) osPort() {
	host, net := b.requirement(b.c, "binding"), b.requirement(b.c, "link")
	switch {
	case host == nil || !hasType(host.TypeChain, "tosca.nodes.Compute"):
		b.errorf(b.rng, "Port without a server", "Port %s is bound to no Compute. Add the requirement binding: SERVER naming the Compute it belongs to.", b.c.Name)
		return
	case net == nil || !hasType(net.TypeChain, networkType):
		b.errorf(b.rng, "Port without a network", "Port %s links to no Network. Add the requirement link: NETWORK naming a tosca.nodes.network.Network.", b.c.Name)
		return
	}
	on, ok := b.osNetworkOf(net)
	if !ok || on.public {
		// A port on the public network is the server's floating IP.
		return
	}
	name := Name(b.c.Name)
	count := scaleCount(host)
	attrs := map[string]hcl.Expression{"name": b.str(b.c.Name), "network_id": on.id}
	if count != nil {
		attrs["name"] = b.indexedName(b.c.Name)
	}
	var blocks []*hclsyntax.Block
	if ip := b.prop("ip_address"); ip != nil {
		if v, ok := literal(ip); !ok || !v.IsNull() {
			if count != nil {
				b.errorf(ip.Range(), "Fixed address on a scalable server", "Port %s gives the address %s, but it is bound to scalable component %s, whose servers cannot share it. Remove ip_address or the scaling.", b.c.Name, b.c.Name, host.Name)
				return
			}
			blocks = append(blocks, b.block("fixed_ip", map[string]hcl.Expression{"ip_address": ip}))
		}
	}
	res := b.resource("openstack_networking_port_v2", name, b.body(attrs, blocks...))
	if count != nil {
		res.Count = count
	}
	// The server boots with the port, so the port comes first: it does not
	// wait for the server it is bound to.
	res.DependsOn = slices.DeleteFunc(res.DependsOn, func(t hcl.Traversal) bool {
		return len(t) == 2 && t[1].(hcl.TraverseAttr).Name == host.Name
	})
	if !on.existing && net.Properties["cidr"] != nil {
		// Its address comes from the network's subnet: made first,
		// removed after.
		if v, ok := literal(net.Properties["cidr"]); !ok || !v.IsNull() {
			res.DependsOn = append(res.DependsOn, hcl.Traversal{
				hcl.TraverseRoot{Name: "openstack_networking_subnet_v2", SrcRange: b.rng},
				hcl.TraverseAttr{Name: Name(net.Name), SrcRange: b.rng},
			})
		}
	}
	if count == nil {
		b.r.Attributes["ip_address"] = &hclsyntax.IndexExpr{Collection: b.ref("openstack_networking_port_v2", name, "all_fixed_ips"), Key: b.num(0), SrcRange: b.rng, OpenRange: b.rng, BracketRange: b.rng}
		b.r.Attributes["tosca_id"] = b.ref("openstack_networking_port_v2", name, "id")
		return
	}
	r := b.rng
	b.r.Attributes["ip_address"] = &hclsyntax.FunctionCallExpr{Name: "flatten", Args: []hclsyntax.Expression{b.splat("openstack_networking_port_v2", name, "all_fixed_ips")}, NameRange: r, OpenParenRange: r, CloseParenRange: r}
	b.r.Attributes["tosca_id"] = b.splat("openstack_networking_port_v2", name, "id")
}

// serverPorts returns the Ports bound to the binder's Compute, ordered by
// their order property then name, and whether one of them is on the public
// network (the server then gets a floating IP).
func (b *Binder) serverPorts() (ports []*config.Component, public bool) {
	for _, n := range slices.Sorted(maps.Keys(b.comps)) {
		p := b.comps[n]
		if !hasType(p.TypeChain, portType) || b.requirement(p, "binding") != b.c {
			continue
		}
		net := b.requirement(p, "link")
		if net == nil || !hasType(net.TypeChain, networkType) {
			continue
		}
		// The port's own realisation reports a network it cannot use.
		n := len(b.diags)
		on, ok := b.osNetworkOf(net)
		b.diags = b.diags[:n]
		if !ok {
			continue
		}
		if on.public {
			public = true
			continue
		}
		ports = append(ports, p)
	}
	order := func(p *config.Component) int64 {
		v, ok := literal(p.Properties["order"])
		if !ok || v.Type().FriendlyName() != "number" {
			return 0
		}
		n, _ := v.AsBigFloat().Int(new(big.Int))
		return n.Int64()
	}
	slices.SortStableFunc(ports, func(x, y *config.Component) int { return cmp.Compare(order(x), order(y)) })
	return ports, public
}
