package planner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
)

// generatedBlock writes a resource block describing the imported object v,
// what plan -generate-config-out puts in its file for an import block whose
// resource the configuration lacks. It holds the arguments a configuration
// may set (computed-only attributes are the provider's to fill), with the
// values the provider read; null optional arguments are left out, a null
// required one is written null with a comment saying it must be set, and a
// sensitive one is written null with a comment (its value never reaches
// the file). Nested blocks are written as blocks.
func generatedBlock(addr config.InstanceAddr, from importTarget, provRef *config.LocalProviderRef, b *plugin.Block, v cty.Value) []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	what := fmt.Sprintf("%q", from.id)
	if from.identity != cty.NilVal {
		what = from.String()
	}
	body.AppendUnstructuredTokens(comment("__generated__ by indigo from " + what))
	blk := body.AppendNewBlock("resource", []string{addr.Resource.Type, addr.Resource.Name})
	if provRef != nil {
		blk.Body().SetAttributeTraversal("provider", providerTraversal(*provRef))
	}
	v, _ = v.UnmarkDeep()
	writeGenerated(blk.Body(), b, v)
	return hclwrite.Format(f.Bytes())
}

func providerTraversal(ref config.LocalProviderRef) hcl.Traversal {
	t := hcl.Traversal{hcl.TraverseRoot{Name: ref.LocalName}}
	if ref.Alias != "" {
		t = append(t, hcl.TraverseAttr{Name: ref.Alias})
	}
	return t
}

func comment(text string) hclwrite.Tokens {
	return hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte("# " + text + "\n")}}
}

// nullWith is a null value followed by a comment on its line.
func nullWith(text string) hclwrite.Tokens {
	return hclwrite.Tokens{
		{Type: hclsyntax.TokenIdent, Bytes: []byte("null")},
		{Type: hclsyntax.TokenComment, Bytes: []byte("# " + text), SpacesBefore: 1},
	}
}

// configurable reports whether a configuration may set the attribute. The
// id of a provider written with the older SDK is optional and computed,
// but it is the object's identity, never an argument to write.
func configurable(name string, a *plugin.Attribute) bool {
	if a.Computed && !a.Optional || a.Deprecated || a.WriteOnly {
		return false
	}
	return !(name == "id" && a.Computed)
}

func writeGenerated(body *hclwrite.Body, b *plugin.Block, v cty.Value) {
	if v.IsNull() || !v.IsKnown() {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(b.Attributes)) {
		a := b.Attributes[name]
		if !configurable(name, a) || !v.Type().HasAttribute(name) {
			continue
		}
		av := v.GetAttr(name)
		switch {
		case a.Sensitive && a.Required:
			body.SetAttributeRaw(name, nullWith("sensitive: REQUIRED, set it from a variable"))
		case a.Sensitive:
			if !av.IsNull() {
				body.SetAttributeRaw(name, nullWith("sensitive: set it from a variable"))
			}
		case av.IsNull() || !av.IsKnown():
			if a.Required {
				body.SetAttributeRaw(name, nullWith("REQUIRED "+typeName(a)))
			}
		case a.NestedType != nil:
			if nv := nestedConfigurable(a.NestedType, av); !nv.IsNull() {
				body.SetAttributeValue(name, nv)
			}
		default:
			body.SetAttributeValue(name, av)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.BlockTypes)) {
		nb := b.BlockTypes[name]
		if !v.Type().HasAttribute(name) {
			continue
		}
		bv := v.GetAttr(name)
		if bv.IsNull() || !bv.IsKnown() {
			continue
		}
		switch nb.Nesting {
		case plugin.NestingSingle, plugin.NestingGroup:
			if nb.Nesting == plugin.NestingGroup && allNull(bv) {
				continue
			}
			writeGenerated(body.AppendNewBlock(name, nil).Body(), &nb.Block, bv)
		case plugin.NestingList, plugin.NestingSet:
			for it := bv.ElementIterator(); it.Next(); {
				_, ev := it.Element()
				writeGenerated(body.AppendNewBlock(name, nil).Body(), &nb.Block, ev)
			}
		case plugin.NestingMap:
			for it := bv.ElementIterator(); it.Next(); {
				k, ev := it.Element()
				writeGenerated(body.AppendNewBlock(name, []string{k.AsString()}).Body(), &nb.Block, ev)
			}
		}
	}
}

