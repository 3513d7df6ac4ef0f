package faults

import (
	"fmt"
	"strings"
	"sync"
)

// Row holds the figures of one fault's trials.
type Row struct {
	Fault string
	// Trials is how many times the fault was injected.
	Trials int
	// Created counts the objects that existed after the faulted runs and
	// not before them.
	Created int
	// Unrecorded counts objects that existed after a faulted run and were
	// neither in its state nor in an operation its journal holds as in
	// flight, plus objects left unrecorded after the recovery run.
	Unrecorded int
	// Duplicates counts objects recorded twice, or made twice.
	Duplicates int
	// FailedRecoveries counts trials whose next run, once the fault was
	// gone, did not converge: it failed, or a plan after it had changes,
	// or the state no longer read back.
	FailedRecoveries int
	// Unclear counts faulted runs that failed without saying what to do.
	Unclear int
}

// Table collects rows, safe for concurrent use.
type Table struct {
	mu   sync.Mutex
	rows []*Row
}

// Row returns the row of fault, adding it on first use.
func (t *Table) Row(fault string) *Row {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.rows {
		if r.Fault == fault {
			return r
		}
	}
	r := &Row{Fault: fault}
	t.rows = append(t.rows, r)
	return r
}

// String renders the table as Markdown.
func (t *Table) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	b.WriteString("| fault | trials | objects created | unrecorded | duplicates | failed recoveries | unclear errors |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	var sum Row
	for _, r := range t.rows {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d |\n", r.Fault, r.Trials, r.Created, r.Unrecorded, r.Duplicates, r.FailedRecoveries, r.Unclear)
		sum.Trials += r.Trials
		sum.Created += r.Created
		sum.Unrecorded += r.Unrecorded
		sum.Duplicates += r.Duplicates
		sum.FailedRecoveries += r.FailedRecoveries
		sum.Unclear += r.Unclear
	}
	fmt.Fprintf(&b, "| **all** | %d | %d | %d | %d | %d | %d |\n", sum.Trials, sum.Created, sum.Unrecorded, sum.Duplicates, sum.FailedRecoveries, sum.Unclear)
	return b.String()
}
