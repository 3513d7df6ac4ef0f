package planner

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// pathRange finds the part of a resource's configuration body that a
// provider's attribute path points at: the argument, the nested block or
// the element of a list or object written in the source, as deep as the
// source allows. It returns fallback when the path leads nowhere in the
// configuration (a computed attribute, say).
//
// Paths follow the provider schema: a step into a nested block list is an
// index into the blocks of that type in the order written; a map of blocks
// is keyed by the block's label. Blocks written with "dynamic" are found
// through their content block, but an index into them stops at the dynamic
// block, whose expansion is not in the source.
func pathRange(body hcl.Body, path cty.Path, fallback *hcl.Range) *hcl.Range {
	best := fallback
	for body != nil && len(path) > 0 {
		step, ok := path[0].(cty.GetAttrStep)
		if !ok {
			return best
		}
		path = path[1:]
		if attr := bodyAttribute(body, step.Name); attr != nil {
			return exprRange(attr.Expr, path)
		}
		blocks, dynamic := nestedBlocks(body, step.Name)
		if len(blocks) == 0 {
			return best
		}
		block := blocks[0]
		if len(path) > 0 {
			if idx, ok := path[0].(cty.IndexStep); ok {
				path = path[1:]
				block = pickBlock(blocks, idx.Key)
				if block == nil || dynamic {
					r := blocks[0].DefRange
					if block == nil && len(blocks) > 1 {
						// Which block of several is not known (a set):
						// the first one's header says at least where the
						// kind of block is written.
						r = blocks[0].TypeRange
					}
					return &r
				}
			}
		}
		r := block.DefRange
		best = &r
		body = block.Body
	}
	return best
}

// bodyAttribute returns the argument name written in body, or nil.
func bodyAttribute(body hcl.Body, name string) *hcl.Attribute {
	if sb, ok := body.(*hclsyntax.Body); ok {
		if a := sb.Attributes[name]; a != nil {
			return a.AsHCLAttribute()
		}
		return nil
	}
	content, _, _ := body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: name}}})
	if content == nil {
		return nil
	}
	return content.Attributes[name]
}

// nestedBlocks returns the blocks of type name in body, in source order;
// dynamic is true when they are the content blocks of dynamic "name"
// blocks.
func nestedBlocks(body hcl.Body, name string) (blocks []*hcl.Block, dynamic bool) {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		content, _, _ := body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: name}}})
		if content == nil {
			return nil, false
		}
		return content.Blocks, false
	}
	var dyn []*hcl.Block
	for _, b := range sb.Blocks {
		switch {
		case b.Type == name:
			blocks = append(blocks, b.AsHCLBlock())
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == name:
			// The content block, or the dynamic block when it has none.
			at := b
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					at = c
				}
			}
			dyn = append(dyn, at.AsHCLBlock())
		}
	}
	if len(blocks) == 0 && len(dyn) > 0 {
		return dyn, true
	}
	return blocks, false
}

// pickBlock returns the block an index step names: the i-th of a list, the
// one labelled key in a map; nil when the key cannot say (a set element).
func pickBlock(blocks []*hcl.Block, key cty.Value) *hcl.Block {
	if key.IsNull() || !key.IsKnown() {
		return nil
	}
	switch key.Type() {
	case cty.Number:
		i, acc := key.AsBigFloat().Int64()
		if acc != 0 || i < 0 || i >= int64(len(blocks)) {
			return nil
		}
		return blocks[i]
	case cty.String:
		for _, b := range blocks {
			if len(b.Labels) > 0 && b.Labels[0] == key.AsString() {
				return b
			}
		}
	}
	return nil
}

// exprRange descends into list and object constructors as far as path
// goes, and returns the range of the deepest expression it reaches.
func exprRange(expr hcl.Expression, path cty.Path) *hcl.Range {
	for len(path) > 0 {
		next := subExpr(expr, path[0])
		if next == nil {
			break
		}
		expr, path = next, path[1:]
	}
	r := expr.Range()
	return &r
}

func subExpr(expr hcl.Expression, step cty.PathStep) hcl.Expression {
	var key cty.Value
	switch s := step.(type) {
	case cty.GetAttrStep:
		key = cty.StringVal(s.Name)
	case cty.IndexStep:
		key = s.Key
	default:
		return nil
	}
	if key.IsNull() || !key.IsKnown() {
		return nil
	}
	switch e := expr.(type) {
	case *hclsyntax.TupleConsExpr:
		if key.Type() != cty.Number {
			return nil
		}
		i, acc := key.AsBigFloat().Int64()
		if acc != 0 || i < 0 || i >= int64(len(e.Exprs)) {
			return nil
		}
		return e.Exprs[i]
	case *hclsyntax.ObjectConsExpr:
		if key.Type() != cty.String {
			return nil
		}
		for _, item := range e.Items {
			k, diags := item.KeyExpr.Value(nil)
			if diags.HasErrors() || !k.IsKnown() || k.IsNull() || k.Type() != cty.String {
				continue
			}
			if k.AsString() == key.AsString() {
				return item.ValueExpr
			}
		}
	case *hclsyntax.ParenthesesExpr:
		return subExpr(e.Expression, step)
	}
	return nil
}
