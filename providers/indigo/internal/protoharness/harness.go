// Package protoharness drives a terraform-plugin-go protocol-6 provider
// server in process, the way Terraform core and indigo's planner do: with
// msgpack values, a proposed new state, replacement as delete then create,
// and the post-apply consistency check. It is test support for the
// providers/indigo packages, imported only by their _test files; it is not
// a general-purpose client of providers (that is providers/plugin).
package protoharness

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Harness is a configured provider server and its schemas. Every method
// fails the test on a transport error; provider diagnostics are returned
// as errors by the Try and error-returning methods.
type Harness struct {
	T           testing.TB
	Server      tfprotov6.ProviderServer
	Schemas     map[string]*tfprotov6.Schema
	DataSchemas map[string]*tfprotov6.Schema
}

// New validates and configures srv with providerConfig (attributes and
// blocks of the provider block), failing the test on error.
func New(t testing.TB, srv tfprotov6.ProviderServer, providerConfig map[string]any) *Harness {
	t.Helper()
	h, err := TryNew(t, srv, providerConfig)
	if err != nil {
		t.Fatalf("ConfigureProvider: %v", err)
	}
	return h
}

// TryNew is New returning the validation or configuration error.
func TryNew(t testing.TB, srv tfprotov6.ProviderServer, providerConfig map[string]any) (*Harness, error) {
	t.Helper()
	ctx := context.Background()
	sresp, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if err := DiagsError(sresp.Diagnostics); err != nil {
		t.Fatalf("GetProviderSchema: %v", err)
	}
	h := &Harness{T: t, Server: srv, Schemas: sresp.ResourceSchemas, DataSchemas: sresp.DataSourceSchemas}
	pt := sresp.Provider.ValueType()
	dv := h.Dynamic(pt, ToValue(pt, providerConfig))
	vresp, err := srv.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: &dv})
	if err != nil {
		t.Fatal(err)
	}
	if err := DiagsError(vresp.Diagnostics); err != nil {
		return nil, err
	}
	cresp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &dv, TerraformVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return h, DiagsError(cresp.Diagnostics)
}

// Type is the value type of resource.
func (h *Harness) Type(resource string) tftypes.Type {
	h.T.Helper()
	s, ok := h.Schemas[resource]
	if !ok {
		h.T.Fatalf("no resource type %s", resource)
	}
	return s.ValueType()
}

// DataType is the value type of data source name.
func (h *Harness) DataType(name string) tftypes.Type {
	h.T.Helper()
	s, ok := h.DataSchemas[name]
	if !ok {
		h.T.Fatalf("no data source %s", name)
	}
	return s.ValueType()
}

// Dynamic encodes v of type t for the wire.
func (h *Harness) Dynamic(t tftypes.Type, v tftypes.Value) tfprotov6.DynamicValue {
	h.T.Helper()
	dv, err := tfprotov6.NewDynamicValue(t, v)
	if err != nil {
		h.T.Fatalf("encoding %s: %v", v, err)
	}
	return dv
}

// Value decodes dv as type t; a nil dv is null.
func (h *Harness) Value(t tftypes.Type, dv *tfprotov6.DynamicValue) tftypes.Value {
	h.T.Helper()
	if dv == nil {
		return tftypes.NewValue(t, nil)
	}
	v, err := dv.Unmarshal(t)
	if err != nil {
		h.T.Fatalf("decoding: %v", err)
	}
	return v
}

// DiagsError turns error diagnostics into one error (nil when there are none).
func DiagsError(diags []*tfprotov6.Diagnostic) error {
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

// Validate runs ValidateResourceConfig and returns its error diagnostics.
func (h *Harness) Validate(resource string, config map[string]any) []*tfprotov6.Diagnostic {
	h.T.Helper()
	t := h.Type(resource)
	cfg := h.Dynamic(t, ToValue(t, config))
	resp, err := h.Server.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{TypeName: resource, Config: &cfg})
	if err != nil {
		h.T.Fatal(err)
	}
	var errs []*tfprotov6.Diagnostic
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			errs = append(errs, d)
		}
	}
	return errs
}

