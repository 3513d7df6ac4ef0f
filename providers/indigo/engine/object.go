package engine

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/state"
)

// The root outputs the generated configurations add: the arguments the
// object was applied with (so that import by id restores them) and what
// the placed object produced.
const (
	outArguments = "terraform_arguments"
	outOutputs   = "terraform_outputs"
)

// ident turns an id into an HCL identifier for the generated block.
func ident(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' || b[0] == '-' {
		return "o_" + string(b)
	}
	return string(b)
}

// writeArguments adds the root output that records the arguments (any
// JSON-encodable value) in the indigo state.
func writeArguments(body *hclwrite.Body, args any) error {
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	o := body.AppendNewBlock("output", []string{outArguments}).Body()
	o.SetAttributeValue("value", cty.StringVal(string(b)))
	o.SetAttributeValue("sensitive", cty.True)
	return nil
}

// recordedArguments decodes the arguments recorded in st into args; false
// when there are none.
func recordedArguments(st *state.State, args any) bool {
	o := st.Outputs[outArguments]
	if o == nil {
		return false
	}
	var s string
	if json.Unmarshal(o.Value, &s) != nil {
		return false
	}
	return json.Unmarshal([]byte(s), args) == nil
}

// outputStrings returns a root output's value as a map of strings (strings
// as they are, other values as JSON), and whether it is sensitive.
func outputStrings(o *state.Output) (map[string]string, bool) {
	out := map[string]string{}
	if o == nil {
		return out, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(o.Value, &m) != nil {
		return out, o.Sensitive
	}
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out, o.Sensitive
}

// rootOutputs returns the root outputs of st other than the generated
// ones, as strings, split by sensitivity.
func rootOutputs(st *state.State) (plain, sensitive map[string]string) {
	plain, sensitive = map[string]string{}, map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(st.Outputs)) {
		if name == outArguments || name == outOutputs {
			continue
		}
		o := st.Outputs[name]
		var s string
		v := string(o.Value)
		if json.Unmarshal(o.Value, &s) == nil {
			v = s
		}
		if o.Sensitive {
			sensitive[name] = v
		} else {
			plain[name] = v
		}
	}
	return plain, sensitive
}

// placements returns, by placed object, its sites in st.
func placements(st *state.State) map[string]string {
	out := map[string]string{}
	for addr, p := range st.Placements {
		out[addr.String()] = strings.Join(p.Sites, ",")
	}
	return out
}

func stringMap(m map[string]string) types.Map {
	vals := make(map[string]attr.Value, len(m))
	for k, v := range m {
		vals[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, vals)
}

// statusAttributes are the computed attributes every engine-backed
// resource has: whether the real system matches what indigo applied.
func statusAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{Computed: true, Description: "The object's id: its name, which names its indigo state in the provider's backend.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"converged": schema.BoolAttribute{Computed: true,
			Description:   "Whether the real system matched the configuration when last read. false when something drifted (see drift): the plan then shows an update that converges it.",
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}},
		"drift": schema.ListAttribute{ElementType: types.StringType, Computed: true,
			Description:   "What indigo would change to converge, as its plan says (resource: action), and what changed outside it; empty when converged.",
			PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()}},
	}
}

// status sets converged and drift from a plan made against the recorded
// state.
func status(res *result) (types.Bool, types.List) {
	ch := changes(res.Plan)
	return types.BoolValue(len(ch) == 0), stringValues(ch)
}

// converge is the plan modification of converged and drift: an object
// that drifted is planned back to converged, which shows as an update.
func convergePlan(ctx context.Context, prior types.Bool, planConverged *types.Bool, planDrift *types.List) {
	if !prior.IsNull() && !prior.ValueBool() {
		*planConverged = types.BoolValue(true)
		*planDrift = stringValues(nil)
	}
}

func mergeAttributes(ms ...map[string]schema.Attribute) map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

func notConfigured(diags *diag.Diagnostics) {
	diags.AddError("Provider not configured", "The indigo provider was not configured before this resource was used; this is a bug in the provider or in Terraform.")
}

func optString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func optMap(m map[string]string) types.Map {
	if len(m) == 0 {
		return types.MapNull(types.StringType)
	}
	return stringMap(m)
}

func optNumberMap(m map[string]float64) types.Map {
	if len(m) == 0 {
		return types.MapNull(types.Float64Type)
	}
	vals := make(map[string]attr.Value, len(m))
	for k, v := range m {
		vals[k] = types.Float64Value(v)
	}
	return types.MapValueMust(types.Float64Type, vals)
}

// siteModels converts recorded sites back to the model (import).
func siteModels(in []siteSpec) []siteModel {
	if len(in) == 0 {
		return nil
	}
	out := make([]siteModel, len(in))
	for i, s := range in {
		out[i] = siteModel{Name: types.StringValue(s.Name), Kind: optString(s.Kind), Location: optString(s.Location),
			Capabilities: s.Capabilities, SLA: optMap(s.SLA), Shares: optNumberMap(s.Shares), Cost: optNumberMap(s.Cost),
			Metrics: optString(s.Metrics), Settings: optMap(s.Settings)}
	}
	return out
}
