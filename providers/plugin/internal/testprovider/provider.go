package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/metaschema"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func bigOne() *big.Float { return big.NewFloat(1) }

type testProvider struct {
	protocol int
}

func newProvider(protocol int) provider.Provider { return &testProvider{protocol: protocol} }

var (
	_ provider.ProviderWithFunctions      = (*testProvider)(nil)
	_ provider.ProviderWithMetaSchema     = (*testProvider)(nil)
	_ provider.ProviderWithValidateConfig = (*testProvider)(nil)
)

type providerModel struct {
	Prefix types.String `tfsdk:"prefix"`
	Secret types.String `tfsdk:"secret"`
}

// providerData is what Configure hands to resources and data sources.
type providerData struct {
	prefix string
}

func (p *testProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "indigotest"
	resp.Version = "0.0.1"
}

func (p *testProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = pschema.Schema{
		Description: "indigo's test provider",
		Attributes: map[string]pschema.Attribute{
			"prefix": pschema.StringAttribute{Optional: true, Description: "prepended to data source output"},
			"secret": pschema.StringAttribute{Optional: true, Sensitive: true},
		},
	}
}

func (p *testProvider) MetaSchema(_ context.Context, _ provider.MetaSchemaRequest, resp *provider.MetaSchemaResponse) {
	resp.Schema = metaschema.Schema{
		Attributes: map[string]metaschema.Attribute{
			"module_name": metaschema.StringAttribute{Optional: true},
		},
	}
}

func (p *testProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if m.Prefix.ValueString() == "bad" {
		resp.Diagnostics.AddAttributeError(path.Root("prefix"), "Invalid prefix", `The prefix must not be "bad".`)
	}
}

func (p *testProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if m.Prefix.ValueString() == "fail" {
		resp.Diagnostics.AddError("Cannot configure", "The prefix \"fail\" fails on purpose.")
		return
	}
	data := &providerData{prefix: m.Prefix.ValueString()}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
}

func (p *testProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		func() resource.Resource { return &thing{protocol: p.protocol} },
		func() resource.Resource { return &noop{} },
	}
}

func (p *testProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return &echo{} }}
}

func (p *testProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{
		func() function.Function { return upperFunc{} },
		func() function.Function { return joinFunc{} },
	}
}

// thing is a resource that exists only in its state. Its attributes report
// what reached the provider: private data planned, provider_meta, the
// provider configuration.
type thing struct {
	protocol int
	data     *providerData
}

var (
	_ resource.ResourceWithConfigure      = (*thing)(nil)
	_ resource.ResourceWithValidateConfig = (*thing)(nil)
	_ resource.ResourceWithModifyPlan     = (*thing)(nil)
	_ resource.ResourceWithImportState    = (*thing)(nil)
	_ resource.ResourceWithUpgradeState   = (*thing)(nil)
	_ resource.ResourceWithMoveState      = (*thing)(nil)
	_ resource.ResourceWithIdentity       = (*thing)(nil)
)

// IdentitySchema: a thing is known by its name.
func (r *thing) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"name": identityschema.StringAttribute{RequiredForImport: true},
		},
	}
}

// setIdentity records the thing's name as its identity, when the framework
// gives the response one (it does not for clients that never sent one).
func setIdentity(ctx context.Context, id *tfsdk.ResourceIdentity, name types.String, diags *diag.Diagnostics) {
	if id != nil {
		diags.Append(id.SetAttribute(ctx, path.Root("name"), name)...)
	}
}

type thingModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Value       types.String `tfsdk:"value"`
	Secret      types.String `tfsdk:"secret"`
	Revision    types.Number `tfsdk:"revision"`
	Tags        types.Map    `tfsdk:"tags"`
	PrivateSeen types.String `tfsdk:"private_seen"`
	MetaSeen    types.String `tfsdk:"meta_seen"`
	PrefixSeen  types.String `tfsdk:"prefix_seen"`
	Rule        types.List   `tfsdk:"rule"`
	Settings    types.Object `tfsdk:"settings"`
}

type metaModel struct {
	ModuleName types.String `tfsdk:"module_name"`
}

var (
	settingsAttrTypes = map[string]attr.Type{"mode": types.StringType, "token": types.StringType}
	ruleAttrTypes     = map[string]attr.Type{"port": types.NumberType, "protocol": types.StringType}
)

func (r *thing) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_thing"
}

