package testsrv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// tool is a server binary the tests build once, with Go, into
// CacheDir()/bin.
type tool struct {
	// name is the binary's name, and what messages call it.
	name, title string
	// want identifies what is built (module@version); it is written to
	// NAME.version beside the binary, so another pin rebuilds.
	want string
	// install is the command that builds it by hand, for messages.
	install string
	// manual marks a build too long and heavy to start from a test
	// unless asked (slowBuildAllowed): a missing binary skips the test
	// with install instead.
	manual bool
	// adopt, when set, accepts a binary without a stamp (built by hand
	// from the pinned version).
	adopt func(bin string) bool
	// steps are the go commands that build it (GOBIN is the cache),
	// each run in dir(work), where work is a fresh temporary directory;
	// an argument "{bin}" stands for the binary's path.
	steps [][]string
	dir   func(work, bin string) string

	mu   sync.Mutex
	path string
}

// binary returns the path of the tool's binary, building it when it is
// missing or was built from another pin (see build). When Go or the build
// is not available the test is skipped with the command to run (see
// Missing).
func (tl *tool) binary(t testing.TB) string {
	t.Helper()
	bin, err := tl.build(t.Logf)
	var m missingError
	if errors.As(err, &m) {
		Missing(t, string(m))
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// missingError says a tool cannot be built here, and how to build it by
// hand.
type missingError string

func (e missingError) Error() string { return string(e) }

// build returns the path of the tool's binary, building it when it is
// missing or was built from another pin. The build is serialised between
// processes with an flock on CacheDir()/bin/NAME.lock. logf receives
// progress. When Go or the build is not available the error is a
// missingError carrying the command to run.
func (tl *tool) build(logf func(format string, args ...any)) (string, error) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if tl.path != "" {
		return tl.path, nil
	}
	dir := filepath.Join(CacheDir(), "bin")
	bin := filepath.Join(dir, tl.name)
	stamp := bin + ".version"
	if stampIs(stamp, tl.want) && exists(bin) {
		tl.path = bin
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", missingError(fmt.Sprintf("%s: cannot create %s: %v; build it with: %s", tl.title, dir, err, tl.install))
	}
	unlock, err := lockFile(filepath.Join(dir, tl.name+".lock"))
	if err != nil {
		return "", missingError(fmt.Sprintf("%s: %v; build it with: %s", tl.title, err, tl.install))
	}
	defer unlock()
	// Someone else may have built it while we waited for the lock.
	if stampIs(stamp, tl.want) && exists(bin) {
		tl.path = bin
		return bin, nil
	}
	if tl.adopt != nil && tl.adopt(bin) {
		if err := os.WriteFile(stamp, []byte(tl.want+"\n"), 0o644); err != nil {
			return "", fmt.Errorf("stamping %s: %w", bin, err)
		}
		tl.path = bin
		return bin, nil
	}
	if tl.manual && !slowBuildAllowed() {
		return "", missingError(fmt.Sprintf("%s is not built (the Kubernetes control plane takes about 15 minutes and 3 GB of memory to build, once); build it with: %s", tl.title, tl.install))
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", missingError(fmt.Sprintf("%s: no go command to build it; install Go (https://go.dev/dl/), then: %s", tl.title, tl.install))
	}
	_ = os.Remove(stamp)
	work, err := os.MkdirTemp(CacheDir(), tl.name+"-build-")
	if err != nil {
		return "", missingError(fmt.Sprintf("%s: %v; build it with: %s", tl.title, err, tl.install))
	}
	defer os.RemoveAll(work)
	logf("building %s (%s) into %s; this takes minutes the first time", tl.title, tl.want, dir)
	start := time.Now()
	for _, step := range tl.steps {
		args := make([]string, len(step))
		for i, a := range step {
			args[i] = strings.ReplaceAll(a, "{bin}", bin)
		}
		cmd := exec.Command(goBin, args...)
		cmd.Dir = tl.dir(work, bin)
		cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=", "GOWORK=off")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return "", missingError(fmt.Sprintf("%s: go %s failed (%v):\n%s\nbuild it with: %s", tl.title, strings.Join(args, " "), err, tail(out.String(), 30), tl.install))
		}
	}
	logf("built %s in %s", tl.title, time.Since(start).Round(time.Second))
	if err := os.WriteFile(stamp, []byte(tl.want+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("stamping %s: %w", bin, err)
	}
	tl.path = bin
	return bin, nil
}
