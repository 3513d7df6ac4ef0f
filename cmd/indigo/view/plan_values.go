package view

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
)

// This file renders cty values and the difference between two of them in
// the style Terraform users read every day:
//
//	  ~ resource "indigo_file" "b" {
//	        id      = "1234"
//	      ~ content = "old" -> "new"
//	        # (2 unchanged attributes hidden)
//	    }
//
// Every line starts with four spaces per nesting level and a three-column
// symbol (+, -, ~, -/+, <= ...). Sensitive values print as (sensitive
// value) and unknown ones as (known after apply); the renderer never looks
// at a sensitive value except to compare it with another.

const indentUnit = "    "

// Change symbols.
const (
	symNone   = " "
	symCreate = "+"
	symDelete = "-"
	symUpdate = "~"
)

// longString is the length from which a changed single-line string is shown
// as a two-line heredoc diff rather than "old" -> "new" on one line.
const longString = 80

// heredocContext is how many unchanged lines are kept around a change in a
// multi-line string diff.
const heredocContext = 3

// valueWriter accumulates rendered lines.
type valueWriter struct {
	b *strings.Builder
	// replace lists the paths whose change forces replacement.
	replace []cty.Path
	// verbose shows unchanged attributes and elements instead of counting
	// them.
	verbose bool
	// output says the value is an output's, which Terraform shows as it
	// shows JSON: map keys as object attributes (bare identifiers), and
	// null attributes of an object that appears or goes.
	output bool
	// plain drops the symbol columns: `indigo show` style.
	plain bool
	// indent is one level of indentation: indentUnit when empty; two
	// spaces for `indigo output`, as Terraform writes values there.
	indent string
}

// line writes one line at depth with the symbol sym.
func (d *valueWriter) line(depth int, sym, text string) {
	unit := d.indent
	if unit == "" {
		unit = indentUnit
	}
	for i := 0; i < depth; i++ {
		d.b.WriteString(unit)
	}
	if !d.plain {
		fmt.Fprintf(d.b, "%3s ", sym)
	}
	d.b.WriteString(text)
	d.b.WriteByte('\n')
}

// closer writes the closing line of a container opened at depth.
func (d *valueWriter) closer(depth int, text string) {
	d.line(depth, "", text)
}

func (d *valueWriter) forcesReplacement(path cty.Path) bool {
	for _, p := range d.replace {
		if p.Equals(path) {
			return true
		}
	}
	return false
}

// isNull reports whether v is absent or a known null, marks or not.
func isNull(v cty.Value) bool {
	return v == cty.NilVal || (v.IsKnown() && v.IsNull())
}

func isSensitive(v cty.Value) bool {
	return v != cty.NilVal && v.HasMark(marks.Sensitive)
}

// sameValue reports whether a and b are equal, including which parts of
// them are sensitive.
func sameValue(a, b cty.Value) bool {
	if a == cty.NilVal || b == cty.NilVal {
		return a == b
	}
	if !a.ContainsMarked() && !b.ContainsMarked() {
		return a.RawEquals(b)
	}
	ua, pa := a.UnmarkDeepWithPaths()
	ub, pb := b.UnmarkDeepWithPaths()
	if !ua.RawEquals(ub) {
		return false
	}
	return sensitivePathKey(pa) == sensitivePathKey(pb)
}

