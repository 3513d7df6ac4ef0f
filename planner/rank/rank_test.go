package rank_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/planner/rank"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	GiB = 1 << 30
	TiB = 1 << 40
)

// observed returns fresh metrics (one minute old, 15 minute limit).
func observed(avail, latencyMS float64) *rank.Metrics {
	return &rank.Metrics{
		Source:          "test",
		Availability:    avail,
		HasAvailability: true,
		LatencyMS:       latencyMS,
		HasLatency:      true,
		ObservedAt:      now.Add(-time.Minute),
		MaxAge:          15 * time.Minute,
	}
}

// site returns a site with an SLA of cpus and memory, promised
// availability 0.99 and no metrics.
func site(name, loc string, cpus float64) rank.Site {
	return rank.Site{
		Name:         name,
		Location:     loc,
		SLA:          map[string]float64{"cpus": cpus, "memory": 1 * TiB},
		Availability: 0.99,
	}
}

func with(s rank.Site, f func(*rank.Site)) rank.Site { f(&s); return s }

func comp(addr string, cpus float64) rank.Component {
	return rank.Component{Addr: addr, Demand: map[string]float64{"cpus": cpus}}
}

type rankCase struct {
	name  string
	sites []rank.Site
	// record fills the usage the recorded state already has.
	record func(*rank.Usage)
	// comps are placed with PlaceAll; the last one's ranking is checked.
	comps []rank.Component
	w     rank.Weights

	chosen  string
	copies  []string // when set, the chosen copies
	outcome rank.Outcome
	order   []string // when set, the sites of Scored in order
	// rejected maps a site to the exact reasons it must be rejected with.
	rejected map[string][]string
	// notes maps a site to a substring of one of its notes.
	notes map[string]string
	// parts maps "site/criterion" to a substring of the part's note.
	parts  map[string]string
	reason string // substring of Ranking.Reason
	check  func(t *testing.T, r rank.Ranking)
}

