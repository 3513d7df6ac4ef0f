package planner_test

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// An output whose value is null is not recorded, as Terraform does not
// record one, and the next plan has nothing to do for it; one that becomes
// null is planned as a change and then dropped from the state.
func TestNullOutputNotRecorded(t *testing.T) {
	e := newEnv(t, map[string]string{"main.tf": `
variable "v" {
  type    = string
  default = null
}

output "n" {
  value = null
}

output "o" {
  value = var.v
}
`})
	if d := e.apply(e.plan(planner.Options{})); d.HasErrors() {
		t.Fatalf("apply: %s", diagText(d))
	}
	if outs := e.state().Outputs; len(outs) != 0 {
		t.Fatalf("the state records null outputs: %v", outs)
	}
	p := e.plan(planner.Options{})
	for _, oc := range p.Outputs {
		if oc.Action != plan.NoOp {
			t.Errorf("output %s: action %v after apply, want no-op", oc.Name, oc.Action)
		}
	}
	if p.Applyable {
		t.Errorf("a plan after apply has something to do: %+v", p.Outputs)
	}
	p = e.plan(planner.Options{Vars: map[string]cty.Value{"v": cty.StringVal("x")}})
	if d := e.apply(p); d.HasErrors() {
		t.Fatalf("apply with v: %s", diagText(d))
	}
	if e.state().Outputs["o"] == nil {
		t.Fatal("output o with a value is not recorded")
	}
	p = e.plan(planner.Options{})
	var found *plan.OutputChange
	for _, oc := range p.Outputs {
		if oc.Name == "o" {
			found = oc
		}
	}
	if found == nil || found.Action != plan.Update {
		t.Errorf("output o becoming null: %+v, want an update", found)
	}
	if d := e.apply(p); d.HasErrors() {
		t.Fatalf("apply without v: %s", diagText(d))
	}
	if o := e.state().Outputs["o"]; o != nil {
		t.Errorf("output o, null now, is still recorded: %s", o.Value)
	}
}