func sensitivePathKey(pvms []cty.PathValueMarks) string {
	var keys []string
	for _, pvm := range pvms {
		if _, ok := pvm.Marks[marks.Sensitive]; ok {
			keys = append(keys, fmt.Sprintf("%#v", pvm.Path))
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, "\n")
}

// changeSym says what happens to one value: created, deleted, updated or
// nothing.
func changeSym(before, after cty.Value) string {
	bn, an := isNull(before), isNull(after)
	switch {
	case bn && an:
		return symNone
	case bn:
		return symCreate
	case an:
		return symDelete
	case sameValue(before, after):
		return symNone
	}
	return symUpdate
}

// node renders one attribute, map element or list element. label is the
// text before the value ("name = ", or "" for a list element); comma is
// appended after the value (list elements); outermost says the node is
// the outermost deleted thing, which Terraform shows as "-> null".
func (d *valueWriter) node(depth int, label, comma string, before, after cty.Value, path cty.Path, outermost bool) {
	d.nodeWith(changeSym(before, after), depth, label, comma, before, after, path, outermost)
}

// nodeWith is node for a caller that already knows the change symbol.
func (d *valueWriter) nodeWith(sym string, depth int, label, comma string, before, after cty.Value, path cty.Path, outermost bool) {
	comment := ""
	if sym != symNone && d.forcesReplacement(path) {
		comment = " # forces replacement"
	}
	switch sym {
	case symCreate:
		d.whole(depth, symCreate, symCreate, label, after, comma+comment)
	case symDelete:
		arrow := ""
		if outermost {
			arrow = " -> null"
		}
		d.whole(depth, symDelete, symDelete, label, before, arrow+comma+comment)
	case symNone:
		if !isNull(after) {
			d.whole(depth, symNone, symNone, label, after, comma)
		}
	default:
		d.update(depth, label, comma, comment, before, after, path)
	}
}

// whole renders all of v with sym on its first line and childSym on the
// lines of its elements; end ends its last line (an arrow, a comma, a
// comment).
func (d *valueWriter) whole(depth int, sym, childSym, label string, v cty.Value, end string) {
	switch {
	case isSensitive(v):
		d.line(depth, sym, label+"(sensitive value)"+end)
		return
	case !v.IsKnown():
		d.line(depth, sym, label+"(known after apply)"+end)
		return
	case v.IsNull():
		d.line(depth, sym, label+"null"+end)
		return
	}
	v, _ = v.Unmark() // marks other than sensitive mean nothing here
	ty := v.Type()
	switch {
	case ty == cty.String:
		s := v.AsString()
		tail, comment := splitEnd(end)
		if jv, ok := jsonContainer(s); ok {
			d.line(depth, sym, label+"jsonencode("+comment)
			d.whole(depth+1, childSym, childSym, "", jv, "")
			d.closer(depth, ")"+tail)
			return
		}
		if strings.Contains(s, "\n") {
			d.line(depth, sym, label+"<<-EOT"+comment)
			for _, l := range heredocLines(s) {
				d.line(depth+1, symNone, l)
			}
			d.closer(depth, "EOT"+tail)
			return
		}
		d.line(depth, sym, label+literal(v)+end)
	case ty.IsPrimitiveType():
		d.line(depth, sym, label+literal(v)+end)
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		if v.LengthInt() == 0 {
			d.line(depth, sym, label+"[]"+end)
			return
		}
		tail, comment := splitEnd(end)
		d.line(depth, sym, label+"["+comment)
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			d.whole(depth+1, childSym, childSym, "", e, ",")
		}
		d.closer(depth, "]"+tail)
	case ty.IsMapType() || ty.IsObjectType():
		type entry struct {
			key string
			v   cty.Value
		}
		var entries []entry
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			// Null attributes say nothing when a whole object appears or
			// goes (an output's show, as Terraform's do); map elements are
			// data and always shown.
			if ty.IsObjectType() && isNull(e) && !d.output {
				continue
			}
			entries = append(entries, entry{k.AsString(), e})
		}
		if len(entries) == 0 {
			d.line(depth, sym, label+"{}"+end)
			return
		}
		tail, comment := splitEnd(end)
		d.line(depth, sym, label+"{"+comment)
		labels := make([]string, len(entries))
		for i, e := range entries {
			// An output's map is shown as Terraform shows outputs, from
			// JSON: its keys as an object's.
			labels[i] = keyLabel(e.key, ty.IsMapType() && !d.output)
		}
		width := maxWidth(labels)
		for i, e := range entries {
			d.whole(depth+1, childSym, childSym, pad(labels[i], width)+" = ", e.v, "")
		}
		d.closer(depth, "}"+tail)
	default:
		d.line(depth, sym, label+"(value that cannot be shown)"+end)
	}
}

