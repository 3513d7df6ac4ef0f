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
