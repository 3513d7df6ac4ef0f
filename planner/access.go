package planner

import (
	"encoding/json"
	"fmt"
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
// per MinIO policy document, an indigo_posix_acl per local directory. A
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
	for _, st := range storages {
		for _, cp := range st.Copies {
			pl := policy.Placed{Site: cp.Name}
			switch cp.Kind {
			case "s3":
				pl.Bucket = binding.S3Bucket(st, cp)
			case "local":
				pl.Path = "storage/" + st.Addr.Name
			}
			in.Placed[st.Addr] = append(in.Placed[st.Addr], pl)
		}
	}
	out, diags := policy.Compile(in)
	if diags.HasErrors() {
		return diags
	}
	rng := hcl.Range{Filename: "(access policies)"}
	for _, p := range policies {
		rng = p.Decl.DeclRange
		break
	}
	lit := func(v cty.Value) hclsyntax.Expression { return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: rng} }
	add := func(site *eval.Site, typ, name string, attrs map[string]hclsyntax.Expression, dependsOn []hcl.Traversal) {
		ref := site.ProviderRef()
		body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
		for k, e := range attrs {
			body.Attributes[k] = &hclsyntax.Attribute{Name: k, Expr: e, SrcRange: rng, NameRange: rng}
		}
		m.ManagedResources[typ+"."+name] = &config.Resource{
			Mode: config.ManagedMode, Type: typ, Name: name, Config: body,
			ProviderRef: &config.LocalProviderRef{LocalName: ref.LocalName, Alias: ref.Alias},
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
		for _, name := range slices.Sorted(maps.Keys(so.MinIO)) {
			mp := so.MinIO[name]
			if len(mp.Groups) > 0 || len(mp.Users) > 0 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Explicit members on an S3 site",
					Detail: fmt.Sprintf("%s grant access on the s3 site %s to explicit users or groups (%s). On S3 sites indigo enforces policies for groups that take their members from an OpenID Connect claim (issuer and claim), which MinIO maps to policies by name: give the group an issuer and a claim.",
						strings.Join(mp.Policies, ", "), siteName, strings.Join(append(slices.Clone(mp.Groups), mp.Users...), ", ")),
					Subject: rng.Ptr()})
				continue
			}
			doc, err := json.Marshal(mp.Document)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot encode a policy document", Detail: err.Error(), Subject: rng.Ptr()})
				continue
			}
			add(site, "indigo_s3_policy", binding.Name("access_"+siteName+"_"+name), map[string]hclsyntax.Expression{
				"name":     lit(cty.StringVal(name)),
				"document": lit(cty.StringVal(string(doc))),
			}, nil)
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
			if strings.HasPrefix(path, "storage/") {
				deps = append(deps, hcl.Traversal{
					hcl.TraverseRoot{Name: "storage", SrcRange: rng},
					hcl.TraverseAttr{Name: strings.SplitN(strings.TrimPrefix(path, "storage/"), "/", 2)[0], SrcRange: rng},
				})
			}
			add(site, "indigo_posix_acl", binding.Name("access_"+siteName+"_"+path), map[string]hclsyntax.Expression{
				"path":      lit(cty.StringVal(path)),
				"entries":   lit(cty.ListVal(entries)),
				"recursive": lit(cty.True),
				"default":   lit(cty.BoolVal(len(acl.Default) > 0)),
			}, deps)
		}
	}
	return diags
}

// named says whether a setfacl entry names a user or group (u:alice:r-X),
// as opposed to the file's own owner, group, other and mask entries.
func named(entry string) bool {
	parts := strings.Split(entry, ":")
	return len(parts) == 3 && parts[1] != "" && (parts[0] == "u" || parts[0] == "g" || parts[0] == "user" || parts[0] == "group")
}
