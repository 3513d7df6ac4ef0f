package policy

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/lang/access"
	"github.com/indigo-cloud/indigo/lang/eval"
)

// This file holds evaluators of the compiled documents, for the test only:
// an S3 policy evaluator following AWS's documented logic (an explicit
// Deny in any applicable statement wins, then an Allow, else the implicit
// deny) and a POSIX ACL access check (owner, named users, groups, other;
// named entries masked). They let TestAgreement check that Cedar's answer
// is what the compiled documents enforce.

type s3Request struct {
	action   string
	resource string
	ctx      map[string]string // condition keys present in the request
}

func s3Allowed(docs []S3Document, req s3Request) bool {
	allowed := false
	for _, d := range docs {
		for _, st := range d.Statement {
			if !matchAny(st.Action, req.action, true) || !matchAny(st.Resource, req.resource, false) || !conditionsHold(st.Condition, req.ctx) {
				continue
			}
			if st.Effect == "Deny" {
				return false
			}
			allowed = true
		}
	}
	return allowed
}

func matchAny(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if wildMatch(p, s) {
			return true
		}
	}
	return false
}

// wildMatch matches AWS's * (any run) and ? (one character).
func wildMatch(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if wildMatch(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && wildMatch(p[1:], s[1:])
	}
	return s != "" && p[0] == s[0] && wildMatch(p[1:], s[1:])
}

func conditionsHold(cond map[string]map[string][]string, ctx map[string]string) bool {
	for op, kv := range cond {
		for key, vals := range kv {
			have, ok := ctx[key]
			if !ok {
				return false
			}
			hold := false
			for _, v := range vals {
				switch op {
				case "StringLike":
					hold = hold || wildMatch(v, have)
				case "IpAddress":
					hold = hold || netip.MustParsePrefix(v).Contains(netip.MustParseAddr(have))
				case "DateGreaterThanEquals", "DateLessThanEquals":
					t, _ := time.Parse(time.RFC3339, have)
					lim, _ := time.Parse(time.RFC3339, v)
					hold = hold || (op == "DateGreaterThanEquals" && !t.Before(lim)) || (op == "DateLessThanEquals" && !t.After(lim))
				default:
					panic("condition operator the test does not know: " + op)
				}
			}
			if !hold {
				return false
			}
		}
	}
	return true
}

// minioDocs are the documents MinIO applies to a principal: a user's own
// and those of the groups the configuration puts them in; a group's own.
func minioDocs(out *SiteOutput, a *eval.Access, who access.Identity) []S3Document {
	var names []string
	switch who.Kind {
	case access.User:
		names = append(names, "indigo-user-"+who.Name)
		for _, g := range a.Groups {
			if slices.Contains(g.Members, who) {
				names = append(names, minioGroupPolicy(g))
			}
		}
	case access.Group:
		for _, g := range a.Groups {
			if g.Decl.Name == who.Name {
				names = append(names, minioGroupPolicy(g))
			}
		}
	}
	var docs []S3Document
	for _, n := range names {
		if mp := out.MinIO[n]; mp != nil {
			docs = append(docs, mp.Document)
		}
	}
	return docs
}

func minioGroupPolicy(g *eval.Group) string {
	if g.Claim != "" {
		return g.Claim
	}
	return "indigo-group-" + g.Decl.Name
}

