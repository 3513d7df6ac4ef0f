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

// ownedByUser reports whether the running user owns a file.
func ownedByUser(st os.FileInfo) bool {
	s, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(s.Uid) == os.Getuid()
}
