package planner

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// TestWalkInterrupted: after an interrupt, the steps that never started
// give one error between them, and the errors of the steps that ran are
// kept as they are.
func TestWalkInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	d := newDAG()
	d.limit = 1 // "first" runs alone, before the others
	d.add("first", hcl.Range{}, func(context.Context) hcl.Diagnostics {
		cancel() // Ctrl-C while the first step runs
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "first failed"}}
	})
	for i := 0; i < 5; i++ {
		d.add(fmt.Sprintf("later%d", i), hcl.Range{}, func(context.Context) hcl.Diagnostics { return nil })
	}
	diags := d.walk(ctx)
	var summaries []string
	for _, dg := range diags {
		summaries = append(summaries, dg.Summary+": "+dg.Detail)
	}
	got := strings.Join(summaries, "\n")
	if len(diags) != 2 || diags[0].Summary != "first failed" || diags[1].Summary != interruptedSummary || !strings.Contains(diags[1].Detail, "5 steps did not start") {
		t.Fatalf("got:\n%s", got)
	}
}

// TestResourceWaitsOnResource: the speculative pass runs only when a
// resource waits for another, directly or through other nodes.
func TestResourceWaitsOnResource(t *testing.T) {
	build := func(edges [][2]string) *dag {
		d := newDAG()
		for _, e := range edges {
			for _, k := range e {
				d.add(k, hcl.Range{}, nil)
			}
			if e[1] != "" {
				d.dependOn(e[0], e[1])
			}
		}
		return d
	}
	for _, tc := range []struct {
		name  string
		edges [][2]string // node, what it depends on
		want  bool
	}{
		{"independent", [][2]string{{"resource |a.x", "provider a"}, {"resource |a.y", "provider a"}, {"output o", "resource |a.x"}}, false},
		{"direct", [][2]string{{"resource |a.x", "provider a"}, {"resource |a.y", "resource |a.x"}}, true},
		{"through a local", [][2]string{{"resource |a.x", "provider a"}, {"local l", "resource |a.x"}, {"resource |a.y", "local l"}}, true},
		{"locals only", [][2]string{{"local l", "local m"}, {"resource |a.y", "local l"}, {"local m", "var v"}}, false},
		{"cycle without resources", [][2]string{{"local l", "local m"}, {"local m", "local l"}, {"resource |a.y", "local l"}}, false},
	} {
		if got := resourceWaitsOnResource(build(tc.edges)); got != tc.want {
			t.Errorf("%s: resourceWaitsOnResource = %v, want %v", tc.name, got, tc.want)
		}
	}
}