func TestRank(t *testing.T) {
	cases := []rankCase{
		{
			name:    "identical sites tie and the tie is broken by name",
			sites:   []rank.Site{site("b", "IT", 100), site("c", "IT", 100), site("a", "IT", 100)},
			comps:   []rank.Component{comp("deployment.x", 4)},
			chosen:  "a",
			outcome: rank.OutcomePlaced,
			order:   []string{"a", "b", "c"},
			check: func(t *testing.T, r rank.Ranking) {
				if r.Scored[0].Score != r.Scored[1].Score {
					t.Errorf("scores differ: %v vs %v", r.Scored[0].Score, r.Scored[1].Score)
				}
			},
		},
		{
			name: "observed availability and latency decide between equal sites",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.99, 80) }),
				with(site("b", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.9999, 10) }),
			},
			comps:  []rank.Component{comp("deployment.x", 4)},
			chosen: "b",
			order:  []string{"b", "a"},
			parts: map[string]string{
				"b/availability": "99.99% observed (4 nines)",
				"b/latency":      "10 ms observed",
			},
		},
		{
			name:  "capacity exhausted by the recorded state",
			sites: []rank.Site{site("cnaf", "IT", 400), site("bari", "IT", 100)},
			record: func(u *rank.Usage) {
				u.Record("cnaf", "", map[string]float64{"cpus": 398})
			},
			comps:    []rank.Component{comp("deployment.x", 4)},
			chosen:   "bari",
			rejected: map[string][]string{"cnaf": {"needs 4 cpus, 2 left under the SLA (400 - 398 used)"}},
		},
		{
			name:  "capacity exhausted by earlier components of the same plan",
			sites: []rank.Site{site("cnaf", "IT", 400), site("bari", "IT", 100)},
			record: func(u *rank.Usage) {
				u.Record("cnaf", "", map[string]float64{"cpus": 100})
			},
			// Placed by address: a and b fill cnaf, c goes to bari.
			comps:  []rank.Component{comp("deployment.c", 100), comp("deployment.a", 150), comp("deployment.b", 150)},
			chosen: "bari",
			rejected: map[string][]string{"cnaf": {
				"needs 100 cpus, 0 left under the SLA (400 - 400 used: 100 in state, 300 earlier in this plan)",
			}},
		},
		{
			name:     "an SLA without a quota for a demanded resource grants none",
			sites:    []rank.Site{site("bari", "IT", 100), with(site("cnaf", "IT", 100), func(s *rank.Site) { s.SLA["gpus"] = 8 })},
			comps:    []rank.Component{{Addr: "deployment.ml", Demand: map[string]float64{"gpus": 1, "memory": 8 * GiB}}},
			chosen:   "cnaf",
			rejected: map[string][]string{"bari": {"needs 1 gpus; the SLA grants none"}},
			parts:    map[string]string{"cnaf/free_capacity": "7 of 8 gpus left after placing (tightest)"},
		},
		{
			name: "a site without an SLA is not capacity-checked",
			sites: []rank.Site{{Name: "laptop", Location: "IT"},
				with(site("small", "IT", 2), func(s *rank.Site) {})},
			comps:    []rank.Component{comp("deployment.x", 64)},
			chosen:   "laptop",
			rejected: map[string][]string{"small": {"needs 64 cpus, 2 left under the SLA (2 - 0 used)"}},
			parts:    map[string]string{"laptop/free_capacity": "unknown"},
		},
		{
			name: "a group may not use more than its share",
			sites: []rank.Site{
				with(site("cnaf", "IT", 400), func(s *rank.Site) { s.Shares = map[string]float64{"cms": 0.25, "atlas": 0.75} }),
				site("bari", "IT", 100),
			},
			record: func(u *rank.Usage) {
				u.Record("cnaf", "cms", map[string]float64{"cpus": 98})
				u.Record("cnaf", "atlas", map[string]float64{"cpus": 10})
			},
			comps: []rank.Component{func() rank.Component { c := comp("deployment.x", 4); c.Group = "cms"; return c }()},
			rejected: map[string][]string{"cnaf": {
				"group cms may use 25% of the SLA's 400 cpus (100); 98 used, needs 4",
			}},
			chosen: "bari",
		},
		{
			name: "the * share applies to groups not listed",
			sites: []rank.Site{
				with(site("cnaf", "IT", 400), func(s *rank.Site) { s.Shares = map[string]float64{"cms": 0.5, "*": 0.01} }),
				site("bari", "IT", 100),
			},
			comps: []rank.Component{func() rank.Component { c := comp("deployment.x", 8); c.Group = "lhcb"; return c }()},
			rejected: map[string][]string{"cnaf": {
				"group lhcb may use 1% of the SLA's 400 cpus (4); 0 used, needs 8",
			}},
			chosen: "bari",
		},
		{
			name: "missing metrics are said and fall back to the promised availability",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) { s.Availability = 0.999 }),
				with(site("b", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.999, 50) }),
			},
			comps:  []rank.Component{comp("deployment.x", 1)},
			chosen: "b", // same availability, but b's latency is known
			notes:  map[string]string{"a": "no metrics source"},
			parts: map[string]string{
				"a/availability": "99.9% promised by the SLA (3 nines)",
				"a/latency":      "unknown (no metrics source): counts as 0",
				"b/latency":      "50 ms observed",
			},
		},
		{
			name: "stale metrics do not contribute and the note says so",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) {
					s.Metrics = observed(0.99999, 1)
					s.Metrics.ObservedAt = now.Add(-2 * time.Hour)
				}),
				with(site("b", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.999, 20) }),
			},
			comps:  []rank.Component{comp("deployment.x", 1)},
			chosen: "b",
			notes:  map[string]string{"a": "metrics stale: observed 2h0m0s ago, max age 15m0s; observed figures not used"},
			parts: map[string]string{
				"a/availability": "99% promised by the SLA; metrics stale",
				"a/latency":      "unknown (metrics stale",
			},
		},
		{
			name: "metrics marked stale by the reader are not used either",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) {
					s.Metrics = observed(0.99999, 1)
					s.Metrics.MaxAge = 0
					s.Metrics.Stale = true
				}),
				with(site("b", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.999, 20) }),
			},
			comps:  []rank.Component{comp("deployment.x", 1)},
			chosen: "b",
			notes:  map[string]string{"a": "metrics stale: observed 1m0s ago"},
		},
		{
			name: "fresh metrics saying the site is down reject it",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.9999, 5); s.Metrics.Down = true }),
				site("b", "IT", 100),
			},
			comps:    []rank.Component{comp("deployment.x", 1)},
			chosen:   "b",
			rejected: map[string][]string{"a": {"monitoring says the site is down"}},
		},
		{
			name: "stale metrics saying the site is down are not believed",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) {
					s.Metrics = observed(0.9999, 5)
					s.Metrics.Down = true
					s.Metrics.ObservedAt = now.Add(-time.Hour)
				}),
			},
			comps:  []rank.Component{comp("deployment.x", 1)},
			chosen: "a",
			notes:  map[string]string{"a": "metrics stale"},
		},
		{
			name: "metrics that could not be read are said, not used",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) {
					s.Metrics = &rank.Metrics{Source: "http://mon/a", Err: "GET http://mon/a: 500 Internal Server Error"}
				}),
			},
			comps:  []rank.Component{comp("deployment.x", 1)},
			chosen: "a",
			notes:  map[string]string{"a": "metrics unavailable (GET http://mon/a: 500 Internal Server Error); observed figures not used"},
		},
		{
			name: "fresh observed free capacity below the demand rejects the site",
			sites: []rank.Site{
				with(site("a", "IT", 400), func(s *rank.Site) {
					s.Metrics = observed(0.999, 5)
					s.Metrics.Free = map[string]float64{"cpus": 2, "memory": 64 * GiB}
				}),
				site("b", "IT", 100),
			},
			comps:    []rank.Component{{Addr: "deployment.x", Demand: map[string]float64{"cpus": 4, "memory": 128 * GiB}}},
			chosen:   "b",
			rejected: map[string][]string{"a": {"needs 4 cpus, monitoring shows 2 free", "needs 128GiB memory, monitoring shows 64GiB free"}},
		},
		{
			name: "all candidates filtered out, each with its reasons",
			sites: []rank.Site{
				with(site("a", "DE", 100), func(s *rank.Site) { s.Capabilities = []string{"gpu"} }),
				site("b", "IT", 2),
				site("other", "IT", 1000),
			},
			comps: []rank.Component{{
				Addr: "deployment.x", Candidates: []string{"a", "b", "gone"},
				Demand: map[string]float64{"cpus": 4}, Capabilities: []string{"gpu", "infiniband"}, Locations: []string{"it"},
			}},
			chosen:  "",
			outcome: rank.OutcomeUnplaced,
			order:   []string{"a", "b", "gone"},
			rejected: map[string][]string{
				"a":    {"lacks capability infiniband", "location DE is not allowed (allowed: it)"},
				"b":    {"lacks capabilities gpu, infiniband", "needs 4 cpus, 2 left under the SLA (2 - 0 used)"},
				"gone": {`no site is named "gone"`},
			},
			reason: "no candidate site can take it",
		},
		{
			name:   "only candidates are ranked",
			sites:  []rank.Site{site("a", "IT", 100), site("b", "IT", 100), site("c", "IT", 100)},
			comps:  []rank.Component{{Addr: "deployment.x", Candidates: []string{"c", "b"}}},
			chosen: "b",
			order:  []string{"b", "c"},
		},
		{
			name: "a preference outweighs better metrics",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.9999, 5) }),
				with(site("b", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.99, 40) }),
			},
			comps:  []rank.Component{{Addr: "deployment.x", Prefer: []string{"b"}}},
			chosen: "b",
			parts:  map[string]string{"b/preference": "1st of 1 preferred", "a/preference": "not preferred"},
		},
		{
			name:   "the first preference counts more than the second",
			sites:  []rank.Site{site("a", "IT", 100), site("b", "IT", 100), site("c", "IT", 100)},
			comps:  []rank.Component{{Addr: "deployment.x", Prefer: []string{"c", "b"}}},
			order:  []string{"c", "b", "a"},
			chosen: "c",
			check: func(t *testing.T, r rank.Ranking) {
				p, _ := r.Find("b").Part(rank.Preference)
				if p.Normalized != 0.5 {
					t.Errorf("second preference normalised to %v, want 0.5", p.Normalized)
				}
			},
		},
		{
			name:   "without preferences the criterion does not apply",
			sites:  []rank.Site{site("a", "IT", 100)},
			comps:  []rank.Component{comp("deployment.x", 1)},
			chosen: "a",
			parts:  map[string]string{"a/preference": "does not apply: no preference given"},
			check: func(t *testing.T, r rank.Ranking) {
				p, _ := r.Find("a").Part(rank.Preference)
				if p.Weight != 0 {
					t.Errorf("preference weight %v, want 0", p.Weight)
				}
			},
		},
		{
			name: "data locality: the site holding the data, then its neighbours",
			sites: []rank.Site{
				site("bari", "IT", 100), site("cnaf", "IT", 100), site("desy", "DE", 100), site("kit", "DE", 100),
			},
			comps:  []rank.Component{{Addr: "deployment.x", Near: []string{"desy"}}},
			order:  []string{"desy", "kit", "bari", "cnaf"},
			chosen: "desy",
			parts: map[string]string{
				"desy/locality": "holds 1 of the 1 dataset(s) it reads",
				"kit/locality":  "holds 0 of the 1 dataset(s) it reads, 1 more in DE",
				"bari/locality": "holds none of the 1 dataset(s) it reads",
			},
		},
		{
			name: "the cheaper site wins when all else is equal",
			sites: []rank.Site{
				with(site("aws", "IE", 100), func(s *rank.Site) { s.Cost = map[string]float64{"cpu_hour": 0.05} }),
				with(site("cnaf", "IT", 100), func(s *rank.Site) { s.Cost = map[string]float64{"cpu_hour": 0.0125} }),
			},
			comps:  []rank.Component{comp("deployment.x", 2)},
			chosen: "cnaf",
			parts: map[string]string{
				"cnaf/cost": "18.25 a month (cheapest)",
				"aws/cost":  "73 a month (cheapest is 18.25)",
			},
			check: func(t *testing.T, r rank.Ranking) {
				p, _ := r.Find("aws").Part(rank.Cost)
				if p.Normalized != 0.25 {
					t.Errorf("aws cost normalised to %v, want 0.25", p.Normalized)
				}
			},
		},
		{
			name: "a free site can take it: paid sites score at most half on cost",
			sites: []rank.Site{
				with(site("aws", "IE", 100), func(s *rank.Site) { s.Cost = map[string]float64{"cpu_hour": 0.05} }),
				with(site("cnaf", "IT", 100), func(s *rank.Site) { s.Cost = map[string]float64{"cpu_hour": 0.0125} }),
				site("campus", "IT", 100),
			},
			comps:  []rank.Component{comp("deployment.x", 2)},
			chosen: "campus",
			order:  []string{"campus", "cnaf", "aws"},
			parts: map[string]string{
				"campus/cost": "declares no price: treated as free",
				"cnaf/cost":   "18.25 a month (cheapest paid; a free site can take it)",
				"aws/cost":    "73 a month (cheapest paid is 18.25; a free site can take it)",
			},
			check: func(t *testing.T, r rank.Ranking) {
				for site, want := range map[string]float64{"campus": 1, "cnaf": 0.5, "aws": 0.125} {
					if p, _ := r.Find(site).Part(rank.Cost); p.Normalized != want {
						t.Errorf("%s cost normalised to %v, want %v", site, p.Normalized, want)
					}
				}
			},
		},
		{
			name: "per-component weights: only cost counts",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) {
					s.Metrics = observed(0.99999, 1)
					s.Cost = map[string]float64{"cpu_hour": 1}
				}),
				with(site("b", "IT", 100), func(s *rank.Site) { s.Cost = map[string]float64{"cpu_hour": 0.5} }),
			},
			comps: []rank.Component{func() rank.Component {
				c := comp("deployment.x", 1)
				c.Weights = &rank.Weights{Cost: 1}
				return c
			}()},
			chosen: "b",
		},
		{
			name: "a placed component stays put when another site is now better",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.99999, 1) }),
				with(site("b", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.99, 90) }),
			},
			record: func(u *rank.Usage) { u.Record("b", "", map[string]float64{"cpus": 4}) },
			comps: []rank.Component{func() rank.Component {
				c := comp("deployment.x", 4)
				c.Current = "b"
				return c
			}()},
			chosen:  "b",
			outcome: rank.OutcomeKept,
			order:   []string{"a", "b"},
			reason:  "kept on b: already there and still meets every constraint; best-ranked now is a",
		},
		{
			name:  "a placed component's own demand is not counted twice",
			sites: []rank.Site{site("a", "IT", 100), site("b", "IT", 8)},
			record: func(u *rank.Usage) {
				u.Record("b", "", map[string]float64{"cpus": 8}) // itself: the site is full
			},
			comps: []rank.Component{func() rank.Component {
				c := comp("deployment.x", 8)
				c.Current = "b"
				return c
			}()},
			chosen:  "b",
			outcome: rank.OutcomeKept,
		},
		{
			name: "a placed component moves when its site is rejected",
			sites: []rank.Site{
				site("a", "IT", 100),
				with(site("b", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.99, 5); s.Metrics.Down = true }),
			},
			comps: []rank.Component{func() rank.Component {
				c := comp("deployment.x", 4)
				c.Current = "b"
				return c
			}()},
			chosen:   "a",
			outcome:  rank.OutcomeMoved,
			reason:   "moved from b (b: monitoring says the site is down) to a",
			rejected: map[string][]string{"b": {"monitoring says the site is down"}},
		},
		{
			name:  "a component whose site was removed moves",
			sites: []rank.Site{site("a", "IT", 100)},
			comps: []rank.Component{func() rank.Component {
				c := comp("deployment.x", 4)
				c.Current = "old"
				return c
			}()},
			chosen:  "a",
			outcome: rank.OutcomeMoved,
			reason:  "moved from old (site old no longer exists) to a",
		},
		{
			name:  "a grown demand that no longer fits moves the component",
			sites: []rank.Site{site("a", "IT", 100), site("b", "IT", 10)},
			record: func(u *rank.Usage) {
				u.Record("b", "", map[string]float64{"cpus": 8})
			},
			comps: []rank.Component{func() rank.Component {
				c := comp("deployment.x", 12)
				c.Current = "b"
				c.CurrentDemand = map[string]float64{"cpus": 8}
				return c
			}()},
			chosen:   "a",
			outcome:  rank.OutcomeMoved,
			rejected: map[string][]string{"b": {"needs 12 cpus, 10 left under the SLA (10 - 0 used)"}},
		},
		{
			name: "copies are spread over the allowed locations",
			sites: []rank.Site{
				with(site("bari", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.9999, 5) }),
				with(site("cnaf", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.9999, 4) }),
				with(site("desy", "DE", 100), func(s *rank.Site) { s.Metrics = observed(0.99, 30) }),
				with(site("ral", "UK", 100), func(s *rank.Site) { s.Metrics = observed(0.9999, 1) }),
			},
			comps: []rank.Component{{
				Addr: "storage.archive", Copies: 2, Locations: []string{"IT", "DE"},
				Demand: map[string]float64{"memory": GiB},
			}},
			chosen:   "cnaf",
			copies:   []string{"cnaf", "desy"},
			outcome:  rank.OutcomePlaced,
			order:    []string{"cnaf", "bari", "desy", "ral"},
			rejected: map[string][]string{"ral": {"location UK is not allowed (allowed: IT, DE)"}},
		},
		{
			name:  "fewer sites than copies is a partial placement",
			sites: []rank.Site{site("a", "IT", 100), site("b", "DE", 100), site("c", "FR", 1)},
			comps: []rank.Component{{
				Addr: "storage.archive", Copies: 3, Demand: map[string]float64{"cpus": 2},
			}},
			copies:  []string{"a", "b"},
			chosen:  "a",
			outcome: rank.OutcomePartial,
			reason:  "only 2 of 3 copies can be placed",
		},
		{
			name:  "copies whose sites all fail the constraints are unplaced, naming the old sites",
			sites: []rank.Site{site("a", "IT", 100), site("b", "DE", 100), site("c", "FR", 100)},
			comps: []rank.Component{{
				Addr: "storage.archive", Copies: 2, Demand: map[string]float64{"cpus": 2},
				Capabilities: []string{"tape"}, CurrentCopies: []string{"a", "c"},
			}},
			check: func(t *testing.T, r rank.Ranking) {
				// No site has tape: every copy is unplaced.
				if r.Outcome != rank.OutcomeUnplaced || len(r.Copies) != 0 {
					t.Errorf("got %s %v, want unplaced", r.Outcome, r.Copies)
				}
				if !strings.Contains(r.Reason, "was on a, c") {
					t.Errorf("reason %q does not name the old copies", r.Reason)
				}
			},
		},
		{
			name: "a copy on a site that went down moves, the other stays",
			sites: []rank.Site{
				site("a", "IT", 100),
				with(site("b", "DE", 100), func(s *rank.Site) { s.Metrics = observed(0.9, 5); s.Metrics.Down = true }),
				site("c", "FR", 100),
				site("d", "DE", 100),
			},
			comps: []rank.Component{{
				Addr: "storage.archive", Copies: 2, Demand: map[string]float64{"cpus": 2},
				CurrentCopies: []string{"c", "b"},
			}},
			chosen:   "a",
			copies:   []string{"a", "c"},
			outcome:  rank.OutcomeMoved,
			rejected: map[string][]string{"b": {"monitoring says the site is down"}},
			reason:   "moved from b (b: monitoring says the site is down) to a; kept on c",
		},
		{
			name: "the zero Weights are the defaults",
			sites: []rank.Site{
				with(site("a", "IT", 100), func(s *rank.Site) { s.Metrics = observed(0.9999, 5) }),
				site("b", "IT", 100),
			},
			comps:  []rank.Component{comp("deployment.x", 1)},
			w:      rank.Weights{},
			chosen: "a",
			check: func(t *testing.T, r rank.Ranking) {
				p, _ := r.Find("a").Part(rank.Availability)
				if p.Weight != rank.DefaultWeights().Availability {
					t.Errorf("availability weight %v, want the default", p.Weight)
				}
			},
		},
		{
			name: "more headroom after placement scores higher",
			sites: []rank.Site{
				site("big", "IT", 1000), site("small", "IT", 10),
			},
			comps:  []rank.Component{comp("deployment.x", 8)},
			chosen: "big",
			parts: map[string]string{
				"big/free_capacity":   "992 of 1000 cpus left after placing",
				"small/free_capacity": "2 of 10 cpus left after placing",
			},
		},
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var u rank.Usage
			if tc.record != nil {
				tc.record(&u)
			}
			var r rank.Ranking
			if len(tc.comps) == 1 {
				r = rank.Rank(tc.comps[0], tc.sites, u, tc.w, now)
			} else {
				all := rank.PlaceAll(tc.comps, tc.sites, u, tc.w, now)
				r = all[0] // the component placed last is first in the input
			}
			checkRanking(t, tc, r)
		})
	}
}

