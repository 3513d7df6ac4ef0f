package indigo

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNoopLifecycle(t *testing.T) {
	t.Run("fast path", func(t *testing.T) { testNoopLifecycle(t, newHarness(t, t.TempDir())) })
	t.Run("framework", func(t *testing.T) { testNoopLifecycle(t, newFrameworkHarness(t, t.TempDir())) })
}

func testNoopLifecycle(t *testing.T, h *protoharness.Harness) {
	input := map[string]any{"name": "galaxy", "replicas": 3, "tags": []string{"a", "b"}}
	cfg := map[string]any{"input": input, "triggers_replace": "v1"}
	p, err := h.Plan("indigo_noop", tftypes.Value{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if out := protoharness.Get(t, p.Planned, "output"); !out.Equal(protoharness.Get(t, p.Config, "input")) {
		t.Errorf("planned output = %v, want the input (known at plan time)", out)
	}
	state, err := h.Apply("indigo_noop", p)
	if err != nil {
		t.Fatal(err)
	}
	id := protoharness.GetString(t, state, "id")
	if !uuidPattern.MatchString(id) {
		t.Errorf("id %q is not a random UUID", id)
	}
	if out := protoharness.Get(t, state, "output"); !out.Equal(protoharness.Get(t, p.Config, "input")) {
		t.Errorf("output = %v, want %v", out, protoharness.Get(t, p.Config, "input"))
	}
	if got := h.Read("indigo_noop", state); !got.Equal(state) {
		t.Errorf("Read changed the state:\n%v\n%v", got, state)
	}

	// Same config: nothing to do.
	if p, err = h.Plan("indigo_noop", state, cfg); err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) > 0 || !p.Planned.Equal(state) {
		t.Errorf("unchanged config planned a change: replace=%v", p.Replace)
	}

	// New input: in place, same id, output follows (even to another type).
	cfg["input"] = "just a string"
	if p, err = h.Plan("indigo_noop", state, cfg); err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) > 0 {
		t.Errorf("input change planned a replacement of %v", p.Replace)
	}
	if state, err = h.Apply("indigo_noop", p); err != nil {
		t.Fatal(err)
	}
	if got := protoharness.GetString(t, state, "id"); got != id {
		t.Errorf("in-place update changed the id from %s to %s", id, got)
	}
	if got := protoharness.GetString(t, state, "output"); got != "just a string" {
		t.Errorf("output after update = %q", got)
	}

	// New trigger: replaced, new id.
	cfg["triggers_replace"] = "v2"
	if p, err = h.Plan("indigo_noop", state, cfg); err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) != 1 || p.Replace[0] != `AttributeName("triggers_replace")` {
		t.Errorf("trigger change: replace = %v", p.Replace)
	}
	if state, err = h.Apply("indigo_noop", p); err != nil {
		t.Fatal(err)
	}
	if got := protoharness.GetString(t, state, "id"); got == id || !uuidPattern.MatchString(got) {
		t.Errorf("replacement kept id %s (or made a bad one: %s)", id, got)
	}

	// No input: output is null.
	state = h.Create("indigo_noop", map[string]any{})
	if out := protoharness.Get(t, state, "output"); !out.IsNull() {
		t.Errorf("output without input = %v, want null", out)
	}
	if err := h.Destroy("indigo_noop", state); err != nil {
		t.Fatal(err)
	}
}

func TestNoopTypeMatchesSchema(t *testing.T) {
	h := newFrameworkHarness(t, t.TempDir())
	if got := h.Type("indigo_noop"); !got.Equal(noopType) {
		t.Errorf("the schema's type %s differs from the fast path's %s", got, noopType)
	}
}

