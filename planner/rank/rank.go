package rank

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Rank scores the sites for component c. sites are every site of the
// configuration (names unique); usage is what the recorded state and the
// plan so far place on them; w are the weights (c.Weights, when set, take
// their place); now is the time metrics freshness is judged against.
func Rank(c Component, sites []Site, usage Usage, w Weights, now time.Time) Ranking {
	idx := newSiteIndex(sites, now)
	l := newLedger(idx, []Component{c}, &usage)
	return rankWith(newComponentContext(&c, l, idx), w, &scratch{})
}

// PlaceAll ranks and places every component in turn, each one consuming
// capacity on the site(s) it is given so that later components see what is
// left. The order is deterministic and independent of the order of cs:
// components already placed somewhere (Current or CurrentCopies) first, so
// that what runs keeps its room, then the others; within each group by
// address. The result is in the order of cs. usage is not changed. The
// rankings may share the backing arrays of site notes: treat them as
// read-only.
//
// A component that moves keeps its old site's capacity counted until the
// next plan: a plan never relies on room that only an apply will free.
func PlaceAll(cs []Component, sites []Site, usage Usage, w Weights, now time.Time) []Ranking {
	idx := newSiteIndex(sites, now)
	l := newLedger(idx, cs, &usage)
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := &cs[order[i]], &cs[order[j]]
		pa, pb := isPlaced(a), isPlaced(b)
		if pa != pb {
			return pa
		}
		return a.Addr < b.Addr
	})
	out := make([]Ranking, len(cs))
	sc := &scratch{}
	for _, i := range order {
		x := newComponentContext(&cs[i], l, idx)
		r := rankWith(x, w, sc)
		for _, site := range r.Copies {
			si := idx.byName[site]
			// On a site it is on already, the state counts it: only
			// growth is new.
			l.place(si.pos, x.group, x.demand, x.on(site))
		}
		out[i] = r
	}
	return out
}

func isPlaced(c *Component) bool { return c.Current != "" || len(c.CurrentCopies) > 0 }

// currentSet returns the sites c is on already.
func currentSet(c *Component) []string {
	if len(c.CurrentCopies) == 0 {
		if c.Current == "" {
			return nil
		}
		return []string{c.Current}
	}
	if c.Current == "" || slices.Contains(c.CurrentCopies, c.Current) {
		return c.CurrentCopies
	}
	return append([]string{c.Current}, c.CurrentCopies...)
}

// selfDemand is the amount of res the component is recorded as using on a
// site it is on.
func selfDemand(c *Component, res string) float64 {
	if c.CurrentDemand != nil {
		return c.CurrentDemand[res]
	}
	return c.Demand[res]
}

// evaluation is the working state of one component on one site.
type evaluation struct {
	si       *siteInfo
	scored   Scored
	costRaw  float64
	costNote string
}

// scratch holds working buffers that PlaceAll reuses from one component to
// the next.
type scratch struct {
	evals []evaluation
	order []int32
	notes noteArena
}

