package policy

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/cedar-policy/cedar-go"
	cedarast "github.com/cedar-policy/cedar-go/ast"
	"github.com/cedar-policy/cedar-go/types"

	"github.com/indigo-cloud/indigo/lang/access"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
)

// Cedar entity types. Users and OIDC subjects are User entities whose id
// is the identity as written ("user:alice", "sub:1234"); groups, storage,
// deployments and sites have their address as id ("group.cms",
// "storage.archive").
const (
	cedarUser       types.EntityType = "User"
	cedarGroup      types.EntityType = "Group"
	cedarAction     types.EntityType = "Action"
	cedarStorage    types.EntityType = "Storage"
	cedarDeployment types.EntityType = "Deployment"
	cedarSite       types.EntityType = "Site"
)

// Context is what a request carries besides who, what and which: the
// facts a policy's condition reads. Zero fields are absent: a condition on
// an absent fact does not hold.
type Context struct {
	// Key is the object key (for list, the prefix listed); nil when the
	// request names no key.
	Key *string
	// SourceIP is where the request comes from.
	SourceIP netip.Addr
	// Time is when the request is made.
	Time time.Time
}

// Request is one "who can" question.
type Request struct {
	Principal access.Identity
	Action    string
	Resource  config.ObjectAddr
	Context   Context
}

// Effect is Cedar's answer, in the words indigo can prints.
type Effect string

const (
	Allow Effect = "allow"
	Deny  Effect = "deny"
	// NoPolicy is a deny because nothing allows the request.
	NoPolicy Effect = "no policy"
)

// Answer is the answer to a Request.
type Answer struct {
	Effect Effect
	// Deciding are the policies that decided: the allows that grant the
	// request, or the denies that refuse it; sorted.
	Deciding []string
	// Conditional are the policies that name this principal, action and
	// resource but whose condition did not hold for the request's
	// context; sorted.
	Conditional []string
	// Errors are Cedar's evaluation errors, which should never happen.
	Errors []string
}

// Authorizer answers Requests from the configuration alone.
type Authorizer struct {
	in       *eval.Access
	policies *cedar.PolicySet
	// uncond are the same policies without their conditions, to find
	// the ones a context left out.
	uncond   map[cedar.PolicyID]*cedar.Policy
	entities types.EntityMap
	// names maps a Cedar policy to the policy block it comes from.
	names map[cedar.PolicyID]string
}

// RequestActions are the actions a Request may ask about: every action of
// config.PolicyActions but "*".
func RequestActions() []string {
	var out []string
	for _, a := range config.PolicyActions {
		if a != access.All {
			out = append(out, a)
		}
	}
	return out
}

// NewAuthorizer translates the evaluated groups and policies into Cedar
// policies and entities.
func NewAuthorizer(in *eval.Access) *Authorizer {
	az := &Authorizer{in: in, policies: cedar.NewPolicySet(), uncond: map[cedar.PolicyID]*cedar.Policy{}, entities: types.EntityMap{}, names: map[cedar.PolicyID]string{}}
	// Actions: admin stands for every action, "*" for admin.
	star := types.NewEntityUID(cedarAction, access.All)
	admin := types.NewEntityUID(cedarAction, access.Admin)
	az.entities[star] = types.Entity{UID: star}
	az.entities[admin] = types.Entity{UID: admin, Parents: types.NewEntityUIDSet(star)}
	for _, a := range RequestActions() {
		if a == access.Admin {
			continue
		}
		uid := types.NewEntityUID(cedarAction, types.String(a))
		az.entities[uid] = types.Entity{UID: uid, Parents: types.NewEntityUIDSet(admin)}
	}
	for _, g := range in.Groups {
		uid := groupUID(g.Addr)
		az.entities[uid] = types.Entity{UID: uid}
		for _, m := range g.Members {
			u := userUID(m)
			e := az.entities[u]
			e.UID = u
			var parents []types.EntityUID
			for p := range e.Parents.All() {
				parents = append(parents, p)
			}
			e.Parents = types.NewEntityUIDSet(append(parents, uid)...)
			az.entities[u] = e
		}
	}
	for _, p := range in.Policies {
		n := 0
		for _, pr := range p.Principals {
			for _, r := range p.Resources {
				id := cedar.PolicyID(fmt.Sprintf("%s[%d]", p.Addr, n))
				n++
				full, bare := cedarPolicy(p, pr, r)
				az.policies.Add(id, cedar.NewPolicyFromAST(full))
				az.uncond[id] = cedar.NewPolicyFromAST(bare)
				az.names[id] = p.Addr.String()
			}
		}
	}
	return az
}

