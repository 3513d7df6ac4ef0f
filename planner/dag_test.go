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
