package testsrv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeGo puts a go command on PATH that "builds" minio by writing a
// script, counting its runs in dir/builds, and returns that file.
func fakeGo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	count := filepath.Join(dir, "builds")
	script := fmt.Sprintf(`#!/bin/sh
echo "$@" >> %q
sleep 1
printf '#!/bin/sh\necho fake minio\n' > "$GOBIN/minio"
chmod +x "$GOBIN/minio"
`, count)
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return count
}

func builds(t *testing.T, count string) []string {
	t.Helper()
	b, err := os.ReadFile(count)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func forgetMinIOBinary() {
	minioTool.mu.Lock()
	minioTool.path = ""
	minioTool.mu.Unlock()
}

// TestMinIOBinaryBuildsOnce: several test binaries asking at once build
// the server once; a cached build of the pinned version is reused; a
// stamp of another version makes it build again.
func TestMinIOBinaryBuildsOnce(t *testing.T) {
	if os.Getenv("TESTSRV_CHILD") != "" {
		t.Skip("only in the parent")
	}
	cache := t.TempDir()
	t.Setenv("INDIGO_TEST_CACHE", cache)
	count := fakeGo(t)
	t.Cleanup(forgetMinIOBinary)

	var children []*exec.Cmd
	for range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMinIOBinaryChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TESTSRV_CHILD=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, cmd)
	}
	for _, cmd := range children {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("a child asking for the binary: %v", err)
		}
	}
	if b := builds(t, count); len(b) != 1 || b[0] != "install "+MinIOModule+"@"+MinIOVersion {
		t.Fatalf("go ran %q; want one install of the pin", b)
	}
	bin := filepath.Join(cache, "bin", "minio")
	if !stampIs(bin+".version", MinIOModule+"@"+MinIOVersion) {
		t.Error("no stamp for the pinned version")
	}

	forgetMinIOBinary()
	if got := MinIOBinary(t); got != bin {
		t.Errorf("MinIOBinary = %s, want %s", got, bin)
	}
	if b := builds(t, count); len(b) != 1 {
		t.Fatalf("a cached binary was built again: %q", b)
	}

	if err := os.WriteFile(bin+".version", []byte(MinIOModule+"@v0.0.0-20200101000000-000000000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	forgetMinIOBinary()
	MinIOBinary(t)
	if b := builds(t, count); len(b) != 2 {
		t.Fatalf("a binary of another version was not rebuilt: %q", b)
	}
}

// TestMinIOBinaryChild asks for the binary; TestMinIOBinaryBuildsOnce runs
// it in several processes at once.
func TestMinIOBinaryChild(t *testing.T) {
	if os.Getenv("TESTSRV_CHILD") == "" {
		t.Skip("helper process for TestMinIOBinaryBuildsOnce")
	}
	MinIOBinary(t)
}

// TestMinIOBinaryBuildFails: a failed build skips the test with the
// command to run, and leaves no stamp.
func TestMinIOBinaryBuildFails(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("INDIGO_TEST_CACHE", cache)
	t.Setenv("INDIGO_TEST_REQUIRE", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte("#!/bin/sh\necho 'module lookup disabled' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	forgetMinIOBinary()
	t.Cleanup(forgetMinIOBinary)
	r := &recorder{TB: t}
	if got := MinIOBinary(r); got != "" {
		t.Errorf("MinIOBinary = %q after a failed build", got)
	}
	if !r.skipped || !strings.Contains(r.msg, "module lookup disabled") || !strings.Contains(r.msg, "go install "+MinIOModule+"@"+MinIOVersion) {
		t.Errorf("skipped=%v, message %q; want a skip with the build's error and the command", r.skipped, r.msg)
	}
	if _, err := os.Stat(filepath.Join(cache, "bin", "minio.version")); !os.IsNotExist(err) {
		t.Errorf("a stamp after a failed build: %v", err)
	}
}
