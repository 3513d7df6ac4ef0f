package engine

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/load"
)

// deploymentResource is indigo_deployment.
type deploymentResource struct{ site *Site }

// NewDeploymentResource returns the indigo_deployment resource.
func NewDeploymentResource() resource.Resource { return &deploymentResource{} }

var (
	_ resource.ResourceWithConfigure   = (*deploymentResource)(nil)
	_ resource.ResourceWithImportState = (*deploymentResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*deploymentResource)(nil)
)

// deploymentArgs are the arguments, as recorded in the indigo state for
// import.
type deploymentArgs struct {
	Name         string             `json:"name"`
	Template     string             `json:"template,omitempty"`
	ModuleDir    string             `json:"module_dir,omitempty"`
	Inputs       map[string]string  `json:"inputs,omitempty"`
	Sensitive    map[string]string  `json:"sensitive_inputs,omitempty"`
	Sites        []siteSpec         `json:"sites,omitempty"`
	Candidates   []string           `json:"candidates,omitempty"`
	Prefer       []string           `json:"prefer,omitempty"`
	Require      map[string]string  `json:"require,omitempty"`
	Locations    []string           `json:"locations,omitempty"`
	Capabilities []string           `json:"capabilities,omitempty"`
	Group        string             `json:"group,omitempty"`
	Weights      map[string]float64 `json:"weights,omitempty"`
	Fallback     bool               `json:"fallback,omitempty"`
}

type deploymentModel struct {
	Name         types.String `tfsdk:"name"`
	Template     types.String `tfsdk:"template"`
	ModuleDir    types.String `tfsdk:"module_dir"`
	Inputs       types.Map    `tfsdk:"inputs"`
	Sensitive    types.Map    `tfsdk:"sensitive_inputs"`
	Sites        []siteModel  `tfsdk:"sites"`
	Candidates   []string     `tfsdk:"candidates"`
	Prefer       []string     `tfsdk:"prefer"`
	Require      types.Map    `tfsdk:"require"`
	Locations    []string     `tfsdk:"locations"`
	Capabilities []string     `tfsdk:"capabilities"`
	Group        types.String `tfsdk:"group"`
	Weights      types.Map    `tfsdk:"weights"`
	Fallback     types.Bool   `tfsdk:"fallback"`

	ID               types.String `tfsdk:"id"`
	Site             types.String `tfsdk:"site"`
	Placements       types.Map    `tfsdk:"placements"`
	Outputs          types.Map    `tfsdk:"outputs"`
	SensitiveOutputs types.Map    `tfsdk:"sensitive_outputs"`
	Converged        types.Bool   `tfsdk:"converged"`
	Drift            types.List   `tfsdk:"drift"`
}

func (r *deploymentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment"
}

func (r *deploymentResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	r.site = siteOf(req.ProviderData)
}

