package engine

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/zclconf/go-cty/cty"
)

// storageResource is indigo_storage.
type storageResource struct{ site *Site }

// NewStorageResource returns the indigo_storage resource.
func NewStorageResource() resource.Resource { return &storageResource{} }

var (
	_ resource.ResourceWithConfigure   = (*storageResource)(nil)
	_ resource.ResourceWithImportState = (*storageResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*storageResource)(nil)
)

// s3SiteArgs is one S3 site of a storage. The keys are never recorded in
// the indigo state.
type s3SiteArgs struct {
	Name           string   `json:"name"`
	Location       string   `json:"location,omitempty"`
	Endpoint       string   `json:"endpoint"`
	AccessKey      string   `json:"-"`
	SecretKey      string   `json:"-"`
	Region         string   `json:"region,omitempty"`
	Media          []string `json:"media,omitempty"`
	Latency        string   `json:"latency,omitempty"`
	StorageClasses []string `json:"storage_classes,omitempty"`
	BucketPrefix   string   `json:"bucket_prefix,omitempty"`
}

type qosArgs struct {
	Copies     int64    `json:"copies,omitempty"`
	Media      []string `json:"media,omitempty"`
	Locations  []string `json:"locations,omitempty"`
	Latency    string   `json:"latency,omitempty"`
	Size       string   `json:"size,omitempty"`
	Redundancy string   `json:"redundancy,omitempty"`
}

type lifecycleArgs struct {
	After      string `json:"after"`
	Expire     bool   `json:"expire,omitempty"`
	Noncurrent bool   `json:"noncurrent,omitempty"`
	Prefix     string `json:"prefix,omitempty"`
}

// storageArgs are the arguments, as recorded in the indigo state.
type storageArgs struct {
	Name         string          `json:"name"`
	Sites        []s3SiteArgs    `json:"sites"`
	QoS          qosArgs         `json:"qos"`
	Lifecycle    []lifecycleArgs `json:"lifecycle,omitempty"`
	Candidates   []string        `json:"candidates,omitempty"`
	Prefer       []string        `json:"prefer,omitempty"`
	ForceDestroy bool            `json:"force_destroy,omitempty"`
	Access       []string        `json:"access,omitempty"`
}

type s3SiteModel struct {
	Name           types.String `tfsdk:"name"`
	Location       types.String `tfsdk:"location"`
	Endpoint       types.String `tfsdk:"endpoint"`
	AccessKey      types.String `tfsdk:"access_key"`
	SecretKey      types.String `tfsdk:"secret_key"`
	Region         types.String `tfsdk:"region"`
	Media          []string     `tfsdk:"media"`
	Latency        types.String `tfsdk:"latency"`
	StorageClasses []string     `tfsdk:"storage_classes"`
	BucketPrefix   types.String `tfsdk:"bucket_prefix"`
}

type qosModel struct {
	Copies     types.Int64  `tfsdk:"copies"`
	Media      []string     `tfsdk:"media"`
	Locations  []string     `tfsdk:"locations"`
	Latency    types.String `tfsdk:"latency"`
	Size       types.String `tfsdk:"size"`
	Redundancy types.String `tfsdk:"redundancy"`
}

type lifecycleModel struct {
	After      types.String `tfsdk:"after"`
	Expire     types.Bool   `tfsdk:"expire"`
	Noncurrent types.Bool   `tfsdk:"noncurrent"`
	Prefix     types.String `tfsdk:"prefix"`
}

type storageModel struct {
	Name         types.String     `tfsdk:"name"`
	Sites        []s3SiteModel    `tfsdk:"sites"`
	QoS          *qosModel        `tfsdk:"qos"`
	Lifecycle    []lifecycleModel `tfsdk:"lifecycle_rules"`
	Candidates   []string         `tfsdk:"candidates"`
	Prefer       []string         `tfsdk:"prefer"`
	ForceDestroy types.Bool       `tfsdk:"force_destroy"`
	Access       []string         `tfsdk:"access"`

	ID        types.String `tfsdk:"id"`
	Placed    types.List   `tfsdk:"placed_sites"`
	Buckets   types.Map    `tfsdk:"buckets"`
	Converged types.Bool   `tfsdk:"converged"`
	Drift     types.List   `tfsdk:"drift"`
}

func (r *storageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage"
}

func (r *storageResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	r.site = siteOf(req.ProviderData)
}