func checkRanking(t *testing.T, tc rankCase, r rank.Ranking) {
	t.Helper()
	if tc.check == nil || tc.chosen != "" || tc.outcome != "" {
		if r.Chosen != tc.chosen {
			t.Errorf("chosen %q, want %q (reason: %s)", r.Chosen, tc.chosen, r.Reason)
		}
	}
	if tc.copies != nil && !slices.Equal(r.Copies, tc.copies) {
		t.Errorf("copies %v, want %v", r.Copies, tc.copies)
	}
	if tc.outcome != "" && r.Outcome != tc.outcome {
		t.Errorf("outcome %q, want %q (reason: %s)", r.Outcome, tc.outcome, r.Reason)
	}
	if tc.order != nil {
		var got []string
		for _, s := range r.Scored {
			got = append(got, s.Site)
		}
		if !slices.Equal(got, tc.order) {
			t.Errorf("order %v, want %v", got, tc.order)
		}
	}
	for name, want := range tc.rejected {
		s := r.Find(name)
		if s == nil {
			t.Errorf("site %s not in the ranking", name)
			continue
		}
		if !s.Rejected || !slices.Equal(s.Reasons, want) {
			t.Errorf("site %s: rejected=%v reasons %q, want %q", name, s.Rejected, s.Reasons, want)
		}
	}
	for _, s := range r.Scored {
		if _, ok := tc.rejected[s.Site]; !ok && s.Rejected && tc.rejected != nil {
			t.Errorf("site %s unexpectedly rejected: %q", s.Site, s.Reasons)
		}
	}
	for name, want := range tc.notes {
		s := r.Find(name)
		if s == nil || !slices.ContainsFunc(s.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("site %s: no note containing %q (notes: %q)", name, want, notesOf(s))
		}
	}
	for key, want := range tc.parts {
		name, crit, _ := strings.Cut(key, "/")
		s := r.Find(name)
		if s == nil {
			t.Errorf("site %s not in the ranking", name)
			continue
		}
		c, _ := rank.ParseCriterion(crit)
		p, ok := s.Part(c)
		if !ok || !strings.Contains(p.Note, want) {
			t.Errorf("%s: note %q, want it to contain %q", key, p.Note, want)
		}
	}
	if tc.reason != "" && !strings.Contains(r.Reason, tc.reason) {
		t.Errorf("reason %q, want it to contain %q", r.Reason, tc.reason)
	}
	checkInvariants(t, r)
	if tc.check != nil {
		tc.check(t, r)
	}
}