// Planned is the outcome of Plan.
type Planned struct {
	Config  tftypes.Value
	Prior   tftypes.Value
	Planned tftypes.Value
	// Replace holds the paths that require replacement, sorted.
	Replace []string
}

// Noop reports whether the plan changes nothing.
func (p Planned) Noop() bool { return p.Planned.Equal(p.Prior) }

// Plan validates config and plans the change from prior (the zero Value
// or null for a create). When the provider asks for a replacement it plans
// again from a null prior state, as Terraform core does.
func (h *Harness) Plan(resource string, prior tftypes.Value, config map[string]any) (Planned, error) {
	h.T.Helper()
	t := h.Type(resource)
	if prior.Type() == nil {
		prior = tftypes.NewValue(t, nil)
	}
	if errs := h.Validate(resource, config); len(errs) > 0 {
		return Planned{}, DiagsError(errs)
	}
	cfg := ToValue(t, config)
	p, replace, err := h.PlanOnce(resource, prior, cfg)
	if err != nil {
		return Planned{}, err
	}
	if len(replace) > 0 && !prior.IsNull() {
		if p, _, err = h.PlanOnce(resource, tftypes.NewValue(t, nil), cfg); err != nil {
			return Planned{}, err
		}
	}
	return Planned{Config: cfg, Prior: prior, Planned: p, Replace: replace}, nil
}

// PlanOnce is one PlanResourceChange call, with Terraform's proposed new
// state; it returns the planned state and the sorted replacement paths.
func (h *Harness) PlanOnce(resource string, prior, cfg tftypes.Value) (tftypes.Value, []string, error) {
	h.T.Helper()
	t := h.Type(resource)
	proposed := ProposedNew(h.Schemas[resource], prior, cfg)
	priorDV, cfgDV, propDV := h.Dynamic(t, prior), h.Dynamic(t, cfg), h.Dynamic(t, proposed)
	resp, err := h.Server.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: resource, PriorState: &priorDV, ProposedNewState: &propDV, Config: &cfgDV,
	})
	if err != nil {
		h.T.Fatal(err)
	}
	if err := DiagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, nil, err
	}
	var replace []string
	for _, p := range resp.RequiresReplace {
		replace = append(replace, p.String())
	}
	sort.Strings(replace)
	return h.Value(t, resp.PlannedState), replace, nil
}

// Apply applies a planned change (a replacement is a delete, then a
// create) and returns the new state. Like Terraform core, it fails the
// test when the new state does not conform to the plan.
func (h *Harness) Apply(resource string, p Planned) (tftypes.Value, error) {
	h.T.Helper()
	t := h.Type(resource)
	prior := p.Prior
	if len(p.Replace) > 0 && !prior.IsNull() {
		if err := h.Destroy(resource, prior); err != nil {
			return tftypes.Value{}, err
		}
		prior = tftypes.NewValue(t, nil)
	}
	priorDV, plannedDV, cfgDV := h.Dynamic(t, prior), h.Dynamic(t, p.Planned), h.Dynamic(t, p.Config)
	resp, err := h.Server.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: resource, PriorState: &priorDV, PlannedState: &plannedDV, Config: &cfgDV,
	})
	if err != nil {
		h.T.Fatal(err)
	}
	if err := DiagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, err
	}
	state := h.Value(t, resp.NewState)
	if err := conforms(p.Planned, state); err != nil {
		h.T.Fatalf("%s: provider produced an inconsistent result (Terraform would refuse it): %v", resource, err)
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

// Create plans and applies config from nothing, failing the test on error.
func (h *Harness) Create(resource string, config map[string]any) tftypes.Value {
	h.T.Helper()
	state, err := h.TryCreate(resource, config)
	if err != nil {
		h.T.Fatalf("creating %s: %v", resource, err)
	}
	return state
}

// TryCreate is Create returning the error.
func (h *Harness) TryCreate(resource string, config map[string]any) (tftypes.Value, error) {
	h.T.Helper()
	p, err := h.Plan(resource, tftypes.Value{}, config)
	if err != nil {
		return tftypes.Value{}, err
	}
	return h.Apply(resource, p)
}

// Update plans config from state and applies it in place, failing the
// test on error or on a planned replacement.
func (h *Harness) Update(resource string, state tftypes.Value, config map[string]any) tftypes.Value {
	h.T.Helper()
	p, err := h.Plan(resource, state, config)
	if err != nil {
		h.T.Fatalf("planning %s: %v", resource, err)
	}
	if len(p.Replace) > 0 {
		h.T.Fatalf("planning %s: unexpected replacement (%v)", resource, p.Replace)
	}
	s, err := h.Apply(resource, p)
	if err != nil {
		h.T.Fatalf("applying %s: %v", resource, err)
	}
	return s
}

// Destroy deletes the resource whose state is prior.
func (h *Harness) Destroy(resource string, prior tftypes.Value) error {
	h.T.Helper()
	t := h.Type(resource)
	null := tftypes.NewValue(t, nil)
	priorDV, nullDV := h.Dynamic(t, prior), h.Dynamic(t, null)
	resp, err := h.Server.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: resource, PriorState: &priorDV, PlannedState: &nullDV, Config: &nullDV,
	})
	if err != nil {
		h.T.Fatal(err)
	}
	return DiagsError(resp.Diagnostics)
}

