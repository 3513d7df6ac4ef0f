//go:build !unix

package hcllang

import "os"

// fileID is 0 where files have no inode: size and modification time
// identify the executable.
func fileID(os.FileInfo) uint64 { return 0 }

// ownedByUser is true where files have no Unix owner: the user's cache
// directory is private to the user there.
func ownedByUser(os.FileInfo) bool { return true }
