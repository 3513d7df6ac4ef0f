package view

import (
	"io"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/marks"
)

// ConsoleValue writes a value as indigo console prints it: in HCL syntax,
// a string with its quotes, a sensitive value as (sensitive value).
func ConsoleValue(w io.Writer, v cty.Value) error {
	if marks.Contains(v, marks.Sensitive) {
		return writeString(w, "(sensitive value)\n")
	}
	if !v.IsWhollyKnown() && v.Type() == cty.DynamicPseudoType {
		return writeString(w, "(known after apply)\n")
	}
	var b strings.Builder
	(&valueWriter{b: &b, plain: true}).whole(0, "", "", "", v, "")
	return writeString(w, b.String())
}
