package install

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Every command that starts a provider checks its installed package
// against the lock file, and hashing a 25 MiB binary took about 20 ms of
// CPU before the provider could start, on every run. installedHash
// remembers a package directory's h1: beside it (a file .NAME.h1 next to
// the directory NAME) with the identity of each file it hashed: device,
// inode, size, mode, and modification and status-change times to the
// nanosecond. It hashes again as soon as any of them differs.
//
// The status-change time is what makes this safe: the kernel sets it to
// the current time on every write, rename, chmod or utime and no system
// call sets it back, so a file changed after it was hashed, or replaced by
// a copy (a restored CI cache, a plugin cache filled by someone else)
// shows a different one. A forged memo would have to name the inode and
// status-change time the file has on this machine; it then only states
// the hash the real file has. The kernel stamps times from a coarse
// clock, so a file changed within the same tick as it was hashed could
// keep its times: files whose status changed less than memoSettle before
// the hash are hashed again next time rather than remembered, as git does
// with its index.
//
// What the memo holds is still compared with the lock file's hashes, as a
// fresh hash would be. Only Linux keeps the status-change time where Go
// reads it (fileStamp); elsewhere every run hashes.
var memoSettle = 2 * time.Second // a variable for tests

// hashDir is HashDir, replaceable by tests to count hashing.
var hashDir = HashDir

// installedHash returns the h1: hash of an installed package directory,
// from the memo when every file is the one hashed.
func installedHash(dir string) (Hash, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return hashDir(dir)
	}
	before, ok := packageStamps(real)
	memoPath := filepath.Join(filepath.Dir(real), "."+filepath.Base(real)+".h1")
	if ok {
		if m, err := readMemo(memoPath); err == nil && slices.Equal(m.Files, before) {
			return m.Hash, nil
		}
	}
	h, err := hashDir(real)
	if err != nil || !ok {
		return h, err
	}
	after, ok := packageStamps(real)
	if ok && slices.Equal(before, after) && settled(after, time.Now()) {
		writeMemo(memoPath, hashMemo{Hash: h, Files: after})
	}
	return h, nil
}

// hashMemo is what the memo file holds.
type hashMemo struct {
	Hash  Hash        `json:"hash"`
	Files []fileStamp `json:"files"`
}

func readMemo(path string) (hashMemo, error) {
	var m hashMemo
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	err = json.Unmarshal(b, &m)
	return m, err
}

// writeMemo writes the memo atomically, or not at all: a read-only
// directory or a full disk only means hashing again next time.
func writeMemo(path string, m hashMemo) {
	if b, err := json.Marshal(m); err == nil {
		_ = writeFileAtomic(path, b, 0o600)
	}
}

// packageStamps lists the files HashDir hashes (every file under dir,
// links followed) with their stamps, in walk order; ok is false when a
// file's stamp cannot be read, and the package is then always hashed.
func packageStamps(dir string) (stamps []fileStamp, ok bool) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		s, ok := stampOf(fi)
		if !ok {
			return fs.ErrInvalid
		}
		s.Name, _ = filepath.Rel(dir, path)
		stamps = append(stamps, s)
		return nil
	})
	return stamps, err == nil && len(stamps) > 0
}

// settled reports whether every file's status last changed at least
// memoSettle before now.
func settled(stamps []fileStamp, now time.Time) bool {
	for _, s := range stamps {
		if now.Sub(time.Unix(0, s.Ctime)) < memoSettle || now.Sub(time.Unix(0, s.Mtime)) < memoSettle {
			return false
		}
	}
	return true
}

// fileStamp identifies one state of one file.
type fileStamp struct {
	Name  string `json:"name"`
	Dev   uint64 `json:"dev"`
	Ino   uint64 `json:"ino"`
	Size  int64  `json:"size"`
	Mode  uint32 `json:"mode"`
	Mtime int64  `json:"mtime"`
	Ctime int64  `json:"ctime"`
}