func (r *storageResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Description: desc}
	}
	list := func(desc string) schema.ListAttribute {
		return schema.ListAttribute{ElementType: types.StringType, Optional: true, Description: desc}
	}
	resp.Schema = schema.Schema{
		Description: "Storage with a quality of service over S3 sites, on the same code as indigo's storage block: the copies go to the " +
			"best-ranked distinct sites that offer the QoS; each copy is a versioned bucket, the others replicated from the primary; lifecycle " +
			"rules expire data. Changing the QoS converges (a copy more is a bucket and a replication more). Drift (a bucket, its versioning, " +
			"replication or lifecycle changed outside) shows as converged = false. Its indigo state lives in the provider's backend.",
		Attributes: mergeAttributes(statusAttributes(), map[string]schema.Attribute{
			"name": schema.StringAttribute{Required: true, Description: "The storage's id: names its indigo state and its buckets (PREFIX-NAME-SITE).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"sites": schema.ListNestedAttribute{Required: true, Description: "The S3 sites that may hold copies.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":            schema.StringAttribute{Required: true, Description: "The site's name."},
					"location":        str(`Where the site is ("IT"); matched by qos.locations.`),
					"endpoint":        schema.StringAttribute{Required: true, Description: `The S3 endpoint's URL, "http://127.0.0.1:9000".`},
					"access_key":      schema.StringAttribute{Optional: true, Sensitive: true, Description: "The access key; default AWS_ACCESS_KEY_ID. Never recorded in indigo's state."},
					"secret_key":      schema.StringAttribute{Optional: true, Sensitive: true, Description: "The secret key; default AWS_SECRET_ACCESS_KEY. Never recorded in indigo's state."},
					"region":          str("The endpoint's region (default us-east-1)."),
					"media":           list(`The media its buckets are on (default ["disk"]), matched against qos.media.`),
					"latency":         str("Its access class: online (default), nearline or offline."),
					"storage_classes": list(`The storage classes it offers (default ["STANDARD"]); qos.redundancy picks one.`),
					"bucket_prefix":   str(`The first part of bucket names (default "indigo").`),
				}}},
			"qos": schema.SingleNestedAttribute{Required: true, Description: "The quality of service.",
				Attributes: map[string]schema.Attribute{
					"copies":     schema.Int64Attribute{Optional: true, Description: "How many distinct sites hold a copy (default 1)."},
					"media":      list("disk, ssd, nvme, hdd, tape: the copies' sites must offer them."),
					"locations":  list("Copies only in these locations."),
					"latency":    str("online, nearline or offline."),
					"size":       str(`The capacity to reserve ("10TiB").`),
					"redundancy": str("The storage class within a site."),
				}},
			"lifecycle_rules": schema.ListNestedAttribute{Optional: true, Description: "Rules that expire data after a delay (indigo's storage lifecycle blocks; lifecycle is a name Terraform reserves).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"after":      schema.StringAttribute{Required: true, Description: `The delay: "30d" (units s m h d w y) or Go's "1h30m".`},
					"expire":     schema.BoolAttribute{Optional: true, Description: "Delete the data (true)."},
					"noncurrent": schema.BoolAttribute{Optional: true, Description: "Apply to versions that are no longer current."},
					"prefix":     str("Limit the rule to keys with this prefix."),
				}}},
			"candidates":    list("The sites copies may go to; default every site given."),
			"prefer":        list("Preferred sites, most preferred first; the first chosen holds the primary copy."),
			"access":        list("Access policies enforced on the copies: indigo_policy specs (indigo_policy.NAME.spec), compiled by indigo's policy compiler into MinIO canned policies attached to their groups and users."),
			"force_destroy": schema.BoolAttribute{Optional: true, Description: "Let destroy (or fewer copies) remove buckets that still hold data."},
			"placed_sites": schema.ListAttribute{ElementType: types.StringType, Computed: true, Description: "The sites holding a copy, the primary first.",
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()}},
			"buckets": schema.MapAttribute{ElementType: types.StringType, Computed: true, Description: "The bucket holding each copy, by site.",
				PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()}},
		}),
	}
}

func (m *storageModel) args() storageArgs {
	a := storageArgs{Name: m.Name.ValueString(), Candidates: m.Candidates, Prefer: m.Prefer, ForceDestroy: m.ForceDestroy.ValueBool(), Access: m.Access}
	for _, s := range m.Sites {
		a.Sites = append(a.Sites, s3SiteArgs{Name: s.Name.ValueString(), Location: s.Location.ValueString(), Endpoint: s.Endpoint.ValueString(),
			AccessKey: s.AccessKey.ValueString(), SecretKey: s.SecretKey.ValueString(), Region: s.Region.ValueString(), Media: s.Media,
			Latency: s.Latency.ValueString(), StorageClasses: s.StorageClasses, BucketPrefix: s.BucketPrefix.ValueString()})
	}
	if q := m.QoS; q != nil {
		a.QoS = qosArgs{Copies: q.Copies.ValueInt64(), Media: q.Media, Locations: q.Locations, Latency: q.Latency.ValueString(),
			Size: q.Size.ValueString(), Redundancy: q.Redundancy.ValueString()}
	}
	for _, l := range m.Lifecycle {
		a.Lifecycle = append(a.Lifecycle, lifecycleArgs{After: l.After.ValueString(), Expire: l.Expire.ValueBool(),
			Noncurrent: l.Noncurrent.ValueBool(), Prefix: l.Prefix.ValueString()})
	}
	return a
}

