package rank

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// componentContext is what evaluating one component needs besides the site.
type componentContext struct {
	c       *Component
	l       *ledger
	idx     *siteIndex
	demand  []demandItem // sorted by name
	group   int          // group index in the ledger
	current []string
	// prefer maps a preferred site to its position, for long lists.
	prefer map[string]int
	// nearLocations are the locations of the sites in Component.Near.
	nearLocations []string
	localityNotes map[localityKey]string
	// notes collects the notes written while ranking this component.
	notes *noteArena
}

type localityKey struct {
	here, sameLocation int
	location           string
}

func newComponentContext(c *Component, l *ledger, idx *siteIndex) *componentContext {
	x := &componentContext{c: c, l: l, idx: idx, demand: l.demand(c), group: l.groups[c.Group], current: currentSet(c)}
	if len(c.Prefer) > 8 {
		x.prefer = make(map[string]int, len(c.Prefer))
		for i := len(c.Prefer) - 1; i >= 0; i-- {
			x.prefer[c.Prefer[i]] = i
		}
	}
	x.nearLocations = make([]string, len(c.Near))
	for i, n := range c.Near {
		if si := idx.byName[n]; si != nil {
			x.nearLocations[i] = si.site.Location
		}
	}
	return x
}

func (x *componentContext) on(site string) bool { return slices.Contains(x.current, site) }

// tolerance absorbs float rounding when comparing a demand to what is left.
func tolerance(scale float64) float64 { return 1e-9 * math.Max(1, math.Abs(scale)) }

// filter applies the hard filters and records why the site is rejected.
func (x *componentContext) filter(e *evaluation) {
	si := e.si
	s := si.site
	c := x.c
	l := x.l
	e.scored = Scored{Site: s.Name, Location: s.Location, Notes: slices.Clip(si.notes)}
	var reasons []string
	if why, out := c.Excluded[s.Name]; out {
		reasons = append(reasons, why)
	}

	var missing []string
	for _, capability := range c.Capabilities {
		if !slices.Contains(s.Capabilities, capability) {
			missing = append(missing, capability)
		}
	}
	if len(missing) > 0 {
		reasons = append(reasons, "lacks "+plural(len(missing), "capability", "capabilities")+" "+strings.Join(missing, ", "))
	}

	if len(c.Locations) > 0 && !containsFold(c.Locations, s.Location) {
		if s.Location == "" {
			reasons = append(reasons, "declares no location; allowed: "+strings.Join(c.Locations, ", "))
		} else {
			reasons = append(reasons, "location "+s.Location+" is not allowed (allowed: "+strings.Join(c.Locations, ", ")+")")
		}
	}

	if why := s.Catalogue.Unfit(c.Hosts); why != "" {
		reasons = append(reasons, why)
	}

	if si.fresh && s.Metrics.Down {
		reasons = append(reasons, "monitoring says the site is down")
	}

	on := x.on(s.Name)
	base := si.pos * l.nres
	share := l.share[si.pos*l.ngroups+x.group]
	gbase := (si.pos*l.ngroups + x.group) * l.nres
	for _, it := range x.demand {
		res, d := it.name, it.d
		self := 0.0
		if on {
			self = it.self
		}
		rec := math.Max(0, l.rec[base+it.r]-self)
		planned := l.plan[base+it.r]
		if len(s.SLA) > 0 {
			q := l.quota[base+it.r]
			switch {
			case math.IsNaN(q):
				reasons = append(reasons, "needs "+FormatQuantity(res, d)+" "+res+"; the SLA grants none")
			case d > q-rec-planned+tolerance(q):
				reasons = append(reasons, "needs "+FormatQuantity(res, d)+" "+res+", "+
					FormatQuantity(res, math.Max(0, q-rec-planned))+" left under the SLA ("+
					FormatQuantity(res, q)+" - "+usedText(res, rec, planned)+")")
			}
			if !math.IsNaN(q) && !math.IsNaN(share) {
				grec := math.Max(0, l.groupRec[gbase+it.r]-self)
				gplanned := l.groupPlan[gbase+it.r]
				if limit := share * q; d > limit-grec-gplanned+tolerance(limit) {
					reasons = append(reasons, x.shareReason(res, d, q, share, grec, gplanned))
				}
			}
		}
		if f := l.free[base+it.r]; !math.IsNaN(f) {
			if left := f + self - planned; d > left+tolerance(f) {
				r := "needs " + FormatQuantity(res, d) + " " + res + ", monitoring shows " + FormatQuantity(res, f+self) + " free"
				if planned > 0 {
					r += ", " + FormatQuantity(res, planned) + " of it taken earlier in this plan"
				}
				reasons = append(reasons, r)
			}
		}
	}
	if len(reasons) > 0 {
		e.scored.Rejected = true
		e.scored.Reasons = reasons
	}
}

