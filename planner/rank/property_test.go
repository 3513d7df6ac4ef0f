package rank_test

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/planner/rank"
)

// gen draws random but valid inputs from a fixed seed, so a failure is
// reproducible: the seed and iteration are in the test name.
type gen struct{ r *rand.Rand }

var (
	locations    = []string{"IT", "DE", "FR", ""}
	capabilities = []string{"gpu", "tape", "infiniband"}
	groups       = []string{"", "cms", "atlas"}
)

func (g gen) pick(list []string) string { return list[g.r.Intn(len(list))] }

func (g gen) subset(list []string) []string {
	var out []string
	for _, v := range list {
		if g.r.Intn(2) == 0 {
			out = append(out, v)
		}
	}
	return out
}

func (g gen) site(name string) rank.Site {
	s := rank.Site{Name: name, Location: g.pick(locations), Capabilities: g.subset(capabilities)}
	if g.r.Intn(10) > 0 {
		s.SLA = map[string]float64{
			"cpus":   float64(10 + g.r.Intn(500)),
			"memory": float64(1+g.r.Intn(64)) * GiB,
		}
		if g.r.Intn(3) == 0 {
			s.SLA["gpus"] = float64(g.r.Intn(8))
		}
	}
	if g.r.Intn(2) == 0 {
		s.Availability = 0.9 + 0.099*g.r.Float64()
	}
	if g.r.Intn(3) == 0 {
		s.Shares = map[string]float64{"cms": g.r.Float64(), "*": g.r.Float64()}
	}
	if g.r.Intn(2) == 0 {
		s.Cost = map[string]float64{"cpu_hour": 0.01 * float64(1+g.r.Intn(10)), "memory_gb_hour": 0.001}
	}
	switch g.r.Intn(5) {
	case 0: // no metrics
	case 1:
		s.Metrics = &rank.Metrics{Err: "connection refused"}
	default:
		m := observed(0.95+0.0499*g.r.Float64(), float64(g.r.Intn(200)))
		if g.r.Intn(4) == 0 {
			m.ObservedAt = now.Add(-time.Hour) // stale
		}
		if g.r.Intn(10) == 0 {
			m.Down = true
		}
		if g.r.Intn(2) == 0 {
			m.Free = map[string]float64{"cpus": float64(g.r.Intn(300))}
		}
		s.Metrics = m
	}
	return s
}

func (g gen) sites() []rank.Site {
	n := 2 + g.r.Intn(12)
	out := make([]rank.Site, n)
	for i := range out {
		out[i] = g.site(fmt.Sprintf("s%02d", i))
	}
	return out
}

func (g gen) component(addr string, sites []rank.Site) rank.Component {
	var names []string
	for _, s := range sites {
		names = append(names, s.Name)
	}
	c := rank.Component{
		Addr:   addr,
		Demand: map[string]float64{"cpus": float64(1 + g.r.Intn(40)), "memory": float64(g.r.Intn(8)) * GiB},
		Group:  g.pick(groups),
	}
	if g.r.Intn(3) == 0 {
		c.Candidates = g.subset(names)
	}
	if g.r.Intn(2) == 0 {
		c.Prefer = g.subset(names)
		g.r.Shuffle(len(c.Prefer), func(i, j int) { c.Prefer[i], c.Prefer[j] = c.Prefer[j], c.Prefer[i] })
	}
	if g.r.Intn(4) == 0 {
		c.Locations = []string{g.pick(locations[:3])}
	}
	if g.r.Intn(5) == 0 {
		c.Capabilities = []string{g.pick(capabilities)}
	}
	if g.r.Intn(2) == 0 {
		c.Near = []string{g.pick(names), g.pick(names)}
	}
	if g.r.Intn(4) == 0 {
		w, _ := rank.DefaultWeights().With(map[string]float64{"cost": float64(g.r.Intn(5)), "latency": float64(g.r.Intn(5))})
		c.Weights = &w
	}
	return c
}

func (g gen) usage(sites []rank.Site) rank.Usage {
	var u rank.Usage
	for _, s := range sites {
		if g.r.Intn(2) == 0 {
			u.Record(s.Name, g.pick(groups), map[string]float64{"cpus": float64(g.r.Intn(300)), "memory": float64(g.r.Intn(16)) * GiB})
		}
	}
	return u
}

