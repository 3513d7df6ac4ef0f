// Package marks holds the cty value marks indigo attaches to values as they
// travel from configuration to plan to output.
//
// A mark is how indigo remembers that a value is sensitive: a variable or
// output declared sensitive, a provider attribute whose schema says so, or a
// value passed through the sensitive() function. Marks survive every cty
// operation, so anything derived from a sensitive value is sensitive too.
// Views print such values as "(sensitive value)" and logs never receive them.
//
// This package is deliberately tiny and imports only cty, so that every other
// package (functions, config, state, plan, views) can share the same marks.
package marks

import "github.com/zclconf/go-cty/cty"

// valueMark is unexported so that no other package can forge a mark that
// compares equal to ours.
type valueMark string

func (m valueMark) GoString() string { return "marks." + string(m) }

// Sensitive marks a value whose content must never be shown in plan output,
// logs or human-readable state views.
const Sensitive = valueMark("sensitive")

// Ephemeral marks a value that exists during one run only: an ephemeral
// resource's result, an ephemeral variable. It may flow only into places
// that are not recorded (write-only arguments, provider and provisioner
// configuration, ephemeral outputs and locals); the planner refuses it
// anywhere else.
const Ephemeral = valueMark("ephemeral")

// Has reports whether v (not its nested elements) carries mark.
func Has(v cty.Value, mark valueMark) bool { return v.HasMark(mark) }

// Contains reports whether v or any value nested inside it carries mark.
func Contains(v cty.Value, mark valueMark) bool {
	return anyDeep(v, func(m cty.ValueMarks) bool {
		_, ok := m[mark]
		return ok
	})
}

// Any reports whether v or any value nested inside it carries a mark of any
// kind. Unlike cty's UnmarkDeepWithPaths and ContainsMarked it builds
// nothing, so callers use it to skip unmarking the (usual) unmarked value.
func Any(v cty.Value) bool {
	return anyDeep(v, func(cty.ValueMarks) bool { return true })
}

// anyDeep reports whether the marks of v or of a value nested inside it
// satisfy found, walking the value without copying it.
func anyDeep(v cty.Value, found func(cty.ValueMarks) bool) bool {
	if v.IsMarked() {
		var m cty.ValueMarks
		v, m = v.Unmark()
		if found(m) {
			return true
		}
	}
	if !v.IsKnown() || v.IsNull() {
		return false
	}
	ty := v.Type()
	switch {
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			if anyDeep(v.GetAttr(name), found) {
				return true
			}
		}
	case ty.IsCollectionType() || ty.IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if anyDeep(e, found) {
				return true
			}
		}
	}
	return false
}

// ErrorMessageText returns a known, non-null string as it may be printed in
// a diagnostic or a log (a condition's error message, which configuration
// builds): its content, or, when it carries the ephemeral or sensitive mark,
// a sentence saying why the content is withheld.
func ErrorMessageText(v cty.Value) string {
	switch {
	case Contains(v, Ephemeral):
		return "(The error message is built from an ephemeral value, so it is not shown. Build it from values that are not ephemeral to see it.)"
	case Contains(v, Sensitive):
		return "(The error message is built from a sensitive value, so it is not shown. Build it from values that are not sensitive to see it.)"
	}
	v, _ = v.UnmarkDeep()
	return v.AsString()
}
