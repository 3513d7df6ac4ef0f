package plugin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// testProviderBin is the test provider (internal/testprovider) built once
// for the whole test binary, or empty with testProviderErr saying why not.
var (
	testProviderBin string
	testProviderErr error
)

const testProviderName = "registry.terraform.io/indigo-cloud/indigotest"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "indigo-plugin-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testProviderBin, testProviderErr = buildTestProvider(dir)
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildTestProvider compiles internal/testprovider with the go command that
// runs these tests. The build cache makes it a link step after the first
// time.
func buildTestProvider(dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		if root := os.Getenv("GOROOT"); root != "" {
			goBin = filepath.Join(root, "bin", "go")
		} else {
			return "", fmt.Errorf("no go command to build the test provider: %w", err)
		}
	}
	bin := filepath.Join(dir, "terraform-provider-indigotest")
	cmd := exec.Command(goBin, "build", "-o", bin, "./internal/testprovider")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the test provider: %v\n%s", err, out)
	}
	return bin, nil
}

// needTestProvider skips (or, under INDIGO_TEST_REQUIRE=1, fails) a test
// when the test provider could not be built.
func needTestProvider(tb testing.TB) string {
	tb.Helper()
	if testProviderErr != nil {
		testsrv.Missing(tb, fmt.Sprintf("%v (install Go: https://go.dev/dl/)", testProviderErr))
	}
	return testProviderBin
}

// testLogger logs to stderr when INDIGO_TEST_LOG is set, else nowhere.
func testLogger() hclog.Logger {
	if os.Getenv("INDIGO_TEST_LOG") == "" {
		return nil
	}
	return hclog.New(&hclog.LoggerOptions{Name: "plugin-test", Level: hclog.Debug, Output: os.Stderr})
}

// providerCmd is the command starting the test provider speaking protocol
// with the given extra environment.
func providerCmd(tb testing.TB, protocol int, env ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(needTestProvider(tb))
	cmd.Env = append(os.Environ(), fmt.Sprintf("INDIGO_TESTPROVIDER_PROTOCOL=%d", protocol))
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// startProvider starts the test provider and closes it when the test ends.
func startProvider(tb testing.TB, protocol int, env ...string) *Provider {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := Start(ctx, StartOptions{Name: testProviderName, Cmd: providerCmd(tb, protocol, env...), Logger: testLogger()})
	if err != nil {
		tb.Fatalf("starting the test provider: %v", err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	return p
}

// objectOf is a value of the block's type: the given attributes, the rest
// null, nested blocks empty.
func objectOf(b *Block, vals map[string]cty.Value) cty.Value {
	all := b.emptyValue().AsValueMap()
	for k, v := range vals {
		all[k] = v
	}
	return cty.ObjectVal(all)
}

// processGone reports whether no process with pid exists (not even a
// zombie: Close reaps it).
func processGone(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	return p.Signal(syscall.Signal(0)) != nil
}

func testLoggerOrNull() hclog.Logger {
	if l := testLogger(); l != nil {
		return l
	}
	return hclog.NewNullLogger()
}
