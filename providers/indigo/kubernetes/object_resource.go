package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
)

// objectResource is indigo_kubernetes_object: one object of any kind.
type objectResource struct {
	site *Site
}

type objectModel struct {
	Manifest        types.String `tfsdk:"manifest"`
	Wait            types.Bool   `tfsdk:"wait"`
	Timeout         types.String `tfsdk:"timeout"`
	ID              types.String `tfsdk:"id"`
	UID             types.String `tfsdk:"uid"`
	ResourceVersion types.String `tfsdk:"resource_version"`
	Status          types.String `tfsdk:"status"`
	ClusterIP       types.String `tfsdk:"cluster_ip"`
}

var (
	_ resource.ResourceWithConfigure      = (*objectResource)(nil)
	_ resource.ResourceWithImportState    = (*objectResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*objectResource)(nil)
	_ resource.ResourceWithValidateConfig = (*objectResource)(nil)
)

// NewObjectResource returns indigo_kubernetes_object.
func NewObjectResource() resource.Resource { return &objectResource{} }

func (r *objectResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_kubernetes_object"
}

const defaultTimeout = "5m"

func (r *objectResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "One Kubernetes object of any kind, applied with server-side apply (field manager \"indigo\") to the cluster of the " +
			"provider's kubernetes block. Read returns the live values of the fields the manifest sets, so a hand edit shows as drift. " +
			"Import by apiVersion/kind/namespace/name, or apiVersion/kind/name for cluster-scoped kinds.",
		Attributes: map[string]schema.Attribute{
			"manifest": schema.StringAttribute{
				Required: true,
				Description: "The object as JSON or YAML (jsonencode of an HCL object works): apiVersion, kind, metadata.name, and what " +
					"the object should be. A manifest without metadata.namespace goes to the provider's namespace. Changing apiVersion's " +
					"group, kind, namespace or name replaces the object.",
			},
			"wait": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				Description: "Wait until the object is ready: a Deployment rolled out (every replica updated and available), a Service " +
					"with a ready endpoint, a claim bound when a storage class can bind it. Default true.",
			},
			"timeout": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(defaultTimeout),
				Description: `How long apply waits for readiness and destroy for the object to be gone, a Go duration. Default "5m".`,
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "apiVersion/kind/namespace/name (apiVersion/kind/name when cluster-scoped).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"uid": schema.StringAttribute{
				Computed:      true,
				Description:   "The object's metadata.uid.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"resource_version": schema.StringAttribute{
				Computed:    true,
				Description: "The object's metadata.resourceVersion when last read.",
			},
			"status": schema.StringAttribute{
				Computed:    true,
				Description: `A summary of the object's status when last read: "2/2 replicas available", "cluster IP 10.0.0.7", a phase, or "exists".`,
			},
			"cluster_ip": schema.StringAttribute{
				Computed:      true,
				Description:   "A Service's spec.clusterIP; empty for other kinds.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *objectResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

// ValidateConfig checks the manifest and timeout when they are known.
func (r *objectResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m objectModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.Manifest.IsUnknown() && !m.Manifest.IsNull() {
		if _, err := parseManifest(m.Manifest.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("manifest"), "Invalid Kubernetes manifest", capitalize(err.Error())+".")
		}
	}
	if !m.Timeout.IsUnknown() && !m.Timeout.IsNull() {
		if _, err := time.ParseDuration(m.Timeout.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Invalid timeout", fmt.Sprintf(`%q is not a duration: write it as "90s", "5m" or "1h".`, m.Timeout.ValueString()))
		}
	}
}

// ModifyPlan replaces the object when the manifest names another one, and
// plans a new object's id when the cluster can say whether its kind is
// namespaced: an apply killed before the object was recorded then finds
// it again by that id (planner.Reconcile imports it).
func (r *objectResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if req.State.Raw.IsNull() {
		var plan objectModel
		resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
		if resp.Diagnostics.HasError() || plan.Manifest.IsUnknown() {
			return
		}
		var ignored diag.Diagnostics
		if t, ok := r.resolve(plan.Manifest.ValueString(), "planning", &ignored); ok {
			id := objectID(t.obj.GetAPIVersion(), t.obj.GetKind(), t.ns, t.obj.GetName())
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), id)...)
		}
		return
	}
	var prior, plan objectModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.Manifest.IsUnknown() {
		return
	}
	before, err1 := parseManifest(prior.Manifest.ValueString())
	after, err2 := parseManifest(plan.Manifest.ValueString())
	if err1 != nil || err2 != nil {
		return
	}
	if !identityOf(before).sameObject(identityOf(after)) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("manifest"))
	}
}

