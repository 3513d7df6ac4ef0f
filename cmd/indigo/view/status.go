package view

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/planner/status"
)

// Status writes what `indigo status` prints for people: for each storage,
// its verdict, the QoS asked for, a table of its copies and the reasons it
// does not hold.
func Status(w io.Writer, rep *status.Report) {
	if len(rep.Storages) == 0 {
		fmt.Fprintln(w, "The configuration declares no storage.")
		return
	}
	for i, st := range rep.Storages {
		if i > 0 {
			fmt.Fprintln(w)
		}
		storageStatus(w, st)
	}
}

// VerdictText is how a verdict reads in a sentence.
func VerdictText(v status.Verdict) string {
	switch v {
	case status.Holds:
		return "QoS holds"
	case status.InTransition:
		return "QoS in transition"
	}
	return "QoS broken"
}

func storageStatus(w io.Writer, st *status.Storage) {
	fmt.Fprintf(w, "%s: %s\n", st.Addr, VerdictText(st.Verdict))
	fmt.Fprintf(w, "  asked for: %s\n", qosWords(st.QoS))
	for _, line := range lifecycleWords(st.QoS) {
		fmt.Fprintf(w, "  lifecycle: %s\n", line)
	}
	placed := make([]string, len(st.Sites))
	for i, s := range st.Sites {
		placed[i] = s
		if i == 0 && len(st.Sites) > 1 {
			placed[i] += " (primary)"
		}
	}
	if len(placed) == 0 {
		placed = []string{"no site"}
	}
	fmt.Fprintf(w, "  placed on: %s\n\n", strings.Join(placed, ", "))

	replicated := false
	for _, cp := range st.Copies {
		replicated = replicated || cp.Replication != nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SITE\tKIND\tLOCATION\tHELD IN\tEXISTS\tOBJECTS\tBYTES\tREPLICATION\tRULES")
	for _, cp := range st.Copies {
		site := cp.Site
		if !cp.Planned {
			site += " (leaving)"
		}
		holder := "-"
		if cp.Holder != "" {
			holder = cp.HolderKind + " " + cp.Holder
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			site, dash(cp.Kind), dash(cp.Location), holder, yesNo(cp.Exists),
			count(cp.Objects), count(cp.Bytes), replicationWords(cp, replicated), rulesWords(cp.Rules))
	}
	tw.Flush()
	if len(st.Reasons) > 0 {
		fmt.Fprintln(w, "\n  Why:")
		for _, r := range st.Reasons {
			mark := "transition"
			if r.Verdict == status.Broken {
				mark = "broken"
			}
			fmt.Fprintf(w, "    - [%s] %s\n", mark, r.Message)
		}
		fmt.Fprintln(w, "\n  Run indigo apply to bring the storage to its QoS (indigo plan shows how).")
	}
}

func qosWords(s status.Spec) string {
	q := s.QoS
	parts := []string{copiesWords(q.Copies)}
	if len(q.Locations) > 0 {
		parts = append(parts, "locations "+strings.Join(q.Locations, ", "))
	}
	if len(q.Media) > 0 {
		parts = append(parts, "media "+strings.Join(q.Media, ", "))
	}
	if q.Latency != "" {
		parts = append(parts, "latency "+q.Latency)
	}
	if q.Size > 0 {
		parts = append(parts, "size "+strconv.FormatFloat(q.Size, 'f', -1, 64)+" bytes")
	}
	if q.Redundancy != "" {
		parts = append(parts, "redundancy "+q.Redundancy)
	}
	return strings.Join(parts, "; ")
}

func lifecycleWords(s status.Spec) []string {
	var out []string
	for _, lr := range s.Lifecycle {
		var b strings.Builder
		b.WriteString("after " + status.FormatDuration(lr.After))
		if lr.Prefix != "" {
			fmt.Fprintf(&b, ", objects under %q", lr.Prefix)
		}
		if len(lr.Transition) > 0 {
			var keys []string
			for k := range lr.Transition {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			var moves []string
			for _, k := range keys {
				moves = append(moves, k+" "+valueWords(lr.Transition[k]))
			}
			b.WriteString(", move to " + strings.Join(moves, ", "))
		}
		if lr.Expire {
			if lr.Noncurrent {
				b.WriteString(", expire non-current versions")
			} else {
				b.WriteString(", expire")
			}
		}
		out = append(out, b.String())
	}
	return out
}

// replicationWords describes how a copy is kept; the primary of a storage
// whose copies replicate from it is the "source".
func replicationWords(cp *status.Copy, replicated bool) string {
	r := cp.Replication
	if r == nil {
		if cp.Primary && replicated {
			return "source"
		}
		return "-"
	}
	var parts []string
	if r.Enabled != nil {
		if *r.Enabled {
			parts = append(parts, "enabled")
		} else {
			parts = append(parts, "DISABLED")
		}
	}
	if r.InSync != nil {
		if *r.InSync {
			parts = append(parts, "in sync")
		} else {
			parts = append(parts, "NOT IN SYNC")
		}
	}
	for _, n := range []struct {
		v    *int64
		word string
	}{{r.Pending, "pending"}, {r.Failed, "failed"}, {r.Missing, "missing"}, {r.Extra, "extra"}, {r.Expired, "expired"}} {
		if n.v != nil && *n.v > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", *n.v, n.word))
		}
	}
	s := strings.Join(parts, ", ")
	if r.From != "" {
		s = "from " + r.From + ": " + s
	}
	return s
}

func rulesWords(rules []status.Rule) string {
	if rules == nil {
		return "-"
	}
	if len(rules) == 0 {
		return "none"
	}
	var out []string
	for _, r := range rules {
		var keys []string
		for k := range r.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, k+"="+valueWords(r.Attrs[k]))
		}
		s := strings.Join(kv, " ")
		if r.ID != "" {
			s = r.ID + ": " + s
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

// valueWords writes a value read back compactly: 30, "x", [tape].
func valueWords(v cty.Value) string {
	switch {
	case v.IsNull():
		return "null"
	case !v.IsKnown():
		return "(known after apply)"
	case v.Type() == cty.String:
		return v.AsString()
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case v.Type() == cty.Bool:
		return strconv.FormatBool(v.True())
	case v.CanIterateElements():
		var parts []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			parts = append(parts, valueWords(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return v.GoString()
}

func count(n *int64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(*n, 10)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

func copiesWords(n int) string {
	if n == 1 {
		return "1 copy"
	}
	return strconv.Itoa(n) + " copies"
}
