package main

import (
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestFallbackRunsOut applies the quickstart with its web port already
// taken: the service fails on alpha, falls back to beta, fails there too.
// The user is told each move once, then that no site is left, with each
// site's error once, and the state holds nothing of the deployment.
func TestFallbackRunsOut(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		testsrv.Missing(t, "python3 serves the quickstart's page: apt-get install -y python3")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := strconv.Itoa(taken.Addr().(*net.TCPAddr).Port)
	dir := copyExample(t, "quickstart")
	out, code := runIn(t, dir, "apply", "-auto-approve", "-var", "port="+port)
	if code != 1 {
		t.Fatalf("apply with the port taken: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"deployment.web could not be created on site alpha and was placed on site beta instead.",
		"deployment.web could not be created on site beta, and no other site was left.",
		"Error: No site can take deployment.web",
		"  site alpha: failed on apply: deployment.web.indigo_service.http: Service failed to start",
		"  site beta: failed on apply: deployment.web.indigo_service.http: Service failed to start",
	} {
		if n := strings.Count(out, want); n != 1 {
			t.Errorf("%q appears %d times, want once:\n%s", want, n, out)
		}
	}
	if strings.Contains(out, "(none left)") {
		t.Errorf("a made-up site is shown:\n%s", out)
	}
	list, _ := runIn(t, dir, "state", "list")
	if strings.Contains(list, "deployment.web") {
		t.Errorf("the state still records deployment.web:\n%s", list)
	}
	if out, code := runIn(t, dir, "destroy", "-auto-approve", "-var", "port="+port); code != 0 {
		t.Fatalf("destroy: %d\n%s", code, out)
	}
}
