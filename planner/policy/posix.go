package policy

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/access"
	"github.com/indigo-cloud/indigo/lang/config"
)

// POSIX permission bits, as an ACL entry's rwx.
type perm uint8

const (
	permR perm = 1 << iota
	permW
	// permX is execute where it makes sense: directories (setfacl's X).
	permX
	// permT is traverse: execute on this directory only, so a deeper
	// grant can be reached without listing this one.
	permT
)

// POSIXPerms are what each storage action becomes in a POSIX ACL entry.
// POSIX cannot tell reading from listing, nor writing from deleting: a
// grant of one gives the other too (Compile warns).
var POSIXPerms = map[string]string{
	"read": "r-X", "list": "r-X", "write": "-wX", "delete": "-wX", access.Admin: "rwX", access.All: "rwX",
}

func actionPerm(a string) perm {
	switch a {
	case "read", "list":
		return permR | permX
	case "write", "delete":
		return permW | permX
	case access.Admin, access.All:
		return permR | permW | permX
	}
	return 0
}

// deniedPerm is what a deny of a takes away.
func deniedPerm(a string) perm {
	switch a {
	case "read", "list":
		return permR
	case "write", "delete":
		return permW
	case access.Admin, access.All:
		return permR | permW | permX | permT
	}
	return 0
}

func (p perm) String() string {
	b := []byte("---")
	if p&permR != 0 {
		b[0] = 'r'
	}
	if p&permW != 0 {
		b[1] = 'w'
	}
	if p&permT != 0 {
		b[2] = 'x'
	} else if p&permX != 0 {
		b[2] = 'X'
	}
	return string(b)
}

// ACL is the complete POSIX ACL of one directory of a local site.
type ACL struct {
	// Path is relative to the site provider's root.
	Path string `json:"path"`
	// Access and Default are setfacl entries (u:alice:r-X); together
	// they are the argument of setfacl --set, which replaces the whole
	// ACL. The owner keeps rwx; the owning group and others get nothing.
	Access  []string `json:"access"`
	Default []string `json:"default,omitempty"`
	// Removed are the entries (u:NAME, g:NAME) a deny keeps out: a
	// setfacl -x of each removes what an earlier ACL gave.
	Removed []string `json:"removed,omitempty"`
	// Policies are the policy blocks it comes from.
	Policies []string `json:"policies"`
}

// Spec is the ACL as setfacl --set takes it.
func (a *ACL) Spec() string { return strings.Join(append(slices.Clone(a.Access), a.Default...), ",") }

// posixGrant is a grant as it reaches one local copy.
type posixGrant struct {
	grant
	prefixes []string
}

func (g posixGrant) applies(rel string) bool {
	if len(g.prefixes) == 0 {
		return true
	}
	return slices.ContainsFunc(g.prefixes, func(p string) bool { return strings.HasPrefix(rel, p) })
}

// passes reports whether the grant reaches below rel (so rel must be
// traversable).
func (g posixGrant) passes(rel string) bool {
	return slices.ContainsFunc(g.prefixes, func(p string) bool { return p != rel && strings.HasPrefix(p, rel) })
}

