package indigo

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// fileEphemeral is the indigo_file ephemeral resource: a file on the site
// read in every run, its content never recorded. It is how a secret kept
// in a file (a key, a token a vault agent wrote) reaches a provider block
// or a write-only argument without entering the state, as the indigo_file
// data source would make it.
type fileEphemeral struct {
	site *site
}

type fileEphemeralModel struct {
	Path    types.String `tfsdk:"path"`
	Content types.String `tfsdk:"content"`
	Size    types.Int64  `tfsdk:"size"`
}

var _ ephemeral.EphemeralResourceWithConfigure = (*fileEphemeral)(nil)

func newFileEphemeral() ephemeral.EphemeralResource { return &fileEphemeral{} }

func (e *fileEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_file"
}

func (e *fileEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Reads a file on the site in every run; its content is never recorded in a state or a plan.",
		Attributes: map[string]schema.Attribute{
			"path": schema.StringAttribute{
				Required:    true,
				Description: "The file to read. Relative paths resolve under the provider's root.",
				Validators:  []validator.String{nonEmpty()},
			},
			"content": schema.StringAttribute{
				Computed:    true,
				Sensitive:   true,
				Description: "The content as text; bytes that are not UTF-8 become U+FFFD.",
			},
			"size": schema.Int64Attribute{
				Computed:    true,
				Description: "The content's length in bytes.",
			},
		},
	}
}

func (e *fileEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, _ *ephemeral.ConfigureResponse) {
	if s, ok := req.ProviderData.(*site); ok {
		e.site = s
	}
}

func (e *fileEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m fileEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data, diags := readSiteFile(e.site, "The indigo_file ephemeral resource", m.Path.ValueString())
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		return
	}
	m.Content = types.StringValue(textOf(data))
	m.Size = types.Int64Value(int64(len(data)))
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
