package rank

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Scales of the absolute normalisations (see the package documentation).
const (
	hoursPerMonth  = 730
	latencyScaleMS = 50
	maxNines       = 5
)

// siteInfo is what the ranker knows of a site before it sees a component:
// the parts that depend on the site alone (metrics, prices) are worked out
// once per Rank or PlaceAll call, not once per component.
type siteInfo struct {
	site  *Site
	pos   int  // position in siteIndex.sorted
	fresh bool // metrics present, without error and not stale
	// why says, when not fresh, why metrics are not used (short form).
	why   string
	notes []string
	// availability and latency parts, weight and contribution not yet set.
	availability Part
	latency      Part
	rates        []rate
}

// rate is one price applied to a demanded resource: perUnit is the monthly
// price of one unit of the demand (a cpu, a byte).
type rate struct {
	resource string
	perUnit  float64
}

// siteIndex holds the sites sorted by name, with their site-level parts.
type siteIndex struct {
	sorted []*siteInfo
	byName map[string]*siteInfo
}

func newSiteIndex(sites []Site, now time.Time) *siteIndex {
	idx := &siteIndex{
		sorted: make([]*siteInfo, 0, len(sites)),
		byName: make(map[string]*siteInfo, len(sites)),
	}
	for i := range sites {
		s := &sites[i]
		if _, dup := idx.byName[s.Name]; dup {
			continue // names are unique in a configuration; keep the first
		}
		si := describeSite(s, now)
		idx.byName[s.Name] = si
		idx.sorted = append(idx.sorted, si)
	}
	sort.Slice(idx.sorted, func(i, j int) bool { return idx.sorted[i].site.Name < idx.sorted[j].site.Name })
	for i, si := range idx.sorted {
		si.pos = i
	}
	return idx
}

func describeSite(s *Site, now time.Time) *siteInfo {
	si := &siteInfo{site: s}
	si.fresh, si.why = metricsState(s.Metrics, now)
	switch {
	case s.Metrics == nil:
		si.notes = append(si.notes, "no metrics source: availability from the SLA, latency unknown")
	case !si.fresh:
		si.notes = append(si.notes, si.why+"; observed figures not used")
	}
	si.availability = availabilityPart(s, si)
	si.latency = latencyPart(s, si)
	var ignored []string
	si.rates, ignored = parseRates(s.Cost)
	if len(ignored) > 0 {
		si.notes = append(si.notes, "prices not understood and ignored: "+strings.Join(ignored, ", ")+
			" (use <item>_hour or <item>_month)")
	}
	return si
}

// metricsState says whether metrics can be used and, if not, why.
func metricsState(m *Metrics, now time.Time) (fresh bool, why string) {
	if m == nil {
		return false, "no metrics source"
	}
	if m.Err != "" {
		return false, "metrics unavailable (" + m.Err + ")"
	}
	age := now.Sub(m.ObservedAt)
	if age < 0 {
		age = 0
	}
	switch {
	case m.MaxAge > 0 && m.ObservedAt.IsZero():
		return false, "metrics stale: observation time unknown"
	case m.MaxAge > 0 && age > m.MaxAge:
		return false, fmt.Sprintf("metrics stale: observed %s ago, max age %s", age.Round(time.Second), m.MaxAge)
	case m.Stale:
		return false, fmt.Sprintf("metrics stale: observed %s ago", age.Round(time.Second))
	}
	return true, ""
}

func availabilityPart(s *Site, si *siteInfo) Part {
	p := Part{Criterion: Availability}
	var source string
	switch {
	case si.fresh && s.Metrics.HasAvailability:
		p.Raw, source = s.Metrics.Availability, "observed"
	case s.Availability > 0:
		p.Raw, source = s.Availability, "promised by the SLA"
		switch {
		case !si.fresh && s.Metrics != nil:
			source += "; " + si.why
		case si.fresh:
			source += "; metrics report none"
		}
	default:
		why := si.why
		if si.fresh {
			why = "metrics report none"
		}
		p.Note = "unknown (" + why + ", no SLA figure): counts as 0"
		return p
	}
	p.Normalized = nines(p.Raw) / maxNines
	if p.Normalized > 1 {
		p.Normalized = 1
	}
	p.Note = formatNumber(p.Raw*100, 3) + "% " + source + " (" + formatNumber(nines(p.Raw), 1) + " nines)"
	return p
}

// nines returns -log10(1-a): 0.99 is 2 nines, 0.999 is 3.
func nines(a float64) float64 {
	switch {
	case math.IsNaN(a) || a <= 0:
		return 0
	case a >= 1:
		return maxNines
	}
	return -math.Log10(1 - a)
}

func latencyPart(s *Site, si *siteInfo) Part {
	p := Part{Criterion: Latency}
	if !si.fresh || !s.Metrics.HasLatency || math.IsNaN(s.Metrics.LatencyMS) || s.Metrics.LatencyMS < 0 {
		why := si.why
		if si.fresh {
			why = "metrics report none"
		}
		p.Note = "unknown (" + why + "): counts as 0"
		return p
	}
	p.Raw = s.Metrics.LatencyMS
	p.Normalized = latencyScaleMS / (latencyScaleMS + p.Raw)
	p.Note = formatNumber(p.Raw, 1) + " ms observed"
	return p
}

// parseRates turns a site's prices into monthly prices per unit of demand.
// Keys are <item>_hour or <item>_month; the item is a demanded resource,
// with cpu and gpu standing for cpus and gpus, and gb, storage_gb and
// memory_gb pricing storage and memory per gigabyte (10⁹ bytes).
func parseRates(cost map[string]float64) (rates []rate, ignored []string) {
	keys := make([]string, 0, len(cost))
	for k := range cost {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		price := cost[k]
		if math.IsNaN(price) || math.IsInf(price, 0) || price < 0 {
			ignored = append(ignored, k)
			continue
		}
		var item string
		var months float64
		switch {
		case strings.HasSuffix(k, "_hour"):
			item, months = strings.TrimSuffix(k, "_hour"), hoursPerMonth
		case strings.HasSuffix(k, "_month"):
			item, months = strings.TrimSuffix(k, "_month"), 1
		default:
			ignored = append(ignored, k)
			continue
		}
		perUnit := price * months
		switch item {
		case "":
			ignored = append(ignored, k)
			continue
		case "cpu", "vcpu", "vcpus":
			item = "cpus"
		case "gpu":
			item = "gpus"
		case "gb":
			item, perUnit = "storage", perUnit/1e9
		default:
			if base, ok := strings.CutSuffix(item, "_gb"); ok && base != "" {
				item, perUnit = base, perUnit/1e9
			}
		}
		rates = append(rates, rate{resource: item, perUnit: perUnit})
	}
	return rates, ignored
}
