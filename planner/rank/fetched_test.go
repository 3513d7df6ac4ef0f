package rank_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/planner/metrics"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// TestRankWithUnreachableMetrics reads metrics the way the planner does,
// through planner/metrics, from endpoints that answer, fail or never answer,
// and checks what the ranking makes of them: a site whose metrics cannot be
// read is not rejected, its observed criteria count as unknown, and its
// notes say why.
func TestRankWithUnreachableMetrics(t *testing.T) {
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"observed_at": %q, "availability": 0.999, "latency_ms": 20}`, now.Add(-time.Minute).Format(time.RFC3339))
	}))
	t.Cleanup(good.Close)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "exporter crashed", http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); hanging.Close() })

	sources := map[string]metrics.Source{
		"good":    {URL: good.URL},
		"failing": {URL: failing.URL + "/metrics"},
		"hanging": {URL: hanging.URL, Timeout: 150 * time.Millisecond},
	}
	observed := (&metrics.Fetcher{}).FetchAll(context.Background(), sources, now)
	var sites []rank.Site
	for _, name := range []string{"failing", "good", "hanging"} {
		s := site(name, "IT", 100)
		s.Availability = 0.999 // the same promise everywhere
		s.Metrics = observed[name]
		sites = append(sites, s)
	}
	r := rank.Rank(comp("deployment.x", 2), sites, rank.Usage{}, rank.DefaultWeights(), now)

	if r.Chosen != "good" {
		t.Fatalf("chosen %q, want the site whose metrics could be read (%s)", r.Chosen, r.Reason)
	}
	wantNotes := map[string]string{
		"failing": "metrics unavailable (GET " + failing.URL + "/metrics: 500 Internal Server Error); observed figures not used",
		"hanging": "metrics unavailable (GET " + hanging.URL + ": no answer within 150ms); observed figures not used",
	}
	for name, want := range wantNotes {
		s := r.Find(name)
		if s.Rejected {
			t.Errorf("%s rejected for unreadable metrics: %q", name, s.Reasons)
		}
		if len(s.Notes) != 1 || s.Notes[0] != want {
			t.Errorf("%s notes %q, want %q", name, s.Notes, want)
		}
		lat, _ := s.Part(rank.Latency)
		if lat.Contribution != 0 || !strings.HasPrefix(lat.Note, "unknown (metrics unavailable") {
			t.Errorf("%s latency part %+v", name, lat)
		}
		avail, _ := s.Part(rank.Availability)
		if !strings.Contains(avail.Note, "promised by the SLA") {
			t.Errorf("%s availability part %+v", name, avail)
		}
	}
	if n := r.Find("good").Notes; len(n) != 0 {
		t.Errorf("good has notes %q", n)
	}
}
