package binding

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
)

// StorageBinder builds the resources of one copy of a storage on one site.
// A kind's Storage function calls its methods.
type StorageBinder struct {
	st    *Storage
	copy  int
	r     *Realisation
	diags hcl.Diagnostics
}

// Storage is the storage being realised.
func (b *StorageBinder) Storage() *Storage { return b.st }

// Copy is the index of the copy being realised in Storage().Copies; 0 is
// the primary.
func (b *StorageBinder) Copy() int { return b.copy }

// Site is the site the copy is on.
func (b *StorageBinder) Site() Site { return b.st.Copies[b.copy] }

// Name returns a resource name for this copy: the prefix and the site.
func (b *StorageBinder) Name(prefix string) string { return Name(prefix + "_" + b.Site().Name) }

// Resource adds a managed resource of the copy's site's provider, with
// nested blocks; nil arguments are left out.
func (b *StorageBinder) Resource(typ, name string, attrs map[string]hcl.Expression, blocks ...*hclsyntax.Block) *config.Resource {
	return b.ResourceOn(b.Site(), typ, name, attrs, blocks...)
}

// ResourceOn adds a managed resource of another site's provider (the
// store of a tier, say).
func (b *StorageBinder) ResourceOn(site Site, typ, name string, attrs map[string]hcl.Expression, blocks ...*hclsyntax.Block) *config.Resource {
	rng := b.st.Range
	ref := config.LocalProviderRef{LocalName: site.ProviderLocalName, Alias: site.ProviderAlias}
	if ref.LocalName == "" {
		ref.LocalName = site.Provider.Type
	}
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
	for k, e := range attrs {
		if e == nil {
			continue
		}
		body.Attributes[k] = &hclsyntax.Attribute{Name: k, Expr: asSyntax(e), SrcRange: rng, NameRange: rng}
	}
	body.Blocks = blocks
	res := &config.Resource{
		Mode: config.ManagedMode, Type: typ, Name: name,
		Config: body, ProviderRef: &ref, Provider: site.Provider,
		Managed: &config.ManagedResource{}, DeclRange: rng, TypeRange: rng,
	}
	b.r.Resources = append(b.r.Resources, res)
	return res
}

// String is a string literal located at the storage's declaration.
func (b *StorageBinder) String(s string) hclsyntax.Expression { return strLit(b.st.Range, s) }

// Value is a literal of any value, located at the storage's declaration.
func (b *StorageBinder) Value(v cty.Value) hclsyntax.Expression {
	return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: b.st.Range}
}

// Ref is the expression TYPE.NAME.ATTR.
func (b *StorageBinder) Ref(typ, name, attr string) hclsyntax.Expression {
	return refExpr(b.st.Range, typ, name, attr)
}

// Block is a nested block for Resource.
func (b *StorageBinder) Block(typ string, attrs map[string]hcl.Expression) *hclsyntax.Block {
	rng := b.st.Range
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
	for k, e := range attrs {
		if e != nil {
			body.Attributes[k] = &hclsyntax.Attribute{Name: k, Expr: asSyntax(e), SrcRange: rng, NameRange: rng}
		}
	}
	return &hclsyntax.Block{Type: typ, Body: body, TypeRange: rng, OpenBraceRange: rng, CloseBraceRange: rng}
}

// SetAttribute says how storage.NAME.copies[SITE].attr is computed.
func (b *StorageBinder) SetAttribute(attr string, e hcl.Expression) { b.r.Attributes[attr] = e }

// ErrorAt reports a problem located at rng.
func (b *StorageBinder) ErrorAt(rng hcl.Range, summary, format string, args ...any) {
	b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
}

// Errorf reports a problem with the storage, at its declaration.
func (b *StorageBinder) Errorf(summary, format string, args ...any) {
	b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: b.st.Range.Ptr()})
}

// RealiseStorage realises copy i of st on its site, with the site kind's
// Storage function. A kind that cannot hold storage is an error naming the
// kinds that can.
func RealiseStorage(st *Storage, i int) (*Realisation, hcl.Diagnostics) {
	site := st.Copies[i]
	kind, ok := Lookup(site.Kind)
	if !ok {
		return nil, hcl.Diagnostics{UnknownKind(site.Kind, site.Range)}
	}
	if kind.Storage == nil {
		var can []string
		for _, k := range Kinds() {
			if k.Storage != nil {
				can = append(can, k.Name)
			}
		}
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Storage cannot be placed on this kind of site",
			Detail: fmt.Sprintf("%s was placed on site %s, a %s site, which cannot hold storage. Storage goes to %s sites: restrict its placement to those.",
				st.Addr, site.Name, site.Kind, strings.Join(can, ", ")),
			Subject: st.Range.Ptr(),
		}}
	}
	if site.Provider.IsZero() {
		st.Copies[i].Provider = kind.DefaultProvider
	}
	b := &StorageBinder{st: st, copy: i, r: &Realisation{Component: st.Addr.String(), Site: site.Name, Attributes: map[string]hcl.Expression{}}}
	kind.Storage(b)
	return b.r, b.diags
}

