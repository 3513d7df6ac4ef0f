// Package rank orders the sites a placed component could go to and says why.
//
// It is the planner's Cloud Provider Ranker: given a component (a deployment
// or a storage with its demand, constraints and preferences), the sites of
// the configuration (their SLA quotas, group shares, prices and observed
// metrics) and what the recorded state and the plan being built already place
// on each site, Rank filters out the sites that cannot take the component and
// scores the others on weighted soft criteria. PlaceAll does this for a whole
// plan, one component after the other, so that capacity taken by an earlier
// component is no longer offered to a later one.
//
// The package is pure: no I/O, no clock (the caller passes "now"), no
// package-level state. The same inputs give the same result, whatever the
// order of the site list. Observed metrics are read by planner/metrics; HCL
// expressions are evaluated by the planner. This package sees plain Go
// values only.
//
// # Hard filters
//
// A site is rejected, with a reason a person can act on, when:
//
//   - it is not one of the placement's candidate sites (such sites are left
//     out of the ranking altogether) or no site has the candidate's name;
//   - it lacks a required capability, or its location is not an allowed one;
//   - the demand does not fit in what is left of its SLA quota once the
//     recorded state and this plan are counted (a site that declares an SLA
//     but no quota for a demanded resource grants none of it; a site without
//     any SLA is not capacity-checked);
//   - the component's group would exceed its share of the SLA quota;
//   - fresh metrics say the site is down, or show less free capacity than the
//     demand;
//   - its catalogue (Site.Catalogue) has, for one of the component's servers
//     (Component.Hosts), no flavor with what it asks or no image of its
//     operating system (Catalogue.Match chooses the smallest flavor that fits
//     and the first matching image by name).
//
// # Soft criteria
//
// Each criterion is normalised to [0,1] and weighted (see Weights and
// DefaultWeights). The score is the weighted mean over the criteria that apply
// to the component: a criterion that cannot apply to any site (no
// preferences given, no data to be near) is left out for every site alike,
// while a criterion that applies but cannot be measured for one site (no
// fresh latency figure) counts as 0 for that site: unknown ranks like worst.
//
//   - preference: 1 for the first preferred site, then 1-i/k for the i-th of
//     k preferred sites (0-based), 0 for the others.
//   - availability: observed if fresh, else the SLA's promised figure, scored
//     by its nines: -log10(1-a)/5, so 0.99 gives 0.4 and 0.99999 gives 1.
//   - latency: observed only, 50/(50+ms): 0 ms gives 1, 50 ms gives 0.5.
//   - free_capacity: the fraction of the quota (or, without a quota, of the
//     observed free amount) left after placing the component, for the
//     tightest demanded resource.
//   - cost: the estimated monthly price of the demand. Free gives 1; a paid
//     site gets cheapest paid price / its price, halved when some site can
//     take the component for free. A site that declares no price is treated
//     as free, as an institutional site is.
//   - locality: for each site holding data the component reads, 1 if it is
//     this site, 0.5 if it is in the same location, 0 otherwise; averaged.
//
// Every score keeps its parts (raw figure, normalised value, weight,
// contribution, note) so a plan can show them. Ties are broken by site name.
//
// # Stability
//
// A component already placed (Component.Current) stays where it is while
// that site still passes every hard filter, even if another site now scores
// better: metrics move, deployments should not. The Ranking says so
// (OutcomeKept) and names the best-ranked site. When the current site is
// rejected, the component moves (OutcomeMoved) and the reason is given.
package rank
