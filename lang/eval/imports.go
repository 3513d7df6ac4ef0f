package eval

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
)

// ImportInstance is one object an import block imports: the block itself,
// or one element of its for_each.
type ImportInstance struct {
	Import *config.Import
	To     config.InstanceAddr
	// ID is the import id; "" when it is not known yet (validating) or
	// the import is by identity.
	ID string
	// Identity is the import block's identity, an object or map of the
	// identity attributes, without marks; cty.NilVal for an import by id
	// or one not known yet (validating). The planner checks it against
	// the resource type's identity schema.
	Identity cty.Value
	// ProviderKey is the key of the provider instance the import names
	// (provider = aws.by_region[each.key]), or nil.
	ProviderKey config.InstanceKey
	// Each is the for_each element's key, for messages ("" without
	// for_each).
	Each string
}

// ExpandImports evaluates blocks, import blocks of the root module: each
// block's for_each, and for each element the address it imports into, the
// id and the provider instance key. scope gives a scope of the root module
// for an iteration.
//
// With final set (planning) a value that is not known is an error; else
// (validating) what is not known is skipped and checked by the plan. Both
// check what the configuration alone decides: the address names a managed
// resource of the configuration with instance keys of the kind its count
// or for_each (and its module calls') make, no two imports name one
// instance, and the provider is configured and is the resource's.
func ExpandImports(root *config.Config, blocks []*config.Import, scope func(Iteration) *Scope, final bool) ([]ImportInstance, hcl.Diagnostics) {
	var out []ImportInstance
	var diags hcl.Diagnostics
	seen := map[config.InstanceAddr]ImportInstance{}
	for _, im := range blocks {
		diags = append(diags, checkImportProvider(root, im)...)
		if _, res, d := im.To.Resource(); d.HasErrors() {
			diags = append(diags, d...)
			continue
		} else if res.Mode != config.ManagedMode {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid import address", Detail: fmt.Sprintf("Only managed resources can be imported; %s is not one. Name a resource block's address.", res), Subject: im.To.Range.Ptr()})
			continue
		}
		if d := checkImportResource(root, im); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		iters, keys, d := importIterations(scope(Iteration{}), im.ForEach, final)
		diags = append(diags, d...)
		for i, it := range iters {
			one, ok, d := expandImport(root, scope(it), im, final)
			diags = append(diags, d...)
			if !ok {
				continue
			}
			one.Each = keys[i]
			if prev, dup := seen[one.To]; dup {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate import address",
					Detail:   fmt.Sprintf("%s imports into %s, and so does %s: an instance takes one object. Give each element its own address, e.g. with each.key in the instance key.", importWho(one), one.To, importWho(prev)),
					Subject:  im.To.Range.Ptr(),
				})
				continue
			}
			seen[one.To] = one
			out = append(out, one)
		}
	}
	return out, diags
}

// importWho names one import for a message: the block, with its element.
func importWho(in ImportInstance) string {
	s := "the import block at " + in.Import.DeclRange.String()
	if in.Import.ForEach != nil {
		s += fmt.Sprintf(" (element %s)", in.Each)
	}
	return s
}

