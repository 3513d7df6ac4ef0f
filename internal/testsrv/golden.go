package testsrv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Updating reports whether INDIGO_UPDATE=1 asks tests to rewrite their
// golden files instead of comparing with them. Golden uses it; tests whose
// golden output is not one file (a txtar archive's sections, testscript's
// UpdateScripts, a fuzz seed corpus) use it so the whole repository has one
// rule.
func Updating() bool { return os.Getenv("INDIGO_UPDATE") == "1" }

// Golden compares got with the file at path; INDIGO_UPDATE=1 rewrites the
// file instead. One rule for the whole repo.
//
// A difference fails the test (without stopping it) and shows a line diff
// for text, or the first differing offset for binary data.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if Updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file: %v (run with INDIGO_UPDATE=1 to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with INDIGO_UPDATE=1 to accept, and review the diff):\n%s", path, describeDiff(want, got))
	}
}

// describeDiff says how got differs from want: a line diff of text, or
// where binary data first differs.
func describeDiff(want, got []byte) string {
	if !isText(want) || !isText(got) {
		i := 0
		for i < len(want) && i < len(got) && want[i] == got[i] {
			i++
		}
		return fmt.Sprintf("binary data: want %d bytes, got %d bytes, first difference at byte %d", len(want), len(got), i)
	}
	return lineDiff(string(want), string(got))
}

func isText(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

// lineDiff is a line-by-line diff of want and got: "-" for lines only in
// want, "+" for lines only in got, at most three unchanged lines of context
// around each change.
func lineDiff(want, got string) string {
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(want, got)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	type line struct {
		op   diffmatchpatch.Operation
		text string
	}
	var all []line
	for _, d := range diffs {
		text := strings.TrimSuffix(d.Text, "\n")
		for _, l := range strings.Split(text, "\n") {
			all = append(all, line{d.Type, l})
		}
	}
	const context = 3
	var out strings.Builder
	out.WriteString("--- want\n+++ got\n")
	lastShown := -1
	for i, l := range all {
		near := false
		for j := max(0, i-context); j <= min(len(all)-1, i+context); j++ {
			if all[j].op != diffmatchpatch.DiffEqual {
				near = true
				break
			}
		}
		if !near {
			continue
		}
		if lastShown >= 0 && i > lastShown+1 {
			out.WriteString("...\n")
		}
		lastShown = i
		switch l.op {
		case diffmatchpatch.DiffDelete:
			out.WriteString("-" + l.text + "\n")
		case diffmatchpatch.DiffInsert:
			out.WriteString("+" + l.text + "\n")
		default:
			out.WriteString(" " + l.text + "\n")
		}
	}
	if !strings.HasSuffix(want, "\n") || !strings.HasSuffix(got, "\n") {
		if strings.HasSuffix(want, "\n") != strings.HasSuffix(got, "\n") {
			out.WriteString("(the files differ in their final newline)\n")
		}
	}
	return out.String()
}
