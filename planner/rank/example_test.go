package rank_test

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/indigo-cloud/indigo/planner/rank"
)

// printRanking renders a ranking the way indigo plan and indigo rank show
// it (the real view lives in cmd/indigo): one row per site with each
// criterion's contribution, then the parts of the chosen site.
func printRanking(r rank.Ranking) {
	fmt.Printf("%s → %s (%s: %s)\n\n", r.Component, r.Chosen, r.Outcome, r.Reason)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SITE\tSCORE\tPREF\tAVAIL\tLAT\tFREE\tCOST\tLOCAL")
	for _, s := range r.Scored {
		mark := " "
		if s.Site == r.Chosen {
			mark = "*"
		}
		if s.Rejected {
			fmt.Fprintf(tw, "%s %s\t-\trejected: %s\n", mark, s.Site, strings.Join(s.Reasons, "; "))
			continue
		}
		fmt.Fprintf(tw, "%s %s\t%.3f", mark, s.Site, s.Score)
		for _, p := range s.Parts {
			fmt.Fprintf(tw, "\t%.3f", p.Contribution)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	for _, s := range r.Scored {
		for _, n := range s.Notes {
			fmt.Printf("  note: %s: %s\n", s.Site, n)
		}
	}
	if chosen := r.Find(r.Chosen); chosen != nil {
		fmt.Printf("\n  why %s:\n", r.Chosen)
		tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		for _, p := range chosen.Parts {
			fmt.Fprintf(tw, "    %s\t%.2f × %g\t%s\n", p.Criterion, p.Normalized, p.Weight, p.Note)
		}
		tw.Flush()
	}
}

func ExampleRank() {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	fresh := now.Add(-2 * time.Minute)
	sites := []rank.Site{
		{
			Name: "cnaf", Location: "IT", Capabilities: []string{"gpu"},
			SLA:          map[string]float64{"cpus": 400, "memory": 1.5 * (1 << 40), "gpus": 8},
			Availability: 0.995,
			Cost:         map[string]float64{"cpu_hour": 0.012, "gpu_hour": 0.4},
			Metrics: &rank.Metrics{Availability: 0.998, HasAvailability: true, LatencyMS: 35, HasLatency: true,
				ObservedAt: fresh, MaxAge: 15 * time.Minute},
		},
		{
			Name: "bari", Location: "IT", Capabilities: []string{"gpu"},
			SLA:          map[string]float64{"cpus": 200, "memory": 512 << 30, "gpus": 2},
			Availability: 0.99,
			Metrics: &rank.Metrics{Availability: 0.9999, HasAvailability: true, LatencyMS: 10, HasLatency: true,
				ObservedAt: now.Add(-3 * time.Hour), MaxAge: 15 * time.Minute},
		},
		{
			Name: "aws_eu", Location: "IE", Capabilities: []string{"gpu"},
			Availability: 0.9995,
			Cost:         map[string]float64{"cpu_hour": 0.048, "gpu_hour": 0.9, "memory_gb_hour": 0.005},
			Metrics: &rank.Metrics{Availability: 0.9997, HasAvailability: true, LatencyMS: 28, HasLatency: true,
				ObservedAt: fresh, MaxAge: 15 * time.Minute},
		},
		{
			Name: "desy", Location: "DE",
			SLA: map[string]float64{"cpus": 300, "memory": 1 << 40},
		},
	}
	var usage rank.Usage
	usage.Record("cnaf", "cms", map[string]float64{"cpus": 352, "gpus": 6})
	usage.Record("bari", "", map[string]float64{"cpus": 40})

	galaxy := rank.Component{
		Addr:         "deployment.galaxy",
		Demand:       map[string]float64{"cpus": 16, "memory": 64 << 30, "gpus": 1},
		Capabilities: []string{"gpu"},
		Prefer:       []string{"cnaf"},
		Near:         []string{"cnaf"}, // reads storage.lbt_archive, held at cnaf
	}
	printRanking(rank.Rank(galaxy, sites, usage, rank.DefaultWeights(), now))

	// Output:
	// deployment.galaxy → cnaf (placed: best score of the 3 site(s) that can take it)
	//
	//   SITE    SCORE  PREF   AVAIL  LAT    FREE   COST   LOCAL
	// * cnaf    0.666  0.273  0.098  0.053  0.015  0.045  0.182
	//   bari    0.345  0.000  0.073  0.000  0.091  0.091  0.091
	//   aws_eu  0.200  0.000  0.128  0.058  0.000  0.013  0.000
	//   desy    -      rejected: lacks capability gpu; needs 1 gpus; the SLA grants none
	//   note: bari: metrics stale: observed 3h0m0s ago, max age 15m0s; observed figures not used
	//   note: desy: no metrics source: availability from the SLA, latency unknown
	//
	//   why cnaf:
	//     preference     1.00 × 3  1st of 1 preferred
	//     availability   0.54 × 2  99.8% observed (2.7 nines)
	//     latency        0.59 × 1  35 ms observed
	//     free_capacity  0.08 × 2  32 of 400 cpus left after placing (tightest)
	//     cost           0.50 × 1  432.16 a month (cheapest paid; a free site can take it)
	//     locality       1.00 × 2  holds 1 of the 1 dataset(s) it reads
}
