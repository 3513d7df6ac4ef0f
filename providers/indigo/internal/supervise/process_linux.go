//go:build linux

package supervise

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Start starts spec detached: a new session (so a new process group
// whose id is its pid), stdin from /dev/null, stdout and stderr appended to
// the log file (which is truncated first). It survives this process exiting.
func Start(spec Spec) (*Process, error) {
	logFile, err := os.OpenFile(spec.LogPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the log file: %w", err)
	}
	defer logFile.Close()

	cmd := exec.Command(spec.Argv[0], spec.Argv[1:]...)
	cmd.Dir = spec.Dir
	cmd.Env = spec.Env
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{
		PID:     cmd.Process.Pid,
		cmd:     cmd,
		exited:  make(chan struct{}),
		release: make(chan struct{}),
		reaped:  make(chan struct{}),
	}
	go p.wait()
	// The process cannot have been reaped yet (only wait does that, after
	// release), so its /proc entry exists, as a zombie at worst.
	_, start, err := ReadProcStat(p.PID)
	if err != nil {
		_ = p.Abort(context.Background(), time.Second)
		return nil, fmt.Errorf("reading the start time of process %d: %w", p.PID, err)
	}
	p.StartTicks = start
	return p, nil
}

func (p *Process) wait() {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.PID, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	close(p.exited)
	<-p.release
	_ = p.cmd.Wait()
	close(p.reaped)
}

// ReadProcStat returns a process's state letter and its start time in clock
// ticks after boot (fields 3 and 22 of /proc/<pid>/stat).
func ReadProcStat(pid int) (state byte, startTicks uint64, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	return parseProcStat(data)
}

// parseProcStat reads the state and start time from a /proc/<pid>/stat line.
// The command name (field 2) is in parentheses and may itself contain spaces
// and parentheses, so fields are counted from the last ')'.
func parseProcStat(data []byte) (state byte, startTicks uint64, err error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, errors.New("malformed /proc stat: no command name")
	}
	fields := bytes.Fields(data[i+1:])
	// fields[0] is field 3 (state), so field N is fields[N-3].
	if len(fields) < 20 || len(fields[0]) != 1 {
		return 0, 0, errors.New("malformed /proc stat: too few fields")
	}
	startTicks, err = strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("malformed /proc stat start time: %w", err)
	}
	return fields[0][0], startTicks, nil
}

// procGroup reads the process group id (field 5) and state of a process.
func procGroup(pid int) (pgrp int, state byte, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := bytes.Fields(data[i+1:])
	if len(fields) < 3 || len(fields[0]) != 1 {
		return 0, 0, false
	}
	pgrp, err = strconv.Atoi(string(fields[2]))
	return pgrp, fields[0][0], err == nil
}

// Running reports whether the process pid exists, is not a zombie, and
// started at startTicks (so it is not a later process that reuses the pid).
func Running(pid int, startTicks uint64) bool {
	state, start, err := ReadProcStat(pid)
	if err != nil {
		return false
	}
	return start == startTicks && state != 'Z' && state != 'X'
}

// GroupMembers lists the live (not zombie) processes in process group pgid.
func GroupMembers(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, state, ok := procGroup(pid); ok && g == pgid && state != 'Z' && state != 'X' {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Stop ends the service whose leader is pid, if that process is still
// the one that was started (same start time): SIGTERM to its process group,
// then SIGKILL to what is left after timeout. A leader that is already gone
// means there is nothing of ours to stop.
func Stop(ctx context.Context, pid int, startTicks uint64, timeout time.Duration) error {
	if !Running(pid, startTicks) {
		return nil
	}
	return TerminateGroup(ctx, pid, timeout)
}

// TerminateGroup sends SIGTERM to process group pgid, waits up to timeout
// for every member to exit, then sends SIGKILL and waits again. The caller
// has made sure pgid is still the group it means.
func TerminateGroup(ctx context.Context, pgid int, timeout time.Duration) error {
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("sending SIGTERM to process group %d: %w", pgid, err)
	}
	if waitGroupGone(ctx, pgid, timeout) {
		return nil
	}
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("sending SIGKILL to process group %d: %w", pgid, err)
	}
	if waitGroupGone(context.WithoutCancel(ctx), pgid, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("process group %d still has processes %v after SIGKILL", pgid, GroupMembers(pgid))
}

func waitGroupGone(ctx context.Context, pgid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	delay := 5 * time.Millisecond
	for {
		if len(GroupMembers(pgid)) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
		delay = min(delay*2, 100*time.Millisecond)
	}
}
