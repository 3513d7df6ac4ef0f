package metrics_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/planner/metrics"
	"github.com/indigo-cloud/indigo/planner/rank"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestJSONFile(t *testing.T) {
	path := writeFile(t, "cnaf.json", `{
		"observed_at": "2025-03-01T11:58:00Z",
		"up": true,
		"availability": 0.9982,
		"latency_ms": 42.5,
		"free": {"cpus": 120, "memory": "512GiB", "storage": 12e12},
		"comment": "unknown fields are ignored"
	}`)
	m := metrics.Fetch(context.Background(), metrics.Source{Path: path}, now)
	want := &rank.Metrics{
		Source:          path,
		Availability:    0.9982,
		HasAvailability: true,
		LatencyMS:       42.5,
		HasLatency:      true,
		Free:            map[string]float64{"cpus": 120, "memory": 512 << 30, "storage": 12e12},
		ObservedAt:      time.Date(2025, 3, 1, 11, 58, 0, 0, time.UTC),
		MaxAge:          metrics.DefaultMaxAge,
	}
	assertMetrics(t, m, want)
}

func TestJSONStaleByObservedAt(t *testing.T) {
	path := writeFile(t, "old.json", `{"observed_at": "2025-03-01T10:00:00Z", "availability": 0.99}`)
	m := metrics.Fetch(context.Background(), metrics.Source{Path: path, MaxAge: 30 * time.Minute}, now)
	if m.Err != "" || !m.Stale || m.MaxAge != 30*time.Minute {
		t.Fatalf("got %+v, want stale figures", m)
	}
	// Without a limit the same figures are fresh.
	m = metrics.Fetch(context.Background(), metrics.Source{Path: path, MaxAge: -1}, now)
	if m.Stale || m.MaxAge != 0 {
		t.Fatalf("got %+v, want fresh figures without a limit", m)
	}
}

func TestJSONFileWithoutTimeUsesModTime(t *testing.T) {
	path := writeFile(t, "m.json", `{"up": false}`)
	mtime := now.Add(-20 * time.Minute)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	m := metrics.Fetch(context.Background(), metrics.Source{Path: path}, now)
	if !m.ObservedAt.Equal(mtime) || !m.Stale || !m.Down {
		t.Fatalf("got %+v, want down, observed at the mtime and stale", m)
	}
}

func TestFetchErrorsAreReportedNotReturned(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		src  metrics.Source
		err  string
	}{
		{"missing file", metrics.Source{Path: filepath.Join(dir, "none.json")},
			"reading " + filepath.Join(dir, "none.json") + ": no such file or directory"},
		{"bad JSON", metrics.Source{Path: writeFile(t, "bad.json", `{"availability": "high"}`)},
			"decoding JSON metrics: json: cannot unmarshal string"},
		{"availability out of range", metrics.Source{Path: writeFile(t, "r.json", `{"availability": 99.5}`)},
			"availability 99.5 is not between 0 and 1"},
		{"bad quantity", metrics.Source{Path: writeFile(t, "q.json", `{"free": {"memory": "lots"}}`)},
			`free.memory: quantity "lots" does not start with a number`},
		{"unknown Prometheus names", metrics.Source{Path: writeFile(t, "x.prom", "node_load1 0.5\n")},
			"none of the known metrics"},
		{"broken text format", metrics.Source{Path: writeFile(t, "y.prom", "indigo_site_up{ 1\n")},
			"parsing Prometheus text format"},
		{"neither path nor URL", metrics.Source{}, "no path or URL"},
		{"not http", metrics.Source{URL: "ftp://example.org/m"}, "is not an http(s) URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.Fetch(context.Background(), tc.src, now)
			if !strings.Contains(m.Err, tc.err) {
				t.Fatalf("Err %q, want it to contain %q", m.Err, tc.err)
			}
			if m.HasAvailability || m.Free != nil || m.Down {
				t.Errorf("figures returned with an error: %+v", m)
			}
		})
	}
}

