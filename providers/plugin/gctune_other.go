//go:build !linux

package plugin

import "os"

// peakKiB is not learnt here (GCNotes).
func peakKiB(*os.ProcessState) int64 { return 0 }
