package planner

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/planner/policy"
)

// realiseAccess compiles the module's policies for every site that holds
// what they name (planner/policy) and declares the native objects as
// resources of the module, on each site's provider: an indigo_s3_policy
// per MinIO policy document (and an indigo_s3_group or
// indigo_s3_user_policy attaching it to explicit members), an
// indigo_posix_acl per local directory, an indigo_kubernetes_object per
// Role and RoleBinding in the namespace of a deployment on a kubernetes
// site. A
// policy changed plans an update of those objects; one removed, their
// deletion, which revokes the access.
func (r *run) realiseAccess(c *config.Config, sites map[string]*eval.Site, groups []*eval.Group, policies []*eval.Policy, storages []*binding.Storage) hcl.Diagnostics {
	m := c.Module
	if len(policies) == 0 {
		return nil
	}
	in := policy.Input{Groups: groups, Policies: policies, Sites: map[string]policy.Site{}, Placed: map[config.ObjectAddr][]policy.Placed{}}
	for name, s := range sites {
		in.Sites[name] = policy.Site{Name: name, Kind: s.Decl.Kind, Accounts: s.Accounts(), Range: s.Decl.DeclRange}
	}
	// copyOf is the storage whose local copy a path is in (the ACL of a
	// subdirectory, for a prefix condition, needs the copy first).
	copyOf := map[string]config.ObjectAddr{}
	for _, st := range storages {
		for _, cp := range st.Copies {
			pl := policy.Placed{Site: cp.Name}
			switch cp.Kind {
			case "s3":
				pl.Bucket = binding.S3Bucket(st, cp)
			case "local":
				pl.Path = binding.LocalCopyPath(st)
				copyOf[pl.Path] = st.Addr
			}
			in.Placed[st.Addr] = append(in.Placed[st.Addr], pl)
		}
	}
	// Deployments on kubernetes sites get Roles and RoleBindings in the
	// namespace their objects go to (the site's namespace setting).
	for _, pl := range r.placements {
		if pl.addr.Kind != config.DeploymentKind || len(pl.sites) == 0 || sites[pl.sites[0]] == nil || sites[pl.sites[0]].Decl.Kind != "kubernetes" {
			continue
		}
		site := sites[pl.sites[0]]
		in.Placed[pl.addr] = append(in.Placed[pl.addr], policy.Placed{Site: pl.sites[0], Namespace: site.Binding(m).Setting("namespace")})
	}
	out, diags := policy.Compile(in)
	if diags.HasErrors() {
		return diags
	}
	rng := policies[0].Decl.DeclRange
	lit := func(v cty.Value) hclsyntax.Expression { return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: rng} }
	// add declares a resource; its problems are reported at the
	// declaration at (rng when at is nil).
	add := func(site *eval.Site, typ, name string, attrs map[string]hclsyntax.Expression, dependsOn []hcl.Traversal, at *hcl.Range) {
		rng := rng
		if at != nil {
			rng = *at
			for _, e := range attrs {
				if l, ok := e.(*hclsyntax.LiteralValueExpr); ok {
					l.SrcRange = rng
				}
			}
		}
		ref := site.ProviderRef()
		body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
		for k, e := range attrs {
			body.Attributes[k] = &hclsyntax.Attribute{Name: k, Expr: e, SrcRange: rng, NameRange: rng}
		}
		m.ManagedResources[typ+"."+name] = &config.Resource{
			Mode: config.ManagedMode, Type: typ, Name: name, Config: body,
			ProviderRef: &config.LocalProviderRef{LocalName: ref.LocalName, Alias: ref.Alias},
			ProviderKey: site.Decl.ProviderKey,
			Provider:    m.ProviderFor(ref.LocalName),
			Managed:     &config.ManagedResource{}, DependsOn: dependsOn,
			DeclRange: rng, TypeRange: rng,
		}
	}
	m.ManagedResources = maps.Clone(m.ManagedResources)
	for _, siteName := range slices.Sorted(maps.Keys(out.Sites)) {
		so, site := out.Sites[siteName], sites[siteName]
		if site == nil {
			continue
		}
		// Explicit users and groups get their policies through MinIO's own
		// user store: an indigo_s3_group per group (its members must be
		// MinIO users already), an indigo_s3_user_policy per user, located
		// at the group or at the policy naming the user.
		type member struct{ typ, name string }
		attach, at := map[member][]string{}, map[member]*hcl.Range{}
		for _, name := range slices.Sorted(maps.Keys(so.MinIO)) {
			mp := so.MinIO[name]
			doc, err := json.Marshal(mp.Document)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot encode a policy document", Detail: err.Error(), Subject: rng.Ptr()})
				continue
			}
			add(site, "indigo_s3_policy", binding.Name("access_"+siteName+"_"+name), map[string]hclsyntax.Expression{
				"name":     lit(cty.StringVal(name)),
				"document": lit(cty.StringVal(string(doc))),
			}, nil, nil)
			for _, g := range mp.Groups {
				k := member{"indigo_s3_group", g}
				attach[k] = append(attach[k], name)
				for _, decl := range groups {
					if decl.Decl.Name == g {
						at[k] = decl.Decl.DeclRange.Ptr()
					}
				}
			}
			for _, u := range mp.Users {
				k := member{"indigo_s3_user_policy", u}
				attach[k] = append(attach[k], name)
				for _, p := range policies {
					if p.Decl.Name == mp.Policies[0] {
						at[k] = p.Decl.DeclRange.Ptr()
					}
				}
			}
		}
		for _, k := range slices.SortedFunc(maps.Keys(attach), func(a, b member) int { return strings.Compare(a.typ+" "+a.name, b.typ+" "+b.name) }) {
			var deps []hcl.Traversal
			for _, name := range attach[k] {
				deps = append(deps, hcl.Traversal{
					hcl.TraverseRoot{Name: "indigo_s3_policy", SrcRange: rng},
					hcl.TraverseAttr{Name: binding.Name("access_" + siteName + "_" + name), SrcRange: rng},
				})
			}
			attrs := map[string]hclsyntax.Expression{"policies": lit(cty.SetVal(stringVals(attach[k])))}
			if k.typ == "indigo_s3_group" {
				members := cty.SetValEmpty(cty.String)
				if ms := so.MinIOGroups[k.name]; len(ms) > 0 {
					members = cty.SetVal(stringVals(ms))
				}
				attrs["name"], attrs["members"] = lit(cty.StringVal(k.name)), lit(members)
			} else {
				attrs["user"] = lit(cty.StringVal(k.name))
			}
			add(site, k.typ, binding.Name("access_"+siteName+"_"+k.name), attrs, deps, at[k])
		}
		// Kubernetes RBAC: each Role and RoleBinding is an
		// indigo_kubernetes_object; a binding waits for its Role.
		for _, obj := range so.Kubernetes {
			doc, err := json.Marshal(obj)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot encode a Kubernetes RBAC object", Detail: err.Error(), Subject: rng.Ptr()})
				continue
			}
			name := kubeAccessName(siteName, obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name)
			var deps []hcl.Traversal
			if obj.RoleRef != nil {
				deps = append(deps, hcl.Traversal{
					hcl.TraverseRoot{Name: "indigo_kubernetes_object", SrcRange: rng},
					hcl.TraverseAttr{Name: kubeAccessName(siteName, obj.RoleRef.Kind, obj.Metadata.Namespace, obj.RoleRef.Name), SrcRange: rng},
				})
			}
			add(site, "indigo_kubernetes_object", name, map[string]hclsyntax.Expression{"manifest": lit(cty.StringVal(string(doc)))}, deps, nil)
		}
		for _, path := range slices.Sorted(maps.Keys(so.ACLs)) {
			acl := so.ACLs[path]
			var entries []cty.Value
			for _, e := range acl.Access {
				if named(e) {
					entries = append(entries, cty.StringVal(e))
				}
			}
			if len(entries) == 0 {
				continue
			}
			var deps []hcl.Traversal
			for dir, st := range copyOf {
				if path == dir || strings.HasPrefix(path, dir+"/") {
					deps = append(deps, hcl.Traversal{
						hcl.TraverseRoot{Name: "storage", SrcRange: rng},
						hcl.TraverseAttr{Name: st.Name, SrcRange: rng},
					})
				}
			}
			add(site, "indigo_posix_acl", binding.Name("access_"+siteName+"_"+path), map[string]hclsyntax.Expression{
				"path":      lit(cty.StringVal(path)),
				"entries":   lit(cty.ListVal(entries)),
				"recursive": lit(cty.True),
				"default":   lit(cty.BoolVal(len(acl.Default) > 0)),
			}, deps, nil)
		}
	}
	return diags
}

// kubeAccessName names the resource of one RBAC object of a site.
func kubeAccessName(site, kind, namespace, name string) string {
	return binding.Name("access_" + site + "_" + strings.ToLower(kind) + "_" + namespace + "_" + name)
}

// named says whether a setfacl entry names a user or group (u:alice:r-X),
// as opposed to the file's own owner, group, other and mask entries.
func named(entry string) bool {
	parts := strings.Split(entry, ":")
	return len(parts) == 3 && parts[1] != "" && (parts[0] == "u" || parts[0] == "g" || parts[0] == "user" || parts[0] == "group")
}

func stringVals(list []string) []cty.Value {
	out := make([]cty.Value, len(list))
	for i, s := range list {
		out[i] = cty.StringVal(s)
	}
	return out
}
