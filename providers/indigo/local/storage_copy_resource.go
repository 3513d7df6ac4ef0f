package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

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

	"github.com/indigo-cloud/indigo/lang/units"
)

// storageCopyResource is indigo_storage_copy.
type storageCopyResource struct {
	site site
	now  func() time.Time
}

type storageCopyModel struct {
	Path         types.String `tfsdk:"path"`
	Source       types.String `tfsdk:"source"`
	Rules        []ruleModel  `tfsdk:"rule"`
	ForceDestroy types.Bool   `tfsdk:"force_destroy"`
	Permission   types.String `tfsdk:"permission"`
	ID           types.String `tfsdk:"id"`
	Files        types.Int64  `tfsdk:"files"`
	Bytes        types.Int64  `tfsdk:"bytes"`
	Missing      types.Int64  `tfsdk:"missing"`
	Extra        types.Int64  `tfsdk:"extra"`
	Expired      types.Int64  `tfsdk:"expired"`
	InSync       types.Bool   `tfsdk:"in_sync"`
}

type ruleModel struct {
	Prefix      types.String `tfsdk:"prefix"`
	ExpireAfter types.String `tfsdk:"expire_after"`
	Expire      types.Bool   `tfsdk:"expire"`
}

// counted are the computed attributes that say what a copy holds; an
// update changes them.
var counted = []string{"files", "bytes", "missing", "extra", "expired"}

var (
	_ resource.ResourceWithConfigure      = (*storageCopyResource)(nil)
	_ resource.ResourceWithImportState    = (*storageCopyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*storageCopyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*storageCopyResource)(nil)
)

// NewStorageCopyResource returns indigo_storage_copy, for the provider's
// Resources list.
func NewStorageCopyResource() resource.Resource { return &storageCopyResource{now: time.Now} }

func (r *storageCopyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_copy"
}

func (r *storageCopyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	count := func(what string) schema.Int64Attribute {
		return schema.Int64Attribute{Computed: true, Description: what}
	}
	resp.Schema = schema.Schema{
		Description: "One copy of a storage on the local site: a directory that, as a replica, mirrors its source (deletes included) " +
			"and whose files expire by its lifecycle rules. Read checks both and reports in_sync; a plan always wants in_sync = true, " +
			"and the update repairs the copy.",
		Attributes: map[string]schema.Attribute{
			"path": schema.StringAttribute{
				Required:      true,
				Description:   "The copy's directory. Relative paths resolve under the provider's root. Created (mode 0755) with missing parents. Changing it replaces the copy.",
				Validators:    []validator.String{nonEmpty{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"source": schema.StringAttribute{
				Optional: true,
				Description: "The primary copy's directory when this copy is a replica (typically indigo_directory.primary.id). " +
					"The replica then holds every regular file of the source, same content and mode, and nothing else. Relative paths resolve under the provider's root.",
				Validators: []validator.String{nonEmpty{}},
			},
			"permission": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString("0750"),
				Description: "The mode of the copy's directory, four octal digits. Default \"0750\": data is not open to every " +
					"local account; access policies add named ACL entries (indigo_posix_acl). A mode changed by hand is drift.",
				Validators: []validator.String{octalMode{}},
			},
			"force_destroy": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(false),
				Description: "Delete the copy with everything in it. Default false: deleting a copy that holds files fails.",
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The copy's absolute path.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"files":   count("The number of regular files the copy holds."),
			"bytes":   count("Their total size in bytes."),
			"missing": count("Files of the source that the copy lacks or holds with other content or mode (0 without a source)."),
			"extra":   count("Files the copy holds that the source does not (0 without a source)."),
			"expired": count("Files the copy holds that a lifecycle rule says are due for expiry."),
			"in_sync": schema.BoolAttribute{
				Computed: true,
				Description: "Whether the copy holds what it promises: missing, extra and expired are all 0. " +
					"Read sets it false otherwise; a plan always wants it true, so the next apply repairs the copy.",
				PlanModifiers: []planmodifier.Bool{wantTrue{}},
			},
		},
		Blocks: map[string]schema.Block{
			"rule": schema.ListNestedBlock{
				Description: "A lifecycle rule. The copy's files under prefix expire (are deleted) once they are older than expire_after.",
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"prefix": schema.StringAttribute{
							Optional:    true,
							Description: `The files the rule covers: those whose path relative to the copy's directory begins with it, such as "logs/". Default: all files.`,
							Validators:  []validator.String{relativePrefix{}},
						},
						"expire_after": schema.StringAttribute{
							Required:    true,
							Description: "How old a file may get: " + units.DurationForms + ".",
							Validators:  []validator.String{duration{}},
						},
						"expire": schema.BoolAttribute{
							Optional:    true,
							Computed:    true,
							Default:     booldefault.StaticBool(true),
							Description: "Whether files expire. Default true; false keeps the rule without effect on a local site.",
						},
					},
				},
			},
		},
	}
}