func (c *compiler) posix(site Site, obj config.ObjectAddr, pl Placed) {
	var grants []posixGrant
	for _, g := range c.on(obj) {
		pg := posixGrant{grant: g}
		if cond := g.pol.Condition; cond != nil {
			if len(cond.SourceIPs) > 0 || !cond.NotBefore.IsZero() || !cond.NotAfter.IsZero() {
				c.conditionError(g.pol, site, "whose POSIX ACLs cannot check where a request comes from or when: only prefix can be enforced there. Place the storage on s3 sites only, or drop source_ip, not_before and not_after.")
				continue
			}
			bad := false
			for _, p := range cond.Prefixes {
				if !strings.HasSuffix(p, "/") {
					c.conditionError(g.pol, site, fmt.Sprintf("where a prefix is a directory of the copy: end %q with / (a POSIX ACL cannot select files by the start of their name).", p))
					bad = true
				}
			}
			if bad {
				continue
			}
			pg.prefixes = cond.Prefixes
		}
		grants = append(grants, pg)
		c.warnBroadening(g, site)
	}
	if len(grants) == 0 {
		return
	}
	rels := []string{""}
	for _, g := range grants {
		for _, p := range g.prefixes {
			if !slices.Contains(rels, p) {
				rels = append(rels, p)
			}
		}
	}
	slices.Sort(rels)
	out := c.out.site(site.Name)
	if out.ACLs == nil {
		out.ACLs = map[string]*ACL{}
	}
	for _, rel := range rels {
		acl := c.posixACL(site, grants, rel)
		acl.Path = path.Join(pl.Path, rel)
		out.ACLs[acl.Path] = acl
	}
}

// warnBroadening warns when POSIX must give more than a policy grants.
func (c *compiler) warnBroadening(g grant, site Site) {
	if g.pol.Deny {
		return
	}
	acts := g.pol.Actions
	if slices.Contains(acts, access.Admin) || slices.Contains(acts, access.All) {
		return
	}
	for _, pair := range [][2]string{{"read", "list"}, {"write", "delete"}} {
		if slices.Contains(acts, pair[0]) != slices.Contains(acts, pair[1]) {
			have, also := pair[0], pair[1]
			if !slices.Contains(acts, have) {
				have, also = also, have
			}
			rng := g.pol.Decl.DeclRange
			if g.pol.Decl.Actions != nil {
				rng = g.pol.Decl.Actions.Range()
			}
			c.once("broad|"+g.pol.Addr.String()+"|"+site.Name+"|"+have, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Grant broader on POSIX",
				Detail:  fmt.Sprintf("Policy %q grants %s without %s, but a POSIX ACL on the local site %s cannot tell them apart: there it gives %s too. Grant both, or place the storage on s3 sites.", g.pol.Decl.Name, have, also, site.Name, also),
				Subject: rng.Ptr()})
		}
	}
}