func rankWith(ctx *componentContext, w Weights, sc *scratch) Ranking {
	c, idx := ctx.c, ctx.idx
	if c.Weights != nil {
		w = *c.Weights
	}
	w = w.effective()
	ctx.notes = &sc.notes

	evals := sc.evals[:0]
	defer func() { sc.evals = evals[:0] }()
	var unknown []string
	if len(c.Candidates) == 0 {
		for _, si := range idx.sorted {
			evals = append(evals, evaluation{si: si})
		}
	} else {
		names := slices.Clone(c.Candidates)
		slices.Sort(names)
		names = slices.Compact(names)
		for _, n := range names {
			if si := idx.byName[n]; si != nil {
				evals = append(evals, evaluation{si: si})
			} else {
				unknown = append(unknown, n)
			}
		}
	}

	var prices priceRange
	for i := range evals {
		e := &evals[i]
		ctx.filter(e)
		if !e.scored.Rejected {
			e.costRaw, e.costNote = ctx.cost(e.si)
			prices.add(e.costRaw)
		}
	}

	// Criteria that cannot apply to this component are left out of every
	// site's score alike.
	var weights [numCriteria]float64
	var wsum float64
	for k, cr := range criteriaOrder {
		if (cr == Preference && len(c.Prefer) == 0) || (cr == Locality && len(c.Near) == 0) {
			continue
		}
		weights[k] = w.Of(cr)
		wsum += weights[k]
	}

	feasible := 0
	for i := range evals {
		if !evals[i].scored.Rejected {
			feasible++
		}
	}
	parts := make([]Part, feasible*numCriteria) // one allocation for all sites
	for i := range evals {
		e := &evals[i]
		if e.scored.Rejected {
			continue
		}
		own := parts[:numCriteria:numCriteria]
		parts = parts[numCriteria:]
		ctx.preference(e.si, &own[0])
		own[1] = e.si.availability
		own[2] = e.si.latency
		ctx.freeCapacity(e.si, &own[3])
		costPart(&own[4], e.costRaw, prices, e.costNote, ctx.notes)
		ctx.locality(e.si, &own[5])
		e.scored.Parts = own
	}
	ctx.notes.flush()
	for i := range evals {
		e := &evals[i]
		for k := range e.scored.Parts {
			p := &e.scored.Parts[k]
			p.Weight = weights[k]
			if p.Weight == 0 && w.Of(p.Criterion) > 0 {
				p.Note = notApplicable(p.Criterion)
			}
			if wsum > 0 {
				p.Contribution = p.Weight * p.Normalized / wsum
			}
			e.scored.Score += p.Contribution
		}
	}

	order := sc.order[:0]
	for i := range evals {
		order = append(order, int32(i))
	}
	sc.order = order
	slices.SortFunc(order, func(a, b int32) int { return compareScored(&evals[a].scored, &evals[b].scored) })
	scored := make([]Scored, 0, len(evals)+len(unknown))
	for _, i := range order {
		scored = append(scored, evals[i].scored)
	}
	if len(unknown) > 0 {
		for _, n := range unknown {
			scored = append(scored, Scored{Site: n, Rejected: true, Reasons: []string{"no site is named " + strconv.Quote(n)}})
		}
		slices.SortFunc(scored, func(a, b Scored) int { return compareScored(&a, &b) })
	}

	r := Ranking{Component: c.Addr, Scored: scored}
	decide(&r, c, ctx.current, idx)
	return r
}

