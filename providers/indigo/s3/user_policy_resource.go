package s3

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// userPolicyResource is indigo_s3_user_policy: canned policies attached to
// one existing MinIO user. Unlike a group, the user is not indigo's: the
// resource manages only the policies it names and leaves the user's other
// policies alone.
type userPolicyResource struct {
	site *Site
}

type userPolicyModel struct {
	User     types.String `tfsdk:"user"`
	Policies types.Set    `tfsdk:"policies"`
	ID       types.String `tfsdk:"id"`
}

var (
	_ resource.ResourceWithConfigure   = (*userPolicyResource)(nil)
	_ resource.ResourceWithImportState = (*userPolicyResource)(nil)
)

// NewUserPolicyResource returns indigo_s3_user_policy.
func NewUserPolicyResource() resource.Resource { return &userPolicyResource{} }

func (r *userPolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_s3_user_policy"
}

func (r *userPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Canned policies attached to one of the s3 endpoint's own users (MinIO admin API). The user must " +
			"exist; indigo does not create users. Only the policies named here are managed: others attached to the " +
			"user stay. Import by user name (every policy the user has).",
		Attributes: map[string]schema.Attribute{
			"user": schema.StringAttribute{
				Required:      true,
				Description:   "The user's access key. Changing it replaces the attachment.",
				Validators:    []validator.String{names{what: "user"}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"policies": schema.SetAttribute{
				ElementType: types.StringType,
				Required:    true,
				Description: "The canned policies to attach (indigo_s3_policy names); they must exist. One detached by hand shows as a change.",
				Validators:  []validator.Set{names{what: "policy"}},
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The user's name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *userPolicyResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

func (r *userPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan userPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, adm, ok := adminClient(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	want := setStrings(ctx, plan.Policies, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if len(want) > 0 {
		attachPolicies(ctx, e, adm, admin.PolicyTarget{User: plan.User.ValueString()}, want, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	plan.ID = plan.User
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Update detaches the policies no longer named and attaches the new ones.
func (r *userPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior userPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, adm, ok := adminClient(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	user := plan.User.ValueString()
	target := admin.PolicyTarget{User: user}
	u, err := adm.User(ctx, user)
	if err != nil && errorCode(err) != admin.CodeNoSuchUser {
		resp.Diagnostics.Append(failure(e, "reading", target.String(), err))
		return
	}
	want := setStrings(ctx, plan.Policies, &resp.Diagnostics)
	had := setStrings(ctx, prior.Policies, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if add := missing(want, u.Policies); len(add) > 0 {
		// A missing user fails here, with what to do.
		attachPolicies(ctx, e, adm, target, add, &resp.Diagnostics)
	}
	if drop := missing(intersect(had, u.Policies), want); len(drop) > 0 && !resp.Diagnostics.HasError() {
		detachPolicies(ctx, e, adm, target, drop, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = plan.User
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read records which of the named policies the user still has; a user
// removed from the server leaves state (the next plan creates the
// attachment, and its apply says the user is missing).
func (r *userPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state userPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, adm, ok := adminClient(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	user := state.User.ValueString()
	u, err := adm.User(ctx, user)
	if errorCode(err) == admin.CodeNoSuchUser {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(failure(e, "reading", admin.PolicyTarget{User: user}.String(), err))
		return
	}
	held := u.Policies
	if !state.Policies.IsNull() { // null after an import: take them all
		held = intersect(setStrings(ctx, state.Policies, &resp.Diagnostics), u.Policies)
	}
	state.Policies = setOf(held)
	state.ID = types.StringValue(user)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete detaches the policies this resource attached; the user and its
// other policies stay. A user already gone is not an error.
func (r *userPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state userPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, adm, ok := adminClient(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	target := admin.PolicyTarget{User: state.User.ValueString()}
	u, err := adm.User(ctx, target.User)
	if errorCode(err) == admin.CodeNoSuchUser {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(failure(e, "reading", target.String(), err))
		return
	}
	if drop := intersect(setStrings(ctx, state.Policies, &resp.Diagnostics), u.Policies); len(drop) > 0 && !resp.Diagnostics.HasError() {
		detachPolicies(ctx, e, adm, target, drop, &resp.Diagnostics)
	}
}

// ImportState takes the user's name; Read fills in every policy it has.
func (r *userPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Missing import ID", "Import an indigo_s3_user_policy by the user's name.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

// intersect returns the elements of a that b holds.
func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
				break
			}
		}
	}
	return out
}
