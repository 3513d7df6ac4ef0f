package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/state"
)

// OutputValue is one root module output as `indigo output` shows it.
type OutputValue struct {
	Value     cty.Value
	Sensitive bool
}

// DecodeOutputs decodes the outputs recorded in s.
func DecodeOutputs(s *state.State) (map[string]OutputValue, error) {
	out := map[string]OutputValue{}
	if s == nil {
		return out, nil
	}
	for name, o := range s.Outputs {
		if o == nil {
			continue
		}
		ty := cty.DynamicPseudoType
		if len(o.Type) > 0 {
			t, err := ctyjson.UnmarshalType(o.Type)
			if err != nil {
				return nil, fmt.Errorf("output %s: type: %w", name, err)
			}
			ty = t
		}
		v := cty.NullVal(ty)
		if len(o.Value) > 0 {
			var err error
			if v, err = ctyjson.Unmarshal(o.Value, ty); err != nil {
				return nil, fmt.Errorf("output %s: value: %w", name, err)
			}
		}
		out[name] = OutputValue{Value: v, Sensitive: o.Sensitive}
	}
	return out, nil
}

// Outputs writes every output recorded in s as `name = value`, sorted,
// sensitive ones as <sensitive>: the list `indigo apply` ends with and
// `indigo output` prints without arguments.
func Outputs(w io.Writer, s *state.State) error {
	outs, err := DecodeOutputs(s)
	if err != nil {
		return err
	}
	return writeOutputs(w, outs)
}

// OutputValues is `indigo output [-json] [-raw] [NAME]`:
//
//   - no name: every output, as Outputs writes them, or with -json as
//     OutputsJSON does (sensitive values hidden either way);
//   - a name: that output's value alone; a sensitive one is shown only when
//     asked for with -raw or -json, as Terraform does;
//   - -raw: the named string, number or boolean as it is, without quotes or
//     a newline, for scripts.
func OutputValues(w io.Writer, s *state.State, name string, asJSON, raw bool) error {
	outs, err := DecodeOutputs(s)
	if err != nil {
		return err
	}
	switch {
	case raw && name == "":
		return fmt.Errorf("-raw shows one output: name it, as in indigo output -raw NAME")
	case raw && asJSON:
		return fmt.Errorf("-raw and -json cannot be used together")
	case asJSON:
		return OutputsJSON(w, outs, name)
	case name == "":
		return writeOutputs(w, outs)
	}
	o, ok := outs[name]
	if !ok {
		return fmt.Errorf("no output named %q", name)
	}
	if raw {
		return rawOutput(w, name, o)
	}
	var b strings.Builder
	if o.Sensitive || marks.Contains(o.Value, marks.Sensitive) {
		b.WriteString("<sensitive>")
	} else {
		hclValue(&b, o.Value, 0)
	}
	return writeString(w, b.String()+"\n")
}

// rawOutput writes a primitive value as it is.
func rawOutput(w io.Writer, name string, o OutputValue) error {
	v, _ := o.Value.UnmarkDeep()
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
		return fmt.Errorf("output %s has no value", name)
	}
	var s string
	switch v.Type() {
	case cty.String:
		s = v.AsString()
	case cty.Number:
		s = v.AsBigFloat().Text('f', -1)
	case cty.Bool:
		s = fmt.Sprint(v.True())
	default:
		return fmt.Errorf("output %s is a %s, which has no raw form: use indigo output -json %s", name, v.Type().FriendlyName(), name)
	}
	return writeString(w, s)
}

// writeOutputs writes every output as `name = value` (hclValue), sensitive
// ones as <sensitive>.
func writeOutputs(w io.Writer, outputs map[string]OutputValue) error {
	if len(outputs) == 0 {
		return writeString(w, "No outputs found.\n")
	}
	var b strings.Builder
	for _, n := range slices.Sorted(maps.Keys(outputs)) {
		o := outputs[n]
		b.WriteString(n + " = ")
		if o.Sensitive || isSensitive(o.Value) {
			b.WriteString("<sensitive>\n")
			continue
		}
		hclValue(&b, o.Value, 0)
		b.WriteString("\n")
	}
	return writeString(w, b.String())
}

// OutputsJSON writes output values as JSON for `indigo output -json`. With
// name empty it writes an object of every output,
// {"NAME": {"sensitive": bool, "type": T, "value": V}}, where a sensitive
// output's value is null. With a name it writes just that output's value,
// sensitive or not: the user asked for it by name.
func OutputsJSON(w io.Writer, outputs map[string]OutputValue, name string) error {
	if name != "" {
		o, ok := outputs[name]
		if !ok {
			return fmt.Errorf("no output named %q", name)
		}
		b, err := outputJSON(o.Value)
		if err != nil {
			return fmt.Errorf("output %s: %w", name, err)
		}
		return writeString(w, string(b)+"\n")
	}
	type entry struct {
		Sensitive bool            `json:"sensitive"`
		Type      json.RawMessage `json:"type"`
		Value     json.RawMessage `json:"value"`
	}
	doc := map[string]entry{}
	for n, o := range outputs {
		v, _ := o.Value.UnmarkDeep()
		ty, err := ctyjson.MarshalType(v.Type())
		if err != nil {
			return fmt.Errorf("output %s: %w", n, err)
		}
		e := entry{Sensitive: o.Sensitive || isSensitive(o.Value) || o.Value.ContainsMarked(), Type: ty, Value: json.RawMessage("null")}
		if !e.Sensitive {
			if e.Value, err = outputJSON(o.Value); err != nil {
				return fmt.Errorf("output %s: %w", n, err)
			}
		}
		doc[n] = e
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return writeString(w, buf.String())
}

func outputJSON(v cty.Value) ([]byte, error) {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("the value is not known yet")
	}
	return ctyjson.Marshal(v, v.Type())
}