// TestNoopFastPathMatches runs the same calls through the framework's server
// and the fast path and requires the same answers (ids aside, which are
// random).
func TestNoopFastPathMatches(t *testing.T) {
	fast, fw := newHarness(t, t.TempDir()), newFrameworkHarness(t, t.TempDir())
	typ := fw.Type("indigo_noop")
	unknownInput := tftypes.NewValue(tftypes.DynamicPseudoType, tftypes.UnknownValue)
	configs := []map[string]any{
		{},
		{"input": "text"},
		{"input": map[string]any{"a": 1, "b": []string{"x", "y"}}, "triggers_replace": "t1"},
		{"input": unknownInput},
		{"triggers_replace": map[string]any{"v": 2}},
	}
	fixID := func(v tftypes.Value) tftypes.Value {
		if v.IsNull() || !protoharness.Get(t, v, "id").IsKnown() {
			return v
		}
		return protoharness.With(t, v, "id", tftypes.NewValue(tftypes.String, "fixed"))
	}
	same := func(what string, a, b protoharness.Planned) {
		t.Helper()
		if !fixID(a.Planned).Equal(fixID(b.Planned)) || strings.Join(a.Replace, ",") != strings.Join(b.Replace, ",") {
			t.Errorf("%s: fast path planned %v (replace %v), framework %v (replace %v)", what, a.Planned, a.Replace, b.Planned, b.Replace)
		}
	}
	var states []tftypes.Value
	for i, cfg := range configs {
		pf, err := fast.Plan("indigo_noop", tftypes.Value{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		pw, err := fw.Plan("indigo_noop", tftypes.Value{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		same(fmt.Sprintf("create %d", i), pf, pw)
		if !protoharness.Get(t, pf.Planned, "output").IsFullyKnown() {
			continue // cannot apply an unknown input
		}
		sf, err := fast.Apply("indigo_noop", pf)
		if err != nil {
			t.Fatal(err)
		}
		sw, err := fw.Apply("indigo_noop", pw)
		if err != nil {
			t.Fatal(err)
		}
		if !fixID(sf).Equal(fixID(sw)) || !uuidPattern.MatchString(protoharness.GetString(t, sf, "id")) {
			t.Errorf("apply %d: fast path stored %v, framework %v", i, sf, sw)
		}
		states = append(states, protoharness.With(t, sf, "id", tftypes.NewValue(tftypes.String, fmt.Sprintf("id-%d", i))))
	}
	// Every state against every configuration: updates, replacements, no-ops.
	for i, state := range states {
		for j, cfg := range configs {
			pf, err := fast.Plan("indigo_noop", state, cfg)
			if err != nil {
				t.Fatal(err)
			}
			pw, err := fw.Plan("indigo_noop", state, cfg)
			if err != nil {
				t.Fatal(err)
			}
			same(fmt.Sprintf("state %d, config %d", i, j), pf, pw)
			if got, want := fast.Read("indigo_noop", state), fw.Read("indigo_noop", state); !got.Equal(want) {
				t.Errorf("read %d: fast path %v, framework %v", i, got, want)
			}
		}
		// Upgrading the JSON a state file holds.
		js, err := protoharness.TftypesToJSON(state, typ)
		if err != nil {
			t.Fatal(err)
		}
		for name, h := range map[string]*protoharness.Harness{"fast path": fast, "framework": fw} {
			resp, err := h.Server.UpgradeResourceState(context.Background(), &tfprotov6.UpgradeResourceStateRequest{
				TypeName: "indigo_noop", RawState: &tfprotov6.RawState{JSON: js},
			})
			if err != nil || protoharness.DiagsError(resp.Diagnostics) != nil {
				t.Fatalf("%s upgrade: %v %v", name, err, protoharness.DiagsError(resp.Diagnostics))
			}
			if got := h.Value(typ, resp.UpgradedState); !got.Equal(state) {
				t.Errorf("%s upgrade of %s = %v, want %v", name, js, got, state)
			}
		}
	}
}

// BenchmarkNoopCreateRead is the per-resource provider cost behind indigo's
// 10,000-resource benchmarks: plan, apply and refresh of one indigo_noop
// through the protocol-6 server (msgpack in and out, as over gRPC), without
// an input and with a small object input.
//
// The framework-* cases run without the fast path, for comparison.
func BenchmarkNoopCreateRead(b *testing.B) {
	fast, fw := newHarness(b, b.TempDir()), newFrameworkHarness(b, b.TempDir())
	t := fast.Type("indigo_noop")
	null := fast.Dynamic(t, tftypes.NewValue(t, nil))
	ctx := context.Background()
	for _, bc := range []struct {
		name   string
		h      *protoharness.Harness
		config map[string]any
	}{
		{"empty", fast, map[string]any{}},
		{"object-input", fast, map[string]any{"input": map[string]any{"i": 1, "name": "x"}}},
		{"framework-empty", fw, map[string]any{}},
		{"framework-object-input", fw, map[string]any{"input": map[string]any{"i": 1, "name": "x"}}},
	} {
		h := bc.h
		b.Run(bc.name, func(b *testing.B) {
			cfgDV := fast.Dynamic(t, protoharness.ToValue(t, bc.config))
			b.ReportAllocs()
			for b.Loop() {
				plan, err := h.Server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
					TypeName: "indigo_noop", PriorState: &null, ProposedNewState: &cfgDV, Config: &cfgDV,
				})
				if err != nil || len(plan.Diagnostics) > 0 {
					b.Fatal(err, plan.Diagnostics)
				}
				applied, err := h.Server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
					TypeName: "indigo_noop", PriorState: &null, PlannedState: plan.PlannedState, Config: &cfgDV,
				})
				if err != nil || len(applied.Diagnostics) > 0 {
					b.Fatal(err, applied.Diagnostics)
				}
				read, err := h.Server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "indigo_noop", CurrentState: applied.NewState})
				if err != nil || len(read.Diagnostics) > 0 || read.NewState == nil {
					b.Fatal(err, read.Diagnostics)
				}
			}
		})
	}
}

// BenchmarkNoopRefreshPlan is the cost of an existing, unchanged indigo_noop
// in a plan: refresh (ReadResource), then PlanResourceChange against the
// same configuration.
func BenchmarkNoopRefreshPlan(b *testing.B) {
	h := newHarness(b, b.TempDir())
	t := h.Type("indigo_noop")
	cfg := map[string]any{"input": map[string]any{"i": 1, "name": "x"}, "triggers_replace": "v1"}
	state := h.Create("indigo_noop", cfg)
	stateDV := h.Dynamic(t, state)
	cfgDV := h.Dynamic(t, protoharness.ToValue(t, cfg))
	propDV := h.Dynamic(t, protoharness.ProposedNew(h.Schemas["indigo_noop"], state, protoharness.ToValue(t, cfg)))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		read, err := h.Server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "indigo_noop", CurrentState: &stateDV})
		if err != nil || len(read.Diagnostics) > 0 {
			b.Fatal(err, read.Diagnostics)
		}
		plan, err := h.Server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: "indigo_noop", PriorState: read.NewState, ProposedNewState: &propDV, Config: &cfgDV,
		})
		if err != nil || len(plan.Diagnostics) > 0 || len(plan.RequiresReplace) > 0 {
			b.Fatal(err, plan.Diagnostics, plan.RequiresReplace)
		}
	}
}
