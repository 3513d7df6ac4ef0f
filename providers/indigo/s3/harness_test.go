package s3_test

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo"
)

func TestMain(m *testing.M) { os.Exit(testsrv.Main(m)) }

// harness drives the indigo provider the way Terraform core and indigo's
// planner do: through its protocol-6 server, with msgpack values. It is
// providers/indigo's test harness reduced to what these tests need, plus
// nested blocks.
type harness struct {
	t       testing.TB
	srv     tfprotov6.ProviderServer
	schemas map[string]*tfprotov6.Schema
}

// newHarness configures the provider with cfg (attributes and blocks of
// the provider block).
func newHarness(t testing.TB, cfg map[string]any) *harness {
	t.Helper()
	h, err := tryHarness(t, cfg)
	if err != nil {
		t.Fatalf("ConfigureProvider: %v", err)
	}
	return h
}

func tryHarness(t testing.TB, cfg map[string]any) (*harness, error) {
	t.Helper()
	ctx := context.Background()
	srv := indigo.NewProtocol6Server("test")()
	sresp, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, srv: srv, schemas: sresp.ResourceSchemas}
	if err := diagsError(sresp.Diagnostics); err != nil {
		t.Fatal(err)
	}
	pt := sresp.Provider.ValueType()
	dv := h.dynamic(pt, toValue(pt, cfg))
	vresp, err := srv.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: &dv})
	if err != nil {
		t.Fatal(err)
	}
	if err := diagsError(vresp.Diagnostics); err != nil {
		return nil, err
	}
	cresp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &dv, TerraformVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return h, diagsError(cresp.Diagnostics)
}

// endpoint is the provider configuration block for server m.
func endpoint(m *testsrv.MinIO) map[string]any {
	return map[string]any{"endpoint": m.Endpoint, "access_key": m.AccessKey, "secret_key": m.SecretKey}
}

// providerFor returns a provider configuration acting on main with the
// given remotes.
func providerFor(main *testsrv.MinIO, remotes map[string]*testsrv.MinIO) map[string]any {
	cfg := map[string]any{"s3": endpoint(main)}
	var rs []map[string]any
	for name, m := range remotes {
		r := endpoint(m)
		r["name"] = name
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i]["name"].(string) < rs[j]["name"].(string) })
	if len(rs) > 0 {
		cfg["s3_remote"] = rs
	}
	return cfg
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
		if d.Severity != tfprotov6.DiagnosticSeverityError {
			continue
		}
		at := ""
		if d.Attribute != nil {
			at = " [at " + d.Attribute.String() + "]"
		}
		msgs = append(msgs, d.Summary+at+": "+d.Detail)
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}

// planned is the outcome of plan.
type planned struct {
	config  tftypes.Value
	prior   tftypes.Value
	planned tftypes.Value
	replace []string
}

// noop reports whether the plan changes nothing.
func (p planned) noop() bool { return p.planned.Equal(p.prior) }

// plan validates config and plans the change from prior (the zero Value
// for a create).
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
	p, replace, err := h.planOnce(resource, prior, cfg)
	if err != nil {
		return planned{}, err
	}
	if len(replace) > 0 && !prior.IsNull() {
		if p, _, err = h.planOnce(resource, tftypes.NewValue(t, nil), cfg); err != nil {
			return planned{}, err
		}
	}
	return planned{config: cfg, prior: prior, planned: p, replace: replace}, nil
}

func (h *harness) planOnce(resource string, prior, cfg tftypes.Value) (tftypes.Value, []string, error) {
	t := h.typ(resource)
	proposed := proposedNew(h.schemas[resource], prior, cfg)
	priorDV, cfgDV, propDV := h.dynamic(t, prior), h.dynamic(t, cfg), h.dynamic(t, proposed)
	resp, err := h.srv.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: resource, PriorState: &priorDV, ProposedNewState: &propDV, Config: &cfgDV,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := diagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, nil, err
	}
	var replace []string
	for _, p := range resp.RequiresReplace {
		replace = append(replace, p.String())
	}
	sort.Strings(replace)
	return h.value(t, resp.PlannedState), replace, nil
}

