package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/state"
)

// OutputValue is one root module output as `indigo output` shows it.
type OutputValue struct {
	Value     cty.Value
	Sensitive bool
}

// OutputValuesFromState decodes the outputs recorded in s.
func OutputValuesFromState(s *state.State) (map[string]OutputValue, error) {
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

// Outputs writes output values for `indigo output`. Without raw it writes
// every output as `name = value`, sorted, with sensitive ones as
// <sensitive>. With raw (`indigo output -raw NAME`) outputs must hold the
// single output asked for; its value is written as is, with no quotes and no
// newline, for scripts, sensitive or not, as Terraform does; only strings,
// numbers and booleans have a raw form.
func Outputs(w io.Writer, outputs map[string]OutputValue, raw bool) error {
	if raw {
		if len(outputs) != 1 {
			return fmt.Errorf("-raw shows exactly one output; name it: indigo output -raw NAME")
		}
		for name, o := range outputs {
			v, _ := o.Value.UnmarkDeep()
			if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
				return fmt.Errorf("output %s has no value yet", name)
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
	}
	if len(outputs) == 0 {
		return writeString(w, "No outputs found.\n")
	}
	var b strings.Builder
	names := sortedKeys(outputs)
	width := maxWidth(names)
	vw := &valueWriter{b: &b, plain: true}
	for _, n := range names {
		o := outputs[n]
		if o.Sensitive || isSensitive(o.Value) {
			b.WriteString(pad(n, width) + " = <sensitive>\n")
			continue
		}
		vw.whole(0, "", "", pad(n, width)+" = ", o.Value, "")
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
