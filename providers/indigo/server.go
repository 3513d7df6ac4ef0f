package indigo

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

const noopTypeName = TypeName + "_noop"

// noopType is indigo_noop's object type (terraform_data's too);
// TestNoopTypeMatchesSchema keeps it equal to the schema's.
var noopType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	"id":               tftypes.String,
	"triggers_replace": tftypes.DynamicPseudoType,
	"input":            tftypes.DynamicPseudoType,
	"output":           tftypes.DynamicPseudoType,
}}

// NewProtocol6Server returns a factory for the provider's protocol-6 server,
// what tf6server.Serve takes and what in-process callers can use directly.
//
// It is the framework's server with one fast path: the per-resource calls
// for indigo_noop (UpgradeResourceState, ReadResource, PlanResourceChange,
// ApplyResourceChange) are answered here on raw values, with the same
// results as the framework's resource in noop_resource.go (which still
// provides the schema, validation, and the behaviour TestNoopFastPathMatches
// compares against). The framework spends about half a millisecond of CPU
// per resource on decoding, schema walks and logging context, which would
// dominate the 10,000-resource engine benchmarks this resource exists for.
func NewProtocol6Server(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		return StateOnlyServer(noopTypeName, OutputAsInput, providerserver.NewProtocol6(New(version)())())
	}
}

// StateOnlyServer wraps a provider's protocol-6 server so that the hot calls
// of its resource typeName, made with StateOnlyResource, are answered on raw
// values as indigo_noop's are, planning output as out says (the resource's
// own OutputPlan).
func StateOnlyServer(typeName string, out OutputPlan, next tfprotov6.ProviderServer) tfprotov6.ProviderServer {
	return &server{ProviderServer: next, fast: typeName, output: out}
}

// server answers a state-only resource's hot calls and hands everything
// else to the framework.
type server struct {
	tfprotov6.ProviderServer
	// fast is the state-only resource's type name: indigo_noop.
	fast   string
	output OutputPlan
}

func errorDiag(summary string, err error) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: err.Error()}}
}

// noopAttrs decodes a DynamicValue of indigo_noop; a missing value is null.
func (s *server) noopAttrs(dv *tfprotov6.DynamicValue) (map[string]tftypes.Value, error) {
	if dv == nil {
		return nil, nil
	}
	v, err := dv.Unmarshal(noopType)
	if err != nil {
		return nil, fmt.Errorf("decoding a %s value: %w", s.fast, err)
	}
	if v.IsNull() {
		return nil, nil
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return nil, fmt.Errorf("decoding a %s value: %w", s.fast, err)
	}
	return attrs, nil
}

func (s *server) encodeNoop(attrs map[string]tftypes.Value) (*tfprotov6.DynamicValue, error) {
	dv, err := tfprotov6.NewDynamicValue(noopType, tftypes.NewValue(noopType, attrs))
	if err != nil {
		return nil, fmt.Errorf("encoding a %s value: %w", s.fast, err)
	}
	return &dv, nil
}

// UpgradeResourceState decodes indigo_noop state from the JSON that state
// files hold; there is only schema version 0, so nothing changes.
func (s *server) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	if req.TypeName != s.fast || req.Version != 0 || req.RawState == nil {
		return s.ProviderServer.UpgradeResourceState(ctx, req)
	}
	resp := &tfprotov6.UpgradeResourceStateResponse{}
	v, err := req.RawState.UnmarshalWithOpts(noopType, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
	})
	if err != nil {
		resp.Diagnostics = errorDiag("Unable to read "+s.fast, err)
		return resp, nil
	}
	dv, err := tfprotov6.NewDynamicValue(noopType, v)
	if err != nil {
		resp.Diagnostics = errorDiag("Unable to read "+s.fast, err)
		return resp, nil
	}
	resp.UpgradedState = &dv
	return resp, nil
}

// ReadResource returns indigo_noop's state as it is: it exists only there.
func (s *server) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if req.TypeName != s.fast {
		return s.ProviderServer.ReadResource(ctx, req)
	}
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange plans output as input, keeps the id of an existing
// resource, and asks for a replacement when triggers_replace changes.
func (s *server) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if req.TypeName != s.fast {
		return s.ProviderServer.PlanResourceChange(ctx, req)
	}
	resp := &tfprotov6.PlanResourceChangeResponse{PlannedPrivate: req.PriorPrivate}
	proposed, err := s.noopAttrs(req.ProposedNewState)
	if err != nil {
		resp.Diagnostics = errorDiag("Unable to plan "+s.fast, err)
		return resp, nil
	}
	if proposed == nil { // destroy
		resp.PlannedState = req.ProposedNewState
		return resp, nil
	}
	prior, err := s.noopAttrs(req.PriorState)
	if err != nil {
		resp.Diagnostics = errorDiag("Unable to plan "+s.fast, err)
		return resp, nil
	}
	proposed["output"] = s.output.planned(prior, proposed)
	if prior == nil {
		proposed["id"] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	} else {
		proposed["id"] = prior["id"]
		if !proposed["triggers_replace"].Equal(prior["triggers_replace"]) {
			resp.RequiresReplace = []*tftypes.AttributePath{tftypes.NewAttributePath().WithAttributeName("triggers_replace")}
		}
	}
	if resp.PlannedState, err = s.encodeNoop(proposed); err != nil {
		resp.Diagnostics = errorDiag("Unable to plan "+s.fast, err)
	}
	return resp, nil
}

// ApplyResourceChange gives a new indigo_noop its id and output; an update
// takes the plan as it is, a delete has nothing to do.
func (s *server) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if req.TypeName != s.fast {
		return s.ProviderServer.ApplyResourceChange(ctx, req)
	}
	resp := &tfprotov6.ApplyResourceChangeResponse{Private: req.PlannedPrivate}
	planned, err := s.noopAttrs(req.PlannedState)
	if err != nil {
		resp.Diagnostics = errorDiag("Unable to apply "+s.fast, err)
		return resp, nil
	}
	if planned == nil { // delete
		resp.NewState = req.PlannedState
		return resp, nil
	}
	if !planned["output"].IsKnown() {
		planned["output"] = planned["input"]
	}
	if !planned["id"].IsKnown() || planned["id"].IsNull() {
		id, err := newUUID()
		if err != nil {
			resp.Diagnostics = errorDiag("Unable to create "+s.fast, err)
			return resp, nil
		}
		planned["id"] = tftypes.NewValue(tftypes.String, id)
	}
	if resp.NewState, err = s.encodeNoop(planned); err != nil {
		resp.Diagnostics = errorDiag("Unable to apply "+s.fast, err)
	}
	return resp, nil
}