func (r *storageCopyResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

// ValidateConfig rejects a copy that is its own source, when both are known.
func (r *storageCopyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var p, s types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("path"), &p)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("source"), &s)...)
	if resp.Diagnostics.HasError() || p.IsNull() || p.IsUnknown() || s.IsNull() || s.IsUnknown() {
		return
	}
	if p.ValueString() == s.ValueString() {
		resp.Diagnostics.AddAttributeError(path.Root("source"), "Copy is its own source",
			fmt.Sprintf("source and path are both %q. A replica's source is another copy's directory (such as indigo_directory.primary.id); leave source unset for a primary copy.", p.ValueString()))
	}
}

// ModifyPlan leaves the counts to the apply whenever the copy changes: an
// update repairs the copy, so what it will hold is known only afterwards.
// in_sync is planned true by its own modifier, which is what makes a broken
// copy an update here.
func (r *storageCopyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || req.Plan.Raw.Equal(req.State.Raw) {
		return
	}
	for _, name := range counted {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), types.Int64Unknown())...)
	}
}

func (r *storageCopyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan storageCopyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.converge(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Update repairs the copy again: sync from the source and expiry.
func (r *storageCopyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan storageCopyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.converge(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// converge makes the directory exist and hold what m promises, and fills
// in m's computed attributes from what it then holds. It is safe to repeat
// after a crash: each step looks at the disk first.
func (r *storageCopyResource) converge(ctx context.Context, m *storageCopyModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.site == nil {
		diags.AddError("Provider not configured", "indigo_storage_copy: "+errNotConfigured.Error()+".")
		return diags
	}
	dir, err := r.site.ResolvePath(m.Path.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return diags
	}
	rules, d := expiryRules(m.Rules)
	if diags.Append(d...); diags.HasError() {
		return diags
	}
	var srcDir string
	if !m.Source.IsNull() {
		var d diag.Diagnostics
		if srcDir, d = r.source(m.Source.ValueString(), dir); d.HasError() {
			return append(diags, d...)
		}
	}
	if err := r.site.PrepareWrite(dir); err != nil {
		diags.AddAttributeError(path.Root("path"), "Site root not writable", err.Error())
		return diags
	}
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		diags.AddAttributeError(path.Root("path"), "Path is not a directory",
			fmt.Sprintf("%s exists and is not a directory; remove it or choose another path.", dir))
		return diags
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot create directory", fmt.Sprintf("Creating %s: %v", dir, err))
		return diags
	}
	if mode, err := strconv.ParseUint(m.Permission.ValueString(), 8, 32); err == nil {
		if err := os.Chmod(dir, os.FileMode(mode)); err != nil {
			diags.AddAttributeError(path.Root("permission"), "Cannot set the copy's mode", fmt.Sprintf("chmod %s: %v", dir, err))
			return diags
		}
	}
	var src *inventory
	if srcDir != "" {
		if src, err = scan(ctx, srcDir); err != nil {
			diags.AddAttributeError(path.Root("source"), "Cannot read the source", err.Error())
			return diags
		}
	}
	dst, err := scan(ctx, dir)
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot read the copy", err.Error())
		return diags
	}
	rep, err := compare(ctx, src, dst, rules, r.now())
	if err != nil {
		diags.AddError("Cannot compare the copy with its source", fmt.Sprintf("Comparing %s with %s: %v", dir, srcDir, err))
		return diags
	}
	after, err := repair(ctx, src, dst, rep)
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot repair the copy",
			fmt.Sprintf("%v. The copy is partly repaired (every file under its real name is whole); apply again once the cause is fixed.", err))
		return diags
	}
	var size int64
	for _, f := range after {
		size += f.size
	}
	m.ID = types.StringValue(dir)
	m.Files = types.Int64Value(int64(len(after)))
	m.Bytes = types.Int64Value(size)
	m.Missing = types.Int64Value(0)
	m.Extra = types.Int64Value(0)
	m.Expired = types.Int64Value(0)
	m.InSync = types.BoolValue(true)
	return diags
}

