package eval

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
)

// Sites with for_each. A site block with for_each is one site per key,
// named NAME["KEY"] wherever a site name shows (plan, state, status). The
// instances replace the block in the module's Sites (ExpandSites) before
// anything evaluates, ranks or realises sites, so everything downstream
// sees ordinary sites; each instance keeps its block's label, its key and
// its each.value for evaluating its arguments (EvalSite).

// ForEachIterations evaluates a for_each argument in sc: one iteration
// per key, sorted by key. Values not known now are an error (the keys are
// recorded in plans and state), and so are ephemeral ones unless
// ephemeralOK. what names the block in messages.
func ForEachIterations(sc *Scope, forEach hcl.Expression, what string, ephemeralOK bool) ([]Iteration, hcl.Diagnostics) {
	v, diags := sc.EvalExpr(forEach, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return nil, diags
	}
	if d := CheckForEach(v, forEach.Range()); d.HasErrors() {
		return nil, append(diags, d...)
	}
	if d := CheckRecordedKeys(v, "for_each", forEach.Range()); !ephemeralOK && d.HasErrors() {
		return nil, append(diags, d...)
	}
	v, _ = v.Unmark()
	if !v.IsKnown() || (v.Type().IsSetType() && !v.IsWhollyKnown()) {
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid for_each argument",
			Detail:   fmt.Sprintf("The for_each of %s depends on values that are only known after apply, so indigo cannot tell which instances to plan. The keys must be known now; the values may be unknown.", what),
			Subject:  forEach.Range().Ptr(),
		})
	}
	if v.IsNull() {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid for_each argument", Detail: "for_each cannot be null; use an empty map or set.", Subject: forEach.Range().Ptr()})
	}
	var iters []Iteration
	if v.Type().IsSetType() {
		for _, x := range v.AsValueSlice() {
			x, _ = x.Unmark()
			if x.IsNull() {
				return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid for_each set argument", Detail: "A for_each set cannot hold null.", Subject: forEach.Range().Ptr()})
			}
			iters = append(iters, Iteration{ForEach: true, EachKey: cty.StringVal(x.AsString()), EachValue: x})
		}
	} else {
		for k, x := range v.AsValueMap() {
			iters = append(iters, Iteration{ForEach: true, EachKey: cty.StringVal(k), EachValue: x})
		}
	}
	sort.Slice(iters, func(i, j int) bool { return iters[i].EachKey.AsString() < iters[j].EachKey.AsString() })
	return iters, diags
}

// ExpandSites returns module m with each site block that has for_each
// replaced by its instances (m itself when no site has for_each). When
// strict (planning), a for_each that is not known is an error; otherwise
// (validate, with variables left unknown) such a block stays as it is and
// its arguments are checked with each.key and each.value unknown.
// Instances already expanded are kept, so expanding twice is harmless.
func ExpandSites(sc *Scope, m *config.Module, strict bool) (*config.Module, hcl.Diagnostics) {
	if !slices.ContainsFunc(slices.Collect(maps.Values(m.Sites)), unexpanded) {
		return m, nil
	}
	var diags hcl.Diagnostics
	out := *m
	out.Sites = map[string]*config.Site{}
	out.SiteBlocks = maps.Clone(m.SiteBlocks)
	if out.SiteBlocks == nil {
		out.SiteBlocks = map[string]*config.Site{}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Sites)) {
		s := m.Sites[name]
		if s.ForEach == nil || s.Block != "" {
			out.Sites[name] = s
			continue
		}
		if !strict {
			v, d := sc.EvalExpr(s.ForEach, cty.DynamicPseudoType)
			if d.HasErrors() {
				diags = append(diags, d...)
				out.Sites[name] = s
				continue
			}
			if v, _ = v.UnmarkDeep(); !v.IsWhollyKnown() {
				out.Sites[name] = s
				continue
			}
		}
		iters, d := ForEachIterations(sc, s.ForEach, "site."+name, false)
		diags = append(diags, d...)
		out.SiteBlocks[name] = s
		if d.HasErrors() {
			continue
		}
		for _, it := range iters {
			inst := siteInstance(sc, s, it, strict, &diags)
			if other := out.Sites[inst.Name]; other != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate site name", Detail: fmt.Sprintf("Site %s is declared at %s and made by the for_each of site %q: rename one of them.", inst.Name, other.DeclRange, name), Subject: s.ForEach.Range().Ptr()})
				continue
			}
			out.Sites[inst.Name] = inst
		}
	}
	diags = append(diags, checkSiteAliases(&out)...)
	return &out, diags
}

// siteInstance makes the instance of site block s for iteration it. A
// provider key (provider = openstack.by_region[each.key]) is evaluated
// now, as the instance's: the planner reads it where each is not in
// scope. When strict, it must be known.
func siteInstance(sc *Scope, s *config.Site, it Iteration, strict bool, diags *hcl.Diagnostics) *config.Site {
	key := config.StringKey(it.EachKey.AsString())
	inst := *s
	inst.Name = config.SiteInstanceName(s.Name, key)
	inst.Block, inst.Key, inst.EachValue = s.Name, key, it.EachValue
	if s.ProviderKey != nil {
		v, d := sc.WithIteration(it).EvalExpr(s.ProviderKey, cty.DynamicPseudoType)
		*diags = append(*diags, d...)
		v, _ = v.Unmark()
		if v.Type() == cty.Number {
			v, _ = convert.Convert(v, cty.String)
		}
		switch {
		case d.HasErrors():
		case v.IsKnown() && !v.IsNull():
			inst.ProviderKey = &hclsyntax.LiteralValueExpr{Val: v, SrcRange: s.ProviderKey.Range()}
		case strict:
			*diags = append(*diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Provider instance key not known",
				Detail:   fmt.Sprintf("The key that chooses the provider instance of site %s depends on values only known after apply. Use each.key, each.value, variables or locals.", inst.Name),
				Subject:  s.ProviderKey.Range().Ptr(),
			})
		}
	}
	return &inst
}

