package indigo

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNoopLifecycle(t *testing.T) {
	h := newHarness(t, t.TempDir())
	input := map[string]any{"name": "galaxy", "replicas": 3, "tags": []string{"a", "b"}}
	cfg := map[string]any{"input": input, "triggers_replace": "v1"}
	p, err := h.plan("indigo_noop", tftypes.Value{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if out := get(t, p.planned, "output"); !out.Equal(get(t, p.config, "input")) {
		t.Errorf("planned output = %v, want the input (known at plan time)", out)
	}
	state, err := h.apply("indigo_noop", p)
	if err != nil {
		t.Fatal(err)
	}
	id := getString(t, state, "id")
	if !uuidPattern.MatchString(id) {
		t.Errorf("id %q is not a random UUID", id)
	}
	if out := get(t, state, "output"); !out.Equal(get(t, p.config, "input")) {
		t.Errorf("output = %v, want %v", out, get(t, p.config, "input"))
	}
	if got := h.read("indigo_noop", state); !got.Equal(state) {
		t.Errorf("Read changed the state:\n%v\n%v", got, state)
	}

	// Same config: nothing to do.
	if p, err = h.plan("indigo_noop", state, cfg); err != nil {
		t.Fatal(err)
	}
	if len(p.replace) > 0 || !p.planned.Equal(state) {
		t.Errorf("unchanged config planned a change: replace=%v", p.replace)
	}

	// New input: in place, same id, output follows (even to another type).
	cfg["input"] = "just a string"
	if p, err = h.plan("indigo_noop", state, cfg); err != nil {
		t.Fatal(err)
	}
	if len(p.replace) > 0 {
		t.Errorf("input change planned a replacement of %v", p.replace)
	}
	if state, err = h.apply("indigo_noop", p); err != nil {
		t.Fatal(err)
	}
	if got := getString(t, state, "id"); got != id {
		t.Errorf("in-place update changed the id from %s to %s", id, got)
	}
	if got := getString(t, state, "output"); got != "just a string" {
		t.Errorf("output after update = %q", got)
	}

	// New trigger: replaced, new id.
	cfg["triggers_replace"] = "v2"
	if p, err = h.plan("indigo_noop", state, cfg); err != nil {
		t.Fatal(err)
	}
	if len(p.replace) != 1 || p.replace[0] != `AttributeName("triggers_replace")` {
		t.Errorf("trigger change: replace = %v", p.replace)
	}
	if state, err = h.apply("indigo_noop", p); err != nil {
		t.Fatal(err)
	}
	if got := getString(t, state, "id"); got == id || !uuidPattern.MatchString(got) {
		t.Errorf("replacement kept id %s (or made a bad one: %s)", id, got)
	}

	// No input: output is null.
	state = h.create("indigo_noop", map[string]any{})
	if out := get(t, state, "output"); !out.IsNull() {
		t.Errorf("output without input = %v, want null", out)
	}
	if err := h.destroy("indigo_noop", state); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkNoopCreateRead is the per-resource provider cost behind indigo's
// 10,000-resource benchmarks: plan, apply and refresh of one indigo_noop
// through the protocol-6 server (msgpack in and out, as over gRPC).
func BenchmarkNoopCreateRead(b *testing.B) {
	h := newHarness(b, b.TempDir())
	t := h.typ("indigo_noop")
	cfg := toValue(t, map[string]any{"input": map[string]any{"i": 1, "name": "x"}})
	null := h.dynamic(t, tftypes.NewValue(t, nil))
	cfgDV := h.dynamic(t, cfg)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		plan, err := h.srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: "indigo_noop", PriorState: &null, ProposedNewState: &cfgDV, Config: &cfgDV,
		})
		if err != nil || len(plan.Diagnostics) > 0 {
			b.Fatal(err, plan.Diagnostics)
		}
		applied, err := h.srv.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
			TypeName: "indigo_noop", PriorState: &null, PlannedState: plan.PlannedState, Config: &cfgDV,
		})
		if err != nil || len(applied.Diagnostics) > 0 {
			b.Fatal(err, applied.Diagnostics)
		}
		read, err := h.srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "indigo_noop", CurrentState: applied.NewState})
		if err != nil || len(read.Diagnostics) > 0 || read.NewState == nil {
			b.Fatal(err, read.Diagnostics)
		}
	}
}
