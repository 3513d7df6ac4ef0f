package mockprovider

import (
	"context"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

func start(t *testing.T, m *Mock, name string) *Provider {
	t.Helper()
	ctx := context.Background()
	p, err := m.Start(ctx, config.Provider{Type: "mock"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(name)})
	if d := p.ConfigureProvider(ctx, plugin.ConfigureRequest{Config: cfg}); d.HasErrors() {
		t.Fatal(d)
	}
	return p
}

func newVMs() *Mock {
	return New(map[string]map[string]Attr{
		"mock_vm": {
			"size":    {Type: cty.String, Required: true},
			"address": {Type: cty.String, Computed: true},
		},
	})
}

// create plans and applies a new mock_vm of the given size.
func create(t *testing.T, p *Provider, size string) plugin.ApplyResponse {
	t.Helper()
	ctx := context.Background()
	b := p.mock.schema.Resources["mock_vm"].Block
	cfg := cty.ObjectVal(map[string]cty.Value{
		"size":    cty.StringVal(size),
		"address": cty.NullVal(cty.String),
		"id":      cty.NullVal(cty.String),
	})
	prior := cty.NullVal(b.ImpliedType())
	plan := p.PlanResourceChange(ctx, plugin.PlanRequest{Addr: "mock_vm.a", TypeName: "mock_vm", PriorState: prior, ProposedNewState: cfg, Config: cfg})
	if plan.Diagnostics.HasErrors() {
		t.Fatal(plan.Diagnostics)
	}
	if plan.PlannedState.GetAttr("id").IsKnown() || plan.PlannedState.GetAttr("address").IsKnown() {
		t.Errorf("computed attributes are known in the plan: %#v", plan.PlannedState)
	}
	if got := plan.PlannedState.GetAttr("size"); !got.RawEquals(cty.StringVal(size)) {
		t.Errorf("planned size %#v, configured %q", got, size)
	}
	return p.ApplyResourceChange(ctx, plugin.ApplyRequest{Addr: "mock_vm.a", TypeName: "mock_vm", PriorState: prior, PlannedState: plan.PlannedState, Config: cfg})
}

func TestCreateReadDelete(t *testing.T) {
	m := newVMs()
	p := start(t, m, "alpha")
	ctx := context.Background()
	resp := create(t, p, "small")
	if resp.Diagnostics.HasErrors() {
		t.Fatal(resp.Diagnostics)
	}
	if !resp.NewState.IsWhollyKnown() {
		t.Fatalf("applied state has unknowns: %#v", resp.NewState)
	}
	id := resp.NewState.GetAttr("id").AsString()
	if objs := m.Objects("alpha"); len(objs) != 1 || objs[0].ID != id {
		t.Fatalf("alpha holds %+v, want %s", objs, id)
	}
	if objs := m.Objects("beta"); len(objs) != 0 {
		t.Errorf("beta holds %+v", objs)
	}
	read := p.ReadResource(ctx, plugin.ReadRequest{TypeName: "mock_vm", PriorState: resp.NewState})
	if !read.NewState.RawEquals(resp.NewState) {
		t.Errorf("read %#v, created %#v", read.NewState, resp.NewState)
	}
	// A provider of another site does not see it.
	other := start(t, m, "beta")
	if read := other.ReadResource(ctx, plugin.ReadRequest{TypeName: "mock_vm", PriorState: resp.NewState}); !read.NewState.IsNull() {
		t.Errorf("beta reads alpha's object: %#v", read.NewState)
	}
	null := cty.NullVal(resp.NewState.Type())
	del := p.ApplyResourceChange(ctx, plugin.ApplyRequest{TypeName: "mock_vm", PriorState: resp.NewState, PlannedState: null})
	if del.Diagnostics.HasErrors() || !del.NewState.IsNull() {
		t.Fatalf("delete: %#v %v", del.NewState, del.Diagnostics)
	}
	if objs := m.Objects(""); len(objs) != 0 {
		t.Errorf("left after delete: %+v", objs)
	}
	want := "alpha create mock_vm, alpha delete mock_vm"
	if got := strings.Join(m.Applies(), ", "); got != want {
		t.Errorf("applies %q, want %q", got, want)
	}
}

func TestFailCreate(t *testing.T) {
	m := newVMs()
	m.FailCreate("alpha", "mock_vm", Failure{Message: "no quota"})
	m.FailCreate("beta", "mock_vm", Failure{Message: "unhealthy", Partial: true})
	alpha, beta, gamma := start(t, m, "alpha"), start(t, m, "beta"), start(t, m, "gamma")

	resp := create(t, alpha, "small")
	if !resp.Diagnostics.HasErrors() || resp.Diagnostics[0].Summary != "no quota" || !resp.NewState.IsNull() {
		t.Errorf("alpha: %#v %v; want a null state and the error", resp.NewState, resp.Diagnostics)
	}
	resp = create(t, beta, "small")
	if !resp.Diagnostics.HasErrors() || resp.NewState.IsNull() {
		t.Errorf("beta: %#v %v; want the half-created object and the error", resp.NewState, resp.Diagnostics)
	}
	if resp = create(t, gamma, "small"); resp.Diagnostics.HasErrors() {
		t.Errorf("gamma: %v", resp.Diagnostics)
	}
	var got []string
	for _, o := range m.Objects("") {
		got = append(got, o.Name)
	}
	if strings.Join(got, " ") != "beta gamma" {
		t.Errorf("objects on %q, want on beta (partial) and gamma", got)
	}
	m.ClearFailures()
	if resp = create(t, alpha, "small"); resp.Diagnostics.HasErrors() {
		t.Errorf("alpha after ClearFailures: %v", resp.Diagnostics)
	}
}

func TestStartOtherType(t *testing.T) {
	if _, err := newVMs().Start(context.Background(), config.Provider{Type: "aws"}); err == nil {
		t.Error("a mock started as provider aws")
	}
}

func TestRunning(t *testing.T) {
	m := newVMs()
	p := start(t, m, "alpha")
	if m.Running() != 1 {
		t.Fatalf("Running() = %d after Start", m.Running())
	}
	p.Close()
	p.Close()
	if m.Running() != 0 {
		t.Errorf("Running() = %d after Close", m.Running())
	}
}
