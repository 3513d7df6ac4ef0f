package view

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/cmd/indigo/view/jsonstate"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/state"
)

// State writes the recorded state for `indigo show`: every object as an
// HCL-like resource block (current objects, then deposed ones), where each
// placed component went, the outputs, and a warning for operations that
// were started but not recorded as finished. Sensitive attributes print as
// (sensitive value). No provider schema is needed: objects are rendered
// from the attributes the state records as JSON, so a map and an object
// look alike.
func State(w io.Writer, s *state.State) error {
	var b strings.Builder
	if s == nil || (len(s.Resources) == 0 && len(s.Outputs) == 0 && len(s.Placements) == 0 && len(s.Pending) == 0) {
		b.WriteString("The state file is empty. No resources are represented.\n")
		return writeString(w, b.String())
	}
	first := true
	for _, addr := range s.AllInstances() {
		if err := writeInstance(&b, s, addr, &first); err != nil {
			return err
		}
	}
	if len(s.Placements) > 0 {
		writePlacements(&b, s)
	}
	if len(s.Outputs) > 0 {
		outs, err := DecodeOutputs(s)
		if err != nil {
			return err
		}
		// Two blank lines above, and names not aligned: as Terraform's
		// show writes them.
		b.WriteString("\n\nOutputs:\n\n")
		vw := &valueWriter{b: &b, plain: true}
		for _, n := range slices.Sorted(maps.Keys(outs)) {
			o := outs[n]
			v := o.Value
			if o.Sensitive {
				v = markSensitive(v)
			}
			vw.whole(0, "", "", n+" = ", v, "")
		}
	}
	if len(s.Pending) > 0 {
		writePending(&b, s)
	}
	return writeString(w, b.String())
}

// StateResource writes one resource instance for `indigo state show ADDR`:
// its current object and any deposed ones.
func StateResource(w io.Writer, s *state.State, addr config.InstanceAddr) error {
	if s == nil || s.Instance(addr) == nil {
		return fmt.Errorf("no resource instance %s in the state", addr)
	}
	var b strings.Builder
	first := true
	if err := writeInstance(&b, s, addr, &first); err != nil {
		return err
	}
	return writeString(w, b.String())
}

// StateList writes the address of every recorded resource instance, one a
// line, sorted, for `indigo state list`. With filters, only the addresses
// equal to one of them or inside it (module.net lists everything in that
// module, aws_instance.web every instance of that resource) are listed.
func StateList(w io.Writer, s *state.State, filters ...string) error {
	var b strings.Builder
	if s != nil {
		for _, a := range s.AllInstances() {
			as := a.String()
			if len(filters) > 0 && !matchesAny(as, filters) {
				continue
			}
			b.WriteString(as + "\n")
		}
	}
	return writeString(w, b.String())
}

func matchesAny(addr string, filters []string) bool {
	for _, f := range filters {
		if addr == f || strings.HasPrefix(addr, f+".") || strings.HasPrefix(addr, f+"[") {
			return true
		}
	}
	return false
}

// writeInstance writes the current and deposed objects of one instance.
func writeInstance(b *strings.Builder, s *state.State, addr config.InstanceAddr, first *bool) error {
	inst := s.Instance(addr)
	if inst == nil {
		return nil
	}
	write := func(obj *state.Object, deposed string) error {
		if !*first {
			b.WriteByte('\n')
		}
		*first = false
		var notes []string
		if deposed != "" {
			notes = append(notes, "(deposed object "+deposed+")")
		}
		if obj.Status == state.Tainted {
			notes = append(notes, "(tainted)")
		}
		if obj.Site != "" {
			notes = append(notes, "(on site "+obj.Site+")")
		}
		header := "# " + addr.String() + ":"
		if len(notes) > 0 {
			header += " " + strings.Join(notes, " ")
		}
		b.WriteString(header + "\n")
		if len(obj.IdentityJSON) > 0 {
			// The resource identity, as the provider gave it (a comment:
			// the block below stays valid configuration).
			fmt.Fprintf(b, "# identity: %s\n", obj.IdentityJSON)
		}
		v, err := objectValue(obj)
		if err != nil {
			return fmt.Errorf("showing %s: %w", addr, err)
		}
		kind := "resource"
		if addr.Resource.Mode == config.DataMode {
			kind = "data"
		}
		vw := &valueWriter{b: b, plain: true}
		vw.whole(0, "", "", fmt.Sprintf("%s %q %q ", kind, addr.Resource.Type, addr.Resource.Name), v, "")
		return nil
	}
	if inst.Current != nil {
		if err := write(inst.Current, ""); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(inst.Deposed))
	for k := range inst.Deposed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := write(inst.Deposed[k], k); err != nil {
			return err
		}
	}
	return nil
}