func notesOf(s *rank.Scored) []string {
	if s == nil {
		return nil
	}
	return s.Notes
}

// checkInvariants holds for every ranking: contributions add up to the
// score, scores are in [0,1], the order is by score then name, rejected
// sites have reasons and no parts.
func checkInvariants(t *testing.T, r rank.Ranking) {
	t.Helper()
	for i, s := range r.Scored {
		if s.Rejected {
			if len(s.Reasons) == 0 || s.Parts != nil || s.Score != 0 {
				t.Errorf("rejected %s: reasons %q, parts %v, score %v", s.Site, s.Reasons, s.Parts, s.Score)
			}
		} else {
			var sum float64
			for _, p := range s.Parts {
				if p.Normalized < 0 || p.Normalized > 1 {
					t.Errorf("%s/%s normalised to %v", s.Site, p.Criterion, p.Normalized)
				}
				sum += p.Contribution
			}
			if d := sum - s.Score; d > 1e-12 || d < -1e-12 || s.Score < 0 || s.Score > 1+1e-12 {
				t.Errorf("%s: score %v, contributions add up to %v", s.Site, s.Score, sum)
			}
		}
		if i > 0 {
			prev := r.Scored[i-1]
			ok := (!prev.Rejected && s.Rejected) ||
				(prev.Rejected == s.Rejected && (prev.Score > s.Score || prev.Score == s.Score && prev.Site < s.Site))
			if !ok {
				t.Errorf("%s (%v) before %s (%v)", prev.Site, prev.Score, s.Site, s.Score)
			}
		}
	}
	if r.Chosen != "" {
		if s := r.Find(r.Chosen); s == nil || s.Rejected {
			t.Errorf("chosen %s is not an accepted site", r.Chosen)
		}
	}
}

