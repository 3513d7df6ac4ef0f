package local_test

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/providers/indigo"
)

// harness drives the indigo provider the way Terraform core and indigo's
// planner do: through its protocol-6 server, with msgpack values. It is
// providers/indigo's test harness reduced to what these tests need, plus
// nested blocks.
type harness struct {
	t       testing.TB
	srv     tfprotov6.ProviderServer
	schemas map[string]*tfprotov6.Schema
}

// newHarness starts the provider's server in process, configured with root.
func newHarness(t testing.TB, root string) *harness {
	t.Helper()
	ctx := context.Background()
	srv := indigo.NewProtocol6Server("test")()
	sresp, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, srv: srv, schemas: sresp.ResourceSchemas}
	h.fatal("GetProviderSchema", sresp.Diagnostics)
	pt := sresp.Provider.ValueType()
	dv := h.dynamic(pt, toValue(pt, map[string]any{"root": root}))
	cresp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &dv, TerraformVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h.fatal("ConfigureProvider", cresp.Diagnostics)
	return h
}

func (h *harness) typ(resource string) tftypes.Type {
	s, ok := h.schemas[resource]
	if !ok {
		h.t.Fatalf("no resource type %s", resource)
	}
	return s.ValueType()
}

func (h *harness) dynamic(t tftypes.Type, v tftypes.Value) tfprotov6.DynamicValue {
	h.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(t, v)
	if err != nil {
		h.t.Fatalf("encoding %s: %v", v, err)
	}
	return dv
}

func (h *harness) value(t tftypes.Type, dv *tfprotov6.DynamicValue) tftypes.Value {
	h.t.Helper()
	if dv == nil {
		return tftypes.NewValue(t, nil)
	}
	v, err := dv.Unmarshal(t)
	if err != nil {
		h.t.Fatalf("decoding: %v", err)
	}
	return v
}

// diagsError turns error diagnostics into one error (nil when there are none).
func diagsError(diags []*tfprotov6.Diagnostic) error {
	var msgs []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			msgs = append(msgs, d.Summary+": "+d.Detail)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}

func (h *harness) fatal(op string, diags []*tfprotov6.Diagnostic) {
	h.t.Helper()
	if err := diagsError(diags); err != nil {
		h.t.Fatalf("%s: %v", op, err)
	}
}

// planned is the outcome of plan.
type planned struct {
	config, prior, planned tftypes.Value
	replace                bool
}

// plan validates config and plans the change from prior (a null value of
// the resource's type, or no value, for a create).
func (h *harness) plan(resource string, prior tftypes.Value, config map[string]any) (planned, error) {
	h.t.Helper()
	ctx := context.Background()
	t := h.typ(resource)
	if prior.Type() == nil {
		prior = tftypes.NewValue(t, nil)
	}
	cfg := toValue(t, config)
	cfgDV := h.dynamic(t, cfg)
	vresp, err := h.srv.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: resource, Config: &cfgDV})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := diagsError(vresp.Diagnostics); err != nil {
		return planned{}, err
	}
	priorDV, propDV := h.dynamic(t, prior), h.dynamic(t, proposedNew(h.schemas[resource], prior, cfg))
	resp, err := h.srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: resource, PriorState: &priorDV, ProposedNewState: &propDV, Config: &cfgDV,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := diagsError(resp.Diagnostics); err != nil {
		return planned{}, err
	}
	return planned{config: cfg, prior: prior, planned: h.value(t, resp.PlannedState), replace: len(resp.RequiresReplace) > 0}, nil
}

// apply applies a planned change (not a replacement) and returns the new state.
func (h *harness) apply(resource string, p planned) (tftypes.Value, error) {
	h.t.Helper()
	if p.replace && !p.prior.IsNull() {
		h.t.Fatal("apply: replacements are not supported by this harness")
	}
	t := h.typ(resource)
	priorDV, plannedDV, cfgDV := h.dynamic(t, p.prior), h.dynamic(t, p.planned), h.dynamic(t, p.config)
	resp, err := h.srv.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: resource, PriorState: &priorDV, PlannedState: &plannedDV, Config: &cfgDV,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := diagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, err
	}
	return h.value(t, resp.NewState), nil
}

// create plans and applies config from nothing, failing the test on error.
func (h *harness) create(resource string, config map[string]any) tftypes.Value {
	h.t.Helper()
	p, err := h.plan(resource, tftypes.Value{}, config)
	if err != nil {
		h.t.Fatalf("planning %s: %v", resource, err)
	}
	state, err := h.apply(resource, p)
	if err != nil {
		h.t.Fatalf("creating %s: %v", resource, err)
	}
	return state
}

// update plans config from state and applies it, failing the test on error.
func (h *harness) update(resource string, state tftypes.Value, config map[string]any) tftypes.Value {
	h.t.Helper()
	p, err := h.plan(resource, state, config)
	if err != nil {
		h.t.Fatalf("planning %s: %v", resource, err)
	}
	state, err = h.apply(resource, p)
	if err != nil {
		h.t.Fatalf("updating %s: %v", resource, err)
	}
	return state
}