// update renders a value that changed; comma ends it (list elements) and
// comment follows (# forces replacement).
func (d *valueWriter) update(depth int, label, comma, comment string, before, after cty.Value, path cty.Path) {
	end := comma + comment
	if isSensitive(before) || isSensitive(after) {
		switch {
		case !sameUnmarked(before, after):
		case isSensitive(after):
			end += " # now sensitive; the value does not change"
		default:
			end += " # no longer sensitive; the value does not change"
		}
		d.line(depth, symUpdate, label+"(sensitive value)"+end)
		return
	}
	before, _ = before.Unmark()
	after, _ = after.Unmark()
	if !after.IsKnown() {
		if before.Type().IsPrimitiveType() && !strings.Contains(primitiveText(before), "\n") {
			d.line(depth, symUpdate, label+literal(before)+" -> (known after apply)"+end)
			return
		}
		d.whole(depth, symUpdate, symDelete, label, before, " -> (known after apply)"+end)
		return
	}
	if !before.IsKnown() {
		if after.Type().IsPrimitiveType() && !strings.Contains(primitiveText(after), "\n") {
			d.line(depth, symUpdate, label+"(known after apply) -> "+literal(after)+end)
			return
		}
		d.whole(depth, symUpdate, symCreate, label, after, end)
		return
	}
	bt, at := before.Type(), after.Type()
	switch {
	case bt == cty.String && at == cty.String:
		d.updateString(depth, label, before.AsString(), after.AsString(), comma, comment)
	case bt.IsPrimitiveType() && at.IsPrimitiveType():
		d.line(depth, symUpdate, label+literal(before)+" -> "+literal(after)+end)
	case bt.IsObjectType() && at.IsObjectType():
		d.line(depth, symUpdate, label+"{"+comment)
		d.objectBody(depth+1, before, after, path)
		d.closer(depth, "}"+comma)
	case bt.IsMapType() && at.IsMapType():
		d.line(depth, symUpdate, label+"{"+comment)
		d.mapBody(depth+1, before, after, path)
		d.closer(depth, "}"+comma)
	case bt.IsSetType() && at.IsSetType():
		d.line(depth, symUpdate, label+"["+comment)
		d.setBody(depth+1, before, after, path)
		d.closer(depth, "]"+comma)
	case isSequence(bt) && isSequence(at):
		d.line(depth, symUpdate, label+"["+comment)
		d.listBody(depth+1, before, after, path)
		d.closer(depth, "]"+comma)
	default:
		// The kind of value changed: show the old one going and the new one
		// coming.
		d.whole(depth, symDelete, symDelete, label, before, comma)
		d.whole(depth, symCreate, symCreate, label, after, end)
	}
}

// splitEnd parts what follows a value into what ends its last line (a
// comma, "-> null", "-> (known after apply)") and a comment ("# forces
// replacement"), which Terraform writes on the first line of a value of
// several lines.
func splitEnd(end string) (tail, comment string) {
	if i := strings.Index(end, " # "); i >= 0 {
		return end[:i], end[i:]
	}
	return end, ""
}

func isSequence(t cty.Type) bool { return t.IsListType() || t.IsTupleType() }

func sameUnmarked(a, b cty.Value) bool {
	ua, _ := a.UnmarkDeep()
	ub, _ := b.UnmarkDeep()
	return ua.RawEquals(ub)
}

// updateString renders a changed string: inline, as JSON structure, or as a
// heredoc with a line diff; comment goes on the first line of a value of
// several lines, as Terraform puts it, and comma on the last.
func (d *valueWriter) updateString(depth int, label, before, after, comma, comment string) {
	end := comma + comment
	bj, bok := jsonContainer(before)
	aj, aok := jsonContainer(after)
	if bok && aok {
		if bj.RawEquals(aj) {
			d.line(depth, symUpdate, label+"jsonencode(...)"+end+" # whitespace changes only")
			return
		}
		d.line(depth, symUpdate, label+"jsonencode("+comment)
		d.node(depth+1, "", "", bj, aj, nil, false)
		d.closer(depth, ")"+comma)
		return
	}
	multi := strings.Contains(before, "\n") || strings.Contains(after, "\n")
	if !multi && len(before) < longString && len(after) < longString {
		d.line(depth, symUpdate, label+quote(before)+" -> "+quote(after)+end)
		return
	}
	d.line(depth, symUpdate, label+"<<-EOT"+comment)
	d.heredocDiff(depth+1, before, after)
	d.closer(depth, "EOT"+comma)
}