func userUID(id access.Identity) types.EntityUID {
	return types.NewEntityUID(cedarUser, types.String(id.String()))
}

func groupUID(addr config.ObjectAddr) types.EntityUID {
	return types.NewEntityUID(cedarGroup, types.String(addr.String()))
}

func resourceUID(addr config.ObjectAddr) types.EntityUID {
	t := map[config.ObjectKind]types.EntityType{config.StorageKind: cedarStorage, config.DeploymentKind: cedarDeployment, config.SiteKind: cedarSite, config.GroupKind: cedarGroup}[addr.Kind]
	if t == "" {
		t = types.EntityType(addr.Kind.Keyword())
	}
	return types.NewEntityUID(t, types.String(addr.String()))
}

// principalUID is the entity of a policy's principal: a group of the
// policy's module, or a user.
func principalUID(mod config.ModuleInstance, id access.Identity) types.EntityUID {
	if id.Kind == access.Group {
		return groupUID(config.ObjectAddr{Module: mod, Kind: config.GroupKind, Name: id.Name})
	}
	return userUID(id)
}

// cedarPolicy translates one policy for one principal and resource, with
// and without its condition.
func cedarPolicy(p *eval.Policy, pr access.Identity, r config.ObjectAddr) (full, bare *cedarast.Policy) {
	build := func() *cedarast.Policy {
		var pol *cedarast.Policy
		ann := cedarast.Annotation("id", types.String(p.Addr.String()))
		if p.Deny {
			pol = ann.Forbid()
		} else {
			pol = ann.Permit()
		}
		if pr.Kind == access.Group {
			pol = pol.PrincipalIn(principalUID(p.Addr.Module, pr))
		} else {
			pol = pol.PrincipalEq(principalUID(p.Addr.Module, pr))
		}
		var acts []types.EntityUID
		for _, a := range p.Actions {
			acts = append(acts, types.NewEntityUID(cedarAction, types.String(a)))
		}
		return pol.ActionInSet(acts...).ResourceEq(resourceUID(r))
	}
	full, bare = build(), build()
	if cond := cedarCondition(p.Condition); cond != nil {
		full = full.When(*cond)
	}
	return full, bare
}

func cedarCondition(c *access.Condition) *cedarast.Node {
	if c == nil {
		return nil
	}
	ctx := cedarast.Context
	var parts []cedarast.Node
	if len(c.Prefixes) > 0 {
		var any *cedarast.Node
		for _, p := range c.Prefixes {
			n := ctx().Access("key").Like(types.NewPattern(p, types.Wildcard{}))
			any = or(any, n)
		}
		parts = append(parts, ctx().Has("key").And(*any))
	}
	if len(c.SourceIPs) > 0 {
		var any *cedarast.Node
		for _, ip := range c.SourceIPs {
			n := ctx().Access("source_ip").IsInRange(cedarast.IPAddr(ip))
			any = or(any, n)
		}
		parts = append(parts, ctx().Has("source_ip").And(*any))
	}
	if !c.NotBefore.IsZero() {
		parts = append(parts, ctx().Has("time").And(ctx().Access("time").GreaterThanOrEqual(cedarast.Datetime(c.NotBefore))))
	}
	if !c.NotAfter.IsZero() {
		parts = append(parts, ctx().Has("time").And(ctx().Access("time").LessThanOrEqual(cedarast.Datetime(c.NotAfter))))
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out = out.And(p)
	}
	return &out
}

