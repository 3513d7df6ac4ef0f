package view

import (
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/marks"
)

// hclValue writes v as `indigo output` and the outputs at the end of apply
// show a value: as an expression one could paste into a configuration,
// typed the way Terraform writes it (tolist, toset and tomap around
// collections, keys quoted, one element per line, a heredoc for a string
// of several lines), so that what a CI log or a script reads is what it
// read from Terraform. indent is the column the value starts at when it
// spans lines.
func hclValue(b *strings.Builder, v cty.Value, indent int) {
	switch {
	case v.HasMark(marks.Sensitive):
		b.WriteString("(sensitive value)")
		return
	case v.IsMarked():
		v, _ = v.Unmark()
	}
	ty := v.Type()
	switch {
	case !v.IsKnown():
		b.WriteString("(known after apply)")
	case v.IsNull():
		b.WriteString("null")
	case ty == cty.String:
		if !heredoc(b, v.AsString(), indent) {
			b.WriteString(strconv.Quote(v.AsString()))
		}
	case ty == cty.Number:
		b.WriteString(v.AsBigFloat().Text('f', -1))
	case ty == cty.Bool:
		b.WriteString(strconv.FormatBool(v.True()))
	case ty.IsListType():
		hclSequence(b, "tolist(", ")", v, indent)
	case ty.IsSetType():
		hclSequence(b, "toset(", ")", v, indent)
	case ty.IsTupleType():
		hclSequence(b, "", "", v, indent)
	case ty.IsMapType():
		hclMapping(b, "tomap(", ")", v, indent)
	case ty.IsObjectType():
		hclMapping(b, "", "", v, indent)
	default:
		// A capsule or a dynamic value: nothing an output holds.
		b.WriteString(ty.FriendlyName())
	}
}

// hclSequence writes a list, set or tuple, one element a line, each
// followed by a comma, inside open and close.
func hclSequence(b *strings.Builder, open, close string, v cty.Value, indent int) {
	b.WriteString(open)
	if v.LengthInt() == 0 {
		b.WriteString("[]" + close)
		return
	}
	b.WriteString("[\n")
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		b.WriteString(strings.Repeat(" ", indent+2))
		hclValue(b, ev, indent+2)
		b.WriteString(",\n")
	}
	b.WriteString(strings.Repeat(" ", indent) + "]" + close)
}

// hclMapping writes a map or object, one quoted key a line, in key order,
// inside open and close.
func hclMapping(b *strings.Builder, open, close string, v cty.Value, indent int) {
	b.WriteString(open)
	if v.LengthInt() == 0 {
		b.WriteString("{}" + close)
		return
	}
	b.WriteString("{\n")
	for it := v.ElementIterator(); it.Next(); {
		k, ev := it.Element()
		b.WriteString(strings.Repeat(" ", indent+2) + strconv.Quote(k.AsString()) + " = ")
		hclValue(b, ev, indent+2)
		b.WriteString("\n")
	}
	b.WriteString(strings.Repeat(" ", indent) + "}" + close)
}

// heredoc writes s as a heredoc when it has a line break: <<EOT at the
// top, <<-EOT with its lines indented inside another value. The delimiter
// grows by an underscore while a line of s would end it early. It
// reports whether it wrote s.
func heredoc(b *strings.Builder, s string, indent int) bool {
	lines := strings.Split(s, "\n")
	if len(lines) < 2 {
		return false
	}
	delim := "EOT"
	for clash := true; clash; {
		clash = false
		for _, l := range lines {
			if strings.TrimSpace(l) == delim {
				delim += "_"
				clash = true
				break
			}
		}
	}
	op := "<<"
	if indent > 0 {
		op = "<<-"
	}
	pad := strings.Repeat(" ", indent)
	b.WriteString(op + delim)
	for _, l := range lines {
		b.WriteString("\n" + pad + l)
	}
	b.WriteString("\n" + pad + delim)
	return true
}
