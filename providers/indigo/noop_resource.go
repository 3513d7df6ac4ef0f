package indigo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/dynamicplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// noopResource is indigo_noop: state only, like terraform_data. It is what
// engine benchmarks create by the ten thousand, so it does no I/O at all.
// The built-in terraform provider serves the same resource as
// terraform_data (StateOnlyResource).
type noopResource struct {
	// suffix follows the provider's type name in the resource's: "_noop".
	suffix string
	output OutputPlan
}

// OutputPlan is how a state-only resource plans its output attribute.
type OutputPlan int

const (
	// OutputAsInput plans output as the planned input, so that a plan shows
	// the value (unknown when input is): indigo_noop.
	OutputAsInput OutputPlan = iota
	// OutputAfterApply plans output as Terraform's terraform_data does:
	// unknown ("known after apply") when the object is created or its
	// input changes, null when input is null, the prior output otherwise;
	// apply sets it to input.
	OutputAfterApply
)

// planned is output in a plan of a state-only resource from prior (nil:
// a create, or the replacement of a replace) to the attributes attrs.
func (o OutputPlan) planned(prior, attrs map[string]tftypes.Value) tftypes.Value {
	in := attrs["input"]
	switch {
	case o == OutputAsInput, in.IsNull():
		return in
	case prior != nil && in.Equal(prior["input"]):
		return prior["output"]
	default:
		return tftypes.NewValue(tftypes.DynamicPseudoType, tftypes.UnknownValue)
	}
}

var (
	_ resource.ResourceWithModifyPlan  = noopResource{}
	_ resource.ResourceWithImportState = noopResource{}
	_ resource.ResourceWithMoveState   = noopResource{}
)

func newNoopResource() resource.Resource { return noopResource{suffix: "_noop"} }

// StateOnlyResource returns a factory of the state-only resource indigo_noop
// is, named PROVIDER+suffix, with output planned as out says: the terraform
// provider's terraform_data. Serve it through StateOnlyServer, with the
// same out, so its hot calls skip the framework.
func StateOnlyResource(suffix string, out OutputPlan) func() resource.Resource {
	return func() resource.Resource { return noopResource{suffix: suffix, output: out} }
}

func (r noopResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + r.suffix
}

// ImportState takes the import ID as the id; input, output and
// triggers_replace stay null until the configuration sets them (the plan
// after the import shows them as an update).
func (noopResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
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
				Computed:    true,
				Description: "The value of input.",
			},
		},
	}
}

// ModifyPlan plans output (OutputPlan): for indigo_noop as the planned
// input, so a plan shows the value (or unknown when input is unknown)
// instead of "known after apply".
//
// This resource works on raw values rather than through a model struct: the
// struct round trip (Get, then Set) cost more than everything else the
// resource does, and indigo_noop is the engine benchmarks' unit of work (see
// BenchmarkNoopCreateRead).
func (r noopResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	attrs := rawAttrs(req.Plan.Raw, &resp.Diagnostics)
	if attrs == nil {
		return
	}
	var prior map[string]tftypes.Value
	if !req.State.Raw.IsNull() {
		if prior = rawAttrs(req.State.Raw, &resp.Diagnostics); prior == nil {
			return
		}
	}
	attrs["output"] = r.output.planned(prior, attrs)
	resp.Plan.Raw = tftypes.NewValue(req.Plan.Raw.Type(), attrs)
}

func rawAttrs(v tftypes.Value, diags *diag.Diagnostics) map[string]tftypes.Value {
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		diags.AddError("Unexpected value of a state-only resource", err.Error())
		return nil
	}
	return attrs
}

// withOutput returns the planned object v with an unknown output set to
// its input and, when id is not nil, id set to it.
func withOutput(v tftypes.Value, id *string, diags *diag.Diagnostics) tftypes.Value {
	attrs := rawAttrs(v, diags)
	if attrs == nil {
		return v
	}
	if !attrs["output"].IsKnown() {
		attrs["output"] = attrs["input"]
	}
	if id != nil {
		attrs["id"] = tftypes.NewValue(tftypes.String, *id)
	}
	return tftypes.NewValue(v.Type(), attrs)
}

func (noopResource) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	id, err := newUUID()
	if err != nil {
		resp.Diagnostics.AddError("Cannot create an id", err.Error())
		return
	}
	resp.State.Raw = withOutput(req.Plan.Raw, &id, &resp.Diagnostics)
}

// Read leaves the state as it is: there is nothing outside to compare with.
func (noopResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (noopResource) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = withOutput(req.Plan.Raw, nil, &resp.Diagnostics)
}

func (noopResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// MoveState converts, for a moved block between types, the objects of
// hashicorp/null's null_resource (its triggers become triggers_replace,
// as Terraform's terraform_data does) and those of the other state-only
// resource (indigo_noop to terraform_data and back: the same attributes).
func (r noopResource) MoveState(context.Context) []resource.StateMover {
	return []resource.StateMover{{StateMover: moveState}}
}

// nullResourceType is null_resource's object type.
var nullResourceType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	"id":       tftypes.String,
	"triggers": tftypes.Map{ElementType: tftypes.String},
}}

func moveState(_ context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
	if req.SourceRawState == nil {
		return
	}
	opts := tfprotov6.UnmarshalOpts{ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}}
	var attrs map[string]tftypes.Value
	switch {
	case req.SourceTypeName == "null_resource" && strings.HasSuffix(req.SourceProviderAddress, "/null"):
		v, err := req.SourceRawState.UnmarshalWithOpts(nullResourceType, opts)
		if err != nil {
			resp.Diagnostics.AddError("Unable to read the null_resource", err.Error())
			return
		}
		var src map[string]tftypes.Value
		if err := v.As(&src); err != nil {
			resp.Diagnostics.AddError("Unable to read the null_resource", err.Error())
			return
		}
		null := tftypes.NewValue(tftypes.DynamicPseudoType, nil)
		attrs = map[string]tftypes.Value{"id": src["id"], "triggers_replace": null, "input": null, "output": null}
		if t := src["triggers"]; !t.IsNull() && t.IsKnown() {
			// An object of strings, as the configuration writes the same
			// triggers (triggers_replace = { k = "v" }): the plan after
			// the move then sees no change.
			var m map[string]tftypes.Value
			if err := t.As(&m); err != nil {
				resp.Diagnostics.AddError("Unable to read the null_resource", err.Error())
				return
			}
			types := make(map[string]tftypes.Type, len(m))
			for k := range m {
				types[k] = tftypes.String
			}
			attrs["triggers_replace"] = tftypes.NewValue(tftypes.Object{AttributeTypes: types}, m)
		}
	case req.SourceTypeName == "indigo_noop" || req.SourceTypeName == "terraform_data":
		v, err := req.SourceRawState.UnmarshalWithOpts(noopType, opts)
		if err != nil {
			resp.Diagnostics.AddError("Unable to read the "+req.SourceTypeName, err.Error())
			return
		}
		if err := v.As(&attrs); err != nil {
			resp.Diagnostics.AddError("Unable to read the "+req.SourceTypeName, err.Error())
			return
		}
	default:
		return // another mover's, or none: the framework says so
	}
	resp.TargetState.Raw = tftypes.NewValue(noopType, attrs)
}

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
