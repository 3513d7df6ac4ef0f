package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A command runs for seconds and, on most configurations, keeps a live
// heap of a few tens of MiB: Go's default (a collection each time the heap
// doubles) spent about a tenth of a plan's CPU collecting. tuneGC lets the
// heap grow to five times what is live while that stays small, and goes
// back to Go's default once a collection finds more than gcSmallLive live,
// so a large configuration or state does not use five times its memory.
// GOGC or GOMEMLIMIT in the environment leave Go's own settings alone.
const (
	gcSmallPercent = 400
	gcSmallLive    = 64 << 20
)

var gcOnce sync.Once

func tuneGC() {
	gcOnce.Do(func() {
		if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
			return
		}
		debug.SetGCPercent(gcSmallPercent)
		watchLiveHeap()
	})
}

// gcSentinel is garbage as soon as it is made; its cleanup runs after the
// collection that finds it, reads the live heap then, and arms the next
// sentinel while the heap is still small.
type gcSentinel struct{ _ [64]byte }

func watchLiveHeap() {
	s := new(gcSentinel)
	runtime.AddCleanup(s, func(struct{}) {
		if liveHeap() > gcSmallLive {
			debug.SetGCPercent(100)
			return
		}
		watchLiveHeap()
	}, struct{}{})
}

// liveHeap is the heap the last collection found live.
func liveHeap() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}
