package indigo

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// fileDataSource is the indigo_file data source.
type fileDataSource struct {
	site *site
}

type fileDataModel struct {
	Path          types.String `tfsdk:"path"`
	Content       types.String `tfsdk:"content"`
	ContentBase64 types.String `tfsdk:"content_base64"`
	ID            types.String `tfsdk:"id"`
	Size          types.Int64  `tfsdk:"size"`
}

var _ datasource.DataSourceWithConfigure = (*fileDataSource)(nil)

func newFileDataSource() datasource.DataSource { return &fileDataSource{} }

func (d *fileDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_file"
}

func (d *fileDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Reads a file on the site.",
		Attributes: map[string]schema.Attribute{
			"path": schema.StringAttribute{
				Required:    true,
				Description: "The file to read. Relative paths resolve under the provider's root.",
				Validators:  []validator.String{nonEmpty()},
			},
			"content": schema.StringAttribute{
				Computed:    true,
				Description: "The content as text; bytes that are not UTF-8 become U+FFFD (use content_base64 for binary files).",
			},
			"content_base64": schema.StringAttribute{
				Computed:    true,
				Description: "The content as standard base64.",
			},
			"id": schema.StringAttribute{
				Computed:    true,
				Description: "The SHA-256 of the content, in hex.",
			},
			"size": schema.Int64Attribute{
				Computed:    true,
				Description: "The content's length in bytes.",
			},
		},
	}
}

func (d *fileDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, _ *datasource.ConfigureResponse) {
	if s, ok := req.ProviderData.(*site); ok {
		d.site = s
	}
}

func (d *fileDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m fileDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data, diags := readSiteFile(d.site, "The indigo_file data source", m.Path.ValueString())
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		return
	}
	m.Content = types.StringValue(textOf(data))
	m.ContentBase64 = types.StringValue(base64.StdEncoding.EncodeToString(data))
	m.ID = types.StringValue(contentID(data))
	m.Size = types.Int64Value(int64(len(data)))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// readSiteFile reads the file at p (relative paths under the site's root)
// for what (the data source or ephemeral resource asking), its problems
// as diagnostics on the path attribute.
func readSiteFile(s *site, what, p string) ([]byte, diag.Diagnostics) {
	var diags diag.Diagnostics
	if s == nil {
		diags.AddError("Provider not configured", what+" needs a configured indigo provider.")
		return nil, diags
	}
	name, err := s.resolve(p)
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return nil, diags
	}
	data, err := os.ReadFile(name)
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot read file", fmt.Sprintf("Reading %s: %v", name, err))
		return nil, diags
	}
	return data, diags
}