// siteIteration is the iteration a site's arguments are evaluated with:
// its instance's key and value, unknown ones for a site with for_each not
// expanded (validate), none for a single site.
func siteIteration(s *config.Site) (Iteration, bool) {
	switch {
	case s.Block != "":
		return Iteration{ForEach: true, EachKey: cty.StringVal(string(s.Key.(config.StringKey))), EachValue: s.EachValue}, true
	case s.ForEach != nil:
		return Iteration{ForEach: true, EachKey: cty.UnknownVal(cty.String), EachValue: cty.DynamicVal}, true
	}
	return Iteration{}, false
}

// SiteProviderAlias is the alias of the provider configuration a kind
// builds for site s from its settings: the site's name, made a valid
// identifier for an instance of a site with for_each (os["cnaf"] becomes
// os__cnaf__, as binding.Name makes resource names).
func SiteProviderAlias(s *config.Site) string {
	if s.Block == "" {
		return s.Name
	}
	return binding.Name(s.Name)
}

// checkSiteAliases reports two sites whose kind builds their provider
// configuration and whose aliases coincide (keys that differ only in
// characters an alias cannot hold).
func checkSiteAliases(m *config.Module) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(m.Sites)) {
		s := m.Sites[name]
		if k, ok := binding.Lookup(s.Kind); !ok || k.Provider == nil || s.Provider.LocalName != "" {
			continue
		}
		alias := SiteProviderAlias(s)
		if other, dup := seen[alias]; dup {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Site provider configurations clash",
				Detail:  fmt.Sprintf("Sites %s and %s would both get the provider configuration alias %q, which indigo builds from the site's name. Use keys that differ in letters, digits, _ or -.", other, name, alias),
				Subject: s.DeclRange.Ptr()})
			continue
		}
		seen[alias] = name
	}
	return diags
}

// resolveSiteRef returns the names of the sites of m (expanded) that ref
// selects: the site it names, one instance of a site with for_each, or
// all of them. ok is false when nothing can be said yet (a for_each not
// known) or the reference is wrong (reported in diags).
func resolveSiteRef(m *config.Module, ref config.SiteRef, diags *hcl.Diagnostics) ([]string, bool) {
	if s := m.Sites[ref.Name]; s != nil {
		switch {
		case s.ForEach != nil:
			return nil, false
		case ref.Keyed:
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Site has no instances",
				Detail:  fmt.Sprintf("%s gives a key to site %q, which has no for_each: remove the key, or add for_each to the site block.", ref, ref.Name),
				Subject: ref.Range.Ptr()})
			return nil, false
		}
		return []string{ref.Name}, true
	}
	var keys, names []string
	for _, name := range slices.Sorted(maps.Keys(m.Sites)) {
		if s := m.Sites[name]; s.Block == ref.Name {
			keys = append(keys, strings.Trim(s.Key.String(), "[]"))
			names = append(names, name)
		}
	}
	if len(names) == 0 && !ref.Keyed {
		if m.SiteBlocks[ref.Name] == nil {
			// Undeclared: reported where the configuration is read (an
			// HCL placement) or by the ranking (a TOSCA cloud_id).
			return []string{ref.Name}, true
		}
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Site has no instances",
			Detail:  fmt.Sprintf("%s names every instance of site %q, but it has none (its for_each is empty, or did not evaluate), so there is no site to choose from. Give its for_each a key, or name other sites.", ref, ref.Name),
			Subject: ref.Range.Ptr()})
		return nil, false
	}
	if ref.Keyed && len(names) == 0 && m.SiteBlocks[ref.Name] == nil {
		return nil, false
	}
	if !ref.Keyed {
		return names, true
	}
	name := config.SiteInstanceName(ref.Name, config.StringKey(ref.Key))
	if m.Sites[name] == nil {
		have := "none"
		if len(keys) > 0 {
			have = strings.Join(keys, ", ")
		}
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Site instance not found",
			Detail:  fmt.Sprintf("%s names key %q, but the for_each of site %q has no such key (it has %s). Use one of its keys, or add the key to its for_each.", ref, ref.Key, ref.Name, have),
			Subject: ref.Range.Ptr()})
		return nil, false
	}
	return []string{name}, true
}

// sitesUnknown reports whether the number of sites refs select (every
// site of m when refs is empty) is not known yet: a site with for_each
// that validate could not expand is among them.
func sitesUnknown(m *config.Module, refs []config.SiteRef) bool {
	if len(refs) == 0 {
		return slices.ContainsFunc(slices.Collect(maps.Values(m.Sites)), unexpanded)
	}
	return slices.ContainsFunc(refs, func(r config.SiteRef) bool { return m.Sites[r.Name] != nil && unexpanded(m.Sites[r.Name]) })
}

func unexpanded(s *config.Site) bool { return s.ForEach != nil && s.Block == "" }
