package local_test

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const crashRootEnv = "INDIGO_TEST_CRASH_ROOT"

// TestCrashHelper is the process TestKilledSync kills: it syncs a replica
// of root/src into root/replica. It does nothing in a normal test run.
func TestCrashHelper(t *testing.T) {
	root := os.Getenv(crashRootEnv)
	if root == "" {
		t.Skip("helper process for TestKilledSync")
	}
	h := newHarness(t, root)
	h.Create(copyType, map[string]any{"path": "replica", "source": filepath.Join(root, "src")})
}

// TestKilledSync kills an apply (kill -9) in the middle of a sync: every
// file under its real name in the replica is whole, and the next apply
// finishes the job and clears the temporary files.
func TestKilledSync(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 48 MiB")
	}
	root := t.TempDir()
	src := filepath.Join(root, "src")
	chunk := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	for i := range 48 {
		writeFile(t, src, fmt.Sprintf("d%d/f%02d", i%4, i), fmt.Sprintf("%02d", i)+chunk, 0o644)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashRootEnv+"="+root)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	replica := filepath.Join(root, "replica")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n := countFiles(replica); n >= 8 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Skip("the sync finished before it could be killed")
	}

	want := tree(t, src)
	temps, whole := 0, 0
	for rel, got := range tree(t, replica) {
		if strings.HasPrefix(filepath.Base(rel), ".indigo-tmp-") {
			temps++
			continue
		}
		if got != want[rel] {
			t.Errorf("after kill -9, %s is under its real name but not whole", rel)
		}
		whole++
	}
	t.Logf("killed with %d whole files and %d temporary files in the replica", whole, temps)

	h := newHarness(t, root)
	state := h.Create(copyType, map[string]any{"path": "replica", "source": src})
	sameData(t, src, replica)
	for rel := range tree(t, replica) {
		if strings.Contains(rel, ".indigo-tmp-") {
			t.Errorf("temporary file %s left after the next apply", rel)
		}
	}
	refresh(t, h, state, counts{files: 48, bytes: 48 * int64(len(chunk)+2), inSync: true})
}

// countFiles counts the regular files under dir, 0 while it does not exist.
func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}
