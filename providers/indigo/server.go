package indigo

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

const noopTypeName = TypeName + "_noop"

// noopType is indigo_noop's object type; TestNoopTypeMatchesSchema keeps it
// equal to the schema's.
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
		return &server{ProviderServer: providerserver.NewProtocol6(New(version)())()}
	}
}

// server answers indigo_noop's hot calls and hands everything else to the
// framework.
type server struct {
	tfprotov6.ProviderServer
}

func errorDiag(summary string, err error) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: err.Error()}}
}

// noopAttrs decodes a DynamicValue of indigo_noop; a missing value is null.
func noopAttrs(dv *tfprotov6.DynamicValue) (map[string]tftypes.Value, error) {
	if dv == nil {
		return nil, nil
	}
	v, err := dv.Unmarshal(noopType)
	if err != nil {
		return nil, fmt.Errorf("decoding an indigo_noop value: %w", err)
	}
	if v.IsNull() {
		return nil, nil
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return nil, fmt.Errorf("decoding an indigo_noop value: %w", err)
	}
	return attrs, nil
}

func encodeNoop(attrs map[string]tftypes.Value) (*tfprotov6.DynamicValue, error) {
	dv, err := tfprotov6.NewDynamicValue(noopType, tftypes.NewValue(noopType, attrs))
	if err != nil {
		return nil, fmt.Errorf("encoding an indigo_noop value: %w", err)
	}
	return &dv, nil
}

// UpgradeResourceState decodes indigo_noop state from the JSON that state
// files hold; there is only schema version 0, so nothing changes.
func (s *server) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	if req.TypeName != noopTypeName || req.Version != 0 || req.RawState == nil {
		return s.ProviderServer.UpgradeResourceState(ctx, req)
	}
	resp := &tfprotov6.UpgradeResourceStateResponse{}
	v, err := req.RawState.UnmarshalWithOpts(noopType, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
	})
	if err != nil {
		resp.Diagnostics = errorDiag("Unable to read indigo_noop state", err)
		return resp, nil
	}
	dv, err := tfprotov6.NewDynamicValue(noopType, v)
	if err != nil {
		resp.Diagnostics = errorDiag("Unable to read indigo_noop state", err)
		return resp, nil
	}
	resp.UpgradedState = &dv
	return resp, nil
}

// ReadResource returns indigo_noop's state as it is: it exists only there.
func (s *server) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if req.TypeName != noopTypeName {
		return s.ProviderServer.ReadResource(ctx, req)
	}
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange plans output as input, keeps the id of an existing
// resource, and asks for a replacement when triggers_replace changes.
func (s *server) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if req.TypeName != noopTypeName {
		return s.ProviderServer.PlanResourceChange(ctx, req)
	}
	resp := &tfprotov6.PlanResourceChangeResponse{PlannedPrivate: req.PriorPrivate}
	proposed, err := noopAttrs(req.ProposedNewState)
	if err != nil {
		resp.Diagnostics = errorDiag("Unable to plan indigo_noop", err)
		return resp, nil
	}
	if proposed == nil { // destroy
		resp.PlannedState = req.ProposedNewState
		return resp, nil
	}
	prior, err := noopAttrs(req.PriorState)
	if err != nil {
		resp.Diagnostics = errorDiag("Unable to plan indigo_noop", err)
		return resp, nil
	}
	proposed["output"] = proposed["input"]
	if prior == nil {
		proposed["id"] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	} else {
		proposed["id"] = prior["id"]
		if !proposed["triggers_replace"].Equal(prior["triggers_replace"]) {
			resp.RequiresReplace = []*tftypes.AttributePath{tftypes.NewAttributePath().WithAttributeName("triggers_replace")}
		}
	}
	if resp.PlannedState, err = encodeNoop(proposed); err != nil {
		resp.Diagnostics = errorDiag("Unable to plan indigo_noop", err)
	}
	return resp, nil
}

// ApplyResourceChange gives a new indigo_noop its id and output; an update
// takes the plan as it is, a delete has nothing to do.
func (s *server) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if req.TypeName != noopTypeName {
		return s.ProviderServer.ApplyResourceChange(ctx, req)
	}
	resp := &tfprotov6.ApplyResourceChangeResponse{Private: req.PlannedPrivate}
	planned, err := noopAttrs(req.PlannedState)
	if err != nil {
		resp.Diagnostics = errorDiag("Unable to apply indigo_noop", err)
		return resp, nil
	}
	if planned == nil { // delete
		resp.NewState = req.PlannedState
		return resp, nil
	}
	planned["output"] = planned["input"]
	if !planned["id"].IsKnown() || planned["id"].IsNull() {
		id, err := newUUID()
		if err != nil {
			resp.Diagnostics = errorDiag("Unable to create indigo_noop", err)
			return resp, nil
		}
		planned["id"] = tftypes.NewValue(tftypes.String, id)
	}
	if resp.NewState, err = encodeNoop(planned); err != nil {
		resp.Diagnostics = errorDiag("Unable to apply indigo_noop", err)
	}
	return resp, nil
}
