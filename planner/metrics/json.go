package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/indigo-cloud/indigo/lang/units"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// jsonDoc is the JSON schema described in the package documentation.
type jsonDoc struct {
	ObservedAt   *time.Time                 `json:"observed_at"`
	Up           *bool                      `json:"up"`
	Availability *float64                   `json:"availability"`
	LatencyMS    *float64                   `json:"latency_ms"`
	Free         map[string]json.RawMessage `json:"free"`
}

func decodeJSON(body []byte) (*rank.Metrics, error) {
	var doc jsonDoc
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decoding JSON metrics: %w", err)
	}
	m := &rank.Metrics{}
	if doc.ObservedAt != nil {
		m.ObservedAt = *doc.ObservedAt
	}
	if doc.Up != nil {
		m.Down = !*doc.Up
	}
	if a := doc.Availability; a != nil {
		if *a < 0 || *a > 1 {
			return nil, fmt.Errorf("availability %v is not between 0 and 1", *a)
		}
		m.Availability, m.HasAvailability = *a, true
	}
	if l := doc.LatencyMS; l != nil {
		if *l < 0 {
			return nil, fmt.Errorf("latency_ms %v is negative", *l)
		}
		m.LatencyMS, m.HasLatency = *l, true
	}
	names := make([]string, 0, len(doc.Free))
	for name := range doc.Free {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v, err := quantity(doc.Free[name])
		if err != nil {
			return nil, fmt.Errorf("free.%s: %w", name, err)
		}
		if m.Free == nil {
			m.Free = map[string]float64{}
		}
		m.Free[name] = v
	}
	return m, nil
}

// quantity reads a JSON number or a quantity string ("512GiB").
func quantity(raw json.RawMessage) (float64, error) {
	var n float64
	if err := json.Unmarshal(raw, &n); err == nil {
		if n < 0 || math.IsInf(n, 0) {
			return 0, fmt.Errorf("%v is negative", n)
		}
		return n, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("%s is neither a number nor a quantity string", raw)
	}
	return units.ParseQuantity(s)
}
