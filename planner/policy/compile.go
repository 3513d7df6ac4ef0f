package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/access"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
)

// Input is what Compile needs: the evaluated groups and policies, and
// where the objects they name are.
type Input struct {
	Groups   []*eval.Group
	Policies []*eval.Policy
	// Sites are the sites named in Placed, by name.
	Sites map[string]Site
	// Placed says, for each storage and deployment, where its copies (or
	// it) are; the primary copy first.
	Placed map[config.ObjectAddr][]Placed
}

// Site is what Compile needs of a site.
type Site struct {
	Name string
	// Kind is the site's kind: "s3", "local", "kubernetes", ...
	Kind string
	// Accounts maps identities to local accounts (local sites).
	Accounts map[access.Identity]string
	Range    hcl.Range
}

// Placed is one copy of a storage, or a deployment, on a site.
type Placed struct {
	Site string
	// Bucket is the copy's bucket on an s3 site.
	Bucket string
	// Path is the copy's directory on a local site, relative to the
	// provider's root ("storage/archive").
	Path string
	// Namespace is the deployment's namespace on a kubernetes site; ""
	// is "default".
	Namespace string
}

// Output is what each site enforces.
type Output struct {
	// Sites are by site name; a site nothing is compiled for is absent.
	Sites map[string]*SiteOutput
}

// SiteOutput is what one site enforces.
type SiteOutput struct {
	// MinIO are the S3 policy documents of an s3 site, by policy name.
	MinIO map[string]*MinIOPolicy `json:"minio,omitempty"`
	// MinIOGroups are MinIO's built-in groups to create, with their
	// members (MinIO users), by group name.
	MinIOGroups map[string][]string `json:"minio_groups,omitempty"`
	// ACLs are the POSIX ACLs of a local site, by path.
	ACLs map[string]*ACL `json:"acls,omitempty"`
	// Kubernetes are the Roles and RoleBindings of a kubernetes site, in
	// a stable order (each Role before its binding).
	Kubernetes []KubeObject `json:"kubernetes,omitempty"`
}

func (o *Output) site(name string) *SiteOutput {
	if o.Sites == nil {
		o.Sites = map[string]*SiteOutput{}
	}
	s := o.Sites[name]
	if s == nil {
		s = &SiteOutput{}
		o.Sites[name] = s
	}
	return s
}

// grant is one policy applied to one principal and one object.
type grant struct {
	pol       *eval.Policy
	principal access.Identity
	rng       hcl.Range
	obj       config.ObjectAddr
}

// Compile compiles the policies for every site that holds what they name.
// See the package documentation for the contract.
func Compile(in Input) (Output, hcl.Diagnostics) {
	c := &compiler{in: in, groups: map[config.ObjectAddr]*eval.Group{}, reported: map[string]bool{}}
	for _, g := range in.Groups {
		c.groups[g.Addr] = g
	}
	policies := slices.Clone(in.Policies)
	slices.SortFunc(policies, func(a, b *eval.Policy) int { return strings.Compare(a.Addr.String(), b.Addr.String()) })
	for _, p := range policies {
		for i, pr := range p.Principals {
			for _, r := range p.Resources {
				g := grant{pol: p, principal: pr, rng: p.Decl.DeclRange, obj: r}
				if i < len(p.PrincipalRanges) {
					g.rng = p.PrincipalRanges[i]
				}
				c.grants = append(c.grants, g)
			}
		}
	}
	objects := slices.SortedFunc(maps.Keys(in.Placed), func(a, b config.ObjectAddr) int { return strings.Compare(a.String(), b.String()) })
	for _, obj := range objects {
		for _, pl := range in.Placed[obj] {
			site, ok := in.Sites[pl.Site]
			if !ok {
				continue
			}
			switch {
			case site.Kind == "s3" && obj.Kind == config.StorageKind:
				c.minio(site, obj, pl)
			case site.Kind == "local" && obj.Kind == config.StorageKind:
				c.posix(site, obj, pl)
			case site.Kind == "kubernetes" && obj.Kind == config.DeploymentKind:
				c.kube(site, obj, pl)
			}
		}
	}
	c.finishKube()
	return c.out, c.diags
}

type compiler struct {
	in       Input
	groups   map[config.ObjectAddr]*eval.Group
	grants   []grant
	out      Output
	diags    hcl.Diagnostics
	reported map[string]bool
	kubeAcc  map[kubeKey]*kubeGrant
}

// on returns the grants naming obj.
func (c *compiler) on(obj config.ObjectAddr) []grant {
	var out []grant
	for _, g := range c.grants {
		if g.obj == obj {
			out = append(out, g)
		}
	}
	return out
}

// group returns the group a group identity of p names.
func (c *compiler) group(p *eval.Policy, id access.Identity) *eval.Group {
	return c.groups[config.ObjectAddr{Module: p.Addr.Module, Kind: config.GroupKind, Name: id.Name}]
}

// once reports a diagnostic the first time its key is seen: a policy
// applied to many copies is reported once per site.
func (c *compiler) once(key string, d *hcl.Diagnostic) {
	if c.reported[key] {
		return
	}
	c.reported[key] = true
	c.diags = append(c.diags, d)
}

func (c *compiler) conditionError(p *eval.Policy, site Site, detail string) {
	rng := p.Decl.DeclRange
	if p.Decl.Condition != nil {
		rng = p.Decl.Condition.Range()
	}
	c.once("cond|"+p.Addr.String()+"|"+site.Name+"|"+detail, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Condition cannot be enforced",
		Detail: fmt.Sprintf("Policy %q applies to objects on the %s site %s, %s", p.Decl.Name, site.Kind, site.Name, detail), Subject: rng.Ptr()})
}
