package eval

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"weak"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/indigo-cloud/indigo/lang/config"
)

// BodyTraversals returns every traversal made by the expressions of body,
// including nested and dynamic blocks, without needing a schema. Names that
// a dynamic block's iterator declares are dropped.
func BodyTraversals(body hcl.Body) []hcl.Traversal {
	if body == nil {
		return nil
	}
	syn, ok := body.(*hclsyntax.Body)
	if !ok {
		attrs, _ := body.JustAttributes()
		var out []hcl.Traversal
		for _, name := range sortedAttrNames(attrs) {
			out = append(out, variables(attrs[name].Expr)...)
		}
		return out
	}
	key := weak.Make(syn)
	if v, ok := bodyTraversals.Load(key); ok {
		return v.([]hcl.Traversal)
	}
	travs := synBodyTraversals(syn, nil)
	travs = travs[:len(travs):len(travs)]
	if _, loaded := bodyTraversals.LoadOrStore(key, travs); !loaded {
		runtime.AddCleanup(syn, func(k weak.Pointer[hclsyntax.Body]) { bodyTraversals.Delete(k) }, key)
	}
	return travs
}

// bodyTraversals remembers BodyTraversals per body, for as long as the body
// lives.
var bodyTraversals sync.Map // weak.Pointer[hclsyntax.Body] -> []hcl.Traversal

func synBodyTraversals(b *hclsyntax.Body, hidden map[string]bool) []hcl.Traversal {
	var out []hcl.Traversal
	keep := func(travs []hcl.Traversal) {
		for _, t := range travs {
			if !hidden[t.RootName()] {
				out = append(out, t)
			}
		}
	}
	attrs, blocks := bodyItems(b)
	for _, name := range sortedAttrNames(attrs) {
		keep(variables(attrs[name].Expr))
	}
	for _, blk := range blocks {
		syn, ok := blk.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		if blk.Type != "dynamic" || len(blk.Labels) != 1 {
			keep(synBodyTraversals(syn, hidden))
			continue
		}
		iter := blk.Labels[0]
		if a, ok := syn.Attributes["iterator"]; ok {
			if trav, d := hcl.AbsTraversalForExpr(a.Expr); !d.HasErrors() && len(trav) == 1 {
				iter = trav.RootName()
			}
		}
		if a, ok := syn.Attributes["for_each"]; ok {
			keep(hclsyntax.Variables(a.Expr))
		}
		inner := map[string]bool{iter: true}
		for k := range hidden {
			inner[k] = true
		}
		if a, ok := syn.Attributes["labels"]; ok {
			for _, t := range hclsyntax.Variables(a.Expr) {
				if !inner[t.RootName()] {
					out = append(out, t)
				}
			}
		}
		for _, cb := range syn.Blocks {
			if cb.Type == "content" {
				out = append(out, synBodyTraversals(cb.Body, inner)...)
			}
		}
	}
	return out
}

// Graph is the static reference graph of one module: for each object, by
// its address as written (var.a, local.b, aws_instance.c, module.d.out,
// output.e, deployment.f, ...), the objects of the same module it refers to.
// A module call is split into one node per argument (module.NAME.in.ARG) and
// one per output (module.NAME.OUT), and an output depends only on the
// arguments that the called module's output really uses, so two module calls
// that feed each other different values are not a cycle.
type Graph struct {
	Deps   map[string][]string
	Ranges map[string]hcl.Range
}

// graphBuilder memoizes, per module, its graph and which variables each
// output uses.
type graphBuilder struct {
	graphs     map[*config.Config]*Graph
	outputVars map[*config.Config]map[string][]string
}

func newGraphBuilder() *graphBuilder {
	return &graphBuilder{graphs: map[*config.Config]*Graph{}, outputVars: map[*config.Config]map[string][]string{}}
}

// ModuleGraph returns the static reference graph of module c.
func ModuleGraph(c *config.Config) *Graph {
	return newGraphBuilder().graph(c)
}

func (b *graphBuilder) graph(c *config.Config) *Graph {
	if g, ok := b.graphs[c]; ok {
		return g
	}
	g := b.build(c)
	b.graphs[c] = g
	return g
}

