package rank

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/indigo-cloud/indigo/lang/config"
)

// Site is a place a component can run or be stored, as the ranker sees it:
// the evaluated content of a site block plus its observed metrics.
type Site struct {
	// Name is the site's name (site "cnaf" {...} gives "cnaf").
	Name string
	// Kind says what the site is (openstack, kubernetes, s3, ...).
	Kind string
	// Location is where the site is (a country code such as "IT", or any
	// label the configuration uses consistently).
	Location string
	// Capabilities lists what the site offers (gpu, infiniband, tape, ...).
	Capabilities []string
	// SLAID is the identifier of the SLA the site signed.
	SLAID string
	// SLA holds the capacity quotas the site promised, by resource: cpus,
	// memory (bytes), gpus, storage (bytes) or any other number. An empty
	// map means no SLA: capacity is not checked.
	SLA map[string]float64
	// Availability is the availability the SLA promises (0..1), 0 if none.
	Availability float64
	// Shares gives, by group, the fraction of each SLA quota that group may
	// use at this site (fair share). The key "*" applies to every group not
	// listed, and to components without a group. Without an entry a group is
	// limited by the SLA quota only.
	Shares map[string]float64
	// Cost holds prices by item: cpu_hour, gpu_hour, memory_gb_hour,
	// gb_month (storage), or <resource>_hour / <resource>_month for any other
	// demanded resource. Hourly prices count 730 hours a month.
	Cost map[string]float64
	// Metrics are the observed figures; nil when the site has no metrics
	// source.
	Metrics *Metrics
	// Catalogue is what the site offers servers (flavors, images); nil
	// when its kind does not choose them: Hosts are not checked.
	Catalogue *Catalogue
}

// Metrics are a site's observed figures, as planner/metrics reads them.
type Metrics struct {
	// Source says where the figures came from (a path or URL), for notes.
	Source string
	// Down is true when the source says the site is down.
	Down bool
	// Availability is the observed availability (0..1); meaningful only
	// when HasAvailability is true.
	Availability    float64
	HasAvailability bool
	// LatencyMS is the observed latency in milliseconds; meaningful only
	// when HasLatency is true.
	LatencyMS  float64
	HasLatency bool
	// Free holds the observed free capacity by resource, in the same units
	// as SLA quotas (memory and storage in bytes).
	Free map[string]float64
	// ObservedAt is when the figures were taken.
	ObservedAt time.Time
	// MaxAge is how old the figures may be and still count; 0 means no
	// limit.
	MaxAge time.Duration
	// Stale is true when the reader already found the figures too old.
	// Rank also checks ObservedAt against MaxAge with its own "now".
	Stale bool
	// Err, when not empty, says why no figures could be read; the other
	// fields are then empty.
	Err string
}

// Component is something to place: a deployment, or a storage whose copies
// go to distinct sites.
type Component struct {
	// Addr is the component's address as a user writes it
	// (deployment.galaxy, storage.lbt_archive).
	Addr string
	// Candidates are the site names it may go to; empty means every site.
	Candidates []string
	// Prefer lists preferred sites, most preferred first. A preference is a
	// weight, never a hard rule.
	Prefer []string
	// Demand is what the component needs of a site, by resource, in the
	// units of the SLA quotas. It is checked against the quota left.
	Demand map[string]float64
	// Locations restricts the component to sites in these locations.
	Locations []string
	// Capabilities are required of the site.
	Capabilities []string
	// Group is the group whose share of each site's SLA the component uses.
	Group string
	// Near lists the sites holding data the component reads; a site name
	// may appear once per dataset.
	Near []string
	// Weights, when set, replace the weights passed to Rank for this
	// component (build them with Weights.With).
	Weights *Weights
	// Current is the site the component is on already, "" if none. Its
	// own demand is assumed to be counted in the recorded usage of that
	// site, and is discounted when the site is checked again.
	Current string
	// CurrentDemand is the demand the recorded state counts for the
	// component where it is; nil means the same as Demand. When the demand
	// grew, only the growth is checked against (and taken from) the
	// capacity left on a site it stays on.
	CurrentDemand map[string]float64
	// Copies is how many distinct sites must hold the component (storage
	// with QoS copies = N); 0 or 1 mean one site.
	Copies int
	// CurrentCopies are the sites holding a copy already (for Copies > 1).
	CurrentCopies []string
	// Excluded rules candidate sites out, with the reason: the component
	// cannot be realised there, or creating it there failed (fallback).
	// When every candidate is excluded the outcome is OutcomeUnplaced with
	// each site's reason, like any other ranking with no site left.
	Excluded map[string]string
	// Hosts are what the component's servers ask of a site's catalogue:
	// a site without a flavor and an image for each is rejected.
	Hosts []Host
}

// Criterion is a soft placement criterion. It prints, and encodes as JSON
// text, as its name: preference, availability, latency, free_capacity,
// cost, locality.
type Criterion uint8