func (r *objectResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan objectModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, "creating", &resp.State, &resp.Diagnostics)
}

func (r *objectResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan objectModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, "updating", &resp.State, &resp.Diagnostics)
}

type stateSetter interface {
	Set(context.Context, any) diag.Diagnostics
}

// target is one object resolved on a cluster.
type target struct {
	c       *Cluster
	obj     *unstructured.Unstructured
	mapping *meta.RESTMapping
	ns      string
}

func (t target) String() string { return describeObject(t.obj, t.ns) }

func (t target) client() dynamic.ResourceInterface { return t.c.resource(t.mapping, t.ns) }

// resolve parses a manifest and finds its resource on the site's cluster.
func (r *objectResource) resolve(manifest, op string, diags *diag.Diagnostics) (*target, bool) {
	c, err := r.site.Cluster()
	if err != nil {
		diags.AddError("Kubernetes cluster not reachable", capitalize(err.Error())+".")
		return nil, false
	}
	obj, err := parseManifest(manifest)
	if err != nil {
		diags.AddAttributeError(path.Root("manifest"), "Invalid Kubernetes manifest", capitalize(err.Error())+".")
		return nil, false
	}
	m, err := c.mapping(obj.GroupVersionKind())
	if err != nil {
		summary, detail := describe(c, op, describeObject(obj, obj.GetNamespace()), err)
		if meta.IsNoMatchError(err) {
			summary = "Unknown Kubernetes kind"
			detail = fmt.Sprintf("%s does not serve %s %s. Check apiVersion and kind (kubectl api-resources lists what it serves), or install the CRD first.",
				capitalize(c.String()), obj.GetAPIVersion(), obj.GetKind())
		}
		diags.AddError(summary, detail)
		return nil, false
	}
	t := &target{c: c, obj: obj, mapping: m}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		t.ns = obj.GetNamespace()
		if t.ns == "" {
			t.ns = c.Namespace
		}
		obj.SetNamespace(t.ns)
	} else if obj.GetNamespace() != "" {
		diags.AddAttributeError(path.Root("manifest"), "Namespace on a cluster-scoped object",
			fmt.Sprintf("%s %s is cluster-scoped: remove metadata.namespace from its manifest.", obj.GetKind(), obj.GetName()))
		return nil, false
	}
	return t, true
}

func timeoutOf(m objectModel) time.Duration {
	d, err := time.ParseDuration(m.Timeout.ValueString())
	if err != nil || d <= 0 {
		d, _ = time.ParseDuration(defaultTimeout)
	}
	return d
}

// apply applies the manifest with server-side apply, waits for the object
// when asked, and records what the server holds. An object that was
// applied but did not become ready is still recorded (the run fails; the
// next one waits again), so nothing that exists goes unrecorded.
func (r *objectResource) apply(ctx context.Context, plan *objectModel, op string, st stateSetter, diags *diag.Diagnostics) {
	t, ok := r.resolve(plan.Manifest.ValueString(), op, diags)
	if !ok {
		return
	}
	live, err := t.client().Apply(ctx, t.obj.GetName(), t.obj, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	if err != nil {
		summary, detail := describe(t.c, op, t.String(), err)
		if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
			diags.AddAttributeError(path.Root("manifest"), summary, detail+" Fix the manifest.")
			return
		}
		diags.AddError(summary, detail)
		return
	}
	record(plan, t, live)
	diags.Append(st.Set(ctx, plan)...)
	if !plan.Wait.ValueBool() {
		return
	}
	ready, err := t.c.waitReady(ctx, t.obj, t.ns, timeoutOf(*plan))
	if ready != nil {
		record(plan, t, ready)
		diags.Append(st.Set(ctx, plan)...)
	}
	if err != nil {
		summary, detail := describe(t.c, "waiting for", t.String(), err)
		diags.AddError(summary, detail)
	}
}

// record fills the computed attributes from a live object.
func record(m *objectModel, t *target, live *unstructured.Unstructured) {
	m.ID = types.StringValue(objectID(live.GetAPIVersion(), live.GetKind(), t.ns, live.GetName()))
	m.UID = types.StringValue(string(live.GetUID()))
	m.ResourceVersion = types.StringValue(live.GetResourceVersion())
	m.Status = types.StringValue(statusSummary(live))
	ip, _, _ := unstructured.NestedString(live.Object, "spec", "clusterIP")
	m.ClusterIP = types.StringValue(ip)
}