const exposition = `# HELP indigo_site_up Whether the site accepts work.
# TYPE indigo_site_up gauge
indigo_site_up{site="cnaf"} 1
indigo_site_up{site="bari"} 0
# TYPE indigo_site_availability_ratio gauge
indigo_site_availability_ratio{site="cnaf"} 0.9991
# TYPE indigo_site_latency_seconds gauge
indigo_site_latency_seconds{site="cnaf"} 0.0125
# TYPE indigo_site_free gauge
indigo_site_free{site="cnaf",resource="gpus"} 3
# TYPE openstack_nova_limits_vcpus_max gauge
openstack_nova_limits_vcpus_max{tenant="indigo"} 400
openstack_nova_limits_vcpus_max{tenant="other"} -1
# TYPE openstack_nova_limits_vcpus_used gauge
openstack_nova_limits_vcpus_used{tenant="indigo"} 380
openstack_nova_limits_vcpus_used{tenant="other"} 12
# TYPE openstack_nova_limits_memory_max gauge
openstack_nova_limits_memory_max{tenant="indigo"} 1048576
# TYPE openstack_nova_limits_memory_used gauge
openstack_nova_limits_memory_used{tenant="indigo"} 524288
# TYPE openstack_cinder_limits_volume_max_gb gauge
openstack_cinder_limits_volume_max_gb{tenant="indigo"} 1000
# TYPE openstack_cinder_limits_volume_used_gb gauge
openstack_cinder_limits_volume_used_gb{tenant="indigo"} 250
# TYPE openstack_nova_up gauge
openstack_nova_up 1
# TYPE indigo_site_observed_timestamp_seconds gauge
indigo_site_observed_timestamp_seconds 1740830340
`

func TestPrometheusOverHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		fmt.Fprint(w, exposition)
	}))
	t.Cleanup(srv.Close)
	src := metrics.Source{
		URL:    srv.URL + "/metrics",
		Match:  map[string]string{"site": "cnaf", "tenant": "indigo"},
		Header: http.Header{"Authorization": {"Bearer t0ken"}},
	}
	m := metrics.Fetch(context.Background(), src, now)
	assertMetrics(t, m, &rank.Metrics{
		Source:          srv.URL + "/metrics",
		Availability:    0.9991,
		HasAvailability: true,
		LatencyMS:       12.5,
		HasLatency:      true,
		Free:            map[string]float64{"cpus": 20, "memory": 512 << 30, "storage": 750 << 30, "gpus": 3},
		ObservedAt:      time.Unix(1740830340, 0).UTC(), // 2025-03-01T11:59:00Z
		MaxAge:          metrics.DefaultMaxAge,
	})

	// The other site in the same exposition is down.
	src.Match = map[string]string{"site": "bari"}
	if m := metrics.Fetch(context.Background(), src, now); !m.Down || m.Err != "" {
		t.Errorf("bari: got %+v, want down", m)
	}
	// Without the token, the endpoint refuses and the error says so.
	src.Header = nil
	if m := metrics.Fetch(context.Background(), src, now); m.Err != "GET "+srv.URL+"/metrics: 401 Unauthorized" {
		t.Errorf("Err %q", m.Err)
	}
}

func TestPrometheusStaleBySampleTimestamp(t *testing.T) {
	old := now.Add(-time.Hour).UnixMilli()
	path := writeFile(t, "site.prom", fmt.Sprintf("indigo_site_availability_ratio 0.99 %d\nindigo_site_up 1 %d\n# EOF\n", old, old+1000))
	m := metrics.Fetch(context.Background(), metrics.Source{Path: path}, now)
	if m.Err != "" || !m.Stale || !m.ObservedAt.Equal(time.UnixMilli(old)) {
		t.Fatalf("got %+v, want stale, observed at the oldest sample", m)
	}
}

func TestJSONOverHTTPUsesDateHeader(t *testing.T) {
	observed := now.Add(-2 * time.Minute)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Date", observed.Format(http.TimeFormat))
		fmt.Fprint(w, `{"availability": 0.95, "free": {"cpus": 8}}`)
	}))
	t.Cleanup(srv.Close)
	m := metrics.Fetch(context.Background(), metrics.ParseSource(srv.URL), now)
	assertMetrics(t, m, &rank.Metrics{
		Source: srv.URL, Availability: 0.95, HasAvailability: true,
		Free: map[string]float64{"cpus": 8}, ObservedAt: observed, MaxAge: metrics.DefaultMaxAge,
	})
}

// hangingServer accepts requests and never answers them.
func hangingServer(t *testing.T) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

