package main

import (
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// BenchmarkApply100Deployments is `indigo apply` of 100 Deployments (one
// replica each) on the kwok cluster, waiting for each to roll out (its pod
// Running and available), with indigo's default parallelism and the
// built-in provider started as a plugin as every command starts it; then
// the plan that refreshes them with nothing to change. Each iteration
// works in a fresh namespace and destroys what it made (not timed).
func BenchmarkApply100Deployments(b *testing.B) {
	const n = 100
	k := testsrv.SharedKube(b)
	if k == nil {
		return
	}
	run := func(dir string, want int, args ...string) {
		b.Helper()
		if out, code := runIn(b, dir, args...); code != want {
			b.Fatalf("indigo %v: exit %d, want %d\n%s", args, code, want, out)
		}
	}
	var apply, plan, cpu time.Duration
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		ns := k.Namespace(b)
		dir := b.TempDir()
		writeConfig(b, dir, crashKubeConfig(k, ns, n, 0))
		cpu0 := cpuTime(b)
		start := time.Now()
		b.StartTimer()
		run(dir, 0, "apply", "-auto-approve")
		b.StopTimer()
		apply += time.Since(start)
		cpu += cpuTime(b) - cpu0
		if got := len(kubeObjects(b, k, ns)); got != n {
			b.Fatalf("%d Deployments after apply, want %d", got, n)
		}
		start = time.Now()
		run(dir, 0, "plan", "-detailed-exitcode")
		plan += time.Since(start)
		run(dir, 0, "destroy", "-auto-approve")
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(per(apply), "ms/apply")
	b.ReportMetric(per(apply)/n, "ms/deployment")
	b.ReportMetric(per(cpu), "cpu-ms/apply")
	b.ReportMetric(per(plan), "ms/plan")
	b.ReportMetric(0, "ns/op")
}
