package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// posixACLResource is indigo_posix_acl.
type posixACLResource struct {
	site site
}

type posixACLModel struct {
	Path      types.String   `tfsdk:"path"`
	Entries   []types.String `tfsdk:"entries"`
	Default   types.Bool     `tfsdk:"default"`
	Recursive types.Bool     `tfsdk:"recursive"`
	ID        types.String   `tfsdk:"id"`
}

var _ resource.ResourceWithConfigure = (*posixACLResource)(nil)

// NewPOSIXACLResource returns indigo_posix_acl, for the provider's
// Resources list.
func NewPOSIXACLResource() resource.Resource { return &posixACLResource{} }

func (r *posixACLResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_posix_acl"
}

func (r *posixACLResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Named user and group entries of the POSIX ACLs of a file or directory under the provider's root (setfacl), " +
			"optionally of everything below it and as default ACLs of directories. Read checks them with getfacl, effective rights included, " +
			"so an entry removed or narrowed by hand (or by a chmod that narrows the mask) is a planned update. Delete removes the entries it set.",
		Attributes: map[string]schema.Attribute{
			"path": schema.StringAttribute{
				Required:      true,
				Description:   "The file or directory; it must exist and be under the provider's root. Relative paths resolve under the root. Changing it replaces the resource.",
				Validators:    []validator.String{nonEmpty{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"entries": schema.ListAttribute{
				ElementType: types.StringType,
				Required:    true,
				Description: `setfacl entries for named users and groups: "u:alice:r-X", "g:cms:rwX" (also "user:" and "group:", or one octal digit). ` +
					`X is execute on directories and on files their owner or others may execute. Names must be local accounts when applied. ` +
					`One entry per user or group.`,
				Validators: []validator.List{aclEntries{}},
			},
			"default": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(false),
				Description: "Also set the entries as default ACL entries of the directories covered, so files created in them later inherit them. Default false.",
			},
			"recursive": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(false),
				Description: "Cover every directory and regular file below path as well (symbolic links are not followed). Default false.",
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The absolute path.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *posixACLResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

func (r *posixACLResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan posixACLModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.set(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Update takes away what the prior state set and the plan does not (users
// and groups left out, defaults or the recursion turned off), then sets the
// planned entries.
func (r *posixACLResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior posixACLModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	top, diags := r.target(plan.Path.ValueString())
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	kept := map[string]bool{}
	for _, s := range plan.Entries {
		if e, err := parseEntry(s.ValueString()); err == nil {
			kept[e.qualifier()] = true
		}
	}
	var gone, all []string
	for _, s := range prior.Entries {
		e, err := parseEntry(s.ValueString())
		if err != nil {
			continue
		}
		id, err := e.id()
		if err != nil {
			// The account is gone; so is what getfacl would show by name.
			continue
		}
		all = append(all, e.tag()+":"+id)
		if !kept[e.qualifier()] {
			gone = append(gone, e.tag()+":"+id)
		}
	}
	wasRecursive, wasDefault := prior.Recursive.ValueBool(), prior.Default.ValueBool()
	type removal struct {
		ids                       []string
		skipTop, access, defaults bool
	}
	steps := []removal{{gone, false, true, wasDefault}}
	if wasRecursive && !plan.Recursive.ValueBool() {
		// What is below path is no longer covered.
		steps = append(steps, removal{all, true, true, wasDefault})
	}
	if wasDefault && !plan.Default.ValueBool() {
		steps = append(steps, removal{all, false, false, true})
	}
	for _, s := range steps {
		if err := removeEntries(ctx, top, wasRecursive, s.skipTop, s.ids, s.access, s.defaults); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("entries"), "Cannot remove ACL entries", fmt.Sprintf("%v.", err))
			return
		}
	}
	resp.Diagnostics.Append(r.set(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// target resolves p and checks that it exists under the root.
func (r *posixACLResource) target(p string) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	if r.site == nil {
		diags.AddError("Provider not configured", "indigo_posix_acl: "+errNotConfigured.Error()+".")
		return "", diags
	}
	abs, err := r.site.ResolvePath(p)
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return "", diags
	}
	in, err := r.site.InRoot(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		diags.AddAttributeError(path.Root("path"), "Path not found",
			fmt.Sprintf("%s does not exist. Create it first (an indigo_directory or indigo_file, referred to by its id so it comes first).", abs))
	case err != nil:
		diags.AddAttributeError(path.Root("path"), "Cannot check path", err.Error())
	case !in:
		diags.AddAttributeError(path.Root("path"), "Path outside the site",
			fmt.Sprintf("%s is not under the provider's root (symbolic links resolved); indigo_posix_acl only grants access to what the site holds.", abs))
	}
	return abs, diags
}

// set writes the entries of m on everything it covers and fills in its id.
func (r *posixACLResource) set(ctx context.Context, m *posixACLModel) diag.Diagnostics {
	top, diags := r.target(m.Path.ValueString())
	if diags.HasError() {
		return diags
	}
	type resolved struct {
		e  aclEntry
		id string
	}
	var entries []resolved
	for i, s := range m.Entries {
		e, err := parseEntry(s.ValueString())
		if err == nil {
			var id string
			if id, err = e.id(); err == nil {
				entries = append(entries, resolved{e, id})
				continue
			}
		}
		diags.AddAttributeError(path.Root("entries").AtListIndex(i), "Invalid ACL entry", fmt.Sprintf("%q: %v.", s.ValueString(), err))
	}
	if diags.HasError() {
		return diags
	}
	targets, err := aclTargets(ctx, top, m.Recursive.ValueBool())
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot list the files", err.Error())
		return diags
	}
	acls, err := getACLs(ctx, targets)
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Cannot read ACLs", fmt.Sprintf("%v.", err))
		return diags
	}
	withDefaults := m.Default.ValueBool()
	err = setACLs(ctx, "--modify", targets, func(t aclTarget) string {
		a := acls[t.path]
		if a == nil {
			return ""
		}
		var spec []string
		for _, e := range entries {
			spec = append(spec, e.e.tag()+":"+e.id+":"+e.e.resolve(t.dir, a.execByBase()))
		}
		if withDefaults && t.dir {
			for _, e := range entries {
				spec = append(spec, "d:"+e.e.tag()+":"+e.id+":"+e.e.resolve(true, true))
			}
		}
		return strings.Join(spec, ",")
	})
	if err != nil {
		diags.AddAttributeError(path.Root("entries"), "Cannot set ACL entries", fmt.Sprintf("%v.", err))
		return diags
	}
	m.ID = types.StringValue(top)
	return diags
}

// removeEntries removes the entries of ids ("u:1001") from top (unless
// skipTop) and, with recursive, everything below it: access entries when
// access, default entries of directories when defaults.
func removeEntries(ctx context.Context, top string, recursive, skipTop bool, ids []string, access, defaults bool) error {
	if len(ids) == 0 {
		return nil
	}
	targets, err := aclTargets(ctx, top, recursive)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return setACLs(ctx, "--remove", targets, func(t aclTarget) string {
		if skipTop && t.path == top {
			return ""
		}
		var spec []string
		if access {
			spec = append(spec, ids...)
		}
		if defaults && t.dir {
			for _, id := range ids {
				spec = append(spec, "d:"+id)
			}
		}
		return strings.Join(spec, ",")
	})
}

// Read checks every entry on every file covered. An entry that holds
// everywhere stays as written; one that differs somewhere is recorded as
// found on the first such file (or left out when that file lacks it), so
// the plan shows what changed and the update sets it again. A path gone
// takes the resource out of state.
func (r *posixACLResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state posixACLModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.site == nil {
		resp.Diagnostics.AddError("Provider not configured", "indigo_posix_acl: "+errNotConfigured.Error()+".")
		return
	}
	top, err := r.site.ResolvePath(state.Path.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return
	}
	targets, err := aclTargets(ctx, top, state.Recursive.ValueBool())
	if errors.Is(err, fs.ErrNotExist) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot list the files", err.Error())
		return
	}
	acls, err := getACLs(ctx, targets)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot read ACLs", fmt.Sprintf("%v.", err))
		return
	}
	withDefaults := state.Default.ValueBool()
	found := make([]types.String, 0, len(state.Entries))
	for _, s := range state.Entries {
		e, err := parseEntry(s.ValueString())
		if err != nil {
			continue
		}
		id, err := e.id()
		if err != nil {
			// No such account (any more): the entry cannot be in effect.
			continue
		}
		if got, present := entryFound(s.ValueString(), e, id, targets, acls, withDefaults); present {
			found = append(found, types.StringValue(got))
		}
	}
	state.Entries = found
	state.ID = types.StringValue(top)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// entryFound returns how entry e (written so in the configuration; its
// numeric id is id) is found: written when it holds on every target, else as found on the
// first target where it differs; present is false when that target lacks
// it.
func entryFound(written string, e aclEntry, id string, targets []aclTarget, acls map[string]*fileACL, withDefaults bool) (got string, present bool) {
	q := e.tag() + ":" + id
	for _, t := range targets {
		a := acls[t.path]
		if a == nil {
			return "", false
		}
		if perms, ok := a.named[q]; !ok || perms != e.resolve(t.dir, a.execByBase()) {
			return e.qualifier() + ":" + perms, ok
		}
		if withDefaults && t.dir {
			if perms, ok := a.defaults[q]; !ok || perms != e.resolve(true, true) {
				return e.qualifier() + ":" + perms, ok
			}
		}
	}
	return written, true
}

// Delete removes the entries the resource set; the files' modes and any
// other entries stay.
func (r *posixACLResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state posixACLModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.site == nil {
		resp.Diagnostics.AddError("Provider not configured", "indigo_posix_acl: "+errNotConfigured.Error()+".")
		return
	}
	top, err := r.site.ResolvePath(state.Path.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot resolve path", err.Error())
		return
	}
	var ids []string
	for _, s := range state.Entries {
		e, err := parseEntry(s.ValueString())
		if err != nil {
			continue
		}
		id, err := e.id()
		if err != nil {
			resp.Diagnostics.AddWarning("ACL entry left in place",
				fmt.Sprintf("%q: %v. An entry for the account's old id may remain on %s; remove it with setfacl -x.", s.ValueString(), err, top))
			continue
		}
		ids = append(ids, e.tag()+":"+id)
	}
	if err := removeEntries(ctx, top, state.Recursive.ValueBool(), false, ids, true, state.Default.ValueBool()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("entries"), "Cannot remove ACL entries", fmt.Sprintf("%v.", err))
	}
}

// aclEntries checks each entry's form and that no user or group is named
// twice.
type aclEntries struct{}

func (aclEntries) Description(context.Context) string {
	return `setfacl entries of named users and groups, such as "u:alice:r-X" or "g:cms:rwX", one per user or group`
}
func (v aclEntries) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (aclEntries) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	if len(elems) == 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "No ACL entries", "Give at least one entry, such as \"u:alice:r-X\".")
		return
	}
	seen := map[string]int{}
	for i, v := range elems {
		s, ok := v.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		e, err := parseEntry(s.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Invalid ACL entry", fmt.Sprintf("%q: %v.", s.ValueString(), err))
			continue
		}
		if j, dup := seen[e.qualifier()]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Duplicate ACL entry",
				fmt.Sprintf("%q names %s again (entry %d already does); give one entry per user or group.", s.ValueString(), e.qualifier(), j+1))
			continue
		}
		seen[e.qualifier()] = i
	}
}