// compareScored orders sites that can take the component before rejected
// ones, then by score (higher first), then by name.
func compareScored(a, b *Scored) int {
	if a.Rejected != b.Rejected {
		if a.Rejected {
			return 1
		}
		return -1
	}
	if a.Score != b.Score {
		if a.Score > b.Score {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.Site, b.Site)
}

func sortedPositiveKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// decide fills in the chosen sites, the outcome and the reason.
func decide(r *Ranking, c *Component, current []string, idx *siteIndex) {
	n := c.Copies
	if n < 1 {
		n = 1
	}
	var keep, dropped []string
	var why []string // why current sites are dropped
	for _, site := range current {
		s := r.Find(site)
		switch {
		case s != nil && !s.Rejected:
			keep = append(keep, site)
		case s != nil:
			dropped = append(dropped, site)
			why = append(why, site+": "+strings.Join(s.Reasons, "; "))
		case idx.byName[site] == nil:
			dropped = append(dropped, site)
			why = append(why, "site "+site+" no longer exists")
		default:
			dropped = append(dropped, site)
			why = append(why, site+" is no longer a candidate")
		}
	}
	// Keep the best-ranked current sites when copies were reduced.
	slices.SortFunc(keep, func(a, b string) int { return rankOf(r, a) - rankOf(r, b) })
	var surplus []string
	if len(keep) > n {
		keep, surplus = keep[:n], keep[n:]
	}
	r.Copies = SpreadCopies(r.Scored, n, keep)
	if len(r.Copies) > 0 {
		r.Chosen = r.Copies[0]
	}
	var added []string
	for _, site := range r.Copies {
		if !slices.Contains(keep, site) {
			added = append(added, site)
		}
	}

	var b strings.Builder
	feasible := 0
	for _, s := range r.Scored {
		if !s.Rejected {
			feasible++
		}
	}
	switch {
	case len(r.Copies) == 0:
		r.Outcome = OutcomeUnplaced
		if len(r.Scored) == 0 {
			b.WriteString("no candidate sites")
		} else {
			b.WriteString("no candidate site can take it (the reasons are given for each site)")
		}
		if len(dropped) > 0 {
			b.WriteString("; was on " + strings.Join(dropped, ", ") + " (" + strings.Join(why, "; ") + ")")
		}
	case len(dropped) > 0:
		r.Outcome = OutcomeMoved
		b.WriteString("moved from " + strings.Join(dropped, ", ") + " (" + strings.Join(why, "; ") + ")")
		if len(added) > 0 {
			b.WriteString(" to " + strings.Join(added, ", "))
		}
		if len(keep) > 0 {
			b.WriteString("; kept on " + strings.Join(keep, ", "))
		}
	case len(keep) > 0 && len(added) == 0:
		r.Outcome = OutcomeKept
		b.WriteString("kept on " + strings.Join(keep, ", ") + ": already there and still meets every constraint")
		if top := r.Scored[0]; !slices.Contains(keep, top.Site) {
			cur := r.Find(keep[0])
			b.WriteString("; best-ranked now is " + top.Site + " (" + formatNumber(top.Score, 3) + " vs " +
				formatNumber(cur.Score, 3) + "), but a placed component only moves when its site fails a constraint")
		}
	case len(keep) > 0:
		r.Outcome = OutcomePlaced
		b.WriteString("kept on " + strings.Join(keep, ", ") + ", added " + strings.Join(added, ", "))
	default:
		r.Outcome = OutcomePlaced
		if n == 1 {
			b.WriteString("best score of the " + strconv.Itoa(feasible) + " site(s) that can take it")
		} else {
			b.WriteString("best-ranked sites, one per location first")
		}
	}
	if len(surplus) > 0 {
		b.WriteString("; copy on " + strings.Join(surplus, ", ") + " no longer needed (copies = " + strconv.Itoa(n) + ")")
	}
	if len(r.Copies) > 0 && len(r.Copies) < n {
		r.Outcome = OutcomePartial
		b.WriteString("; only " + strconv.Itoa(len(r.Copies)) + " of " + strconv.Itoa(n) + " copies can be placed")
	}
	r.Reason = b.String()
}

func rankOf(r *Ranking, site string) int {
	for i := range r.Scored {
		if r.Scored[i].Site == site {
			return i
		}
	}
	return len(r.Scored)
}

// SpreadCopies picks n distinct sites from a ranking (scored best first, as
// Ranking.Scored is): the sites in keep first (they hold a copy already and
// are assumed to pass the hard filters), then the best-ranked site of each
// location not yet holding a copy, then the best-ranked remaining sites.
// So copies = 2 with locations IT and DE allowed puts one copy in each when
// both have a site that can take it. Sites without a location are each
// counted as a location of their own. The result is in ranking order and
// may be shorter than n.
func SpreadCopies(scored []Scored, n int, keep []string) []string {
	chosen := make(map[string]bool, n)
	covered := map[string]bool{}
	for _, site := range keep {
		if len(chosen) == n {
			break
		}
		chosen[site] = true
		for _, s := range scored {
			if s.Site == site && s.Location != "" {
				covered[strings.ToUpper(s.Location)] = true
			}
		}
	}
	for _, s := range scored {
		if len(chosen) == n {
			break
		}
		if s.Rejected || chosen[s.Site] {
			continue
		}
		loc := strings.ToUpper(s.Location)
		if loc != "" && covered[loc] {
			continue
		}
		chosen[s.Site] = true
		if loc != "" {
			covered[loc] = true
		}
	}
	for _, s := range scored {
		if len(chosen) == n {
			break
		}
		if !s.Rejected && !chosen[s.Site] {
			chosen[s.Site] = true
		}
	}
	out := make([]string, 0, len(chosen))
	for _, s := range scored {
		if chosen[s.Site] {
			out = append(out, s.Site)
		}
	}
	// keep entries that were not in scored (should not happen) are dropped.
	return out
}
