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
	"github.com/minio/minio-go/v7/pkg/lifecycle"
)

// lifecycleResource is indigo_s3_lifecycle.
type lifecycleResource struct {
	site *Site
}

type lifecycleModel struct {
	Bucket types.String         `tfsdk:"bucket"`
	Rules  []lifecycleRuleModel `tfsdk:"rule"`
	ID     types.String         `tfsdk:"id"`
}

type lifecycleRuleModel struct {
	ID                       types.String `tfsdk:"id"`
	Prefix                   types.String `tfsdk:"prefix"`
	ExpirationDays           types.Int64  `tfsdk:"expiration_days"`
	NoncurrentExpirationDays types.Int64  `tfsdk:"noncurrent_expiration_days"`
	TransitionDays           types.Int64  `tfsdk:"transition_days"`
	TransitionStorageClass   types.String `tfsdk:"transition_storage_class"`
}

var (
	_ resource.ResourceWithConfigure      = (*lifecycleResource)(nil)
	_ resource.ResourceWithImportState    = (*lifecycleResource)(nil)
	_ resource.ResourceWithValidateConfig = (*lifecycleResource)(nil)
)

// NewLifecycleResource returns indigo_s3_lifecycle.
func NewLifecycleResource() resource.Resource { return &lifecycleResource{} }

func (r *lifecycleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_s3_lifecycle"
}

func (r *lifecycleResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The lifecycle rules of a bucket on the provider's s3 endpoint: expiry of objects and of old versions, " +
			"and transitions to a tier (indigo_s3_tier). S3 keeps one lifecycle configuration per bucket, so use one indigo_s3_lifecycle per bucket. Import by bucket name.",
		Attributes: map[string]schema.Attribute{
			"bucket": schema.StringAttribute{
				Required:      true,
				Description:   "The bucket. Changing it replaces the configuration.",
				Validators:    []validator.String{bucketName{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The bucket's name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"rule": schema.ListNestedBlock{
				Description: "A rule. At least one. Each needs at least one of expiration_days, noncurrent_expiration_days and transition_days.",
				Validators:  []validator.List{listAtLeast(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							Required:    true,
							Description: "The rule's ID, unique in the bucket.",
							Validators:  []validator.String{nonEmpty{}},
						},
						"prefix": schema.StringAttribute{
							Optional:    true,
							Description: "Apply the rule only to keys with this prefix. Unset: every object.",
							Validators:  []validator.String{nonEmpty{}},
						},
						"expiration_days": schema.Int64Attribute{
							Optional:    true,
							Description: "Expire current objects this many days after they were written (in a versioned bucket: a delete marker hides them).",
							Validators:  []validator.Int64{atLeast(1)},
						},
						"noncurrent_expiration_days": schema.Int64Attribute{
							Optional:    true,
							Description: "Delete versions this many days after they stopped being current.",
							Validators:  []validator.Int64{atLeast(1)},
						},
						"transition_days": schema.Int64Attribute{
							Optional:    true,
							Description: "Move objects to transition_storage_class this many days after they were written (0: at once).",
							Validators:  []validator.Int64{atLeast(0)},
						},
						"transition_storage_class": schema.StringAttribute{
							Optional:    true,
							Description: "Where transitions go: the name of a tier (indigo_s3_tier.name). Required with transition_days.",
							Validators:  []validator.String{nonEmpty{}},
						},
					},
				},
			},
		},
	}
}