// source resolves and checks a replica's source directory.
func (r *storageCopyResource) source(p, dir string) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	src, err := r.site.ResolvePath(p)
	if err != nil {
		diags.AddAttributeError(path.Root("source"), "Cannot resolve source", err.Error())
		return "", diags
	}
	if nested(src, dir) {
		diags.AddAttributeError(path.Root("source"), "Copy and source overlap",
			fmt.Sprintf("The copy %s and its source %s are the same directory or one holds the other; a replica must be a separate directory.", dir, src))
		return "", diags
	}
	info, err := os.Stat(src)
	switch {
	case errors.Is(err, fs.ErrNotExist) || (err == nil && !info.IsDir()):
		diags.AddAttributeError(path.Root("source"), "Source not found",
			fmt.Sprintf("The source %s is not a directory, so the copy was left as it is (a replica follows its source, deletes included; "+
				"it is never emptied because its source is gone). Recreate the source, or point source at the primary copy's directory.", src))
		return "", diags
	case err != nil:
		diags.AddAttributeError(path.Root("source"), "Cannot read the source", fmt.Sprintf("Reading %s: %v", src, err))
		return "", diags
	}
	return src, diags
}

// expiryRules turns the rule blocks into the rules that expire.
func expiryRules(rules []ruleModel) ([]expiryRule, diag.Diagnostics) {
	var diags diag.Diagnostics
	var out []expiryRule
	for i, rm := range rules {
		if !rm.Expire.IsNull() && !rm.Expire.ValueBool() {
			continue
		}
		d, err := units.ParseDuration(rm.ExpireAfter.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("rule").AtListIndex(i).AtName("expire_after"), "Invalid duration", err.Error())
			continue
		}
		out = append(out, expiryRule{prefix: rm.Prefix.ValueString(), after: d})
	}
	return out, diags
}

// Read reports what the copy holds and how it differs from its promise. It
// removes the copy from state when its directory is gone, so the next plan
// creates it again. It changes nothing on disk.
func (r *storageCopyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state storageCopyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.site == nil {
		return
	}
	dir, err := r.site.ResolvePath(state.Path.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return
	}
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !info.IsDir()) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot read the copy", fmt.Sprintf("Reading %s: %v", dir, err))
		return
	}
	rules, d := expiryRules(state.Rules)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	var src *inventory
	sourceOK := true
	if !state.Source.IsNull() {
		srcDir, d := r.source(state.Source.ValueString(), dir)
		if d.HasError() {
			// A plan must still be possible (to fix the source, or to
			// destroy the copy): the problem is a warning here and an
			// error when apply would act on it.
			for _, e := range d.Errors() {
				resp.Diagnostics.AddAttributeWarning(path.Root("source"), e.Summary(), e.Detail())
			}
			sourceOK = false
		} else if src, err = scan(ctx, srcDir); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("source"), "Cannot read the source", err.Error())
			return
		}
	}
	dst, err := scan(ctx, dir)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot read the copy", err.Error())
		return
	}
	rep, err := compare(ctx, src, dst, rules, r.now())
	if err != nil {
		resp.Diagnostics.AddError("Cannot compare the copy with its source", fmt.Sprintf("Comparing %s with %s: %v", dir, state.Source.ValueString(), err))
		return
	}
	var size int64
	for _, f := range dst.files {
		size += f.size
	}
	missing := len(rep.missing) + len(rep.modes)
	state.ID = types.StringValue(dir)
	state.Permission = types.StringValue(fmt.Sprintf("%04o", info.Mode().Perm()))
	state.Files = types.Int64Value(int64(len(dst.files)))
	state.Bytes = types.Int64Value(size)
	state.Missing = types.Int64Value(int64(missing))
	state.Extra = types.Int64Value(int64(len(rep.extra)))
	state.Expired = types.Int64Value(int64(len(rep.expired)))
	state.InSync = types.BoolValue(sourceOK && missing+len(rep.extra)+len(rep.expired) == 0)
	if state.ForceDestroy.IsNull() {
		state.ForceDestroy = types.BoolValue(false)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *storageCopyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state storageCopyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.site == nil {
		resp.Diagnostics.AddError("Provider not configured", "indigo_storage_copy: "+errNotConfigured.Error()+".")
		return
	}
	dir, err := r.site.ResolvePath(state.Path.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return
	}
	if state.ForceDestroy.ValueBool() {
		if err := os.RemoveAll(dir); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot delete the copy", fmt.Sprintf("Removing %s and its contents: %v", dir, err))
		}
		return
	}
	// Temporary files of a copy a crash interrupted are indigo's own
	// litter, not data: they do not keep the directory from going.
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if e.Type().IsRegular() && strings.HasPrefix(e.Name(), tempPrefix) {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	err = os.Remove(dir)
	switch {
	case err == nil, errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, syscall.ENOTEMPTY), errors.Is(err, syscall.EEXIST):
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Copy not empty",
			fmt.Sprintf("%s still holds data, so it was kept. Empty it, or set force_destroy = true (and apply) to delete the copy with its contents.", dir))
	default:
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot delete the copy", fmt.Sprintf("Removing %s: %v", dir, err))
	}
}

