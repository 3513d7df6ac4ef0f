package rank

import (
	"maps"
	"math"
	"slices"
)

// ledger is the working copy of quotas, shares, observed free capacity and
// usage for one Rank or PlaceAll call. Resources and groups are numbered so
// that the inner loop (every component on every site) indexes slices
// instead of hashing strings. A missing figure is NaN.
type ledger struct {
	res     map[string]int
	groups  map[string]int
	nres    int
	ngroups int
	// Indexed [site*nres + r], site being the position in siteIndex.sorted.
	quota, free, rec, plan []float64
	// Indexed [(site*ngroups+g)*nres + r].
	groupRec, groupPlan []float64
	// share is the fraction of each quota group g may use at a site,
	// indexed [site*ngroups + g]; NaN when no share applies.
	share []float64
}

// newLedger numbers the resources the components demand or the sites
// declare, and the components' groups, and copies the usage in.
func newLedger(idx *siteIndex, cs []Component, u *Usage) *ledger {
	l := &ledger{res: map[string]int{}, groups: map[string]int{"": 0}}
	addRes := func(name string) {
		if _, ok := l.res[name]; !ok {
			l.res[name] = len(l.res)
		}
	}
	for i := range cs {
		for _, name := range sortedPositiveKeys(cs[i].Demand) {
			addRes(name)
		}
		if _, ok := l.groups[cs[i].Group]; !ok {
			l.groups[cs[i].Group] = len(l.groups)
		}
	}
	for _, si := range idx.sorted {
		for _, name := range slices.Sorted(maps.Keys(si.site.SLA)) {
			addRes(name)
		}
		if si.fresh {
			for _, name := range slices.Sorted(maps.Keys(si.site.Metrics.Free)) {
				addRes(name)
			}
		}
	}
	l.nres, l.ngroups = len(l.res), len(l.groups)
	n := len(idx.sorted)
	l.quota = nanSlice(n * l.nres)
	l.free = nanSlice(n * l.nres)
	l.rec = make([]float64, n*l.nres)
	l.plan = make([]float64, n*l.nres)
	l.groupRec = make([]float64, n*l.ngroups*l.nres)
	l.groupPlan = make([]float64, n*l.ngroups*l.nres)
	l.share = nanSlice(n * l.ngroups)
	for i, si := range idx.sorted {
		s := si.site
		for name, q := range s.SLA {
			l.quota[i*l.nres+l.res[name]] = q
		}
		if si.fresh {
			for name, f := range s.Metrics.Free {
				l.free[i*l.nres+l.res[name]] = f
			}
		}
		star, hasStar := s.Shares["*"]
		for g, gi := range l.groups {
			if v, ok := s.Shares[g]; ok && g != "" {
				l.share[i*l.ngroups+gi] = v
			} else if hasStar {
				l.share[i*l.ngroups+gi] = star
			}
		}
		su := u.sites[s.Name]
		if su == nil {
			continue
		}
		for name, r := range l.res {
			l.rec[i*l.nres+r] = su.recorded[name]
			l.plan[i*l.nres+r] = su.planned[name]
			for g, gi := range l.groups {
				k := (i*l.ngroups+gi)*l.nres + r
				l.groupRec[k] = su.groupRecorded[groupKey{g, name}]
				l.groupPlan[k] = su.groupPlanned[groupKey{g, name}]
			}
		}
	}
	return l
}

// place counts a component's demand as placed on site i by this plan.
func (l *ledger) place(i, g int, demand []demandItem, onlyGrowth bool) {
	for _, it := range demand {
		d := it.d
		if onlyGrowth {
			d = it.d - it.self
			if d <= 0 {
				continue
			}
		}
		l.plan[i*l.nres+it.r] += d
		l.groupPlan[(i*l.ngroups+g)*l.nres+it.r] += d
	}
}

// demandItem is one demanded resource of a component.
type demandItem struct {
	name string
	r    int     // resource index in the ledger
	d    float64 // amount demanded
	self float64 // amount recorded for it where it is now
}

func (l *ledger) demand(c *Component) []demandItem {
	keys := sortedPositiveKeys(c.Demand)
	out := make([]demandItem, len(keys))
	for i, k := range keys {
		out[i] = demandItem{name: k, r: l.res[k], d: c.Demand[k], self: selfDemand(c, k)}
	}
	return out
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}
