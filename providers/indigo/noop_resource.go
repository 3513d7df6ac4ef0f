package indigo

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/dynamicplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// noopResource is indigo_noop: state only, like terraform_data. It is what
// engine benchmarks create by the ten thousand, so it does no I/O at all.
type noopResource struct{}

type noopModel struct {
	ID              types.String  `tfsdk:"id"`
	TriggersReplace types.Dynamic `tfsdk:"triggers_replace"`
	Input           types.Dynamic `tfsdk:"input"`
	Output          types.Dynamic `tfsdk:"output"`
}

func newNoopResource() resource.Resource { return noopResource{} }

func (noopResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_noop"
}

func (noopResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A resource that only lives in state, like terraform_data: it carries a value and can trigger the replacement of others.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "A random UUID chosen at create.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"triggers_replace": schema.DynamicAttribute{
				Optional:      true,
				Description:   "Any value; when it changes the resource is replaced.",
				PlanModifiers: []planmodifier.Dynamic{dynamicplanmodifier.RequiresReplace()},
			},
			"input": schema.DynamicAttribute{
				Optional:    true,
				Description: "Any value; copied to output. Changing it updates in place.",
			},
			"output": schema.DynamicAttribute{
				Computed:      true,
				Description:   "The value of input.",
				PlanModifiers: []planmodifier.Dynamic{outputFollowsInput{}},
			},
		},
	}
}

// outputFollowsInput plans output as the planned input, so a plan shows the
// value (or unknown when input is unknown) instead of "known after apply".
type outputFollowsInput struct{}

func (outputFollowsInput) Description(context.Context) string         { return "output is input" }
func (outputFollowsInput) MarkdownDescription(context.Context) string { return "output is input" }

func (outputFollowsInput) PlanModifyDynamic(ctx context.Context, req planmodifier.DynamicRequest, resp *planmodifier.DynamicResponse) {
	var in types.Dynamic
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("input"), &in)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.PlanValue = in
}

func (noopResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan noopModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, err := newUUID()
	if err != nil {
		resp.Diagnostics.AddError("Cannot create an id", err.Error())
		return
	}
	plan.ID = types.StringValue(id)
	plan.Output = plan.Input
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read leaves the state as it is: there is nothing outside to compare with.
func (noopResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (noopResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan noopModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.Output = plan.Input
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (noopResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// newUUID returns a random (version 4) UUID.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:]), nil
}
