// Package supervise starts and watches the long-running local processes of
// indigo's built-in provider: indigo_service (providers/indigo) and
// indigo_container (providers/indigo/container) share it.
//
// A process is started detached (its own session, so its own process group
// whose id is its pid) and survives the provider and indigo. It is known by
// its pid and its start time in /proc (Running), so a later process that
// reuses the pid is never mistaken for it. Start watches for its exit
// without reaping it, so while the caller decides whether the start
// succeeded (AwaitHealthy), its process group cannot be reused under it.
// Stop ends the whole process group: SIGTERM, then SIGKILL.
//
// It is not a process manager: nothing restarts a process that dies; the
// next plan notices it (the resources' Read) and the next apply starts it.
// It needs Linux (/proc and sessions); elsewhere Start fails.
package supervise

import (
	"context"
	"os/exec"
	"time"
)

// Spec is what Start runs.
type Spec struct {
	Argv    []string // the program (looked up in PATH when it has no slash) and its arguments
	Dir     string   // the working directory
	Env     []string // the whole environment (see Env)
	LogPath string   // where stdout and stderr go; truncated at start
}

// Process is a process Start started. Its exit is noticed without reaping
// it, so its pid (which is also its process group id) cannot be reused
// while the caller may still signal the group. Call Release once the start
// succeeded, or Abort to stop it.
type Process struct {
	PID        int
	StartTicks uint64 // the start time in clock ticks after boot (/proc/<pid>/stat field 22)
	cmd        *exec.Cmd

	exited  chan struct{} // closed when the process has exited (still a zombie)
	release chan struct{} // closed to let the waiter reap it
	reaped  chan struct{} // closed after it was reaped; cmd.ProcessState is then set
}

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Release leaves the process on its own: it is reaped whenever it exits,
// so it does not linger as a zombie while the provider lives.
func (p *Process) Release() { close(p.release) }

// Abort stops the process's whole group (SIGTERM, then SIGKILL after
// timeout) and reaps it, for a start that failed.
func (p *Process) Abort(ctx context.Context, timeout time.Duration) error {
	err := TerminateGroup(ctx, p.PID, timeout)
	close(p.release)
	<-p.reaped
	return err
}

// ExitStatus describes how a process that was aborted or released ended.
func (p *Process) ExitStatus() string {
	if p.cmd == nil || p.cmd.ProcessState == nil {
		return "ended"
	}
	return p.cmd.ProcessState.String()
}