// importIterations evaluates an import block's for_each: a map or object
// (each.key is the key), a set (each.key is the element) or a list or
// tuple (each.key is the index). Without for_each there is one empty
// iteration. When the value is not known, validating gets one unknown
// iteration (what the keys compute is skipped) and planning an error.
func importIterations(sc *Scope, forEach hcl.Expression, final bool) ([]Iteration, []string, hcl.Diagnostics) {
	if forEach == nil {
		return []Iteration{{}}, []string{""}, nil
	}
	v, diags := sc.EvalExpr(forEach, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	if v.HasMark(marks.Sensitive) {
		return nil, nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid for_each argument", Detail: "The for_each of an import block cannot be sensitive: the addresses would reveal it. Use nonsensitive() if the keys are safe to show.", Subject: forEach.Range().Ptr()})
	}
	v, _ = v.Unmark()
	ty := v.Type()
	if !v.IsWhollyKnown() && (!v.IsKnown() || ty.IsSetType() || ty == cty.DynamicPseudoType) {
		if !final {
			return []Iteration{unknownIteration(nil, forEach)}, []string{"(not known)"}, diags
		}
		return nil, nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Import for_each not known",
			Detail:   "The for_each of an import block must be known when planning: compute it from variables, locals, data sources and literal values, not from managed resources or data sources read only at apply (a variable can carry the keys).",
			Subject:  forEach.Range().Ptr(),
		})
	}
	if v.IsNull() {
		return nil, nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid for_each argument", Detail: "The for_each of an import block cannot be null; use an empty map, set or list.", Subject: forEach.Range().Ptr()})
	}
	var iters []Iteration
	var keys []string
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, x := it.Element()
			iters = append(iters, Iteration{ForEach: true, EachKey: k, EachValue: x})
			keys = append(keys, fmt.Sprintf("%q", k.AsString()))
		}
	case ty.IsSetType():
		for it := v.ElementIterator(); it.Next(); {
			_, x := it.Element()
			iters = append(iters, Iteration{ForEach: true, EachKey: x, EachValue: x})
			keys = append(keys, valueString(x))
		}
	case ty.IsListType() || ty.IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			k, x := it.Element()
			iters = append(iters, Iteration{ForEach: true, EachKey: k, EachValue: x})
			keys = append(keys, "["+k.AsBigFloat().String()+"]")
		}
	default:
		return nil, nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid for_each argument", Detail: fmt.Sprintf("The for_each of an import block takes a map, a set or a list, not %s.", ty.FriendlyName()), Subject: forEach.Range().Ptr()})
	}
	return iters, keys, diags
}

// valueString prints a set element for a message.
func valueString(v cty.Value) string {
	v, _ = v.UnmarkDeep()
	if v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
		return fmt.Sprintf("%q", v.AsString())
	}
	if s, err := convert.Convert(v, cty.String); err == nil && s.IsKnown() && !s.IsNull() {
		return s.AsString()
	}
	return v.Type().FriendlyName()
}

// expandImport evaluates one element of an import block. ok is false when
// the address is not known or is invalid.
func expandImport(root *config.Config, sc *Scope, im *config.Import, final bool) (ImportInstance, bool, hcl.Diagnostics) {
	one := ImportInstance{Import: im}
	var diags hcl.Diagnostics
	to, known, d := im.To.Resolve(func(e hcl.Expression) (cty.Value, hcl.Diagnostics) {
		return sc.EvalExpr(e, cty.DynamicPseudoType)
	})
	diags = append(diags, d...)
	if !known && !d.HasErrors() && final {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import address not known", Detail: "The instance keys of an import address must be known when planning: compute them from each.key, each.value, variables, locals and data sources, not from managed resources.", Subject: im.To.Range.Ptr()})
	}
	if im.ID != nil {
		id, d := sc.EvalExpr(im.ID, cty.String)
		diags = append(diags, d...)
		id, _ = id.Unmark()
		switch {
		case d.HasErrors():
		case !id.IsKnown():
			if final {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import id not known", Detail: "The id of an import block must be known when planning: compute it from each.key, each.value, variables, locals and data sources, not from managed resources or data sources read only at apply.", Subject: im.ID.Range().Ptr()})
			}
		case id.IsNull():
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import id is null", Detail: "The id of an import block is the identifier the provider finds the object by: give a string.", Subject: im.ID.Range().Ptr()})
		default:
			one.ID = id.AsString()
		}
	}
	if im.Identity != nil {
		v, d := importIdentity(sc, im.Identity, final)
		diags = append(diags, d...)
		one.Identity = v
	}
	if im.ProviderKey != nil {
		k, d := providerInstanceKey(sc, im, final)
		diags = append(diags, d...)
		one.ProviderKey = k
	}
	if !known || diags.HasErrors() {
		return one, false, diags
	}
	one.To = to
	if d := checkImportKeys(root, im, to); d.HasErrors() {
		return one, false, append(diags, d...)
	}
	return one, true, diags
}

