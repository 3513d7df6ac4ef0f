package testsrv

import (
	"os/exec"
	"strings"
	"testing"
)

func TestTofuBinaryReportsItsRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds OpenTofu when it is not cached")
	}
	bin := TofuBinary(t)
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", bin, err, out)
	}
	if !strings.Contains(string(out), "OpenTofu "+OpenTofuVersion) {
		t.Fatalf("tofu version printed %q, want OpenTofu %s", out, OpenTofuVersion)
	}
}
