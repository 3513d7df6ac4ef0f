package s3

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/replication"

	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// replicationResource is indigo_s3_replication.
type replicationResource struct {
	site *Site
}

type replicationModel struct {
	Bucket            types.String `tfsdk:"bucket"`
	Target            types.String `tfsdk:"target"`
	TargetBucket      types.String `tfsdk:"target_bucket"`
	StorageClass      types.String `tfsdk:"storage_class"`
	DeleteReplication types.Bool   `tfsdk:"delete_replication"`
	ExistingObjects   types.Bool   `tfsdk:"existing_objects"`
	Enabled           types.Bool   `tfsdk:"enabled"`
	InSync            types.Bool   `tfsdk:"in_sync"`
	ID                types.String `tfsdk:"id"`
	ARN               types.String `tfsdk:"arn"`
	Pending           types.Int64  `tfsdk:"pending"`
	Failed            types.Int64  `tfsdk:"failed"`
}

var (
	_ resource.ResourceWithConfigure   = (*replicationResource)(nil)
	_ resource.ResourceWithImportState = (*replicationResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*replicationResource)(nil)
)

// NewReplicationResource returns indigo_s3_replication.
func NewReplicationResource() resource.Resource { return &replicationResource{} }

func (r *replicationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_s3_replication"
}

