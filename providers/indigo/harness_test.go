package indigo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// harness drives the provider the way Terraform core and indigo's planner
// do: through the framework's protocol-6 server, with msgpack values.
type harness struct {
	t        testing.TB
	srv      tfprotov6.ProviderServer
	schemas  map[string]*tfprotov6.Schema
	dataType map[string]tftypes.Type
}

// newHarness starts the provider's protocol-6 server (NewProtocol6Server)
// in process, configured with root ("" to leave root unset).
func newHarness(t testing.TB, root string) *harness {
	t.Helper()
	return newHarnessWith(t, root, NewProtocol6Server("test")())
}

// newFrameworkHarness is newHarness without indigo_noop's fast path: the
// framework's server alone.
func newFrameworkHarness(t testing.TB, root string) *harness {
	t.Helper()
	srv, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessWith(t, root, srv)
}

func newHarnessWith(t testing.TB, root string, srv tfprotov6.ProviderServer) *harness {
	t.Helper()
	ctx := context.Background()
	sresp, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, srv: srv, schemas: sresp.ResourceSchemas, dataType: map[string]tftypes.Type{}}
	h.fatalDiags("GetProviderSchema", sresp.Diagnostics)
	for name, s := range sresp.DataSourceSchemas {
		h.dataType[name] = s.ValueType()
	}
	cfg := map[string]any{}
	if root != "" {
		cfg["root"] = root
	}
	pt := sresp.Provider.ValueType()
	dv := h.dynamic(pt, toValue(pt, cfg))
	cresp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &dv, TerraformVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h.fatalDiags("ConfigureProvider", cresp.Diagnostics)
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

func (h *harness) fatalDiags(op string, diags []*tfprotov6.Diagnostic) {
	h.t.Helper()
	if err := diagsError(diags); err != nil {
		h.t.Fatalf("%s: %v", op, err)
	}
}

// validate runs ValidateResourceConfig and returns its error diagnostics.
func (h *harness) validate(resource string, config map[string]any) []*tfprotov6.Diagnostic {
	h.t.Helper()
	t := h.typ(resource)
	cfg := h.dynamic(t, toValue(t, config))
	resp, err := h.srv.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{TypeName: resource, Config: &cfg})
	if err != nil {
		h.t.Fatal(err)
	}
	var errs []*tfprotov6.Diagnostic
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			errs = append(errs, d)
		}
	}
	return errs
}

// planned is the outcome of plan.
type planned struct {
	config  tftypes.Value
	prior   tftypes.Value
	planned tftypes.Value
	replace []string
}

// plan validates config and plans the change from prior (null for a
// create). When the provider asks for a replacement it plans again from a
// null prior state, as Terraform core does.
func (h *harness) plan(resource string, prior tftypes.Value, config map[string]any) (planned, error) {
	h.t.Helper()
	t := h.typ(resource)
	if prior.Type() == nil {
		prior = tftypes.NewValue(t, nil)
	}
	if errs := h.validate(resource, config); len(errs) > 0 {
		return planned{}, diagsError(errs)
	}
	cfg := toValue(t, config)
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

// apply applies a planned change (a replacement is a delete, then a create)
// and returns the new state.
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
	return h.value(t, resp.NewState), nil
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
	t := h.typ(resource)
	dv := h.dynamic(t, state)
	resp, err := h.srv.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: resource, CurrentState: &dv})
	if err != nil {
		h.t.Fatal(err)
	}
	h.fatalDiags("ReadResource "+resource, resp.Diagnostics)
	return h.value(t, resp.NewState)
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
	return h.read(resource, h.value(h.typ(resource), resp.ImportedResources[0].State)), nil
}

// readData reads a data source.
func (h *harness) readData(name string, config map[string]any) (tftypes.Value, error) {
	h.t.Helper()
	t := h.dataType[name]
	dv := h.dynamic(t, toValue(t, config))
	resp, err := h.srv.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{TypeName: name, Config: &dv})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := diagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, err
	}
	return h.value(t, resp.State), nil
}

