package view

import (
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// lineOp is one line of a line-by-line comparison.
type lineOp struct {
	op   diffmatchpatch.Operation
	text string
}

// LineDiff compares two texts line by line with go-diff.
func lineDiff(a, b string) []lineOp {
	dmp := diffmatchpatch.New()
	ca, cb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	var out []lineOp
	for _, d := range diffs {
		text := d.Text
		if strings.HasSuffix(text, "\n") {
			text = text[:len(text)-1]
		}
		for _, l := range strings.Split(text, "\n") {
			out = append(out, lineOp{op: d.Type, text: l})
		}
	}
	return out
}

// UnifiedDiff renders the difference between two texts as a unified diff
// with three lines of context, or "" when they are equal.
func UnifiedDiff(oldName, newName, a, b string) string {
	if a == b {
		return ""
	}
	ops := lineDiff(a, b)
	const context = 3
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", oldName, newName)
	// Walk the operations, emitting hunks around changes.
	i := 0
	oldLine, newLine := 1, 1
	for i < len(ops) {
		if ops[i].op == diffmatchpatch.DiffEqual {
			oldLine++
			newLine++
			i++
			continue
		}
		// Start a hunk with up to `context` lines before.
		start := i - context
		if start < 0 {
			start = 0
		}
		for j := start; j < i; j++ {
			oldLine--
			newLine--
		}
		hOld, hNew := oldLine, newLine
		end := i
		// Extend while changes are within 2*context lines of each other.
		for end < len(ops) {
			if ops[end].op != diffmatchpatch.DiffEqual {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].op == diffmatchpatch.DiffEqual {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end += min(context, run-end)
				break
			}
			end = run
		}
		var body strings.Builder
		nOld, nNew := 0, 0
		for j := start; j < end; j++ {
			switch ops[j].op {
			case diffmatchpatch.DiffEqual:
				body.WriteString(" " + ops[j].text + "\n")
				nOld++
				nNew++
			case diffmatchpatch.DiffDelete:
				body.WriteString("-" + ops[j].text + "\n")
				nOld++
			case diffmatchpatch.DiffInsert:
				body.WriteString("+" + ops[j].text + "\n")
				nNew++
			}
		}
		fmt.Fprintf(&sb, "@@ -%d,%d +%d,%d @@\n", hOld, nOld, hNew, nNew)
		sb.WriteString(body.String())
		oldLine, newLine = hOld+nOld, hNew+nNew
		i = end
	}
	return sb.String()
}
