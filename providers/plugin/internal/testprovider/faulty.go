package main

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// faulty6 wraps the framework's protocol-6 server to record calls and inject
// faults at the protocol level, where the framework cannot misbehave.
type faulty6 struct {
	tfprotov6.ProviderServer
}

func (f *faulty6) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	intercept("GetProviderSchema")
	return f.ProviderServer.GetProviderSchema(ctx, req)
}

func (f *faulty6) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	intercept("GetResourceIdentitySchemas")
	return f.ProviderServer.GetResourceIdentitySchemas(ctx, req)
}

func (f *faulty6) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	intercept("ConfigureProvider")
	return f.ProviderServer.ConfigureProvider(ctx, req)
}

func (f *faulty6) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	garbage := intercept("ReadResource")
	resp, err := f.ProviderServer.ReadResource(ctx, req)
	if garbage && resp != nil {
		resp.NewState = &tfprotov6.DynamicValue{MsgPack: notMsgpack}
	}
	return resp, err
}

func (f *faulty6) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	garbage := intercept("PlanResourceChange")
	resp, err := f.ProviderServer.PlanResourceChange(ctx, req)
	if garbage && resp != nil {
		resp.PlannedState = &tfprotov6.DynamicValue{MsgPack: notMsgpack}
	}
	return resp, err
}

func (f *faulty6) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	garbage := intercept("ApplyResourceChange")
	resp, err := f.ProviderServer.ApplyResourceChange(ctx, req)
	if garbage && resp != nil {
		resp.NewState = &tfprotov6.DynamicValue{MsgPack: notMsgpack}
	}
	return resp, err
}

// faulty5 is faulty6 for protocol 5.
type faulty5 struct {
	tfprotov5.ProviderServer
}

func (f *faulty5) GetProviderSchema(ctx context.Context, req *tfprotov5.GetProviderSchemaRequest) (*tfprotov5.GetProviderSchemaResponse, error) {
	intercept("GetProviderSchema")
	return f.ProviderServer.GetProviderSchema(ctx, req)
}

func (f *faulty5) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov5.GetResourceIdentitySchemasRequest) (*tfprotov5.GetResourceIdentitySchemasResponse, error) {
	intercept("GetResourceIdentitySchemas")
	return f.ProviderServer.GetResourceIdentitySchemas(ctx, req)
}

func (f *faulty5) ConfigureProvider(ctx context.Context, req *tfprotov5.ConfigureProviderRequest) (*tfprotov5.ConfigureProviderResponse, error) {
	intercept("ConfigureProvider")
	return f.ProviderServer.ConfigureProvider(ctx, req)
}

func (f *faulty5) ReadResource(ctx context.Context, req *tfprotov5.ReadResourceRequest) (*tfprotov5.ReadResourceResponse, error) {
	garbage := intercept("ReadResource")
	resp, err := f.ProviderServer.ReadResource(ctx, req)
	if garbage && resp != nil {
		resp.NewState = &tfprotov5.DynamicValue{MsgPack: notMsgpack}
	}
	return resp, err
}

func (f *faulty5) PlanResourceChange(ctx context.Context, req *tfprotov5.PlanResourceChangeRequest) (*tfprotov5.PlanResourceChangeResponse, error) {
	garbage := intercept("PlanResourceChange")
	resp, err := f.ProviderServer.PlanResourceChange(ctx, req)
	if garbage && resp != nil {
		resp.PlannedState = &tfprotov5.DynamicValue{MsgPack: notMsgpack}
	}
	return resp, err
}

func (f *faulty5) ApplyResourceChange(ctx context.Context, req *tfprotov5.ApplyResourceChangeRequest) (*tfprotov5.ApplyResourceChangeResponse, error) {
	garbage := intercept("ApplyResourceChange")
	resp, err := f.ProviderServer.ApplyResourceChange(ctx, req)
	if garbage && resp != nil {
		resp.NewState = &tfprotov5.DynamicValue{MsgPack: notMsgpack}
	}
	return resp, err
}

func (f *faulty6) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	intercept("ValidateProviderConfig")
	return f.ProviderServer.ValidateProviderConfig(ctx, req)
}

func (f *faulty6) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	intercept("ValidateResourceConfig")
	return f.ProviderServer.ValidateResourceConfig(ctx, req)
}

func (f *faulty6) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	intercept("ValidateDataResourceConfig")
	return f.ProviderServer.ValidateDataResourceConfig(ctx, req)
}

// The protocol-5 validations are recorded under their protocol-6 names.

func (f *faulty5) PrepareProviderConfig(ctx context.Context, req *tfprotov5.PrepareProviderConfigRequest) (*tfprotov5.PrepareProviderConfigResponse, error) {
	intercept("ValidateProviderConfig")
	return f.ProviderServer.PrepareProviderConfig(ctx, req)
}

func (f *faulty5) ValidateResourceTypeConfig(ctx context.Context, req *tfprotov5.ValidateResourceTypeConfigRequest) (*tfprotov5.ValidateResourceTypeConfigResponse, error) {
	intercept("ValidateResourceConfig")
	return f.ProviderServer.ValidateResourceTypeConfig(ctx, req)
}

func (f *faulty5) ValidateDataSourceConfig(ctx context.Context, req *tfprotov5.ValidateDataSourceConfigRequest) (*tfprotov5.ValidateDataSourceConfigResponse, error) {
	intercept("ValidateDataResourceConfig")
	return f.ProviderServer.ValidateDataSourceConfig(ctx, req)
}
