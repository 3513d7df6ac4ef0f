package binding

import (
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// image finds a container component's image: a Docker image artifact, or
// an image property.
func (b *Binder) image() hcl.Expression {
	for _, name := range slices.Sorted(maps.Keys(b.c.Artifacts)) {
		a := b.c.Artifacts[name]
		if strings.Contains(a.Type, "Image.Container") || strings.Contains(a.Type, "Docker") {
			if a.FileExpr != nil {
				return a.FileExpr
			}
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

func (b *Binder) key(k string) hclsyntax.Expression {
	return &hclsyntax.ObjectConsKeyExpr{Wrapped: b.str(k), ForceNonLiteral: true}
}

func asSyntax(e hcl.Expression) hclsyntax.Expression {
	if se, ok := e.(hclsyntax.Expression); ok {
		return se
	}
	return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: e.Range()}
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
func (b *Binder) sizeExpr(e hcl.Expression) hcl.Expression {
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

// port is the port a container listens on: its port property, or the
// target of the first port its host capability publishes (as INDIGO's
// Docker types write it).
func (b *Binder) port() hcl.Expression {
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

// credentialType is a TOSCA tosca.datatypes.Credential as a site reports
// it.
var credentialType = cty.Object(map[string]cty.Type{
	"protocol": cty.String, "token_type": cty.String, "token": cty.String,
	"keys": cty.Map(cty.String), "user": cty.String,
})

// exposeAttributes completes a realisation with what templates read of a
// component beyond what its kind's rule computes: the attributes the
// template gives or its type declares (the latter unknown until apply),
// and capabilities, an object of the component's capabilities (and of its
// requirements' relationship properties, as "relationship:REQ") with the
// values given and the attributes the site computes: an endpoint's
// ip_address (the component's public address when the endpoint is public,
// its private one otherwise; unknown when the rule gives none), credential
// (the credentials the site creates, known after apply), and the
// remaining declared attributes unknown.
func (b *Binder) exposeAttributes() {
	for _, name := range slices.Sorted(maps.Keys(b.c.Attributes)) {
		if _, computed := b.r.Attributes[name]; !computed && name != "capabilities" {
			b.r.Attributes[name] = b.c.Attributes[name]
		}
	}
	if _, computed := b.r.Attributes["capabilities"]; computed {
		return
	}
	caps := &hclsyntax.ObjectConsExpr{SrcRange: b.rng, OpenRange: b.rng}
	for _, cname := range slices.Sorted(maps.Keys(b.c.Capabilities)) {
		vals := maps.Clone(b.c.Capabilities[cname])
		if strings.Contains(cname, "endpoint") {
			b.endpointAttributes(vals)
		}
		for _, key := range []string{"publish_ports", "expose_ports"} {
			if e := b.portTargets(vals[key]); e != nil {
				vals[key] = e
			}
		}
		obj := &hclsyntax.ObjectConsExpr{SrcRange: b.rng, OpenRange: b.rng}
		for _, k := range slices.Sorted(maps.Keys(vals)) {
			if vals[k] == nil {
				continue
			}
			obj.Items = append(obj.Items, hclsyntax.ObjectConsItem{KeyExpr: b.key(k), ValueExpr: asSyntax(vals[k])})
		}
		caps.Items = append(caps.Items, hclsyntax.ObjectConsItem{KeyExpr: b.key(cname), ValueExpr: obj})
	}
	b.r.Attributes["capabilities"] = caps
}

// endpointAttributes sets the attributes of an endpoint capability the
// site computes, where the template gives no value of its own.
func (b *Binder) endpointAttributes(vals map[string]hcl.Expression) {
	unset := func(k string) bool {
		e, ok := vals[k]
		if !ok || e == nil {
			return true
		}
		if len(e.Variables()) > 0 {
			return false
		}
		v, d := e.Value(nil)
		return !d.HasErrors() && (v.IsNull() || !v.IsKnown())
	}
	if unset("ip_address") {
		addr := b.r.Attributes["private_address"]
		if nn, ok := b.literalString(vals["network_name"]); ok && strings.EqualFold(nn, "PUBLIC") && b.r.Attributes["public_address"] != nil {
			addr = b.r.Attributes["public_address"]
		}
		switch {
		case b.r.Attributes["ip_address"] != nil:
			vals["ip_address"] = b.r.Attributes["ip_address"]
		case addr != nil:
			vals["ip_address"] = &hclsyntax.IndexExpr{Collection: asSyntax(addr), Key: b.num(0), SrcRange: b.rng, OpenRange: b.rng, BracketRange: b.rng}
		default:
			vals["ip_address"] = &hclsyntax.LiteralValueExpr{Val: cty.UnknownVal(cty.String), SrcRange: b.rng}
		}
	}
	if unset("credential") {
		vals["credential"] = &hclsyntax.LiteralValueExpr{Val: cty.UnknownVal(cty.List(credentialType)), SrcRange: b.rng}
	}
}

// portTargets completes a literal list of port specs (tosca.datatypes.
// network.PortSpec) whose entries give a source port and no target: the
// target is the port the site opens for it, which templates read
// (get_attribute: [docker, host, publish_ports, 0, target]). A local site
// maps no ports, so it is the source; other kinds assign it at apply.
// Nil when there is nothing to complete.
func (b *Binder) portTargets(e hcl.Expression) hcl.Expression {
	if tup, ok := e.(*hclsyntax.TupleConsExpr); ok && len(e.Variables()) > 0 {
		return b.portTargetsCons(tup)
	}
	v, ok := literal(e)
	if !ok || v.IsNull() || !v.IsKnown() || !(v.Type().IsTupleType() || v.Type().IsListType()) {
		return nil
	}
	changed := false
	var out []cty.Value
	for it := v.ElementIterator(); it.Next(); {
		_, p := it.Element()
		if p.IsNull() || !p.Type().IsObjectType() || !p.Type().HasAttribute("source") || p.Type().HasAttribute("target") && !p.GetAttr("target").IsNull() {
			out = append(out, p)
			continue
		}
		attrs := p.AsValueMap()
		if b.site.Kind == "local" {
			attrs["target"] = p.GetAttr("source")
		} else {
			attrs["target"] = cty.UnknownVal(cty.Number)
		}
		out = append(out, cty.ObjectVal(attrs))
		changed = true
	}
	if !changed {
		return nil
	}
	return &hclsyntax.LiteralValueExpr{Val: cty.TupleVal(out), SrcRange: e.Range()}
}

// portTargetsCons is portTargets for a list written with expressions in it
// (a source port from get_input): each entry's target becomes its source on
// a local site, and unknown until apply elsewhere.
func (b *Binder) portTargetsCons(tup *hclsyntax.TupleConsExpr) hcl.Expression {
	out := &hclsyntax.TupleConsExpr{SrcRange: tup.SrcRange, OpenRange: tup.OpenRange}
	changed := false
	for _, el := range tup.Exprs {
		obj, ok := el.(*hclsyntax.ObjectConsExpr)
		if !ok {
			out.Exprs = append(out.Exprs, el)
			continue
		}
		var source hclsyntax.Expression
		hasTarget := false
		for _, it := range obj.Items {
			switch k, _ := b.literalString(it.KeyExpr); k {
			case "source":
				source = it.ValueExpr
			case "target":
				hasTarget = true
			}
		}
		if source == nil || hasTarget {
			out.Exprs = append(out.Exprs, el)
			continue
		}
		target := source
		if b.site.Kind != "local" {
			target = &hclsyntax.LiteralValueExpr{Val: cty.UnknownVal(cty.Number), SrcRange: source.Range()}
		}
		items := append(append([]hclsyntax.ObjectConsItem(nil), obj.Items...), hclsyntax.ObjectConsItem{KeyExpr: b.key("target"), ValueExpr: target})
		out.Exprs = append(out.Exprs, &hclsyntax.ObjectConsExpr{Items: items, SrcRange: obj.SrcRange, OpenRange: obj.OpenRange})
		changed = true
	}
	if !changed {
		return nil
	}
	return out
}