func (r *thing) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	s := rschema.Schema{
		Version: 1,
		Attributes: map[string]rschema.Attribute{
			"id": rschema.StringAttribute{
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": rschema.StringAttribute{
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"value":        rschema.StringAttribute{Optional: true},
			"secret":       rschema.StringAttribute{Optional: true, Sensitive: true},
			"revision":     rschema.NumberAttribute{Computed: true},
			"tags":         rschema.MapAttribute{Optional: true, ElementType: types.StringType},
			"private_seen": rschema.StringAttribute{Computed: true},
			"meta_seen":    rschema.StringAttribute{Computed: true},
			"prefix_seen":  rschema.StringAttribute{Computed: true},
		},
		Blocks: map[string]rschema.Block{
			"rule": rschema.ListNestedBlock{
				NestedObject: rschema.NestedBlockObject{Attributes: map[string]rschema.Attribute{
					"port":     rschema.NumberAttribute{Required: true},
					"protocol": rschema.StringAttribute{Optional: true},
				}},
			},
		},
	}
	settings := map[string]rschema.Attribute{
		"mode":  rschema.StringAttribute{Optional: true},
		"token": rschema.StringAttribute{Optional: true, Sensitive: true},
	}
	// Protocol 5 has no nested attributes: the same object is a block there.
	if r.protocol == 6 {
		s.Attributes["settings"] = rschema.SingleNestedAttribute{Optional: true, Attributes: settings}
	} else {
		s.Blocks["settings"] = rschema.SingleNestedBlock{Attributes: settings}
	}
	resp.Schema = s
}

func (r *thing) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if d, ok := req.ProviderData.(*providerData); ok {
		r.data = d
	}
}

func (r *thing) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Value.ValueString() == "invalid" {
		resp.Diagnostics.AddAttributeError(path.Root("value"), "Invalid value", `The value must not be "invalid".`)
	}
	if m.Value.ValueString() == "suspicious" {
		resp.Diagnostics.AddAttributeWarning(path.Root("value"), "Suspicious value", "This value works but looks odd.")
	}
	for i, el := range m.Rule.Elements() {
		obj, ok := el.(types.Object)
		if !ok {
			continue
		}
		if port, ok := obj.Attributes()["port"].(types.Number); ok && !port.IsNull() && !port.IsUnknown() && port.ValueBigFloat().Sign() < 0 {
			resp.Diagnostics.AddAttributeError(path.Root("rule").AtListIndex(i).AtName("port"), "Invalid port", "Ports are not negative.")
		}
	}
	for k := range m.Tags.Elements() {
		if k == "forbidden" {
			resp.Diagnostics.AddAttributeError(path.Root("tags").AtMapKey(k), "Forbidden tag", "This tag key is reserved.")
		}
	}
}

func (r *thing) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var value types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("value"), &value)...)
	note, _ := json.Marshal(map[string]string{"planned_value": value.ValueString()})
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, "plan_note", note)...)
}

// privateGetter is the framework's private state data (an internal type).
type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

func (r *thing) apply(ctx context.Context, plan tfsdk.Plan, private privateGetter, meta tfsdk.Config, m *thingModel, diags *diag.Diagnostics) {
	diags.Append(plan.Get(ctx, m)...)
	// The framework hands planned private data to Update only.
	m.PrivateSeen = types.StringNull()
	if private != nil {
		note, d := private.GetKey(ctx, "plan_note")
		diags.Append(d...)
		m.PrivateSeen = types.StringValue(string(note))
	}
	m.MetaSeen = types.StringNull()
	if !meta.Raw.IsNull() {
		var mm metaModel
		diags.Append(meta.Get(ctx, &mm)...)
		m.MetaSeen = mm.ModuleName
	}
	if r.data != nil {
		m.PrefixSeen = types.StringValue(r.data.prefix)
	} else {
		m.PrefixSeen = types.StringNull()
	}
}

func (r *thing) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m thingModel
	r.apply(ctx, req.Plan, nil, req.ProviderMeta, &m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue("thing-" + m.Name.ValueString())
	m.Revision = types.NumberValue(bigOne())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	setIdentity(ctx, resp.Identity, m.Name, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, "created", []byte(`{"by":"create"}`))...)
}

func (r *thing) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if m.Name.ValueString() == "vanish" {
		// The framework wants an identity even for an object that is gone.
		setIdentity(ctx, resp.Identity, m.Name, &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	// Report what Create stored as private data, proving it came back.
	if created, d := req.Private.GetKey(ctx, "created"); !d.HasError() && created != nil {
		m.PrivateSeen = types.StringValue(string(created))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	setIdentity(ctx, resp.Identity, m.Name, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, "read", []byte(`true`))...)
}

func (r *thing) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var prior, m thingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	r.apply(ctx, req.Plan, req.Private, req.ProviderMeta, &m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = prior.ID
	rev := prior.Revision.ValueBigFloat()
	m.Revision = types.NumberValue(rev.Add(rev, bigOne()))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	setIdentity(ctx, resp.Identity, m.Name, &resp.Diagnostics)
}

func (r *thing) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// ImportState accepts IDs "thing-<name>", or an identity { name }.
func (r *thing) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	name, ok := strings.CutPrefix(req.ID, "thing-")
	if req.ID == "" && req.Identity != nil {
		var n types.String
		resp.Diagnostics.Append(req.Identity.GetAttribute(ctx, path.Root("name"), &n)...)
		name, ok = n.ValueString(), true
		req.ID = "thing-" + name
	}
	if !ok {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("%q does not start with thing-.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, "imported", []byte(`true`))...)
}

// legacyState is the state of schema version 0, and of the resource type
// indigotest_legacy that MoveState accepts: "title" was renamed "name".
type legacyState struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Value string `json:"value"`
}

func (r *thing) fromLegacy(ctx context.Context, raw []byte, set func(context.Context, any) diag.Diagnostics, diags *diag.Diagnostics) {
	var old legacyState
	if err := json.Unmarshal(raw, &old); err != nil {
		diags.AddError("Unreadable legacy state", err.Error())
		return
	}
	m := thingModel{
		ID:          types.StringValue(old.ID),
		Name:        types.StringValue(old.Title),
		Value:       types.StringValue(old.Value),
		Secret:      types.StringNull(),
		Revision:    types.NumberValue(bigOne()),
		Tags:        types.MapNull(types.StringType),
		PrivateSeen: types.StringNull(),
		MetaSeen:    types.StringNull(),
		PrefixSeen:  types.StringNull(),
		Rule:        types.ListNull(types.ObjectType{AttrTypes: ruleAttrTypes}),
		Settings:    types.ObjectNull(settingsAttrTypes),
	}
	diags.Append(set(ctx, &m)...)
}

func (r *thing) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{
		0: {StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
			r.fromLegacy(ctx, req.RawState.JSON, func(ctx context.Context, v any) diag.Diagnostics { return resp.State.Set(ctx, v) }, &resp.Diagnostics)
		}},
	}
}

