package launch

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestGoBuildID reads the build ID of the test binary as `go tool buildid`
// prints it, and none from a file that is not an executable.
func TestGoBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	got := goBuildID(exe)
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	if want := strings.TrimSpace(string(out)); got == "" || got != want {
		t.Errorf("goBuildID = %q, want %q", got, want)
	}
	other := t.TempDir() + "/not-elf"
	if err := os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if id := goBuildID(other); id != "" {
		t.Errorf("goBuildID of a script = %q, want none", id)
	}
}
