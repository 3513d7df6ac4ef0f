package jsonplan

import (
	"encoding/json"
	"slices"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// stateFormatVersion is the format_version of the state documents the plan
// view embeds (prior_state), Terraform's state representation version.
const stateFormatVersion = "1.0"

// jsonValues is Terraform's "values representation": planned_values, and
// the values of prior_state.
type jsonValues struct {
	Outputs    map[string]jsonOutputValue `json:"outputs,omitempty"`
	RootModule *jsonModule                `json:"root_module"`
}

type jsonOutputValue struct {
	Sensitive bool `json:"sensitive"`
	// Value is omitted when it is not known throughout, or sensitive.
	Value any `json:"value,omitempty"`
	// Type is the value's type in cty's JSON form, when it is known
	// throughout.
	Type json.RawMessage `json:"type,omitempty"`
}

// outputValue is an output's entry in a values representation.
func outputValue(v cty.Value, sensitive bool) jsonOutputValue {
	w := walkValue(v)
	ov := jsonOutputValue{Sensitive: sensitive || w.sensitive == true}
	if v == cty.NilVal || !v.IsWhollyKnown() {
		return ov
	}
	if !ov.Sensitive {
		ov.Value = w.value
	}
	if t, err := ctyjson.MarshalType(v.Type()); err == nil {
		ov.Type = t
	}
	return ov
}

type jsonModule struct {
	Address      string              `json:"address,omitempty"`
	Resources    []jsonValueResource `json:"resources,omitempty"`
	ChildModules []*jsonModule       `json:"child_modules,omitempty"`
}

type jsonValueResource struct {
	Address         string `json:"address"`
	Mode            string `json:"mode"`
	Type            string `json:"type"`
	Name            string `json:"name"`
	Index           any    `json:"index,omitempty"`
	ProviderName    string `json:"provider_name"`
	SchemaVersion   int64  `json:"schema_version"`
	Values          any    `json:"values"`
	SensitiveValues any    `json:"sensitive_values"`
	// DependsOn is in prior_state only, as in a state's JSON.
	DependsOn  []string `json:"depends_on,omitempty"`
	DeposedKey string   `json:"deposed_key,omitempty"`
	Site       string   `json:"site,omitempty"`
}

type jsonPriorStateDoc struct {
	FormatVersion    string     `json:"format_version"`
	TerraformVersion string     `json:"terraform_version"`
	Values           jsonValues `json:"values"`
}

// plannedValues is planned_values: every resource instance as it will be
// after apply (deletions and deposed objects left out), and the planned
// outputs. An attribute that is unknown until apply is left out of values,
// as Terraform does; a sensitive one is null and marked in sensitive_values.
func plannedValues(p *plan.Plan) jsonValues {
	v := jsonValues{RootModule: &jsonModule{}}
	tree := moduleTree{"": v.RootModule}
	for _, c := range sortedChanges(p.Changes) {
		if c.DeposedKey != "" || c.Action == plan.Delete || c.Action == plan.Forget || c.After == cty.NilVal || readAtPlan(c) {
			continue
		}
		w := walkValue(c.After)
		tree.module(c.Addr.Module).Resources = append(tree.module(c.Addr.Module).Resources, valueResource(c, w.value, w.sensitive))
	}
	for _, o := range p.Outputs {
		if o == nil || o.Action == plan.Delete {
			continue
		}
		if v.Outputs == nil {
			v.Outputs = map[string]jsonOutputValue{}
		}
		v.Outputs[o.Name] = outputValue(o.After, o.Sensitive)
	}
	return v
}

// priorState is prior_state: the objects the plan starts from, as the
// refresh saw them (the before of every change that has one, deposed
// objects included), and the outputs as they were.
func priorState(p *plan.Plan, version string) *jsonPriorStateDoc {
	doc := &jsonPriorStateDoc{FormatVersion: stateFormatVersion, TerraformVersion: version, Values: jsonValues{RootModule: &jsonModule{}}}
	tree := moduleTree{"": doc.Values.RootModule}
	for _, c := range sortedChanges(p.Changes) {
		if c.Before == cty.NilVal || c.Before.IsNull() {
			continue
		}
		w := walkValue(c.Before)
		r := valueResource(c, w.value, w.sensitive)
		r.DeposedKey = c.DeposedKey
		for _, d := range c.PriorDependencies {
			r.DependsOn = append(r.DependsOn, d.String())
		}
		tree.module(c.Addr.Module).Resources = append(tree.module(c.Addr.Module).Resources, r)
	}
	for _, o := range p.Outputs {
		if o == nil || o.Before == cty.NilVal || o.Before.IsNull() {
			continue
		}
		if doc.Values.Outputs == nil {
			doc.Values.Outputs = map[string]jsonOutputValue{}
		}
		doc.Values.Outputs[o.Name] = outputValue(o.Before, o.Sensitive)
	}
	return doc
}

// readAtPlan reports whether c is a data source the plan read: as in
// Terraform, it is in prior_state only, not a change nor a planned value
// (a data source read at apply is, with the action read).
func readAtPlan(c *plan.ResourceChange) bool {
	return c.Addr.Resource.Mode == config.DataMode && c.Action == plan.NoOp
}

func valueResource(c *plan.ResourceChange, values, sensitive any) jsonValueResource {
	r := jsonValueResource{
		Address:         c.Addr.String(),
		Mode:            "managed",
		Type:            c.Addr.Resource.Type,
		Name:            c.Addr.Resource.Name,
		Index:           indexOf(c.Addr.Key),
		ProviderName:    providerName(c.Provider),
		SchemaVersion:   c.SchemaVersion,
		Values:          values,
		SensitiveValues: sensitiveObject(sensitive),
		Site:            c.Site,
	}
	if c.Addr.Resource.Mode == config.DataMode {
		r.Mode = "data"
	}
	return r
}

// sensitiveObject is a resource's sensitive_values: always an object. A
// resource sensitive as a whole (which providers do not produce) cannot say
// which attributes hold the secret, so its values are null and the mirror
// is empty: nothing is revealed either way.
func sensitiveObject(s any) any {
	if m, ok := s.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// moduleTree finds or makes the module of a values representation for a
// module instance, nesting child_modules as Terraform does.
type moduleTree map[config.ModuleInstance]*jsonModule

func (t moduleTree) module(m config.ModuleInstance) *jsonModule {
	if jm := t[m]; jm != nil {
		return jm
	}
	parent, _ := m.Parent()
	jm := &jsonModule{Address: m.String()}
	pm := t.module(parent)
	pm.ChildModules = append(pm.ChildModules, jm)
	slices.SortFunc(pm.ChildModules, func(a, b *jsonModule) int {
		switch {
		case a.Address < b.Address:
			return -1
		case a.Address > b.Address:
			return 1
		}
		return 0
	})
	t[m] = jm
	return jm
}

func indexOf(k config.InstanceKey) any {
	switch k := k.(type) {
	case config.IntKey:
		return int(k)
	case config.StringKey:
		return string(k)
	}
	return nil
}

func providerName(p config.ProviderConfigAddr) string {
	if p.Provider.IsZero() {
		return ""
	}
	return p.Provider.String()
}
