package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// placementDataSource is data "indigo_placement".
type placementDataSource struct{}

// NewPlacementDataSource returns the indigo_placement data source.
func NewPlacementDataSource() datasource.DataSource { return &placementDataSource{} }

// siteModel is one inline candidate site.
type siteModel struct {
	Name         types.String `tfsdk:"name"`
	Kind         types.String `tfsdk:"kind"`
	Location     types.String `tfsdk:"location"`
	Capabilities []string     `tfsdk:"capabilities"`
	SLA          types.Map    `tfsdk:"sla"`
	Shares       types.Map    `tfsdk:"shares"`
	Cost         types.Map    `tfsdk:"cost"`
	Metrics      types.String `tfsdk:"metrics"`
	Settings     types.Map    `tfsdk:"settings"`
}

type placementModel struct {
	Name         types.String `tfsdk:"name"`
	ModuleDir    types.String `tfsdk:"module_dir"`
	Variables    types.Map    `tfsdk:"variables"`
	Sites        []siteModel  `tfsdk:"sites"`
	Candidates   []string     `tfsdk:"candidates"`
	Prefer       []string     `tfsdk:"prefer"`
	Require      types.Map    `tfsdk:"require"`
	Locations    []string     `tfsdk:"locations"`
	Capabilities []string     `tfsdk:"capabilities"`
	Group        types.String `tfsdk:"group"`
	Weights      types.Map    `tfsdk:"weights"`

	ID          types.String `tfsdk:"id"`
	Chosen      types.String `tfsdk:"chosen"`
	Outcome     types.String `tfsdk:"outcome"`
	Reason      types.String `tfsdk:"reason"`
	Ranked      types.List   `tfsdk:"ranked"`
	Rejected    types.List   `tfsdk:"rejected"`
	Explanation types.String `tfsdk:"explanation"`
}

var partType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"criterion": types.StringType, "raw": types.Float64Type, "normalized": types.Float64Type,
	"weight": types.Float64Type, "contribution": types.Float64Type, "note": types.StringType,
}}

var rankedType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"rank": types.Int64Type, "site": types.StringType, "location": types.StringType, "score": types.Float64Type,
	"parts": types.ListType{ElemType: partType}, "notes": types.ListType{ElemType: types.StringType},
}}

var rejectedType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"site": types.StringType, "location": types.StringType,
	"reasons": types.ListType{ElemType: types.StringType}, "notes": types.ListType{ElemType: types.StringType},
}}

func (d *placementDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_placement"
}

// siteAttributes are the arguments of an inline site.
func siteAttributes() map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for _, f := range siteFields {
		switch f.kind {
		case fieldString:
			out[f.name] = schema.StringAttribute{Required: f.required, Optional: !f.required, Description: f.desc}
		case fieldList:
			out[f.name] = schema.ListAttribute{ElementType: types.StringType, Optional: true, Description: f.desc}
		case fieldStringMap:
			out[f.name] = schema.MapAttribute{ElementType: types.StringType, Optional: true, Description: f.desc}
		case fieldNumberMap:
			out[f.name] = schema.MapAttribute{ElementType: types.Float64Type, Optional: true, Description: f.desc}
		}
	}
	return out
}

