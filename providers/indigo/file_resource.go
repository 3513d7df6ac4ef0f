package indigo

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

const (
	defaultFilePermission      = "0644"
	defaultDirectoryPermission = "0755"
)

// fileResource is indigo_file.
type fileResource struct {
	site *site
}

type fileModel struct {
	Path                types.String `tfsdk:"path"`
	Content             types.String `tfsdk:"content"`
	ContentBase64       types.String `tfsdk:"content_base64"`
	SensitiveContent    types.String `tfsdk:"sensitive_content"`
	ContentWO           types.String `tfsdk:"content_wo"`
	ContentWOVersion    types.Int64  `tfsdk:"content_wo_version"`
	FilePermission      types.String `tfsdk:"file_permission"`
	DirectoryPermission types.String `tfsdk:"directory_permission"`
	ID                  types.String `tfsdk:"id"`
	Size                types.Int64  `tfsdk:"size"`
}

var (
	_ resource.ResourceWithConfigure        = (*fileResource)(nil)
	_ resource.ResourceWithConfigValidators = (*fileResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*fileResource)(nil)
	_ resource.ResourceWithImportState      = (*fileResource)(nil)
	_ resource.ResourceWithIdentity         = (*fileResource)(nil)
)

func newFileResource() resource.Resource { return &fileResource{} }

// IdentitySchema: a file is known by its path, as written in path.
func (r *fileResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"path": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "The file's path, as written in path: relative paths resolve under the provider's root.",
			},
		},
	}
}

// setFileIdentity records the file's path as its identity, when the
// client deals in identities (the framework gives no identity otherwise).
func setFileIdentity(ctx context.Context, id *tfsdk.ResourceIdentity, p types.String) diag.Diagnostics {
	if id == nil {
		return nil
	}
	return id.SetAttribute(ctx, path.Root("path"), p)
}

func (r *fileResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_file"
}

func (r *fileResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A file on the site, written atomically. A path change replaces it; content and permission changes rewrite it in place.",
		Attributes: map[string]schema.Attribute{
			"path": schema.StringAttribute{
				Required:      true,
				Description:   "Where the file is. Relative paths resolve under the provider's root. Changing it replaces the file.",
				Validators:    []validator.String{nonEmpty()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"content": schema.StringAttribute{
				Optional:    true,
				Description: "The content as UTF-8 text. Exactly one of content, content_base64, sensitive_content and content_wo is set.",
			},
			"content_base64": schema.StringAttribute{
				Optional:    true,
				Description: "The content as standard base64, for binary files.",
				Validators:  []validator.String{base64String()},
			},
			"sensitive_content": schema.StringAttribute{
				Optional:    true,
				Sensitive:   true,
				Description: "The content as UTF-8 text, hidden in plans and output.",
			},
			"content_wo": schema.StringAttribute{
				Optional:    true,
				Sensitive:   true,
				WriteOnly:   true,
				Description: "The content as UTF-8 text, write-only: sent when the file is written and never stored in state or plan. Change content_wo_version to write a new value. A later plan notices a file that is missing or whose size changed, not other edits (nothing about the content is kept).",
			},
			"content_wo_version": schema.Int64Attribute{
				Optional:    true,
				Description: "Set with content_wo; changing it rewrites the file with the current content_wo.",
			},
			"file_permission": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString(defaultFilePermission),
				Description: `The file's mode in octal. Default "0644".`,
				Validators:  []validator.String{permission()},
			},
			"directory_permission": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString(defaultDirectoryPermission),
				Description: `The mode of parent directories this resource creates (less the umask). Default "0755".`,
				Validators:  []validator.String{permission()},
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

func (r *fileResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{exactlyOneOf{"content", "content_base64", "sensitive_content", "content_wo"}, woVersion{}}
}

func (r *fileResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s, ok := req.ProviderData.(*site); ok {
		r.site = s
	}
}

// woVersion requires content_wo_version with content_wo and only with it.
type woVersion struct{}

func (woVersion) Description(context.Context) string {
	return "content_wo_version is set exactly when content_wo is"
}
func (v woVersion) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (woVersion) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var wo types.String
	var version types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("content_wo"), &wo)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("content_wo_version"), &version)...)
	switch {
	case wo.IsUnknown() || version.IsUnknown():
	case !wo.IsNull() && version.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("content_wo_version"), "Missing content_wo_version",
			"content_wo is write-only, so a change to it cannot be seen: set content_wo_version (e.g. 1) and change it whenever content_wo changes.")
	case wo.IsNull() && !version.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("content_wo_version"), "content_wo_version without content_wo",
			"content_wo_version versions the write-only content_wo; remove it or set content_wo.")
	}
}