func shuffled[T any](r *rand.Rand, in []T) []T {
	out := slices.Clone(in)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

const propertyRuns = 400

func TestRankIsDeterministicAndIgnoresSiteOrder(t *testing.T) {
	g := gen{rand.New(rand.NewSource(7))}
	for i := 0; i < propertyRuns; i++ {
		sites := g.sites()
		c := g.component("deployment.x", sites)
		u := g.usage(sites)
		first := rank.Rank(c, sites, u, rank.DefaultWeights(), now)
		again := rank.Rank(c, sites, u, rank.DefaultWeights(), now)
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d: same inputs, different rankings:\n%+v\n%+v", i, first, again)
		}
		other := rank.Rank(c, shuffled(g.r, sites), u, rank.DefaultWeights(), now)
		if !reflect.DeepEqual(first, other) {
			t.Fatalf("run %d: shuffling the sites changed the ranking:\n%+v\n%+v", i, first, other)
		}
		checkInvariants(t, first)
	}
}

// worseThan returns a site no better than w on any soft criterion: same
// location, quotas and observed free capacity, more used, lower
// availability, higher latency, higher prices, not preferred, holding no
// data. Its name sorts last, so a tie goes against it too.
func worseThan(w rank.Site, u *rank.Usage) rank.Site {
	s := w
	s.Name = "zz-worse"
	s.Availability = w.Availability / 2
	if w.Metrics != nil {
		m := *w.Metrics
		m.Availability /= 2
		m.LatencyMS = 2*m.LatencyMS + 10
		s.Metrics = &m
	}
	s.Cost = map[string]float64{"cpu_hour": 1}
	for k, v := range w.Cost {
		s.Cost[k] += 2 * v
	}
	for res := range w.SLA {
		u.Record(s.Name, "", map[string]float64{res: u.Recorded(w.Name, res) + 1})
	}
	return s
}

func TestAddingAWorseSiteNeverChangesTheWinner(t *testing.T) {
	g := gen{rand.New(rand.NewSource(11))}
	tested := 0
	for i := 0; i < propertyRuns; i++ {
		sites := g.sites()
		c := g.component("deployment.x", sites)
		u := g.usage(sites)
		before := rank.Rank(c, sites, u, rank.DefaultWeights(), now)
		if before.Chosen == "" {
			continue
		}
		tested++
		var winner rank.Site
		for _, s := range sites {
			if s.Name == before.Chosen {
				winner = s
			}
		}
		worse := worseThan(winner, &u)
		if len(c.Candidates) > 0 {
			c.Candidates = append(slices.Clone(c.Candidates), worse.Name)
		}
		after := rank.Rank(c, append(slices.Clone(sites), worse), u, rank.DefaultWeights(), now)
		if after.Chosen != before.Chosen {
			t.Fatalf("run %d: adding %+v changed the winner from %s to %s", i, worse, before.Chosen, after.Chosen)
		}
		// No other site's result changes either.
		for _, s := range before.Scored {
			if got := after.Find(s.Site); got == nil || !reflect.DeepEqual(*got, s) {
				t.Fatalf("run %d: %s changed:\n%+v\n%+v", i, s.Site, s, got)
			}
		}
	}
	if tested < propertyRuns/2 {
		t.Fatalf("only %d of %d runs had a winner: the generator is too strict", tested, propertyRuns)
	}
}

func TestPlaceAllIgnoresInputOrder(t *testing.T) {
	g := gen{rand.New(rand.NewSource(13))}
	for i := 0; i < propertyRuns/4; i++ {
		sites := g.sites()
		cs := make([]rank.Component, 2+g.r.Intn(20))
		for j := range cs {
			cs[j] = g.component(fmt.Sprintf("deployment.c%02d", j), sites)
			if g.r.Intn(5) == 0 {
				cs[j].Current = g.pick([]string{sites[0].Name, sites[1].Name, "gone"})
			}
		}
		u := g.usage(sites)
		first := rank.PlaceAll(cs, sites, u, rank.DefaultWeights(), now)
		perm := g.r.Perm(len(cs))
		shuffledCs := make([]rank.Component, len(cs))
		for j, p := range perm {
			shuffledCs[j] = cs[p]
		}
		second := rank.PlaceAll(shuffledCs, shuffled(g.r, sites), u, rank.DefaultWeights(), now)
		for j, p := range perm {
			if !reflect.DeepEqual(second[j], first[p]) {
				t.Fatalf("run %d: %s placed differently when the input order changed:\n%+v\n%+v", i, cs[p].Addr, first[p], second[j])
			}
		}
	}
}