// Read refreshes state, failing the test on error; a null result means
// the resource is gone.
func (h *Harness) Read(resource string, state tftypes.Value) tftypes.Value {
	h.T.Helper()
	v, _ := h.ReadWarnings(resource, state)
	return v
}

// ReadWarnings is Read that returns the warnings' summaries too.
func (h *Harness) ReadWarnings(resource string, state tftypes.Value) (tftypes.Value, []string) {
	h.T.Helper()
	v, warnings, err := h.read(resource, state)
	if err != nil {
		h.T.Fatalf("ReadResource %s: %v", resource, err)
	}
	return v, warnings
}

// TryRead is Read returning the error.
func (h *Harness) TryRead(resource string, state tftypes.Value) (tftypes.Value, error) {
	h.T.Helper()
	v, _, err := h.read(resource, state)
	return v, err
}

func (h *Harness) read(resource string, state tftypes.Value) (tftypes.Value, []string, error) {
	h.T.Helper()
	t := h.Type(resource)
	dv := h.Dynamic(t, state)
	resp, err := h.Server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: resource, CurrentState: &dv})
	if err != nil {
		h.T.Fatal(err)
	}
	if err := DiagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, nil, err
	}
	var warnings []string
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning {
			warnings = append(warnings, d.Summary)
		}
	}
	return h.Value(t, resp.NewState), warnings, nil
}

// ImportState imports by id and reads, as `terraform import` does; an
// import whose read finds nothing is an error, as in Terraform.
func (h *Harness) ImportState(resource, id string) (tftypes.Value, error) {
	h.T.Helper()
	resp, err := h.Server.ImportResourceState(context.Background(), &tfprotov6.ImportResourceStateRequest{TypeName: resource, ID: id})
	if err != nil {
		h.T.Fatal(err)
	}
	if err := DiagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, err
	}
	if len(resp.ImportedResources) != 1 {
		h.T.Fatalf("import returned %d resources", len(resp.ImportedResources))
	}
	state, err := h.TryRead(resource, h.Value(h.Type(resource), resp.ImportedResources[0].State))
	if err == nil && state.IsNull() {
		// Terraform: "Cannot import non-existent remote object".
		err = fmt.Errorf("import of %s %q: the object does not exist", resource, id)
	}
	return state, err
}

// ReadData reads data source name.
func (h *Harness) ReadData(name string, config map[string]any) (tftypes.Value, error) {
	h.T.Helper()
	t := h.DataType(name)
	dv := h.Dynamic(t, ToValue(t, config))
	resp, err := h.Server.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{TypeName: name, Config: &dv})
	if err != nil {
		h.T.Fatal(err)
	}
	if err := DiagsError(resp.Diagnostics); err != nil {
		return tftypes.Value{}, err
	}
	return h.Value(t, resp.State), nil
}

// ProposedNew is Terraform's proposed new state, for top-level attributes:
// the configuration, with computed attributes that the configuration leaves
// null taken from the prior state. Blocks are taken from the configuration.
func ProposedNew(s *tfprotov6.Schema, prior, cfg tftypes.Value) tftypes.Value {
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
