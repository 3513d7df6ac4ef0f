package hcllang

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

var siteSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "provider"},
		{Name: "kind", Required: true},
		{Name: "location"},
		{Name: "capabilities"},
		{Name: "shares"},
		{Name: "cost"},
		{Name: "metrics"},
		{Name: "for_each"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "sla"}, {Type: "settings"}},
}

func (d *decoder) decodeSite(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "site")
	content, cd := b.Body.Content(siteSchema)
	diags = append(diags, cd...)
	s := &config.Site{Name: name, DeclRange: b.DefRange, SLA: map[string]*hcl.Attribute{}}
	if attr, ok := content.Attributes["provider"]; ok {
		ref, key, pd := providerInstanceRefFromExpr(attr.Expr)
		diags = append(diags, pd...)
		if ref != nil {
			s.Provider, s.ProviderKey = *ref, key
		}
		s.ProviderRange = attr.Expr.Range()
	}
	if attr, ok := content.Attributes["kind"]; ok {
		kd := gohcl.DecodeExpression(attr.Expr, nil, &s.Kind)
		diags = append(diags, kd...)
		s.KindRange = attr.Expr.Range()
	}
	set := func(name string, dst *hcl.Expression) {
		if attr, ok := content.Attributes[name]; ok {
			*dst = attr.Expr
		}
	}
	set("location", &s.Location)
	set("capabilities", &s.Capabilities)
	set("shares", &s.Shares)
	set("cost", &s.Cost)
	set("metrics", &s.Metrics)
	set("for_each", &s.ForEach)
	for _, blk := range content.Blocks {
		if blk.Type == "settings" {
			// Read against the kind's schema when the site is evaluated
			// (lang/eval), so validate and plan say the same.
			if s.Settings != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate settings block", Detail: "A site has one settings block: merge them.", Subject: blk.DefRange.Ptr()})
				continue
			}
			s.Settings, s.SettingsRange = blk.Body, blk.DefRange
			continue
		}
		if s.SLARange != (hcl.Range{}) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate sla block", Detail: "A site has one sla block: merge them.", Subject: blk.DefRange.Ptr()})
			continue
		}
		s.SLARange = blk.DefRange
		attrs, ad := blk.Body.JustAttributes()
		diags = append(diags, ad...)
		for n, a := range attrs {
			if n == "id" {
				diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &s.SLAID)...)
				continue
			}
			s.SLA[n] = a
		}
	}
	diags = append(diags, d.declare("site", name, b.DefRange)...)
	d.mod.Sites[name] = s
	return diags
}

var placementSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "sites"}, {Name: "prefer"}, {Name: "require"}, {Name: "fallback"},
		{Name: "group"}, {Name: "near"}, {Name: "weights"},
	},
}

func decodePlacement(blk *hcl.Block) (*config.Placement, hcl.Diagnostics) {
	content, diags := blk.Body.Content(placementSchema)
	p := &config.Placement{DeclRange: blk.DefRange}
	if attr, ok := content.Attributes["sites"]; ok {
		refs, rd := siteRefList(attr.Expr)
		diags = append(diags, rd...)
		p.Sites = refs
	}
	if attr, ok := content.Attributes["prefer"]; ok {
		refs, rd := siteRefList(attr.Expr)
		diags = append(diags, rd...)
		p.Prefer = refs
	}
	if attr, ok := content.Attributes["require"]; ok {
		p.Require = attr.Expr
	}
	if attr, ok := content.Attributes["weights"]; ok {
		p.Weights = attr.Expr
	}
	if attr, ok := content.Attributes["fallback"]; ok {
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &p.Fallback)...)
	}
	if attr, ok := content.Attributes["group"]; ok {
		ref, rd := objectRef(attr.Expr, config.GroupKind)
		diags = append(diags, rd...)
		if ref != nil {
			p.Group = &ref.ref
		}
	}
	if attr, ok := content.Attributes["near"]; ok {
		refs, rd := objectRefList(attr.Expr, config.StorageKind)
		diags = append(diags, rd...)
		for _, r := range refs {
			p.Near = append(p.Near, r.ref)
		}
		p.NearRange = attr.Expr.Range()
	}
	return p, diags
}

type rangedRef struct {
	ref config.ObjectRef
	rng hcl.Range
}

