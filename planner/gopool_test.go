package planner

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGoPoolRunsEverythingAndKeepsGoroutines checks that every function
// handed to the pool runs, including ones that block waiting for others,
// and that an idle goroutine takes the next function instead of a new one.
func TestGoPoolRunsEverythingAndKeepsGoroutines(t *testing.T) {
	p := &goPool{idle: make(chan func())}
	var wg sync.WaitGroup
	var ran atomic.Int64
	release := make(chan struct{})
	for range 50 {
		wg.Add(1)
		p.Go(func() {
			defer wg.Done()
			<-release // all 50 block at once: the pool must not wait
			ran.Add(1)
		})
	}
	close(release)
	wg.Wait()
	if ran.Load() != 50 {
		t.Fatalf("%d of 50 functions ran", ran.Load())
	}
	// One after the other: each finds the goroutine the last one left.
	p = &goPool{idle: make(chan func())}
	var ids sync.Map
	for range 20 {
		done := make(chan struct{})
		p.Go(func() {
			ids.Store(goroutineStack(), true)
			close(done)
		})
		<-done
		time.Sleep(time.Millisecond) // let it go idle again
	}
	n := 0
	ids.Range(func(any, any) bool { n++; return true })
	if n > 5 {
		t.Errorf("20 functions in turn ran on %d goroutines: idle ones were not reused", n)
	}
}

// goroutineStack names the calling goroutine ("goroutine 42").
func goroutineStack() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	s, _, _ := strings.Cut(string(buf), " [")
	return s
}