func TestUnreachableEndpoints(t *testing.T) {
	hang := hangingServer(t)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	cases := []struct {
		src metrics.Source
		err string
	}{
		{metrics.Source{URL: hang.URL, Timeout: 200 * time.Millisecond}, "GET " + hang.URL + ": no answer within 200ms"},
		{metrics.Source{URL: failing.URL + "/m"}, "GET " + failing.URL + "/m: 500 Internal Server Error"},
		{metrics.Source{URL: closedURL}, "connection refused"},
	}
	for _, tc := range cases {
		m := metrics.Fetch(context.Background(), tc.src, now)
		if !strings.Contains(m.Err, tc.err) {
			t.Errorf("%s: Err %q, want it to contain %q", tc.src, m.Err, tc.err)
		}
	}
}

func TestPasswordsStayOutOfMessages(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusBadGateway)
	}))
	t.Cleanup(failing.Close)
	u := strings.Replace(failing.URL, "http://", "http://monitor:s3cret@", 1)
	m := metrics.Fetch(context.Background(), metrics.Source{URL: u}, now)
	if strings.Contains(m.Err, "s3cret") || strings.Contains(m.Source, "s3cret") || !strings.Contains(m.Err, "502") {
		t.Fatalf("source %q, Err %q", m.Source, m.Err)
	}
}

func TestFetchAllIsBoundedAndComplete(t *testing.T) {
	var mu sync.Mutex
	inFlight, peak := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		time.Sleep(20 * time.Millisecond) // hold the slot so requests overlap
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"observed_at": %q, "latency_ms": %s}`, now.Format(time.RFC3339), strings.TrimPrefix(r.URL.Path, "/"))
	}))
	t.Cleanup(srv.Close)
	sources := map[string]metrics.Source{}
	for i := range 9 {
		sources[fmt.Sprintf("site%d", i)] = metrics.Source{URL: fmt.Sprintf("%s/%d", srv.URL, i)}
	}
	hang := hangingServer(t)
	sources["stuck"] = metrics.Source{URL: hang.URL, Timeout: 100 * time.Millisecond}

	f := &metrics.Fetcher{Parallel: 3}
	got := f.FetchAll(context.Background(), sources, now)
	if len(got) != len(sources) {
		t.Fatalf("%d results for %d sources", len(got), len(sources))
	}
	for i := range 9 {
		m := got[fmt.Sprintf("site%d", i)]
		if m.Err != "" || m.LatencyMS != float64(i) {
			t.Errorf("site%d: %+v", i, m)
		}
	}
	if !strings.Contains(got["stuck"].Err, "no answer within 100ms") {
		t.Errorf("stuck: %+v", got["stuck"])
	}
	mu.Lock()
	p := peak
	mu.Unlock()
	if p > 3 {
		t.Errorf("%d requests at once, want at most 3", p)
	}
}

func TestFetchAllCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	hang := hangingServer(t)
	got := (&metrics.Fetcher{Parallel: 1}).FetchAll(ctx, map[string]metrics.Source{
		"a": {URL: hang.URL}, "b": {URL: hang.URL},
	}, now)
	for site, m := range got {
		if m.Err == "" {
			t.Errorf("%s: no error after cancel: %+v", site, m)
		}
	}
}

func TestParseSource(t *testing.T) {
	cases := map[string]metrics.Source{
		"metrics/cnaf.json":            {Path: "metrics/cnaf.json"},
		"file:///var/lib/m.prom":       {Path: "/var/lib/m.prom"},
		"https://mon.example/metrics":  {URL: "https://mon.example/metrics"},
		"http://127.0.0.1:9180/metric": {URL: "http://127.0.0.1:9180/metric"},
	}
	for in, want := range cases {
		if got := metrics.ParseSource(in); got.Path != want.Path || got.URL != want.URL {
			t.Errorf("ParseSource(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func assertMetrics(t *testing.T, got, want *rank.Metrics) {
	t.Helper()
	if got.Err != want.Err {
		t.Fatalf("Err %q, want %q", got.Err, want.Err)
	}
	g, w := *got, *want
	if !g.ObservedAt.Equal(w.ObservedAt) {
		t.Errorf("ObservedAt %v, want %v", g.ObservedAt, w.ObservedAt)
	}
	g.ObservedAt, w.ObservedAt = time.Time{}, time.Time{}
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
		t.Errorf("got  %+v\nwant %+v", g, w)
	}
}