// setArgs puts recorded arguments back into the model (import); the keys
// were never recorded and stay null.
func (m *storageModel) setArgs(a storageArgs) {
	m.Name = types.StringValue(a.Name)
	m.Sites = nil
	for _, s := range a.Sites {
		m.Sites = append(m.Sites, s3SiteModel{Name: types.StringValue(s.Name), Location: optString(s.Location), Endpoint: types.StringValue(s.Endpoint),
			AccessKey: types.StringNull(), SecretKey: types.StringNull(), Region: optString(s.Region), Media: s.Media, Latency: optString(s.Latency),
			StorageClasses: s.StorageClasses, BucketPrefix: optString(s.BucketPrefix)})
	}
	q := &qosModel{Copies: types.Int64Null(), Media: a.QoS.Media, Locations: a.QoS.Locations, Latency: optString(a.QoS.Latency),
		Size: optString(a.QoS.Size), Redundancy: optString(a.QoS.Redundancy)}
	if a.QoS.Copies != 0 {
		q.Copies = types.Int64Value(a.QoS.Copies)
	}
	m.QoS = q
	m.Lifecycle = nil
	for _, l := range a.Lifecycle {
		m.Lifecycle = append(m.Lifecycle, lifecycleModel{After: types.StringValue(l.After), Expire: optBool(l.Expire),
			Noncurrent: optBool(l.Noncurrent), Prefix: optString(l.Prefix)})
	}
	m.Candidates, m.Prefer = a.Candidates, a.Prefer
	m.ForceDestroy = optBool(a.ForceDestroy)
	m.Access = a.Access
}

func optBool(b bool) types.Bool {
	if !b {
		return types.BoolNull()
	}
	return types.BoolValue(true)
}

// job builds the indigo configuration: the s3 sites, the storage block
// and an output naming each copy's bucket.
func (a storageArgs) job(s *Site) (*job, diag.Diagnostics) {
	var diags diag.Diagnostics
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for _, st := range a.Sites {
		b := body.AppendNewBlock("site", []string{st.Name}).Body()
		b.SetAttributeValue("kind", cty.StringVal("s3"))
		if st.Location != "" {
			b.SetAttributeValue("location", cty.StringVal(st.Location))
		}
		set := b.AppendNewBlock("settings", nil).Body()
		set.SetAttributeValue("endpoint", cty.StringVal(st.Endpoint))
		for k, v := range map[string]string{"access_key": st.AccessKey, "secret_key": st.SecretKey, "region": st.Region, "latency": st.Latency, "bucket_prefix": st.BucketPrefix} {
			if v != "" {
				set.SetAttributeValue(k, cty.StringVal(v))
			}
		}
		if len(st.Media) > 0 {
			set.SetAttributeValue("media", stringList(st.Media))
		}
		if len(st.StorageClasses) > 0 {
			set.SetAttributeValue("storage_classes", stringList(st.StorageClasses))
		}
	}
	name := ident(a.Name)
	sb := body.AppendNewBlock("storage", []string{name}).Body()
	if a.ForceDestroy {
		sb.SetAttributeValue("force_destroy", cty.True)
	}
	q := sb.AppendNewBlock("qos", nil).Body()
	copies := a.QoS.Copies
	if copies == 0 {
		copies = 1
	}
	q.SetAttributeValue("copies", cty.NumberIntVal(copies))
	for k, v := range map[string][]string{"media": a.QoS.Media, "locations": a.QoS.Locations} {
		if len(v) > 0 {
			q.SetAttributeValue(k, stringList(v))
		}
	}
	for k, v := range map[string]string{"latency": a.QoS.Latency, "size": a.QoS.Size, "redundancy": a.QoS.Redundancy} {
		if v != "" {
			q.SetAttributeValue(k, cty.StringVal(v))
		}
	}
	for _, l := range a.Lifecycle {
		lb := sb.AppendNewBlock("lifecycle", nil).Body()
		lb.SetAttributeValue("after", cty.StringVal(l.After))
		if l.Expire {
			lb.SetAttributeValue("expire", cty.True)
		}
		if l.Noncurrent {
			lb.SetAttributeValue("noncurrent", cty.True)
		}
		if l.Prefix != "" {
			lb.SetAttributeValue("prefix", cty.StringVal(l.Prefix))
		}
	}
	if len(a.Candidates) > 0 || len(a.Prefer) > 0 {
		writePlacement(sb, placementSpec{Candidates: a.Candidates, Prefer: a.Prefer})
	}
	specs, d := policySpecs(a.Access)
	if diags.Append(d...); diags.HasError() {
		return nil, diags
	}
	writeAccess(body, specs, name)
	out := body.AppendNewBlock("output", []string{outOutputs}).Body()
	out.SetAttributeRaw("value", bucketsExpr(name))
	if err := writeArguments(body, a); err != nil {
		diags.AddError("Cannot record the arguments", err.Error())
		return nil, diags
	}
	cfg, hd := loadGenerated(f, workingDir(), "")
	if diags.Append(hclDiags(hd)...); diags.HasError() {
		return nil, diags
	}
	return &job{site: s, id: a.Name, cfg: cfg, dir: workingDir()}, diags
}