// allNull reports whether every attribute of the object v is null.
func allNull(v cty.Value) bool {
	for it := v.ElementIterator(); it.Next(); {
		if _, ev := it.Element(); !ev.IsNull() {
			return false
		}
	}
	return true
}

// nestedConfigurable is the value of a nested attribute with only what a
// configuration may set in it: each object keeps its configurable, non-null
// attributes. Objects become object values, lists and sets tuples, maps
// objects, which a configuration converts back.
func nestedConfigurable(o *plugin.Object, v cty.Value) cty.Value {
	if v.IsNull() || !v.IsKnown() {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	one := func(ev cty.Value) cty.Value {
		if ev.IsNull() || !ev.IsKnown() {
			return cty.NullVal(cty.DynamicPseudoType)
		}
		attrs := map[string]cty.Value{}
		for name, a := range o.Attributes {
			if !configurable(name, a) || a.Sensitive || !ev.Type().HasAttribute(name) {
				continue
			}
			av := ev.GetAttr(name)
			if av.IsNull() || !av.IsKnown() {
				continue
			}
			if a.NestedType != nil {
				av = nestedConfigurable(a.NestedType, av)
				if av.IsNull() {
					continue
				}
			}
			attrs[name] = av
		}
		return cty.ObjectVal(attrs)
	}
	switch o.Nesting {
	case plugin.NestingList, plugin.NestingSet:
		var elems []cty.Value
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			elems = append(elems, one(ev))
		}
		if len(elems) == 0 {
			return cty.EmptyTupleVal
		}
		return cty.TupleVal(elems)
	case plugin.NestingMap:
		m := map[string]cty.Value{}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			m[k.AsString()] = one(ev)
		}
		return cty.ObjectVal(m)
	}
	return one(v)
}

// typeName is an attribute's type as a configuration writes it, for the
// REQUIRED comment.
func typeName(a *plugin.Attribute) string {
	if a.NestedType != nil {
		return "object"
	}
	return strings.ReplaceAll(a.Type.FriendlyName(), "dynamic", "any")
}

// GeneratedResource is a resource block plan -generate-config-out writes:
// the object an import block imports, described as configuration.
type GeneratedResource struct {
	Addr config.InstanceAddr
	// ID is the import id, or "" for an import by Identity.
	ID       string
	Identity cty.Value
	// HCL is the block, formatted, with a comment line naming the id.
	HCL []byte
}