func (r *thing) MoveState(context.Context) []resource.StateMover {
	return []resource.StateMover{{StateMover: func(ctx context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
		if req.SourceTypeName != "indigotest_legacy" {
			return
		}
		r.fromLegacy(ctx, req.SourceRawState.JSON, func(ctx context.Context, v any) diag.Diagnostics { return resp.TargetState.Set(ctx, v) }, &resp.Diagnostics)
		if src, d := req.SourcePrivate.GetKey(ctx, "legacy"); !d.HasError() && src != nil {
			resp.Diagnostics.Append(resp.TargetPrivate.SetKey(ctx, "moved_from", src)...)
		}
	}}}
}

// echo is a data source returning its input with the provider's prefix.
type echo struct {
	data *providerData
}

var _ datasource.DataSourceWithConfigure = (*echo)(nil)

type echoModel struct {
	Input  types.String `tfsdk:"input"`
	Output types.String `tfsdk:"output"`
	Secret types.String `tfsdk:"secret_output"`
}

func (d *echo) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_echo"
}

func (d *echo) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{Attributes: map[string]dschema.Attribute{
		"input":         dschema.StringAttribute{Required: true},
		"output":        dschema.StringAttribute{Computed: true},
		"secret_output": dschema.StringAttribute{Computed: true, Sensitive: true},
	}}
}

func (d *echo) Configure(_ context.Context, req datasource.ConfigureRequest, _ *datasource.ConfigureResponse) {
	if pd, ok := req.ProviderData.(*providerData); ok {
		d.data = pd
	}
}

func (d *echo) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m echoModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	prefix := ""
	if d.data != nil {
		prefix = d.data.prefix
	}
	m.Output = types.StringValue(prefix + m.Input.ValueString())
	m.Secret = types.StringValue("s3cr3t-" + m.Input.ValueString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// upperFunc is upper(s): s in upper case; an empty s is an error blamed on
// the argument.
type upperFunc struct{}

func (upperFunc) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "upper"
}

func (upperFunc) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary:    "upper-cases a string",
		Parameters: []function.Parameter{function.StringParameter{Name: "s"}},
		Return:     function.StringReturn{},
	}
}

func (upperFunc) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var s string
	resp.Error = req.Arguments.Get(ctx, &s)
	if resp.Error != nil {
		return
	}
	if s == "" {
		resp.Error = function.NewArgumentFuncError(0, "the string must not be empty")
		return
	}
	resp.Error = resp.Result.Set(ctx, strings.ToUpper(s))
}

// joinFunc is join(sep, parts...).
type joinFunc struct{}

func (joinFunc) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "join"
}

func (joinFunc) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Parameters:        []function.Parameter{function.StringParameter{Name: "sep"}},
		VariadicParameter: function.StringParameter{Name: "parts"},
		Return:            function.StringReturn{},
	}
}

func (joinFunc) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var sep string
	var parts []string
	resp.Error = req.Arguments.Get(ctx, &sep, &parts)
	if resp.Error != nil {
		return
	}
	resp.Error = resp.Result.Set(ctx, strings.Join(parts, sep))
}

// noop is the smallest useful resource, for measuring the protocol rather
// than the framework: an input, a write-only secret and a computed id.
type noop struct{}

type noopModel struct {
	ID       types.String `tfsdk:"id"`
	Input    types.String `tfsdk:"input"`
	SecretWO types.String `tfsdk:"secret_wo"`
}

func (n *noop) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_noop"
}

func (n *noop) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = rschema.Schema{Attributes: map[string]rschema.Attribute{
		"id":        rschema.StringAttribute{Computed: true},
		"input":     rschema.StringAttribute{Optional: true},
		"secret_wo": rschema.StringAttribute{Optional: true, WriteOnly: true},
	}}
}

func (n *noop) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m noopModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	m.ID = types.StringValue("noop")
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (n *noop) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (n *noop) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m noopModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (n *noop) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