// importIdentity evaluates the identity of an import block: an object (or
// map) whose values are all known when planning. cty.NilVal when it is
// not known yet while validating, or is wrong.
func importIdentity(sc *Scope, expr hcl.Expression, final bool) (cty.Value, hcl.Diagnostics) {
	v, diags := sc.EvalExpr(expr, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	v, _ = v.UnmarkDeep()
	ty := v.Type()
	switch {
	case !v.IsKnown() && !final:
		return cty.NilVal, diags
	case v.IsKnown() && v.IsNull():
		return cty.NilVal, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import identity is null",
			Detail:  "The identity of an import block is an object of the resource type's identity attributes, e.g. identity = { id = \"i-0123\" }.",
			Subject: expr.Range().Ptr()})
	case ty != cty.DynamicPseudoType && !ty.IsObjectType() && !ty.IsMapType():
		return cty.NilVal, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid import identity",
			Detail:  fmt.Sprintf("The identity of an import block is an object of the resource type's identity attributes, e.g. identity = { id = \"i-0123\" }, not %s.", ty.FriendlyName()),
			Subject: expr.Range().Ptr()})
	case !v.IsWhollyKnown():
		if !final {
			return cty.NilVal, diags
		}
		return cty.NilVal, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import identity not known",
			Detail:  "The identity of an import block must be known when planning: compute its attributes from each.key, each.value, variables, locals and data sources, not from managed resources or data sources read only at apply.",
			Subject: expr.Range().Ptr()})
	}
	return v, diags
}

// providerInstanceKey evaluates the instance key of an import's provider.
func providerInstanceKey(sc *Scope, im *config.Import, final bool) (config.InstanceKey, hcl.Diagnostics) {
	v, diags := sc.EvalExpr(im.ProviderKey, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return nil, diags
	}
	v, _ = v.Unmark()
	if !v.IsKnown() {
		if final {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provider instance key not known", Detail: "The provider instance of an import must be known when planning: compute its key from each.key, each.value, variables, locals and data sources, not from managed resources.", Subject: im.ProviderKey.Range().Ptr()})
		}
		return nil, diags
	}
	if s, err := convert.Convert(v, cty.String); err == nil && !s.IsNull() {
		return config.StringKey(s.AsString()), diags
	}
	return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid provider instance key", Detail: fmt.Sprintf("The instance key of provider %s must be a string, as its for_each makes them.", im.ProviderRef), Subject: im.ProviderKey.Range().Ptr()})
}

// checkImportResource checks that an import's address names a resource
// block of the configuration.
func checkImportResource(root *config.Config, im *config.Import) hcl.Diagnostics {
	path, res, _ := im.To.Resource()
	c := root.Descendant(path)
	if c == nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Import into a module not in the configuration", Detail: fmt.Sprintf("The configuration has no %s: add the module block, or fix the address.", path), Subject: im.To.Range.Ptr()}}
	}
	if c.Module.Resource(res) == nil {
		where := ""
		if !path.IsRoot() {
			where = " in " + string(path)
		}
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Import into a resource not in the configuration", Detail: fmt.Sprintf("The configuration has no resource %s%s: add a resource block for the imported object (indigo plan -generate-config-out=FILE writes one for a root module resource), or fix the address.", res, where), Subject: im.To.Range.Ptr()}}
	}
	return nil
}

// checkImportKeys checks that each instance key of to is of the kind the
// count or for_each of its module call or resource makes: none without
// either, a number with count, a string with for_each.
func checkImportKeys(root *config.Config, im *config.Import, to config.InstanceAddr) hcl.Diagnostics {
	c := root
	for _, s := range to.Module.Steps() {
		next := c.Children[config.Step{Kind: s.Kind, Name: s.Name}]
		if s.Kind == config.ModuleStep {
			if call := c.Module.ModuleCalls[s.Name]; call != nil {
				if d := checkKeyKind(im, to, "module."+s.Name, s.Key, call.Count, call.ForEach); d != nil {
					return hcl.Diagnostics{d}
				}
			}
		}
		if next == nil {
			return nil // reported by checkImportResource
		}
		c = next
	}
	res := c.Module.Resource(to.Resource)
	if res == nil {
		return nil
	}
	if d := checkKeyKind(im, to, to.Resource.String(), to.Key, res.Count, res.ForEach); d != nil {
		return hcl.Diagnostics{d}
	}
	return nil
}

