package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/zclconf/go-cty/cty"
)

// groupSpec is an indigo group block, as indigo_group's spec carries it.
type groupSpec struct {
	Name    string   `json:"name"`
	Members []string `json:"members,omitempty"`
	Issuer  string   `json:"issuer,omitempty"`
	Claim   string   `json:"claim,omitempty"`
}

// policySpec is an indigo policy block, as indigo_policy's spec carries
// it, with the groups it names.
type policySpec struct {
	Name       string            `json:"name"`
	Groups     []groupSpec       `json:"groups,omitempty"`
	Principals []string          `json:"principals,omitempty"`
	Actions    []string          `json:"actions"`
	Effect     string            `json:"effect,omitempty"`
	Condition  map[string]string `json:"condition,omitempty"`
}

// writeAccess appends the group and policy blocks of the policies, each
// granting on the storage named storage.
func writeAccess(body *hclwrite.Body, specs []policySpec, storage string) {
	groups := map[string]groupSpec{}
	for _, p := range specs {
		for _, g := range p.Groups {
			groups[g.Name] = g
		}
	}
	for _, name := range sortedKeys(groups) {
		g := groups[name]
		b := body.AppendNewBlock("group", []string{name}).Body()
		if len(g.Members) > 0 {
			b.SetAttributeValue("members", stringList(g.Members))
		}
		if g.Issuer != "" {
			b.SetAttributeValue("issuer", cty.StringVal(g.Issuer))
		}
		if g.Claim != "" {
			b.SetAttributeValue("claim", cty.StringVal(g.Claim))
		}
	}
	for _, p := range specs {
		b := body.AppendNewBlock("policy", []string{p.Name}).Body()
		var principals []hclwrite.Tokens
		for _, g := range p.Groups {
			principals = append(principals, hclwrite.TokensForTraversal(traversal("group", g.Name)))
		}
		for _, id := range p.Principals {
			principals = append(principals, hclwrite.TokensForValue(cty.StringVal(id)))
		}
		b.SetAttributeRaw("principals", hclwrite.TokensForTuple(principals))
		b.SetAttributeValue("actions", stringList(p.Actions))
		b.SetAttributeRaw("resources", hclwrite.TokensForTuple([]hclwrite.Tokens{hclwrite.TokensForTraversal(hcl.Traversal{hcl.TraverseRoot{Name: "storage"}, hcl.TraverseAttr{Name: storage}})}))
		if p.Effect != "" {
			b.SetAttributeValue("effect", cty.StringVal(p.Effect))
		}
		if len(p.Condition) > 0 {
			cond := map[string]cty.Value{}
			for k, v := range p.Condition {
				cond[k] = cty.StringVal(v)
			}
			b.SetAttributeValue("condition", cty.ObjectVal(cond))
		}
	}
}

// groupResource is indigo_group: a group of principals, declared once and
// named by policies. It has no object of its own: what it grants is
// enforced where the policies naming it are applied.
type groupResource struct{}

// NewGroupResource returns the indigo_group resource.
func NewGroupResource() resource.Resource { return &groupResource{} }

type groupModel struct {
	Name    types.String `tfsdk:"name"`
	Members []string     `tfsdk:"members"`
	Issuer  types.String `tfsdk:"issuer"`
	Claim   types.String `tfsdk:"claim"`
	ID      types.String `tfsdk:"id"`
	Spec    types.String `tfsdk:"spec"`
}

func (r *groupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group"
}