// The soft criteria, in the order a score's parts list them.
const (
	Preference Criterion = iota + 1
	Availability
	Latency
	FreeCapacity
	Cost
	Locality
)

// criterionNames are the language's names (config.RankingCriteria), by
// Criterion; the order of both is the order of the constants above.
var criterionNames = append([]string{""}, config.RankingCriteria...)

// String returns the criterion's name.
func (c Criterion) String() string {
	if int(c) < len(criterionNames) && c > 0 {
		return criterionNames[c]
	}
	return "criterion(" + strconv.Itoa(int(c)) + ")"
}

// ParseCriterion returns the criterion with the given name.
func ParseCriterion(name string) (Criterion, bool) {
	for i, n := range criterionNames {
		if i > 0 && n == name {
			return Criterion(i), true
		}
	}
	return 0, false
}

// MarshalText encodes the criterion as its name.
func (c Criterion) MarshalText() ([]byte, error) {
	if c == 0 || int(c) >= len(criterionNames) {
		return nil, fmt.Errorf("unknown criterion %d", int(c))
	}
	return []byte(criterionNames[c]), nil
}

// UnmarshalText reads a criterion's name.
func (c *Criterion) UnmarshalText(b []byte) error {
	v, ok := ParseCriterion(string(b))
	if !ok {
		return fmt.Errorf("unknown ranking criterion %q: the criteria are %s", b, criteriaList())
	}
	*c = v
	return nil
}

// Criteria returns every soft criterion in display order.
func Criteria() []Criterion {
	return slices.Clone(criteriaOrder[:])
}

// Part is one criterion's share of a site's score.
type Part struct {
	Criterion Criterion
	// Raw is the figure the criterion looked at: preference position
	// (1-based, 0 if not preferred), availability (0..1), latency (ms),
	// fraction of capacity left, estimated monthly cost, locality (0..1).
	Raw float64
	// Normalized is Raw mapped to [0,1], 1 being best.
	Normalized float64
	// Weight is the weight the criterion had; 0 when it does not apply to
	// this component.
	Weight float64
	// Contribution is Weight*Normalized divided by the sum of the weights
	// that apply: the parts' contributions add up to the score.
	Contribution float64
	// Note explains the figure in words.
	Note string
}

// Scored is one candidate site's result.
type Scored struct {
	Site     string
	Location string
	// Score is in [0,1], higher is better; 0 for a rejected site.
	Score float64
	// Parts are the soft criteria, in the order of Criteria(); nil for a
	// rejected site.
	Parts []Part
	// Rejected is true when a hard filter ruled the site out; Reasons say
	// which, in words.
	Rejected bool
	Reasons  []string
	// Notes say what the ranking could not use (missing or stale metrics).
	Notes []string
}

// Outcome says how the chosen site was decided.
type Outcome string

// The outcomes of a ranking.
const (
	// OutcomePlaced: a new component goes to the best-ranked site(s).
	OutcomePlaced Outcome = "placed"
	// OutcomeKept: the component stays on the site(s) it is on.
	OutcomeKept Outcome = "kept"
	// OutcomeMoved: the site it was on is now rejected; it goes elsewhere.
	OutcomeMoved Outcome = "moved"
	// OutcomePartial: fewer distinct sites than the copies asked for.
	OutcomePartial Outcome = "partial"
	// OutcomeUnplaced: no candidate site can take the component.
	OutcomeUnplaced Outcome = "unplaced"
)

// Ranking is the result of ranking the sites for one component.
type Ranking struct {
	Component string
	// Scored lists the candidate sites: those that pass the hard filters,
	// best first (ties by name), then the rejected ones by name.
	Scored []Scored
	// Chosen is the site the component goes to ("" when none can take it);
	// for copies, the best-ranked of Copies.
	Chosen string
	// Copies are the sites chosen, in ranking order; one site unless the
	// component asked for copies.
	Copies []string
	// Outcome and Reason say how the choice was made.
	Outcome Outcome
	Reason  string
}

// Find returns the result for the named site, or nil.
func (r *Ranking) Find(site string) *Scored {
	for i := range r.Scored {
		if r.Scored[i].Site == site {
			return &r.Scored[i]
		}
	}
	return nil
}

// Part returns the part for criterion c, or false when the site has no
// parts (it was rejected).
func (s *Scored) Part(c Criterion) (Part, bool) {
	for _, p := range s.Parts {
		if p.Criterion == c {
			return p, true
		}
	}
	return Part{}, false
}

const numCriteria = 6

// criteriaOrder is Criteria() without the allocation, for the hot path.
var criteriaOrder = [numCriteria]Criterion{Preference, Availability, Latency, FreeCapacity, Cost, Locality}

// notApplicable is the note of a criterion that does not apply to a
// component.
func notApplicable(c Criterion) string {
	switch c {
	case Preference:
		return "does not apply: no preference given"
	case Locality:
		return "does not apply: reads no placed data"
	}
	return "does not apply"
}
