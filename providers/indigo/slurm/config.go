package slurm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// BlockSlurm is the name of the provider configuration block this package
// adds.
const BlockSlurm = "slurm"

// ProviderBlocks returns the block the slurm target adds to the indigo
// provider's schema:
//
//	slurm {
//	  site     = "hpc"                    # how messages name the cluster
//	  conf     = "/etc/slurm/slurm.conf"  # default: SLURM_CONF, then Slurm's own default
//	  work_dir = "/scratch/me"            # jobs' default working directory
//	}
func ProviderBlocks() map[string]schema.Block {
	return map[string]schema.Block{
		BlockSlurm: schema.SingleNestedBlock{
			Description: "The Slurm cluster indigo_slurm_job resources submit to. Without it, the client commands find the cluster the usual way (SLURM_CONF, then /etc/slurm/slurm.conf).",
			Attributes: map[string]schema.Attribute{
				"site": schema.StringAttribute{
					Optional:    true,
					Description: `The name messages give the cluster (the site's name). Default "slurm".`,
				},
				"conf": schema.StringAttribute{
					Optional:    true,
					Description: "The cluster's slurm.conf, passed to the client commands as SLURM_CONF. Default: the environment's SLURM_CONF.",
				},
				"work_dir": schema.StringAttribute{
					Optional:    true,
					Description: "The working directory of jobs that name none, on the cluster's shared file system. Default: the provider's working directory.",
				},
			},
		},
	}
}

type blockModel struct {
	Site    types.String `tfsdk:"site"`
	Conf    types.String `tfsdk:"conf"`
	WorkDir types.String `tfsdk:"work_dir"`
}

// Configure reads the slurm block into a Site. It runs nothing: the
// cluster is first reached when a resource needs it.
func Configure(ctx context.Context, cfg tfsdk.Config) (*Site, diag.Diagnostics) {
	var diags diag.Diagnostics
	var b *blockModel
	diags.Append(cfg.GetAttribute(ctx, path.Root(BlockSlurm), &b)...)
	if diags.HasError() {
		return nil, diags
	}
	s := &Site{Name: "slurm", Conf: os.Getenv("SLURM_CONF")}
	if wd, err := os.Getwd(); err == nil {
		s.WorkDir = wd
	}
	if b == nil {
		return s, diags
	}
	if b.Site.IsUnknown() || b.Conf.IsUnknown() || b.WorkDir.IsUnknown() {
		s.unknown = true
		return s, diags
	}
	if v := b.Site.ValueString(); v != "" {
		s.Name = v
	}
	if v := b.Conf.ValueString(); v != "" {
		abs, err := filepath.Abs(v)
		if err != nil {
			diags.AddAttributeError(path.Root(BlockSlurm).AtName("conf"), "Invalid slurm.conf path", fmt.Sprintf("Cannot make %q absolute: %v.", v, err))
			return nil, diags
		}
		s.Conf = abs
	}
	if v := b.WorkDir.ValueString(); v != "" {
		abs, err := filepath.Abs(v)
		if err != nil {
			diags.AddAttributeError(path.Root(BlockSlurm).AtName("work_dir"), "Invalid work_dir", fmt.Sprintf("Cannot make %q absolute: %v.", v, err))
			return nil, diags
		}
		s.WorkDir = abs
	}
	return s, diags
}

// siteHolder is what resources expect the provider's resource data to be.
type siteHolder interface{ SlurmSite() *Site }

// siteOf returns the Site in a resource's provider data, or nil.
func siteOf(providerData any) *Site {
	if h, ok := providerData.(siteHolder); ok {
		return h.SlurmSite()
	}
	return nil
}
