package planner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/load"
	"github.com/indigo-cloud/indigo/state"
)

// BenchmarkBuildGraph10k builds the plan graph of 10,000 resources, each
// referring to the previous one. No provider is started: building the
// graph needs only the configuration.
func BenchmarkBuildGraph10k(b *testing.B) {
	dir := b.TempDir()
	var sb strings.Builder
	sb.WriteString("resource \"indigo_noop\" \"r0\" {\n  input = \"r0\"\n}\n")
	for i := 1; i < 10000; i++ {
		fmt.Fprintf(&sb, "resource \"indigo_noop\" \"r%d\" {\n  input = indigo_noop.r%d.output\n}\n", i, i-1)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	res, diags := load.Path(dir, load.Options{})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := newRun(res.Config, state.New(), nil, Options{})
		g, d := r.buildGraph(planMaker{r})
		if d.HasErrors() || len(g.nodes) < 10000 {
			b.Fatalf("%d nodes: %s", len(g.nodes), d.Error())
		}
	}
}

// BenchmarkWalk measures the walk itself: 10,000 nodes that do nothing,
// in a chain and all independent.
func BenchmarkWalk(b *testing.B) {
	for _, shape := range []string{"chain", "independent"} {
		b.Run(shape, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				g := newDAG()
				g.limit = 12
				nop := func(context.Context) hcl.Diagnostics { return nil }
				for j := 0; j < 10000; j++ {
					g.add(fmt.Sprint("n", j), hcl.Range{}, nop)
					if shape == "chain" && j > 0 {
						g.dependOn(fmt.Sprint("n", j), fmt.Sprint("n", j-1))
					}
				}
				b.StartTimer()
				if d := g.walk(context.Background()); d.HasErrors() {
					b.Fatal(d.Error())
				}
			}
		})
	}
}
