package s3

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// groupResource is indigo_s3_group: a group of MinIO's own user store, its
// members (existing MinIO users) and the policies attached to it. The
// resource owns the group: members and policies added by hand are drift.
type groupResource struct {
	site *Site
}

type groupModel struct {
	Name     types.String `tfsdk:"name"`
	Members  types.Set    `tfsdk:"members"`
	Policies types.Set    `tfsdk:"policies"`
	Enabled  types.Bool   `tfsdk:"enabled"`
	ID       types.String `tfsdk:"id"`
}

var (
	_ resource.ResourceWithConfigure   = (*groupResource)(nil)
	_ resource.ResourceWithImportState = (*groupResource)(nil)
)

// NewGroupResource returns indigo_s3_group.
func NewGroupResource() resource.Resource { return &groupResource{} }

func (r *groupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_s3_group"
}

func (r *groupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	emptySet := setdefault.StaticValue(types.SetValueMust(types.StringType, nil))
	resp.Schema = schema.Schema{
		Description: "A group of the s3 endpoint's own users (MinIO admin API), with its members and the canned policies " +
			"attached to it: members may do what the policies allow, with their own access keys. The users must exist " +
			"on the server; indigo does not create them. Import by group name.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:      true,
				Description:   "The group's name. Changing it replaces the group.",
				Validators:    []validator.String{names{what: "group"}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"members": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     emptySet,
				Description: "The members: access keys of users that exist on the server (created by its administrator). " +
					"A member added or removed by hand shows as a change.",
				Validators: []validator.Set{names{what: "user"}},
			},
			"policies": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     emptySet,
				Description: "The canned policies attached to the group (indigo_s3_policy names); they must exist. " +
					"A policy attached or detached by hand shows as a change.",
				Validators: []validator.Set{names{what: "policy"}},
			},
			"enabled": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(true),
				Description: "Members get the group's policies. Default true; a group disabled by hand shows as a change.",
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The group's name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *groupResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

// Create makes the group with its members, then attaches the policies. A
// group that exists already is not adopted (it may be someone else's):
// import it instead.
func (r *groupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan groupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, adm, ok := adminClient(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	what := fmt.Sprintf("group %q", name)
	switch _, err := adm.Group(ctx, name); {
	case err == nil:
		resp.Diagnostics.AddAttributeError(path.Root("name"), "S3 group name taken", fmt.Sprintf(
			"The %s has a group %q already. Choose another name, or import the group if indigo should manage it.", e, name))
		return
	case errorCode(err) != admin.CodeNoSuchGroup:
		resp.Diagnostics.Append(failure(e, "reading", what, err))
		return
	}
	members := setStrings(ctx, plan.Members, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// With no members this creates an empty group.
	if err := adm.AddGroupMembers(ctx, name, members); err != nil {
		addMemberError(ctx, e, adm, name, members, err, &resp.Diagnostics)
		return
	}
	r.converge(ctx, e, adm, plan, &resp.Diagnostics)
	r.record(ctx, e, adm, plan, &resp.State, &resp.Diagnostics)
}

// Update brings members, policies and status to the plan, changing only
// what differs from what the server holds.
func (r *groupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan groupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, adm, ok := adminClient(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	g, err := adm.Group(ctx, name)
	if errorCode(err) == admin.CodeNoSuchGroup {
		// Removed by hand between refresh and apply: make it again.
		err = adm.AddGroupMembers(ctx, name, nil)
	}
	if err != nil {
		resp.Diagnostics.Append(failure(e, "reading", fmt.Sprintf("group %q", name), err))
		return
	}
	want := setStrings(ctx, plan.Members, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if add := missing(want, g.Members); len(add) > 0 {
		if err := adm.AddGroupMembers(ctx, name, add); err != nil {
			addMemberError(ctx, e, adm, name, add, err, &resp.Diagnostics)
		}
	}
	if extra := missing(g.Members, want); len(extra) > 0 && !resp.Diagnostics.HasError() {
		if err := adm.RemoveGroupMembers(ctx, name, extra); err != nil {
			resp.Diagnostics.Append(failure(e, "removing members "+quoted(extra)+" from", fmt.Sprintf("group %q", name), err))
		}
	}
	if !resp.Diagnostics.HasError() {
		r.converge(ctx, e, adm, plan, &resp.Diagnostics)
	}
	r.record(ctx, e, adm, plan, &resp.State, &resp.Diagnostics)
}

// converge attaches and detaches policies and sets the status, once the
// group exists with its members. The server refuses policy changes on a
// disabled group: a group to enable is enabled first, one to disable last.
func (r *groupResource) converge(ctx context.Context, e *Endpoint, adm *admin.Client, plan groupModel, diags *diag.Diagnostics) {
	name := plan.Name.ValueString()
	what := fmt.Sprintf("group %q", name)
	g, err := adm.Group(ctx, name)
	if err != nil {
		diags.Append(failure(e, "reading", what, err))
		return
	}
	enabled := plan.Enabled.ValueBool()
	if enabled && g.Status == "disabled" {
		if err := adm.SetGroupStatus(ctx, name, true); err != nil {
			diags.Append(failure(e, "enabling", what, err))
			return
		}
		if g, err = adm.Group(ctx, name); err != nil {
			diags.Append(failure(e, "reading", what, err))
			return
		}
	}
	want := setStrings(ctx, plan.Policies, diags)
	if diags.HasError() {
		return
	}
	target := admin.PolicyTarget{Group: name}
	if add := missing(want, g.Policies); len(add) > 0 {
		attachPolicies(ctx, e, adm, target, add, diags)
	}
	if extra := missing(g.Policies, want); len(extra) > 0 && !diags.HasError() {
		detachPolicies(ctx, e, adm, target, extra, diags)
	}
	if !enabled && g.Status != "disabled" && !diags.HasError() {
		if err := adm.SetGroupStatus(ctx, name, false); err != nil {
			diags.Append(failure(e, "disabling", what, err))
		}
	}
}

// record sets state to what the server holds once the apply is over: on
// success that is the plan; after a partial failure, what was done (the
// apply then fails, and the next plan shows the rest).
func (r *groupResource) record(ctx context.Context, e *Endpoint, adm *admin.Client, plan groupModel, state stateSetter, diags *diag.Diagnostics) {
	plan.ID = plan.Name
	if !diags.HasError() {
		diags.Append(state.Set(ctx, &plan)...)
		return
	}
	g, err := adm.Group(ctx, plan.Name.ValueString())
	if err != nil {
		return // nothing, or nothing known, was made
	}
	m := groupModel{Name: plan.Name, ID: plan.Name}
	fill(&m, g)
	diags.Append(state.Set(ctx, &m)...)
}

func fill(m *groupModel, g admin.GroupInfo) {
	m.Members = setOf(g.Members)
	m.Policies = setOf(g.Policies)
	m.Enabled = types.BoolValue(g.Status != "disabled")
}

// Read records the members, policies and status the server holds; a group
// removed by hand leaves state.
func (r *groupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state groupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, adm, ok := adminClient(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	name := state.Name.ValueString()
	g, err := adm.Group(ctx, name)
	if errorCode(err) == admin.CodeNoSuchGroup {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(failure(e, "reading", fmt.Sprintf("group %q", name), err))
		return
	}
	fill(&state, g)
	state.ID = types.StringValue(name)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete removes the members first (which revokes what the group granted
// them at once), then detaches the policies and removes the group. The
// users stay. A group already gone is not an error.
func (r *groupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state groupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, adm, ok := adminClient(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	name := state.Name.ValueString()
	what := fmt.Sprintf("group %q", name)
	g, err := adm.Group(ctx, name)
	if errorCode(err) == admin.CodeNoSuchGroup {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(failure(e, "reading", what, err))
		return
	}
	if err := adm.RemoveGroupMembers(ctx, name, g.Members); err != nil {
		resp.Diagnostics.Append(failure(e, "removing the members of", what, err))
		return
	}
	if g.Status == "disabled" {
		// The server refuses to detach from a disabled group; with no
		// members left, enabling it grants nothing.
		if err := adm.SetGroupStatus(ctx, name, true); err != nil {
			resp.Diagnostics.Append(failure(e, "enabling", what, err))
			return
		}
		if g, err = adm.Group(ctx, name); err != nil {
			resp.Diagnostics.Append(failure(e, "reading", what, err))
			return
		}
	}
	if len(g.Policies) > 0 {
		// So that the policies can be deleted after the group.
		detachPolicies(ctx, e, adm, admin.PolicyTarget{Group: name}, g.Policies, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if err := adm.RemoveGroup(ctx, name); err != nil && errorCode(err) != admin.CodeNoSuchGroup {
		resp.Diagnostics.Append(failure(e, "removing", what, err))
	}
}

// ImportState takes the group's name; Read fills in the rest.
func (r *groupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Missing import ID", "Import an indigo_s3_group by its name.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

// addMemberError explains a failed update-group-members call. The server
// says only that "the specified user does not exist": the users are looked
// up one by one to name the missing ones.
func addMemberError(ctx context.Context, e *Endpoint, adm *admin.Client, group string, members []string, err error, diags *diag.Diagnostics) {
	what := fmt.Sprintf("group %q", group)
	if errorCode(err) != admin.CodeNoSuchUser {
		diags.Append(failure(e, "adding members "+quoted(members)+" to", what, err))
		return
	}
	var absent []string
	for _, m := range members {
		if _, err := adm.User(ctx, m); errorCode(err) == admin.CodeNoSuchUser {
			absent = append(absent, m)
		}
	}
	if len(absent) == 0 {
		absent = members
	}
	diags.AddAttributeError(path.Root("members"), "MinIO user not found", fmt.Sprintf(
		"Adding %s to %s on the %s failed: %s %s not exist there. indigo adds existing MinIO users to groups; it does not "+
			"create users (their secret keys are the site's). Ask the site's administrator to create %s (mc admin user add ALIAS %s SECRET), "+
			"or take %s out of the group's members.",
		quoted(absent), what, e, plural(absent, "user", "users")+" "+quoted(absent), plural(absent, "does", "do"),
		plural(absent, "it", "them"), absent[0], plural(absent, "it", "them")))
}

// attachPolicies attaches policies to t; those attached already are not an
// error.
func attachPolicies(ctx context.Context, e *Endpoint, adm *admin.Client, t admin.PolicyTarget, policies []string, diags *diag.Diagnostics) {
	err := adm.AttachPolicies(ctx, t, policies)
	switch errorCode(err) {
	case "", admin.CodePolicyChangeAlreadyApplied:
		return
	case admin.CodeNoSuchPolicy:
		diags.AddAttributeError(path.Root("policies"), "S3 policy not found", fmt.Sprintf(
			"Attaching %s to %s on the %s failed: the server has no such policy (%s). Create it first (an indigo_s3_policy, "+
				"and depends_on it here), or remove it from policies.", quoted(policies), t, e, message(err)))
		return
	case admin.CodeNoSuchUser:
		diags.AddAttributeError(path.Root("user"), "MinIO user not found", fmt.Sprintf(
			"Attaching %s to %s on the %s failed: the user does not exist there. indigo attaches policies to existing MinIO users; "+
				"it does not create users (their secret keys are the site's). Ask the site's administrator to create it "+
				"(mc admin user add ALIAS %s SECRET), or stop granting it access on this site.", quoted(policies), t, e, t.User))
		return
	}
	diags.Append(failure(e, "attaching "+quoted(policies)+" to", t.String(), err))
}

// detachPolicies detaches policies from t; those not attached are not an
// error.
func detachPolicies(ctx context.Context, e *Endpoint, adm *admin.Client, t admin.PolicyTarget, policies []string, diags *diag.Diagnostics) {
	err := adm.DetachPolicies(ctx, t, policies)
	switch errorCode(err) {
	case "", admin.CodePolicyChangeAlreadyApplied:
		return
	}
	diags.Append(failure(e, "detaching "+quoted(policies)+" from", t.String(), err))
}

// missing returns the elements of want that have does not hold.
func missing(want, have []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

func setStrings(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	var out []string
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	slices.Sort(out)
	return out
}

func setOf(list []string) types.Set {
	elems := make([]attr.Value, 0, len(list))
	for _, s := range list {
		elems = append(elems, types.StringValue(s))
	}
	return types.SetValueMust(types.StringType, elems)
}

func quoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func plural(list []string, one, many string) string {
	if len(list) == 1 {
		return one
	}
	return many
}

// names checks a user, group or policy name, or each element of a set of
// them: not empty, no commas or white space (MinIO lists names separated by
// commas).
type names struct{ what string }

func (v names) Description(context.Context) string {
	return fmt.Sprintf("%s names, non-empty, without commas or spaces", v.what)
}
func (v names) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v names) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, el := range req.ConfigValue.Elements() {
		s, ok := el.(types.String)
		if !ok || s.IsUnknown() {
			continue
		}
		v.check(req.Path, s.ValueString(), &resp.Diagnostics)
	}
}

func (v names) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if !req.ConfigValue.IsNull() && !req.ConfigValue.IsUnknown() {
		v.check(req.Path, req.ConfigValue.ValueString(), &resp.Diagnostics)
	}
}

func (v names) check(p path.Path, n string, diags *diag.Diagnostics) {
	if n == "" || strings.ContainsAny(n, ", \t\n") {
		diags.AddAttributeError(p, "Invalid "+v.what+" name",
			fmt.Sprintf("%q is not a valid %s name: use a non-empty name without commas or spaces.", n, v.what))
	}
}
