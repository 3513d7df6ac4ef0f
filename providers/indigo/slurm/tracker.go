package slurm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Polling bounds: fast while jobs change state, slower while they run.
const (
	pollMin = 200 * time.Millisecond
	pollMax = 5 * time.Second
	// downLimit is how many polls in a row may fail to reach the
	// controller before the jobs being waited for are given up on.
	downLimit = 3
)

// tracker waits for jobs of one site to end, with one squeue call per poll
// for all of them.
type tracker struct {
	site *Site

	mu       sync.Mutex
	waiters  map[string][]chan trackResult
	watchers map[string][]chan string // progress: the states squeue reports
	wake     chan struct{}
	running  bool
}

type trackResult struct {
	info jobInfo
	err  error
}

// progress is told of a job's state when it changes.
type progress func(state string)

// wait returns when job id has ended (its final jobInfo), when the
// controller stays unreachable, or when ctx ends.
func (s *Site) wait(ctx context.Context, id string, onChange progress) (jobInfo, error) {
	s.trackOnce.Do(func() {
		s.tracker = &tracker{site: s, waiters: map[string][]chan trackResult{}, watchers: map[string][]chan string{}, wake: make(chan struct{}, 1)}
	})
	t := s.tracker
	ch := make(chan trackResult, 1)
	t.mu.Lock()
	t.waiters[id] = append(t.waiters[id], ch)
	if !t.running {
		t.running = true
		go t.loop()
	}
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}

	// States seen while waiting, reported as they change.
	states := make(chan string, 8)
	t.watch(id, states)
	defer t.unwatch(id, states)
	last := ""
	for {
		select {
		case r := <-ch:
			return r.info, r.err
		case st := <-states:
			if st != last && onChange != nil {
				onChange(st)
			}
			last = st
		case <-ctx.Done():
			t.drop(id, ch)
			return jobInfo{}, ctx.Err()
		}
	}
}

func (t *tracker) watch(id string, ch chan string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.watchers[id] = append(t.watchers[id], ch)
}

func (t *tracker) unwatch(id string, ch chan string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	chans := slices.DeleteFunc(t.watchers[id], func(c chan string) bool { return c == ch })
	if len(chans) == 0 {
		delete(t.watchers, id)
	} else {
		t.watchers[id] = chans
	}
}

// tell passes a state squeue reported to the job's watchers; a watcher
// that is behind misses it (progress is best effort).
func (t *tracker) tell(id, state string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, ch := range t.watchers[id] {
		select {
		case ch <- state:
		default:
		}
	}
}

func (t *tracker) drop(id string, ch chan trackResult) {
	t.mu.Lock()
	defer t.mu.Unlock()
	chans := slices.DeleteFunc(t.waiters[id], func(c chan trackResult) bool { return c == ch })
	if len(chans) == 0 {
		delete(t.waiters, id)
	} else {
		t.waiters[id] = chans
	}
}

// deliver hands a job's result to everyone waiting for it.
func (t *tracker) deliver(id string, r trackResult) {
	t.mu.Lock()
	chans := t.waiters[id]
	delete(t.waiters, id)
	t.mu.Unlock()
	for _, ch := range chans {
		ch <- r
	}
}

// loop polls until nobody waits.
func (t *tracker) loop() {
	ctx := context.Background()
	interval := pollMin
	down := 0
	prev := map[string]string{}
	for {
		t.mu.Lock()
		ids := make([]string, 0, len(t.waiters))
		for id := range t.waiters {
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			t.running = false
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
		slices.Sort(ids)

		states, err := t.site.states(ctx, ids)
		switch {
		case errors.Is(err, errControllerDown):
			down++
			if down >= downLimit {
				for _, id := range ids {
					t.deliver(id, trackResult{err: fmt.Errorf("lost the controller while waiting for job %s: %w", id, err)})
				}
				down = 0
			}
		case err != nil:
			for _, id := range ids {
				t.deliver(id, trackResult{err: err})
			}
		default:
			down = 0
			changed := false
			for _, id := range ids {
				st, known := states[id]
				if st != prev[id] {
					changed = true
					prev[id] = st
					if known {
						t.tell(id, st)
					}
				}
				if known && !terminal(st) {
					continue
				}
				// Ended, or already forgotten by squeue: the full record.
				info, qerr := t.site.query(ctx, id)
				if qerr == nil && !terminal(info.State) {
					continue // squeue was a moment behind
				}
				delete(prev, id)
				t.deliver(id, trackResult{info: info, err: qerr})
			}
			if changed {
				interval = pollMin
			} else {
				interval = min(interval*2, pollMax)
			}
		}
		select {
		case <-t.wake:
			interval = pollMin
		case <-time.After(interval):
		}
	}
}

// states asks squeue for the state of the given jobs, finished ones
// included while the controller keeps them. A job missing from the answer
// is one the controller no longer knows.
func (s *Site) states(ctx context.Context, ids []string) (map[string]string, error) {
	out, err := s.run(ctx, nil, nil, "squeue", "-h", "-t", "all", "-j", strings.Join(ids, ","), "-o", "%i %T")
	if err != nil && !strings.Contains(err.Error(), "Invalid job id") {
		return nil, err
	}
	states := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		id, st, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok {
			states[id] = st
		}
	}
	return states, nil
}