func (d *placementDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	strList := func(desc string) schema.ListAttribute {
		return schema.ListAttribute{ElementType: types.StringType, Optional: true, Description: desc}
	}
	resp.Schema = schema.Schema{
		Description: "Ranks candidate sites for a component with indigo's ranker, exactly as `indigo rank` does: hard constraints " +
			"(SLA capacity left, group shares, location, capabilities, fresh metrics) reject sites with reasons; the others are scored " +
			"on weighted criteria (preference, availability, latency, free capacity, cost, locality) and ranked, every score with its parts.",
		Attributes: map[string]schema.Attribute{
			"name":       schema.StringAttribute{Optional: true, Description: `The component's name in the explanation (deployment.NAME). Default: "placement".`},
			"module_dir": schema.StringAttribute{Optional: true, Description: "An indigo module directory whose site blocks (with their metrics, groups and ranking weights) are candidates too. Relative to the Terraform working directory."},
			"variables":  schema.MapAttribute{ElementType: types.StringType, Optional: true, Description: "Values for the module directory's variables."},
			"sites": schema.ListNestedAttribute{Optional: true, Description: "Candidate sites given inline.",
				NestedObject: schema.NestedAttributeObject{Attributes: siteAttributes()}},
			"candidates": strList("The site names the component may go to; default: every site."),
			"prefer":     strList("Preferred sites, most preferred first: a weight, never a hard rule."),
			"require": schema.MapAttribute{ElementType: types.StringType, Optional: true,
				Description: `The demand, checked against each site's SLA quota left: cpus = 8, memory = "16GiB", gpus = 1, storage = "10TiB".`},
			"locations":    strList("Allowed site locations."),
			"capabilities": strList("Capabilities a site must offer."),
			"group":        schema.StringAttribute{Optional: true, Description: "The group whose share of each site the component uses (declared in the module directory, or any name used in the sites' shares)."},
			"weights":      schema.MapAttribute{ElementType: types.Float64Type, Optional: true, Description: "Ranking weights by criterion (preference, availability, latency, free_capacity, cost, locality); only ratios matter."},

			"id":      schema.StringAttribute{Computed: true, Description: "The chosen site."},
			"chosen":  schema.StringAttribute{Computed: true, Description: "The chosen site: the best-ranked one. When no site can take the component, reading fails with every site's reason, as `indigo rank` does."},
			"outcome": schema.StringAttribute{Computed: true, Description: `How the choice was made: "placed".`},
			"reason":  schema.StringAttribute{Computed: true, Description: "Why, in words."},
			"ranked": schema.ListNestedAttribute{Computed: true, Description: "The sites that can take the component, best first (ties by name).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"rank":     schema.Int64Attribute{Computed: true, Description: "1 for the chosen site."},
					"site":     schema.StringAttribute{Computed: true, Description: "The site."},
					"location": schema.StringAttribute{Computed: true, Description: "Its location."},
					"score":    schema.Float64Attribute{Computed: true, Description: "The score in [0,1]: the sum of the parts' contributions."},
					"parts": schema.ListNestedAttribute{Computed: true, Description: "One part per criterion.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"criterion":    schema.StringAttribute{Computed: true, Description: "preference, availability, latency, free_capacity, cost or locality."},
							"raw":          schema.Float64Attribute{Computed: true, Description: "The figure the criterion looked at."},
							"normalized":   schema.Float64Attribute{Computed: true, Description: "The figure mapped to [0,1], 1 best."},
							"weight":       schema.Float64Attribute{Computed: true, Description: "The criterion's weight; 0 when it does not apply."},
							"contribution": schema.Float64Attribute{Computed: true, Description: "weight × normalized over the sum of the weights that apply."},
							"note":         schema.StringAttribute{Computed: true, Description: "The figure in words."},
						}}},
					"notes": schema.ListAttribute{ElementType: types.StringType, Computed: true, Description: "What the ranking could not use (missing or stale metrics)."},
				}}},
			"rejected": schema.ListNestedAttribute{Computed: true, Description: "The sites a hard constraint ruled out, by name, with the reasons.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"site":     schema.StringAttribute{Computed: true, Description: "The site."},
					"location": schema.StringAttribute{Computed: true, Description: "Its location."},
					"reasons":  schema.ListAttribute{ElementType: types.StringType, Computed: true, Description: "Why it was rejected."},
					"notes":    schema.ListAttribute{ElementType: types.StringType, Computed: true, Description: "What the ranking could not use."},
				}}},
			"explanation": schema.StringAttribute{Computed: true, Description: "The ranking as `indigo rank` prints it: the table and each criterion's figure for every site."},
		},
	}
}

