//go:build !linux

package indigo

import (
	"context"
	"errors"
	"os/exec"
	"time"
)

var errServiceUnsupported = errors.New("indigo_service needs Linux (/proc and process sessions)")

type processSpec struct {
	argv    []string
	dir     string
	env     []string
	logPath string
}

type process struct {
	pid        int
	startTicks uint64
	cmd        *exec.Cmd

	exited  chan struct{}
	release chan struct{}
	reaped  chan struct{}
}

func startProcess(processSpec) (*process, error) { return nil, errServiceUnsupported }

func (p *process) exitStatus() string { return "ended" }

func running(int, uint64) bool { return false }

func stopService(context.Context, int, uint64, time.Duration) error { return errServiceUnsupported }

func terminateGroup(context.Context, int, time.Duration) error { return errServiceUnsupported }