// heredocDiff writes a line diff of two texts computed with go-diff,
// keeping heredocContext unchanged lines around each change.
func (d *valueWriter) heredocDiff(depth int, before, after string) {
	a := strings.TrimSuffix(before, "\n") + "\n"
	b := strings.TrimSuffix(after, "\n") + "\n"
	lines := lineDiff(a, b)
	keep := make([]bool, len(lines))
	for i, op := range lines {
		if op.op == diffmatchpatch.DiffEqual {
			continue
		}
		for j := max(0, i-heredocContext); j <= min(len(lines)-1, i+heredocContext); j++ {
			keep[j] = true
		}
	}
	hidden := 0
	flush := func() {
		if hidden > 0 {
			d.line(depth, symNone, fmt.Sprintf("# (%d unchanged %s hidden)", hidden, plural(hidden, "line")))
			hidden = 0
		}
	}
	for i, op := range lines {
		if !keep[i] && !d.verbose {
			hidden++
			continue
		}
		flush()
		switch op.op {
		case diffmatchpatch.DiffDelete:
			d.line(depth, symDelete, op.text)
		case diffmatchpatch.DiffInsert:
			d.line(depth, symCreate, op.text)
		default:
			d.line(depth, symNone, op.text)
		}
	}
	flush()
}

// importantAttrs are shown even when unchanged, so a reader can tell which
// object a diff is about.
var importantAttrs = map[string]bool{"id": true, "name": true, "tags": true}

type bodyItem struct {
	sym           string
	label         string
	before, after cty.Value
	path          cty.Path
}

