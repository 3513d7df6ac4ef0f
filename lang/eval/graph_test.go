package eval_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/lang/eval"
)

// TestModuleGraphEdges: each object lists every object it refers to once,
// in the order first referred to, whether it refers to a few or to many,
// and Cycles finds a cycle through an object with many references.
func TestModuleGraphEdges(t *testing.T) {
	var src strings.Builder
	var many []string
	for i := range 40 {
		fmt.Fprintf(&src, "locals { l%02d = %d }\n", i, i)
		many = append(many, fmt.Sprintf("local.l%02d", i))
	}
	// Each referred to twice, and a few through several attributes.
	fmt.Fprintf(&src, "locals { all = [%s, %s] }\n", strings.Join(many, ", "), strings.Join(many, ", "))
	src.WriteString("locals {\n  few = [local.l01, local.l00, local.l01, path.module]\n}\n")
	src.WriteString("output \"o\" {\n  value = [local.few, local.l03, local.few]\n  depends_on = [local.l03, local.all]\n}\n")
	c := loadSrc(t, src.String())
	g := eval.ModuleGraph(c)
	want := map[string][]string{
		"local.all": many,
		"local.few": {"local.l01", "local.l00"},
		"output.o":  {"local.few", "local.l03", "local.all"},
		"local.l00": nil,
	}
	for k, w := range want {
		if got := g.Deps[k]; !slices.Equal(got, w) {
			t.Errorf("%s depends on %q, want %q", k, got, w)
		}
	}
	if d := eval.Cycles(c); len(d) != 0 {
		t.Errorf("no cycle, yet: %v", d)
	}

	// l39 now refers back to all: one cycle of the two.
	cyc := strings.Replace(src.String(), "l39 = 39", "l39 = length(local.all)", 1)
	d := eval.Cycles(loadSrc(t, cyc))
	if len(d) != 1 || !strings.Contains(d[0].Detail, "local.all") || !strings.Contains(d[0].Detail, "local.l39") {
		t.Errorf("cycle through local.all: %v", d)
	}
}
