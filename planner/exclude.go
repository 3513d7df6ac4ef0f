package planner

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// applyExcludes is -exclude, the opposite of -target: the excluded
// resources and modules, and every node that depends on them, do nothing.
// A destroy keeps what the excluded objects depend on as well, since they
// still need it.
func (r *run) applyExcludes(b *graphBuilder) hcl.Diagnostics {
	var diags hcl.Diagnostics
	skip := map[string]bool{}
	for _, t := range r.opts.Excludes {
		found := false
		if a, d := config.ParseInstanceAddr(t); !d.HasErrors() {
			for _, key := range []string{keyResource(a.Module.Static(), a.Resource), keyDestroy(a.Module.Static(), a.Resource)} {
				if _, ok := b.g.nodes[key]; ok {
					skip[key] = true
					found = true
				}
			}
		} else if mod, ok := parseModuleTarget(t); ok {
			if _, ok := b.g.nodes[keyClose(mod)]; ok {
				skip[keyClose(mod)] = true
				found = true
				for k := range b.g.nodes {
					if isResourceKey(k) && namedBy(b, k, []string{t}) {
						skip[k] = true
					}
				}
			}
		}
		if !found {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid exclude", Detail: fmt.Sprintf("-exclude=%s names no resource, data source, module, deployment or storage of the configuration; check the address with indigo state list or the configuration.", t)})
		}
	}
	if diags.HasErrors() {
		return diags
	}
	if r.opts.Mode == plan.DestroyMode {
		// Keep the excluded objects and everything they depend on.
		var keep func(string)
		keep = func(k string) {
			for _, dep := range b.resourceDeps[k] {
				dk := keyResource(dep.Module.Static(), dep.Resource)
				if !skip[dk] {
					skip[dk] = true
					keep(dk)
				}
			}
		}
		for k := range skip {
			if isResourceKey(k) {
				keep(k)
			}
		}
		for k, n := range b.g.nodes {
			if isResourceKey(k) && skip[k] {
				n.run = nil
			}
		}
	} else {
		// Skip the excluded objects and everything that depends on them.
		users := map[string][]string{}
		for k, n := range b.g.nodes {
			for dep := range n.deps {
				users[dep] = append(users[dep], k)
			}
		}
		var spread func(string)
		spread = func(k string) {
			for _, u := range users[k] {
				if !skip[u] {
					skip[u] = true
					spread(u)
				}
			}
		}
		for k := range skip {
			spread(k)
		}
		for k, n := range b.g.nodes {
			if skip[k] {
				n.run = nil
			}
		}
	}
	diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Resource exclusion is in effect", Detail: "The plan leaves out the excluded objects and what depends on them; the rest of the configuration may not match what exists. Use -exclude for exceptional cases, then run a full plan."})
	return diags
}
