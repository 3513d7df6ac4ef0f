package indigo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// directoryResource is indigo_directory.
type directoryResource struct {
	site *site
}

type directoryModel struct {
	Path         types.String `tfsdk:"path"`
	Permission   types.String `tfsdk:"permission"`
	ForceDestroy types.Bool   `tfsdk:"force_destroy"`
	ID           types.String `tfsdk:"id"`
}

var (
	_ resource.ResourceWithConfigure   = (*directoryResource)(nil)
	_ resource.ResourceWithImportState = (*directoryResource)(nil)
)

func newDirectoryResource() resource.Resource { return &directoryResource{} }

func (r *directoryResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_directory"
}

func (r *directoryResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A directory on the site. Deleted only when empty unless force_destroy is set.",
		Attributes: map[string]schema.Attribute{
			"path": schema.StringAttribute{
				Required:      true,
				Description:   "Where the directory is. Relative paths resolve under the provider's root. Missing parents are created. Changing it replaces the directory.",
				Validators:    []validator.String{nonEmpty()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"permission": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString(defaultDirectoryPermission),
				Description: `The directory's mode in octal, set exactly (not less the umask). Default "0755". Changed in place.`,
				Validators:  []validator.String{permission()},
			},
			"force_destroy": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(false),
				Description: "Delete the directory with everything in it. Default false: deleting a directory that is not empty fails.",
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The directory's absolute path.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *directoryResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s, ok := req.ProviderData.(*site); ok {
		r.site = s
	}
}

// Create makes the directory; one that already exists is adopted (so a
// create repeated after a crash succeeds) and given the planned mode.
func (r *directoryResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan directoryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.apply(&plan, true)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Update changes the mode; force_destroy only changes state.
func (r *directoryResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan directoryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.apply(&plan, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *directoryResource) apply(m *directoryModel, create bool) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.site == nil {
		diags.AddError("Provider not configured", "indigo_directory needs a configured indigo provider.")
		return diags
	}
	name, err := r.site.resolve(m.Path.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return diags
	}
	perm, err := parsePermission(m.Permission.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("permission"), "Invalid permission", err.Error())
		return diags
	}
	if create {
		if err := r.site.prepareWrite(name); err != nil {
			diags.AddAttributeError(path.Root("path"), "Site root not writable", err.Error())
			return diags
		}
		if info, err := os.Stat(name); err == nil && !info.IsDir() {
			diags.AddAttributeError(path.Root("path"), "Path is not a directory",
				fmt.Sprintf("%s exists and is not a directory; remove it or choose another path.", name))
			return diags
		}
		if err := os.MkdirAll(name, fs.FileMode(perm)); err != nil {
			diags.AddAttributeError(path.Root("path"), "Cannot create directory", fmt.Sprintf("Creating %s: %v", name, err))
			return diags
		}
	}
	if err := os.Chmod(name, fs.FileMode(perm)); err != nil {
		diags.AddAttributeError(path.Root("permission"), "Cannot set permission", fmt.Sprintf("Changing the mode of %s: %v", name, err))
		return diags
	}
	m.ID = types.StringValue(name)
	return diags
}

// Read removes the resource from state when the directory is gone (or is no
// longer a directory) and records a mode changed outside.
func (r *directoryResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state directoryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.site == nil {
		return
	}
	name, err := r.site.resolve(state.Path.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return
	}
	info, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !info.IsDir()) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot read directory", fmt.Sprintf("Reading %s: %v", name, err))
		return
	}
	mode := uint32(info.Mode().Perm())
	if have, err := parsePermission(state.Permission.ValueString()); err != nil || have != mode {
		state.Permission = types.StringValue(fmt.Sprintf("%04o", mode))
	}
	if state.ForceDestroy.IsNull() {
		state.ForceDestroy = types.BoolValue(false)
	}
	state.ID = types.StringValue(name)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *directoryResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state directoryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.site == nil {
		resp.Diagnostics.AddError("Provider not configured", "indigo_directory needs a configured indigo provider.")
		return
	}
	name, err := r.site.resolve(state.Path.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return
	}
	if state.ForceDestroy.ValueBool() {
		if err := os.RemoveAll(name); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot delete directory", fmt.Sprintf("Removing %s and its contents: %v", name, err))
		}
		return
	}
	// Temporary files of file writes a crash interrupted are indigo's own
	// litter, not content: they do not keep the directory from going.
	removeStaleTemps(name, "")
	err = os.Remove(name)
	switch {
	case err == nil, errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, syscall.ENOTEMPTY), errors.Is(err, syscall.EEXIST):
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Directory not empty",
			fmt.Sprintf("%s is not empty, so it was kept. Empty it, or set force_destroy = true (and apply) to delete it with its contents.", name))
	default:
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot delete directory", fmt.Sprintf("Removing %s: %v", name, err))
	}
}

// ImportState takes the directory's path; force_destroy is false after an
// import.
func (r *directoryResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Missing import ID", "Import an indigo_directory by its path.")
		return
	}
	if r.site != nil {
		name, err := r.site.resolve(req.ID)
		if err != nil {
			resp.Diagnostics.AddError("Cannot resolve path", err.Error())
			return
		}
		if info, err := os.Stat(name); err != nil || !info.IsDir() {
			resp.Diagnostics.AddError("Cannot import directory", fmt.Sprintf("There is no directory at %s to import.", name))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("path"), req.ID)...)
}