// proposedNew is Terraform's proposed new state, for top-level attributes:
// the configuration, with computed attributes that the configuration leaves
// null taken from the prior state.
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
// []string, map[string]string, map[string]any for objects, tftypes.Value as
// is; missing object attributes are null. For dynamic attributes the type
// is inferred from the Go value.
func toValue(t tftypes.Type, v any) tftypes.Value {
	if tv, ok := v.(tftypes.Value); ok {
		return tv
	}
	if v == nil {
		return tftypes.NewValue(t, nil)
	}
	if t.Is(tftypes.DynamicPseudoType) {
		t = inferType(v)
	}
	switch {
	case t.Is(tftypes.String):
		return tftypes.NewValue(t, v.(string))
	case t.Is(tftypes.Bool):
		return tftypes.NewValue(t, v.(bool))
	case t.Is(tftypes.Number):
		return tftypes.NewValue(t, big.NewFloat(float64(v.(int))))
	case t.Is(tftypes.List{}):
		var elems []tftypes.Value
		et := t.(tftypes.List).ElementType
		for _, s := range v.([]string) {
			elems = append(elems, toValue(et, s))
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
	panic(fmt.Sprintf("toValue: unsupported type %s", t))
}

func inferType(v any) tftypes.Type {
	switch v := v.(type) {
	case string:
		return tftypes.String
	case bool:
		return tftypes.Bool
	case int:
		return tftypes.Number
	case []string:
		return tftypes.List{ElementType: tftypes.String}
	case map[string]any:
		at := map[string]tftypes.Type{}
		for k, e := range v {
			at[k] = inferType(e)
		}
		return tftypes.Object{AttributeTypes: at}
	}
	panic(fmt.Sprintf("inferType: %T", v))
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

// with returns a copy of object value v with attribute name set to a.
func with(t testing.TB, v tftypes.Value, name string, a tftypes.Value) tftypes.Value {
	t.Helper()
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		t.Fatal(err)
	}
	out := map[string]tftypes.Value{}
	for k, e := range m {
		out[k] = e
	}
	out[name] = a
	return tftypes.NewValue(v.Type(), out)
}

// tftypesToJSON encodes a known value as Terraform's state JSON does, with
// values of dynamic type wrapped as {"value": ..., "type": ...}.
func tftypesToJSON(v tftypes.Value, typ tftypes.Type) ([]byte, error) {
	var enc func(v tftypes.Value, typ tftypes.Type) (any, error)
	enc = func(v tftypes.Value, typ tftypes.Type) (any, error) {
		if v.IsNull() {
			return nil, nil
		}
		if !v.IsFullyKnown() || v.Type().Is(tftypes.DynamicPseudoType) {
			return nil, fmt.Errorf("tftypesToJSON: %v is not a known value of a concrete type", v)
		}
		if typ.Is(tftypes.DynamicPseudoType) {
			inner, err := enc(v, v.Type())
			if err != nil {
				return nil, err
			}
			t, err := v.Type().MarshalJSON()
			if err != nil {
				return nil, err
			}
			return map[string]any{"value": inner, "type": json.RawMessage(t)}, nil
		}
		switch {
		case typ.Is(tftypes.String):
			var s string
			return s, v.As(&s)
		case typ.Is(tftypes.Bool):
			var b bool
			return b, v.As(&b)
		case typ.Is(tftypes.Number):
			var f big.Float
			if err := v.As(&f); err != nil {
				return nil, err
			}
			return json.Number(f.Text('g', -1)), nil
		case typ.Is(tftypes.List{}), typ.Is(tftypes.Tuple{}), typ.Is(tftypes.Set{}):
			var elems []tftypes.Value
			if err := v.As(&elems); err != nil {
				return nil, err
			}
			out := []any{}
			for i, e := range elems {
				et := e.Type()
				switch tt := typ.(type) {
				case tftypes.List:
					et = tt.ElementType
				case tftypes.Set:
					et = tt.ElementType
				case tftypes.Tuple:
					et = tt.ElementTypes[i]
				}
				j, err := enc(e, et)
				if err != nil {
					return nil, err
				}
				out = append(out, j)
			}
			return out, nil
		case typ.Is(tftypes.Map{}), typ.Is(tftypes.Object{}):
			var elems map[string]tftypes.Value
			if err := v.As(&elems); err != nil {
				return nil, err
			}
			out := map[string]any{}
			for k, e := range elems {
				et := e.Type()
				switch tt := typ.(type) {
				case tftypes.Map:
					et = tt.ElementType
				case tftypes.Object:
					et = tt.AttributeTypes[k]
				}
				j, err := enc(e, et)
				if err != nil {
					return nil, err
				}
				out[k] = j
			}
			return out, nil
		}
		return nil, fmt.Errorf("tftypesToJSON: unsupported type %s", typ)
	}
	j, err := enc(v, typ)
	if err != nil {
		return nil, err
	}
	return json.Marshal(j)
}
