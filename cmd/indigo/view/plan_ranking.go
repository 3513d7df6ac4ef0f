package view

import (
	"fmt"
	"io"
	"strings"

	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// criterionHeader is the short column title of each criterion.
var criterionHeader = map[rank.Criterion]string{
	rank.Preference:   "PREFER",
	rank.Availability: "AVAIL",
	rank.Latency:      "LATENCY",
	rank.FreeCapacity: "FREE",
	rank.Cost:         "COST",
	rank.Locality:     "LOCALITY",
}

// rankingTable writes the table RankingTable documents, each line prefixed
// with indent.
func rankingTable(b *strings.Builder, r rank.Ranking, indent string) {
	if len(r.Scored) == 0 {
		b.WriteString(indent + "(no candidate sites)\n")
		return
	}
	chosen := map[string]bool{r.Chosen: r.Chosen != ""}
	for _, c := range r.Copies {
		chosen[c] = true
	}
	// Only the criteria that counted for some site get a column.
	var criteria []rank.Criterion
	for _, c := range rank.Criteria() {
		for _, s := range r.Scored {
			if p, ok := s.Part(c); ok && p.Weight != 0 {
				criteria = append(criteria, c)
				break
			}
		}
	}
	withLocation := false
	for _, s := range r.Scored {
		if s.Location != "" {
			withLocation = true
		}
	}

	header := []string{"", "SITE"}
	if withLocation {
		header = append(header, "LOCATION")
	}
	header = append(header, "SCORE")
	for _, c := range criteria {
		header = append(header, criterionHeader[c])
	}
	fixed := len(header) - len(criteria) - 1 // marker, site, location: left aligned
	rows := [][]string{header}
	spans := map[int]string{} // row → text that replaces the figures
	for _, s := range r.Scored {
		mark := " "
		switch {
		case s.Rejected:
			mark = "x"
		case chosen[s.Site]:
			mark = "*"
		}
		row := []string{mark, s.Site}
		if withLocation {
			row = append(row, s.Location)
		}
		if s.Rejected {
			spans[len(rows)] = "rejected: " + strings.Join(s.Reasons, "; ")
			rows = append(rows, row)
			continue
		}
		row = append(row, fmt.Sprintf("%.3f", s.Score))
		for _, c := range criteria {
			if p, ok := s.Part(c); ok && p.Weight != 0 {
				row = append(row, fmt.Sprintf("%.3f", p.Contribution))
			} else {
				row = append(row, "-")
			}
		}
		rows = append(rows, row)
	}
	widths := make([]int, len(header))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	for i, row := range rows {
		var line strings.Builder
		line.WriteString(indent)
		for j, cell := range row {
			if j == 0 {
				line.WriteString(pad(cell, 1) + " ") // the one-character marker column
				continue
			}
			if j > 1 {
				line.WriteString("  ")
			}
			if j < fixed {
				line.WriteString(pad(cell, widths[j]))
			} else {
				line.WriteString(strings.Repeat(" ", widths[j]-len(cell)) + cell)
			}
		}
		if span, ok := spans[i]; ok {
			line.WriteString("  " + span)
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	for _, s := range r.Scored {
		for _, n := range s.Notes {
			fmt.Fprintf(b, "%snote: %s: %s\n", indent, s.Site, n)
		}
	}
}

// RankingDetails writes, for each site that passed the hard constraints,
// how each criterion scored it: the normalised figure times its weight and
// what the figure was, in words. `indigo rank ADDRESS` prints it under the
// table.
func RankingDetails(w io.Writer, r rank.Ranking) error {
	var b strings.Builder
	for _, s := range r.Scored {
		if s.Rejected || len(s.Parts) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (score %.3f):\n", s.Site, s.Score)
		names := make([]string, len(s.Parts))
		for i, p := range s.Parts {
			names[i] = p.Criterion.String()
		}
		width := maxWidth(names)
		for i, p := range s.Parts {
			fig := "not weighted"
			if p.Weight != 0 {
				fig = fmt.Sprintf("%.2f × %g", p.Normalized, p.Weight)
			}
			line := fmt.Sprintf("  %s  %-13s  %s", pad(names[i], width), fig, p.Note)
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Placement writes one placed component for `indigo rank`: where it goes
// and why in the words of the plan's placement section, the ranking table,
// then each candidate's score broken down by criterion.
func Placement(w io.Writer, pl *plan.Placement) error {
	if pl == nil {
		return nil
	}
	var b strings.Builder
	for _, h := range placementHeaders(pl) {
		fmt.Fprintf(&b, "# %s\n", h)
	}
	b.WriteByte('\n')
	rankingTable(&b, pl.Ranking, "")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return RankingDetails(w, pl.Ranking)
}
