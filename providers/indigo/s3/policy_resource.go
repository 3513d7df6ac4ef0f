package s3

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// policyResource is indigo_s3_policy: one MinIO canned policy.
type policyResource struct {
	site *Site
}

type policyModel struct {
	Name     types.String   `tfsdk:"name"`
	Document policyDocument `tfsdk:"document"`
	ID       types.String   `tfsdk:"id"`
}

var (
	_ resource.ResourceWithConfigure   = (*policyResource)(nil)
	_ resource.ResourceWithImportState = (*policyResource)(nil)
)

// NewPolicyResource returns indigo_s3_policy.
func NewPolicyResource() resource.Resource { return &policyResource{} }

func (r *policyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_s3_policy"
}

func (r *policyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A canned policy on the provider's s3 endpoint (MinIO admin API). When MinIO takes policies from an OpenID " +
			"groups claim, a policy named after a group decides what that group's members may do with the credentials " +
			"they get from STS (AssumeRoleWithWebIdentity). Import by policy name.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:      true,
				Description:   "The policy's name (for OpenID groups: the group's name). Changing it replaces the policy.",
				Validators:    []validator.String{policyName{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"document": schema.StringAttribute{
				CustomType: policyDocumentType{},
				Required:   true,
				Description: "The policy in MinIO's (IAM) policy language, as JSON. Documents that mean the same " +
					"(key order, spacing, a single value or a one-element list) are equal: the server's re-encoding shows no change, " +
					"a hand edit does.",
				Validators: []validator.String{policyJSON{}},
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The policy's name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *policyResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

// adminClient returns the endpoint and its admin client, or adds why not.
func adminClient(site *Site, diags *diag.Diagnostics) (*Endpoint, *admin.Client, bool) {
	e, _, ok := clientFor(site, diags)
	if !ok {
		return nil, nil, false
	}
	adm, err := e.Admin()
	if err != nil {
		diags.AddError("Invalid S3 endpoint", err.Error())
		return nil, nil, false
	}
	return e, adm, true
}

func (r *policyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan policyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !r.put(ctx, plan, "adding", &resp.Diagnostics) {
		return
	}
	plan.ID = plan.Name
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Update writes the document again: add-canned-policy replaces.
func (r *policyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan policyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !r.put(ctx, plan, "updating", &resp.Diagnostics) {
		return
	}
	plan.ID = plan.Name
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *policyResource) put(ctx context.Context, m policyModel, op string, diags *diag.Diagnostics) bool {
	e, adm, ok := adminClient(r.site, diags)
	if !ok {
		return false
	}
	name := m.Name.ValueString()
	if err := adm.AddCannedPolicy(ctx, name, []byte(m.Document.ValueString())); err != nil {
		summary, detail := describe(e, op, fmt.Sprintf("policy %q", name), err)
		switch errorCode(err) {
		case "XMinioMalformedIAMPolicy", "MalformedPolicy", "PolicyInvalidName":
			diags.AddAttributeError(path.Root("document"), "S3 policy refused", detail+" Fix the document.")
			return false
		}
		diags.AddError(summary, detail)
		return false
	}
	return true
}

// Read records the document the server holds; a policy removed by hand
// leaves state, one edited by hand shows as a change to document.
func (r *policyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state policyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, adm, ok := adminClient(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	name := state.Name.ValueString()
	doc, err := adm.CannedPolicy(ctx, name)
	if errorCode(err) == admin.CodeNoSuchPolicy {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(failure(e, "reading", fmt.Sprintf("policy %q", name), err))
		return
	}
	canonical, err := canonicalPolicy(string(doc))
	if err != nil {
		resp.Diagnostics.AddError("Unreadable S3 policy", fmt.Sprintf("Policy %q on the %s: %v.", name, e, err))
		return
	}
	// The framework keeps the prior document when this one means the
	// same (policyDocument's semantic equality).
	state.Document = newPolicyDocument(canonical)
	state.ID = types.StringValue(name)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete removes the policy; one already gone is not an error. Users and
// groups lose what it granted at once.
func (r *policyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state policyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, adm, ok := adminClient(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	name := state.Name.ValueString()
	if err := adm.RemoveCannedPolicy(ctx, name); err != nil && errorCode(err) != admin.CodeNoSuchPolicy {
		summary, detail := describe(e, "removing", fmt.Sprintf("policy %q", name), err)
		// MinIO answers XMinioIAMPolicyInUse (checked against the server).
		if c := errorCode(err); c == "XMinioIAMPolicyInUse" || c == "XMinioAdminPolicyInUse" {
			detail += " Detach it from the users and groups it is attached to first (indigo_s3_group, indigo_s3_user_policy)."
		}
		resp.Diagnostics.AddError(summary, detail)
	}
}

// ImportState takes the policy's name; Read fills in the document.
func (r *policyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Missing import ID", "Import an indigo_s3_policy by its name.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