// posixACL computes the ACL of the directory rel ("" is the copy itself)
// of a copy.
func (c *compiler) posixACL(site Site, grants []posixGrant, rel string) *ACL {
	acl := &ACL{}
	// Who is a member of which group, as far as the configuration says.
	memberOf := func(g posixGrant, user access.Identity) bool {
		if g.principal == user {
			return true
		}
		if g.principal.Kind != access.Group {
			return false
		}
		grp := c.group(g.pol, g.principal)
		return grp != nil && slices.Contains(grp.Members, user)
	}
	// effective is what the grants matching give here, and whether they
	// give a way through to a deeper directory.
	effective := func(match func(posixGrant) bool) (here, trav perm) {
		var allow, deny perm
		for _, g := range grants {
			if !match(g) {
				continue
			}
			for _, a := range g.pol.Actions {
				switch {
				case g.applies(rel) && g.pol.Deny:
					deny |= deniedPerm(a)
				case g.applies(rel):
					allow |= actionPerm(a)
				case g.passes(rel) && !g.pol.Deny:
					trav |= permT
				}
			}
		}
		here = allow &^ deny
		if here&(permR|permW) == 0 {
			here = 0
		}
		return here, trav &^ deny
	}
	type entry struct {
		qual       string
		here, trav perm
	}
	var users, groups []entry
	seenUser := map[access.Identity]bool{}
	var candidates []access.Identity
	for _, g := range grants {
		acl.Policies = mergeSorted(acl.Policies, g.pol.Decl.Name)
		switch g.principal.Kind {
		case access.User:
			candidates = append(candidates, g.principal)
		case access.Group:
			if grp := c.group(g.pol, g.principal); grp != nil {
				candidates = append(candidates, grp.Members...)
			}
		}
	}
	reached := map[string]bool{}
	for _, u := range candidates {
		acct, ok := site.Accounts[u]
		if u.Kind != access.User || !ok || seenUser[u] {
			continue
		}
		seenUser[u] = true
		// A named user entry is all POSIX reads for that user (group
		// entries are not consulted), so it holds everything the user
		// gets, through any group, less what is denied: --- is a deny.
		here, trav := effective(func(g posixGrant) bool { return memberOf(g, u) })
		users = append(users, entry{"u:" + acct, here, trav})
		reached[u.String()] = true
	}
	seenGroup := map[access.Identity]bool{}
	for _, g := range grants {
		id := g.principal
		if id.Kind != access.Group || seenGroup[id] {
			continue
		}
		seenGroup[id] = true
		acct, ok := site.Accounts[id]
		if !ok {
			continue
		}
		reached[id.String()] = true
		here, trav := effective(func(x posixGrant) bool { return x.principal == id })
		if here|trav == 0 {
			// POSIX has no deny for a group: it gets no entry.
			acl.Removed = append(acl.Removed, "g:"+acct)
			continue
		}
		groups = append(groups, entry{"g:" + acct, here, trav})
	}
	for _, g := range grants {
		if reached[g.principal.String()] {
			continue
		}
		if g.principal.Kind == access.Group {
			if grp := c.group(g.pol, g.principal); grp != nil && slices.ContainsFunc(grp.Members, func(m access.Identity) bool { return reached[m.String()] }) {
				if g.pol.Deny {
					c.once("posixgroupdeny|"+g.pol.Addr.String()+"|"+site.Name, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Deny reaches only named members on POSIX",
						Detail:  fmt.Sprintf("Policy %q denies %s, which has no account on the local site %s: the deny is enforced for the members the configuration names (as user entries), not for other members of the group. Map %s in the site's accounts.", g.pol.Decl.Name, g.principal, site.Name, g.principal),
						Subject: g.rng.Ptr()})
				}
				continue
			}
		}
		c.once("posixunmapped|"+g.pol.Addr.String()+"|"+g.principal.String()+"|"+site.Name, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Principal not enforced on POSIX",
			Detail:  fmt.Sprintf("Policy %q names %s, which has no account on the local site %s, so its ACLs do not mention it. Map it in the site's settings: accounts = { %q = \"ACCOUNT\" }.", g.pol.Decl.Name, g.principal, site.Name, g.principal.String()),
			Subject: g.rng.Ptr()})
	}
	byQual := func(a, b entry) int { return strings.Compare(a.qual, b.qual) }
	slices.SortFunc(users, byQual)
	slices.SortFunc(groups, byQual)
	slices.Sort(acl.Removed)
	var mask, defMask perm
	var defs []string
	add := func(e entry) {
		acl.Access = append(acl.Access, e.qual+":"+(e.here|e.trav).String())
		mask |= e.here | e.trav
		// New files and directories inherit what applies here; a way
		// through to a deeper directory stays on this one.
		if e.here != 0 || e.trav == 0 {
			defs = append(defs, "d:"+e.qual+":"+e.here.String())
			defMask |= e.here
		}
	}
	acl.Access = append(acl.Access, "u::rwx")
	for _, e := range users {
		add(e)
	}
	acl.Access = append(acl.Access, "g::---")
	userDefs := defs
	defs = nil
	for _, e := range groups {
		add(e)
	}
	acl.Access = append(acl.Access, "m::"+maskString(mask), "o::---")
	acl.Default = append([]string{"d:u::rwx"}, userDefs...)
	acl.Default = append(acl.Default, "d:g::---")
	acl.Default = append(acl.Default, defs...)
	acl.Default = append(acl.Default, "d:m::"+maskString(defMask), "d:o::---")
	return acl
}

// maskString is a mask entry's permissions: execute is plain x.
func maskString(p perm) string {
	if p&permT != 0 {
		p = p&^permT | permX
	}
	return strings.ReplaceAll(p.String(), "X", "x")
}