func (r *replicationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Replication of a bucket on the provider's s3 endpoint to a bucket on one of its s3_remote endpoints: " +
			"a remote target (MinIO admin API) and a replication rule to it. Both buckets need versioning. " +
			"Read also checks that the replica holds every object (in_sync); an update copies what it misses. " +
			`Import by "<bucket>:<remote target ARN>".`,
		Attributes: map[string]schema.Attribute{
			"bucket": schema.StringAttribute{
				Required:      true,
				Description:   "The source bucket, on the provider's s3 endpoint. Changing it replaces the replication.",
				Validators:    []validator.String{bucketName{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"target": schema.StringAttribute{
				Required:      true,
				Description:   "The name of the provider's s3_remote that holds the replica. Changing it replaces the replication.",
				Validators:    []validator.String{nonEmpty{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"target_bucket": schema.StringAttribute{
				Required:      true,
				Description:   "The replica bucket on the target. Changing it replaces the replication.",
				Validators:    []validator.String{bucketName{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"storage_class": schema.StringAttribute{
				Optional:    true,
				Description: `The storage class replicas are written with, e.g. "REDUCED_REDUNDANCY". Unset: the target's default.`,
				Validators:  []validator.String{nonEmpty{}},
			},
			"delete_replication": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(true),
				Description: "Replicate deletes: delete markers and deletions of versions. Default true.",
			},
			"existing_objects": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(true),
				Description: "Replicate objects written before the rule, too. Default true, so going from one copy to two backfills the replica.",
			},
			"enabled": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(true),
				Description: "Whether the rule replicates. Default true. Read sets false when the rule or the remote target is missing or disabled on the server, so a plan puts it back.",
			},
			"in_sync": schema.BoolAttribute{
				Computed: true,
				Description: "Whether the replica holds every current object of the source with the same ETag, objects still waiting to be replicated aside. " +
					"Read sets false when it misses some (lost, deleted on the replica, or failed); a plan then always wants it true, and the update copies the missing objects from the source and checks again.",
				PlanModifiers: []planmodifier.Bool{wantTrue{}},
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   `"<bucket>:<arn>".`,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				Computed:      true,
				Description:   "The remote target's ARN, the rule's destination.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"pending": schema.Int64Attribute{
				Computed:    true,
				Description: "Objects the replica lacks that are still waiting to be replicated, when last read.",
			},
			"failed": schema.Int64Attribute{
				Computed:    true,
				Description: "Objects the replica lacks whose replication failed, when last read.",
			},
		},
	}
}

func (r *replicationResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

// ModifyPlan leaves arn and id unknown when the remote target is gone and
// the update will register a new one.
func (r *replicationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var arn types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("arn"), &arn)...)
	if arn.ValueString() == "" {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("arn"), types.StringUnknown())...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringUnknown())...)
	}
}

// replicationTarget is what a replication call needs: the source endpoint
// and client, the remote and its client.
type replicationTarget struct {
	src, dst   *Endpoint
	srcC, dstC *minio.Client
	adm        *admin.Client
}

func (r *replicationResource) connect(m *replicationModel, diags *diag.Diagnostics) (replicationTarget, bool) {
	var t replicationTarget
	var ok bool
	if t.src, t.srcC, ok = clientFor(r.site, diags); !ok {
		return t, false
	}
	var err error
	if t.dst, err = r.site.remote(m.Target.ValueString()); err != nil {
		diags.AddAttributeError(path.Root("target"), "Unknown s3_remote", capitalize(err.Error())+".")
		return t, false
	}
	if t.dstC, err = t.dst.S3(); err != nil {
		diags.AddAttributeError(path.Root("target"), "Invalid s3_remote", err.Error())
		return t, false
	}
	if t.adm, err = t.src.Admin(); err != nil {
		diags.AddError("Invalid S3 endpoint", err.Error())
		return t, false
	}
	return t, true
}

func (r *replicationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan replicationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, "", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *replicationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior replicationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, prior.ARN.ValueString(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// apply registers the remote target, puts the rule into the bucket's
// replication configuration (keeping other rules), repairs the replica
// when in_sync is planned, and fills in the computed attributes.
func (r *replicationResource) apply(ctx context.Context, m *replicationModel, priorARN string, diags *diag.Diagnostics) {
	t, ok := r.connect(m, diags)
	if !ok {
		return
	}
	bucket, dstBucket := m.Bucket.ValueString(), m.TargetBucket.ValueString()
	src := fmt.Sprintf("bucket %q", bucket)
	dst := fmt.Sprintf("bucket %q", dstBucket)

	for _, b := range []struct {
		e    *Endpoint
		c    *minio.Client
		name string
	}{{t.src, t.srcC, bucket}, {t.dst, t.dstC, dstBucket}} {
		v, err := b.c.GetBucketVersioning(ctx, b.name)
		if err != nil {
			diags.Append(failure(b.e, "reading the versioning of", fmt.Sprintf("bucket %q", b.name), err))
			return
		}
		if !v.Enabled() {
			diags.AddError("Replication needs versioning", fmt.Sprintf(
				"Bucket %q on the %s does not have versioning enabled; replication needs it on both buckets. Set versioning = true on its indigo_s3_bucket.",
				b.name, b.e))
			return
		}
	}

	unlock := r.site.lockBucket(bucket)
	defer unlock()
	arn, err := t.adm.SetRemoteTarget(ctx, bucket, admin.RemoteTarget{
		Endpoint:     t.dst.u.Host,
		Secure:       t.dst.secure(),
		Credentials:  &admin.Credentials{AccessKey: t.dst.accessKey, SecretKey: t.dst.secretKey},
		TargetBucket: dstBucket,
		Region:       t.dst.region,
		Type:         admin.ReplicationTarget,
		// MinIO writes replicas with the target's storage class; the
		// rule's destination class alone is not applied.
		StorageClass: m.StorageClass.ValueString(),
	})
	if err != nil {
		diags.Append(failure(t.src, "registering the replication target "+t.dst.String()+" "+dst+" for", src, err))
		return
	}
	cfg, err := t.srcC.GetBucketReplication(ctx, bucket)
	if err != nil {
		diags.Append(failure(t.src, "reading the replication rules of", src, err))
		return
	}
	rule := replication.Rule{
		ID:                        ruleID(m.Target.ValueString(), dstBucket),
		Status:                    status(m.Enabled.ValueBool()),
		DeleteMarkerReplication:   replication.DeleteMarkerReplication{Status: status(m.DeleteReplication.ValueBool())},
		DeleteReplication:         replication.DeleteReplication{Status: status(m.DeleteReplication.ValueBool())},
		ExistingObjectReplication: replication.ExistingObjectReplication{Status: status(m.ExistingObjects.ValueBool())},
		SourceSelectionCriteria:   replication.SourceSelectionCriteria{ReplicaModifications: replication.ReplicaModifications{Status: replication.Enabled}},
		Destination:               replication.Destination{Bucket: arn, StorageClass: m.StorageClass.ValueString()},
	}
	cfg.Rules, rule.Priority = putRule(cfg.Rules, rule, priorARN)
	cfg.Role = ""
	if err := t.srcC.SetBucketReplication(ctx, bucket, cfg); err != nil {
		diags.Append(failure(t.src, "setting the replication rule of", src, err))
		return
	}
	m.ARN = types.StringValue(arn)
	m.ID = types.StringValue(bucket + ":" + arn)

	report, err := compareReplica(ctx, t.srcC, bucket, t.dstC, dstBucket, m.ExistingObjects.ValueBool())
	if err != nil {
		diags.Append(failure(t.src, "comparing with its replica "+t.dst.String()+" "+dst, src, err))
		return
	}
	if !report.inSync() {
		if err := copyObjects(ctx, t.srcC, bucket, t.dstC, dstBucket, report.missing); err != nil {
			diags.Append(failure(t.src, "repairing the replica "+t.dst.String()+" "+dst+" of", src, err))
			return
		}
		if report, err = compareReplica(ctx, t.srcC, bucket, t.dstC, dstBucket, m.ExistingObjects.ValueBool()); err != nil {
			diags.Append(failure(t.src, "comparing with its replica "+t.dst.String()+" "+dst, src, err))
			return
		}
		if !report.inSync() {
			diags.AddError("S3 replica still incomplete", fmt.Sprintf(
				"After copying the objects it missed, the replica %s on the %s still lacks %d object(s) of bucket %q on the %s: %s.",
				dst, t.dst, len(report.missing), bucket, t.src, sample(report.missing)))
			return
		}
	}
	m.InSync = types.BoolValue(true)
	m.Pending, m.Failed = types.Int64Value(report.pending), types.Int64Value(report.failed)
}

// ruleID is the ID of the rule an indigo_s3_replication owns. The rule is
// found again by its destination ARN; the ID only tells people who made it.
func ruleID(target, targetBucket string) string {
	id := "indigo:" + target + ":" + targetBucket
	if len(id) > 255 {
		id = id[:255]
	}
	return id
}

func status(on bool) replication.Status {
	if on {
		return replication.Enabled
	}
	return replication.Disabled
}

// putRule replaces the rule whose destination is rule's (or priorARN) in
// rules, or appends it with a priority above the others, and returns the
// rules and the priority it got.
func putRule(rules []replication.Rule, rule replication.Rule, priorARN string) ([]replication.Rule, int) {
	top := 0
	for i, x := range rules {
		if x.Destination.Bucket == rule.Destination.Bucket || (priorARN != "" && x.Destination.Bucket == priorARN) {
			rule.Priority = x.Priority
			rules[i] = rule
			return rules, rule.Priority
		}
		top = max(top, x.Priority)
	}
	rule.Priority = top + 1
	return append(rules, rule), rule.Priority
}

// findRule returns the rule whose destination is arn.
func findRule(cfg replication.Config, arn string) (replication.Rule, bool) {
	for _, x := range cfg.Rules {
		if arn != "" && x.Destination.Bucket == arn {
			return x, true
		}
	}
	return replication.Rule{}, false
}

// Read records the rule and remote target as the server holds them and
// compares the replica with the source.
func (r *replicationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state replicationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gone := r.read(ctx, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if gone {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// read fills m from the server; it reports true when the source bucket is
// gone (and the replication with it). The rule, the remote targets and the
// two listings the replica comparison needs are independent calls and go
// out together.
func (r *replicationResource) read(ctx context.Context, m *replicationModel, diags *diag.Diagnostics) bool {
	t, ok := r.connect(m, diags)
	if !ok {
		return false
	}
	bucket, dstBucket := m.Bucket.ValueString(), m.TargetBucket.ValueString()
	src := fmt.Sprintf("bucket %q", bucket)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		targets       []admin.RemoteTarget
		diff          replicaDiff
		tErr, diffErr error
		wg            sync.WaitGroup
	)
	wg.Add(2)
	go func() { defer wg.Done(); targets, tErr = t.adm.RemoteTargets(ctx, bucket, admin.ReplicationTarget) }()
	go func() { defer wg.Done(); diff, diffErr = diffReplica(ctx, t.srcC, bucket, t.dstC, dstBucket) }()
	cfg, err := t.srcC.GetBucketReplication(ctx, bucket)
	if errorCode(err) == codeNoSuchBucket {
		cancel()
		wg.Wait()
		return true
	}
	wg.Wait()
	if err != nil {
		diags.Append(failure(t.src, "reading the replication rules of", src, err))
		return false
	}
	if tErr != nil {
		diags.Append(failure(t.src, "listing the remote targets of", src, tErr))
		return false
	}
	arn := m.ARN.ValueString()
	found := false
	for _, x := range targets {
		if x.ARN == arn {
			found = true
		}
	}
	if !found {
		m.ARN = types.StringValue("")
		m.Enabled = types.BoolValue(false)
	}
	rule, ok := findRule(cfg, arn)
	switch {
	case !ok:
		m.Enabled = types.BoolValue(false)
	default:
		m.Enabled = types.BoolValue(found && rule.Status == replication.Enabled)
		m.DeleteReplication = types.BoolValue(rule.DeleteReplication.Status == replication.Enabled && rule.DeleteMarkerReplication.Status == replication.Enabled)
		m.ExistingObjects = types.BoolValue(rule.ExistingObjectReplication.Status == replication.Enabled)
		m.StorageClass = types.StringNull()
		if rule.Destination.StorageClass != "" {
			m.StorageClass = types.StringValue(rule.Destination.StorageClass)
		}
	}
	switch {
	case errorCode(diffErr) == codeNoSuchBucket:
		// The replica bucket is gone: nothing is in sync; the update
		// will say so.
		m.InSync = types.BoolValue(false)
	case diffErr != nil:
		diags.Append(failure(t.src, fmt.Sprintf("comparing with its replica %s bucket %q", t.dst, dstBucket), src, diffErr))
		return false
	default:
		report := diff.report(m.ExistingObjects.ValueBool())
		m.InSync = types.BoolValue(report.inSync())
		m.Pending, m.Failed = types.Int64Value(report.pending), types.Int64Value(report.failed)
	}
	if m.Pending.IsNull() || m.Pending.IsUnknown() {
		m.Pending, m.Failed = types.Int64Value(0), types.Int64Value(0)
	}
	m.ID = types.StringValue(bucket + ":" + m.ARN.ValueString())
	return false
}

// Delete removes the rule (keeping other rules) and the remote target.
func (r *replicationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state replicationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	e, c, ok := clientFor(r.site, &resp.Diagnostics)
	if !ok {
		return
	}
	adm, err := e.Admin()
	if err != nil {
		resp.Diagnostics.AddError("Invalid S3 endpoint", err.Error())
		return
	}
	bucket, arn := state.Bucket.ValueString(), state.ARN.ValueString()
	src := fmt.Sprintf("bucket %q", bucket)
	unlock := r.site.lockBucket(bucket)
	defer unlock()
	cfg, err := c.GetBucketReplication(ctx, bucket)
	if errorCode(err) == codeNoSuchBucket {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(failure(e, "reading the replication rules of", src, err))
		return
	}
	if _, ok := findRule(cfg, arn); ok {
		var keep []replication.Rule
		for _, x := range cfg.Rules {
			if x.Destination.Bucket != arn {
				keep = append(keep, x)
			}
		}
		if len(keep) == 0 {
			err = c.RemoveBucketReplication(ctx, bucket)
		} else {
			cfg.Rules = keep
			err = c.SetBucketReplication(ctx, bucket, cfg)
		}
		if err != nil {
			resp.Diagnostics.Append(failure(e, "removing the replication rule of", src, err))
			return
		}
	}
	if arn == "" {
		return
	}
	err = adm.RemoveRemoteTarget(ctx, bucket, arn)
	if err != nil && errorCode(err) != codeNoSuchBucket && errorCode(err) != "XMinioAdminRemoteTargetNotFoundError" {
		resp.Diagnostics.Append(failure(e, "removing the replication target "+arn+" of", src, err))
	}
}

// ImportState takes "<bucket>:<arn>" and finds the s3_remote whose
// endpoint the target is on.
func (r *replicationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	bucket, arn, ok := strings.Cut(req.ID, ":")
	if !ok || bucket == "" || !strings.HasPrefix(arn, "arn:") {
		resp.Diagnostics.AddError("Invalid import ID", `Import an indigo_s3_replication by "<bucket>:<remote target ARN>", e.g. "data:arn:minio:replication::1b2c...:replica".`)
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
	targets, err := adm.RemoteTargets(ctx, bucket, admin.ReplicationTarget)
	if err != nil {
		resp.Diagnostics.Append(failure(e, "listing the remote targets of", fmt.Sprintf("bucket %q", bucket), err))
		return
	}
	for _, x := range targets {
		if x.ARN != arn {
			continue
		}
		remote := r.site.remoteAt(x.Endpoint, x.Secure)
		if remote == "" {
			resp.Diagnostics.AddError("Cannot import S3 replication", fmt.Sprintf(
				"Bucket %q replicates to %s (bucket %q), which is none of the provider's s3_remote endpoints. Add an s3_remote for it first.",
				bucket, x.Endpoint, x.TargetBucket))
			return
		}
		for attr, v := range map[string]string{"bucket": bucket, "target": remote, "target_bucket": x.TargetBucket, "arn": arn, "id": req.ID} {
			resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(attr), v)...)
		}
		return
	}
	resp.Diagnostics.AddError("Cannot import S3 replication", fmt.Sprintf("Bucket %q on the %s has no remote target %s.", bucket, e, arn))
}

// sample lists up to ten keys.
func sample(keys []string) string {
	if len(keys) > 10 {
		return strings.Join(keys[:10], ", ") + fmt.Sprintf(" and %d more", len(keys)-10)
	}
	return strings.Join(keys, ", ")
}

// wantTrue plans true: the desired value of a computed attribute that Read
// sets false when the system has drifted.
type wantTrue struct{}

func (wantTrue) Description(context.Context) string               { return "always planned true" }
func (m wantTrue) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }
func (wantTrue) PlanModifyBool(_ context.Context, _ planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	resp.PlanValue = types.BoolValue(true)
}