// writeOnly reports whether m's content is the write-only content_wo (in
// state, where content_wo itself is always null, by its version).
func (m *fileModel) writeOnly() bool { return !m.ContentWOVersion.IsNull() }

// woID is the id of a file written from content_wo: it names the version,
// since a digest of the content would let the secret be guessed offline.
func woID(version int64) string { return fmt.Sprintf("content_wo-v%d", version) }

// configWO reads content_wo from the configuration (write-only values are
// there and only there).
func configWO(ctx context.Context, cfg tfsdk.Config, m *fileModel) diag.Diagnostics {
	if !m.writeOnly() {
		return nil
	}
	return cfg.GetAttribute(ctx, path.Root("content_wo"), &m.ContentWO)
}

// contentAttr names the attribute that holds the content in m: the one that
// is set, or "" when none is.
func (m *fileModel) contentAttr() string {
	switch {
	case !m.SensitiveContent.IsNull():
		return "sensitive_content"
	case !m.ContentBase64.IsNull():
		return "content_base64"
	case !m.Content.IsNull():
		return "content"
	}
	return ""
}

// bytes returns the content m describes; known is false when it is unknown.
func (m *fileModel) bytes() (data []byte, known bool, err error) {
	if m.writeOnly() {
		return []byte(m.ContentWO.ValueString()), !m.ContentWO.IsUnknown(), nil
	}
	switch m.contentAttr() {
	case "sensitive_content":
		return []byte(m.SensitiveContent.ValueString()), !m.SensitiveContent.IsUnknown(), nil
	case "content_base64":
		if m.ContentBase64.IsUnknown() {
			return nil, false, nil
		}
		data, err := base64.StdEncoding.DecodeString(m.ContentBase64.ValueString())
		if err != nil {
			return nil, true, fmt.Errorf("content_base64 is not valid base64: %w", err)
		}
		return data, true, nil
	case "content":
		return []byte(m.Content.ValueString()), !m.Content.IsUnknown(), nil
	}
	return nil, true, nil
}

// setContent stores data in the attribute that held the content, or, when
// none did (after an import), in content if it is UTF-8 text and in
// content_base64 if not.
func (m *fileModel) setContent(data []byte) {
	attrName := m.contentAttr()
	if attrName == "" {
		attrName = "content_base64"
		if utf8.Valid(data) {
			attrName = "content"
		}
	}
	switch attrName {
	case "sensitive_content":
		m.SensitiveContent = types.StringValue(textOf(data))
	case "content_base64":
		m.ContentBase64 = types.StringValue(base64.StdEncoding.EncodeToString(data))
	default:
		m.Content = types.StringValue(textOf(data))
	}
	m.ID = types.StringValue(contentID(data))
	m.Size = types.Int64Value(int64(len(data)))
}

// textOf turns file bytes into a string attribute value. Bytes that are not
// UTF-8 (a file changed outside to binary) become U+FFFD: the value then
// differs from the configuration and the next plan rewrites the file.
func textOf(data []byte) string {
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

func contentID(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ModifyPlan computes id and size from the planned content, so a plan shows
// them instead of "known after apply".
func (r *fileResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan fileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(configWO(ctx, req.Config, &plan)...)
	data, known, err := plan.bytes()
	if err != nil || !known {
		return
	}
	id := contentID(data)
	if plan.writeOnly() {
		id = woID(plan.ContentWOVersion.ValueInt64())
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringValue(id))...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("size"), types.Int64Value(int64(len(data))))...)
}