func checkKeyKind(im *config.Import, to config.InstanceAddr, who string, key config.InstanceKey, count, forEach hcl.Expression) *hcl.Diagnostic {
	var want string
	switch k := key.(type) {
	case nil:
		switch {
		case count != nil:
			want = "has count: add the instance's index, e.g. [0]"
		case forEach != nil:
			want = "has for_each: add the instance's key, e.g. [\"a\"]"
		}
	case config.IntKey:
		switch {
		case forEach != nil:
			want = fmt.Sprintf("has for_each, whose keys are strings: write [\"%d\"] or the key the for_each makes", int(k))
		case count == nil:
			want = "has neither count nor for_each: remove the instance key"
		}
	case config.StringKey:
		switch {
		case count != nil:
			want = "has count, whose keys are whole numbers: use an index such as [0]"
		case forEach == nil:
			want = "has neither count nor for_each: remove the instance key"
		}
	}
	if want == "" {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Import address does not match the configuration",
		Detail:   fmt.Sprintf("The import into %s cannot happen: %s %s.", to, who, want),
		Subject:  im.To.Range.Ptr(),
	}
}

// checkImportProvider checks an import's provider argument against the
// root module's provider blocks and, for a resource of the root module,
// against the provider the resource uses. (For resources of child
// modules the planner compares the configurations it resolves.)
func checkImportProvider(root *config.Config, im *config.Import) hcl.Diagnostics {
	ref := im.ProviderRef
	if ref == nil {
		return nil
	}
	pc := root.Module.ProviderConfigs[ref.String()]
	switch {
	case pc == nil && ref.Alias != "":
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider configuration not present", Detail: fmt.Sprintf("The import names provider %s, which the root module does not configure. Add a provider %q block with alias = %q, or name the provider the resource uses.", ref, ref.LocalName, ref.Alias), Subject: im.ProviderRange.Ptr()}}
	case pc != nil && pc.ForEach != nil && im.ProviderKey == nil:
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider instance not chosen", Detail: fmt.Sprintf("Provider %s has for_each: choose the instance the resource uses, e.g. %s[each.key].", ref, ref), Subject: im.ProviderRange.Ptr()}}
	case (pc == nil || pc.ForEach == nil) && im.ProviderKey != nil:
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider configuration has no instances", Detail: fmt.Sprintf("The import gives an instance key to provider %s, which has no for_each: remove the key.", ref), Subject: im.ProviderKey.Range().Ptr()}}
	}
	path, addr, d := im.To.Resource()
	if d.HasErrors() || !path.IsRoot() {
		return nil
	}
	res := root.Module.Resource(addr)
	if res == nil {
		return nil
	}
	uses := config.LocalProviderRef{LocalName: res.ProviderLocalName()}
	if res.ProviderRef != nil {
		uses = *res.ProviderRef
	}
	if uses != *ref && root.Module.ProviderFor(uses.LocalName) == root.Module.ProviderFor(ref.LocalName) && uses.Alias == ref.Alias {
		return nil // two local names of one provider
	}
	if uses != *ref {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Import provider is not the resource's",
			Detail:   fmt.Sprintf("The import names provider %s, but %s uses %s; the import is done by the provider that manages the resource. Write provider = %s, or leave provider out.", ref, addr, uses, uses),
			Subject:  im.ProviderRange.Ptr(),
		}}
	}
	return nil
}

// ImportReadsData reports whether an import block's computed values (its
// for_each, the keys of to, its id, its provider key) refer to data
// sources of the root module, directly or through its locals, and to no
// managed resource, module output or indigo object. Such a block is
// evaluated when the data sources have been read, during the plan walk;
// the others from variables and locals alone, before it.
func ImportReadsData(root *config.Config, im *config.Import) bool {
	data, other := false, false
	seen := map[string]bool{}
	var visit func([]hcl.Traversal)
	visit = func(travs []hcl.Traversal) {
		for _, t := range travs {
			ref, d := config.ParseRef(t)
			if d.HasErrors() || ref == nil {
				continue
			}
			switch s := ref.Subject.(type) {
			case config.LocalRef:
				l := root.Module.Locals[s.Name]
				if l == nil || seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				visit(l.Expr.Variables())
			case config.ResourceRef:
				if s.Resource.Mode == config.DataMode {
					data = true
				} else {
					other = true
				}
			case config.ModuleCallRef, config.ObjectRef:
				other = true
			}
		}
	}
	visit(im.Traversals())
	return data && !other
}
