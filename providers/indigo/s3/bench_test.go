package s3_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

// BenchmarkRefreshReplicated measures a refresh (ReadResource) of 100
// buckets that each replicate to a second server: per bucket, the
// indigo_s3_bucket and its indigo_s3_replication (rule, target, and the
// replica comparison over 10 objects). Reads run 10 at a time, as the
// planner's walk does by default.
func BenchmarkRefreshReplicated(b *testing.B) {
	const buckets, objects, parallel = 100, 10, 10
	p := startPair(b)
	hb := newHarness(b, providerFor(p.b, nil))
	type pairState struct{ bucket, repl tftypes.Value }
	states := make([]pairState, buckets)
	for i := range buckets {
		src, dst := fmt.Sprintf("src-%03d", i), fmt.Sprintf("dst-%03d", i)
		states[i].bucket = p.h.Create("indigo_s3_bucket", map[string]any{"name": src})
		hb.Create("indigo_s3_bucket", map[string]any{"name": dst})
		for j := range objects {
			put(b, p.ca, src, fmt.Sprintf("k%02d", j), []byte("payload"))
		}
		states[i].repl = p.h.Create("indigo_s3_replication", map[string]any{"bucket": src, "target": "b", "target_bucket": dst})
	}
	for i := range buckets {
		replicaConverges(b, p.ca, fmt.Sprintf("src-%03d", i), p.cb, fmt.Sprintf("dst-%03d", i), time.Minute)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		sem := make(chan struct{}, parallel)
		var wg sync.WaitGroup
		for i := range buckets {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				p.h.Read("indigo_s3_bucket", states[i].bucket)
				if s := p.h.Read("indigo_s3_replication", states[i].repl); !protoharness.GetBool(b, s, "in_sync") {
					b.Errorf("bucket %d not in sync", i)
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*buckets), "ms/bucket")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkReplicaConvergence measures how long 1,000 objects (1 KiB,
// written 16 at a time) take to reach the replica: from the first write
// to the replica holding them all with the same ETags.
func BenchmarkReplicaConvergence(b *testing.B) {
	const objects, writers = 1000, 16
	p := startPair(b)
	p.buckets(b, "src", "dst")
	p.h.Create("indigo_s3_replication", map[string]any{"bucket": "src", "target": "b", "target_bucket": "dst"})
	payload := make([]byte, 1024)
	var writeTotal, convergeTotal time.Duration
	b.ResetTimer()
	for n := range b.N {
		start := time.Now()
		keys := make(chan string)
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range keys {
					put(b, p.ca, "src", k, payload)
				}
			}()
		}
		for i := range objects {
			keys <- fmt.Sprintf("run%d/obj%04d", n, i)
		}
		close(keys)
		wg.Wait()
		writeTotal += time.Since(start)
		replicaConverges(b, p.ca, "src", p.cb, "dst", 10*time.Minute)
		convergeTotal += time.Since(start)
	}
	b.ReportMetric(writeTotal.Seconds()/float64(b.N), "s-to-write")
	b.ReportMetric(convergeTotal.Seconds()/float64(b.N), "s-to-converge")
	b.ReportMetric(0, "ns/op")
}