func (d *placementDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m placementModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.Name.ValueString()
	if name == "" {
		name = "placement"
	}
	sites, diags := siteSpecs(ctx, m.Sites)
	resp.Diagnostics.Append(diags...)
	spec := placementSpec{Candidates: m.Candidates, Prefer: m.Prefer, Locations: m.Locations,
		Capabilities: m.Capabilities, Group: m.Group.ValueString()}
	resp.Diagnostics.Append(m.Require.ElementsAs(ctx, &spec.Require, false)...)
	resp.Diagnostics.Append(m.Weights.ElementsAs(ctx, &spec.Weights, false)...)
	var vars map[string]string
	resp.Diagnostics.Append(m.Variables.ElementsAs(ctx, &vars, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	moduleDir := absPath(m.ModuleDir.ValueString())
	if moduleDir == "" && len(sites) == 0 {
		resp.Diagnostics.AddError("No candidate sites", "Give the candidate sites inline (sites = [{ name = ... }]) or name an indigo module directory whose site blocks are the candidates (module_dir).")
		return
	}
	pl, diags := rankSites(ctx, name, sites, spec, moduleDir, vars)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(m.setResult(pl)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// siteSpecs converts inline sites.
func siteSpecs(ctx context.Context, in []siteModel) ([]siteSpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := make([]siteSpec, 0, len(in))
	for _, s := range in {
		sp := siteSpec{Name: s.Name.ValueString(), Kind: s.Kind.ValueString(), Location: s.Location.ValueString(),
			Capabilities: s.Capabilities, Metrics: s.Metrics.ValueString()}
		diags.Append(s.SLA.ElementsAs(ctx, &sp.SLA, false)...)
		diags.Append(s.Shares.ElementsAs(ctx, &sp.Shares, false)...)
		diags.Append(s.Cost.ElementsAs(ctx, &sp.Cost, false)...)
		diags.Append(s.Settings.ElementsAs(ctx, &sp.Settings, false)...)
		out = append(out, sp)
	}
	return out, diags
}

// rankSites ranks the sites for one deployment named name with placement
// spec, through planner.Placements: what `indigo rank` runs.
func rankSites(ctx context.Context, name string, sites []siteSpec, spec placementSpec, moduleDir string, vars map[string]string) (*plan.Placement, diag.Diagnostics) {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	declared := map[string]bool{}
	if moduleDir != "" {
		// The module's groups are declared there; the others are
		// declared here so that shares and group may name them.
		if mod, _ := hcllang.NewLoader().LoadModule(moduleDir); mod != nil {
			for g := range mod.Groups {
				declared[g] = true
			}
			if _, taken := mod.Deployments[name]; taken {
				var diags diag.Diagnostics
				diags.AddAttributeError(path.Root("name"), "Name taken in the module directory",
					fmt.Sprintf("%s declares a deployment %q; the component ranked here needs another name: set name = \"...\".", moduleDir, name))
				return nil, diags
			}
		}
	}
	groups := map[string]bool{}
	if spec.Group != "" {
		groups[spec.Group] = true
	}
	for _, s := range sites {
		for g := range s.Shares {
			if g != "*" {
				groups[g] = true
			}
		}
	}
	for _, g := range sortedKeys(groups) {
		if !declared[g] {
			body.AppendNewBlock("group", []string{g})
		}
	}
	for _, s := range sites {
		writeSite(body, s)
	}
	dep := body.AppendNewBlock("deployment", []string{name}).Body()
	writePlacement(dep, spec)
	// A deployment needs content; ranking never creates it.
	dep.AppendNewBlock("resource", []string{"indigo_noop", "placed"})
	cfg, hd := loadGenerated(f, workingDir(), moduleDir)
	diags := hclDiags(hd)
	if diags.HasError() {
		return nil, diags
	}
	pls, hd := planner.Placements(ctx, cfg, nil, planner.Options{Vars: variables(vars)})
	for _, pl := range pls {
		if pl.Addr.Name == name {
			return pl, append(diags, hclDiags(hd)...)
		}
	}
	// No placement: the errors say why (no site can take it).
	diags.Append(hclDiags(hd)...)
	if !diags.HasError() {
		diags.AddError("No placement", fmt.Sprintf("indigo ranked no site for deployment %q.", name))
	}
	return nil, diags
}

// setResult fills the computed attributes from a placement.
func (m *placementModel) setResult(pl *plan.Placement) diag.Diagnostics {
	var diags diag.Diagnostics
	r := pl.Ranking
	m.ID = types.StringValue(r.Chosen)
	m.Chosen = types.StringValue(r.Chosen)
	m.Outcome = types.StringValue(string(r.Outcome))
	m.Reason = types.StringValue(r.Reason)
	var ranked, rejected []attr.Value
	for _, s := range r.Scored {
		notes := stringValues(s.Notes)
		if s.Rejected {
			o, d := types.ObjectValue(rejectedType.AttrTypes, map[string]attr.Value{
				"site": types.StringValue(s.Site), "location": types.StringValue(s.Location),
				"reasons": stringValues(s.Reasons), "notes": notes})
			diags.Append(d...)
			rejected = append(rejected, o)
			continue
		}
		parts := make([]attr.Value, 0, len(s.Parts))
		for _, p := range s.Parts {
			o, d := types.ObjectValue(partType.AttrTypes, map[string]attr.Value{
				"criterion": types.StringValue(p.Criterion.String()), "raw": types.Float64Value(p.Raw),
				"normalized": types.Float64Value(p.Normalized), "weight": types.Float64Value(p.Weight),
				"contribution": types.Float64Value(p.Contribution), "note": types.StringValue(p.Note)})
			diags.Append(d...)
			parts = append(parts, o)
		}
		pv, d := types.ListValue(partType, parts)
		diags.Append(d...)
		o, d := types.ObjectValue(rankedType.AttrTypes, map[string]attr.Value{
			"rank": types.Int64Value(int64(len(ranked) + 1)), "site": types.StringValue(s.Site),
			"location": types.StringValue(s.Location), "score": types.Float64Value(s.Score),
			"parts": pv, "notes": notes})
		diags.Append(d...)
		ranked = append(ranked, o)
	}
	var d diag.Diagnostics
	m.Ranked, d = types.ListValue(rankedType, ranked)
	diags.Append(d...)
	m.Rejected, d = types.ListValue(rejectedType, rejected)
	diags.Append(d...)
	var b strings.Builder
	if err := view.Placement(&b, pl); err != nil {
		diags.AddError("Cannot render the ranking", err.Error())
	}
	m.Explanation = types.StringValue(b.String())
	return diags
}

func stringValues(l []string) types.List {
	vals := make([]attr.Value, len(l))
	for i, s := range l {
		vals[i] = types.StringValue(s)
	}
	return types.ListValueMust(types.StringType, vals)
}
