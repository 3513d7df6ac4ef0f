package s3_test

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/s3"
)

// callLog records the requests endpoints send, as "METHOD /path?keys".
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		keys := make([]string, 0, len(req.URL.Query()))
		for k := range req.URL.Query() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		l.mu.Lock()
		l.calls = append(l.calls, req.Method+" "+req.URL.Host+req.URL.Path+"?"+strings.Join(keys, "&"))
		l.mu.Unlock()
		return next.RoundTrip(req)
	})
}

func (l *callLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.calls
	l.calls = nil
	return c
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// TestReadRoundTrips counts the requests one Read of a bucket and of its
// replication sends, in a fresh provider (each indigo command starts one)
// and again: every request is work for a server, and a plan refreshes
// every bucket. A bucket Read needs versioning, tags, quota and one listing;
// a replication Read the rule, the remote targets and one listing of each
// bucket. Nothing else: no existence check, no bucket-location lookup.
func TestReadRoundTrips(t *testing.T) {
	var log callLog
	s3.WrapTransport(log.wrap)
	t.Cleanup(func() { s3.WrapTransport(nil) })
	p := startPair(t)
	p.buckets(t, "src", "dst")
	put(t, p.ca, "src", "k", []byte("payload"))
	bucket := p.h.Create("indigo_s3_bucket", map[string]any{"name": "src2"})
	repl := p.h.Create("indigo_s3_replication", map[string]any{"bucket": "src", "target": "b", "target_bucket": "dst"})
	replicaConverges(t, p.ca, "src", p.cb, "dst", time.Minute)

	fresh := newHarness(t, providerFor(p.a, map[string]*testsrv.MinIO{"b": p.b}))
	for _, round := range []string{"fresh", "again"} {
		for _, r := range []struct {
			resource string
			state    tftypes.Value
			want     int
		}{{"indigo_s3_bucket", bucket, 4}, {"indigo_s3_replication", repl, 4}} {
			log.take()
			fresh.Read(r.resource, r.state)
			calls := log.take()
			sort.Strings(calls)
			if len(calls) > r.want {
				t.Errorf("%s Read of %s: %d requests, want at most %d:\n%s", round, r.resource, len(calls), r.want, strings.Join(calls, "\n"))
			}
		}
	}
}