// Read records the live values of the manifest's fields; an object removed
// by hand leaves state.
func (r *objectResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state objectModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	t, ok := r.resolve(state.Manifest.ValueString(), "reading", &resp.Diagnostics)
	if !ok {
		return
	}
	live, err := t.client().Get(ctx, t.obj.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		summary, detail := describe(t.c, "reading", t.String(), err)
		resp.Diagnostics.AddError(summary, detail)
		return
	}
	if state.UID.ValueString() != "" && string(live.GetUID()) != state.UID.ValueString() {
		// Deleted and made again by someone else: the same name, another object.
		resp.Diagnostics.AddWarning("Kubernetes object recreated outside indigo",
			fmt.Sprintf("%s on %s has uid %s, not the %s indigo created; it is managed as found.", t, t.c, live.GetUID(), state.UID.ValueString()))
	}
	desired, _ := parseManifest(state.Manifest.ValueString())
	state.Manifest = types.StringValue(liveManifest(state.Manifest.ValueString(), desired, live))
	if state.Wait.IsNull() {
		state.Wait = types.BoolValue(true)
	}
	if state.Timeout.IsNull() {
		state.Timeout = types.StringValue(defaultTimeout)
	}
	record(&state, t, live)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete deletes with foreground propagation (a Deployment's pods go
// first) and waits until the object is gone; one already gone is fine.
func (r *objectResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state objectModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	t, ok := r.resolve(state.Manifest.ValueString(), "deleting", &resp.Diagnostics)
	if !ok {
		return
	}
	fg := metav1.DeletePropagationForeground
	err := t.client().Delete(ctx, t.obj.GetName(), metav1.DeleteOptions{PropagationPolicy: &fg})
	if apierrors.IsNotFound(err) {
		return
	}
	if err != nil {
		summary, detail := describe(t.c, "deleting", t.String(), err)
		resp.Diagnostics.AddError(summary, detail)
		return
	}
	if err := t.c.waitGone(ctx, t.client(), t.String(), t.obj.GetName(), timeoutOf(state)); err != nil {
		summary, detail := describe(t.c, "deleting", t.String(), err)
		resp.Diagnostics.AddError(summary, detail)
	}
}

// ImportState takes apiVersion/kind/namespace/name; the manifest recorded
// is the live object without what the server owns, which the next plan
// compares with the configuration.
func (r *objectResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	apiVersion, kind, ns, name, err := parseID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", capitalize(err.Error())+".")
		return
	}
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetName(name)
	u.SetNamespace(ns)
	t, ok := r.resolve(canonical(u.Object), "importing", &resp.Diagnostics)
	if !ok {
		return
	}
	live, err := t.client().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		summary, detail := describe(t.c, "importing", t.String(), err)
		resp.Diagnostics.AddError(summary, detail)
		return
	}
	m := objectModel{Manifest: types.StringValue(trimmed(live)), Wait: types.BoolValue(true), Timeout: types.StringValue(defaultTimeout)}
	record(&m, t, live)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// describe turns a failed call into a summary and a detail that name the
// server, the operation and the object, and say what to do when the cause
// is a usual one.
func describe(c *Cluster, op, what string, err error) (summary, detail string) {
	doing := fmt.Sprintf("%s %s on %s", op, what, c)
	var uerr *url.Error
	var operr *net.OpError
	switch {
	case errors.Is(err, context.Canceled):
		return "Kubernetes call interrupted", fmt.Sprintf("%s was interrupted: %v.", capitalize(doing), err)
	case errors.As(err, &operr) || errors.As(err, &uerr):
		return "Kubernetes API server unreachable", fmt.Sprintf(
			"%s failed: the server did not answer (%v). Check that it is running and that the kubeconfig (KUBECONFIG or the provider's kubernetes block) names it.",
			capitalize(doing), err)
	case apierrors.IsUnauthorized(err):
		return "Kubernetes credentials rejected", fmt.Sprintf("%s failed: %v. Check the kubeconfig's user for this context.", capitalize(doing), err)
	case apierrors.IsForbidden(err):
		return "Kubernetes access denied", fmt.Sprintf("%s failed: %v. Give the kubeconfig's user a Role that allows it, or use another context.", capitalize(doing), err)
	case apierrors.IsConflict(err):
		return "Kubernetes conflict", fmt.Sprintf("%s failed: %v. Try again.", capitalize(doing), err)
	}
	return "Kubernetes call failed", fmt.Sprintf("%s failed: %v.", capitalize(doing), err)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	return string(b)
}
