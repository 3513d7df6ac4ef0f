package testsrv

import (
	"os/exec"
	"strings"
	"testing"
)

func TestOPABinaryReportsItsRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds OPA when it is not cached")
	}
	bin := OPABinary(t)
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", bin, err, out)
	}
	if !strings.Contains(string(out), "Version: "+strings.TrimPrefix(OPAVersion, "v")+"\n") {
		t.Fatalf("opa version printed %q, want Version: %s", out, OPAVersion)
	}
}
