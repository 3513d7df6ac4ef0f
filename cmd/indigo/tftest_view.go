package main

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
)

// testView prints what indigo test does: as text, or with -json as the
// machine-readable UI's test messages.
type testView interface {
	// abstract lists the files and their runs before any runs.
	abstract(files []*testFile)
	fileStart(tf *testFile)
	// run reports one run once it is done: its verdict, its -verbose
	// output and its diagnostics.
	run(tf *testFile, res *runResult)
	teardown(tf *testFile)
	// cleanup reports what the teardown of a file said and the objects
	// it left behind.
	cleanup(tf *testFile, diags hcl.Diagnostics, left []string)
	// fileDone reports a file's status: the worst of its runs' and
	// error when its teardown failed.
	fileDone(tf *testFile, status string)
	summary(c testCounts)
}

// testCounts are the verdicts of all the runs.
type testCounts struct {
	passed, failed, errored, skipped int
	// leftBehind counts the files whose teardown failed.
	leftBehind int
	// status is the worst status of the files.
	status string
}

func (c testCounts) ok() bool { return c.failed == 0 && c.errored == 0 && c.leftBehind == 0 }

// statusRank orders statuses from best to worst.
var statusRank = map[string]int{"": 0, "skip": 1, "pass": 2, "fail": 3, "error": 4}

// worse returns the worse of two statuses.
func worse(a, b string) string {
	if statusRank[b] > statusRank[a] {
		return b
	}
	return a
}

// status is a run's verdict: pass, fail (only assertions failed), error
// (anything else went wrong: it could not complete, an expected failure
// did not happen) or skip.
func (res *runResult) status() string {
	switch {
	case res.skipped:
		return "skip"
	case res.passed:
		return "pass"
	case res.fatal:
		return "error"
	}
	for _, d := range res.diags {
		if d.Severity == hcl.DiagError && d.Summary != assertionFailed {
			return "error"
		}
	}
	return "fail"
}

// textTestView is the human-readable output.
type textTestView struct {
	out io.Writer
	w   *workspace
	tr  *testRunner
}

func (v *textTestView) abstract([]*testFile) {}

func (v *textTestView) fileStart(tf *testFile) { fmt.Fprintf(v.out, "%s... in progress\n", tf.name) }

func (v *textTestView) run(_ *testFile, res *runResult) {
	verdict := res.status()
	if verdict == "error" {
		verdict = "fail"
	}
	fmt.Fprintf(v.out, "  run %q... %s\n", res.run.name, verdict)
	_, _ = v.out.Write(res.out.Bytes())
	v.w.src = view.NewSources(v.tr.src)
	v.w.diags(res.diags)
}

func (v *textTestView) teardown(tf *testFile) { fmt.Fprintf(v.out, "%s... tearing down\n", tf.name) }

func (v *textTestView) cleanup(_ *testFile, diags hcl.Diagnostics, _ []string) { v.w.diags(diags) }

func (v *textTestView) fileDone(tf *testFile, status string) {
	verdict := "pass"
	if statusRank[status] > statusRank["pass"] {
		verdict = "fail"
	}
	fmt.Fprintf(v.out, "%s... %s\n", tf.name, verdict)
}

func (v *textTestView) summary(c testCounts) {
	verdict := "Success!"
	if !c.ok() {
		verdict = "Failure!"
	}
	fmt.Fprintf(v.out, "\n%s %d passed, %d failed.\n", verdict, c.passed, c.failed+c.errored)
	if c.leftBehind > 0 {
		fmt.Fprintf(v.out, "%d test file(s) could not destroy everything they made (see above).\n", c.leftBehind)
	}
}

// jsonTestView writes one JSON object a line: test_abstract, then for each
// file its test_run messages (each followed by its diagnostics), its
// teardown's diagnostics and test_cleanup, and test_file; test_summary
// last. Messages about a file carry @testfile, about a run @testrun too.
type jsonTestView struct {
	s  *view.Stream
	tr *testRunner
}

func (v *jsonTestView) abstract(files []*testFile) {
	abs := map[string][]string{}
	runs := 0
	for _, tf := range files {
		names := []string{}
		for _, r := range tf.runs {
			names = append(names, r.name)
		}
		abs[tf.name] = names
		runs += len(names)
	}
	v.s.Emit("info", "test_abstract", fmt.Sprintf("Found %s and %s", plural(len(files), "file"), plural(runs, "run block")),
		map[string]any{"test_abstract": abs})
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (v *jsonTestView) fileStart(*testFile) {}

func (v *jsonTestView) run(tf *testFile, res *runResult) {
	status := res.status()
	at := map[string]any{"@testfile": tf.name, "@testrun": res.run.name}
	fields := maps.Clone(at)
	fields["test_run"] = map[string]any{"path": tf.name, "run": res.run.name, "status": status}
	v.s.Emit("info", "test_run", fmt.Sprintf("  %q... %s", res.run.name, status), fields)
	view.Sort(res.diags)
	v.s.DiagnosticsWith(res.diags, view.NewSources(v.tr.src), at)
}

func (v *jsonTestView) teardown(*testFile) {}

func (v *jsonTestView) cleanup(tf *testFile, diags hcl.Diagnostics, left []string) {
	at := map[string]any{"@testfile": tf.name}
	view.Sort(diags)
	v.s.DiagnosticsWith(diags, view.NewSources(v.tr.src), at)
	if len(left) == 0 {
		return
	}
	var failed []map[string]any
	for _, addr := range slices.Sorted(slices.Values(left)) {
		failed = append(failed, map[string]any{"instance": addr})
	}
	fields := maps.Clone(at)
	fields["test_cleanup"] = map[string]any{"failed_resources": failed}
	v.s.Emit("error", "test_cleanup", fmt.Sprintf("indigo left the following resources in state after executing %s, and they need to be cleaned up manually:", tf.name), fields)
}

func (v *jsonTestView) fileDone(tf *testFile, status string) {
	verdict := "pass"
	if statusRank[status] > statusRank["pass"] {
		verdict = "fail"
	}
	v.s.Emit("info", "test_file", fmt.Sprintf("%s... %s", tf.name, verdict),
		map[string]any{"@testfile": tf.name, "test_file": map[string]any{"path": tf.name, "status": status}})
}

func (v *jsonTestView) summary(c testCounts) {
	status, verdict := c.status, "Success!"
	if !c.ok() {
		verdict = "Failure!"
	}
	if status == "" {
		status = "pending"
	}
	v.s.Emit("info", "test_summary", fmt.Sprintf("%s %d passed, %d failed.", verdict, c.passed, c.failed+c.errored),
		map[string]any{"test_summary": map[string]any{"status": status, "passed": c.passed, "failed": c.failed, "errored": c.errored, "skipped": c.skipped}})
}
