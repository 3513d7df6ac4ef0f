package view

import (
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/marks"
)

// ConsoleValue writes a value as `indigo console` shows it: the notation
// Terraform's and OpenTofu's consoles use, so that what a user pastes from
// one reads the same in the other. Every level indents by two spaces;
// lists, sets and maps say their type (tolist([...]), toset([...]),
// tomap({...})) where tuples and objects need no word; object and map keys
// are quoted; a string of several lines is a heredoc; a sensitive part is
// (sensitive value), an unknown one (known after apply) and a null of a
// known primitive or collection type says it (tostring(null)).
func ConsoleValue(w io.Writer, v cty.Value) error {
	var b strings.Builder
	consoleValue(&b, v, 0)
	b.WriteByte('\n')
	return writeString(w, b.String())
}

func consoleValue(b *strings.Builder, v cty.Value, depth int) {
	if v.HasMark(marks.Sensitive) {
		b.WriteString("(sensitive value)")
		return
	}
	v, _ = v.Unmark()
	switch {
	case !v.IsKnown():
		b.WriteString("(known after apply)")
		return
	case v.IsNull():
		b.WriteString(consoleNull(v.Type()))
		return
	}
	ty := v.Type()
	indent := strings.Repeat("  ", depth)
	inner := indent + "  "
	switch {
	case ty == cty.String:
		s := v.AsString()
		if !strings.Contains(s, "\n") {
			b.WriteString(strconv.Quote(s))
			return
		}
		// A heredoc: flush left at the top, indented (<<-) inside a
		// value.
		if depth == 0 {
			b.WriteString("<<EOT\n" + s + "\nEOT")
			return
		}
		b.WriteString("<<-EOT\n")
		for _, line := range strings.Split(s, "\n") {
			b.WriteString(indent + line + "\n")
		}
		b.WriteString(indent + "EOT")
	case ty == cty.Number:
		b.WriteString(v.AsBigFloat().Text('f', -1))
	case ty == cty.Bool:
		b.WriteString(strconv.FormatBool(v.True()))
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		open, closing := "[", "]"
		switch {
		case ty.IsListType():
			open, closing = "tolist([", "])"
		case ty.IsSetType():
			open, closing = "toset([", "])"
		}
		if v.LengthInt() == 0 {
			b.WriteString(open + closing)
			return
		}
		b.WriteString(open + "\n")
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			b.WriteString(inner)
			consoleValue(b, e, depth+1)
			b.WriteString(",\n")
		}
		b.WriteString(indent + closing)
	case ty.IsMapType() || ty.IsObjectType():
		open, closing := "{", "}"
		if ty.IsMapType() {
			open, closing = "tomap({", "})"
		}
		if v.LengthInt() == 0 {
			b.WriteString(open + closing)
			return
		}
		vals := v.AsValueMap()
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(open + "\n")
		for _, k := range keys {
			b.WriteString(inner + strconv.Quote(k) + " = ")
			consoleValue(b, vals[k], depth+1)
			b.WriteByte('\n')
		}
		b.WriteString(indent + closing)
	default:
		b.WriteString("(a value the console cannot show)")
	}
}

// consoleNull writes a null with its type where a conversion function can
// say it: tostring(null); null of an object, a tuple or any type.
func consoleNull(ty cty.Type) string {
	switch {
	case ty == cty.String:
		return "tostring(null)"
	case ty == cty.Number:
		return "tonumber(null)"
	case ty == cty.Bool:
		return "tobool(null)"
	case ty.IsListType():
		return "tolist(null)"
	case ty.IsSetType():
		return "toset(null)"
	case ty.IsMapType():
		return "tomap(null)"
	}
	return "null"
}