// Placing in stages with Usage.Placed gives what one PlaceAll gives.
func TestPlacingInStages(t *testing.T) {
	sites := []rank.Site{site("a", "IT", 100), site("b", "IT", 60)}
	grown := comp("deployment.c", 40)
	grown.Current, grown.CurrentDemand = "a", map[string]float64{"cpus": 10}
	cs := []rank.Component{comp("deployment.a", 50), comp("deployment.b", 30), grown}
	var u rank.Usage
	u.Record("a", "", map[string]float64{"cpus": 10})
	all := rank.PlaceAll(cs, sites, u, rank.Weights{}, now)

	staged := u.Clone()
	// PlaceAll's order: the placed component first, then by address.
	for _, i := range []int{2, 0, 1} {
		r := rank.PlaceAll(cs[i:i+1], sites, staged, rank.Weights{}, now)[0]
		staged.Placed(cs[i], r)
		if r.Chosen != all[i].Chosen || r.Outcome != all[i].Outcome {
			t.Errorf("%s: staged %s (%s), all at once %s (%s)", cs[i].Addr, r.Chosen, r.Outcome, all[i].Chosen, all[i].Outcome)
		}
	}
	got := []string{all[0].Chosen, all[1].Chosen, all[2].Chosen}
	// c stays on a and grows by 30 (40 used); deployment.a (50) leaves
	// more headroom on b; deployment.b (30) no longer fits on b.
	if want := []string{"b", "a", "a"}; !slices.Equal(got, want) {
		t.Errorf("chosen %v, want %v", got, want)
	}
	if staged.Planned("a", "cpus") != 60 || staged.Planned("b", "cpus") != 50 {
		t.Errorf("planned a=%v b=%v, want 60 and 50", staged.Planned("a", "cpus"), staged.Planned("b", "cpus"))
	}
}

