package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
)

// dag is a dependency graph of work items. walk runs every item once all
// the items it depends on have succeeded, independent items at the same
// time; when an item fails, the items that depend on it (directly or not)
// are skipped and everything else still runs.
type dag struct {
	nodes map[string]*dagNode
	// limit bounds the nodes running at once (0: no bound). A node that
	// waits for a provider slot still holds a goroutine and its stack;
	// ten thousand ready nodes need not all wait at once.
	limit int
}

type dagNode struct {
	key  string
	deps map[string]bool
	run  func(ctx context.Context) hcl.Diagnostics
	// rng locates the node in the configuration, for cycle reports.
	rng hcl.Range
}

func newDAG() *dag { return &dag{nodes: map[string]*dagNode{}} }

// add registers a node; adding a key twice keeps the first node and merges
// the dependencies.
func (d *dag) add(key string, rng hcl.Range, run func(context.Context) hcl.Diagnostics) *dagNode {
	if n, ok := d.nodes[key]; ok {
		return n
	}
	n := &dagNode{key: key, deps: map[string]bool{}, run: run, rng: rng}
	d.nodes[key] = n
	return n
}

// dependOn records that from waits for to. Edges to unknown nodes and
// self-edges are ignored.
func (d *dag) dependOn(from, to string) {
	if from == to {
		return
	}
	if n, ok := d.nodes[from]; ok {
		if _, exists := d.nodes[to]; exists {
			n.deps[to] = true
		}
	}
}

// reaches reports whether from depends on to, directly or not.
func (d *dag) reaches(from, to string) bool {
	seen := map[string]bool{}
	stack := []string{from}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if k == to {
			return true
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		if n := d.nodes[k]; n != nil {
			for dep := range n.deps {
				stack = append(stack, dep)
			}
		}
	}
	return false
}

// restrictTo keeps only the nodes that roots depend on (roots included)
// and, when skipResources is set, not even resource nodes among them: every
// other node stays in the graph but does nothing.
func (d *dag) restrictTo(roots []string, skipResources bool) {
	keep := map[string]bool{}
	var visit func(string)
	visit = func(k string) {
		if keep[k] {
			return
		}
		keep[k] = true
		if n := d.nodes[k]; n != nil {
			for dep := range n.deps {
				visit(dep)
			}
		}
	}
	for _, r := range roots {
		visit(r)
	}
	for k, n := range d.nodes {
		if !keep[k] || (skipResources && isResourceKey(k)) {
			n.run = nil
		}
	}
}

// cycles reports every dependency cycle, each once, listing its members.
func (d *dag) cycles() hcl.Diagnostics {
	g := make(map[string][]string, len(d.nodes))
	for k, n := range d.nodes {
		for dep := range n.deps {
			g[k] = append(g[k], dep)
		}
		if _, ok := g[k]; !ok {
			g[k] = nil
		}
	}
	var diags hcl.Diagnostics
	for _, scc := range tarjan(g) {
		if len(scc) < 2 {
			continue
		}
		sort.Strings(scc)
		var lines []string
		for _, k := range scc {
			lines = append(lines, "  "+k)
		}
		rng := d.nodes[scc[0]].rng
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Dependency cycle",
			Detail:   fmt.Sprintf("These steps depend on each other, so none can go first:\n%s\nBreak the cycle: one of them must not depend on the others.", strings.Join(lines, "\n")),
			Subject:  rng.Ptr(),
		})
	}
	return diags
}

