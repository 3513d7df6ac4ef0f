package indigo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/indigo-cloud/indigo/providers/indigo/container"
	"github.com/indigo-cloud/indigo/providers/indigo/engine"
	"github.com/indigo-cloud/indigo/providers/indigo/kubernetes"
	"github.com/indigo-cloud/indigo/providers/indigo/local"
	"github.com/indigo-cloud/indigo/providers/indigo/s3"
	"github.com/indigo-cloud/indigo/providers/indigo/slurm"
	"github.com/indigo-cloud/indigo/providers/indigo/steps"
)

// TypeName is the provider's type name: resources are named indigo_*.
const TypeName = "indigo"

// Provider is the indigo provider. Create it with New; the zero value is
// usable and reports an empty version.
type Provider struct {
	version string
}

var _ provider.Provider = (*Provider)(nil)

// New returns a factory for the provider, as providerserver expects.
// version is what the provider reports in its metadata.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &Provider{version: version} }
}

// Metadata reports the type name and version.
func (p *Provider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = TypeName
	resp.Version = p.version
}

// Schema describes the provider configuration.
func (p *Provider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "indigo's local site (files, directories, long-running services, rootless containers and no-op resources on this machine), " +
			"S3 storage (buckets, replication, lifecycle rules, tiers, canned policies) on the endpoint of its s3 block, " +
			"batch jobs on the Slurm cluster of its slurm block, " +
			"and Kubernetes objects on the cluster of its kubernetes block (default: the cluster KUBECONFIG names).",
		Attributes: map[string]schema.Attribute{
			"root": schema.StringAttribute{
				Optional: true,
				Description: "The site's root directory. Relative paths in resources resolve under it. " +
					"Default: the working directory. Created on first write.",
				Validators: []validator.String{nonEmpty()},
			},
		},
		Blocks: blocks(s3.ProviderBlocks(), slurm.ProviderBlocks(), engine.ProviderBlocks(), kubernetes.ProviderBlocks()),
	}
}

// blocks merges the provider configuration blocks of the targets.
func blocks(sets ...map[string]schema.Block) map[string]schema.Block {
	out := map[string]schema.Block{}
	for _, set := range sets {
		for name, b := range set {
			out[name] = b
		}
	}
	return out
}

// Configure resolves the root directory and hands it to resources and data
// sources, with the s3 target's endpoints. It does not touch the disk or
// the network: the root is created on first write, S3 clients on first use.
func (p *Provider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var root types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("root"), &root)...)
	s3site, diags := s3.Configure(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	slurmSite, diags := slurm.Configure(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	engineSite, diags := engine.Configure(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	kubeSite, diags := kubernetes.Configure(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	s := &site{s3: s3site, slurm: slurmSite, engine: engineSite, kube: kubeSite}
	switch {
	case root.IsUnknown():
		// Terraform may configure with unknown values while planning; the
		// root is only needed when something is written or read.
		s.unknownRoot = true
	case root.IsNull():
		wd, err := os.Getwd()
		if err != nil {
			resp.Diagnostics.AddError("Cannot find the working directory",
				fmt.Sprintf("The provider's root defaults to the working directory, which cannot be read: %v. Set root explicitly.", err))
			return
		}
		s.root = wd
	default:
		abs, err := filepath.Abs(root.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("root"), "Invalid root", fmt.Sprintf("Cannot make %q absolute: %v.", root.ValueString(), err))
			return
		}
		s.root = abs
	}
	resp.ResourceData = s
	resp.DataSourceData = s
	resp.EphemeralResourceData = s
}

// Resources lists the provider's managed resource types.
func (p *Provider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newFileResource,
		newDirectoryResource,
		newServiceResource,
		newNoopResource,
		local.NewStorageCopyResource,
		local.NewPOSIXACLResource,
		container.NewResource,
		steps.NewStepResource,
		s3.NewBucketResource,
		s3.NewReplicationResource,
		s3.NewLifecycleResource,
		s3.NewTierResource,
		s3.NewPolicyResource,
		s3.NewGroupResource,
		s3.NewUserPolicyResource,
		slurm.NewJobResource,
		engine.NewDeploymentResource,
		engine.NewStorageResource,
		engine.NewGroupResource,
		engine.NewPolicyResource,
		kubernetes.NewObjectResource,
	}
}

// EngineSite hands the engine room's resources their state backend.
func (s *site) EngineSite() *engine.Site { return s.engine }

// KubeSite hands the kubernetes target's resources their cluster.
func (s *site) KubeSite() *kubernetes.Site { return s.kube }

// S3Site hands the s3 target's resources their endpoints.
func (s *site) S3Site() *s3.Site { return s.s3 }

// SlurmSite hands the slurm target's resources their cluster.
func (s *site) SlurmSite() *slurm.Site { return s.slurm }

// DataSources lists the provider's data sources.
func (p *Provider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newFileDataSource,
		engine.NewPlacementDataSource,
	}
}