// destroy deletes the resource whose state is prior.
func (h *harness) destroy(resource string, prior tftypes.Value) error {
	h.t.Helper()
	t := h.typ(resource)
	null := tftypes.NewValue(t, nil)
	priorDV, nullDV := h.dynamic(t, prior), h.dynamic(t, null)
	resp, err := h.srv.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: resource, PriorState: &priorDV, PlannedState: &nullDV, Config: &nullDV,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return diagsError(resp.Diagnostics)
}

// read refreshes state; a null result means the resource is gone. It
// returns the warnings' summaries too.
func (h *harness) read(resource string, state tftypes.Value) (tftypes.Value, []string) {
	h.t.Helper()
	t := h.typ(resource)
	dv := h.dynamic(t, state)
	resp, err := h.srv.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: resource, CurrentState: &dv})
	if err != nil {
		h.t.Fatal(err)
	}
	h.fatal("ReadResource "+resource, resp.Diagnostics)
	var warnings []string
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning {
			warnings = append(warnings, d.Summary)
		}
	}
	return h.value(t, resp.NewState), warnings
}

// importState imports by id and reads, as `terraform import` does.
func (h *harness) importState(resource, id string) tftypes.Value {
	h.t.Helper()
	resp, err := h.srv.ImportResourceState(context.Background(), &tfprotov6.ImportResourceStateRequest{TypeName: resource, ID: id})
	if err != nil {
		h.t.Fatal(err)
	}
	h.fatal("ImportResourceState", resp.Diagnostics)
	if len(resp.ImportedResources) != 1 {
		h.t.Fatalf("import returned %d resources", len(resp.ImportedResources))
	}
	v, _ := h.read(resource, h.value(h.typ(resource), resp.ImportedResources[0].State))
	return v
}

// proposedNew is Terraform's proposed new state, for top-level attributes:
// the configuration, with computed attributes that the configuration leaves
// null taken from the prior state. Blocks come from the configuration.
func proposedNew(s *tfprotov6.Schema, prior, cfg tftypes.Value) tftypes.Value {
	if prior.IsNull() {
		return cfg
	}
	var p, c map[string]tftypes.Value
	if err := prior.As(&p); err != nil {
		panic(err)
	}
	if err := cfg.As(&c); err != nil {
		panic(err)
	}
	out := map[string]tftypes.Value{}
	for k, v := range c {
		out[k] = v
	}
	for _, a := range s.Block.Attributes {
		if a.Computed && c[a.Name].IsNull() {
			out[a.Name] = p[a.Name]
		}
	}
	return tftypes.NewValue(cfg.Type(), out)
}

// toValue builds a value of type t from Go values: strings, ints, bools,
// map[string]any for objects and []map[string]any for lists of them
// (nested blocks), []string for lists of strings; missing object attributes are null, a missing block
// list is empty.
func toValue(t tftypes.Type, v any) tftypes.Value {
	switch {
	case t.Is(tftypes.List{}):
		et := t.(tftypes.List).ElementType
		elems := []tftypes.Value{}
		switch l := v.(type) {
		case []map[string]any:
			for _, e := range l {
				elems = append(elems, toValue(et, e))
			}
		case []string:
			for _, e := range l {
				elems = append(elems, toValue(et, e))
			}
		}
		return tftypes.NewValue(t, elems)
	case v == nil:
		return tftypes.NewValue(t, nil)
	case t.Is(tftypes.String):
		return tftypes.NewValue(t, v.(string))
	case t.Is(tftypes.Bool):
		return tftypes.NewValue(t, v.(bool))
	case t.Is(tftypes.Number):
		return tftypes.NewValue(t, big.NewFloat(float64(v.(int))))
	case t.Is(tftypes.Object{}):
		ot := t.(tftypes.Object)
		in := v.(map[string]any)
		for name := range in {
			if _, ok := ot.AttributeTypes[name]; !ok {
				panic("no attribute " + name)
			}
		}
		attrs := map[string]tftypes.Value{}
		for name, at := range ot.AttributeTypes {
			attrs[name] = toValue(at, in[name])
		}
		return tftypes.NewValue(t, attrs)
	}
	panic(fmt.Sprintf("toValue: unsupported type %s", t))
}

// get returns attribute name of an object value.
func get(t testing.TB, v tftypes.Value, name string) tftypes.Value {
	t.Helper()
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		t.Fatalf("not an object: %v", err)
	}
	a, ok := m[name]
	if !ok {
		t.Fatalf("no attribute %s", name)
	}
	return a
}

func getString(t testing.TB, v tftypes.Value, name string) string {
	t.Helper()
	var s *string
	if err := get(t, v, name).As(&s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if s == nil {
		return "<null>"
	}
	return *s
}

func getInt(t testing.TB, v tftypes.Value, name string) int64 {
	t.Helper()
	var f big.Float
	if err := get(t, v, name).As(&f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	n, _ := f.Int64()
	return n
}

func getBool(t testing.TB, v tftypes.Value, name string) bool {
	t.Helper()
	var b bool
	if err := get(t, v, name).As(&b); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}
