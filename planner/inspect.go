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

// GraphOptions say which graph Graph draws, as terraform graph -type does.
type GraphOptions struct {
	// Type is "" for the resources and how they depend on each other (what
	// Terraform 1.7 and later draw by default), "plan" or
	// "plan-refresh-only" for every node the plan walks (variables,
	// locals, outputs, provider configurations, resources, modules),
	// "plan-destroy" for the order a destroy deletes resources in, and
	// "apply" for the changes of Plan in the order apply makes them.
	Type string
	// Plan is the saved plan an apply graph is drawn for.
	Plan *plan.Plan
}

// GraphTypes are the values GraphOptions.Type takes.
var GraphTypes = []string{"plan", "plan-refresh-only", "plan-destroy", "apply"}

// Graph returns a graph of the configuration in Graphviz DOT form, with an
// edge from each node to what it waits for: see GraphOptions.
func Graph(ctx context.Context, cfg *config.Config, prior *state.State, opts GraphOptions) (string, hcl.Diagnostics) {
	if prior == nil {
		prior = state.New()
	}
	r := newRun(cloneTree(cfg), prior, nil, Options{})
	var g *dag
	var diags hcl.Diagnostics
	// visible says which nodes are drawn, and how each is labelled; the
	// edges look through the others.
	var visible func(k string) (string, bool)
	switch opts.Type {
	case "":
		g, diags = r.buildGraph(planMaker{r})
		visible = func(k string) (string, bool) { return displayKey(k), isResourceKey(k) }
	case "plan", "plan-refresh-only":
		g, diags = r.buildGraph(planMaker{r})
		visible = func(k string) (string, bool) {
			return displayKey(k), !strings.HasPrefix(k, "expand ") && !strings.HasPrefix(k, "close ")
		}
	case "plan-destroy":
		g, diags = r.buildGraph(planMaker{r})
		if diags.HasErrors() {
			return "", diags
		}
		g = destroyOrder(g)
		visible = func(k string) (string, bool) { return "destroy " + displayKey(k), isResourceKey(k) }
	case "apply":
		if opts.Plan == nil {
			return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No plan to draw", Detail: "An apply graph is drawn for a saved plan: give it with -plan=FILE (indigo plan -out=FILE makes one)."}}
		}
		var changed map[string]string
		g, changed, diags = r.applyGraph(ctx, opts.Plan)
		visible = func(k string) (string, bool) {
			label, ok := changed[k]
			return label, ok
		}
	default:
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown graph type", Detail: fmt.Sprintf("-type is one of %s; %q is not.", strings.Join(GraphTypes, ", "), opts.Type)}}
	}
	if diags.HasErrors() {
		return "", diags
	}
	var b strings.Builder
	b.WriteString("digraph indigo {\n  compound = \"true\"\n  newrank = \"true\"\n  rankdir = \"RL\"\n")
	var keys []string
	for k := range g.nodes {
		if _, ok := visible(k); ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	label := func(k string) string { l, _ := visible(k); return l }
	for _, k := range keys {
		shape := "box"
		if strings.HasPrefix(k, "provider ") {
			shape = "diamond"
		} else if !isResourceKey(k) && !strings.HasPrefix(k, "destroy ") {
			shape = "note"
		}
		fmt.Fprintf(&b, "  %q [label = %q, shape = %q]\n", label(k), label(k), shape)
	}
	for _, k := range keys {
		for _, d := range visibleDeps(g, k, visible) {
			fmt.Fprintf(&b, "  %q -> %q\n", label(k), label(d))
		}
	}
	b.WriteString("}\n")
	return b.String(), diags
}

// destroyOrder returns the graph of resources a destroy walks: each
// resource waits for the resources that depend on it (directly or through
// other nodes) to be deleted first.
func destroyOrder(g *dag) *dag {
	out := newDAG()
	for k := range g.nodes {
		if isResourceKey(k) {
			out.add(k, hcl.Range{}, nil)
		}
	}
	isRes := func(k string) (string, bool) { return k, isResourceKey(k) }
	for k := range out.nodes {
		for _, d := range visibleDeps(g, k, isRes) {
			out.dependOn(d, k)
		}
	}
	return out
}

// applyGraph builds the graph an apply of p walks, as applyPlan does, and
// labels the nodes of p's changes with what they do.
func (r *run) applyGraph(ctx context.Context, p *plan.Plan) (*dag, map[string]string, hcl.Diagnostics) {
	ar := &applyRun{p: p, opCtx: ctx, byResource: map[string][]*plan.ResourceChange{}, deposed: map[config.InstanceAddr]string{}, failed: map[config.ObjectAddr]failure{}}
	r.applying = ar
	r.opts.Mode = p.Mode
	r.opts.Vars = p.Variables
	r.fixed = map[config.ObjectAddr]*plan.Placement{}
	for _, pl := range p.Placements {
		r.fixed[pl.Addr] = pl
	}
	r.prev = map[config.InstanceAddr]config.InstanceAddr{}
	r.imports = newImportSet()
	changed := map[string]string{}
	for _, ch := range p.Changes {
		if ch.Action == plan.NoOp || ch.Action == plan.Read {
			continue
		}
		k := keyResource(ch.Addr.Module.Static(), ch.Addr.Resource)
		ar.byResource[k] = append(ar.byResource[k], ch)
		name := strings.TrimPrefix(k, "resource ")
		switch ch.Action {
		case plan.Delete:
			changed["destroy "+name] = "destroy " + displayKey(k)
		case plan.CreateThenDelete, plan.DeleteThenCreate:
			changed[k] = "replace " + displayKey(k)
			changed["destroy "+name] = "destroy " + displayKey(k) + " (old)"
		default:
			changed[k] = ch.Action.String() + " " + displayKey(k)
		}
	}
	diags := r.place(ctx)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	g, d := r.buildGraph(applyMaker{planMaker{r}})
	if diags = append(diags, d...); d.HasErrors() {
		return nil, nil, diags
	}
	diags = append(diags, r.wireDestroyEdges(g)...)
	return g, changed, diags
}

// visibleDeps returns the visible nodes k depends on, looking through the
// others.
func visibleDeps(g *dag, k string, visible func(string) (string, bool)) []string {
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
			if _, ok := visible(d); !ok {
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
	v, private, identity, d := r.importObject(ctx, addr, importTarget{id: id}, inst, schema)
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}
	key := keyResource(addr.Module.Static(), addr.Resource)
	ch := &plan.ResourceChange{Addr: addr, Provider: prov, Site: r.siteOf(c, res), Dependencies: r.deps[key], CreateBeforeDestroy: r.cbd[key]}
	if err := rec.SetObject(ctx, addr, "", prov, withIdentity(r.stateObject(v, private, schema, ch, nil), identity, schema)); err != nil {
		diags = append(diags, journalDiag(addr, err))
	}
	return diags
}