// objectRef reads a bare reference to one of indigo's objects of the given
// kind, e.g. site.cnaf.
func objectRef(e hcl.Expression, kind config.ObjectKind) (*rangedRef, hcl.Diagnostics) {
	kw := kind.Keyword()
	bad := hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Invalid %s reference", kw),
		Detail:   fmt.Sprintf("Refer to a %s by its address without quotes, e.g. %s.NAME.", kw, kw),
		Subject:  e.Range().Ptr(),
	}}
	trav, td := hcl.AbsTraversalForExpr(e)
	if td.HasErrors() || len(trav) != 2 || config.RootName(trav) != kw {
		return nil, bad
	}
	attr, ok := trav[1].(hcl.TraverseAttr)
	if !ok {
		return nil, bad
	}
	return &rangedRef{ref: config.ObjectRef{Kind: kind, Name: attr.Name}, rng: trav.SourceRange()}, nil
}

func objectRefList(e hcl.Expression, kind config.ObjectKind) ([]rangedRef, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(e)
	if diags.HasErrors() {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Expected a list of references",
			Detail:   fmt.Sprintf("Write a list of %s references in brackets, e.g. [%s.a, %s.b].", kind.Keyword(), kind.Keyword(), kind.Keyword()),
			Subject:  e.Range().Ptr(),
		}}
	}
	var out []rangedRef
	for _, x := range exprs {
		r, rd := objectRef(x, kind)
		diags = append(diags, rd...)
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, diags
}

// siteRefList reads a placement's sites or prefer: a list of site
// references, or one reference. A reference may name one instance of a
// site with for_each by a literal key, site.os["cnaf"]; site.os names all
// of them (eval.EvalPlacement resolves both).
func siteRefList(e hcl.Expression) ([]config.SiteRef, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(e)
	if diags.HasErrors() {
		if _, td := hcl.AbsTraversalForExpr(e); td.HasErrors() {
			return nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Expected a list of references",
				Detail:   "Write a list of site references in brackets, e.g. [site.a, site.b[\"key\"]], or one site reference.",
				Subject:  e.Range().Ptr(),
			}}
		}
		exprs, diags = []hcl.Expression{e}, nil
	}
	var out []config.SiteRef
	for _, x := range exprs {
		trav, td := hcl.AbsTraversalForExpr(x)
		if !td.HasErrors() && len(trav) == 3 && config.RootName(trav) == "site" {
			attr, isAttr := trav[1].(hcl.TraverseAttr)
			ix, isIndex := trav[2].(hcl.TraverseIndex)
			if isAttr && isIndex {
				if ix.Key.Type() != cty.String || ix.Key.IsNull() {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid site instance key", Detail: "An instance of a site with for_each is named by a quoted string key, e.g. site.os[\"cnaf\"].", Subject: ix.SrcRange.Ptr()})
					continue
				}
				out = append(out, config.SiteRef{Name: attr.Name, Key: ix.Key.AsString(), Keyed: true, Range: trav.SourceRange()})
				continue
			}
		}
		if ix, ok := x.(*hclsyntax.IndexExpr); ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Site instance key must be written out", Detail: "Placement is decided before anything is evaluated per instance: name an instance of a site with for_each by a quoted key, e.g. site.os[\"cnaf\"], or use site.os for all of them.", Subject: ix.Key.Range().Ptr()})
			continue
		}
		r, rd := objectRef(x, config.SiteKind)
		diags = append(diags, rd...)
		if r != nil {
			out = append(out, config.SiteRef{Name: r.ref.Name, Range: r.rng})
		}
	}
	return out, diags
}

var deploymentSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "template"}, {Name: "inputs"}, {Name: "depends_on"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "placement"},
	},
}

// deploymentScopeSchema lists what an inline deployment may declare.
var deploymentScopeSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "resource", LabelNames: []string{"type", "name"}},
		{Type: "data", LabelNames: []string{"type", "name"}},
		{Type: "component", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "output", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
	},
}

