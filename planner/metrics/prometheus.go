package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/indigo-cloud/indigo/planner/rank"
)

// Metric names read from a Prometheus exposition (see the package
// documentation).
const (
	promUp           = "indigo_site_up"
	promNovaUp       = "openstack_nova_up"
	promAvailability = "indigo_site_availability_ratio"
	promLatency      = "indigo_site_latency_seconds"
	promFree         = "indigo_site_free"
	promObserved     = "indigo_site_observed_timestamp_seconds"
)

// limitPair is an openstack-exporter quota: free = max - used, scaled.
type limitPair struct {
	max, used string
	resource  string
	scale     float64
}

var openstackLimits = []limitPair{
	{"openstack_nova_limits_vcpus_max", "openstack_nova_limits_vcpus_used", "cpus", 1},
	{"openstack_nova_limits_memory_max", "openstack_nova_limits_memory_used", "memory", 1 << 20},
	{"openstack_cinder_limits_volume_max_gb", "openstack_cinder_limits_volume_used_gb", "storage", 1 << 30},
}

func decodePrometheus(body []byte, match map[string]string) (*rank.Metrics, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parsing Prometheus text format: %w", err)
	}
	pm := promMetrics{families: families, match: match}
	m := &rank.Metrics{}
	known := false

	for _, name := range []string{promUp, promNovaUp} {
		for _, s := range pm.samples(name) {
			known = true
			if s.value == 0 {
				m.Down = true
			}
		}
	}
	for _, s := range pm.samples(promAvailability) {
		if s.value < 0 || s.value > 1 || math.IsNaN(s.value) {
			return nil, fmt.Errorf("%s is %v, not between 0 and 1", promAvailability, s.value)
		}
		if !m.HasAvailability || s.value < m.Availability {
			m.Availability, m.HasAvailability = s.value, true
		}
	}
	for _, s := range pm.samples(promLatency) {
		if !finite(s.value) || s.value < 0 {
			return nil, fmt.Errorf("%s is %v", promLatency, s.value)
		}
		if ms := s.value * 1000; !m.HasLatency || ms > m.LatencyMS {
			m.LatencyMS, m.HasLatency = ms, true
		}
	}
	free := map[string]float64{}
	for _, lp := range openstackLimits {
		used := map[string]float64{}
		for _, s := range pm.samples(lp.used) {
			if finite(s.value) {
				used[s.key] += s.value
			}
		}
		for _, s := range pm.samples(lp.max) {
			known = true
			u, ok := used[s.key]
			if !ok || !finite(s.value) || s.value < 0 { // no figure, or unlimited
				continue
			}
			free[lp.resource] += math.Max(0, s.value-u) * lp.scale
		}
	}
	explicit := map[string]float64{}
	for _, s := range pm.samples(promFree) {
		res := s.labels["resource"]
		if res == "" {
			return nil, fmt.Errorf("%s without a resource label", promFree)
		}
		if !finite(s.value) || s.value < 0 {
			return nil, fmt.Errorf("%s{resource=%q} is %v", promFree, res, s.value)
		}
		explicit[res] += s.value
	}
	for res, v := range explicit {
		free[res] = v
	}
	if len(free) > 0 {
		m.Free = free
	}
	for _, s := range pm.samples(promObserved) {
		if !finite(s.value) || s.value <= 0 || s.value > 1e11 {
			return nil, fmt.Errorf("%s is %v, not a Unix time in seconds", promObserved, s.value)
		}
		if t := unixSeconds(s.value); t.After(m.ObservedAt) {
			m.ObservedAt = t
		}
	}
	if m.ObservedAt.IsZero() && pm.oldestMs > 0 {
		m.ObservedAt = time.UnixMilli(pm.oldestMs).UTC()
	}
	if !known && !m.HasAvailability && !m.HasLatency && m.Free == nil {
		if len(families) == 0 {
			return nil, errors.New("no samples")
		}
		return nil, fmt.Errorf("none of the known metrics (%s, %s, %s, %s, %s, openstack_nova_limits_*) among the %d metric families read",
			promUp, promAvailability, promLatency, promFree, promNovaUp, len(families))
	}
	return m, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func unixSeconds(v float64) time.Time {
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

type promMetrics struct {
	families map[string]*dto.MetricFamily
	match    map[string]string
	// oldestMs is the oldest sample timestamp among the samples used.
	oldestMs int64
}

type sample struct {
	labels map[string]string
	// key identifies the label set, to pair _max with _used series.
	key   string
	value float64
}

// samples returns the gauge, counter or untyped samples of a metric whose
// labels do not contradict the match.
func (pm *promMetrics) samples(name string) []sample {
	mf := pm.families[name]
	if mf == nil {
		return nil
	}
	var out []sample
	for _, metric := range mf.GetMetric() {
		labels := make(map[string]string, len(metric.GetLabel()))
		for _, lp := range metric.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		if !pm.matches(labels) {
			continue
		}
		var v float64
		switch {
		case metric.GetGauge() != nil:
			v = metric.GetGauge().GetValue()
		case metric.GetCounter() != nil:
			v = metric.GetCounter().GetValue()
		case metric.GetUntyped() != nil:
			v = metric.GetUntyped().GetValue()
		default:
			continue // summaries and histograms carry nothing we read
		}
		if ts := metric.GetTimestampMs(); ts > 0 && (pm.oldestMs == 0 || ts < pm.oldestMs) {
			pm.oldestMs = ts
		}
		out = append(out, sample{labels: labels, key: labelKey(labels), value: v})
	}
	return out
}

func (pm *promMetrics) matches(labels map[string]string) bool {
	for k, want := range pm.match {
		if got, ok := labels[k]; ok && got != want {
			return false
		}
	}
	return true
}

func labelKey(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(labels[k])
		b.WriteByte(0)
	}
	return b.String()
}
