package kubernetes

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// BlockKubernetes is the provider configuration block this package adds.
const BlockKubernetes = "kubernetes"

// ProviderBlocks returns the block the kubernetes target adds to the
// indigo provider's schema:
//
//	kubernetes {
//	  config_path    = "~/.kube/config"  # default: KUBECONFIG, then ~/.kube/config
//	  config_context = "kind-dev"        # default: the kubeconfig's current context
//	  namespace      = "science"         # default: the context's namespace, else "default"
//	}
func ProviderBlocks() map[string]schema.Block {
	return map[string]schema.Block{
		BlockKubernetes: schema.SingleNestedBlock{
			Description: "The Kubernetes cluster indigo_kubernetes_object resources act on, read from a kubeconfig as kubectl reads it. " +
				"Without this block (or with it empty) the cluster is the one KUBECONFIG (then ~/.kube/config) names in its current context.",
			Attributes: map[string]schema.Attribute{
				"config_path": schema.StringAttribute{
					Optional:    true,
					Description: "The kubeconfig file. Default: the files KUBECONFIG lists, then ~/.kube/config. A leading ~/ is the home directory.",
				},
				"config_context": schema.StringAttribute{
					Optional:    true,
					Description: "The kubeconfig context to use. Default: its current context.",
				},
				"namespace": schema.StringAttribute{
					Optional:    true,
					Description: `The namespace of namespaced objects whose manifest names none. Default: the context's namespace, else "default".`,
				},
			},
		},
	}
}

type blockModel struct {
	ConfigPath    types.String `tfsdk:"config_path"`
	ConfigContext types.String `tfsdk:"config_context"`
	Namespace     types.String `tfsdk:"namespace"`
}

// Configure reads the kubernetes block of the provider configuration. It
// does not read the kubeconfig or contact the cluster: that happens when a
// resource first needs a client.
func Configure(ctx context.Context, cfg tfsdk.Config) (*Site, diag.Diagnostics) {
	var diags diag.Diagnostics
	var m *blockModel
	diags.Append(cfg.GetAttribute(ctx, path.Root(BlockKubernetes), &m)...)
	if diags.HasError() {
		return nil, diags
	}
	s := &Site{}
	if m == nil {
		return s, diags
	}
	for _, v := range []types.String{m.ConfigPath, m.ConfigContext, m.Namespace} {
		if v.IsUnknown() {
			s.unknown = true
			return s, diags
		}
	}
	s.configPath = expandHome(m.ConfigPath.ValueString())
	s.context = m.ConfigContext.ValueString()
	s.namespace = m.Namespace.ValueString()
	return s, diags
}

// expandHome turns a leading ~/ into the home directory, as kubectl users
// write paths.
func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}