func or(acc *cedarast.Node, n cedarast.Node) *cedarast.Node {
	if acc == nil {
		return &n
	}
	x := acc.Or(n)
	return &x
}

// Principal returns the entity of a principal named in a request: a group
// of the root module, or a user.
func requestPrincipal(id access.Identity) types.EntityUID {
	return principalUID(config.RootModule, id)
}

// Can answers a request with Cedar's authorizer: a deny that applies wins,
// then an allow; nothing is "no policy".
func (az *Authorizer) Can(req Request) Answer {
	return az.can(requestPrincipal(req.Principal), req.Action, req.Resource, req.Context)
}

func (az *Authorizer) can(principal types.EntityUID, action string, resource config.ObjectAddr, ctx Context) Answer {
	creq := cedar.Request{
		Principal: principal,
		Action:    types.NewEntityUID(cedarAction, types.String(action)),
		Resource:  resourceUID(resource),
		Context:   cedarContext(ctx),
	}
	dec, diag := cedar.Authorize(az.policies, az.entities, creq)
	var ans Answer
	decided := map[string]bool{}
	for _, r := range diag.Reasons {
		decided[az.names[r.PolicyID]] = true
	}
	for _, e := range diag.Errors {
		ans.Errors = append(ans.Errors, fmt.Sprintf("%s: %s", az.names[e.PolicyID], e.Message))
	}
	switch {
	case dec == cedar.Allow:
		ans.Effect = Allow
	case len(diag.Reasons) > 0:
		ans.Effect = Deny
	default:
		ans.Effect = NoPolicy
	}
	ans.Deciding = slices.Sorted(maps.Keys(decided))
	cond := map[string]bool{}
	for id, bare := range az.uncond {
		if decided[az.names[id]] {
			continue
		}
		one := cedar.PolicyMap{id: bare}
		d, dg := cedar.Authorize(one, az.entities, creq)
		if (d == cedar.Allow || len(dg.Reasons) > 0) && az.policies.Get(id) != nil {
			if d2, dg2 := cedar.Authorize(cedar.PolicyMap{id: az.policies.Get(id)}, az.entities, creq); d2 != cedar.Allow && len(dg2.Reasons) == 0 {
				cond[az.names[id]] = true
			}
		}
	}
	ans.Conditional = slices.Sorted(maps.Keys(cond))
	return ans
}

func cedarContext(c Context) types.Record {
	m := types.RecordMap{}
	if c.Key != nil {
		m["key"] = types.String(*c.Key)
	}
	if c.SourceIP.IsValid() {
		m["source_ip"] = types.IPAddr(netip.PrefixFrom(c.SourceIP, c.SourceIP.BitLen()))
	}
	if !c.Time.IsZero() {
		m["time"] = types.NewDatetime(c.Time)
	}
	return types.NewRecord(m)
}

// Cedar returns the Cedar policies, as text, for people who want to read
// or check them with Cedar's own tools.
func (az *Authorizer) Cedar() string {
	return string(az.policies.MarshalCedar())
}

// ParsePrincipal reads a request's principal: an identity, where
// group:NAME is a group of the root module.
func ParsePrincipal(s string) (access.Identity, error) {
	return access.ParseIdentity(s)
}

// ParseResource reads a request's resource: storage.NAME,
// deployment.NAME, site.NAME or group.NAME (of the root module).
func ParseResource(s string) (config.ObjectAddr, error) {
	kw, name, ok := strings.Cut(s, ".")
	kind, known := config.ObjectKindFor(kw)
	if !ok || !known || name == "" || kind == config.PolicyKind || kind == config.ComponentKind || strings.Contains(name, ".") {
		return config.ObjectAddr{}, fmt.Errorf("%q is not a resource a policy names: write storage.NAME, deployment.NAME, site.NAME or group.NAME", s)
	}
	return config.ObjectAddr{Kind: kind, Name: name}, nil
}
