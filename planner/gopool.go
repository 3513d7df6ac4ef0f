package planner

import "time"

// goPool runs functions on goroutines it keeps for a while. A plan ran
// each resource instance and each validation on a goroutine of its own,
// which starts with a small stack and grew it again for every instance
// (HCL evaluation and gRPC calls are deep): growing stacks was about 7% of
// a no-change plan's CPU. A kept goroutine has its stack grown already.
//
// Go never waits: with no idle goroutine it starts one. So a pool limits
// nothing (spawn's work slots do), and a function that blocks holds only
// its own goroutine. An idle goroutine ends after goIdle.
type goPool struct {
	idle chan func()
}

const goIdle = time.Second

// workers is the pool every run shares.
var workers = &goPool{idle: make(chan func())}

// Go runs fn on an idle goroutine of the pool, or on a new one.
func (p *goPool) Go(fn func()) {
	select {
	case p.idle <- fn:
	default:
		go p.work(fn)
	}
}

func (p *goPool) work(fn func()) {
	t := time.NewTimer(goIdle)
	defer t.Stop()
	for {
		fn()
		t.Reset(goIdle)
		select {
		case fn = <-p.idle:
		case <-t.C:
			return
		}
	}
}