// ImportState takes the copy's path; source and rules come from the
// configuration on the next plan, force_destroy is false.
func (r *storageCopyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Missing import ID", "Import an indigo_storage_copy by its directory's path.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("path"), req.ID)...)
}

// wantTrue plans in_sync true: whatever Read found, the apply makes the copy
// hold what it promises.
type wantTrue struct{}

func (wantTrue) Description(context.Context) string {
	return "always planned true; an apply repairs the copy"
}
func (w wantTrue) MarkdownDescription(ctx context.Context) string {
	return w.Description(ctx)
}

func (wantTrue) PlanModifyBool(_ context.Context, _ planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	resp.PlanValue = types.BoolValue(true)
}

// nonEmpty rejects an empty string.
type nonEmpty struct{}

func (nonEmpty) Description(context.Context) string         { return "must not be empty" }
func (nonEmpty) MarkdownDescription(context.Context) string { return "must not be empty" }

func (nonEmpty) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if !req.ConfigValue.IsNull() && !req.ConfigValue.IsUnknown() && req.ConfigValue.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", fmt.Sprintf("%s must not be empty.", req.Path))
	}
}

// duration accepts what units.ParseDuration reads.
type duration struct{}

func (duration) Description(context.Context) string { return "a duration: " + units.DurationForms }
func (duration) MarkdownDescription(context.Context) string {
	return "a duration: " + units.DurationForms
}

func (duration) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := units.ParseDuration(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration", fmt.Sprintf("%s: %v.", req.Path, err))
	}
}

// relativePrefix rejects a prefix that could never match a relative path.
type relativePrefix struct{}

func (relativePrefix) Description(context.Context) string {
	return `a path prefix relative to the copy's directory, such as "logs/"`
}
func (v relativePrefix) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (relativePrefix) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	p := req.ConfigValue.ValueString()
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "./") || strings.Contains(p, `\`) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid prefix",
			fmt.Sprintf(`%s: %q never matches: prefixes are relative to the copy's directory and use "/", such as "logs/" (not "/logs/" or "./logs/").`, req.Path, p))
	}
}

// octalMode accepts a mode of four octal digits, at most 0777.
type octalMode struct{}

func (octalMode) Description(context.Context) string { return "four octal digits, at most 0777" }

func (v octalMode) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (octalMode) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if n, err := strconv.ParseUint(s, 8, 32); err != nil || len(s) != 4 || n > 0o777 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid permission", fmt.Sprintf("%q is not a mode of four octal digits such as \"0750\" (at most 0777).", s))
	}
}
