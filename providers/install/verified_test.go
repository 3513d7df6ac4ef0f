package install

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestInstalledHashRemembersOnlyTheFilesItHashed checks the memo that
// spares each run hashing the provider binary: a settled package is hashed
// once, and any change to a file, even one keeping its size and
// modification time, or a forged memo, makes it hash again.
func TestInstalledHashRemembersOnlyTheFilesItHashed(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the memo needs the status-change time, read on Linux only")
	}
	var hashed int
	hashDir = func(dir string) (Hash, error) { hashed++; return HashDir(dir) }
	memoSettle = 300 * time.Millisecond
	t.Cleanup(func() { hashDir, memoSettle = HashDir, 2*time.Second })

	root := t.TempDir()
	pkg := filepath.Join(root, "linux_amd64")
	exe := filepath.Join(pkg, "terraform-provider-x_v1.0.0")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("the provider, first build"), 0o755); err != nil {
		t.Fatal(err)
	}
	want, err := HashDir(pkg)
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string, wantHash Hash, wantHashed int) {
		t.Helper()
		got, err := installedHash(pkg)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if got != wantHash || hashed != wantHashed {
			t.Fatalf("%s: hash %s after %d hashings, want %s after %d", step, got, hashed, wantHash, wantHashed)
		}
	}
	memo := filepath.Join(root, ".linux_amd64.h1")

	// Just written: hashed, not remembered (the kernel's clock is coarse).
	check("fresh package", want, 1)
	if _, err := os.Stat(memo); err == nil {
		t.Fatal("a package changed just now was remembered")
	}
	settle(t, exe)
	check("settled package", want, 2)
	check("again", want, 2)

	// Same size, same modification time, other content.
	mtime := statOf(t, exe).ModTime()
	if err := os.WriteFile(exe, []byte("the provider, other build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(exe, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	changed, _ := HashDir(pkg)
	check("rewritten in place", changed, 3)

	// A file added beside the binary.
	settle(t, exe)
	check("settled again", changed, 4)
	if err := os.WriteFile(filepath.Join(pkg, "README"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	added, _ := HashDir(pkg)
	check("file added", added, 5)
	if err := os.Remove(filepath.Join(pkg, "README")); err != nil {
		t.Fatal(err)
	}

	// A forged memo stating the lock's hash for files it did not see.
	writeMemo(memo, hashMemo{Hash: "h1:forged", Files: []fileStamp{{Name: "terraform-provider-x_v1.0.0", Size: 25}}})
	check("forged memo", changed, 6)
	os.WriteFile(memo, []byte("{not json"), 0o644)
	check("unreadable memo", changed, 7)
}

// settle moves a file's times back as if it had been written a while ago
// and waits out the status-change time the move itself sets.
func settle(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	time.Sleep(memoSettle + 100*time.Millisecond)
}

func statOf(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}
