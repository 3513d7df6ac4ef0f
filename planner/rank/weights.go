package rank

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Weights are the weights of the soft criteria. Only their ratios matter.
// The zero Weights stands for DefaultWeights: a ranking where nothing counts
// is never what was meant.
type Weights struct {
	Preference   float64
	Availability float64
	Latency      float64
	FreeCapacity float64
	Cost         float64
	Locality     float64
}

// DefaultWeights returns the weights used unless the configuration says
// otherwise: preference 3, availability 2, free_capacity 2, locality 2,
// latency 1, cost 1. A stated preference outweighs any one measured
// criterion but not all of them together; availability, headroom and
// data locality matter more than latency and price, which vary more from
// one observation to the next.
func DefaultWeights() Weights {
	return Weights{
		Preference:   3,
		Availability: 2,
		Latency:      1,
		FreeCapacity: 2,
		Cost:         1,
		Locality:     2,
	}
}

// Of returns the weight of criterion c (0 for an unknown criterion).
func (w Weights) Of(c Criterion) float64 {
	if p := w.field(c); p != nil {
		return *p
	}
	return 0
}

func (w *Weights) field(c Criterion) *float64 {
	switch c {
	case Preference:
		return &w.Preference
	case Availability:
		return &w.Availability
	case Latency:
		return &w.Latency
	case FreeCapacity:
		return &w.FreeCapacity
	case Cost:
		return &w.Cost
	case Locality:
		return &w.Locality
	}
	return nil
}

// With returns w with the weights named in overrides replaced (names as in
// Criteria: preference, availability, latency, free_capacity, cost,
// locality). An unknown name or a weight that is negative or not finite is
// an error naming it; the result is then w unchanged.
func (w Weights) With(overrides map[string]float64) (Weights, error) {
	out := w
	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := overrides[name]
		c, _ := ParseCriterion(name)
		p := out.field(c)
		if p == nil {
			return w, fmt.Errorf("unknown ranking criterion %q: the criteria are %s", name, criteriaList())
		}
		if err := checkWeight(name, v); err != nil {
			return w, err
		}
		*p = v
	}
	return out, nil
}

// Validate reports a weight that is negative or not finite.
func (w Weights) Validate() error {
	for _, c := range Criteria() {
		if err := checkWeight(c.String(), w.Of(c)); err != nil {
			return err
		}
	}
	return nil
}

func checkWeight(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("weight of %s is %v: it must be a finite number, 0 or more", name, v)
	}
	return nil
}

func criteriaList() string {
	var b strings.Builder
	for i, c := range Criteria() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.String())
	}
	return b.String()
}

// effective returns the weights Rank uses: the zero value becomes the
// defaults and an invalid weight counts as 0 (With and Validate are where
// invalid weights are reported).
func (w Weights) effective() Weights {
	if w == (Weights{}) {
		return DefaultWeights()
	}
	for _, c := range Criteria() {
		p := w.field(c)
		if math.IsNaN(*p) || math.IsInf(*p, 0) || *p < 0 {
			*p = 0
		}
	}
	return w
}
