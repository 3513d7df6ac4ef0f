package plugin

import (
	"os"
	"syscall"
)

// peakKiB is an exited process's peak resident memory.
func peakKiB(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss // KiB on Linux
	}
	return 0
}
