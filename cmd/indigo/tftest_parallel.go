package main

import (
	"bytes"
	"context"

	"github.com/hashicorp/hcl/v2"
)

// runResult is what one run gave, kept until it is printed: the runs of a
// file are reported in their order whatever order they finished in.
type runResult struct {
	run     *testRun
	passed  bool
	fatal   bool // the run could not complete
	skipped bool
	diags   hcl.Diagnostics
	out     bytes.Buffer // -verbose output
}

// parallelRun reports whether r may run at the same time as its neighbours:
// its parallel attribute, else the test block's.
func (tf *testFile) parallelRun(r *testRun) bool {
	if r.parallel != nil {
		return *r.parallel
	}
	return tf.parallel
}

// schedule runs the runs of a file and returns what each gave, in the
// file's order. A run that may not run in parallel runs alone, after the
// runs before it and before those after it. Consecutive runs that may run
// in parallel form a group whose runs start at once, each waiting only for
// the earlier runs of the group it depends on: those using the same state
// and those whose outputs it reads. After a run that could not complete,
// the runs that depend on it are skipped, and every run after its group.
func (tr *testRunner) schedule(ctx context.Context, fr *fileRun) []*runResult {
	tf := fr.tf
	results := make([]*runResult, len(tf.runs))
	stop := false
	for i := 0; i < len(tf.runs); {
		j := i + 1
		if tf.parallelRun(tf.runs[i]) {
			for j < len(tf.runs) && tf.parallelRun(tf.runs[j]) {
				j++
			}
		}
		group := results[i:j]
		for k, r := range tf.runs[i:j] {
			group[k] = &runResult{run: r, skipped: stop}
		}
		if !stop {
			tr.runGroup(ctx, fr, group)
		}
		for _, res := range group {
			stop = stop || res.fatal
		}
		i = j
	}
	return results
}

// runGroup runs a group of runs that may run in parallel.
func (tr *testRunner) runGroup(ctx context.Context, fr *fileRun, group []*runResult) {
	if len(group) == 1 {
		res := group[0]
		res.passed, res.fatal, res.diags = tr.run(ctx, fr, res.run, &res.out)
		return
	}
	done := make([]chan struct{}, len(group))
	for k := range group {
		done[k] = make(chan struct{})
	}
	for k, res := range group {
		var deps []int
		for l := 0; l < k; l++ {
			other := group[l].run
			if other.stateKey() == res.run.stateKey() || res.run.refs[other.name] {
				deps = append(deps, l)
			}
		}
		go func() {
			defer close(done[k])
			for _, l := range deps {
				<-done[l]
				if group[l].fatal || group[l].skipped {
					res.skipped = true
				}
			}
			if !res.skipped {
				res.passed, res.fatal, res.diags = tr.run(ctx, fr, res.run, &res.out)
			}
		}()
	}
	for k := range group {
		<-done[k]
	}
}