func (d *decoder) decodeDeployment(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "deployment")
	if d.inDeployment {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Nested deployment", Detail: "A deployment cannot contain another deployment: declare both at the top level and use depends_on.", Subject: b.DefRange.Ptr()})
	}
	content, remain, cd := b.Body.PartialContent(deploymentSchema)
	diags = append(diags, cd...)
	dep := &config.Deployment{Name: name, Body: remain, DeclRange: b.DefRange}
	if attr, ok := content.Attributes["template"]; ok {
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &dep.Template)...)
		dep.TemplateRange = attr.Expr.Range()
	}
	if attr, ok := content.Attributes["inputs"]; ok {
		dep.Inputs = attr.Expr
	}
	if attr, ok := content.Attributes["depends_on"]; ok {
		deps, dd := decodeDependsOn(attr)
		diags = append(diags, dd...)
		dep.DependsOn = deps
	}
	for _, blk := range content.Blocks {
		if dep.Placement != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate placement block", Detail: "A deployment has one placement block: merge them.", Subject: blk.DefRange.Ptr()})
			continue
		}
		p, pd := decodePlacement(blk)
		diags = append(diags, pd...)
		dep.Placement = p
	}
	diags = append(diags, d.declare("deployment", name, b.DefRange)...)
	d.mod.Deployments[name] = dep
	return diags
}

// decodeDeploymentScope decodes an inline deployment's content into a new
// module: the deployment's own scope.
func decodeDeploymentScope(dep *config.Deployment, dir string) (*config.Module, hcl.Diagnostics) {
	mod := config.NewModule(dir)
	d := newDecoder(mod)
	d.inDeployment = true
	content, diags := dep.Body.Content(deploymentScopeSchema)
	if dep.Template != "" {
		for _, blk := range content.Blocks {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Inline content in a template deployment",
				Detail:   fmt.Sprintf("Deployment %q takes its content from %s; a %s block cannot be added to it. Put it in the template, or in a separate deployment.", dep.Name, dep.Template, blk.Type),
				Subject:  blk.DefRange.Ptr(),
			})
		}
		return mod, diags
	}
	for _, blk := range content.Blocks {
		diags = append(diags, d.decodeTopBlock(blk)...)
	}
	diags = append(diags, d.finish()...)
	if len(content.Blocks) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Empty deployment",
			Detail:   fmt.Sprintf("Deployment %q has neither a template nor any resource or component. Set template = \"path/to/template.yaml\" or declare what it deploys inside the block.", dep.Name),
			Subject:  dep.DeclRange.Ptr(),
		})
	}
	return mod, diags
}

// loadDeployments attaches the scope of every deployment of c as a child.
func (l *Loader) loadDeployments(c *config.Config, key string, chain []string, depth int) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range slices.Sorted(maps.Keys(c.Module.Deployments)) {
		dep := c.Module.Deployments[name]
		var mod *config.Module
		var d hcl.Diagnostics
		source := ""
		if dep.Template != "" {
			path := dep.Template
			if !filepath.IsAbs(path) {
				path = filepath.Join(c.Module.SourceDir, filepath.FromSlash(path))
			}
			source = dep.Template
			if l.Templates == nil {
				d = hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Templates are not supported here",
					Detail:   "This build of indigo cannot read deployment templates.",
					Subject:  dep.TemplateRange.Ptr(),
				}}
			} else {
				mod, d = l.Templates(path)
				if mod == nil && !d.HasErrors() {
					d = append(d, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Template did not load", Detail: fmt.Sprintf("Reading %s produced nothing.", path), Subject: dep.TemplateRange.Ptr()})
				}
			}
			// Point problems that have no location of their own at the
			// template argument.
			for _, diag := range d {
				if diag.Subject == nil {
					diag.Subject = dep.TemplateRange.Ptr()
				}
			}
		} else {
			mod, d = decodeDeploymentScope(dep, c.Module.SourceDir)
		}
		diags = append(diags, d...)
		if mod == nil {
			mod = config.NewModule(c.Module.SourceDir)
		}
		child := c.AddChild(config.Step{Kind: config.DeploymentStep, Name: name}, mod, dep.DeclRange, source)
		// A deployment's scope may call modules of its own; their keys
		// are under "deployment:NAME" (no module name has a colon).
		diags = append(diags, l.loadChildren(child, moduleKey(key, "deployment:"+name), chain, depth+1)...)
	}
	return diags
}

var storageSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "depends_on"}, {Name: "force_destroy"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "qos"}, {Type: "lifecycle"}, {Type: "placement"},
	},
}

var qosSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "copies"}, {Name: "media"}, {Name: "locations"},
		{Name: "latency"}, {Name: "size"}, {Name: "redundancy"},
	},
}

var storageLifecycleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "after", Required: true}, {Name: "transition"}, {Name: "expire"}, {Name: "prefix"}, {Name: "noncurrent"},
	},
}