// localStorage: a copy on a local site is a directory under the provider's
// root, with the QoS it promises written beside the data.
func localStorage(b *StorageBinder) {
	st := b.Storage()
	dir := b.Name("copy")
	attrs := map[string]hcl.Expression{
		"path":          strLit(b.st.Range, LocalCopyPath(st)),
		"force_destroy": b.Value(cty.BoolVal(st.ForceDestroy)),
	}
	if b.Copy() > 0 {
		// A replica mirrors the primary, checked by content on every plan.
		primary := st.Copies[0]
		if primary.Kind != b.Site().Kind {
			b.Errorf("Copies on different kinds of site", "%s has its primary copy on the %s site %s and a copy on the local site %s; a local copy mirrors a local primary only. Place every copy on sites of one kind.", st.Addr, primary.Kind, primary.Name, b.Site().Name)
			return
		}
		attrs["source"] = b.Ref("indigo_storage_copy", Name("copy_"+primary.Name), "id")
	}
	var rules []*hclsyntax.Block
	for _, lr := range st.Lifecycle {
		if !lr.Expire || lr.Noncurrent || len(lr.Transition) > 0 {
			continue // localCheck rejected the site
		}
		r := map[string]hcl.Expression{"expire_after": b.String(lr.After.String())}
		if lr.Prefix != "" {
			r["prefix"] = b.String(lr.Prefix)
		}
		rules = append(rules, b.Block("rule", r))
	}
	b.Resource("indigo_storage_copy", dir, attrs, rules...)
	manifest, err := st.manifest()
	if err != nil {
		b.Errorf("Cannot describe the storage's QoS", "%s", err)
		return
	}
	path := &hclsyntax.TemplateExpr{Parts: []hclsyntax.Expression{
		refExpr(b.st.Range, "indigo_storage_copy", dir, "id"),
		strLit(b.st.Range, "/.indigo-qos.json"),
	}, SrcRange: b.st.Range}
	b.Resource("indigo_file", b.Name("qos"), map[string]hcl.Expression{"path": path, "content": strLit(b.st.Range, manifest)})
	b.SetAttribute("path", b.Ref("indigo_storage_copy", dir, "id"))
}

// LocalCopyPath is where a copy of st is on a local site, relative to
// the site provider's root.
func LocalCopyPath(st *Storage) string { return "storage/" + st.Addr.Name }

// localCheck says why a local site cannot hold a copy: what the QoS asks
// that the site does not offer, and lifecycle rules a directory cannot
// keep (no versions, no tiers).
func localCheck(st *Storage, site Site) []string {
	why := offerCheck(st, site)
	if st.QoS.Redundancy != "" {
		why = append(why, fmt.Sprintf("has no storage classes: redundancy %q needs an s3 site that offers it", st.QoS.Redundancy))
	}
	for _, lr := range st.Lifecycle {
		switch {
		case len(lr.Transition) > 0:
			why = append(why, fmt.Sprintf("has no tier for a lifecycle transition to %s: a local copy can only expire data", describeTransition(lr.Transition)))
		case lr.Noncurrent:
			why = append(why, "keeps no versions, so a rule on non-current versions has nothing to act on")
		}
	}
	return why
}

// manifest renders the QoS asked for, for the people and tools on a site.
func (st *Storage) manifest() (string, error) {
	type rule struct {
		After      string          `json:"after,omitempty"`
		Transition json.RawMessage `json:"transition,omitempty"`
		Expire     bool            `json:"expire,omitempty"`
		Prefix     string          `json:"prefix,omitempty"`
		Noncurrent bool            `json:"noncurrent,omitempty"`
	}
	doc := struct {
		Storage    string   `json:"storage"`
		Copies     int      `json:"copies,omitempty"`
		Media      []string `json:"media,omitempty"`
		Locations  []string `json:"locations,omitempty"`
		Latency    string   `json:"latency,omitempty"`
		Size       float64  `json:"size,omitempty"`
		Redundancy string   `json:"redundancy,omitempty"`
		Lifecycle  []rule   `json:"lifecycle,omitempty"`
	}{Storage: st.Addr.Name, Copies: st.QoS.Copies, Media: st.QoS.Media, Locations: st.QoS.Locations,
		Latency: st.QoS.Latency, Size: st.QoS.Size, Redundancy: st.QoS.Redundancy}
	for _, lr := range st.Lifecycle {
		r := rule{Expire: lr.Expire, Prefix: lr.Prefix, Noncurrent: lr.Noncurrent}
		if lr.After > 0 {
			r.After = lr.After.String()
		}
		if len(lr.Transition) > 0 {
			keys := slices.Sorted(maps.Keys(lr.Transition))
			var parts []string
			for _, k := range keys {
				v, _ := lr.Transition[k].UnmarkDeep()
				b, err := ctyjson.Marshal(v, v.Type())
				if err != nil {
					return "", err
				}
				kb, _ := json.Marshal(k)
				parts = append(parts, string(kb)+":"+string(b))
			}
			r.Transition = json.RawMessage("{" + strings.Join(parts, ",") + "}")
		}
		doc.Lifecycle = append(doc.Lifecycle, r)
	}
	out, err := json.Marshal(doc)
	return string(out) + "\n", err
}

func strLit(rng hcl.Range, s string) hclsyntax.Expression {
	return &hclsyntax.LiteralValueExpr{Val: cty.StringVal(s), SrcRange: rng}
}

// refExpr builds TYPE.NAME.ATTR located at rng.
func refExpr(rng hcl.Range, typ, name, attr string) hclsyntax.Expression {
	return &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
		hcl.TraverseRoot{Name: typ, SrcRange: rng},
		hcl.TraverseAttr{Name: name, SrcRange: rng},
		hcl.TraverseAttr{Name: attr, SrcRange: rng},
	}, SrcRange: rng}
}