// objectValue turns an object's recorded attributes into a cty value with
// its sensitive parts replaced by a marked placeholder, so the secret is
// not even in memory of the renderer.
func objectValue(obj *state.Object) (cty.Value, error) {
	if len(obj.AttrsJSON) == 0 {
		return cty.EmptyObjectVal, nil
	}
	var doc any
	dec := json.NewDecoder(strings.NewReader(string(obj.AttrsJSON)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return cty.NilVal, fmt.Errorf("decoding attributes: %w", err)
	}
	doc = jsonstate.UnwrapDynamic(doc)
	var mirror any = map[string]any{}
	for _, p := range obj.SensitivePaths {
		if nullAt(doc, p) {
			// Left out as any null attribute is, sensitive or not, as
			// Terraform leaves it out.
			continue
		}
		doc, mirror = jsonstate.Redact(doc, mirror, p)
	}
	return jsonToValue(doc, mirror), nil
}

// nullAt reports whether the decoded JSON document doc holds null (or
// nothing) at path.
func nullAt(doc any, path cty.Path) bool {
	for _, step := range path {
		switch st := step.(type) {
		case cty.GetAttrStep:
			m, ok := doc.(map[string]any)
			if !ok {
				return doc == nil
			}
			doc = m[st.Name]
		case cty.IndexStep:
			switch c := doc.(type) {
			case map[string]any:
				if st.Key.Type() != cty.String {
					return false
				}
				doc = c[st.Key.AsString()]
			case []any:
				if st.Key.Type() != cty.Number {
					return false
				}
				i, acc := st.Key.AsBigFloat().Int64()
				if acc != big.Exact || i < 0 || i >= int64(len(c)) {
					return true
				}
				doc = c[i]
			default:
				return doc == nil
			}
		}
	}
	return doc == nil
}

// hidden stands for a sensitive value: unknown, so it holds nothing, and
// marked, so every renderer prints (sensitive value).
var hidden = cty.UnknownVal(cty.DynamicPseudoType).Mark(marks.Sensitive)

// jsonToValue converts a decoded JSON document into a cty value, putting
// hidden wherever mirror says the value is sensitive. JSON objects become
// objects and arrays tuples.
func jsonToValue(v, mirror any) cty.Value {
	if b, ok := mirror.(bool); ok && b {
		return hidden
	}
	switch v := v.(type) {
	case nil:
		return cty.NullVal(cty.DynamicPseudoType)
	case string:
		return cty.StringVal(v)
	case bool:
		return cty.BoolVal(v)
	case json.Number:
		n, err := cty.ParseNumberVal(string(v))
		if err != nil {
			return cty.StringVal(string(v))
		}
		return n
	case []any:
		if len(v) == 0 {
			return cty.EmptyTupleVal
		}
		ms, _ := mirror.([]any)
		vals := make([]cty.Value, len(v))
		for i, e := range v {
			var m any
			if i < len(ms) {
				m = ms[i]
			}
			vals[i] = jsonToValue(e, m)
		}
		return cty.TupleVal(vals)
	case map[string]any:
		if len(v) == 0 {
			return cty.EmptyObjectVal
		}
		mm, _ := mirror.(map[string]any)
		attrs := make(map[string]cty.Value, len(v))
		for k, e := range v {
			attrs[k] = jsonToValue(e, mm[k])
		}
		return cty.ObjectVal(attrs)
	}
	return cty.NullVal(cty.DynamicPseudoType)
}

func writePlacements(b *strings.Builder, s *state.State) {
	addrs := make([]config.ObjectAddr, 0, len(s.Placements))
	for a := range s.Placements {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].String() < addrs[j].String() })
	names := make([]string, len(addrs))
	for i, a := range addrs {
		names[i] = a.String()
	}
	width := maxWidth(names)
	b.WriteString("\nPlacements:\n\n")
	for i, a := range addrs {
		p := s.Placements[a]
		if p == nil {
			continue
		}
		line := pad(names[i], width) + " on " + siteList(p.Sites)
		if len(p.Sites) == 0 {
			line = pad(names[i], width) + " not placed"
		}
		if !p.PlacedAt.IsZero() {
			line += " (placed " + p.PlacedAt.UTC().Format(time.RFC3339) + ")"
		}
		b.WriteString(line + "\n")
		siteWidth := 0
		for _, sc := range p.Scores {
			siteWidth = max(siteWidth, len(sc.Site))
		}
		for _, sc := range p.Scores {
			text := fmt.Sprintf("    %s  %.3f", pad(sc.Site, siteWidth), sc.Score)
			if sc.Summary != "" {
				text += "  " + sc.Summary
			}
			b.WriteString(strings.TrimRight(text, " ") + "\n")
		}
	}
}

func writePending(b *strings.Builder, s *state.State) {
	in := s.InFlight()
	what := "1 operation was"
	if len(in) != 1 {
		what = fmt.Sprintf("%d operations were", len(in))
	}
	fmt.Fprintf(b, "\nWarning: %s started but not recorded as finished (the last run may have stopped part way):\n\n", what)
	for _, i := range in {
		what := i.Addr.String()
		if i.Deposed != "" {
			what += " (deposed object " + i.Deposed + ")"
		}
		line := fmt.Sprintf("  %s %s", i.Op, what)
		if !i.Started.IsZero() {
			line += " (started " + i.Started.UTC().Format(time.RFC3339) + ")"
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\nThe next indigo plan or apply asks the providers what became of them and records it.\n")
}

func writeString(w io.Writer, s string) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(s); err != nil {
		return err
	}
	return bw.Flush()
}