func (d *decoder) decodeStorage(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "storage")
	content, cd := b.Body.Content(storageSchema)
	diags = append(diags, cd...)
	s := &config.Storage{Name: name, DeclRange: b.DefRange}
	if attr, ok := content.Attributes["depends_on"]; ok {
		deps, dd := decodeDependsOn(attr)
		diags = append(diags, dd...)
		s.DependsOn = deps
	}
	if attr, ok := content.Attributes["force_destroy"]; ok {
		s.ForceDestroy = attr.Expr
	}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "qos":
			if s.QoS != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate qos block", Detail: "A storage has one qos block: merge them.", Subject: blk.DefRange.Ptr()})
				continue
			}
			qc, qd := blk.Body.Content(qosSchema)
			diags = append(diags, qd...)
			q := &config.QoS{DeclRange: blk.DefRange}
			for n, dst := range map[string]*hcl.Expression{"copies": &q.Copies, "media": &q.Media, "locations": &q.Locations, "latency": &q.Latency, "size": &q.Size, "redundancy": &q.Redundancy} {
				if a, ok := qc.Attributes[n]; ok {
					*dst = a.Expr
				}
			}
			s.QoS = q
		case "lifecycle":
			lc, ld := blk.Body.Content(storageLifecycleSchema)
			diags = append(diags, ld...)
			rule := &config.LifecycleRule{DeclRange: blk.DefRange}
			for n, dst := range map[string]*hcl.Expression{"after": &rule.After, "transition": &rule.Transition, "expire": &rule.Expire, "prefix": &rule.Prefix, "noncurrent": &rule.Noncurrent} {
				if a, ok := lc.Attributes[n]; ok {
					*dst = a.Expr
				}
			}
			if rule.Transition == nil && rule.Expire == nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Lifecycle rule does nothing", Detail: "A storage lifecycle block needs transition = { ... } (new QoS after the delay) or expire = true.", Subject: blk.DefRange.Ptr()})
			}
			s.Lifecycle = append(s.Lifecycle, rule)
		case "placement":
			if s.Placement != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate placement block", Detail: "A storage has one placement block: merge them.", Subject: blk.DefRange.Ptr()})
				continue
			}
			p, pd := decodePlacement(blk)
			diags = append(diags, pd...)
			s.Placement = p
		}
	}
	diags = append(diags, d.declare("storage", name, b.DefRange)...)
	d.mod.Storages[name] = s
	return diags
}

var policySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "effect"}, {Name: "principals", Required: true},
		{Name: "actions", Required: true}, {Name: "resources", Required: true},
		{Name: "condition"},
	},
}

func (d *decoder) decodePolicy(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "policy")
	content, cd := b.Body.Content(policySchema)
	diags = append(diags, cd...)
	p := &config.Policy{Name: name, Effect: "allow", DeclRange: b.DefRange}
	if attr, ok := content.Attributes["effect"]; ok {
		ed := gohcl.DecodeExpression(attr.Expr, nil, &p.Effect)
		diags = append(diags, ed...)
		if !ed.HasErrors() && p.Effect != "allow" && p.Effect != "deny" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid policy effect", Detail: "effect is \"allow\" or \"deny\".", Subject: attr.Expr.Range().Ptr()})
		}
	}
	if attr, ok := content.Attributes["principals"]; ok {
		exprs, ed := hcl.ExprList(attr.Expr)
		diags = append(diags, ed...)
		for _, e := range exprs {
			if trav, td := hcl.AbsTraversalForExpr(e); !td.HasErrors() {
				if r, rd := objectRef(e, config.GroupKind); !rd.HasErrors() {
					p.Principals = append(p.Principals, config.PrincipalRef{Group: r.ref.Name, Range: trav.SourceRange()})
					continue
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid principal", Detail: "A principal is a group reference (group.NAME) or an identity string such as \"user:alice\".", Subject: e.Range().Ptr()})
				continue
			}
			var id string
			if gd := gohcl.DecodeExpression(e, nil, &id); gd.HasErrors() || id == "" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid principal", Detail: "A principal is a group reference (group.NAME) or a constant identity string such as \"user:alice\".", Subject: e.Range().Ptr()})
				continue
			}
			p.Principals = append(p.Principals, config.PrincipalRef{Identity: id, Range: e.Range()})
		}
	}
	if attr, ok := content.Attributes["actions"]; ok {
		p.Actions = attr.Expr
	}
	if attr, ok := content.Attributes["condition"]; ok {
		p.Condition = attr.Expr
	}
	if attr, ok := content.Attributes["resources"]; ok {
		exprs, ed := hcl.ExprList(attr.Expr)
		diags = append(diags, ed...)
		for _, e := range exprs {
			trav, td := hcl.AbsTraversalForExpr(e)
			kind, known := config.ObjectKindFor(config.RootName(trav))
			if td.HasErrors() || !known || kind == config.PolicyKind || kind == config.ComponentKind || len(trav) != 2 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid policy resource", Detail: "A policy applies to storage.NAME, deployment.NAME, site.NAME or group.NAME references, without quotes.", Subject: e.Range().Ptr()})
				continue
			}
			attr, ok := trav[1].(hcl.TraverseAttr)
			if !ok {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid policy resource", Detail: "Refer to the object by name: storage.NAME.", Subject: e.Range().Ptr()})
				continue
			}
			p.Resources = append(p.Resources, config.ObjectRef{Kind: kind, Name: attr.Name})
			p.ResourceRanges = append(p.ResourceRanges, trav.SourceRange())
		}
	}
	diags = append(diags, d.declare("policy", name, b.DefRange)...)
	d.mod.Policies[name] = p
	return diags
}

var groupSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "members"}, {Name: "issuer"}, {Name: "claim"}},
}

func (d *decoder) decodeGroup(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "group")
	content, cd := b.Body.Content(groupSchema)
	diags = append(diags, cd...)
	g := &config.Group{Name: name, DeclRange: b.DefRange}
	for n, dst := range map[string]*hcl.Expression{"members": &g.Members, "issuer": &g.Issuer, "claim": &g.Claim} {
		if a, ok := content.Attributes[n]; ok {
			*dst = a.Expr
		}
	}
	diags = append(diags, d.declare("group", name, b.DefRange)...)
	d.mod.Groups[name] = g
	return diags
}

var componentSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type", Required: true}, {Name: "depends_on"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "properties"}, {Type: "requirements"}, {Type: "placement"},
		{Type: "artifact", LabelNames: []string{"name"}},
	},
}

var artifactSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "file", Required: true}, {Name: "repository"}, {Name: "deploy_path"}},
}

func (d *decoder) decodeComponent(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "component")
	content, cd := b.Body.Content(componentSchema)
	diags = append(diags, cd...)
	c := &config.Component{
		Name: name, DeclRange: b.DefRange,
		Properties: map[string]hcl.Expression{}, Attributes: map[string]hcl.Expression{},
		Capabilities: map[string]map[string]hcl.Expression{}, Artifacts: map[string]*config.Artifact{},
		Interfaces: map[string]map[string]*config.Operation{},
	}
	if attr, ok := content.Attributes["type"]; ok {
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &c.Type)...)
		c.TypeChain = []string{c.Type}
	}
	if attr, ok := content.Attributes["depends_on"]; ok {
		deps, dd := decodeDependsOn(attr)
		diags = append(diags, dd...)
		c.DependsOn = deps
	}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "properties":
			attrs, ad := blk.Body.JustAttributes()
			diags = append(diags, ad...)
			for n, a := range attrs {
				c.Properties[n] = a.Expr
			}
		case "requirements":
			attrs, ad := blk.Body.JustAttributes()
			diags = append(diags, ad...)
			for _, n := range slices.Sorted(maps.Keys(attrs)) {
				a := attrs[n]
				r, rd := objectRef(a.Expr, config.ComponentKind)
				diags = append(diags, rd...)
				if r != nil {
					c.Requirements = append(c.Requirements, &config.Requirement{Name: n, Target: r.ref.Name, Range: a.Range})
				}
			}
		case "placement":
			p, pd := decodePlacement(blk)
			diags = append(diags, pd...)
			c.Placement = p
		case "artifact":
			ac, acd := blk.Body.Content(artifactSchema)
			diags = append(diags, acd...)
			art := &config.Artifact{Name: blk.Labels[0], Range: blk.DefRange}
			for n, dst := range map[string]*string{"type": &art.Type, "file": &art.File, "repository": &art.Repository, "deploy_path": &art.DeployPath} {
				if a, ok := ac.Attributes[n]; ok {
					diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, dst)...)
				}
			}
			c.Artifacts[art.Name] = art
		}
	}
	diags = append(diags, d.declare("component", name, b.DefRange)...)
	d.mod.Components[name] = c
	return diags
}

