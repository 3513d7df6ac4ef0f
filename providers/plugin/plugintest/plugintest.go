// Package plugintest gives tests real Terraform provider binaries: it
// installs them from the Go module proxy with go install, pinned to
// versions known to work here, and caches them under testsrv.CacheDir()
// ($HOME/.cache/indigo-test) so the next run reuses them. It is for tests
// only.
package plugintest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// Real providers from the Go module proxy, pinned to versions known to
// install here. They show that binaries nobody wrote for indigo work
// unchanged: hashicorp/local (framework, protocol 5, muxed) and
// OpenStack (legacy SDK, protocol 5).
const (
	LocalModule      = "github.com/terraform-providers/terraform-provider-local"
	LocalVersion     = "v1.4.1-0.20260513075820-3561e410f9fe"
	OpenStackModule  = "github.com/terraform-provider-openstack/terraform-provider-openstack/v3"
	OpenStackVersion = "v3.4.0"
)

// RealProvider returns the path of a provider binary installed with go
// install into testsrv.CacheDir(), installing it the first time. It skips
// the test when that is impossible (or too slow for -short), unless
// INDIGO_TEST_REQUIRE=1 (testsrv.Missing).
func RealProvider(t testing.TB, module, version string) string {
	t.Helper()
	if bin := installed(module, version); exists(bin) {
		return bin
	}
	if testing.Short() {
		testsrv.Missing(t, fmt.Sprintf("%s is not installed and -short is set; install it with: %s", filepath.Base(installed(module, version)), installCommand(module, version)))
	}
	bin, err := Install(module, version, t.Logf)
	if err != nil {
		testsrv.Missing(t, err.Error())
	}
	return bin
}

// Install is RealProvider for programs that are not tests (make
// bench-vs): it returns the cached binary, installing it the first time
// and reporting that to logf, or an error that says how to install it by
// hand.
func Install(module, version string, logf func(format string, args ...any)) (string, error) {
	bin := installed(module, version)
	if exists(bin) {
		return bin, nil
	}
	name := filepath.Base(bin)
	install := installCommand(module, version)
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("%s is not installed and there is no go command; install it with: %s", name, install)
	}
	cmd := exec.Command(goBin, "install", module+"@"+version)
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Dir(bin))
	cmd.Dir = os.TempDir() // outside any module, so that @version applies
	logf("installing %s (once): %s", name, install)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("installing %s: %v\n%s", name, err, out)
	}
	return bin, nil
}

// installed is where Install puts module@version.
func installed(module, version string) string {
	name := filepath.Base(strings.TrimSuffix(module, "/v3"))
	return filepath.Join(testsrv.CacheDir(), "providers", name+"@"+version, name)
}

func installCommand(module, version string) string {
	return "GOBIN=" + filepath.Dir(installed(module, version)) + " go install " + module + "@" + version
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