func (r *fileResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan fileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(configWO(ctx, req.Config, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.write(&plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(setFileIdentity(ctx, resp.Identity, plan.Path)...)
}

func (r *fileResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan fileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(configWO(ctx, req.Config, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.write(&plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(setFileIdentity(ctx, resp.Identity, plan.Path)...)
}

// write writes the planned file and fills in id and size.
func (r *fileResource) write(m *fileModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.site == nil {
		diags.AddError("Provider not configured", "indigo_file needs a configured indigo provider.")
		return diags
	}
	name, err := r.site.resolve(m.Path.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return diags
	}
	data, _, err := m.bytes()
	if err != nil {
		diags.AddAttributeError(path.Root("content_base64"), "Invalid content", err.Error())
		return diags
	}
	perm, err := parsePermission(m.FilePermission.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("file_permission"), "Invalid permission", err.Error())
		return diags
	}
	dirPerm, err := parsePermission(m.DirectoryPermission.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("directory_permission"), "Invalid permission", err.Error())
		return diags
	}
	if err := r.site.prepareWrite(name); err != nil {
		diags.AddAttributeError(path.Root("path"), "Site root not writable", err.Error())
		return diags
	}
	if err := writeFileAtomic(name, data, fs.FileMode(perm), fs.FileMode(dirPerm)); err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot write file", fmt.Sprintf("Writing %s: %v", name, err))
		return diags
	}
	m.ID = types.StringValue(contentID(data))
	if m.writeOnly() {
		m.ID = types.StringValue(woID(m.ContentWOVersion.ValueInt64()))
		m.ContentWO = types.StringNull()
	}
	m.Size = types.Int64Value(int64(len(data)))
	return diags
}

// Read compares the file on disk with the state: a missing file removes the
// resource from state (the next plan creates it again); changed content or
// mode is put into state so the next plan shows the difference.
func (r *fileResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state fileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.site == nil {
		return
	}
	// Even for a file that is gone: the framework wants an identity with
	// every answer.
	resp.Diagnostics.Append(setFileIdentity(ctx, resp.Identity, state.Path)...)
	name, err := r.site.resolve(state.Path.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return
	}
	info, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !info.Mode().IsRegular()) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot read file", fmt.Sprintf("Reading %s: %v", name, err))
		return
	}
	data, err := os.ReadFile(name)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot read file", fmt.Sprintf("Reading %s: %v", name, err))
		return
	}
	switch {
	case state.writeOnly():
		// Nothing about a write-only content is kept but its size: a
		// different size is drift the next plan repairs.
		state.Size = types.Int64Value(int64(len(data)))
	case state.ID.IsNull() || state.ID.ValueString() != contentID(data) || state.contentAttr() == "":
		state.setContent(data)
	}
	mode := uint32(info.Mode().Perm())
	if have, err := parsePermission(state.FilePermission.ValueString()); err != nil || have != mode {
		state.FilePermission = types.StringValue(fmt.Sprintf("%04o", mode))
	}
	if state.DirectoryPermission.IsNull() {
		state.DirectoryPermission = types.StringValue(defaultDirectoryPermission)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *fileResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state fileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.site == nil {
		resp.Diagnostics.AddError("Provider not configured", "indigo_file needs a configured indigo provider.")
		return
	}
	name, err := r.site.resolve(state.Path.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return
	}
	removeStaleTemps(filepath.Dir(name), filepath.Base(name))
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot delete file", fmt.Sprintf("Removing %s: %v", name, err))
	}
}

// ImportState takes the file's path (as it would be written in path), as
// the import id or as the identity's path; Read then fills in the content
// (content for UTF-8 text, content_base64 otherwise) and the mode.
func (r *fileResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" && req.Identity != nil {
		var p types.String
		resp.Diagnostics.Append(req.Identity.GetAttribute(ctx, path.Root("path"), &p)...)
		if resp.Diagnostics.HasError() {
			return
		}
		req.ID = p.ValueString()
	}
	if req.ID == "" {
		resp.Diagnostics.AddError("Missing import ID", "Import an indigo_file by its path: id = \"PATH\" or identity = { path = \"PATH\" }.")
		return
	}
	if r.site != nil {
		name, err := r.site.resolve(req.ID)
		if err != nil {
			resp.Diagnostics.AddError("Cannot resolve path", err.Error())
			return
		}
		if info, err := os.Stat(name); err != nil || !info.Mode().IsRegular() {
			resp.Diagnostics.AddError("Cannot import file", fmt.Sprintf("There is no regular file at %s to import.", name))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("path"), req.ID)...)
	resp.Diagnostics.Append(setFileIdentity(ctx, resp.Identity, types.StringValue(req.ID))...)
}
