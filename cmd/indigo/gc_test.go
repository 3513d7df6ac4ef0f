package main

import (
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"
)

// TestGCBackToDefaultOnALargeHeap checks tuneGC's policy: a large heap
// with little live keeps the generous setting; once a collection finds
// more than gcSmallLive live, Go's default is back.
func TestGCBackToDefaultOnALargeHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	gcOnce = sync.Once{} // commands run in-process by other tests called it
	tuneGC()
	runtime.GC()
	if got := gcPercent(); got != gcSmallPercent {
		t.Fatalf("GC percent %d with a small heap, want %d", got, gcSmallPercent)
	}
	live := make([][]byte, 0, 128)
	for range 2 * gcSmallLive / (1 << 20) {
		live = append(live, make([]byte, 1<<20))
	}
	deadline := time.Now().Add(10 * time.Second)
	for gcPercent() != 100 {
		if time.Now().After(deadline) {
			t.Fatalf("GC percent still %d with %d MiB live", gcPercent(), len(live))
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(live)
}

func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