func (r *deploymentResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	computedMap := func(desc string, sensitive bool) schema.MapAttribute {
		return schema.MapAttribute{ElementType: types.StringType, Computed: true, Sensitive: sensitive, Description: desc,
			PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()}}
	}
	resp.Schema = schema.Schema{
		Description: "A TOSCA template or an indigo module directory, placed and deployed by indigo's engine inside the provider: " +
			"what `indigo apply` does, with the deployment's indigo state in the provider's backend (never in the Terraform state). " +
			"A changed template, inputs or placement is applied in place by indigo's plan; a different name is a new deployment. " +
			"Import by id (the name).",
		Attributes: mergeAttributes(resourcePlacementAttributes(), statusAttributes(), map[string]schema.Attribute{
			"name": schema.StringAttribute{Required: true, Description: "The deployment's id: names its indigo state (a file, an S3 key or a pg workspace). Letters, digits, '-', '_' and '.'.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"template":   schema.StringAttribute{Optional: true, Description: "A TOSCA template (*.yaml), relative to the Terraform working directory. Exactly one of template and module_dir."},
			"module_dir": schema.StringAttribute{Optional: true, Description: "An indigo module directory (*.hcl, *.tf with site, deployment, storage blocks), applied as `indigo apply` would in it; its own placement blocks apply."},
			"inputs": schema.MapAttribute{ElementType: types.StringType, Optional: true,
				Description: "The template's inputs, or the module's variables; values are converted to the declared types."},
			"sensitive_inputs": schema.MapAttribute{ElementType: types.StringType, Optional: true, Sensitive: true,
				Description: "Inputs hidden in plans and output (passwords, tokens); they win over inputs. indigo keeps them marked sensitive."},
			"site":              schema.StringAttribute{Computed: true, Description: "The site the deployment was placed on (with module_dir: when it places exactly one object).", PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"placements":        computedMap("Every placed object's site(s), by address (deployment.NAME, storage.NAME); copies are comma-separated.", false),
			"outputs":           computedMap("The deployment's outputs (with module_dir: the module's root outputs); values that are not strings are JSON.", false),
			"sensitive_outputs": computedMap("The outputs marked sensitive.", true),
		}),
	}
}

// resourcePlacementAttributes are the candidate sites and the placement
// of a resource that is placed.
func resourcePlacementAttributes() map[string]schema.Attribute {
	site := map[string]schema.Attribute{}
	for _, f := range siteFields {
		switch f.kind {
		case fieldString:
			site[f.name] = schema.StringAttribute{Required: f.required, Optional: !f.required, Description: f.desc}
		case fieldList:
			site[f.name] = schema.ListAttribute{ElementType: types.StringType, Optional: true, Description: f.desc}
		case fieldStringMap:
			site[f.name] = schema.MapAttribute{ElementType: types.StringType, Optional: true, Description: f.desc}
		case fieldNumberMap:
			site[f.name] = schema.MapAttribute{ElementType: types.Float64Type, Optional: true, Description: f.desc}
		}
	}
	out := map[string]schema.Attribute{
		"sites": schema.ListNestedAttribute{Optional: true, Description: "Candidate sites (template only). Without any: the template's own placement policies, else indigo's implicit local site.",
			NestedObject: schema.NestedAttributeObject{Attributes: site}},
		"require":  schema.MapAttribute{ElementType: types.StringType, Optional: true, Description: `The demand checked against the sites' SLA quotas: cpus = 8, memory = "16GiB".`},
		"group":    schema.StringAttribute{Optional: true, Description: "The group whose share of each site is used."},
		"weights":  schema.MapAttribute{ElementType: types.Float64Type, Optional: true, Description: "Ranking weights by criterion."},
		"fallback": schema.BoolAttribute{Optional: true, Description: "When creating the deployment on its site fails, clean up and try the next-ranked site."},
	}
	for name, desc := range map[string]string{
		"candidates":   "The site names it may go to; default: every site given.",
		"prefer":       "Preferred sites, most preferred first.",
		"locations":    "Allowed site locations.",
		"capabilities": "Capabilities a site must offer.",
	} {
		out[name] = schema.ListAttribute{ElementType: types.StringType, Optional: true, Description: desc}
	}
	return out
}

func (r *deploymentResource) ValidateArgs(m *deploymentModel) diag.Diagnostics {
	var diags diag.Diagnostics
	t, d := m.Template.ValueString(), m.ModuleDir.ValueString()
	if m.Template.IsUnknown() || m.ModuleDir.IsUnknown() {
		return diags
	}
	if (t == "") == (d == "") {
		diags.AddAttributeError(path.Root("template"), "Template or module directory", "Set exactly one of template (a TOSCA template) and module_dir (an indigo module directory).")
	}
	if d != "" && (len(m.Sites) > 0 || len(m.Candidates) > 0 || len(m.Prefer) > 0 || !m.Require.IsNull()) {
		diags.AddAttributeError(path.Root("sites"), "Placement with a module directory", "A module directory places its deployments with its own site and placement blocks; sites, candidates, prefer and require apply to a template only.")
	}
	if !m.Name.IsUnknown() && !validID(m.Name.ValueString()) {
		diags.AddAttributeError(path.Root("name"), "Invalid deployment name", fmt.Sprintf("%q cannot name an indigo state: use letters, digits, '-', '_' and '.' (not first), at most 128.", m.Name.ValueString()))
	}
	return diags
}

// args reads the arguments out of the model.
func (m *deploymentModel) args(ctx context.Context) (deploymentArgs, diag.Diagnostics) {
	a := deploymentArgs{Name: m.Name.ValueString(), Template: m.Template.ValueString(), ModuleDir: m.ModuleDir.ValueString(),
		Candidates: m.Candidates, Prefer: m.Prefer, Locations: m.Locations, Capabilities: m.Capabilities,
		Group: m.Group.ValueString(), Fallback: m.Fallback.ValueBool()}
	sites, diags := siteSpecs(ctx, m.Sites)
	a.Sites = sites
	diags.Append(m.Inputs.ElementsAs(ctx, &a.Inputs, false)...)
	diags.Append(m.Sensitive.ElementsAs(ctx, &a.Sensitive, false)...)
	diags.Append(m.Require.ElementsAs(ctx, &a.Require, false)...)
	diags.Append(m.Weights.ElementsAs(ctx, &a.Weights, false)...)
	return a, diags
}

// job builds the indigo configuration the arguments stand for.
func (a deploymentArgs) job(s *Site) (*job, diag.Diagnostics) {
	var diags diag.Diagnostics
	inputs := maps.Clone(a.Inputs)
	if inputs == nil {
		inputs = map[string]string{}
	}
	maps.Copy(inputs, a.Sensitive)
	j := &job{site: s, id: a.Name, dir: workingDir(), vars: variables(inputs)}
	if a.ModuleDir != "" {
		dir := absPath(a.ModuleDir)
		res, hd := load.Path(dir, load.Options{})
		if diags.Append(hclDiags(hd)...); diags.HasError() {
			return nil, diags
		}
		f := hclwrite.NewEmptyFile()
		if err := writeArguments(f.Body(), a); err != nil {
			diags.AddError("Cannot record the arguments", err.Error())
			return nil, diags
		}
		extra, hd := loadGenerated(f, dir, "")
		if diags.Append(hclDiags(hd)...); diags.HasError() {
			return nil, diags
		}
		res.Config.Module.Outputs[outArguments] = extra.Module.Outputs[outArguments]
		j.cfg, j.dir = res.Config, dir
		return j, diags
	}
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	groups := map[string]bool{}
	if a.Group != "" {
		groups[a.Group] = true
	}
	for _, st := range a.Sites {
		for g := range st.Shares {
			if g != "*" {
				groups[g] = true
			}
		}
	}
	for _, g := range sortedKeys(groups) {
		body.AppendNewBlock("group", []string{g})
	}
	for _, st := range a.Sites {
		writeSite(body, st)
	}
	name := ident(a.Name)
	dep := body.AppendNewBlock("deployment", []string{name}).Body()
	dep.SetAttributeValue("template", cty.StringVal(absPath(a.Template)))
	if len(inputs) > 0 {
		// Sensitive inputs are read from variables marked sensitive, so
		// the mark follows them through indigo's plan and state.
		in := hclwrite.Tokens{}
		var items []hclwrite.ObjectAttrTokens
		for _, k := range sortedKeys(inputs) {
			val := hclwrite.TokensForValue(cty.StringVal(inputs[k]))
			if _, secret := a.Sensitive[k]; secret {
				v := body.AppendNewBlock("variable", []string{"sensitive_" + ident(k)}).Body()
				v.SetAttributeValue("sensitive", cty.True)
				v.SetAttributeValue("default", cty.StringVal(inputs[k]))
				val = hclwrite.TokensForTraversal(traversal("var", "sensitive_"+ident(k)))
			}
			items = append(items, hclwrite.ObjectAttrTokens{Name: hclwrite.TokensForIdentifier(k), Value: val})
		}
		in = hclwrite.TokensForObject(items)
		dep.SetAttributeRaw("inputs", in)
	}
	if len(a.Sites) > 0 {
		writePlacement(dep, placementSpec{Candidates: a.Candidates, Prefer: a.Prefer, Require: a.Require, Locations: a.Locations,
			Capabilities: a.Capabilities, Group: a.Group, Weights: a.Weights, Fallback: a.Fallback})
	}
	out := body.AppendNewBlock("output", []string{outOutputs}).Body()
	out.SetAttributeTraversal("value", traversal("deployment", name, "outputs"))
	if err := writeArguments(body, a); err != nil {
		diags.AddError("Cannot record the arguments", err.Error())
		return nil, diags
	}
	// Load as a directory would be: the deployment's template is a child.
	cfg, hd := loadGeneratedWithChildren(f, filepath.Dir(absPath(a.Template)))
	if diags.Append(hclDiags(hd)...); diags.HasError() {
		return nil, diags
	}
	// Providers run in the template's directory: a local site's relative
	// paths resolve from there, as with `indigo apply` beside it.
	j.cfg, j.dir = cfg, filepath.Dir(absPath(a.Template))
	return j, diags
}

// fill sets the computed attributes from a run's result.
func (m *deploymentModel) fill(res *result) {
	m.ID = types.StringValue(m.Name.ValueString())
	st := res.State
	pls := placements(st)
	m.Placements = stringMap(pls)
	site := ""
	if len(pls) == 1 {
		for _, v := range pls {
			site = v
		}
	}
	m.Site = types.StringValue(site)
	plain, sensitive := rootOutputs(st)
	if o := st.Outputs[outOutputs]; o != nil {
		vals, sens := outputStrings(o)
		if sens {
			plain, sensitive = map[string]string{}, vals
		} else {
			plain = vals
		}
	}
	m.Outputs, m.SensitiveOutputs = stringMap(plain), stringMap(sensitive)
	m.Converged, m.Drift = status(res)
}

func (r *deploymentResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var p deploymentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &p)...)
	resp.Diagnostics.Append(r.ValidateArgs(&p)...)
	if resp.Diagnostics.HasError() || req.State.Raw.IsNull() {
		return
	}
	var prior deploymentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	convergePlan(ctx, prior.Converged, &p.Converged, &p.Drift)
	pa, _ := p.args(ctx)
	qa, _ := prior.args(ctx)
	if !sameJSON(pa, qa) {
		// A changed configuration may place and output differently.
		p.Site, p.Placements = types.StringUnknown(), types.MapUnknown(types.StringType)
		p.Outputs, p.SensitiveOutputs = types.MapUnknown(types.StringType), types.MapUnknown(types.StringType)
		p.Converged, p.Drift = types.BoolValue(true), stringValues(nil)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &p)...)
}

