package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/state"
)

// Placements ranks the sites for every placed component of cfg, as Plan
// does, without planning any resource: what `indigo rank` shows.
func Placements(ctx context.Context, cfg *config.Config, prior *state.State, opts Options) ([]*plan.Placement, hcl.Diagnostics) {
	diags := eval.Validate(cfg, eval.ValidateOptions{Vars: opts.Vars, VarRanges: opts.VarRanges, Workspace: opts.Workspace, Catalogue: CatalogueUnfit})
	if diags.HasErrors() {
		return nil, diags
	}
	if prior == nil {
		prior = state.New()
	}
	r := newRun(cloneTree(cfg), prior.DeepCopy(), nil, opts)
	diags = append(diags, r.place(ctx)...)
	return r.result(true).Placements, diags
}

// Graph returns the dependency graph of the configuration in Graphviz DOT
// form: one node per variable, local, output, provider configuration,
// resource and module, and an edge from each to what it depends on.
func Graph(cfg *config.Config, prior *state.State) (string, hcl.Diagnostics) {
	if prior == nil {
		prior = state.New()
	}
	r := newRun(cloneTree(cfg), prior, nil, Options{})
	g, diags := r.buildGraph(planMaker{r})
	var b strings.Builder
	b.WriteString("digraph indigo {\n  compound = \"true\"\n  newrank = \"true\"\n  rankdir = \"RL\"\n")
	keys := make([]string, 0, len(g.nodes))
	for k := range g.nodes {
		if strings.HasPrefix(k, "expand ") || strings.HasPrefix(k, "close ") {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	label := func(k string) string { return displayKey(k) }
	for _, k := range keys {
		shape := "box"
		if strings.HasPrefix(k, "provider ") {
			shape = "diamond"
		} else if !isResourceKey(k) {
			shape = "note"
		}
		fmt.Fprintf(&b, "  %q [label = %q, shape = %q]\n", label(k), label(k), shape)
	}
	for _, k := range keys {
		deps := directDeps(g, k)
		for _, d := range deps {
			fmt.Fprintf(&b, "  %q -> %q\n", label(k), label(d))
		}
	}
	b.WriteString("}\n")
	return b.String(), diags
}

// directDeps returns the visible nodes k depends on, looking through the
// expand and close nodes of modules.
func directDeps(g *dag, k string) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(string)
	visit = func(x string) {
		n := g.nodes[x]
		if n == nil {
			return
		}
		for d := range n.deps {
			if seen[d] {
				continue
			}
			seen[d] = true
			if strings.HasPrefix(d, "expand ") || strings.HasPrefix(d, "close ") {
				visit(d)
				continue
			}
			out = append(out, d)
		}
	}
	visit(k)
	sort.Strings(out)
	return out
}

// displayKey turns a node key into the address a user reads.
func displayKey(k string) string {
	kind, rest, _ := strings.Cut(k, " ")
	path, name, found := strings.Cut(rest, "|")
	if !found {
		return rest
	}
	prefix := ""
	if path != "" {
		prefix = path + "."
	}
	switch kind {
	case "resource":
		return prefix + name
	case "var", "local", "output", "component":
		return prefix + kind + "." + name
	}
	return prefix + name
}

// ImportResource imports an existing object into the state at addr, by the
// provider's import id, without changing it: what `indigo import` does. The
// configuration must declare the resource.
func ImportResource(ctx context.Context, cfg *config.Config, addr config.InstanceAddr, id string, rec interface {
	StateRecorder
}, provs Providers, opts Options) hcl.Diagnostics {
	c := cfg.Descendant(addr.Module.Static())
	if c == nil || c.Module.Resource(addr.Resource) == nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Import into an undeclared resource",
			Detail:   fmt.Sprintf("The configuration declares no %s. Add a resource block for it first; import fills the state, the configuration describes the object.", addr.ContainingResource()),
		}}
	}
	if rec.State().ResourceInstance(addr) != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Resource already managed",
			Detail:   fmt.Sprintf("%s is already in the state. Remove it first with indigo state rm if it should track another object.", addr),
		}}
	}
	r := newRun(cloneTree(cfg), rec.State().DeepCopy(), provs, opts)
	r.prefetch.off = true
	defer r.providers.closeAll()
	diags := r.place(ctx)
	if diags.HasErrors() {
		return diags
	}
	g, d := r.buildGraph(planMaker{r})
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}
	res := r.cfg.Descendant(addr.Module.Static()).Module.Resource(addr.Resource)
	prov, kref, pd := r.providerFor(r.cfg.Descendant(addr.Module.Static()), res)
	if pd.HasErrors() {
		return append(diags, pd...)
	}
	roots := []string{keyProvider(prov)}
	if kref != nil {
		// What chooses the provider instance is evaluated too.
		roots = append(roots, keyResource(addr.Module.Static(), addr.Resource))
	}
	g.restrictTo(roots, true)
	diags = append(diags, g.walk(ctx)...)
	if diags.HasErrors() {
		return diags
	}
	inst, err := r.schemaProvider(ctx, prov)
	if err != nil {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: err.Error()})
	}
	prov, inst, pd = r.importProvider(ctx, c, res, prov, inst, addr)
	if pd.HasErrors() {
		return append(diags, pd...)
	}
	schema, ok := inst.resourceSchema(addr.Resource.Mode, addr.Resource.Type)
	if !ok {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported resource type", Detail: fmt.Sprintf("Provider %s has no %q.", prov.Provider.ForDisplay(), addr.Resource.Type)})
	}
	v, private, d := r.importObject(ctx, addr, id, inst, schema)
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}
	key := keyResource(addr.Module.Static(), addr.Resource)
	ch := &plan.ResourceChange{Addr: addr, Provider: prov, Site: r.siteOf(c, res), Dependencies: r.deps[key], CreateBeforeDestroy: r.cbd[key]}
	if err := rec.SetObject(ctx, addr, "", prov, r.stateObject(v, private, schema, ch, nil)); err != nil {
		diags = append(diags, journalDiag(addr, err))
	}
	return diags
}