// objectBody renders the attributes of an object that changed; before or
// after may be null (creation, destruction).
func (d *valueWriter) objectBody(depth int, before, after cty.Value, path cty.Path) {
	names := map[string]bool{}
	for _, v := range []cty.Value{before, after} {
		if v != cty.NilVal && v.Type().IsObjectType() {
			for n := range v.Type().AttributeTypes() {
				names[n] = true
			}
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var items []bodyItem
	hidden := 0
	for _, n := range sorted {
		b, a := attr(before, n), attr(after, n)
		sym := changeSym(b, a)
		if sym == symNone {
			if isNull(a) {
				continue
			}
			if !importantAttrs[n] && !d.verbose {
				hidden++
				continue
			}
		}
		items = append(items, bodyItem{sym: sym, label: keyLabel(n, false), before: b, after: a, path: path.GetAttr(n)})
	}
	d.items(depth, items, true)
	if hidden > 0 {
		d.line(depth, symNone, fmt.Sprintf("# (%d unchanged %s hidden)", hidden, plural(hidden, "attribute")))
	}
}

// mapBody renders the elements of a map that changed.
func (d *valueWriter) mapBody(depth int, before, after cty.Value, path cty.Path) {
	keys := map[string]bool{}
	for _, v := range []cty.Value{before, after} {
		if isNull(v) || !v.IsKnown() {
			continue
		}
		for it := v.ElementIterator(); it.Next(); {
			k, _ := it.Element()
			keys[k.AsString()] = true
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var items []bodyItem
	hidden := 0
	for _, k := range sorted {
		b, a := index(before, cty.StringVal(k)), index(after, cty.StringVal(k))
		sym := changeSym(b, a)
		if sym == symNone && !d.verbose {
			hidden++
			continue
		}
		items = append(items, bodyItem{sym: sym, label: keyLabel(k, !d.output), before: b, after: a, path: path.Index(cty.StringVal(k))})
	}
	d.items(depth, items, true)
	if hidden > 0 {
		d.line(depth, symNone, fmt.Sprintf("# (%d unchanged %s hidden)", hidden, plural(hidden, "element")))
	}
}

// items renders labelled nodes with their labels aligned.
func (d *valueWriter) items(depth int, items []bodyItem, outermost bool) {
	labels := make([]string, len(items))
	for i, it := range items {
		labels[i] = it.label
	}
	width := maxWidth(labels)
	for _, it := range items {
		d.nodeWith(it.sym, depth, pad(it.label, width)+" = ", "", it.before, it.after, it.path, outermost)
	}
}

// listBody renders the elements of a list or tuple that changed, matching
// unchanged elements with a longest common subsequence so an insertion in
// the middle shows as one + line. A removed and an added object at the same
// place show as one updated object, and so do a removed element and one
// known only after apply ("a" -> (known after apply)), as in Terraform.
func (d *valueWriter) listBody(depth int, before, after cty.Value, path cty.Path) {
	bs, as := elements(before), elements(after)
	ops := lcsOps(bs, as)
	hidden := 0
	flush := func() {
		if hidden > 0 {
			d.line(depth, symNone, fmt.Sprintf("# (%d unchanged %s hidden)", hidden, plural(hidden, "element")))
			hidden = 0
		}
	}
	for i := 0; i < len(ops); {
		op := ops[i]
		if op.kind == '=' {
			if d.verbose {
				flush()
				d.node(depth, "", ",", bs[op.b], as[op.a], path.Index(cty.NumberIntVal(int64(op.a))), false)
			} else {
				hidden++
			}
			i++
			continue
		}
		flush()
		// A run of deletions and insertions.
		j := i
		var dels, ins []listOp
		for j < len(ops) && ops[j].kind != '=' {
			if ops[j].kind == '-' {
				dels = append(dels, ops[j])
			} else {
				ins = append(ins, ops[j])
			}
			j++
		}
		paired := 0
		for paired < len(dels) && paired < len(ins) && (structural(bs[dels[paired].b]) && structural(as[ins[paired].a]) || !as[ins[paired].a].IsKnown()) {
			paired++
		}
		for k := 0; k < paired; k++ {
			d.node(depth, "", ",", bs[dels[k].b], as[ins[k].a], path.Index(cty.NumberIntVal(int64(ins[k].a))), false)
		}
		for _, op := range dels[paired:] {
			d.node(depth, "", ",", bs[op.b], cty.NilVal, path.Index(cty.NumberIntVal(int64(op.b))), false)
		}
		for _, op := range ins[paired:] {
			d.node(depth, "", ",", cty.NilVal, as[op.a], path.Index(cty.NumberIntVal(int64(op.a))), false)
		}
		i = j
	}
	flush()
}

// setBody renders the elements of a set that changed: set elements have no
// identity besides their value, so a changed element is one removed and one
// added.
func (d *valueWriter) setBody(depth int, before, after cty.Value, path cty.Path) {
	bs, as := elements(before), elements(after)
	inSet := func(v cty.Value, set []cty.Value) bool {
		for _, e := range set {
			if sameValue(v, e) {
				return true
			}
		}
		return false
	}
	hidden := 0
	for _, b := range bs {
		if inSet(b, as) {
			if d.verbose {
				d.node(depth, "", ",", b, b, path.Index(b), false)
			} else {
				hidden++
			}
			continue
		}
		d.node(depth, "", ",", b, cty.NilVal, path.Index(b), false)
	}
	for _, a := range as {
		if !inSet(a, bs) {
			d.node(depth, "", ",", cty.NilVal, a, path.Index(a), false)
		}
	}
	if hidden > 0 {
		d.line(depth, symNone, fmt.Sprintf("# (%d unchanged %s hidden)", hidden, plural(hidden, "element")))
	}
}

// structural reports whether v is an object or map, whose changes are best
// shown element by element.
func structural(v cty.Value) bool {
	if v == cty.NilVal || isSensitive(v) {
		return false
	}
	t := v.Type()
	return t.IsObjectType() || t.IsMapType()
}

type listOp struct {
	kind byte // '=', '-', '+'
	b, a int  // indexes into before and after
}

// maxLCSCells bounds the work of the list diff; longer lists are compared
// position by position.
const maxLCSCells = 1 << 20

// lcsOps aligns two sequences with a longest common subsequence.
func lcsOps(bs, as []cty.Value) []listOp {
	n, m := len(bs), len(as)
	var ops []listOp
	if n*m > maxLCSCells {
		for i := 0; i < max(n, m); i++ {
			switch {
			case i < n && i < m && sameValue(bs[i], as[i]):
				ops = append(ops, listOp{'=', i, i})
			default:
				if i < n {
					ops = append(ops, listOp{'-', i, 0})
				}
				if i < m {
					ops = append(ops, listOp{'+', 0, i})
				}
			}
		}
		return ops
	}
	// table[i][j] is the LCS length of bs[i:] and as[j:].
	table := make([][]int, n+1)
	for i := range table {
		table[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if sameValue(bs[i], as[j]) {
				table[i][j] = table[i+1][j+1] + 1
			} else {
				table[i][j] = max(table[i+1][j], table[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && sameValue(bs[i], as[j]):
			ops = append(ops, listOp{'=', i, j})
			i++
			j++
		case j < m && (i == n || table[i][j+1] > table[i+1][j]):
			ops = append(ops, listOp{'+', i, j})
			j++
		default:
			ops = append(ops, listOp{'-', i, j})
			i++
		}
	}
	// Within each run of changes put deletions first, as diffs read.
	for start := 0; start < len(ops); {
		if ops[start].kind == '=' {
			start++
			continue
		}
		end := start
		for end < len(ops) && ops[end].kind != '=' {
			end++
		}
		sort.SliceStable(ops[start:end], func(x, y int) bool {
			return ops[start+x].kind == '-' && ops[start+y].kind == '+'
		})
		start = end
	}
	return ops
}

func elements(v cty.Value) []cty.Value {
	if isNull(v) || !v.IsKnown() {
		return nil
	}
	out := make([]cty.Value, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e)
	}
	return out
}

// attr returns attribute n of an object, or cty.NilVal when v is null or
// has no such attribute. An unknown object's attributes are unknown.
func attr(v cty.Value, n string) cty.Value {
	if v == cty.NilVal || !v.Type().IsObjectType() || !v.Type().HasAttribute(n) {
		return cty.NilVal
	}
	u, m := v.Unmark()
	if u.IsKnown() && u.IsNull() {
		return cty.NilVal
	}
	return u.GetAttr(n).WithMarks(m)
}

// index returns element k of a map, or cty.NilVal.
func index(v cty.Value, k cty.Value) cty.Value {
	if isNull(v) || !v.IsKnown() {
		return cty.NilVal
	}
	u, m := v.Unmark()
	if !u.HasIndex(k).True() {
		return cty.NilVal
	}
	return u.Index(k).WithMarks(m)
}

// literal writes a known, unmarked primitive value in HCL syntax.
func literal(v cty.Value) string {
	if isSensitive(v) {
		return "(sensitive value)"
	}
	if !v.IsKnown() {
		return "(known after apply)"
	}
	if v.IsNull() {
		return "null"
	}
	v, _ = v.Unmark()
	switch v.Type() {
	case cty.String:
		return quote(v.AsString())
	case cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	}
	return "(value that cannot be shown)"
}

func primitiveText(v cty.Value) string {
	if v.Type() == cty.String && v.IsKnown() && !v.IsNull() && !isSensitive(v) {
		v, _ = v.Unmark()
		return v.AsString()
	}
	return ""
}

// quote writes s quoted, as Terraform's plan and show write a string:
// Go's escapes, and ${ and %{ as they are (the text is read, not parsed).
func quote(s string) string {
	return strconv.Quote(s)
}

// keyLabel is how an object attribute or map key is written: bare when it
// is an identifier and not a map key, quoted otherwise.
func keyLabel(k string, isMapKey bool) string {
	if !isMapKey && config.ValidIdentifier(k) {
		return k
	}
	return quote(k)
}

func heredocLines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// jsonContainer parses s as a JSON object or array, the strings Terraform
// shows as jsonencode(...) with a structural diff.
func jsonContainer(s string) (cty.Value, bool) {
	t := strings.TrimSpace(s)
	if len(t) < 2 || (t[0] != '{' && t[0] != '[') || !json.Valid([]byte(t)) {
		return cty.NilVal, false
	}
	ty, err := ctyjson.ImpliedType([]byte(t))
	if err != nil {
		return cty.NilVal, false
	}
	v, err := ctyjson.Unmarshal([]byte(t), ty)
	if err != nil {
		return cty.NilVal, false
	}
	return v, true
}

func maxWidth(labels []string) int {
	w := 0
	for _, l := range labels {
		w = max(w, len(l))
	}
	return w
}

func pad(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return s + strings.Repeat(" ", width-len(s))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