func (r *deploymentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics)
}

func (r *deploymentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics)
}

func (r *deploymentResource) apply(ctx context.Context, get func(context.Context, any) diag.Diagnostics, st interface {
	Set(context.Context, any) diag.Diagnostics
}, diags *diag.Diagnostics) {
	if r.site == nil {
		notConfigured(diags)
		return
	}
	var m deploymentModel
	diags.Append(get(ctx, &m)...)
	if diags.HasError() {
		return
	}
	a, d := m.args(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	j, d := a.job(r.site)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	res, d := j.apply(ctx, false)
	diags.Append(d...)
	if res == nil {
		return
	}
	m.fill(res)
	// What was applied is what the next read compares against.
	m.Converged, m.Drift = types.BoolValue(!diags.HasError()), stringValues(nil)
	diags.Append(st.Set(ctx, &m)...)
}

func (r *deploymentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.site == nil {
		notConfigured(&resp.Diagnostics)
		return
	}
	var m deploymentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := m.ID.ValueString()
	if id == "" {
		id = m.Name.ValueString()
	}
	// The arguments: from the Terraform state, or (import) from the
	// indigo state.
	a, d := m.args(ctx)
	resp.Diagnostics.Append(d...)
	if a.Template == "" && a.ModuleDir == "" {
		res, d := (&job{site: r.site, id: id}).inspect(ctx)
		if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
			return
		}
		if res.State == nil {
			resp.State.RemoveResource(ctx)
			return
		}
		var rec deploymentArgs
		if !recordedArguments(res.State, &rec) {
			resp.Diagnostics.AddError("Not a deployment made by this provider", fmt.Sprintf("The indigo state %s records no arguments of an indigo_deployment.", r.site.where(id)))
			return
		}
		a = rec
		m.setArgs(a)
	}
	j, d := a.job(r.site)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	res, d := j.inspect(ctx)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	if res.State == nil {
		// Never applied, or destroyed outside Terraform.
		resp.State.RemoveResource(ctx)
		return
	}
	m.fill(res)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// setArgs puts recorded arguments back into the model (import).
func (m *deploymentModel) setArgs(a deploymentArgs) {
	m.Name = types.StringValue(a.Name)
	m.Template = optString(a.Template)
	m.ModuleDir = optString(a.ModuleDir)
	m.Inputs = optMap(a.Inputs)
	m.Sensitive = optMap(a.Sensitive)
	m.Sites = siteModels(a.Sites)
	m.Candidates, m.Prefer, m.Locations, m.Capabilities = a.Candidates, a.Prefer, a.Locations, a.Capabilities
	m.Require = optMap(a.Require)
	m.Group = optString(a.Group)
	m.Weights = optNumberMap(a.Weights)
	if a.Fallback {
		m.Fallback = types.BoolValue(true)
	} else {
		m.Fallback = types.BoolNull()
	}
}

func (r *deploymentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.site == nil {
		notConfigured(&resp.Diagnostics)
		return
	}
	var m deploymentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	a, d := m.args(ctx)
	resp.Diagnostics.Append(d...)
	j, d := a.job(r.site)
	if d.HasError() {
		// The template or module is gone: destroy from the state alone.
		j = &job{site: r.site, id: a.Name, dir: workingDir(), cfg: emptyConfig()}
	}
	_, d = j.apply(ctx, true)
	resp.Diagnostics.Append(d...)
}

func (r *deploymentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !validID(req.ID) {
		resp.Diagnostics.AddError("Invalid deployment id", fmt.Sprintf("%q is not a deployment id: ids are the deployments' names (letters, digits, '-', '_', '.').", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
}
