package slurm_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

// BenchmarkSubmit100Jobs submits 100 jobs through indigo_slurm_job at once
// (as a walk with -parallelism 100 would) and waits until every one has
// completed, on the one-node test cluster (this machine's CPUs), then
// destroys them. It reports the time to completion per 100 jobs and per
// job, and the destroy time.
func BenchmarkSubmit100Jobs(b *testing.B) {
	s := testsrv.StartSlurm(b)
	h := newHarness(b, s, b.TempDir())
	const n = 100
	var destroy time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		states := make([]tftypes.Value, n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for j := 0; j < n; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := h.TryCreate(job, map[string]any{"name": fmt.Sprintf("bench-%d-%d", i, j), "script": "echo $SLURM_JOB_ID", "memory": "16M"})
				if err != nil {
					errs <- err
					return
				}
				if got := protoharness.GetString(b, st, "state"); got != "COMPLETED" {
					errs <- fmt.Errorf("job %d: state %s", j, got)
				}
				states[j] = st
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		b.StopTimer()
		start := time.Now()
		for _, st := range states {
			if err := h.Destroy(job, st); err != nil {
				b.Fatal(err)
			}
		}
		destroy += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*n), "ms/job")
	b.ReportMetric(float64(destroy.Milliseconds())/float64(b.N*n), "destroy-ms/job")
}

// BenchmarkSubmit100JobsBare is the baseline: the same 100 jobs submitted
// with sbatch directly and waited for with one squeue per 100 ms, without
// indigo, on a cluster of the same shape.
func BenchmarkSubmit100JobsBare(b *testing.B) {
	s := testsrv.StartSlurm(b)
	dir := b.TempDir()
	const n = 100
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for j := 0; j < n; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := s.Command("sbatch", "--parsable", fmt.Sprintf("--job-name=bare-%d-%d", i, j), "--chdir="+dir, "--mem=16M", "--wrap", "echo $SLURM_JOB_ID")
				if out, err := cmd.CombinedOutput(); err != nil {
					errs <- fmt.Errorf("sbatch: %v %s", err, out)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		for {
			out, err := s.Command("squeue", "-h", "-o", "%i").Output()
			if err != nil {
				b.Fatal(err)
			}
			if len(out) == 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*n), "ms/job")
}
