package s3

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/tags"
)

// bucketResource is indigo_s3_bucket.
type bucketResource struct {
	site *Site
}

type bucketModel struct {
	Name         types.String `tfsdk:"name"`
	Versioning   types.Bool   `tfsdk:"versioning"`
	Tags         types.Map    `tfsdk:"tags"`
	Quota        types.Int64  `tfsdk:"quota"`
	ForceDestroy types.Bool   `tfsdk:"force_destroy"`
	ID           types.String `tfsdk:"id"`
	Objects      types.Int64  `tfsdk:"objects"`
	Bytes        types.Int64  `tfsdk:"bytes"`
}

var (
	_ resource.ResourceWithConfigure   = (*bucketResource)(nil)
	_ resource.ResourceWithImportState = (*bucketResource)(nil)
)

// NewBucketResource returns indigo_s3_bucket.
func NewBucketResource() resource.Resource { return &bucketResource{} }

func (r *bucketResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_s3_bucket"
}

func (r *bucketResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A bucket on the provider's s3 endpoint, with versioning, tags and an optional hard quota. " +
			"Deleted only when empty unless force_destroy is set. Import by bucket name.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:      true,
				Description:   "The bucket's name. Changing it replaces the bucket.",
				Validators:    []validator.String{bucketName{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"versioning": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(true),
				Description: "Keep every version of every object. Default true; replication needs it on both buckets. Setting it false suspends versioning (S3 cannot turn it off once on).",
			},
			"tags": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Description: `The bucket's tags, e.g. { indigo-storage = "storage.archive" }.`,
			},
			"quota": schema.Int64Attribute{
				Optional:    true,
				Description: "A hard quota in bytes (MinIO admin API): writes that would exceed it fail. Unset: no quota.",
				Validators:  []validator.Int64{atLeast(1)},
			},
			"force_destroy": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(false),
				Description: "Delete every object version with the bucket. Default false: deleting a bucket that is not empty fails.",
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The bucket's name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"objects": schema.Int64Attribute{
				Computed:      true,
				Description:   "How many objects the bucket holds (current versions that are not delete markers), counted when read.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"bytes": schema.Int64Attribute{
				Computed:      true,
				Description:   "How many bytes the bucket's object versions take, all versions counted (as a quota counts them), counted when read.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *bucketResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

// Create makes the bucket. A bucket that already exists is not adopted:
// its name is taken, perhaps by someone else's data, and force_destroy
// would delete it; import it instead.
func (r *bucketResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan bucketModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, c, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	what := fmt.Sprintf("bucket %q", name)
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: e.region}); err != nil {
		resp.Diagnostics.Append(failure(e, "creating", what, err))
		return
	}
	// From here on the bucket exists: record it even if a setting fails,
	// so the next plan sees it and retries the setting.
	plan.ID = types.StringValue(name)
	plan.Objects = types.Int64Value(0)
	plan.Bytes = types.Int64Value(0)
	resp.Diagnostics.Append(r.settle(ctx, e, c, &plan, nil)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *bucketResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior bucketModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, c, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(r.settle(ctx, e, c, &plan, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// settle gives the bucket the planned versioning, tags and quota; prior is
// nil for a new bucket.
func (r *bucketResource) settle(ctx context.Context, e *Endpoint, c *minio.Client, plan, prior *bucketModel) diag.Diagnostics {
	var diags diag.Diagnostics
	name := plan.Name.ValueString()
	what := fmt.Sprintf("bucket %q", name)
	switch want := plan.Versioning.ValueBool(); {
	case want && (prior == nil || !prior.Versioning.ValueBool()):
		if err := c.EnableVersioning(ctx, name); err != nil {
			diags.Append(failure(e, "enabling versioning of", what, err))
		}
	case !want && prior != nil && prior.Versioning.ValueBool():
		if err := c.SuspendVersioning(ctx, name); err != nil {
			diags.Append(failure(e, "suspending versioning of", what, err))
		}
	}
	want, d := tagMap(ctx, plan.Tags)
	diags.Append(d...)
	var had map[string]string
	if prior != nil {
		had, d = tagMap(ctx, prior.Tags)
		diags.Append(d...)
	}
	switch {
	case d.HasError():
	case len(want) > 0 && !maps.Equal(want, had):
		t, err := tags.NewTags(want, false)
		if err != nil {
			diags.AddAttributeError(path.Root("tags"), "Invalid bucket tags", err.Error())
			break
		}
		if err := c.SetBucketTagging(ctx, name, t); err != nil {
			diags.Append(failure(e, "tagging", what, err))
		}
	case len(want) == 0 && len(had) > 0:
		if err := c.RemoveBucketTagging(ctx, name); err != nil {
			diags.Append(failure(e, "removing the tags of", what, err))
		}
	}
	var hadQuota int64
	if prior != nil {
		hadQuota = prior.Quota.ValueInt64()
	}
	if q := plan.Quota.ValueInt64(); q != hadQuota {
		a, err := e.Admin()
		if err == nil {
			err = a.SetBucketQuota(ctx, name, uint64(q))
		}
		if err != nil {
			diags.Append(failure(e, "setting the quota of", what, err))
		}
	}
	return diags
}

// Read removes the bucket from state when it is gone and records what the
// server holds: versioning, tags, quota and the object count. The four
// calls are independent and go out together; versioning, which every
// bucket has, says whether the bucket exists (NoSuchBucket), so there is
// no separate existence check.
func (r *bucketResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state bucketModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, c, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	a, err := e.Admin()
	if err != nil {
		resp.Diagnostics.AddError("Invalid S3 endpoint", err.Error())
		return
	}
	name := state.Name.ValueString()
	what := fmt.Sprintf("bucket %q", name)

	var (
		versioning             minio.BucketVersioningConfiguration
		tagSet                 *tags.Tags
		quota                  uint64
		objects, bytes         int64
		vErr, tErr, qErr, lErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); tagSet, tErr = c.GetBucketTagging(ctx, name) }()
	go func() { defer wg.Done(); quota, qErr = a.BucketQuota(ctx, name) }()
	go func() { defer wg.Done(); objects, bytes, lErr = countObjects(ctx, c, name) }()
	versioning, vErr = c.GetBucketVersioning(ctx, name)
	if errorCode(vErr) == codeNoSuchBucket {
		cancel()
		wg.Wait()
		resp.State.RemoveResource(ctx)
		return
	}
	wg.Wait()
	if errorCode(tErr) == codeNoSuchTagSet {
		tagSet, tErr = nil, nil
	}
	// One diagnostic per Read: when several calls fail it is nearly always
	// for one reason (the server down, the keys refused).
	for _, call := range []struct {
		op  string
		err error
	}{{"reading the versioning of", vErr}, {"reading the tags of", tErr}, {"reading the quota of", qErr}, {"listing the objects of", lErr}} {
		if call.err != nil {
			resp.Diagnostics.Append(failure(e, call.op, what, call.err))
			return
		}
	}

	state.Versioning = types.BoolValue(versioning.Enabled())
	var have map[string]string
	if tagSet != nil {
		have = tagSet.ToMap()
	}
	if len(have) > 0 || (!state.Tags.IsNull() && len(state.Tags.Elements()) > 0) {
		m, d := types.MapValueFrom(ctx, types.StringType, have)
		resp.Diagnostics.Append(d...)
		state.Tags = m
	}
	state.Quota = types.Int64Null()
	if quota > 0 {
		state.Quota = types.Int64Value(int64(quota))
	}
	state.Objects, state.Bytes = types.Int64Value(objects), types.Int64Value(bytes)
	state.ID = types.StringValue(name)
	if state.ForceDestroy.IsNull() {
		state.ForceDestroy = types.BoolValue(false)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// countObjects counts bucket's current objects and the bytes of all its
// versions: one listing with versions.
func countObjects(ctx context.Context, c *minio.Client, bucket string) (objects, bytes int64, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			return 0, 0, o.Err
		}
		if o.IsDeleteMarker {
			continue
		}
		bytes += o.Size
		if o.IsLatest {
			objects++
		}
	}
	return objects, bytes, nil
}

// Delete removes the bucket; with force_destroy every object version and
// delete marker goes first.
func (r *bucketResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state bucketModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, c, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	name := state.Name.ValueString()
	what := fmt.Sprintf("bucket %q", name)
	if state.ForceDestroy.ValueBool() {
		if err := emptyBucket(ctx, c, name); err != nil && errorCode(err) != codeNoSuchBucket {
			resp.Diagnostics.Append(failure(e, "emptying", what, err))
			return
		}
	}
	err := c.RemoveBucket(ctx, name)
	switch code := errorCode(err); {
	case err == nil, code == codeNoSuchBucket:
	case code == codeBucketNotEmpty:
		resp.Diagnostics.AddAttributeError(path.Root("name"), "S3 bucket not empty", fmt.Sprintf(
			"Bucket %q on the %s still holds objects (or object versions), so it was kept. Empty it, or set force_destroy = true (and apply) to delete it with everything in it.",
			name, e))
	default:
		resp.Diagnostics.Append(failure(e, "deleting", what, err))
	}
}

// emptyBucket removes every version and delete marker in bucket.
func emptyBucket(ctx context.Context, c *minio.Client, bucket string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	objects := make(chan minio.ObjectInfo)
	var listErr error
	go func() {
		defer close(objects)
		for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
			if o.Err != nil {
				listErr = o.Err
				return
			}
			select {
			case objects <- o:
			case <-ctx.Done():
				return
			}
		}
	}()
	var first error
	for rerr := range c.RemoveObjects(ctx, bucket, objects, minio.RemoveObjectsOptions{GovernanceBypass: true}) {
		if first == nil {
			first = fmt.Errorf("removing %s (version %s): %w", rerr.ObjectName, rerr.VersionID, rerr.Err)
			cancel()
		}
	}
	if first != nil {
		return first
	}
	return listErr
}

// ImportState takes the bucket's name; force_destroy is false after an
// import.
func (r *bucketResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Missing import ID", "Import an indigo_s3_bucket by its bucket name.")
		return
	}
	e, c, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	exists, err := c.BucketExists(ctx, req.ID)
	if err != nil {
		resp.Diagnostics.Append(failure(e, "importing", fmt.Sprintf("bucket %q", req.ID), err))
		return
	}
	if !exists {
		resp.Diagnostics.AddError("Cannot import S3 bucket", fmt.Sprintf("There is no bucket %q on the %s to import.", req.ID, e))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

// clientFor returns the provider's s3 endpoint and its client, or adds a
// diagnostic saying what is missing.
func clientFor(s *Site, diags *diag.Diagnostics) (*Endpoint, *minio.Client, bool) {
	e, err := s.endpoint()
	if err != nil {
		diags.AddError("No S3 endpoint", capitalize(err.Error())+".")
		return nil, nil, false
	}
	c, err := e.S3()
	if err != nil {
		diags.AddError("Invalid S3 endpoint", err.Error())
		return nil, nil, false
	}
	return e, c, true
}

// tagMap converts a tags attribute to a Go map (nil when null).
func tagMap(ctx context.Context, m types.Map) (map[string]string, diag.Diagnostics) {
	if m.IsNull() || m.IsUnknown() {
		return nil, nil
	}
	out := map[string]string{}
	diags := m.ElementsAs(ctx, &out, false)
	return out, diags
}