// shareReason says why the component's group exceeds its share of quota q.
func (x *componentContext) shareReason(res string, d, q, share, rec, planned float64) string {
	group := x.c.Group
	who := "group " + group
	if group == "" {
		who = "a component without a group"
	}
	return who + " may use " + formatNumber(share*100, 2) + "% of the SLA's " + FormatQuantity(res, q) + " " + res +
		" (" + FormatQuantity(res, share*q) + "); " + usedText(res, rec, planned) + ", needs " + FormatQuantity(res, d)
}

// usedText says how much is used, split between state and plan when the
// plan has placed something.
func usedText(res string, rec, planned float64) string {
	t := FormatQuantity(res, rec+planned) + " used"
	if planned > 0 {
		t += ": " + FormatQuantity(res, rec) + " in state, " + FormatQuantity(res, planned) + " earlier in this plan"
	}
	return t
}

func (x *componentContext) preference(si *siteInfo, p *Part) {
	*p = Part{Criterion: Preference}
	k := len(x.c.Prefer)
	if k == 0 {
		p.Note = "no preference given"
		return
	}
	var i int
	if x.prefer != nil {
		var ok bool
		if i, ok = x.prefer[si.site.Name]; !ok {
			i = -1
		}
	} else {
		i = slices.Index(x.c.Prefer, si.site.Name)
	}
	if i < 0 {
		p.Note = "not preferred"
		return
	}
	p.Raw = float64(i + 1)
	p.Normalized = 1 - float64(i)/float64(k)
	p.Note = ordinal(i+1) + " of " + strconv.Itoa(k) + " preferred"
	return
}

// freeCapacity scores the headroom left once the component is placed, for
// the tightest resource.
func (x *componentContext) freeCapacity(si *siteInfo, p *Part) {
	*p = Part{Criterion: FreeCapacity}
	l := x.l
	items := x.demand
	if len(items) == 0 {
		// No demand: the headroom of whatever the SLA counts.
		for _, name := range sortedPositiveKeys(si.site.SLA) {
			items = append(items, demandItem{name: name, r: l.res[name]})
		}
	}
	on := x.on(si.site.Name)
	base := si.pos * l.nres
	best := math.Inf(1)
	var tight string
	var tightLeft, tightOf float64
	for _, it := range items {
		self := 0.0
		if on {
			self = it.self
		}
		planned := l.plan[base+it.r]
		var of, left float64
		have := false
		if q := l.quota[base+it.r]; q > 0 {
			rec := math.Max(0, l.rec[base+it.r]-self)
			of, left, have = q, q-rec-planned-it.d, true
		}
		if f := l.free[base+it.r]; !math.IsNaN(f) {
			observed := f + self - planned - it.d
			switch {
			case !have && f+self > 0:
				of, left, have = f+self, observed, true
			case have && observed < left:
				left = observed
			}
		}
		if !have {
			continue
		}
		frac := math.Min(1, math.Max(0, left/of))
		if frac < best {
			best, tight, tightLeft, tightOf = frac, it.name, math.Max(0, left), of
		}
	}
	if tight == "" {
		p.Note = "unknown (no SLA quota or fresh observed free capacity for the demand): counts as 0"
		return
	}
	p.Raw, p.Normalized = best, best
	start, buf := x.notes.open()
	buf = appendQuantity(buf, tight, tightLeft)
	buf = append(buf, " of "...)
	buf = appendQuantity(buf, tight, tightOf)
	buf = append(buf, ' ')
	buf = append(buf, tight...)
	buf = append(buf, " left after placing"...)
	if len(items) > 1 {
		buf = append(buf, " (tightest)"...)
	}
	x.notes.close(p, start, buf)
}

// cost estimates the monthly price of the demand on a site.
func (x *componentContext) cost(si *siteInfo) (float64, string) {
	if len(si.site.Cost) == 0 {
		return 0, "declares no price: treated as free"
	}
	var total float64
	priced := false
	for _, r := range si.rates {
		if d := x.c.Demand[r.resource]; d > 0 {
			total += d * r.perUnit
			priced = true
		}
	}
	if !priced {
		return 0, "nothing demanded is priced here: free"
	}
	return total, ""
}

