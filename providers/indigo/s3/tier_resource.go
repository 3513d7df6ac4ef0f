package s3

import (
	"context"
	"fmt"
	"net/url"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// tierResource is indigo_s3_tier.
type tierResource struct {
	site *Site
}

type tierModel struct {
	Name     types.String `tfsdk:"name"`
	Remote   types.String `tfsdk:"remote"`
	Bucket   types.String `tfsdk:"bucket"`
	Prefix   types.String `tfsdk:"prefix"`
	Endpoint types.String `tfsdk:"endpoint"`
	ID       types.String `tfsdk:"id"`
}

var (
	_ resource.ResourceWithConfigure   = (*tierResource)(nil)
	_ resource.ResourceWithImportState = (*tierResource)(nil)
)

// NewTierResource returns indigo_s3_tier.
func NewTierResource() resource.Resource { return &tierResource{} }

func (r *tierResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_s3_tier"
}

func (r *tierResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A remote tier of the provider's s3 endpoint (MinIO admin API): a bucket on one of its s3_remote MinIO servers " +
			"that lifecycle transitions move objects to. Lifecycle rules name it as their transition_storage_class. Import by tier name.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:      true,
				Description:   `The tier's name, uppercase as MinIO requires, e.g. "WARM". Changing it replaces the tier.`,
				Validators:    []validator.String{tierName{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"remote": schema.StringAttribute{
				Required:      true,
				Description:   "The name of the provider's s3_remote (a MinIO server) that holds the tier's objects. Changing it replaces the tier.",
				Validators:    []validator.String{nonEmpty{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"bucket": schema.StringAttribute{
				Required:      true,
				Description:   "The bucket on the remote that holds the tier's objects; it must exist. Changing it replaces the tier.",
				Validators:    []validator.String{bucketName{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"prefix": schema.StringAttribute{
				Optional:      true,
				Description:   "A key prefix in that bucket. Changing it replaces the tier.",
				Validators:    []validator.String{nonEmpty{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"endpoint": schema.StringAttribute{
				Computed:      true,
				Description:   "The endpoint the server keeps for the tier.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The tier's name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *tierResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

func (r *tierResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan tierModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, _, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	adm, err := e.Admin()
	if err != nil {
		resp.Diagnostics.AddError("Invalid S3 endpoint", err.Error())
		return
	}
	remote, err := r.site.remote(plan.Remote.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("remote"), "Unknown s3_remote", capitalize(err.Error())+".")
		return
	}
	name := plan.Name.ValueString()
	err = adm.AddTier(ctx, admin.NewMinIOTier(name, admin.MinIOTier{
		Endpoint:  remote.u.String(),
		AccessKey: remote.accessKey,
		SecretKey: remote.secretKey,
		Bucket:    plan.Bucket.ValueString(),
		Prefix:    plan.Prefix.ValueString(),
		Region:    remote.region,
	}))
	if err != nil {
		summary, detail := describe(e, "adding", fmt.Sprintf("tier %q (bucket %q on the %s)", name, plan.Bucket.ValueString(), remote), err)
		if errorCode(err) == "XMinioAdminTierAlreadyExists" {
			summary, detail = "S3 tier name taken", detail+" Choose another name, or import the tier if indigo should manage it."
		}
		resp.Diagnostics.AddError(summary, detail)
		return
	}
	plan.Endpoint = types.StringValue(remote.u.String())
	plan.ID = types.StringValue(name)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Update only happens for attributes that do not replace: there are none
// besides computed ones.
func (r *tierResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan tierModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read records the tier as the server holds it; a tier removed by hand
// leaves state. The remote is the s3_remote at the tier's endpoint, so a
// tier moved elsewhere by hand plans a replacement.
func (r *tierResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state tierModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, _, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	adm, err := e.Admin()
	if err != nil {
		resp.Diagnostics.AddError("Invalid S3 endpoint", err.Error())
		return
	}
	name := state.Name.ValueString()
	tiers, err := adm.Tiers(ctx)
	if err != nil {
		resp.Diagnostics.Append(failure(e, "listing the tiers", fmt.Sprintf("(looking for %q)", name), err))
		return
	}
	var tier *admin.Tier
	for i := range tiers {
		if tiers[i].Name == name {
			tier = &tiers[i]
		}
	}
	if tier == nil {
		resp.State.RemoveResource(ctx)
		return
	}
	if tier.MinIO == nil {
		resp.Diagnostics.AddError("Unsupported S3 tier", fmt.Sprintf("Tier %q on the %s is of type %q; indigo_s3_tier manages MinIO tiers only.", name, e, tier.Type))
		return
	}
	state.Bucket = types.StringValue(tier.MinIO.Bucket)
	state.Prefix = types.StringNull()
	if tier.MinIO.Prefix != "" {
		state.Prefix = types.StringValue(tier.MinIO.Prefix)
	}
	state.Endpoint = types.StringValue(tier.MinIO.Endpoint)
	if u, err := url.Parse(tier.MinIO.Endpoint); err == nil {
		current, _ := r.site.remote(state.Remote.ValueString())
		if current == nil || current.u.Host != u.Host || current.secure() != (u.Scheme == "https") {
			state.Remote = types.StringValue(r.site.remoteAt(u.Host, u.Scheme == "https"))
		}
	}
	state.ID = types.StringValue(name)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete removes the tier. The server refuses while the tier holds
// objects; the error says so.
func (r *tierResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state tierModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, _, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	adm, err := e.Admin()
	if err != nil {
		resp.Diagnostics.AddError("Invalid S3 endpoint", err.Error())
		return
	}
	name := state.Name.ValueString()
	err = adm.RemoveTier(ctx, name, false)
	if err != nil && errorCode(err) != "XMinioAdminTierNotFound" {
		summary, detail := describe(e, "removing", fmt.Sprintf("tier %q", name), err)
		if errorCode(err) == "XMinioAdminTierBackendInUse" || errorCode(err) == "XMinioAdminTierBackendNotEmpty" {
			detail += " Objects were transitioned to it: remove the lifecycle rules that use it and the objects it holds first."
		}
		resp.Diagnostics.AddError(summary, detail)
	}
}

// ImportState takes the tier's name; Read finds its s3_remote by endpoint.
func (r *tierResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Missing import ID", "Import an indigo_s3_tier by its name.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
