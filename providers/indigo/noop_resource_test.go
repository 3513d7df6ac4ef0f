package indigo

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNoopLifecycle(t *testing.T) {
	t.Run("fast path", func(t *testing.T) { testNoopLifecycle(t, newHarness(t, t.TempDir())) })
	t.Run("framework", func(t *testing.T) { testNoopLifecycle(t, newFrameworkHarness(t, t.TempDir())) })
}

func testNoopLifecycle(t *testing.T, h *harness) {
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

func TestNoopTypeMatchesSchema(t *testing.T) {
	h := newFrameworkHarness(t, t.TempDir())
	if got := h.typ("indigo_noop"); !got.Equal(noopType) {
		t.Errorf("the schema's type %s differs from the fast path's %s", got, noopType)
	}
}

// TestNoopFastPathMatches runs the same calls through the framework's server
// and the fast path and requires the same answers (ids aside, which are
// random).
func TestNoopFastPathMatches(t *testing.T) {
	fast, fw := newHarness(t, t.TempDir()), newFrameworkHarness(t, t.TempDir())
	typ := fw.typ("indigo_noop")
	unknownInput := tftypes.NewValue(tftypes.DynamicPseudoType, tftypes.UnknownValue)
	configs := []map[string]any{
		{},
		{"input": "text"},
		{"input": map[string]any{"a": 1, "b": []string{"x", "y"}}, "triggers_replace": "t1"},
		{"input": unknownInput},
		{"triggers_replace": map[string]any{"v": 2}},
	}
	fixID := func(v tftypes.Value) tftypes.Value {
		if v.IsNull() || !get(t, v, "id").IsKnown() {
			return v
		}
		return with(t, v, "id", tftypes.NewValue(tftypes.String, "fixed"))
	}
	same := func(what string, a, b planned) {
		t.Helper()
		if !fixID(a.planned).Equal(fixID(b.planned)) || strings.Join(a.replace, ",") != strings.Join(b.replace, ",") {
			t.Errorf("%s: fast path planned %v (replace %v), framework %v (replace %v)", what, a.planned, a.replace, b.planned, b.replace)
		}
	}
	var states []tftypes.Value
	for i, cfg := range configs {
		pf, err := fast.plan("indigo_noop", tftypes.Value{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		pw, err := fw.plan("indigo_noop", tftypes.Value{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		same(fmt.Sprintf("create %d", i), pf, pw)
		if !get(t, pf.planned, "output").IsFullyKnown() {
			continue // cannot apply an unknown input
		}
		sf, err := fast.apply("indigo_noop", pf)
		if err != nil {
			t.Fatal(err)
		}
		sw, err := fw.apply("indigo_noop", pw)
		if err != nil {
			t.Fatal(err)
		}
		if !fixID(sf).Equal(fixID(sw)) || !uuidPattern.MatchString(getString(t, sf, "id")) {
			t.Errorf("apply %d: fast path stored %v, framework %v", i, sf, sw)
		}
		states = append(states, with(t, sf, "id", tftypes.NewValue(tftypes.String, fmt.Sprintf("id-%d", i))))
	}
	// Every state against every configuration: updates, replacements, no-ops.
	for i, state := range states {
		for j, cfg := range configs {
			pf, err := fast.plan("indigo_noop", state, cfg)
			if err != nil {
				t.Fatal(err)
			}
			pw, err := fw.plan("indigo_noop", state, cfg)
			if err != nil {
				t.Fatal(err)
			}
			same(fmt.Sprintf("state %d, config %d", i, j), pf, pw)
			if got, want := fast.read("indigo_noop", state), fw.read("indigo_noop", state); !got.Equal(want) {
				t.Errorf("read %d: fast path %v, framework %v", i, got, want)
			}
		}
		// Upgrading the JSON a state file holds.
		js, err := tftypesToJSON(state, typ)
		if err != nil {
			t.Fatal(err)
		}
		for name, h := range map[string]*harness{"fast path": fast, "framework": fw} {
			resp, err := h.srv.UpgradeResourceState(context.Background(), &tfprotov6.UpgradeResourceStateRequest{
				TypeName: "indigo_noop", RawState: &tfprotov6.RawState{JSON: js},
			})
			if err != nil || diagsError(resp.Diagnostics) != nil {
				t.Fatalf("%s upgrade: %v %v", name, err, diagsError(resp.Diagnostics))
			}
			if got := h.value(typ, resp.UpgradedState); !got.Equal(state) {
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
	t := fast.typ("indigo_noop")
	null := fast.dynamic(t, tftypes.NewValue(t, nil))
	ctx := context.Background()
	for _, bc := range []struct {
		name   string
		h      *harness
		config map[string]any
	}{
		{"empty", fast, map[string]any{}},
		{"object-input", fast, map[string]any{"input": map[string]any{"i": 1, "name": "x"}}},
		{"framework-empty", fw, map[string]any{}},
		{"framework-object-input", fw, map[string]any{"input": map[string]any{"i": 1, "name": "x"}}},
	} {
		h := bc.h
		b.Run(bc.name, func(b *testing.B) {
			cfgDV := fast.dynamic(t, toValue(t, bc.config))
			b.ReportAllocs()
			for b.Loop() {
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
		})
	}
}

// BenchmarkNoopRefreshPlan is the cost of an existing, unchanged indigo_noop
// in a plan: refresh (ReadResource), then PlanResourceChange against the
// same configuration.
func BenchmarkNoopRefreshPlan(b *testing.B) {
	h := newHarness(b, b.TempDir())
	t := h.typ("indigo_noop")
	cfg := map[string]any{"input": map[string]any{"i": 1, "name": "x"}, "triggers_replace": "v1"}
	state := h.create("indigo_noop", cfg)
	stateDV := h.dynamic(t, state)
	cfgDV := h.dynamic(t, toValue(t, cfg))
	propDV := h.dynamic(t, proposedNew(h.schemas["indigo_noop"], state, toValue(t, cfg)))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		read, err := h.srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "indigo_noop", CurrentState: &stateDV})
		if err != nil || len(read.Diagnostics) > 0 {
			b.Fatal(err, read.Diagnostics)
		}
		plan, err := h.srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: "indigo_noop", PriorState: read.NewState, ProposedNewState: &propDV, Config: &cfgDV,
		})
		if err != nil || len(plan.Diagnostics) > 0 || len(plan.RequiresReplace) > 0 {
			b.Fatal(err, plan.Diagnostics, plan.RequiresReplace)
		}
	}
}
