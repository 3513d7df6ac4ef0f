package rank

import "slices"

// Usage is what is already placed on each site: what the recorded state
// holds there and what the plan being built has placed there so far, in
// total and per group. The zero Usage is empty and ready to use. Usage is
// not safe for concurrent writes.
type Usage struct {
	sites map[string]*siteUsage
}

// siteUsage holds one site's counters, by resource and by group and
// resource.
type siteUsage struct {
	recorded, planned           map[string]float64
	groupRecorded, groupPlanned map[groupKey]float64
}

type groupKey struct{ group, resource string }

// Record counts demand as placed on site by the recorded state, for group
// ("" for none). Components that are being placed again (Component.Current)
// must be recorded too: Rank discounts a component's own demand on its
// current site.
func (u *Usage) Record(site, group string, demand map[string]float64) {
	su := u.site(site)
	if su.recorded == nil {
		su.recorded = map[string]float64{}
		su.groupRecorded = map[groupKey]float64{}
	}
	for res, v := range demand {
		su.recorded[res] += v
		su.groupRecorded[groupKey{group, res}] += v
	}
}

// Plan counts demand as placed on site by the plan being built. PlaceAll
// calls it for each component it places.
func (u *Usage) Plan(site, group string, demand map[string]float64) {
	su := u.site(site)
	if su.planned == nil {
		su.planned = map[string]float64{}
		su.groupPlanned = map[groupKey]float64{}
	}
	for res, v := range demand {
		su.planned[res] += v
		su.groupPlanned[groupKey{group, res}] += v
	}
}

func (u *Usage) site(name string) *siteUsage {
	if u.sites == nil {
		u.sites = map[string]*siteUsage{}
	}
	su := u.sites[name]
	if su == nil {
		su = &siteUsage{}
		u.sites[name] = su
	}
	return su
}

// Recorded returns how much of resource the recorded state uses on site.
func (u Usage) Recorded(site, resource string) float64 {
	return u.sites[site].rec(resource)
}

// Planned returns how much of resource this plan has placed on site.
func (u Usage) Planned(site, resource string) float64 {
	return u.sites[site].plan(resource)
}

// GroupRecorded returns how much of resource group uses on site according
// to the recorded state.
func (u Usage) GroupRecorded(site, group, resource string) float64 {
	return u.sites[site].groupRec(group, resource)
}

// GroupPlanned returns how much of resource this plan has placed on site
// for group.
func (u Usage) GroupPlanned(site, group, resource string) float64 {
	return u.sites[site].groupPlan(group, resource)
}

// The accessors of a nil *siteUsage return 0: a site nothing is placed on.

func (su *siteUsage) rec(res string) float64 {
	if su == nil {
		return 0
	}
	return su.recorded[res]
}

func (su *siteUsage) plan(res string) float64 {
	if su == nil {
		return 0
	}
	return su.planned[res]
}

func (su *siteUsage) groupRec(group, res string) float64 {
	if su == nil {
		return 0
	}
	return su.groupRecorded[groupKey{group, res}]
}

func (su *siteUsage) groupPlan(group, res string) float64 {
	if su == nil {
		return 0
	}
	return su.groupPlanned[groupKey{group, res}]
}

// Clone returns a copy that can be changed without changing u.
func (u Usage) Clone() Usage {
	out := Usage{}
	if u.sites == nil {
		return out
	}
	out.sites = make(map[string]*siteUsage, len(u.sites))
	for name, su := range u.sites {
		out.sites[name] = &siteUsage{
			recorded:      cloneMap(su.recorded),
			planned:       cloneMap(su.planned),
			groupRecorded: cloneMap(su.groupRecorded),
			groupPlanned:  cloneMap(su.groupPlanned),
		}
	}
	return out
}

func cloneMap[K comparable](m map[K]float64) map[K]float64 {
	if m == nil {
		return nil
	}
	out := make(map[K]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Placed counts what ranking r placed for component c as this plan's
// usage, the way PlaceAll does between components: the whole demand on a
// site new to c, only the growth on a site it was on already. It lets a
// caller place in stages (storage first, then what reads it) with the
// capacity of earlier stages counted.
func (u *Usage) Placed(c Component, r Ranking) {
	current := currentSet(&c)
	for _, site := range r.Copies {
		if !slices.Contains(current, site) {
			u.Plan(site, c.Group, c.Demand)
			continue
		}
		var grow map[string]float64
		for res, d := range c.Demand {
			if extra := d - selfDemand(&c, res); extra > 0 {
				if grow == nil {
					grow = map[string]float64{}
				}
				grow[res] = extra
			}
		}
		if grow != nil {
			u.Plan(site, c.Group, grow)
		}
	}
}
