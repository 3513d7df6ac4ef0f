package hcllang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/indigo-cloud/indigo/lang/config"
)

// Provider for_each (OpenTofu 1.9): a provider block with for_each and an
// alias is one configuration with an instance per key. Resources, module
// calls and sites choose an instance with an index after the alias:
// provider = aws.by_region[each.key]. The index is an expression, evaluated
// by the planner for each instance of whatever refers to it.

// providerInstanceRefFromExpr reads a provider reference that may select
// an instance of a configuration with for_each: aws, aws.west or
// aws.by_region[KEY]. key is nil when there is no index.
func providerInstanceRefFromExpr(e hcl.Expression) (*config.LocalProviderRef, hcl.Expression, hcl.Diagnostics) {
	if ix, ok := e.(*hclsyntax.IndexExpr); ok {
		ref, diags := providerRefFromExpr(ix.Collection)
		if diags.HasErrors() {
			return nil, nil, diags
		}
		if ref.Alias == "" {
			return nil, nil, hcl.Diagnostics{noAliasIndex(e)}
		}
		return ref, ix.Key, nil
	}
	trav, td := hcl.AbsTraversalForExpr(e)
	if !td.HasErrors() && len(trav) == 3 {
		// A literal key (aws.by_region["eu"]) parses as a traversal, and
		// so does the JSON syntax's string form.
		ix, ok := trav[2].(hcl.TraverseIndex)
		if !ok {
			ref, diags := providerRefFromExpr(e)
			return ref, nil, diags
		}
		ref, diags := providerRefFromExpr(&hclsyntax.ScopeTraversalExpr{Traversal: trav[:2], SrcRange: hcl.RangeBetween(trav[0].SourceRange(), trav[1].SourceRange())})
		if diags.HasErrors() {
			return nil, nil, diags
		}
		return ref, &hclsyntax.LiteralValueExpr{Val: ix.Key, SrcRange: ix.SrcRange}, nil
	}
	if !td.HasErrors() && len(trav) == 2 {
		if _, ok := trav[1].(hcl.TraverseIndex); ok {
			return nil, nil, hcl.Diagnostics{noAliasIndex(e)}
		}
	}
	ref, diags := providerRefFromExpr(e)
	return ref, nil, diags
}

func noAliasIndex(e hcl.Expression) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid provider reference",
		Detail:   "An instance key selects an instance of a provider configuration with for_each, which always has an alias: write NAME.ALIAS[KEY], e.g. aws.by_region[each.key].",
		Subject:  e.Range().Ptr(),
	}
}

// decodeProviderForEach records a provider block's for_each, which needs
// an alias: the instances are NAME.ALIAS[KEY], and a default
// configuration cannot be repeated.
func decodeProviderForEach(p *config.ProviderConfig, attr *hcl.Attribute) hcl.Diagnostics {
	p.ForEach = attr.Expr
	if p.Alias != "" {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Provider for_each without an alias",
		Detail:   fmt.Sprintf("A provider configuration with for_each needs an alias, by which its instances are chosen: add alias = \"by_key\" and refer to an instance as %s.by_key[each.key].", p.Name),
		Subject:  attr.Range.Ptr(),
	}}
}

// checkProviderKeys reports references that do not match the
// configuration they name: an instance key on a configuration without
// for_each, or none on one with it. References to configurations passed
// from a calling module (configuration_aliases) are checked by the
// planner, which sees both modules.
func (d *decoder) checkProviderKeys() hcl.Diagnostics {
	var diags hcl.Diagnostics
	check := func(ref *config.LocalProviderRef, key hcl.Expression, rng hcl.Range, who string) {
		if ref == nil {
			return
		}
		pc := d.mod.ProviderConfigs[ref.String()]
		if pc == nil {
			return
		}
		switch {
		case pc.ForEach != nil && key == nil:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Provider instance not chosen",
				Detail:   fmt.Sprintf("%s uses provider %s, which has for_each: choose one of its instances with a key, e.g. %s[each.key] (each.key or count.index of the resource or module call, a variable, a local, or a quoted key).", who, ref, ref),
				Subject:  rng.Ptr(),
			})
		case pc.ForEach == nil && key != nil:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Provider configuration has no instances",
				Detail:   fmt.Sprintf("%s gives an instance key to provider %s, which has no for_each: remove the key, or add for_each to the provider block.", who, ref),
				Subject:  key.Range().Ptr(),
			})
		}
	}
	for _, rs := range []map[string]*config.Resource{d.mod.ManagedResources, d.mod.DataResources} {
		for _, r := range rs {
			check(r.ProviderRef, r.ProviderKey, r.ProviderRange, r.Addr().String())
		}
	}
	for _, mc := range d.mod.ModuleCalls {
		for _, pp := range mc.Providers {
			check(&pp.InParent, pp.InParentKey, pp.Range, "module."+mc.Name)
		}
	}
	for _, s := range d.mod.Sites {
		if s.Provider.LocalName != "" {
			check(&s.Provider, s.ProviderKey, s.ProviderRange, "site."+s.Name)
		}
	}
	return diags
}