// apply applies a planned change (a replacement is a delete, then a
// create) and returns the new state.
func (h *harness) apply(resource string, p planned) (tftypes.Value, error) {
	h.t.Helper()
	t := h.typ(resource)
	prior := p.prior
	if len(p.replace) > 0 && !prior.IsNull() {
		if err := h.destroy(resource, prior); err != nil {
			return tftypes.Value{}, err
		}
		prior = tftypes.NewValue(t, nil)
	}
	priorDV, plannedDV, cfgDV := h.dynamic(t, prior), h.dynamic(t, p.planned), h.dynamic(t, p.config)
	resp, err := h.srv.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: resource, PriorState: &priorDV, PlannedState: &plannedDV, Config: &cfgDV,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := diagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, err
	}
	state := h.value(t, resp.NewState)
	if err := conforms(p.planned, state); err != nil {
		h.t.Fatalf("%s: provider produced an inconsistent result (Terraform would refuse it): %v", resource, err)
	}
	return state, nil
}

// conforms checks what Terraform core checks after apply: every known
// planned value is in the new state unchanged.
func conforms(planned, state tftypes.Value) error {
	var err error
	_ = tftypes.Walk(planned, func(p *tftypes.AttributePath, v tftypes.Value) (bool, error) {
		if err != nil || !v.IsKnown() {
			return false, nil
		}
		if v.Type().Is(tftypes.List{}) || v.Type().Is(tftypes.Object{}) || v.Type().Is(tftypes.Map{}) || v.Type().Is(tftypes.Set{}) {
			if v.IsNull() {
				got, _, e := tftypes.WalkAttributePath(state, p)
				if e == nil && !got.(tftypes.Value).IsNull() {
					err = fmt.Errorf("%s: planned null, got %v", p, got)
				}
				return false, nil
			}
			return true, nil
		}
		got, _, e := tftypes.WalkAttributePath(state, p)
		if e != nil {
			err = fmt.Errorf("%s: %v", p, e)
			return false, nil
		}
		if !v.Equal(got.(tftypes.Value)) {
			err = fmt.Errorf("%s: planned %v, got %v", p, v, got)
		}
		return false, nil
	})
	return err
}

// create plans and applies config from nothing, failing the test on error.
func (h *harness) create(resource string, config map[string]any) tftypes.Value {
	h.t.Helper()
	state, err := h.tryCreate(resource, config)
	if err != nil {
		h.t.Fatalf("creating %s: %v", resource, err)
	}
	return state
}

func (h *harness) tryCreate(resource string, config map[string]any) (tftypes.Value, error) {
	h.t.Helper()
	p, err := h.plan(resource, tftypes.Value{}, config)
	if err != nil {
		return tftypes.Value{}, err
	}
	return h.apply(resource, p)
}

// update plans config from state and applies it, failing the test on error.
func (h *harness) update(resource string, state tftypes.Value, config map[string]any) tftypes.Value {
	h.t.Helper()
	p, err := h.plan(resource, state, config)
	if err != nil {
		h.t.Fatalf("planning %s: %v", resource, err)
	}
	if len(p.replace) > 0 {
		h.t.Fatalf("planning %s: unexpected replacement (%v)", resource, p.replace)
	}
	s, err := h.apply(resource, p)
	if err != nil {
		h.t.Fatalf("applying %s: %v", resource, err)
	}
	return s
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

// read refreshes state; a null result means the resource is gone.
func (h *harness) read(resource string, state tftypes.Value) tftypes.Value {
	h.t.Helper()
	v, err := h.tryRead(resource, state)
	if err != nil {
		h.t.Fatalf("ReadResource %s: %v", resource, err)
	}
	return v
}

func (h *harness) tryRead(resource string, state tftypes.Value) (tftypes.Value, error) {
	h.t.Helper()
	t := h.typ(resource)
	dv := h.dynamic(t, state)
	resp, err := h.srv.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: resource, CurrentState: &dv})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := diagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, err
	}
	return h.value(t, resp.NewState), nil
}