func (r *lifecycleResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

// ValidateConfig checks that every rule does something and that
// transitions say where to.
func (r *lifecycleResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m lifecycleModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ids := map[string]bool{}
	for i, rule := range m.Rules {
		at := path.Root("rule").AtListIndex(i)
		if !rule.ID.IsUnknown() && !rule.ID.IsNull() {
			if ids[rule.ID.ValueString()] {
				resp.Diagnostics.AddAttributeError(at.AtName("id"), "Duplicate lifecycle rule ID", fmt.Sprintf("Two rules have the ID %q; IDs must be unique.", rule.ID.ValueString()))
			}
			ids[rule.ID.ValueString()] = true
		}
		if rule.ExpirationDays.IsNull() && rule.NoncurrentExpirationDays.IsNull() && rule.TransitionDays.IsNull() {
			resp.Diagnostics.AddAttributeError(at, "Lifecycle rule without action",
				"Set at least one of expiration_days, noncurrent_expiration_days and transition_days.")
		}
		if rule.TransitionDays.IsNull() != rule.TransitionStorageClass.IsNull() {
			resp.Diagnostics.AddAttributeError(at, "Incomplete transition",
				"transition_days and transition_storage_class go together: set both (the storage class is a tier's name) or neither.")
		}
	}
}

func (r *lifecycleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.write(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics)
}

func (r *lifecycleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.write(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics)
}

type stateSetter interface {
	Set(context.Context, any) diag.Diagnostics
}

func (r *lifecycleResource) write(ctx context.Context, get func(context.Context, any) diag.Diagnostics, state stateSetter, diags *diag.Diagnostics) {
	var plan lifecycleModel
	diags.Append(get(ctx, &plan)...)
	if diags.HasError() {
		return
	}
	e, c, ok := clientFor(r.site, diags)
	if !ok {
		return
	}
	bucket := plan.Bucket.ValueString()
	cfg := lifecycle.NewConfiguration()
	for _, rule := range plan.Rules {
		cfg.Rules = append(cfg.Rules, toLifecycleRule(rule))
	}
	unlock := r.site.lockBucket(bucket)
	defer unlock()
	if err := c.SetBucketLifecycle(ctx, bucket, cfg); err != nil {
		summary, detail := describe(e, "setting the lifecycle rules of", fmt.Sprintf("bucket %q", bucket), err)
		if errorCode(err) == "InvalidStorageClass" {
			detail += " A transition_storage_class must name one of the server's tiers (an indigo_s3_tier, created first)."
		}
		diags.AddError(summary, detail)
		return
	}
	plan.ID = types.StringValue(bucket)
	diags.Append(state.Set(ctx, &plan)...)
}

func toLifecycleRule(m lifecycleRuleModel) lifecycle.Rule {
	rule := lifecycle.Rule{ID: m.ID.ValueString(), Status: "Enabled"}
	rule.RuleFilter.Prefix = m.Prefix.ValueString()
	if !m.ExpirationDays.IsNull() {
		rule.Expiration.Days = lifecycle.ExpirationDays(m.ExpirationDays.ValueInt64())
	}
	if !m.NoncurrentExpirationDays.IsNull() {
		rule.NoncurrentVersionExpiration.NoncurrentDays = lifecycle.ExpirationDays(m.NoncurrentExpirationDays.ValueInt64())
	}
	if !m.TransitionDays.IsNull() {
		rule.Transition.Days = lifecycle.ExpirationDays(m.TransitionDays.ValueInt64())
		rule.Transition.StorageClass = m.TransitionStorageClass.ValueString()
	}
	return rule
}

func fromLifecycleRule(rule lifecycle.Rule) lifecycleRuleModel {
	m := lifecycleRuleModel{
		ID:                       types.StringValue(rule.ID),
		Prefix:                   types.StringNull(),
		ExpirationDays:           types.Int64Null(),
		NoncurrentExpirationDays: types.Int64Null(),
		TransitionDays:           types.Int64Null(),
		TransitionStorageClass:   types.StringNull(),
	}
	for _, p := range []string{rule.RuleFilter.Prefix, rule.RuleFilter.And.Prefix, rule.Prefix} {
		if p != "" {
			m.Prefix = types.StringValue(p)
			break
		}
	}
	if rule.Expiration.Days != 0 {
		m.ExpirationDays = types.Int64Value(int64(rule.Expiration.Days))
	}
	if rule.NoncurrentVersionExpiration.NoncurrentDays != 0 {
		m.NoncurrentExpirationDays = types.Int64Value(int64(rule.NoncurrentVersionExpiration.NoncurrentDays))
	}
	if rule.Transition.StorageClass != "" {
		m.TransitionDays = types.Int64Value(int64(rule.Transition.Days))
		m.TransitionStorageClass = types.StringValue(rule.Transition.StorageClass)
	}
	return m
}

// Read records the enabled rules the bucket holds: a rule deleted or
// disabled by hand is missing, so a plan puts it back.
func (r *lifecycleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state lifecycleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, c, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	bucket := state.Bucket.ValueString()
	cfg, err := c.GetBucketLifecycle(ctx, bucket)
	switch errorCode(err) {
	case "":
	case codeNoSuchBucket:
		resp.State.RemoveResource(ctx)
		return
	case codeNoSuchLifecycle:
		cfg = lifecycle.NewConfiguration()
	default:
		resp.Diagnostics.Append(failure(e, "reading the lifecycle rules of", fmt.Sprintf("bucket %q", bucket), err))
		return
	}
	state.Rules = []lifecycleRuleModel{}
	for _, rule := range cfg.Rules {
		if rule.Status == "Enabled" {
			state.Rules = append(state.Rules, fromLifecycleRule(rule))
		}
	}
	state.ID = types.StringValue(bucket)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete removes the bucket's lifecycle configuration.
func (r *lifecycleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state lifecycleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, c, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	bucket := state.Bucket.ValueString()
	unlock := r.site.lockBucket(bucket)
	defer unlock()
	err := c.SetBucketLifecycle(ctx, bucket, lifecycle.NewConfiguration())
	if err != nil && errorCode(err) != codeNoSuchBucket && errorCode(err) != codeNoSuchLifecycle {
		resp.Diagnostics.Append(failure(e, "removing the lifecycle rules of", fmt.Sprintf("bucket %q", bucket), err))
	}
}

// ImportState takes the bucket's name.
func (r *lifecycleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Missing import ID", "Import an indigo_s3_lifecycle by its bucket's name.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("bucket"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
