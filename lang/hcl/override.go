package hcllang

import (
	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
)

// overrideBody merges an override file's block into the block it overrides,
// following Terraform's rules: an argument in the override replaces the
// argument of the same name; nested blocks of a type present in the override
// replace every nested block of that type.
func overrideBody(base, over hcl.Body) hcl.Body {
	return &mergedBody{base: base, over: over}
}

type mergedBody struct {
	base, over hcl.Body
}

func (b *mergedBody) Content(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	c, _, diags := b.partial(schema, false)
	return c, diags
}

func (b *mergedBody) PartialContent(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	return b.partial(schema, true)
}

func (b *mergedBody) partial(schema *hcl.BodySchema, partial bool) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	// Required arguments may be satisfied by either side, so read both sides
	// with a relaxed schema and check the requirement on the merge.
	relaxed := &hcl.BodySchema{Blocks: schema.Blocks}
	for _, a := range schema.Attributes {
		relaxed.Attributes = append(relaxed.Attributes, hcl.AttributeSchema{Name: a.Name})
	}
	var baseC, overC *hcl.BodyContent
	var baseR, overR hcl.Body
	var diags hcl.Diagnostics
	if partial {
		var d hcl.Diagnostics
		baseC, baseR, d = b.base.PartialContent(relaxed)
		diags = append(diags, d...)
		overC, overR, d = b.over.PartialContent(relaxed)
		diags = append(diags, d...)
	} else {
		var d hcl.Diagnostics
		baseC, d = b.base.Content(relaxed)
		diags = append(diags, d...)
		overC, d = b.over.Content(relaxed)
		diags = append(diags, d...)
	}
	merged := &hcl.BodyContent{Attributes: hcl.Attributes{}, MissingItemRange: baseC.MissingItemRange}
	for n, a := range baseC.Attributes {
		merged.Attributes[n] = a
	}
	for n, a := range overC.Attributes {
		merged.Attributes[n] = a
	}
	overTypes := map[string]bool{}
	for _, blk := range overC.Blocks {
		overTypes[blk.Type] = true
	}
	for _, blk := range baseC.Blocks {
		if !overTypes[blk.Type] {
			merged.Blocks = append(merged.Blocks, blk)
		}
	}
	merged.Blocks = append(merged.Blocks, overC.Blocks...)
	for _, a := range schema.Attributes {
		if _, ok := merged.Attributes[a.Name]; a.Required && !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing required argument",
				Detail:   "The argument \"" + a.Name + "\" is required, but was not set.",
				Subject:  baseC.MissingItemRange.Ptr(),
			})
		}
	}
	var remain hcl.Body
	if partial {
		remain = &mergedBody{base: baseR, over: overR}
	}
	return merged, remain, diags
}

func (b *mergedBody) JustAttributes() (hcl.Attributes, hcl.Diagnostics) {
	baseA, diags := b.base.JustAttributes()
	overA, d := b.over.JustAttributes()
	diags = append(diags, d...)
	out := hcl.Attributes{}
	for n, a := range baseA {
		out[n] = a
	}
	for n, a := range overA {
		out[n] = a
	}
	return out, diags
}

func (b *mergedBody) MissingItemRange() hcl.Range { return b.base.MissingItemRange() }

// nameSuggestion returns the candidate closest to given when it is close
// enough to be a likely typo, else "".
func nameSuggestion(given string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}
