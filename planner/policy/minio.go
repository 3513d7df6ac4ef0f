package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/access"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
)

// S3Actions are what each storage action becomes in an S3 policy: actions
// on objects (Resource arn:aws:s3:::BUCKET/*) and actions on the bucket
// (Resource arn:aws:s3:::BUCKET). admin and "*" are s3:* on both.
// docs/policies.md shows this table; a test keeps them the same.
var S3Actions = map[string]struct{ Object, Bucket []string }{
	"read":   {Object: []string{"s3:GetObject", "s3:GetObjectVersion"}},
	"list":   {Bucket: []string{"s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation"}},
	"write":  {Object: []string{"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}, Bucket: []string{"s3:ListBucketMultipartUploads"}},
	"delete": {Object: []string{"s3:DeleteObject", "s3:DeleteObjectVersion"}},
}

// S3Document is an S3 (IAM) policy document as MinIO takes it.
type S3Document struct {
	Version   string        `json:"Version"`
	Statement []S3Statement `json:"Statement"`
}

// S3Statement is one statement of an S3Document.
type S3Statement struct {
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
	// Condition is by operator, then condition key.
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// MinIOPolicy is one policy document for MinIO, and who gets it.
type MinIOPolicy struct {
	Name     string     `json:"name"`
	Document S3Document `json:"document"`
	// Claim is true when MinIO gives the policy to OIDC sessions whose
	// groups claim holds Name (no attachment needed).
	Claim bool `json:"claim,omitempty"`
	// Groups and Users are the MinIO groups and users to attach it to.
	Groups []string `json:"groups,omitempty"`
	Users  []string `json:"users,omitempty"`
	// Policies are the policy blocks it comes from.
	Policies []string `json:"policies"`
}

// minioName is the policy a principal's grants go to on MinIO, and how
// the principal gets it; ok is false for principals MinIO cannot reach.
func (c *compiler) minioTarget(p *eval.Policy, id access.Identity) (name string, claim bool, groups, users []string, ok bool) {
	switch id.Kind {
	case access.User:
		return "indigo-user-" + id.Name, false, nil, []string{id.Name}, true
	case access.Group:
		g := c.group(p, id)
		if g == nil {
			return "", false, nil, nil, false
		}
		name = "indigo-group-" + g.Decl.Name
		if g.Claim != "" {
			name, claim = g.Claim, true
		}
		if hasUsers(g) {
			groups = []string{g.Decl.Name}
		}
		return name, claim, groups, nil, claim || len(groups) > 0
	}
	return "", false, nil, nil, false
}

func hasUsers(g *eval.Group) bool {
	return slices.ContainsFunc(g.Members, func(m access.Identity) bool { return m.Kind == access.User })
}

func (c *compiler) minio(site Site, obj config.ObjectAddr, pl Placed) {
	out := c.out.site(site.Name)
	for _, g := range c.on(obj) {
		name, claim, groups, users, ok := c.minioTarget(g.pol, g.principal)
		if !ok {
			c.once("minio|"+g.pol.Addr.String()+"|"+g.principal.String()+"|"+site.Name, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Principal not enforced on MinIO",
				Detail:  fmt.Sprintf("Policy %q names %s, which the s3 site %s cannot tell apart: MinIO gives OIDC sessions the policies their groups claim names, and built-in users and groups the policies attached to them. Name a group with a claim, or a user.", g.pol.Decl.Name, g.principal, site.Name),
				Subject: g.rng.Ptr()})
			continue
		}
		if out.MinIO == nil {
			out.MinIO = map[string]*MinIOPolicy{}
		}
		mp := out.MinIO[name]
		if mp == nil {
			mp = &MinIOPolicy{Name: name, Claim: claim, Document: S3Document{Version: "2012-10-17"}}
			out.MinIO[name] = mp
		}
		mp.Groups = mergeSorted(mp.Groups, groups...)
		mp.Users = mergeSorted(mp.Users, users...)
		mp.Policies = mergeSorted(mp.Policies, g.pol.Decl.Name)
		for _, st := range s3Statements(g.pol, pl.Bucket) {
			if !slices.ContainsFunc(mp.Document.Statement, func(x S3Statement) bool { return sameStatement(x, st) }) {
				mp.Document.Statement = append(mp.Document.Statement, st)
			}
		}
		if g.principal.Kind == access.Group {
			grp := c.group(g.pol, g.principal)
			for _, m := range grp.Members {
				if m.Kind == access.User && len(groups) > 0 {
					if out.MinIOGroups == nil {
						out.MinIOGroups = map[string][]string{}
					}
					out.MinIOGroups[grp.Decl.Name] = mergeSorted(out.MinIOGroups[grp.Decl.Name], m.Name)
				}
			}
		}
	}
}

func mergeSorted(list []string, add ...string) []string {
	for _, a := range add {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	slices.Sort(list)
	return list
}

func sameStatement(a, b S3Statement) bool {
	return a.Effect == b.Effect && slices.Equal(a.Action, b.Action) && slices.Equal(a.Resource, b.Resource) && fmt.Sprint(a.Condition) == fmt.Sprint(b.Condition)
}

// s3Statements compiles one policy for one bucket. Objects are narrowed to
// the prefixes by their Resource, listing by s3:prefix; source_ip and the
// time bounds are conditions on every statement.
func s3Statements(p *eval.Policy, bucket string) []S3Statement {
	effect := "Allow"
	if p.Deny {
		effect = "Deny"
	}
	bucketARN := "arn:aws:s3:::" + bucket
	common := map[string]map[string][]string{}
	var prefixes []string
	if c := p.Condition; c != nil {
		prefixes = c.Prefixes
		if len(c.SourceIPs) > 0 {
			var ips []string
			for _, ip := range c.SourceIPs {
				ips = append(ips, ip.String())
			}
			common["IpAddress"] = map[string][]string{"aws:SourceIp": ips}
		}
		if !c.NotBefore.IsZero() {
			common["DateGreaterThanEquals"] = map[string][]string{"aws:CurrentTime": {access.FormatTime(c.NotBefore)}}
		}
		if !c.NotAfter.IsZero() {
			common["DateLessThanEquals"] = map[string][]string{"aws:CurrentTime": {access.FormatTime(c.NotAfter)}}
		}
	}
	cond := func(extra map[string]map[string][]string) map[string]map[string][]string {
		out := map[string]map[string][]string{}
		for op, kv := range common {
			out[op] = kv
		}
		for op, kv := range extra {
			out[op] = kv
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	if slices.Contains(p.Actions, access.Admin) || slices.Contains(p.Actions, access.All) {
		return []S3Statement{{Effect: effect, Action: []string{"s3:*"}, Resource: []string{bucketARN, bucketARN + "/*"}, Condition: cond(nil)}}
	}
	var object, bucketActs, location []string
	for _, a := range config.PolicyActions {
		if !slices.Contains(p.Actions, a) {
			continue
		}
		m := S3Actions[a]
		object = append(object, m.Object...)
		for _, b := range m.Bucket {
			switch {
			case b == "s3:GetBucketLocation" && len(prefixes) > 0:
				// Clients ask where a bucket is before anything else; it
				// carries no s3:prefix, so a prefixed grant gives it
				// whole and a prefixed deny leaves it alone.
				if !p.Deny {
					location = append(location, b)
				}
			case b == "s3:ListBucketMultipartUploads" && len(prefixes) > 0:
				// Uploads are listed bucket-wide: a prefixed grant
				// cannot give it, and parts are still listed per upload.
			default:
				bucketActs = append(bucketActs, b)
			}
		}
	}
	var out []S3Statement
	if len(object) > 0 {
		res := []string{bucketARN + "/*"}
		if len(prefixes) > 0 {
			res = nil
			for _, pre := range prefixes {
				res = append(res, bucketARN+"/"+pre+"*")
			}
		}
		out = append(out, S3Statement{Effect: effect, Action: object, Resource: res, Condition: cond(nil)})
	}
	if len(bucketActs) > 0 {
		var extra map[string]map[string][]string
		if len(prefixes) > 0 {
			var pats []string
			for _, pre := range prefixes {
				pats = append(pats, pre+"*")
			}
			extra = map[string]map[string][]string{"StringLike": {"s3:prefix": pats}}
		}
		out = append(out, S3Statement{Effect: effect, Action: bucketActs, Resource: []string{bucketARN}, Condition: cond(extra)})
	}
	if len(location) > 0 {
		out = append(out, S3Statement{Effect: effect, Action: location, Resource: []string{bucketARN}, Condition: cond(nil)})
	}
	for i := range out {
		slices.Sort(out[i].Action)
	}
	return out
}

// String renders a document the way MinIO stores it, for plans and tests.
func (d S3Document) String() string {
	var b strings.Builder
	for _, s := range d.Statement {
		fmt.Fprintf(&b, "%s %s on %s", s.Effect, strings.Join(s.Action, ","), strings.Join(s.Resource, ","))
		if len(s.Condition) > 0 {
			fmt.Fprintf(&b, " if %v", s.Condition)
		}
		b.WriteString("\n")
	}
	return b.String()
}
