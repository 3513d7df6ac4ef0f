package planner

import (
	"encoding/json"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/state"
)

// encodeOutput converts an output value into what state records.
func encodeOutput(v cty.Value, sensitive bool) (*state.Output, error) {
	v, _ = v.UnmarkDeep()
	raw, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return nil, err
	}
	ty, err := ctyjson.MarshalType(v.Type())
	if err != nil {
		return nil, err
	}
	return &state.Output{Value: json.RawMessage(raw), Type: json.RawMessage(ty), Sensitive: sensitive}, nil
}

// decodeOutput reads a recorded output value, marked when sensitive.
func decodeOutput(o *state.Output) (cty.Value, error) {
	ty, err := ctyjson.UnmarshalType(o.Type)
	if err != nil {
		return cty.NilVal, err
	}
	v, err := ctyjson.Unmarshal(o.Value, ty)
	if err != nil {
		return cty.NilVal, err
	}
	if o.Sensitive {
		v = v.Mark(marks.Sensitive)
	}
	return v, nil
}