func (r *groupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A group of principals, as indigo's group block: explicit members, and/or whoever an OpenID Connect issuer puts in a groups claim. " +
			"Name it in indigo_policy.groups; the policy is enforced by the indigo_storage whose access lists it (on MinIO: a canned policy named after the claim, " +
			"or a MinIO group of the members).",
		Attributes: map[string]schema.Attribute{
			"name":    schema.StringAttribute{Required: true, Description: "The group's name.", PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"members": schema.ListAttribute{ElementType: types.StringType, Optional: true, Description: `Identities: "user:alice" (or "alice"), "sub:1234@iam".`},
			"issuer":  schema.StringAttribute{Optional: true, Description: "An OpenID Connect issuer whose groups claim makes someone a member."},
			"claim":   schema.StringAttribute{Optional: true, Description: "The value of the issuer's groups claim that makes someone a member; required with issuer."},
			"id":      schema.StringAttribute{Computed: true, Description: "The group's name.", PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"spec":    schema.StringAttribute{Computed: true, Description: "The group as indigo_policy.groups takes it (JSON)."},
		},
	}
}

func (m *groupModel) compute() diag.Diagnostics {
	var diags diag.Diagnostics
	if !m.Issuer.IsNull() && m.Claim.IsNull() {
		diags.AddAttributeError(path.Root("claim"), "Issuer without claim", "A group with an issuer needs the claim value that makes someone a member (claim = \"cms\").")
	}
	g := groupSpec{Name: m.Name.ValueString(), Members: m.Members, Issuer: m.Issuer.ValueString(), Claim: m.Claim.ValueString()}
	b, err := json.Marshal(g)
	if err != nil {
		diags.AddError("Cannot encode the group", err.Error())
	}
	m.ID, m.Spec = types.StringValue(g.Name), types.StringValue(string(b))
	return diags
}

func (r *groupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	specPlan(ctx, req, resp, &groupModel{}, func(m any) diag.Diagnostics { return m.(*groupModel).compute() })
}

func (r *groupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m groupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(m.compute()...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *groupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m groupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(m.compute()...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read keeps the group as it is: it exists only in the configuration.
func (r *groupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m groupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	resp.Diagnostics.Append(m.compute()...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *groupResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// policyResource is indigo_policy: one access rule, as indigo's policy
// block. The indigo_storage whose access lists it compiles it
// (planner/policy) and applies the native documents with the storage.
type policyResource struct{}

// NewPolicyResource returns the indigo_policy resource.
func NewPolicyResource() resource.Resource { return &policyResource{} }

type policyModel struct {
	Name       types.String `tfsdk:"name"`
	Groups     []string     `tfsdk:"groups"`
	Principals []string     `tfsdk:"principals"`
	Actions    []string     `tfsdk:"actions"`
	Effect     types.String `tfsdk:"effect"`
	Condition  types.Map    `tfsdk:"condition"`
	ID         types.String `tfsdk:"id"`
	Spec       types.String `tfsdk:"spec"`
}

func (r *policyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_policy"
}

func (r *policyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "One access rule, as indigo's policy block: principals, actions, effect and condition. List its spec in an indigo_storage's access: " +
			"the storage compiles it with indigo's policy compiler for each of its sites (MinIO canned policies, attached to the groups and users) and applies " +
			"the documents with the storage, so a changed or removed policy changes or revokes the access there, and drift shows on the storage.",
		Attributes: map[string]schema.Attribute{
			"name":       schema.StringAttribute{Required: true, Description: "The policy's name.", PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"groups":     schema.ListAttribute{ElementType: types.StringType, Optional: true, Description: "Groups granted: indigo_group specs (indigo_group.NAME.spec)."},
			"principals": schema.ListAttribute{ElementType: types.StringType, Optional: true, Description: `Other identities granted: "user:alice", "sub:1234@iam".`},
			"actions":    schema.ListAttribute{ElementType: types.StringType, Required: true, Description: "On storage: read, list, write, delete (or admin, *)."},
			"effect":     schema.StringAttribute{Optional: true, Description: `"allow" (default) or "deny"; a deny wins.`},
			"condition": schema.MapAttribute{ElementType: types.StringType, Optional: true,
				Description: "Constraints that must all hold: prefix (object key prefix), source_ip (an address or CIDR range), not_before, not_after (RFC 3339)."},
			"id":   schema.StringAttribute{Computed: true, Description: "The policy's name.", PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"spec": schema.StringAttribute{Computed: true, Description: "The policy as indigo_storage.access takes it (JSON)."},
		},
	}
}

func (m *policyModel) compute(ctx context.Context) diag.Diagnostics {
	var diags diag.Diagnostics
	p := policySpec{Name: m.Name.ValueString(), Principals: m.Principals, Actions: m.Actions, Effect: m.Effect.ValueString()}
	diags.Append(m.Condition.ElementsAs(ctx, &p.Condition, false)...)
	for i, g := range m.Groups {
		var gs groupSpec
		if err := json.Unmarshal([]byte(g), &gs); err != nil || gs.Name == "" {
			diags.AddAttributeError(path.Root("groups").AtListIndex(i), "Not a group", fmt.Sprintf("%q is not an indigo_group's spec: write indigo_group.NAME.spec.", g))
			continue
		}
		p.Groups = append(p.Groups, gs)
	}
	if len(p.Groups) == 0 && len(p.Principals) == 0 {
		diags.AddAttributeError(path.Root("principals"), "Policy without principals", "Name who the policy is for: groups = [indigo_group.NAME.spec] and/or principals = [\"user:alice\"].")
	}
	b, err := json.Marshal(p)
	if err != nil {
		diags.AddError("Cannot encode the policy", err.Error())
	}
	m.ID, m.Spec = types.StringValue(p.Name), types.StringValue(string(b))
	return diags
}

func (r *policyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	specPlan(ctx, req, resp, &policyModel{}, func(m any) diag.Diagnostics { return m.(*policyModel).compute(ctx) })
}

func (r *policyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m policyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(m.compute(ctx)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *policyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m policyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(m.compute(ctx)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read keeps the policy as it is: it is enforced (and its drift seen) by
// the storages that list it.
func (r *policyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m policyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	resp.Diagnostics.Append(m.compute(ctx)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *policyResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// specPlan computes a spec resource's spec at plan time when its
// arguments are known, so that resources using it plan with the value.
func specPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, m any, compute func(any) diag.Diagnostics) {
	if req.Plan.Raw.IsNull() || !req.Config.Raw.IsFullyKnown() {
		return
	}
	resp.Diagnostics.Append(req.Plan.Get(ctx, m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(compute(m)...)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, m)...)
}

// policySpecs decodes indigo_storage.access.
func policySpecs(access []string) ([]policySpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	var out []policySpec
	for i, s := range access {
		var p policySpec
		if err := json.Unmarshal([]byte(s), &p); err != nil || p.Name == "" {
			diags.AddAttributeError(path.Root("access").AtListIndex(i), "Not a policy", fmt.Sprintf("%q is not an indigo_policy's spec: write indigo_policy.NAME.spec.", s))
			continue
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b policySpec) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out, diags
}
