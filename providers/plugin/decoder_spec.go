package plugin

import (
	"github.com/hashicorp/hcl/v2/hcldec"
)

// DecoderSpec returns the hcldec specification that decodes an hcl.Body
// written against this block into a value of the block's ImpliedType:
//
//	val, diags := hcldec.Decode(body, schema.DecoderSpec(), evalCtx)
//
// Attributes become attribute specs (a nested attribute is one attribute whose
// value is an object or a collection of objects; its non-required attributes
// may be left out). Nested block types become block specs by nesting mode: a
// list (or, with dynamically-typed contents, a tuple), a set, a map keyed by
// the block's one label (or an object), a single block, or a group block that
// decodes to an object of nulls when absent. MinItems and MaxItems are
// enforced by the decoder, as are required attributes.
//
// The specification is shared by every caller; it must not be changed.
func (b *Block) DecoderSpec() hcldec.Spec {
	if b == nil {
		return hcldec.ObjectSpec{}
	}
	return b.derive().spec
}

func (b *Block) decoderSpec() hcldec.Spec {
	spec := hcldec.ObjectSpec{}
	for name, a := range b.Attributes {
		ty := a.Type
		if a.NestedType != nil {
			ty = a.NestedType.configType()
		}
		spec[name] = &hcldec.AttrSpec{Name: name, Type: ty, Required: a.Required}
	}
	for name, nb := range b.BlockTypes {
		spec[name] = nb.decoderSpec(name)
	}
	return spec
}

func (nb *NestedBlock) decoderSpec(name string) hcldec.Spec {
	child := nb.Block.DecoderSpec()
	switch nb.Nesting {
	case NestingSingle:
		return &hcldec.BlockSpec{TypeName: name, Nested: child, Required: nb.MinItems == 1}
	case NestingGroup:
		return &hcldec.DefaultSpec{
			Primary: &hcldec.BlockSpec{TypeName: name, Nested: child},
			Default: &hcldec.LiteralSpec{Value: nb.Block.emptyValue()},
		}
	case NestingList:
		if nb.Block.ImpliedType().HasDynamicTypes() {
			return &hcldec.BlockTupleSpec{TypeName: name, Nested: child, MinItems: nb.MinItems, MaxItems: nb.MaxItems}
		}
		return &hcldec.BlockListSpec{TypeName: name, Nested: child, MinItems: nb.MinItems, MaxItems: nb.MaxItems}
	case NestingSet:
		return &hcldec.BlockSetSpec{TypeName: name, Nested: child, MinItems: nb.MinItems, MaxItems: nb.MaxItems}
	case NestingMap:
		labels := []string{"key"}
		if nb.Block.ImpliedType().HasDynamicTypes() {
			return &hcldec.BlockObjectSpec{TypeName: name, Nested: child, LabelNames: labels}
		}
		return &hcldec.BlockMapSpec{TypeName: name, Nested: child, LabelNames: labels}
	default:
		// A schema from a provider never gets here: conversion rejects
		// unknown nesting modes. Decode nothing rather than panic.
		return &hcldec.LiteralSpec{Value: nb.emptyValue()}
	}
}