// walk runs the graph. It returns the diagnostics of every node that ran;
// skipped nodes add nothing (their cause is reported by the node that
// failed). ctx cancellation stops starting new nodes; running ones finish.
func (d *dag) walk(ctx context.Context) hcl.Diagnostics {
	if cyc := d.cycles(); cyc.HasErrors() {
		return cyc
	}
	dependents := make(map[string][]string, len(d.nodes))
	pending := make(map[string]int, len(d.nodes))
	for k, n := range d.nodes {
		pending[k] = len(n.deps)
		for dep := range n.deps {
			dependents[dep] = append(dependents[dep], k)
		}
	}
	type result struct {
		key   string
		diags hcl.Diagnostics
	}
	results := make(chan result, len(d.nodes))
	var wg sync.WaitGroup
	failed := map[string]bool{}
	var all hcl.Diagnostics
	running := 0
	start := func(k string) {
		n := d.nodes[k]
		running++
		wg.Add(1)
		go func() {
			defer wg.Done()
			var diags hcl.Diagnostics
			if ctx.Err() != nil {
				diags = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: interruptedSummary, Detail: notStarted}}
			} else if n.run != nil {
				diags = n.run(ctx)
			}
			results <- result{key: k, diags: diags}
		}()
	}
	// Ready nodes wait in a queue until a slot is free; they start in a
	// stable order (which helps reproducible logs).
	var queue []string
	for k, c := range pending {
		if c == 0 {
			queue = append(queue, k)
		}
	}
	sort.Strings(queue)
	startReady := func() {
		for len(queue) > 0 && (d.limit <= 0 || running < d.limit) {
			k := queue[0]
			queue = queue[1:]
			if !failed[k] {
				start(k)
			}
		}
	}
	var skip func(string)
	skip = func(k string) {
		if failed[k] {
			return
		}
		failed[k] = true
		for _, dep := range dependents[k] {
			skip(dep)
		}
	}
	startReady()
	for running > 0 {
		r := <-results
		running--
		all = append(all, r.diags...)
		if r.diags.HasErrors() {
			failed[r.key] = true
			for _, dep := range dependents[r.key] {
				skip(dep)
			}
		} else {
			next := dependents[r.key]
			sort.Strings(next)
			for _, dep := range next {
				if failed[dep] {
					continue
				}
				pending[dep]--
				if pending[dep] == 0 {
					queue = append(queue, dep)
				}
			}
		}
		startReady()
	}
	wg.Wait()
	return collapseInterrupted(all)
}

// interruptedSummary is the summary of the error a step gives when the run
// was interrupted before it could start its work.
const interruptedSummary = "Interrupted"

// notStarted is the detail of that error.
const notStarted = "The run was interrupted before this step started."

// collapseInterrupted folds the errors of the steps an interrupt kept from
// starting into one: after Ctrl-C, a line per step that never ran would
// bury the errors of the operations that were running.
func collapseInterrupted(diags hcl.Diagnostics) hcl.Diagnostics {
	n := 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Summary == interruptedSummary {
			n++
		}
	}
	if n < 2 {
		return diags
	}
	out := make(hcl.Diagnostics, 0, len(diags)-n+1)
	for _, d := range diags {
		if d.Severity != hcl.DiagError || d.Summary != interruptedSummary {
			out = append(out, d)
		}
	}
	return append(out, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  interruptedSummary,
		Detail:   fmt.Sprintf("The run was interrupted: %d steps did not start. What was done is recorded; run again to carry out the rest.", n),
	})
}

// tarjan returns the strongly connected components of g.
func tarjan(g map[string][]string) [][]string {
	index := map[string]int{}
	low := map[string]int{}
	on := map[string]bool{}
	var stack []string
	var out [][]string
	next := 0
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Iterative DFS: graphs of 10,000-long chains would overflow nothing in
	// Go, but iteration keeps memory flat.
	type frame struct {
		n string
		i int
	}
	for _, root := range keys {
		if _, seen := index[root]; seen {
			continue
		}
		work := []frame{{n: root}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		on[root] = true
		for len(work) > 0 {
			f := &work[len(work)-1]
			if f.i < len(g[f.n]) {
				m := g[f.n][f.i]
				f.i++
				if _, known := g[m]; !known {
					continue
				}
				if _, seen := index[m]; !seen {
					index[m], low[m] = next, next
					next++
					stack = append(stack, m)
					on[m] = true
					work = append(work, frame{n: m})
				} else if on[m] && index[m] < low[f.n] {
					low[f.n] = index[m]
				}
				continue
			}
			n := f.n
			work = work[:len(work)-1]
			if len(work) > 0 {
				p := work[len(work)-1].n
				if low[n] < low[p] {
					low[p] = low[n]
				}
			}
			if low[n] == index[n] {
				var comp []string
				for {
					top := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					on[top] = false
					comp = append(comp, top)
					if top == n {
						break
					}
				}
				out = append(out, comp)
			}
		}
	}
	return out
}
