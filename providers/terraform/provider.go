package terraform

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/indigo-cloud/indigo/providers/indigo"
)

// TypeName is the provider's type name: its types are named terraform_*.
const TypeName = "terraform"

// Provider is the terraform provider. It takes no configuration.
type Provider struct {
	version string
}

var _ provider.ProviderWithFunctions = (*Provider)(nil)

// New returns a factory for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &Provider{version: version} }
}

// NewProtocol6Server returns a factory for the provider's protocol-6 server:
// the framework's, with terraform_data's hot calls answered on raw values
// as indigo_noop's are.
func NewProtocol6Server(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		return indigo.StateOnlyServer(TypeName+"_data", indigo.OutputAfterApply, providerserver.NewProtocol6(New(version)())())
	}
}

// Metadata reports the type name and version.
func (p *Provider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = TypeName
	resp.Version = p.version
}

// Schema is empty: the provider has no settings.
func (p *Provider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The provider Terraform and OpenTofu build in: terraform_data, terraform_remote_state and the functions encode_tfvars, decode_tfvars and encode_expr. It has no settings.",
	}
}

// Configure has nothing to configure.
func (p *Provider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

// Resources lists terraform_data.
func (p *Provider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{indigo.StateOnlyResource("_data", indigo.OutputAfterApply)}
}

// DataSources lists terraform_remote_state.
func (p *Provider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newRemoteState}
}

// Functions lists encode_tfvars, decode_tfvars and encode_expr.
func (p *Provider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{newEncodeTfvars, newDecodeTfvars, newEncodeExpr}
}
