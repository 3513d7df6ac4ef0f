package plugin

import (
	"context"
	"fmt"

	pb "github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin6"
)

func (c *protocol6) validateEphemeralResourceConfig(ctx context.Context, typeName string, cfg *dynamicValue) (Diagnostics, error) {
	resp, err := c.client.ValidateEphemeralResourceConfig(ctx, &pb.ValidateEphemeralResourceConfig_Request{TypeName: typeName, Config: toDynamic6(cfg)})
	if err != nil {
		return nil, err
	}
	return diags6(resp.GetDiagnostics()), nil
}

func (c *protocol6) openEphemeralResource(ctx context.Context, typeName string, cfg *dynamicValue) (*openResult, error) {
	resp, err := c.client.OpenEphemeralResource(ctx, &pb.OpenEphemeralResource_Request{
		TypeName:           typeName,
		Config:             toDynamic6(cfg),
		ClientCapabilities: clientCapabilities6(),
	})
	if err != nil {
		return nil, err
	}
	return &openResult{
		result:   fromDynamic6(resp.GetResult()),
		private:  resp.GetPrivate(),
		renewAt:  timeOf(resp.GetRenewAt()),
		diags:    diags6(resp.GetDiagnostics()),
		deferred: resp.GetDeferred() != nil,
	}, nil
}

func (c *protocol6) renewEphemeralResource(ctx context.Context, typeName string, private []byte) (*renewResult, error) {
	resp, err := c.client.RenewEphemeralResource(ctx, &pb.RenewEphemeralResource_Request{TypeName: typeName, Private: private})
	if err != nil {
		return nil, err
	}
	return &renewResult{private: resp.GetPrivate(), renewAt: timeOf(resp.GetRenewAt()), diags: diags6(resp.GetDiagnostics())}, nil
}

func (c *protocol6) closeEphemeralResource(ctx context.Context, typeName string, private []byte) (Diagnostics, error) {
	resp, err := c.client.CloseEphemeralResource(ctx, &pb.CloseEphemeralResource_Request{TypeName: typeName, Private: private})
	if err != nil {
		return nil, err
	}
	return diags6(resp.GetDiagnostics()), nil
}

// ephemeralSchemas6 reads the ephemeral resource schemas into s.
func ephemeralSchemas6(resp *pb.GetProviderSchema_Response, s *Schema) error {
	s.EphemeralResources = make(map[string]ResourceSchema, len(resp.GetEphemeralResourceSchemas()))
	for name, es := range resp.GetEphemeralResourceSchemas() {
		b, err := block6(es.GetBlock())
		if err != nil {
			return fmt.Errorf("schema of ephemeral resource type %s: %w", name, err)
		}
		s.EphemeralResources[name] = ResourceSchema{Version: es.GetVersion(), Block: b}
	}
	return nil
}
