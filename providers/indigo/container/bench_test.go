package container_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// BenchmarkStart20Containers starts 20 busybox httpd containers of one
// image at once in a fresh root (so the image is pulled once per
// iteration, and each container unpacks its own root file system), each
// answering on its port, then destroys them (not timed). It reports the
// time per container and the wall time of the 20.
func BenchmarkStart20Containers(b *testing.B) {
	const n = 20
	image := needTools(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := newHarness(b, b.TempDir())
		ports := testsrv.FreePorts(b, n)
		states := make([]tftypes.Value, n)
		errs := make([]error, n)
		// However the iteration ends, nothing it started outlives it.
		b.Cleanup(func() {
			for _, st := range states {
				if st.Type() != nil && !st.IsNull() {
					h.Destroy(typ, st)
				}
			}
		})
		var wg sync.WaitGroup
		start := time.Now()
		b.StartTimer()
		for j := 0; j < n; j++ {
			wg.Add(1)
			go func(j int) {
				defer wg.Done()
				states[j], errs[j] = h.TryCreate(typ, httpd(fmt.Sprintf("c%d", j), image, ports[j], nil))
			}(j)
		}
		wg.Wait()
		b.StopTimer()
		total += time.Since(start)
		for j, err := range errs {
			if err != nil {
				b.Fatalf("container %d: %v", j, err)
			}
			if body := get(ports[j], ""); body != testsrv.BusyboxIndex {
				b.Fatalf("container %d answers %q", j, body)
			}
		}
		for j, st := range states {
			if err := h.Destroy(typ, st); err != nil {
				b.Fatal(err)
			}
			states[j] = tftypes.NewValue(h.Type(typ), nil)
		}
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/20-containers")
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N*n), "ms/container")
}