func (b *graphBuilder) build(c *config.Config) *Graph {
	m := c.Module
	g := &Graph{Deps: map[string][]string{}, Ranges: map[string]hcl.Range{}}
	edges := func(key string, travs []hcl.Traversal) {
		// Most objects refer to a few others: the map of those already
		// listed is made only for many.
		deps := g.Deps[key]
		var seen map[string]bool
		for _, t := range travs {
			ref, d := config.ParseRef(t)
			if d.HasErrors() || ref == nil {
				continue
			}
			target := refKey(ref.Subject)
			if target == "" {
				continue
			}
			if seen == nil && len(deps) >= 16 {
				seen = make(map[string]bool, 2*len(deps))
				for _, d := range deps {
					seen[d] = true
				}
			}
			if seen != nil && seen[target] || seen == nil && slices.Contains(deps, target) {
				continue
			}
			if seen != nil {
				seen[target] = true
			}
			deps = append(deps, target)
		}
		if len(deps) > 0 {
			g.Deps[key] = deps
		}
	}
	add := func(key string, rng hcl.Range, travs []hcl.Traversal, depends []hcl.Traversal) {
		g.Ranges[key] = rng
		if _, ok := g.Deps[key]; !ok {
			g.Deps[key] = nil
		}
		edges(key, append(travs, depends...))
	}
	for name, v := range m.Variables {
		add("var."+name, v.DeclRange, nil, nil)
	}
	for name, l := range m.Locals {
		add("local."+name, l.DeclRange, variables(l.Expr), nil)
	}
	for name, o := range m.Outputs {
		var travs []hcl.Traversal
		if o.Expr != nil {
			travs = variables(o.Expr)
		}
		add("output."+name, o.DeclRange, travs, o.DependsOn)
	}
	for name, mc := range m.ModuleCalls {
		var meta []hcl.Traversal
		for _, e := range []hcl.Expression{mc.Count, mc.ForEach} {
			if e != nil {
				meta = append(meta, variables(e)...)
			}
		}
		meta = append(meta, mc.DependsOn...)
		attrs, _ := mc.Config.JustAttributes()
		var ins []string
		for arg, a := range attrs {
			key := "module." + name + ".in." + arg
			add(key, a.Range, append(variables(a.Expr), meta...), nil)
			ins = append(ins, key)
		}
		sort.Strings(ins)
		child := c.Children[config.Step{Kind: config.ModuleStep, Name: name}]
		var outs []string
		if child != nil {
			used := b.usedVariables(child)
			for out := range child.Module.Outputs {
				key := "module." + name + "." + out
				g.Ranges[key] = mc.DeclRange
				for _, v := range used[out] {
					if _, ok := attrs[v]; ok {
						g.Deps[key] = append(g.Deps[key], "module."+name+".in."+v)
					}
				}
				if g.Deps[key] == nil {
					g.Deps[key] = []string{}
				}
				outs = append(outs, key)
			}
		}
		// The whole module object, and outputs of a module that did not
		// load, depend on every argument.
		whole := "module." + name
		g.Ranges[whole] = mc.DeclRange
		g.Deps[whole] = append(append([]string{}, ins...), outs...)
		if child == nil {
			g.Deps[whole] = ins
		}
	}
	for _, r := range m.SortedResources() {
		travs := BodyTraversals(r.Config)
		for _, e := range []hcl.Expression{r.Count, r.ForEach} {
			if e != nil {
				travs = append(travs, variables(e)...)
			}
		}
		for _, rule := range r.Preconditions {
			travs = append(travs, variables(rule.Condition)...)
		}
		if r.Managed != nil {
			for _, e := range r.Managed.ReplaceTriggeredBy {
				travs = append(travs, variables(e)...)
			}
		}
		add(r.Addr().String(), r.DeclRange, travs, r.DependsOn)
	}
	for name, d := range m.Deployments {
		var travs []hcl.Traversal
		if d.Inputs != nil {
			travs = variables(d.Inputs)
		}
		add("deployment."+name, d.DeclRange, travs, d.DependsOn)
	}
	for name, s := range m.Storages {
		add("storage."+name, s.DeclRange, nil, s.DependsOn)
	}
	for name, comp := range m.Components {
		var travs []hcl.Traversal
		for _, pn := range slices.Sorted(maps.Keys(comp.Properties)) {
			travs = append(travs, variables(comp.Properties[pn])...)
		}
		add("component."+name, comp.DeclRange, travs, comp.DependsOn)
		for _, req := range comp.Requirements {
			g.Deps["component."+name] = append(g.Deps["component."+name], "component."+req.Target)
		}
	}
	return g
}

