package planner

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// Provider is what the planner needs of a running provider plugin. The
// client in providers/plugin implements it over gRPC; tests may use any
// implementation that keeps the protocol's rules.
type Provider interface {
	Schema(ctx context.Context) (*plugin.Schema, error)
	ValidateProviderConfig(ctx context.Context, cfg cty.Value) (cty.Value, plugin.Diagnostics)
	ConfigureProvider(ctx context.Context, req plugin.ConfigureRequest) plugin.Diagnostics
	ValidateResourceConfig(ctx context.Context, req plugin.ValidateRequest) plugin.Diagnostics
	ValidateDataResourceConfig(ctx context.Context, req plugin.ValidateRequest) plugin.Diagnostics
	UpgradeResourceState(ctx context.Context, req plugin.UpgradeRequest) plugin.UpgradeResponse
	// UpgradeResourceIdentity turns a recorded resource identity into a
	// value of the current identity schema's type.
	UpgradeResourceIdentity(ctx context.Context, req plugin.UpgradeIdentityRequest) plugin.UpgradeIdentityResponse
	ReadResource(ctx context.Context, req plugin.ReadRequest) plugin.ReadResponse
	PlanResourceChange(ctx context.Context, req plugin.PlanRequest) plugin.PlanResponse
	ApplyResourceChange(ctx context.Context, req plugin.ApplyRequest) plugin.ApplyResponse
	ImportResourceState(ctx context.Context, req plugin.ImportRequest) plugin.ImportResponse
	// MoveResourceState converts an object of another resource type (a
	// moved block between types) into one of this provider's.
	MoveResourceState(ctx context.Context, req plugin.MoveRequest) plugin.MoveResponse
	ReadDataSource(ctx context.Context, req plugin.ReadDataRequest) plugin.ReadDataResponse
	// CallFunction calls a provider-defined function; the provider's own
	// error is a *plugin.FunctionError.
	CallFunction(ctx context.Context, name string, args []cty.Value) (cty.Value, error)
	// Stop asks the provider to stop its in-flight operations gracefully.
	Stop(ctx context.Context) error
	// Close ends the provider process.
	Close() error
}

// Providers starts provider plugins. The planner starts one process per
// provider configuration it needs and closes them when the run ends.
type Providers interface {
	Start(ctx context.Context, addr config.Provider) (Provider, error)
}

// ConfigProviders is a Providers that may start a different plugin for each
// provider configuration: when provs implements it, the planner calls
// StartConfig with the configuration's address instead of Start (indigo
// test mocks one configuration of a provider and not another).
type ConfigProviders interface {
	StartConfig(ctx context.Context, addr config.ProviderConfigAddr) (Provider, error)
}

// ProvidersFunc adapts a function to Providers.
type ProvidersFunc func(ctx context.Context, addr config.Provider) (Provider, error)

// Start implements Providers.
func (f ProvidersFunc) Start(ctx context.Context, addr config.Provider) (Provider, error) {
	return f(ctx, addr)
}