// importState imports by id and reads, as `terraform import` does.
func (h *harness) importState(resource, id string) (tftypes.Value, error) {
	h.t.Helper()
	resp, err := h.srv.ImportResourceState(context.Background(), &tfprotov6.ImportResourceStateRequest{TypeName: resource, ID: id})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := diagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, err
	}
	if len(resp.ImportedResources) != 1 {
		h.t.Fatalf("import returned %d resources", len(resp.ImportedResources))
	}
	state, err := h.tryRead(resource, h.value(h.typ(resource), resp.ImportedResources[0].State))
	if err == nil && state.IsNull() {
		// Terraform: "Cannot import non-existent remote object".
		err = fmt.Errorf("import of %s %q: the object does not exist", resource, id)
	}
	return state, err
}

// proposedNew is Terraform's proposed new state, for top-level attributes:
// the configuration, with computed attributes that the configuration leaves
// null taken from the prior state. Blocks are taken from the configuration.
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
// []string (lists and sets), map[string]string, map[string]any for objects,
// []map[string]any for lists of objects; missing object attributes and
// absent blocks are null (lists: empty).
func toValue(t tftypes.Type, v any) tftypes.Value {
	if tv, ok := v.(tftypes.Value); ok {
		return tv
	}
	if v == nil {
		if t.Is(tftypes.List{}) {
			return tftypes.NewValue(t, []tftypes.Value{})
		}
		return tftypes.NewValue(t, nil)
	}
	switch {
	case t.Is(tftypes.String):
		return tftypes.NewValue(t, v.(string))
	case t.Is(tftypes.Bool):
		return tftypes.NewValue(t, v.(bool))
	case t.Is(tftypes.Number):
		switch n := v.(type) {
		case int:
			return tftypes.NewValue(t, big.NewFloat(float64(n)))
		case int64:
			return tftypes.NewValue(t, new(big.Float).SetInt64(n))
		}
	case t.Is(tftypes.List{}):
		var elems []tftypes.Value
		et := t.(tftypes.List).ElementType
		switch l := v.(type) {
		case []string:
			for _, s := range l {
				elems = append(elems, toValue(et, s))
			}
		case []map[string]any:
			for _, o := range l {
				elems = append(elems, toValue(et, o))
			}
		}
		return tftypes.NewValue(t, elems)
	case t.Is(tftypes.Set{}):
		var elems []tftypes.Value
		for _, s := range v.([]string) {
			elems = append(elems, toValue(t.(tftypes.Set).ElementType, s))
		}
		return tftypes.NewValue(t, elems)
	case t.Is(tftypes.Map{}):
		elems := map[string]tftypes.Value{}
		et := t.(tftypes.Map).ElementType
		for k, s := range v.(map[string]string) {
			elems[k] = toValue(et, s)
		}
		return tftypes.NewValue(t, elems)
	case t.Is(tftypes.Object{}):
		ot := t.(tftypes.Object)
		in := v.(map[string]any)
		attrs := map[string]tftypes.Value{}
		for name, at := range ot.AttributeTypes {
			attrs[name] = toValue(at, in[name])
		}
		for name := range in {
			if _, ok := ot.AttributeTypes[name]; !ok {
				panic("no attribute " + name)
			}
		}
		return tftypes.NewValue(t, attrs)
	}
	panic(fmt.Sprintf("toValue: unsupported type %s for %T", t, v))
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

// getInt returns a number attribute; -1 when it is null.
func getInt(t testing.TB, v tftypes.Value, name string) int64 {
	t.Helper()
	a := get(t, v, name)
	if a.IsNull() {
		return -1
	}
	var f big.Float
	if err := a.As(&f); err != nil {
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

// getStrings returns a set or list of strings attribute, sorted; nil when
// it is null.
func getStrings(t testing.TB, v tftypes.Value, name string) []string {
	t.Helper()
	a := get(t, v, name)
	if a.IsNull() {
		return nil
	}
	var elems []tftypes.Value
	if err := a.As(&elems); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := []string{}
	for _, e := range elems {
		var s string
		if err := e.As(&s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