// GenerateImportConfig imports, without recording anything, the object of
// each import block whose resource cfg marks Generate (the configuration
// has no block for it), and describes each as a resource block. The caller
// writes them to a file and plans with it: that plan imports them again and
// shows how the object and its configuration differ, if at all.
func GenerateImportConfig(ctx context.Context, cfg *config.Config, prior *state.State, provs Providers, opts Options) ([]GeneratedResource, hcl.Diagnostics) {
	if prior == nil {
		prior = state.New()
	}
	opts.Mode = plan.NormalMode
	r := newRun(cloneTree(cfg), prior.DeepCopy(), provs, opts)
	r.prefetch.off = true
	defer r.providers.closeAll()
	diags := r.evalImports()
	if diags.HasErrors() {
		return nil, diags
	}
	if diags = append(diags, r.place(ctx)...); diags.HasErrors() {
		return nil, diags
	}
	g, d := r.buildGraph(planMaker{r})
	if diags = append(diags, d...); d.HasErrors() {
		return nil, diags
	}
	type target struct {
		res  *config.Resource
		addr config.InstanceAddr
		from importTarget
		prov config.ProviderConfigAddr
	}
	var targets []target
	var roots []string
	for _, key := range slices.Sorted(maps.Keys(r.cfg.Module.ManagedResources)) {
		res := r.cfg.Module.ManagedResources[key]
		if !res.Generate {
			continue
		}
		addr := config.InstanceAddr{Module: config.RootModule, Resource: res.Addr()}
		pi := r.imports.get(addr)
		if pi == nil {
			if len(r.imports.deferred[keyResource(config.RootPath, res.Addr())]) > 0 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot generate configuration",
					Detail:  fmt.Sprintf("The import into %s reads a data source, which is read only while planning with the configuration: write the resource block for it, or compute the id from variables and locals.", addr),
					Subject: res.DeclRange.Ptr()})
			}
			continue // in the state already: nothing to import
		}
		prov, kref, pd := r.providerFor(r.cfg, res)
		if diags = append(diags, pd...); pd.HasErrors() {
			continue
		}
		if kref != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot generate configuration",
				Detail:  fmt.Sprintf("The import into %s is done by an instance of a provider with for_each: write the resource block for it, with its provider argument.", addr),
				Subject: res.DeclRange.Ptr()})
			continue
		}
		targets = append(targets, target{res: res, addr: addr, from: pi.target, prov: prov})
		roots = append(roots, keyProvider(prov))
	}
	if diags.HasErrors() || len(targets) == 0 {
		return nil, diags
	}
	g.restrictTo(roots, true)
	if diags = append(diags, g.walk(ctx)...); diags.HasErrors() {
		return nil, diags
	}
	var out []GeneratedResource
	for _, t := range targets {
		inst, err := r.schemaProvider(ctx, t.prov)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: err.Error(), Subject: t.res.DeclRange.Ptr()})
			continue
		}
		_, inst, pd := r.importProvider(ctx, r.cfg, t.res, t.prov, inst, t.addr)
		if diags = append(diags, pd...); pd.HasErrors() {
			continue
		}
		schema, ok := inst.resourceSchema(config.ManagedMode, t.addr.Resource.Type)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported resource type",
				Detail: fmt.Sprintf("Provider %s has no resource type %q: fix the address the import block imports into.", t.prov.Provider.ForDisplay(), t.addr.Resource.Type), Subject: t.res.DeclRange.Ptr()})
			continue
		}
		from, d := t.from.checked(t.addr, inst, schema)
		if diags = append(diags, d...); d.HasErrors() {
			continue
		}
		t.from = from
		v, _, _, d := r.importObject(ctx, t.addr, t.from, inst, schema)
		if diags = append(diags, d...); d.HasErrors() {
			continue
		}
		out = append(out, GeneratedResource{Addr: t.addr, ID: t.from.id, Identity: t.from.identity, HCL: generatedBlock(t.addr, t.from, t.res.ProviderRef, schema.Block, v)})
	}
	return out, diags
}

// AddGeneratedResources adds to the root module of cfg a resource without a
// block (Generate) for each import block that imports into a resource the
// configuration lacks, and reports how many it added. Only root resources
// imported one object at a time can be generated: an import with for_each,
// or into a module, is an error saying to write the block.
func AddGeneratedResources(cfg *config.Config) (int, hcl.Diagnostics) {
	m := cfg.Module
	var diags hcl.Diagnostics
	n := 0
	for _, im := range m.Imports {
		path, ra, d := im.To.Resource()
		if d.HasErrors() {
			continue // validation reports it
		}
		if c := cfg.Descendant(path); c != nil && c.Module.Resource(ra) != nil {
			continue
		}
		if ra.Mode != config.ManagedMode {
			continue
		}
		switch {
		case !path.IsRoot():
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot generate configuration",
				Detail:  fmt.Sprintf("-generate-config-out writes resource blocks into the root module; %s is in %s. Write the resource block in that module.", ra, path),
				Subject: im.To.Range.Ptr()})
			continue
		case im.ForEach != nil || !im.To.Static() || len(im.To.Steps) > 2:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot generate configuration",
				Detail:  fmt.Sprintf("-generate-config-out writes a block for one object, and this import block imports instances of %s (with for_each or an instance key). Write the resource block, with its count or for_each, then plan.", ra),
				Subject: im.To.Range.Ptr()})
			continue
		}
		key := ra.Type + "." + ra.Name
		if m.ManagedResources[key] != nil {
			continue // two import blocks into it: validation reports it
		}
		res := &config.Resource{Mode: config.ManagedMode, Type: ra.Type, Name: ra.Name, Config: hcl.EmptyBody(),
			Managed: &config.ManagedResource{}, Generate: true, DeclRange: im.DeclRange, TypeRange: im.To.Range}
		if im.ProviderRef != nil {
			ref := *im.ProviderRef
			res.ProviderRef = &ref
			res.ProviderRange = im.ProviderRange
		}
		res.Provider = m.ProviderFor(res.ProviderLocalName())
		m.ManagedResources[key] = res
		n++
	}
	return n, diags
}
