//go:build !linux

package supervise

import (
	"context"
	"errors"
	"time"
)

var errUnsupported = errors.New("supervised processes need Linux (/proc and process sessions)")

func Start(Spec) (*Process, error) { return nil, errUnsupported }

func Running(int, uint64) bool { return false }

func GroupMembers(int) []int { return nil }

func ReadProcStat(int) (byte, uint64, error) { return 0, 0, errUnsupported }

func Stop(context.Context, int, uint64, time.Duration) error { return errUnsupported }

func TerminateGroup(context.Context, int, time.Duration) error { return errUnsupported }