// posixAllowed checks a request on a local copy at dir: traverse every
// directory from dir down, then the permission on the target. account and
// groups are the principal's ("" for a group principal, who is then an
// anonymous member of its group).
func posixAllowed(out *SiteOutput, dir, account string, groups []string, action string, key *string) bool {
	aclOf := func(p string, isDir bool) []string {
		for cur := p; ; cur = path.Dir(cur) {
			if acl := out.ACLs[cur]; acl != nil {
				if cur == p {
					return acl.Access
				}
				var inh []string
				for _, e := range acl.Default {
					e = strings.TrimPrefix(e, "d:")
					if !isDir {
						// A file is created 0666: the mask loses x.
						e = e[:len(e)-1] + "-"
					}
					inh = append(inh, e)
				}
				return inh
			}
			if cur == "." || cur == "/" || cur == "" || !strings.HasPrefix(cur, dir) {
				return nil
			}
		}
	}
	can := func(p string, isDir bool, want string) bool {
		entries := aclOf(p, isDir)
		perms := func(e string) string { i := strings.LastIndex(e, ":"); return strings.ReplaceAll(e[i+1:], "X", "x") }
		var mask string
		for _, e := range entries {
			if strings.HasPrefix(e, "m::") {
				mask = perms(e)
			}
		}
		has := func(ps string) bool {
			for _, c := range want {
				if !strings.ContainsRune(ps, c) || (mask != "" && !strings.ContainsRune(mask, c)) {
					return false
				}
			}
			return true
		}
		if account != "" {
			for _, e := range entries {
				if strings.HasPrefix(e, "u:"+account+":") {
					return has(perms(e))
				}
			}
		}
		matched := false
		for _, e := range entries {
			for _, g := range groups {
				if strings.HasPrefix(e, "g:"+g+":") {
					matched = true
					if has(perms(e)) {
						return true
					}
				}
			}
		}
		if matched {
			return false
		}
		for _, e := range entries {
			if strings.HasPrefix(e, "o::") {
				return has(perms(e))
			}
		}
		return false
	}
	k := ""
	if key != nil {
		k = *key
	}
	target := path.Join(dir, k)
	// Every directory above the target must be traversable.
	parent := path.Dir(target)
	if action == "list" {
		parent = target
	}
	for cur := dir; ; {
		if !can(cur, true, "x") {
			return false
		}
		if cur == parent {
			break
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(parent, cur), "/")
		next, _, _ := strings.Cut(rest, "/")
		cur = path.Join(cur, next)
	}
	switch action {
	case "read":
		return can(target, false, "r")
	case "list":
		return can(target, true, "rx")
	case "write", "delete":
		return can(parent, true, "wx")
	}
	return false
}

var agreementConfigs = map[string]string{
	"read and list": `
group "cms" {
  members = ["alice"]
  issuer  = "https://dex.example.org/dex"
  claim   = "cms"
}
group "atlas" { members = ["bob"] }
storage "archive" {}
storage "other" {}
policy "cms_read" {
  principals = [group.cms]
  actions    = ["read", "list"]
  resources  = [storage.archive]
}
`,
	"admin with a user's deny": `
group "cms" { members = ["alice", "bob"] }
storage "archive" {}
policy "cms_admin" {
  principals = [group.cms]
  actions    = ["admin"]
  resources  = [storage.archive]
}
policy "bob_read_only" {
  effect     = "deny"
  principals = ["user:bob"]
  actions    = ["write", "delete"]
  resources  = [storage.archive]
}
`,
	"prefixes": `
group "cms" { members = ["alice"] }
group "atlas" { members = ["bob"] }
storage "archive" {}
policy "cms_raw" {
  principals = [group.cms]
  actions    = ["read", "list", "write", "delete"]
  resources  = [storage.archive]
  condition  = { prefix = "raw/" }
}
policy "atlas_all" {
  principals = [group.atlas, "user:carol"]
  actions    = ["read", "list"]
  resources  = [storage.archive]
}
policy "carol_not_raw" {
  effect     = "deny"
  principals = ["user:carol"]
  actions    = ["read", "list"]
  resources  = [storage.archive]
  condition  = { prefix = "raw/" }
}
`,
	"group deny": `
group "cms" { members = ["alice"] }
group "atlas" { members = ["bob", "alice"] }
storage "archive" {}
policy "everyone_rw" {
  principals = [group.cms, group.atlas]
  actions    = ["*"]
  resources  = [storage.archive]
}
policy "atlas_no_write" {
  effect     = "deny"
  principals = [group.atlas]
  actions    = ["write", "delete"]
  resources  = [storage.archive]
}
`,
	// S3 only: POSIX cannot express source_ip or time.
	"source and time (s3)": `
group "cms" {
  members = ["alice"]
  issuer  = "https://dex.example.org/dex"
  claim   = "cms"
}
storage "archive" {}
policy "cms_from_campus" {
  principals = [group.cms]
  actions    = ["read", "list"]
  resources  = [storage.archive]
  condition  = { source_ip = ["10.0.0.0/8"], not_before = "2027-01-01T00:00:00Z", not_after = "2027-12-31T23:59:59Z" }
}
policy "no_writes_in_2027" {
  effect     = "deny"
  principals = [group.cms]
  actions    = ["write"]
  resources  = [storage.archive]
  condition  = { not_before = "2027-01-01T00:00:00Z" }
}
policy "cms_write" {
  principals = [group.cms]
  actions    = ["write", "delete"]
  resources  = [storage.archive]
}
`,
}

