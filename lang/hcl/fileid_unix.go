//go:build unix

package hcllang

import (
	"os"
	"syscall"
)

// fileID is the inode of a file, to tell a replaced file from one whose
// size and modification time are the same.
func fileID(st os.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(s.Ino)
	}
	return 0
}