// checkIndigoReferences checks the static references between indigo's own
// objects: placements name declared sites, groups and storage; policies name
// declared groups and objects; sites name declared provider configurations.
// Placements inside a deployment scope are checked against the enclosing
// module by the caller, since the scope declares no sites.
func (d *decoder) checkIndigoReferences() hcl.Diagnostics {
	if d.inDeployment {
		return nil
	}
	var diags hcl.Diagnostics
	m := d.mod
	undeclared := func(kind config.ObjectKind, name string, rng hcl.Range, context string) {
		var names []string
		switch kind {
		case config.SiteKind:
			names = slices.Sorted(maps.Keys(m.Sites))
		case config.GroupKind:
			names = slices.Sorted(maps.Keys(m.Groups))
		case config.StorageKind:
			names = slices.Sorted(maps.Keys(m.Storages))
		case config.DeploymentKind:
			names = slices.Sorted(maps.Keys(m.Deployments))
		}
		detail := fmt.Sprintf("%s refers to %s.%s, but no %s %q is declared in this module.", context, kind.Keyword(), name, kind.Keyword(), name)
		if s := nameSuggestion(name, names); s != "" {
			detail += fmt.Sprintf(" Did you mean %s.%s?", kind.Keyword(), s)
		} else if len(names) > 0 {
			detail += fmt.Sprintf(" Declared: %s.", strings.Join(names, ", "))
		} else {
			detail += fmt.Sprintf(" Declare it with a %s block.", kind.Keyword())
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference to undeclared " + kind.Keyword(), Detail: detail, Subject: rng.Ptr()})
	}
	checkPlacement := func(p *config.Placement, owner string) {
		if p == nil {
			return
		}
		for _, s := range append(append([]config.SiteRef{}, p.Sites...), p.Prefer...) {
			if s.Name != "" && m.Sites[s.Name] == nil {
				undeclared(config.SiteKind, s.Name, s.Range, "The placement of "+owner)
			}
		}
		if len(p.Sites) > 0 {
			in := map[string]bool{}
			for _, s := range p.Sites {
				in[s.String()] = true
			}
			for _, s := range p.Prefer {
				whole := config.SiteRef{Name: s.Name}
				if !in[s.String()] && !in[whole.String()] && m.Sites[s.Name] != nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Preferred site is not a candidate", Detail: fmt.Sprintf("%s is preferred but not listed in sites, so it can never be chosen. Add it to sites or remove it from prefer.", s), Subject: s.Range.Ptr()})
				}
			}
		}
		if p.Group != nil && m.Groups[p.Group.Name] == nil {
			undeclared(config.GroupKind, p.Group.Name, p.DeclRange, "The placement of "+owner)
		}
		for _, n := range p.Near {
			if m.Storages[n.Name] == nil {
				undeclared(config.StorageKind, n.Name, p.NearRange, "The placement of "+owner)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Deployments)) {
		checkPlacement(m.Deployments[name].Placement, "deployment."+name)
	}
	for _, name := range slices.Sorted(maps.Keys(m.Storages)) {
		checkPlacement(m.Storages[name].Placement, "storage."+name)
	}
	for _, name := range slices.Sorted(maps.Keys(m.Policies)) {
		p := m.Policies[name]
		for _, pr := range p.Principals {
			if pr.Group != "" && m.Groups[pr.Group] == nil {
				undeclared(config.GroupKind, pr.Group, pr.Range, "Policy "+name)
			}
		}
		for i, r := range p.Resources {
			if m.Object(r.Kind, r.Name) == nil {
				undeclared(r.Kind, r.Name, p.ResourceRanges[i], "Policy "+name)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Sites)) {
		s := m.Sites[name]
		if s.Provider.LocalName == "" {
			continue
		}
		if s.Provider.Alias != "" && m.ProviderConfigs[s.Provider.String()] == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Reference to undeclared provider configuration",
				Detail:   fmt.Sprintf("Site %q uses provider %s, but there is no provider %q block with alias = %q in this module. Add one; it configures how indigo reaches this site.", name, s.Provider, s.Provider.LocalName, s.Provider.Alias),
				Subject:  s.ProviderRange.Ptr(),
			})
		}
	}
	return diags
}