// bucketsExpr is { for site, copy in storage.NAME.copies : site => copy.bucket }.
func bucketsExpr(name string) hclwrite.Tokens {
	f, _ := hclwrite.ParseConfig([]byte(fmt.Sprintf("v = { for site, copy in storage.%s.copies : site => copy.bucket }\n", name)), "", hclInitial)
	return f.Body().GetAttribute("v").Expr().BuildTokens(nil)
}

func (m *storageModel) fill(res *result) {
	m.ID = types.StringValue(m.Name.ValueString())
	var sites []string
	for _, p := range res.State.Placements {
		sites = append(sites, p.Sites...)
	}
	m.Placed = stringValues(sites)
	buckets, _ := outputStrings(res.State.Outputs[outOutputs])
	m.Buckets = stringMap(buckets)
	m.Converged, m.Drift = status(res)
}

func (r *storageResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var p, prior storageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &p)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	convergePlan(ctx, prior.Converged, &p.Converged, &p.Drift)
	if !sameJSON(p.args(), prior.args()) {
		p.Placed, p.Buckets = types.ListUnknown(types.StringType), types.MapUnknown(types.StringType)
		p.Converged, p.Drift = types.BoolValue(true), stringValues(nil)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &p)...)
}

func (r *storageResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics)
}

func (r *storageResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics)
}

func (r *storageResource) apply(ctx context.Context, get func(context.Context, any) diag.Diagnostics, st interface {
	Set(context.Context, any) diag.Diagnostics
}, diags *diag.Diagnostics) {
	if r.site == nil {
		notConfigured(diags)
		return
	}
	var m storageModel
	if diags.Append(get(ctx, &m)...); diags.HasError() {
		return
	}
	j, d := m.args().job(r.site)
	if diags.Append(d...); diags.HasError() {
		return
	}
	res, d := j.apply(ctx, false)
	diags.Append(d...)
	if res == nil {
		return
	}
	m.fill(res)
	m.Converged, m.Drift = types.BoolValue(!diags.HasError()), stringValues(nil)
	diags.Append(st.Set(ctx, &m)...)
}

func (r *storageResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.site == nil {
		notConfigured(&resp.Diagnostics)
		return
	}
	var m storageModel
	if resp.Diagnostics.Append(req.State.Get(ctx, &m)...); resp.Diagnostics.HasError() {
		return
	}
	id := m.Name.ValueString()
	if len(m.Sites) == 0 {
		// Import: the arguments come from the indigo state.
		res, d := (&job{site: r.site, id: id}).inspect(ctx)
		if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
			return
		}
		if res.State == nil {
			resp.State.RemoveResource(ctx)
			return
		}
		var a storageArgs
		if !recordedArguments(res.State, &a) {
			resp.Diagnostics.AddError("Not a storage made by this provider", fmt.Sprintf("The indigo state %s records no arguments of an indigo_storage.", r.site.where(id)))
			return
		}
		m.setArgs(a)
		// The keys are not recorded, so the real system is checked by the
		// next refresh, which has them from the configuration.
		m.fill(res)
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		return
	}
	j, d := m.args().job(r.site)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	res, d := j.inspect(ctx)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	if res.State == nil {
		resp.State.RemoveResource(ctx)
		return
	}
	m.fill(res)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *storageResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.site == nil {
		notConfigured(&resp.Diagnostics)
		return
	}
	var m storageModel
	if resp.Diagnostics.Append(req.State.Get(ctx, &m)...); resp.Diagnostics.HasError() {
		return
	}
	j, d := m.args().job(r.site)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	_, d = j.apply(ctx, true)
	resp.Diagnostics.Append(d...)
}

func (r *storageResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !validID(req.ID) {
		resp.Diagnostics.AddError("Invalid storage id", fmt.Sprintf("%q is not a storage id: ids are the storages' names (letters, digits, '-', '_', '.').", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
}
