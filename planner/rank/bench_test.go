package rank_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/indigo-cloud/indigo/planner/rank"
)

// benchInputs builds n components over m sites, about half of them with
// fresh metrics, prices and group shares, and components asking for
// preferences, data locality and the occasional pair of copies.
func benchInputs(n, m int) ([]rank.Component, []rank.Site, rank.Usage) {
	g := gen{rand.New(rand.NewSource(1))}
	sites := make([]rank.Site, m)
	for i := range sites {
		s := g.site(fmt.Sprintf("site%03d", i))
		s.SLA = map[string]float64{"cpus": 5000, "memory": 20 * TiB}
		sites[i] = s
	}
	cs := make([]rank.Component, n)
	for i := range cs {
		c := g.component(fmt.Sprintf("deployment.d%04d", i), sites)
		c.Candidates = nil
		c.Capabilities = nil
		if i%10 == 0 {
			c.Copies = 2
		}
		cs[i] = c
	}
	return cs, sites, g.usage(sites)
}

func BenchmarkPlaceAll1000x100(b *testing.B) {
	cs, sites, u := benchInputs(1000, 100)
	b.ReportAllocs()
	b.ResetTimer()
	placed := 0
	for b.Loop() {
		rs := rank.PlaceAll(cs, sites, u, rank.DefaultWeights(), now)
		placed = 0
		for _, r := range rs {
			if r.Chosen != "" {
				placed++
			}
		}
	}
	b.ReportMetric(float64(placed), "placed")
}

func BenchmarkRank100(b *testing.B) {
	cs, sites, u := benchInputs(1, 100)
	b.ReportAllocs()
	for b.Loop() {
		rank.Rank(cs[0], sites, u, rank.DefaultWeights(), now)
	}
}
