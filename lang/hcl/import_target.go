package hcllang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

// importTargetFromExpr reads an import block's to: a resource instance
// address whose index keys may be expressions (aws_x.y[each.key],
// module.m[each.key].aws_x.y). In the JSON syntax the address is a string.
func importTargetFromExpr(e hcl.Expression) (config.ImportTarget, bool) {
	if trav, td := hcl.AbsTraversalForExpr(e); !td.HasErrors() {
		return config.ImportTarget{Steps: trav, Keys: make([]hcl.Expression, len(trav)), Range: e.Range()}, true
	}
	if _, native := e.(hclsyntax.Expression); !native {
		v, vd := e.Value(nil)
		if vd.HasErrors() || v.Type() != cty.String || v.IsNull() {
			return config.ImportTarget{}, false
		}
		start := e.Range().Start
		start.Column++ // past the opening quote
		start.Byte++
		pe, pd := hclsyntax.ParseExpression([]byte(v.AsString()), e.Range().Filename, start)
		if pd.HasErrors() {
			return config.ImportTarget{}, false
		}
		e = pe
	}
	t := config.ImportTarget{Range: e.Range()}
	static := func(trav hcl.Traversal) bool {
		t.Steps = append(t.Steps, trav...)
		t.Keys = append(t.Keys, make([]hcl.Expression, len(trav))...)
		return true
	}
	var walk func(hcl.Expression) bool
	walk = func(x hcl.Expression) bool {
		switch x := x.(type) {
		case *hclsyntax.ScopeTraversalExpr:
			return static(x.Traversal)
		case *hclsyntax.RelativeTraversalExpr:
			return walk(x.Source) && static(x.Traversal)
		case *hclsyntax.IndexExpr:
			if !walk(x.Collection) {
				return false
			}
			t.Steps = append(t.Steps, hcl.TraverseIndex{Key: cty.NullVal(cty.DynamicPseudoType), SrcRange: x.BracketRange})
			t.Keys = append(t.Keys, x.Key)
			return true
		}
		return false
	}
	if !walk(e) {
		return config.ImportTarget{}, false
	}
	return t, true
}