// TestExcludedSites: sites an apply failed on (fallback) or where the
// component cannot be realised are ruled out with their reason; when none
// is left the outcome says so, with every site's reason, and no site is
// invented to stand for "none".
func TestExcludedSites(t *testing.T) {
	sites := []rank.Site{site("alpha", "IT", 10), site("beta", "IT", 10)}
	c := comp("deployment.web", 1)
	c.Excluded = map[string]string{"alpha": "failed on apply: port 18080 in use"}
	r := rank.Rank(c, sites, rank.Usage{}, rank.Weights{}, now)
	if r.Chosen != "beta" || r.Outcome != rank.OutcomePlaced {
		t.Fatalf("one site excluded: chose %q (%s)", r.Chosen, r.Outcome)
	}
	if a := r.Find("alpha"); a == nil || !a.Rejected || !slices.Contains(a.Reasons, "failed on apply: port 18080 in use") {
		t.Errorf("alpha: %+v", a)
	}

	c.Excluded["beta"] = "failed on apply: port 18080 in use"
	r = rank.Rank(c, sites, rank.Usage{}, rank.Weights{}, now)
	if r.Chosen != "" || len(r.Copies) != 0 || r.Outcome != rank.OutcomeUnplaced {
		t.Fatalf("every site excluded: chose %q, copies %v, outcome %s", r.Chosen, r.Copies, r.Outcome)
	}
	if len(r.Scored) != 2 {
		t.Fatalf("scored %d sites, want both with their reasons", len(r.Scored))
	}
	for _, s := range r.Scored {
		if !s.Rejected || len(s.Reasons) == 0 || !strings.HasPrefix(s.Reasons[0], "failed on apply") {
			t.Errorf("site %s: %+v", s.Site, s)
		}
	}
}