// priceRange is what cost normalisation needs to know of the prices of the
// sites that can take a component.
type priceRange struct {
	free         bool    // some site can take it for nothing
	cheapestPaid float64 // lowest price above 0; 0 if none
}

func (pr *priceRange) add(price float64) {
	switch {
	case price <= 0:
		pr.free = true
	case pr.cheapestPaid == 0 || price < pr.cheapestPaid:
		pr.cheapestPaid = price
	}
}

// costPart normalises a price: 1 when free, else the cheapest paid price
// over this one, halved when some site can take the component for free.
// It depends only on the cheapest prices, so a costlier site joining the
// candidates changes no other site's score.
func costPart(p *Part, price float64, pr priceRange, note string, notes *noteArena) {
	*p = Part{Criterion: Cost, Raw: price}
	start, buf := notes.open()
	if note == "" {
		buf = appendNumber(buf, price, 2)
		buf = append(buf, " a month"...)
	} else {
		buf = append(buf, note...)
	}
	switch {
	case price <= 0:
		p.Normalized = 1
	case pr.free:
		p.Normalized = 0.5 * pr.cheapestPaid / price
		if price <= pr.cheapestPaid {
			buf = append(buf, " (cheapest paid; a free site can take it)"...)
		} else {
			buf = append(buf, " (cheapest paid is "...)
			buf = appendNumber(buf, pr.cheapestPaid, 2)
			buf = append(buf, "; a free site can take it)"...)
		}
	default:
		p.Normalized = pr.cheapestPaid / price
		if price <= pr.cheapestPaid {
			buf = append(buf, " (cheapest)"...)
		} else {
			buf = append(buf, " (cheapest is "...)
			buf = appendNumber(buf, pr.cheapestPaid, 2)
			buf = append(buf, ')')
		}
	}
	notes.close(p, start, buf)
}

func (x *componentContext) locality(si *siteInfo, p *Part) {
	*p = Part{Criterion: Locality}
	near := x.c.Near
	if len(near) == 0 {
		p.Note = "reads no placed data"
		return
	}
	here, sameLoc := 0, 0
	for i, n := range near {
		if n == si.site.Name {
			here++
			continue
		}
		if si.site.Location != "" && strings.EqualFold(x.nearLocations[i], si.site.Location) {
			sameLoc++
		}
	}
	p.Raw = (float64(here) + 0.5*float64(sameLoc)) / float64(len(near))
	p.Normalized = p.Raw
	// Few combinations occur for one component: build each note once.
	key := localityKey{here, sameLoc, si.site.Location}
	if note, ok := x.localityNotes[key]; ok {
		p.Note = note
		return
	}
	total := strconv.Itoa(len(near))
	switch {
	case here == 0 && sameLoc == 0:
		p.Note = "holds none of the " + total + " dataset(s) it reads"
	case sameLoc == 0:
		p.Note = "holds " + strconv.Itoa(here) + " of the " + total + " dataset(s) it reads"
	default:
		p.Note = "holds " + strconv.Itoa(here) + " of the " + total + " dataset(s) it reads, " +
			strconv.Itoa(sameLoc) + " more in " + si.site.Location
	}
	if x.localityNotes == nil {
		x.localityNotes = map[localityKey]string{}
	}
	x.localityNotes[key] = p.Note
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// noteArena gathers the notes that one ranking writes, a few per site, in a
// single buffer that becomes one string when the ranking is done: placing
// a thousand components over a hundred sites writes hundreds of thousands
// of notes, and one allocation per ranking instead of one per note keeps
// the garbage collector out of the way.
type noteArena struct {
	buf     []byte
	pending []pendingNote
}

type pendingNote struct {
	p          *Part
	start, end int
}

// open starts a note: append to the returned buffer, then close.
func (a *noteArena) open() (int, []byte) { return len(a.buf), a.buf }

// close records the note appended to buf since start as p's; p.Note is set
// by flush.
func (a *noteArena) close(p *Part, start int, buf []byte) {
	a.buf = buf
	a.pending = append(a.pending, pendingNote{p, start, len(buf)})
}

// flush sets every pending note and empties the arena for the next
// ranking. The parts must not have moved since their notes were closed.
func (a *noteArena) flush() {
	all := string(a.buf)
	for _, n := range a.pending {
		n.p.Note = all[n.start:n.end]
	}
	a.buf, a.pending = a.buf[:0], a.pending[:0]
}
