package planner_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// TestNoChangeMarks: a no-change plan keeps the marks a value must carry:
// the schema's sensitive attribute always, and an attribute the
// configuration now marks sensitive even though the value, and so the
// action, is unchanged.
func TestNoChangeMarks(t *testing.T) {
	write := func(content string) *config.Config {
		return loadSource(t, "resource \"bench_file\" \"f\" {\n  filename = \"f.txt\"\n  content  = "+content+"\n}\n")
	}
	ctx := context.Background()
	provs := memProviders()
	plain := write(`"hello"`)
	rec := applied(t, plain, provs)
	for _, tc := range []struct {
		name    string
		cfg     *config.Config
		marked  []string // attributes marked sensitive in the planned value
		refresh bool
	}{
		{"plain", plain, []string{"sensitive_content"}, true},
		{"plain without refresh", plain, []string{"sensitive_content"}, false},
		{"sensitive in configuration", write(`sensitive("hello")`), []string{"content", "sensitive_content"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, diags := planner.Plan(ctx, tc.cfg, rec.st, provs, planner.Options{SkipRefresh: !tc.refresh})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if p.Changed() || len(p.Changes) != 1 {
				t.Fatalf("changed = %v, %d changes; want one no-op", p.Changed(), len(p.Changes))
			}
			after := p.Changes[0].After
			var got []string
			_, pvm := after.UnmarkDeepWithPaths()
			for _, m := range pvm {
				if _, ok := m.Marks[marks.Sensitive]; ok && len(m.Path) == 1 {
					got = append(got, m.Path[0].(cty.GetAttrStep).Name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.marked) {
				t.Errorf("sensitive attributes of the planned value = %v, want %v", got, tc.marked)
			}
			if v, _ := after.GetAttr("content").Unmark(); v.AsString() != "hello" {
				t.Errorf("planned content = %#v", v)
			}
		})
	}
}

// TestPriorUpgradeFails: a recorded object that neither decodes nor
// upgrades is an error of the plan, not an object to create again.
func TestPriorUpgradeFails(t *testing.T) {
	ctx := context.Background()
	provs := memProviders()
	cfg := loadSource(t, "resource \"bench_file\" \"f\" {\n  filename = \"f.txt\"\n}\n")
	rec := applied(t, cfg, provs)
	st := rec.st.DeepCopy()
	for abs, rs := range st.Resources {
		for key, in := range rs.Instances {
			obj := *in.Current
			obj.AttrsJSON = []byte(`{"no_such_attribute":1}`)
			st.SetResourceInstance(abs.Instance(key), rs.Provider, &obj)
		}
	}
	p, diags := planner.Plan(ctx, cfg, st, provs, planner.Options{})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "cannot upgrade") {
		t.Fatalf("diagnostics = %v, want the failed upgrade", diags)
	}
	if p != nil {
		for _, ch := range p.Changes {
			if ch.Action == plan.Create {
				t.Errorf("%s planned as a create", ch.Addr)
			}
		}
	}
}
