package metrics

import (
	"math"
	"testing"
)

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"availability": 0.99, "latency_ms": 3, "free": {"cpus": 4, "memory": "1GiB"}, "up": true}`))
	f.Add([]byte("indigo_site_up 1\nindigo_site_free{resource=\"cpus\"} 3 1700000000000\n"))
	f.Add([]byte("openstack_nova_limits_vcpus_max{tenant=\"a\"} NaN\nopenstack_nova_limits_vcpus_used{tenant=\"a\"} 1\n"))
	f.Add([]byte("indigo_site_latency_seconds +Inf\n"))
	f.Add([]byte("indigo_site_observed_timestamp_seconds 1e300\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, format := range []Format{FormatAuto, FormatJSON, FormatPrometheus} {
			m, err := decode(body, format, map[string]string{"tenant": "a"})
			if err != nil {
				continue
			}
			if m.HasAvailability && !(m.Availability >= 0 && m.Availability <= 1) {
				t.Fatalf("availability %v", m.Availability)
			}
			if m.HasLatency && !(m.LatencyMS >= 0) {
				t.Fatalf("latency %v", m.LatencyMS)
			}
			for res, v := range m.Free {
				if !(v >= 0) || math.IsInf(v, 0) {
					t.Fatalf("free %s %v", res, v)
				}
			}
		}
	})
}