// TestAgreement: for every principal, action, resource and request
// context of each configuration, Cedar's answer is what the compiled MinIO
// documents allow and what the compiled POSIX ACLs allow.
func TestAgreement(t *testing.T) {
	principals := []string{"user:alice", "user:bob", "user:carol", "group:cms", "group:atlas"}
	actions := []string{"read", "list", "write", "delete", "admin"}
	str := func(s string) *string { return &s }
	objectKeys := []*string{str("raw/a"), str("raw/deep/b"), str("cooked/c")}
	listKeys := []*string{nil, str("raw/"), str("cooked/")}
	ips := []string{"10.1.2.3", "192.0.2.1"}
	times := []string{"2026-06-01T00:00:00Z", "2027-06-01T00:00:00Z"}
	for name, src := range agreementConfigs {
		t.Run(name, func(t *testing.T) {
			a := evalAccess(t, src)
			s3Only := strings.HasSuffix(name, "(s3)")
			in := placeEverywhere(a)
			if s3Only {
				for addr, pls := range in.Placed {
					in.Placed[addr] = pls[:1]
				}
			}
			out, diags := Compile(in)
			if diags.HasErrors() {
				t.Fatalf("compile: %s", diags)
			}
			for _, d := range diags {
				t.Logf("warning: %s", d.Summary)
			}
			az := NewAuthorizer(a)
			checked := 0
			for _, p := range principals {
				who, _ := access.ParseIdentity(p)
				for _, act := range actions {
					keys := objectKeys
					if act == "list" {
						keys = listKeys
					}
					if act == "admin" {
						keys = []*string{nil}
					}
					for addr := range a.Holders {
						for _, key := range keys {
							for _, ip := range ips {
								for _, at := range times {
									when, _ := time.Parse(time.RFC3339, at)
									ctx := Context{Key: key, SourceIP: netip.MustParseAddr(ip), Time: when}
									ans := az.Can(Request{Principal: who, Action: act, Resource: addr, Context: ctx})
									if len(ans.Errors) > 0 {
										t.Fatalf("cedar errors: %v", ans.Errors)
									}
									cedarSays := ans.Effect == Allow
									desc := fmt.Sprintf("%s %s %s key=%v ip=%s at=%s", p, act, addr, deref(key), ip, at)
									bucket := "indigo-" + addr.Name + "-minio"
									if s3 := s3Allowed(minioDocs(out.Sites["minio"], a, who), s3req(act, bucket, key, ip, at)); s3 != cedarSays {
										t.Errorf("%s: cedar says %s (%v), MinIO documents allow=%v", desc, ans.Effect, ans.Deciding, s3)
									}
									checked++
									if s3Only || act == "admin" {
										continue
									}
									account, groups := posixIdentity(a, who)
									if account == "" && len(groups) == 0 {
										continue
									}
									if px := posixAllowed(out.Sites["disk"], "storage/"+addr.Name, account, groups, act, key); px != cedarSays {
										t.Errorf("%s: cedar says %s (%v), POSIX ACLs allow=%v\n%v", desc, ans.Effect, ans.Deciding, px, aclDump(out.Sites["disk"]))
									}
									checked++
								}
							}
						}
					}
				}
			}
			if checked < 100 {
				t.Fatalf("only %d requests checked", checked)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "(none)"
	}
	return *s
}

func aclDump(out *SiteOutput) string {
	if out == nil {
		return "(no ACLs)"
	}
	var b strings.Builder
	for p, acl := range out.ACLs {
		fmt.Fprintf(&b, "  %s: %s\n", p, acl.Spec())
	}
	return b.String()
}

func s3req(act, bucket string, key *string, ip, at string) s3Request {
	ctx := map[string]string{"aws:SourceIp": ip, "aws:CurrentTime": at}
	arn := "arn:aws:s3:::" + bucket
	switch act {
	case "read":
		return s3Request{"s3:GetObject", arn + "/" + *key, ctx}
	case "write":
		return s3Request{"s3:PutObject", arn + "/" + *key, ctx}
	case "delete":
		return s3Request{"s3:DeleteObject", arn + "/" + *key, ctx}
	case "list":
		if key != nil {
			ctx["s3:prefix"] = *key
		}
		return s3Request{"s3:ListBucket", arn, ctx}
	}
	// admin: something only s3:* gives.
	return s3Request{"s3:PutBucketPolicy", arn, ctx}
}

// posixIdentity is the local account and groups of a principal on the
// test's local site.
func posixIdentity(a *eval.Access, who access.Identity) (string, []string) {
	accounts := testSites["disk"].Accounts
	if who.Kind == access.Group {
		if g, ok := accounts[who]; ok {
			return "", []string{g}
		}
		return "", nil
	}
	acct := accounts[who]
	var groups []string
	for _, g := range a.Groups {
		if slices.Contains(g.Members, who) {
			if ga, ok := accounts[access.Identity{Kind: access.Group, Name: g.Decl.Name}]; ok {
				groups = append(groups, ga)
			}
		}
	}
	return acct, groups
}
