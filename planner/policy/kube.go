package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/access"
	"github.com/indigo-cloud/indigo/lang/config"
)

// KubeVerbs are what each deployment action becomes in a Kubernetes Role,
// over the workload objects of the namespace (KubeResources). admin and
// "*" are every verb on every resource of the namespace.
var KubeVerbs = map[string][]string{
	"read":   {"get"},
	"list":   {"list", "watch"},
	"deploy": {"create", "update", "patch"},
	"manage": {"update", "patch", "delete", "deletecollection"},
}

// KubeResources are the objects a deployment is made of on Kubernetes,
// by API group.
var KubeResources = []KubeRule{
	{APIGroups: []string{""}, Resources: []string{"pods", "pods/log", "services", "persistentvolumeclaims", "configmaps"}},
	{APIGroups: []string{"apps"}, Resources: []string{"deployments", "deployments/scale", "replicasets", "statefulsets"}},
}

// KubeRule is a PolicyRule of a Role.
type KubeRule struct {
	APIGroups []string `json:"apiGroups"`
	Resources []string `json:"resources"`
	Verbs     []string `json:"verbs"`
}

// KubeSubject is a subject of a RoleBinding.
type KubeSubject struct {
	Kind     string `json:"kind"`
	APIGroup string `json:"apiGroup"`
	Name     string `json:"name"`
}

// KubeMeta is an object's metadata.
type KubeMeta struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// KubeRoleRef names the Role a RoleBinding binds.
type KubeRoleRef struct {
	APIGroup string `json:"apiGroup"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
}

// KubeObject is a Role or a RoleBinding (rbac.authorization.k8s.io/v1),
// shaped as the API takes it.
type KubeObject struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	Metadata   KubeMeta      `json:"metadata"`
	Rules      []KubeRule    `json:"rules,omitempty"`
	RoleRef    *KubeRoleRef  `json:"roleRef,omitempty"`
	Subjects   []KubeSubject `json:"subjects,omitempty"`
}

type kubeKey struct {
	site, namespace string
	principal       access.Identity
	group           config.ObjectAddr
}

type kubeGrant struct {
	allow, deny map[string]bool
	subjects    []KubeSubject
	policies    []string
}

func (c *compiler) kube(site Site, obj config.ObjectAddr, pl Placed) {
	ns := pl.Namespace
	if ns == "" {
		ns = "default"
	}
	for _, g := range c.on(obj) {
		if g.pol.Condition != nil {
			c.conditionError(g.pol, site, "whose RBAC has no conditions: grant without one, or restrict the condition to storage.")
			continue
		}
		key := kubeKey{site: site.Name, namespace: ns, principal: g.principal}
		var subjects []KubeSubject
		switch g.principal.Kind {
		case access.User, access.Subject:
			subjects = []KubeSubject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: g.principal.Name}}
		case access.Group:
			grp := c.group(g.pol, g.principal)
			if grp == nil {
				continue
			}
			key.group = grp.Addr
			if grp.Claim != "" {
				subjects = append(subjects, KubeSubject{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: grp.Claim})
			}
			for _, m := range grp.Members {
				subjects = append(subjects, KubeSubject{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: m.Name})
			}
		}
		if len(subjects) == 0 {
			continue
		}
		if c.kubeAcc == nil {
			c.kubeAcc = map[kubeKey]*kubeGrant{}
		}
		kg := c.kubeAcc[key]
		if kg == nil {
			kg = &kubeGrant{allow: map[string]bool{}, deny: map[string]bool{}, subjects: subjects}
			c.kubeAcc[key] = kg
		}
		kg.policies = mergeSorted(kg.policies, g.pol.Decl.Name)
		for _, a := range g.pol.Actions {
			if g.pol.Deny {
				kg.deny[a] = true
			} else {
				kg.allow[a] = true
			}
		}
		if g.pol.Deny && g.principal.Kind != access.Group {
			c.once("kubedeny|"+g.pol.Addr.String()+"|"+site.Name, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Deny not enforced through groups on Kubernetes",
				Detail:  fmt.Sprintf("Kubernetes RBAC has no deny: policy %q removes what it denies from the Role of %s on the site %s, but a binding of a group %s is in still grants it.", g.pol.Decl.Name, g.principal, site.Name, g.principal),
				Subject: g.rng.Ptr()})
		}
	}
}

// finishKube turns the merged grants into Roles and RoleBindings: RBAC
// only adds, so a deny takes its verbs out of the same principal's Role.
func (c *compiler) finishKube() {
	keys := slices.SortedFunc(maps.Keys(c.kubeAcc), func(a, b kubeKey) int {
		return strings.Compare(a.site+"|"+a.namespace+"|"+a.principal.String(), b.site+"|"+b.namespace+"|"+b.principal.String())
	})
	for _, k := range keys {
		kg := c.kubeAcc[k]
		var rules []KubeRule
		if (kg.allow[access.Admin] || kg.allow[access.All]) && !kg.deny[access.Admin] && !kg.deny[access.All] && len(kg.deny) == 0 {
			rules = []KubeRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}
		} else if !kg.deny[access.Admin] && !kg.deny[access.All] {
			var verbs []string
			denied := map[string]bool{}
			for a := range kg.deny {
				for _, v := range KubeVerbs[a] {
					denied[v] = true
				}
			}
			for _, a := range slices.Sorted(maps.Keys(KubeVerbs)) {
				if kg.allow[a] || kg.allow[access.Admin] || kg.allow[access.All] {
					for _, v := range KubeVerbs[a] {
						if !denied[v] {
							verbs = mergeSorted(verbs, v)
						}
					}
				}
			}
			if len(verbs) > 0 {
				for _, r := range KubeResources {
					rules = append(rules, KubeRule{APIGroups: r.APIGroups, Resources: r.Resources, Verbs: verbs})
				}
			}
		}
		if len(rules) == 0 {
			continue
		}
		name := "indigo-" + strings.ReplaceAll(string(k.principal.Kind)+"-"+k.principal.Name, "_", "-")
		labels := map[string]string{"app.kubernetes.io/managed-by": "indigo"}
		meta := KubeMeta{Name: kubeName(name), Namespace: k.namespace, Labels: labels}
		out := c.out.site(k.site)
		out.Kubernetes = append(out.Kubernetes,
			KubeObject{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role", Metadata: meta, Rules: rules},
			KubeObject{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding", Metadata: meta,
				RoleRef: &KubeRoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: meta.Name}, Subjects: kg.subjects})
	}
}

// kubeName makes a DNS-1123 subdomain of s: lower case, [a-z0-9.-].
func kubeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-.")
	if len(out) > 253 {
		out = out[:253]
	}
	return out
}