// usedVariables returns, for each output of module c, the variables of c
// its value depends on, directly or through locals, resources and nested
// module calls.
func (b *graphBuilder) usedVariables(c *config.Config) map[string][]string {
	if got, ok := b.outputVars[c]; ok {
		return got
	}
	b.outputVars[c] = map[string][]string{} // breaks recursion on a module that calls itself
	g := b.graph(c)
	out := map[string][]string{}
	for name := range c.Module.Outputs {
		seen := map[string]bool{}
		var vars []string
		var walk func(string)
		walk = func(n string) {
			if seen[n] {
				return
			}
			seen[n] = true
			if strings.HasPrefix(n, "var.") {
				vars = append(vars, strings.TrimPrefix(n, "var."))
				return
			}
			for _, d := range g.Deps[n] {
				walk(d)
			}
		}
		walk("output." + name)
		sort.Strings(vars)
		out[name] = vars
	}
	b.outputVars[c] = out
	return out
}

func refKey(r config.Referenceable) string {
	switch s := r.(type) {
	case config.VariableRef:
		return s.String()
	case config.LocalRef:
		return s.String()
	case config.ResourceRef:
		return s.Resource.String()
	case config.ModuleCallRef:
		if s.Output != "" {
			return "module." + s.Name + "." + s.Output
		}
		return "module." + s.Name
	case config.ObjectRef:
		if s.Kind == config.DeploymentKind || s.Kind == config.StorageKind || s.Kind == config.ComponentKind {
			return s.String()
		}
	}
	return ""
}

// Cycles reports every dependency cycle among the objects of each module of
// cfg: objects that refer to each other so that none can be evaluated first.
func Cycles(cfg *config.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	b := newGraphBuilder()
	cfg.Walk(func(c *config.Config) {
		g := b.graph(c)
		deps, ranges := g.Deps, g.Ranges
		for _, scc := range stronglyConnected(deps) {
			if len(scc) == 1 {
				self := false
				for _, d := range deps[scc[0]] {
					if d == scc[0] {
						self = true
					}
				}
				if !self {
					continue
				}
			}
			sort.Strings(scc)
			rng := ranges[scc[0]]
			where := ""
			if !c.Path.IsRoot() {
				where = " in " + c.Path.String()
			}
			var lines []string
			for _, n := range scc {
				lines = append(lines, fmt.Sprintf("  %s (%s)", n, ranges[n]))
			}
			detail := fmt.Sprintf("These objects%s refer to each other, so none of them can be evaluated first:\n%s\nBreak the cycle: one of them must not depend on the others.", where, strings.Join(lines, "\n"))
			if len(scc) == 1 {
				detail = fmt.Sprintf("%s%s refers to itself. An object cannot use its own value.", scc[0], where)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Dependency cycle", Detail: detail, Subject: rng.Ptr()})
		}
	})
	return diags
}

// stronglyConnected returns the strongly connected components of the graph
// (Tarjan's algorithm), each listing its nodes. Only nodes that appear as
// keys are considered; edges to unknown nodes are ignored.
func stronglyConnected(g map[string][]string) [][]string {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var out [][]string
	next := 0
	nodes := make([]string, 0, len(g))
	for n := range g {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	var visit func(string)
	visit = func(n string) {
		index[n], low[n] = next, next
		next++
		stack = append(stack, n)
		onStack[n] = true
		for _, m := range g[n] {
			if _, known := g[m]; !known {
				continue
			}
			if _, seen := index[m]; !seen {
				visit(m)
				if low[m] < low[n] {
					low[n] = low[m]
				}
			} else if onStack[m] && index[m] < low[n] {
				low[n] = index[m]
			}
		}
		if low[n] == index[n] {
			var comp []string
			for {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[top] = false
				comp = append(comp, top)
				if top == n {
					break
				}
			}
			out = append(out, comp)
		}
	}
	for _, n := range nodes {
		if _, seen := index[n]; !seen {
			visit(n)
		}
	}
	return out
}
