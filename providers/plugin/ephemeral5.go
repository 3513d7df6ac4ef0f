package plugin

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin5"
)

func (c *protocol5) validateEphemeralResourceConfig(ctx context.Context, typeName string, cfg *dynamicValue) (Diagnostics, error) {
	resp, err := c.client.ValidateEphemeralResourceConfig(ctx, &pb.ValidateEphemeralResourceConfig_Request{TypeName: typeName, Config: toDynamic5(cfg)})
	if err != nil {
		return nil, err
	}
	return diags5(resp.GetDiagnostics()), nil
}

func (c *protocol5) openEphemeralResource(ctx context.Context, typeName string, cfg *dynamicValue) (*openResult, error) {
	resp, err := c.client.OpenEphemeralResource(ctx, &pb.OpenEphemeralResource_Request{
		TypeName:           typeName,
		Config:             toDynamic5(cfg),
		ClientCapabilities: clientCapabilities5(),
	})
	if err != nil {
		return nil, err
	}
	return &openResult{
		result:   fromDynamic5(resp.GetResult()),
		private:  resp.GetPrivate(),
		renewAt:  timeOf(resp.GetRenewAt()),
		diags:    diags5(resp.GetDiagnostics()),
		deferred: resp.GetDeferred() != nil,
	}, nil
}

func (c *protocol5) renewEphemeralResource(ctx context.Context, typeName string, private []byte) (*renewResult, error) {
	resp, err := c.client.RenewEphemeralResource(ctx, &pb.RenewEphemeralResource_Request{TypeName: typeName, Private: private})
	if err != nil {
		return nil, err
	}
	return &renewResult{private: resp.GetPrivate(), renewAt: timeOf(resp.GetRenewAt()), diags: diags5(resp.GetDiagnostics())}, nil
}

func (c *protocol5) closeEphemeralResource(ctx context.Context, typeName string, private []byte) (Diagnostics, error) {
	resp, err := c.client.CloseEphemeralResource(ctx, &pb.CloseEphemeralResource_Request{TypeName: typeName, Private: private})
	if err != nil {
		return nil, err
	}
	return diags5(resp.GetDiagnostics()), nil
}

// ephemeralSchemas5 reads the ephemeral resource schemas into s.
func ephemeralSchemas5(resp *pb.GetProviderSchema_Response, s *Schema) error {
	s.EphemeralResources = make(map[string]ResourceSchema, len(resp.GetEphemeralResourceSchemas()))
	for name, es := range resp.GetEphemeralResourceSchemas() {
		b, err := block5(es.GetBlock())
		if err != nil {
			return fmt.Errorf("schema of ephemeral resource type %s: %w", name, err)
		}
		s.EphemeralResources[name] = ResourceSchema{Version: es.GetVersion(), Block: b}
	}
	return nil
}

// timeOf is the time of an optional timestamp; zero when absent.
func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}
